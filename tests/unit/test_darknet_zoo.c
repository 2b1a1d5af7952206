/* Every ImageNet classifier of the Darknet model zoo (the cfgs Debian's
 * darknet package ships) runs on the default engine with Darknet's
 * semantics: for each, libdarknet makes seeded random weights (see
 * tests/tools/darknet_zoo.h), runs the original cfg itself, and the oneDNN
 * engine, given our loader's reading of the same files, must agree: the same
 * top-5 classes (up to the order of near-ties, within 0.1 %) and every
 * probability within 1e-4 and within 0.1 % of
 * libdarknet's (random weights leave many probabilities near 1/1000, where
 * 1e-4 alone would say little). The engine runs as the server's default
 * --winograd auto has it: on AVX-512 some 3x3 convolutions as Winograd's;
 * with AVX-512, at least one model's probabilities must differ from the
 * direct kernels' (--winograd 0), else the test compared nothing.
 *
 * usage: test_darknet_zoo ZOO_CFG_DIR WORK_DIR PHOTO.jpg NAME[@SIZE]...
 * (SIZE: the input width and height to run at instead of the cfg's; a NAME
 * with a '/' is the path of a cfg of the tests' own, tests/engine/routes.cfg). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "darknet_zoo.h"
#include "nn/darknet_free.h"
#include "nn/input_normalize.h"
#include "image/jpeg_decode.h"
#include "image/preprocess.h"
#include "nn/engine.h"
#include "nn/labels.h"
#include "nn/model.h"

#define TOP 5

static int winograd_ran; /* models whose probabilities differ from the direct kernels' */

/* The photo, centre-cropped and resized to w x h, as uint8 RGB. */
static uint8_t *photo_pixels(const char *path, int w, int h)
{
    size_t len;
    unsigned char *jpeg = check_read_file(path, &len);
    jpeg_decoder *d = jpeg_decoder_new();
    resize_workspace *ws = resize_workspace_new();
    uint8_t *out = malloc((size_t)w * h * 3);
    image_decode_options opt = {.max_pixels = 1u << 26, .min_side = 1};
    rgb_image img;
    char err[256];
    if (!jpeg || !d || !ws || !out || jpeg_decode(d, jpeg, len, &opt, &img, err, sizeof err) != OUTCOME_OK ||
        preprocess_rgb(ws, img.rgb, img.width, img.height, PREPROCESS_DARKNET, CROP_CENTER, out, w, h) < 0) {
        free(out);
        out = NULL;
    }
    free(jpeg);
    jpeg_decoder_free(d);
    resize_workspace_free(ws);
    return out;
}

