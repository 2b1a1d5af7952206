#include "file_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "prefault.h"

uint8_t *file_read(const char *path, size_t limit, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 0;
    uint8_t *buf = NULL;
    int failed = 0;
    /* A regular file's size is known: one buffer of that size (a 17 MB weights
     * file read by doubling was copied ~34 MB over and faulted in twice). */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= limit &&
        (buf = prefaulted_alloc((size_t)st.st_size + 2)))
        cap = (size_t)st.st_size + 2;
    for (;;) {
        if (cap - n < 2) { /* room for one more byte and the NUL */
            size_t want = cap ? 2 * cap : 65536;
            if (want > limit + 2)
                want = limit + 2; /* enough to see the limit exceeded */
            uint8_t *b = realloc(buf, want);
            if (!b) {
                failed = snprintf(err, errlen, "%s: out of memory", path);
                break;
            }
            buf = b;
            cap = want;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (n > limit) {
            failed = snprintf(err, errlen, "%s: more than the %zu bytes allowed", path, limit);
            break;
        }
        if (got == 0) {
            if (ferror(f))
                failed = snprintf(err, errlen, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

uint8_t *file_read_seen(const char *path, size_t limit, size_t *len, const file_observer *seen, char *err,
                        size_t errlen)
{
    uint8_t *data = file_read(path, limit, len, err, errlen);
    if (data && seen)
        seen->bytes(seen->ctx, data, *len);
    return data;
}
