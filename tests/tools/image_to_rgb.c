/* image_to_rgb [--isolate] [--max-pixels N] FILE: decodes FILE with
 * lookslike's image decoder (any format it reads) and writes "WIDTH HEIGHT\n"
 * and the raw RGB bytes to stdout, for tests that compare them with an
 * independent decoder. --isolate: as the server decodes (lossless WebP in its
 * helper process, image_decode_options.isolate).
 * On failure: "CODE: reason" on stderr, CODE the outcome's error code
 * (outcome.h: invalid_image, unsupported_media_type, image_too_large, ...); exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "image/image_decode.h"

int main(int argc, char **argv)
{
    unsigned long long max_pixels = 1ull << 32;
    int a = 1, isolate = 0;
    if (a < argc && !strcmp(argv[a], "--isolate"))
        isolate = 1, a++;
    if (a + 1 < argc && !strcmp(argv[a], "--max-pixels"))
        max_pixels = strtoull(argv[a + 1], NULL, 10), a += 2;
    if (a != argc - 1) {
        fprintf(stderr, "usage: image_to_rgb [--isolate] [--max-pixels N] FILE\n");
        return 2;
    }
    char err[256];
    size_t len;
    uint8_t *data = file_read(argv[a], 1u << 30, &len, err, sizeof err);
    image_decoder *d = image_decoder_new();
    if (!data || !d) {
        fprintf(stderr, "%s\n", data ? "out of memory" : err);
        return 2;
    }
    rgb_image img;
    outcome st =
        image_decode(d, data, len, &(image_decode_options){max_pixels, 1, 0, 0, isolate}, &img, err, sizeof err);
    int rc = 0;
    if (st != OUTCOME_OK) {
        fprintf(stderr, "%s: %s\n", outcome_code(st), err);
        rc = 1;
    } else {
        printf("%d %d\n", img.width, img.height);
        fwrite(img.rgb, 3, (size_t)img.width * (size_t)img.height, stdout);
    }
    image_decoder_free(d);
    free(data);
    return rc;
}