static void compare(const char *zoo, const char *work, const char *photo, const char *spec)
{
    char name[1024], src[4096], cfg[4096], weights[4096], err[NN_ERR_LEN];
    int size = 0;
    if (sscanf(spec, "%1023[^@]@%d", name, &size) < 1)
        return;
    if (strchr(name, '/')) { /* a cfg of the tests' own: NAME is its path */
        snprintf(src, sizeof src, "%s", name);
        memmove(name, strrchr(name, '/') + 1, strlen(strrchr(name, '/')));
        *strrchr(name, '.') = '\0';
    } else {
        snprintf(src, sizeof src, "%s/%s.cfg", zoo, name);
    }
    snprintf(cfg, sizeof cfg, "%s/%s.cfg", work, name);
    snprintf(weights, sizeof weights, "%s/%s.weights", work, name);
    if (!check(zoo_write_cfg(src, cfg, size) == 0, "%s: cfg for batch 1%s", name, size ? " at another size" : ""))
        return;
    /* Our loader first: it must accept the cfg before libdarknet (which exits on errors) sees it. */
    nn_model m;
    size_t len;
    char *text = (char *)check_read_file(cfg, &len);
    int parsed = text ? nn_model_parse_cfg(&m, text, len, cfg, err, sizeof err) : -1;
    free(text);
    if (!check(parsed == 0, "%s: the loader accepts the cfg (%s)", name, parsed ? err : "ok"))
        return;
    size_t n = nn_model_outputs(&m), in_size = nn_shape_size(m.input);
    uint8_t *pixels = photo_pixels(photo, m.input.w, m.input.h);
    float *x = malloc(in_size * sizeof *x), *ours = malloc(n * sizeof *ours);
    if (!check(pixels && x && ours && m.input.c == 3, "%s: input %dx%dx%d", name, m.input.w, m.input.h, m.input.c))
        goto out;
    nn_normalize_input(&m, pixels, x);
    network *net = zoo_make_weights(cfg, weights, 2222222, x);
    nn_model_free(&m);
    if (!check(net != NULL, "%s: libdarknet makes the weights", name))
        goto out;
    float *theirs = network_predict(net, x);
    if (net->hierarchy) /* darknet9000: what darknet's classifier reports, leaves' absolute probabilities */
        hierarchy_predictions(theirs, (int)n, net->hierarchy, 1, 1);
    int loaded = nn_model_load(&m, cfg, weights, err, sizeof err);
    if (!check(loaded == 0, "%s: the loader accepts the weights (%s)", name, loaded ? err : "ok")) {
        darknet_free_network(net);
        goto out;
    }
    /* The direct kernels' probabilities, to see whether the default ran Winograd's. */
    nn_onednn_use_winograd("0", err, sizeof err);
    nn_engine *direct = nn_engine_create("onednn", &m, 1, err, sizeof err);
    nn_onednn_use_winograd("auto", err, sizeof err);
    float *plain = malloc(n * sizeof *plain);
    int have_plain = direct && plain && nn_engine_run(direct, pixels, plain, 1) == 0;
    nn_engine_destroy(direct);
    for (int threads = 1; threads <= 2; threads++) {
        nn_engine *e = nn_engine_create("onednn", &m, threads, err, sizeof err);
        if (!check(e && nn_engine_run(e, pixels, ours, threads) == 0, "%s: the oneDNN engine runs (%s)", name,
                   e ? "ok" : err)) {
            nn_engine_destroy(e);
            continue;
        }
        nn_engine_destroy(e);
        if (threads == 1 && have_plain && memcmp(plain, ours, n * sizeof *ours)) {
            winograd_ran++;
            printf("# %s: Winograd's kernels ran (the probabilities differ from the direct kernels')\n", name);
        }
        int a[TOP], b[TOP];
        nn_top_k(ours, (int)n, TOP, -1, a);
        nn_top_k(theirs, (int)n, TOP, -1, b);
        double worst = 0, worst_log = 0; /* log: relative, for the many tiny probabilities */
        for (size_t c = 0; c < n; c++) {
            worst = fmax(worst, fabs((double)ours[c] - theirs[c]));
            worst_log = fmax(worst_log, fabs(log((double)ours[c]) - log((double)theirs[c])));
        }
        /* Random weights leave near-ties; classes whose probabilities (in
         * libdarknet's own output) are within 0.1 % of each other, the
         * tolerance below, may come in either order. */
        int same = 1, swapped = 0;
        for (int r = 0; r < TOP; r++) {
            swapped += a[r] != b[r];
            same &= a[r] == b[r] || fabs((double)theirs[a[r]] - theirs[b[r]]) <= 1e-3 * theirs[b[r]];
        }
        check(same, "%s, %d thread%s: top-5 = libdarknet's (%d %d %d %d %d; p1 %.4f; ours %d %d %d %d %d, %d ranks "
              "swapped within a tie)",
              name, threads, threads > 1 ? "s" : "", b[0], b[1], b[2], b[3], b[4], theirs[b[0]], a[0], a[1], a[2],
              a[3], a[4], swapped);
        check(worst <= 1e-4 && worst_log <= 1e-3,
              "%s, %d thread%s: every probability within 1e-4 of libdarknet's (worst %.2e) and 0.1 %% of it "
              "(worst log ratio %.2e)",
              name, threads, threads > 1 ? "s" : "", worst, worst_log);
    }
    darknet_free_network(net);
    nn_model_free(&m);
    free(plain);
out:
    free(pixels);
    free(x);
    free(ours);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s ZOO_CFG_DIR WORK_DIR PHOTO.jpg NAME[@SIZE]...\n", argv[0]);
        return 2;
    }
    if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
        perror(argv[2]);
        return 1;
    }
    for (int i = 4; i < argc; i++)
        compare(argv[1], argv[2], argv[3], argv[i]);
#ifdef __x86_64__
    if (__builtin_cpu_supports("avx512f"))
        check(winograd_ran > 0, "on AVX-512, the default ran Winograd's kernels for %d of the models", winograd_ran);
    else
#endif
        printf("ok - # SKIP the default ran Winograd's kernels: oneDNN has them on AVX-512 only (%d models)\n",
               winograd_ran);
    return check_done();
}
