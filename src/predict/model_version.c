/* A model's files hashed with Nettle's SHA-256 (model_version.h) as the
 * loaders read them: a model's weights are never read twice for it. */
#include "model_version.h"

#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct model_version_hash {
    struct sha256_ctx ctx;
};

model_version_hash *model_version_begin(void)
{
    model_version_hash *h = malloc(sizeof *h);
    if (h)
        sha256_init(&h->ctx);
    return h;
}

static void hash_bytes(void *ctx, const uint8_t *data, size_t len)
{
    model_version_hash *h = ctx;
    sha256_update(&h->ctx, len, data);
}

file_observer model_version_observer(model_version_hash *h)
{
    return (file_observer){hash_bytes, h};
}

void model_version_end(model_version_hash *h, char out[MODEL_VERSION_SIZE])
{
    if (out) {
        uint8_t digest[SHA256_DIGEST_SIZE];
        sha256_digest(&h->ctx, sizeof digest, digest);
        for (int i = 0; i < MODEL_VERSION_DIGITS / 2; i++)
            snprintf(out + 2 * i, 3, "%02x", digest[i]);
    }
    free(h);
}
