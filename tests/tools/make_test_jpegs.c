/* Writes small JPEGs that exercise the decoder's edges into a directory:
 * baseline RGB, grayscale, progressive, CMYK, too small, and one whose header
 * claims 65535x65535 pixels. Generated at test time, so nothing binary is
 * committed. usage: make_test_jpegs OUT_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/* patch_size: when non-zero, the frame header is rewritten to claim that many
 * pixels in each dimension. */
static int write_jpeg(const char *dir, const char *name, int w, int h, int pf, int subsamp, int flags,
                      int patch_size)
{
    int ps = tjPixelSize[pf];
    unsigned char *px = malloc((size_t)w * h * ps);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < ps; c++) /* smooth colour gradients with a diagonal stripe */
                px[((size_t)y * w + x) * ps + c] = (unsigned char)((x * 255 / w + y * 97 / h + c * 60 +
                                                                    ((x + y) % 16 < 8 ? 40 : 0)) & 0xff);
    tjhandle tj = tjInitCompress();
    unsigned char *jpeg = NULL;
    unsigned long len = 0;
    if (tjCompress2(tj, px, w, 0, h, pf, &jpeg, &len, subsamp, 90, flags) != 0) {
        fprintf(stderr, "%s: %s\n", name, tjGetErrorStr2(tj));
        return -1;
    }
    if (patch_size) { /* SOF: marker, length(2), precision(1), height(2), width(2) */
        for (unsigned long i = 0; i + 8 < len; i++)
            if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2)) {
                jpeg[i + 5] = jpeg[i + 7] = (unsigned char)(patch_size >> 8);
                jpeg[i + 6] = jpeg[i + 8] = (unsigned char)(patch_size & 0xff);
                break;
            }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(jpeg, 1, len, f) != len || fclose(f) != 0)
        return -1;
    tjFree(jpeg);
    tjDestroy(tj);
    free(px);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    const char *d = argv[1];
    int rc = 0;
    rc |= write_jpeg(d, "rgb_320x240.jpg", 320, 240, TJPF_RGB, TJSAMP_420, 0, 0);
    rc |= write_jpeg(d, "gray_300x200.jpg", 300, 200, TJPF_GRAY, TJSAMP_GRAY, 0, 0);
    rc |= write_jpeg(d, "progressive_256x256.jpg", 256, 256, TJPF_RGB, TJSAMP_444, TJFLAG_PROGRESSIVE, 0);
    rc |= write_jpeg(d, "cmyk_200x200.jpg", 200, 200, TJPF_CMYK, TJSAMP_444, 0, 0);
    rc |= write_jpeg(d, "tiny_8x8.jpg", 8, 8, TJPF_RGB, TJSAMP_444, 0, 0);
    rc |= write_jpeg(d, "claims_60000x60000.jpg", 64, 64, TJPF_RGB, TJSAMP_444, 0, 60000);
    rc |= write_jpeg(d, "claims_65535x65535.jpg", 64, 64, TJPF_RGB, TJSAMP_444, 0, 65535);
    return rc ? 1 : 0;
}
