/* A model's files hashed with Nettle's SHA-256 (model_version.h), read in
 * pieces: a model's weights are never held twice for it. */
#include "model_version.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int model_version_of(const char *const *paths, int n, char out[MODEL_VERSION_SIZE], char *err, size_t errlen)
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    uint8_t buf[65536];
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f) {
            snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
            return -1;
        }
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0)
            sha256_update(&ctx, got, buf);
        int failed = ferror(f);
        fclose(f);
        if (failed) {
            snprintf(err, errlen, "%s: read error", paths[i]);
            return -1;
        }
    }
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof digest, digest);
    for (int i = 0; i < MODEL_VERSION_DIGITS / 2; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    return 0;
}
