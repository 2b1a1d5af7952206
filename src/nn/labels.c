#include "labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../file_read.h"
#include "../json_text.h"


int nn_labels_load(nn_labels *l, const char *path, int expected, const file_observer *seen, char *err,
                   size_t errlen)
{
    memset(l, 0, sizeof *l);
    l->background = -1;
    size_t len;
    l->storage = (char *)file_read_seen(path, NN_LABELS_MAX_BYTES, &len, seen, err, errlen);
    if (!l->storage)
        return -1;
    if (memchr(l->storage, '\0', len)) {
        snprintf(err, errlen, "%s: not a labels text file (NUL bytes)", path);
        nn_labels_free(l);
        return -1;
    }
    l->full = calloc((size_t)expected + 1, sizeof *l->full);
    l->short_name = calloc((size_t)expected + 1, sizeof *l->short_name);
    if (!l->full || !l->short_name) {
        snprintf(err, errlen, "%s: out of memory", path);
        nn_labels_free(l);
        return -1;
    }
    /* Each line is cut in place: full name up to the newline; the short name
     * is a second copy cut at the first comma. */
    char *p = l->storage;
    while (*p && l->count < expected) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        size_t n = strlen(p);
        if (n && p[n - 1] == '\r')
            p[--n] = '\0';
        if (n == 0)
            break;
        /* Labels go into JSON and the UI as they are: UTF-8 only (a Latin-1
         * file made /v1/models invalid and the UI's model list empty). */
        long bad = utf8_invalid_at(p);
        if (bad >= 0) {
            snprintf(err, errlen, "%s:%d: not UTF-8 text (byte 0x%02x at column %ld): save the labels as UTF-8", path,
                     l->count + 1, (unsigned char)p[bad], bad + 1);
            nn_labels_free(l);
            return -1;
        }
        l->full[l->count] = p;
        l->short_name[l->count] = strndup(p, strcspn(p, ","));
        if (!l->short_name[l->count]) {
            snprintf(err, errlen, "%s: out of memory", path);
            nn_labels_free(l);
            return -1;
        }
        l->count++;
        p = nl ? nl + 1 : p + n;
    }
    if (l->count != expected) {
        snprintf(err, errlen, "%s: expected %d non-empty lines, one per model output; line %d is %s", path, expected,
                 l->count + 1, *p ? "empty" : "missing");
        nn_labels_free(l);
        return -1;
    }
    /* First in ImageNet's files, last in iNaturalist's, absent in Darknet's. */
    for (int i = 0; i < l->count && l->background < 0; i++)
        if (!strcmp(l->full[i], "background"))
            l->background = i;
    return 0;
}

void nn_labels_free(nn_labels *l)
{
    for (int i = 0; l->short_name && i < l->count && l->short_name[i]; i++)
        free(l->short_name[i]);
    free(l->short_name);
    free(l->full);
    free(l->storage);
    memset(l, 0, sizeof *l);
    l->background = -1;
}

int nn_top_k(const float *probs, int n, int k, int skip, int *out)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        if (i == skip)
            continue;
        /* insertion into the sorted prefix; strict '>' keeps lower indices first on ties */
        int pos = count < k ? count : k;
        while (pos > 0 && probs[i] > probs[out[pos - 1]])
            pos--;
        if (pos >= k)
            continue;
        int last = count < k ? count : k - 1;
        for (int j = last; j > pos; j--)
            out[j] = out[j - 1];
        out[pos] = i;
        if (count < k)
            count++;
    }
    return count;
}
