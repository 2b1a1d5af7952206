/* Minimal test helpers: each check prints "ok"/"not ok" with a description
 * and counts failures; a test program exits non-zero if any check failed,
 * and 77 (meson's "skipped") when its input data is absent. */
#ifndef LOOKSLIKE_TEST_CHECK_H
#define LOOKSLIKE_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures, check_count;

__attribute__((format(printf, 2, 3))) static int check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", ok ? "ok" : "not ok", ++check_count);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!ok)
        check_failures++;
    return ok;
}

static int check_done(void)
{
    printf("1..%d\n# %d passed, %d failed\n", check_count, check_count - check_failures, check_failures);
    return check_failures ? 1 : 0;
}

__attribute__((unused)) static unsigned char *check_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The rows of the .u8 files in ../shared/reference/outputs: these images, in this order. */
#define REFERENCE_IMAGES 8
__attribute__((unused)) static const char *const reference_images[REFERENCE_IMAGES] = {
    "bird.bmp", "cat.bmp", "dragonfly.bmp", "grace_hopper.bmp", "hot_dog.jpg", "owl.jpg", "parrot.jpg", "sunflower.bmp"};

/* Whether ../shared/reference (REF_DIR) holds the reference tensors; says
 * SKIP when not, for the caller to return 77. */
__attribute__((unused)) static int check_have_reference(const char *ref_dir)
{
    char probe[4096];
    size_t len;
    snprintf(probe, sizeof probe, "%s/tensors/cat.bmp.crop.rgb", ref_dir);
    unsigned char *p = check_read_file(probe, &len);
    if (!p)
        printf("# SKIP: no reference tensors in %s\n", ref_dir);
    free(p);
    return p != NULL;
}

#endif
