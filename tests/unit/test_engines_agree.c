/* The oneDNN engine and Debian's libdarknet must compute the same function on
 * a model inside libdarknet's semantics. MobileNet v1 and v2 are made so by
 * switching their TF-SAME layers to Darknet's symmetric padding. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "nn/engine.h"
#include "nn/model.h"

#ifdef LOOKSLIKE_HAVE_DARKNET
static const char *const images[] = {"bird.bmp", "cat.bmp", "grace_hopper.bmp", "owl.jpg", "parrot.jpg"};

static void make_symmetric(nn_model *m)
{
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        if (l->kind == LAYER_CONVOLUTIONAL && l->pad_before != l->pad_after)
            l->pad_before = l->pad_after = l->size / 2;
    }
    m->pads_unevenly = 0;
}

static void compare(const char *model_dir, const char *ref_dir, const char *name)
{
    char cfg[4096], weights[4096], err[NN_ERR_LEN], err2[NN_ERR_LEN];
    nn_model m;
    snprintf(cfg, sizeof cfg, "%s/%s.cfg", model_dir, name);
    snprintf(weights, sizeof weights, "%s/%s.weights", model_dir, name);
    if (!check(nn_model_load(&m, cfg, weights, err, sizeof err) == 0, "%s loads", name))
        return;
    make_symmetric(&m);
    nn_engine *a = nn_engine_create("onednn", &m, 1, err, sizeof err);
    nn_engine *b = nn_engine_create("darknet", &m, 1, err2, sizeof err2);
    check(a && b, "%s: both engines build (%s / %s)", name, a ? "ok" : err, b ? "ok" : err2);
    size_t n = nn_model_outputs(&m), nf = nn_model_features(&m);
    float *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb);
    float *fa = malloc(nf * sizeof *fa), *fb = malloc(nf * sizeof *fb);
    for (size_t i = 0; a && b && i < sizeof images / sizeof *images; i++) {
        char path[4096];
        size_t len;
        snprintf(path, sizeof path, "%s/tensors/%s.crop.rgb", ref_dir, images[i]);
        unsigned char *rgb = check_read_file(path, &len);
        if (!check(rgb && len == 224 * 224 * 3, "read %s", path)) {
            free(rgb);
            continue;
        }
        int ra = nn_engine_run(a, rgb, pa, 1), rb = nn_engine_run(b, rgb, pb, 1);
        free(rgb);
        double worst = 0;
        for (size_t c = 0; c < n; c++)
            worst = fmax(worst, fabs(pa[c] - pb[c]));
        check(ra == 0 && rb == 0 && worst <= 1e-4, "%s %s: probabilities agree within 1e-4 (worst %.2e)", name,
              images[i], worst);
        /* the features: the pool's output, relative to the largest */
        int ga = nn_engine_tap(a, NN_TAP_FEATURES, fa), gb = nn_engine_tap(b, NN_TAP_FEATURES, fb);
        double largest = 0, apart = 0;
        for (size_t c = 0; ga == 0 && gb == 0 && c < nf; c++) {
            largest = fmax(largest, fabs(fb[c]));
            apart = fmax(apart, fabs(fa[c] - fb[c]));
        }
        check(nf > 0 && ga == 0 && gb == 0 && largest > 0 && apart <= 1e-4 * largest,
              "%s %s: the %zu features agree within 1e-4 of the largest (worst %.2e of %.2f)", name, images[i], nf,
              apart, largest);
    }
    free(pa);
    free(pb);
    free(fa);
    free(fb);
    nn_engine_destroy(a);
    nn_engine_destroy(b);
    nn_model_free(&m);
}
#endif

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL_DIR REFERENCE_DIR\n", argv[0]);
        return 2;
    }
#ifdef LOOKSLIKE_HAVE_DARKNET
    if (!check_have_reference(argv[2]))
        return 77;
    compare(argv[1], argv[2], "mobilenet_v1");
    compare(argv[1], argv[2], "mobilenet_v2");
    return check_done();
#else
    printf("# SKIP: built without libdarknet\n");
    return 77;
#endif
}
