/* Darknet's YOLO detectors (the cfgs Debian's darknet package ships) on the
 * oneDNN engine and through the libdarknet plugin, against libdarknet
 * itself. For each cfg (at the size asked, to keep the suite short),
 * libdarknet makes seeded random weights (tests/tools/darknet_zoo.h) and, for
 * each photo:
 *  - the letterboxed input: ours (detect/letterbox.h) equals libdarknet's
 *    letterbox_image byte for byte (and for random images of odd sizes, one
 *    pixel wide or high included);
 *  - every head's raw output on that input: within 1e-4 of the head's
 *    largest magnitude (oneDNN), identical (the plugin);
 *  - the detections our decoder reads off libdarknet's own outputs equal
 *    libdarknet's get_network_boxes + do_nms_sort to the bit (class,
 *    confidence, box);
 *  - end to end, the oneDNN engine's detections are libdarknet's: the same
 *    (class, box within 0.5 px, confidence within 1e-4), except where a
 *    confidence or an overlap is within the engines' rounding of the
 *    threshold or the NMS limit (counted and shown, at most 2 %).
 *
 * The oneDNN engines run as the server's default --winograd auto has them:
 * on AVX-512, a YOLO v2-v4 model's 3x3 convolutions as Winograd's where it
 * pays, held to the same 1e-4 (its bytes must differ from the
 * direct kernels' on the first photo, else the test compared nothing; a
 * YOLOv1 model's must not: auto leaves it on the direct kernels). With
 * LOOKSLIKE_TEST_WINOGRAD=1 they run with --winograd 1 (every model;
 * without the plugin): on AVX-512 their bytes must differ from the direct
 * kernels', and the heads are held within 2e-4 (YOLOv1's reach 1.07e-4).
 * Skipped (77) on a CPU without AVX-512, where oneDNN has no Winograd kernel.
 *
 * usage: test_darknet_detectors CFG_DIR WORK_DIR PHOTO.jpg... -- NAME[@SIZE[:N]]...
 * (SIZE: the input width and height instead of the cfg's; N: only the first N photos) */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "darknet_zoo.h"
#include "detect/detect_boxes.h"
#include "detect/letterbox.h"
#include "image/jpeg_decode.h"
#include "nn/darknet_free.h"
#include "nn/engine.h"
#include "nn/model.h"

/* libdarknet's, exported but not in darknet.h */
void activate_array(float *x, const int n, const ACTIVATION a);
void softmax_cpu(float *input, int n, int batch, int batch_offset, int groups, int group_offset, int stride, float temp,
                 float *output);

#define THRESH 0.25f
#define NMS 0.45f
#define MAX_DETECTIONS 2000000

static int winograd; /* LOOKSLIKE_TEST_WINOGRAD=1: --winograd 1, else the default auto */
static int avx512; /* where oneDNN has its Winograd kernel */

typedef struct {
    const char *path;
    uint8_t *rgb;
    int w, h;
} photo;

static int decode_photo(photo *p)
{
    size_t len;
    unsigned char *jpeg = check_read_file(p->path, &len);
    jpeg_decoder *d = jpeg_decoder_new();
    image_decode_options opt = {.max_pixels = 1u << 26, .min_side = 1};
    rgb_image img;
    char err[256];
    int ok = jpeg && d && jpeg_decode(d, jpeg, len, &opt, &img, err, sizeof err) == OUTCOME_OK;
    if (ok) {
        p->w = img.width;
        p->h = img.height;
        p->rgb = malloc((size_t)p->w * p->h * 3);
        ok = p->rgb != NULL;
        if (ok)
            memcpy(p->rgb, img.rgb, (size_t)p->w * p->h * 3);
    }
    free(jpeg);
    jpeg_decoder_free(d);
    return ok ? 0 : -1;
}

/* libdarknet's image of our decoded pixels, as its load_image makes it. */
static image darknet_image(const photo *p)
{
    image im = make_image(p->w, p->h, 3);
    for (int k = 0; k < 3; k++)
        for (int y = 0; y < p->h; y++)
            for (int x = 0; x < p->w; x++)
                im.data[(size_t)k * p->w * p->h + (size_t)y * p->w + x] =
                    (float)p->rgb[((size_t)y * p->w + x) * 3 + k] / 255.;
    return im;
}

/* libdarknet's detections, as python/darknet.py lists them: each box's
 * classes left above 0 after NMS. YOLOv1's [detection] boxes are read off
 * relative to the whole input when asked for a 1 x 1 image (Darknet's
 * yolo.c). */
static int darknet_detections(network *net, int w, int h, int classes, detected_object *out, int max)
{
    int nboxes = 0, n = 0, yolov1 = net->layers[net->n - 1].type == DETECTION;
    detection *dets = get_network_boxes(net, yolov1 ? 1 : w, yolov1 ? 1 : h, THRESH, 0.5f, 0, 1, &nboxes);
    do_nms_sort(dets, nboxes, classes, NMS);
    for (int i = 0; i < nboxes; i++)
        for (int k = 0; k < classes; k++)
            if (dets[i].prob[k] > 0 && n < max)
                out[n++] = (detected_object){{dets[i].bbox.x, dets[i].bbox.y, dets[i].bbox.w, dets[i].bbox.h}, k,
                                       dets[i].prob[k], dets[i].objectness};
    free_detections(dets, nboxes);
    return n;
}

/* Each of the boxes' x, y, w, h within px pixels plus rel of its own size in pixels. */
static int same_box(detect_box a, detect_box b, int w, int h, float px, float rel)
{
    float av[4] = {a.x * w, a.y * h, a.w * w, a.h * h}, bv[4] = {b.x * w, b.y * h, b.w * w, b.h * h};
    for (int k = 0; k < 4; k++)
        if (!(fabsf(av[k] - bv[k]) <= px + rel * fabsf(bv[k])))
            return 0;
    return 1;
}

static int by_class_then_x(const void *pa, const void *pb)
{
    const detected_object *a = pa, *b = pb;
    if (a->class_index != b->class_index)
        return a->class_index - b->class_index;
    return (a->box.x > b->box.x) - (a->box.x < b->box.x);
}

/* How many of a (n) have a match in b (m, sorted here by class and x):
 * same class, box within px pixels, confidence within tol plus, where it is
 * the product of two outputs each within `product` (YOLOv1's objectness
 * times class score, no logistic between), product times their sizes; each
 * of b matched once. */
static int matched(const detected_object *a, int n, detected_object *b, int m, int w, int h, float px, float rel,
                   float tol, float product)
{
    qsort(b, (size_t)m, sizeof *b, by_class_then_x);
    unsigned char *used = calloc((size_t)m + 1, 1);
    int found = 0;
    for (int i = 0; i < n; i++) {
        int lo = 0, hi = m; /* the first of b not before (class, x - px) */
        detected_object key = a[i];
        key.box.x -= px / w + rel * fabsf(key.box.x) + 1e-6f;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (by_class_then_x(&b[mid], &key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        float last_x = a[i].box.x + px / w + rel * fabsf(a[i].box.x) + 1e-6f;
        for (int j = lo; j < m && b[j].class_index == a[i].class_index && b[j].box.x <= last_x; j++)
            if (!used[j] &&
                fabsf(a[i].confidence - b[j].confidence) <=
                    tol + product * (fabsf(a[i].objectness) + fabsf(a[i].confidence / a[i].objectness)) &&
                same_box(a[i].box, b[j].box, w, h, px, rel)) {
                used[j] = 1;
                found++;
                break;
            }
    }
    free(used);
    return found;
}

/* A [region] with a tree (YOLO9000) run again as libdarknet's GPU code runs
 * it, with libdarknet's own functions: its CPU code gives each group's
 * softmax temperature 0 (every class NaN) and reads the groups with the
 * stride of another layout, writing over the boxes' other entries. */
static void region_tree_as_on_the_gpu(network *net)
{
    for (int i = 1; i < net->n; i++) {
        layer *l = &net->layers[i];
        if (l->type != REGION || !l->softmax_tree)
            continue;
        const float *in = net->layers[i - 1].output;
        int plane = l->w * l->h, per_box = plane * (l->coords + l->classes + 1);
        memcpy(l->output, in, (size_t)l->outputs * sizeof *l->output);
        for (int n = 0; n < l->n; n++) {
            activate_array(l->output + n * per_box, 2 * plane, LOGISTIC);
            activate_array(l->output + n * per_box + l->coords * plane, plane, LOGISTIC);
        }
        const tree *t = l->softmax_tree;
        for (int g = 0; g < t->groups; g++) {
            size_t at = (size_t)(l->coords + 1 + t->group_offset[g]) * plane;
            softmax_cpu((float *)in + at, t->group_size[g], l->n, per_box, plane, 1, plane, 1, l->output + at);
        }
    }
}

/* The heads' outputs of libdarknet's last run, in nn_model_outputs order. */
static void darknet_outputs(const network *net, const nn_model *m, float *out)
{
    for (int i = 0; i < m->nlayers; i++)
        if (nn_layer_is_output(m, i)) {
            memcpy(out, net->layers[i].output, (size_t)net->layers[i].outputs * sizeof *out);
            out += net->layers[i].outputs;
        }
}

/* The worst difference of a from b over each head, relative to the head's
 * largest |b|; *absolute: the worst difference itself. */
static double worst_head_difference(const nn_model *m, const float *a, const float *b, double *absolute)
{
    double worst = 0;
    *absolute = 0;
    for (int i = 0; i < m->nlayers; i++) {
        if (!nn_layer_is_output(m, i))
            continue;
        size_t n = nn_shape_size(m->layers[i].out);
        double largest = 0, diff = 0;
        for (size_t k = 0; k < n; k++) {
            largest = fmax(largest, fabs((double)b[k]));
            diff = fmax(diff, fabs((double)a[k] - b[k]));
        }
        worst = fmax(worst, diff / fmax(largest, 1e-30));
        *absolute = fmax(*absolute, diff);
        a += n;
        b += n;
    }
    return worst;
}

/* The letterbox of images of odd sizes (one pixel wide or high included) with
 * random pixels, into two network sizes: libdarknet's to the bit. */
static void letterbox_odd_sizes(void)
{
    static const int sizes[][2] = {{1, 1}, {1, 64}, {64, 1}, {3, 500}, {500, 3}, {333, 77}, {641, 479}, {416, 416}};
    static const int nets[][2] = {{416, 416}, {608, 320}};
    srand(5);
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (size_t n = 0; n < sizeof nets / sizeof *nets; n++) {
            photo p = {"random", malloc((size_t)sizes[s][0] * sizes[s][1] * 3), sizes[s][0], sizes[s][1]};
            int nw = nets[n][0], nh = nets[n][1];
            float *ours = malloc((size_t)3 * nw * nh * sizeof *ours);
            for (size_t i = 0; i < (size_t)p.w * p.h * 3; i++)
                p.rgb[i] = (uint8_t)(rand() & 255);
            image im = darknet_image(&p), boxed = letterbox_image(im, nw, nh);
            letterbox_image_planar(p.rgb, p.w, p.h, nw, nh, 1, ours);
            check(!memcmp(ours, boxed.data, (size_t)3 * nw * nh * sizeof *ours),
                  "a %dx%d image letterboxed into %dx%d: libdarknet's bit for bit", p.w, p.h, nw, nh);
            free_image(im);
            free_image(boxed);
            free(ours);
            free(p.rgb);
        }
}

static void compare(const char *cfg_dir, const char *work, photo *photos, int nphotos, const char *spec)
{
    char name[128], src[4096], cfg[4096], weights[4096], err[NN_ERR_LEN];
    int size = 0, first = nphotos, used = 0;
    if (sscanf(spec, "%127[^@:]%n", name, &used) < 1)
        return;
    if (spec[used] == '@')
        size = atoi(spec + used + 1);
    const char *colon = strchr(spec, ':');
    if (colon)
        first = atoi(colon + 1);
    nphotos = first < nphotos ? first : nphotos;
    snprintf(src, sizeof src, "%s/%s.cfg", cfg_dir, name);
    snprintf(cfg, sizeof cfg, "%s/%s.cfg", work, name);
    snprintf(weights, sizeof weights, "%s/%s.weights", work, name);
    if (!check(zoo_write_cfg(src, cfg, size) == 0, "%s: cfg for batch 1", name))
        return;
    nn_model m;
    size_t len;
    char *text = (char *)check_read_file(cfg, &len);
    int parsed = text ? nn_model_parse_cfg(&m, text, len, cfg, err, sizeof err) : -1;
    free(text);
    if (!check(parsed == 0 && nn_model_task(&m) == NN_TASK_DETECTION, "%s: a detector (%s)", name,
               parsed ? err : "ok"))
        return;
    int netw = m.input.w, neth = m.input.h, classes = m.layers[m.nlayers - 1].head.classes, letterbox = !m.stretch;
    int tree = 0, yolov1 = m.layers[m.nlayers - 1].kind == LAYER_DETECTION;
    for (int i = 0; i < m.nlayers; i++)
        tree |= m.layers[i].kind == LAYER_REGION && m.layers[i].tree_path;
    size_t in_size = nn_shape_size(m.input), nout = nn_model_outputs(&m);
    float *x = malloc(in_size * sizeof *x), *ours = malloc(nout * sizeof *ours);
    float *theirs = malloc(nout * sizeof *theirs), *plugin = malloc(nout * sizeof *plugin);
    float *one_thread = malloc(nout * sizeof *one_thread);
    detected_object *dn = malloc(MAX_DETECTIONS * sizeof *dn), *ds = malloc(MAX_DETECTIONS * sizeof *ds);
    nn_engine *e1 = NULL, *e2 = NULL, *pe = NULL, *direct = NULL;
    detector *det = NULL;
    network *net = NULL;
    nn_model_free(&m);
    if (!check(x && ours && theirs && plugin && one_thread && dn && ds, "%s: memory", name))
        goto out;
    /* The weights, calibrated on the first photo's input. */
    letterbox_image_planar(photos[0].rgb, photos[0].w, photos[0].h, netw, neth, letterbox, x);
    net = zoo_make_weights(cfg, weights, 2222222, x);
    int loaded = net ? nn_model_load(&m, cfg, weights, err, sizeof err) : -1;
    if (!check(net && loaded == 0, "%s: weights made and loaded (%s)", name, loaded ? err : "ok"))
        goto out;
    nn_onednn_use_winograd("0", err, sizeof err);
    direct = nn_engine_create("onednn", &m, 1, err, sizeof err);
    nn_onednn_use_winograd(winograd ? "1" : "auto", err, sizeof err);
    e1 = direct ? nn_engine_create("onednn", &m, 1, err, sizeof err) : NULL;
    e2 = e1 ? nn_engine_create("onednn", &m, 2, err, sizeof err) : NULL;
    /* Where Winograd's kernels must have run: every model with --winograd 1, all but YOLOv1 with auto. */
    int wino = avx512 && (winograd || !yolov1);
    pe = e2 && !winograd ? nn_engine_create("darknet", &m, 1, err, sizeof err) : NULL;
    det = detector_new(&m);
    if (tree && !winograd) /* the plugin would run libdarknet's CPU code */
        check(e2 && !pe && strstr(err, "temperature 0"), "%s: the plugin refuses the tree (%s)", name,
              pe ? "accepted!" : err);
    if (!check(e1 && e2 && (pe || tree || winograd) && det, "%s: the engines and the decoder are built (%s)", name,
               e1 && e2 && (pe || tree || winograd) ? "ok" : err))
        goto out;
    int found = 0;
    for (int p = 0; p < nphotos; p++) {
        const photo *ph = &photos[p];
        image im = darknet_image(ph);
        image boxed = letterbox ? letterbox_image(im, netw, neth) : resize_image(im, netw, neth);
        letterbox_image_planar(ph->rgb, ph->w, ph->h, netw, neth, letterbox, x);
        check(!memcmp(x, boxed.data, in_size * sizeof *x), "%s, %s (%dx%d): %s = libdarknet's, bit for bit", name,
              ph->path, ph->w, ph->h, letterbox ? "letterbox" : "resize");
        free_image(im);
        free_image(boxed);

        network_predict(net, x);
        region_tree_as_on_the_gpu(net);
        darknet_outputs(net, &m, theirs);
        int nd = darknet_detections(net, ph->w, ph->h, classes, dn, MAX_DETECTIONS);
        found += nd;

        /* The decoder, fed libdarknet's own outputs. */
        detect_options o = {.threshold = THRESH, .nms = NMS};
        int truncated;
        int ns = detector_run(det, theirs, ph->w, ph->h, &o, ds, MAX_DETECTIONS, &truncated);
        if (!check(ns < MAX_DETECTIONS && nd < MAX_DETECTIONS, "%s: fewer than %d detections", name, MAX_DETECTIONS))
            break;
        int exact = matched(dn, nd, ds, ns, ph->w, ph->h, 1e-3f, 1e-6f, 0.0f, 0.0f);
        check(ns == nd && exact == nd,
              "%s, %s: decoding libdarknet's outputs gives its %d detections (%d; %d the same class and confidence, "
              "box within 0.001 px + 1e-6 of its size: libdarknet's -Ofast exp)",
              name, ph->path, nd, ns, exact);

        if (pe)
            check(nn_engine_run_input(pe, x, plugin, 1) == 0 && !memcmp(plugin, theirs, nout * sizeof *plugin),
                  "%s, %s: the plugin's outputs are libdarknet's", name, ph->path);
        for (int t = 1; t <= 2; t++) {
            if (!check(nn_engine_run_input(t == 1 ? e1 : e2, x, ours, t) == 0, "%s: oneDNN runs", name))
                continue;
            if (t == 1 && p == 0)
                check(nn_engine_run_input(direct, x, one_thread, 1) == 0 &&
                          !memcmp(ours, one_thread, nout * sizeof *ours) == !wino,
                      "%s, %s: Winograd's kernels %s (the bytes %s the direct kernels')", name, ph->path,
                      wino ? "ran" : "did not run", wino ? "differ from" : "are");
            /* The same answer however busy the server is (a request runs on 1 thread under load). */
            if (t == 1)
                memcpy(one_thread, ours, nout * sizeof *ours);
            else
                check(!memcmp(ours, one_thread, nout * sizeof *ours), "%s, %s: 1 and 2 threads, the same bytes", name,
                      ph->path);
            double absolute, worst = worst_head_difference(&m, ours, theirs, &absolute);
            double allowed = winograd ? 2e-4 : 1e-4;
            check(worst <= allowed, "%s, %s, %d thread%s: every head within %.0e of its largest value (worst %.2e)",
                  name, ph->path, t, t > 1 ? "s" : "", allowed, worst);
            ns = detector_run(det, ours, ph->w, ph->h, &o, ds, MAX_DETECTIONS, &truncated);
            ns = ns < MAX_DETECTIONS ? ns : MAX_DETECTIONS;
            /* What the heads' difference d allows: a box's size is exp(v)
             * times its anchor (relative error d), a confidence the product
             * of two logistics (slope 1/4 each). */
            float rel = 1e-4f + 2.0f * (float)absolute, tol = 1e-4f + 0.5f * (float)absolute;
            int same = matched(dn, nd, ds, ns, ph->w, ph->h, 0.5f, rel, tol, yolov1 ? (float)absolute : 0.0f);
            int missing = nd - same, extra = ns - same;
            check(missing + extra <= 0.02 * nd + 1,
                  "%s, %s, %d thread%s: %d of libdarknet's %d detections equal: class, confidence within %.1e, box "
                  "within 0.5 px or %.1e of its size (%d missing, %d extra: at most 2 %%, the boxes whose confidence "
                  "or overlap the engines' rounding puts on the other side of a threshold)",
                  name, ph->path, t, t > 1 ? "s" : "", same, nd, (double)tol, (double)rel, missing, extra);
        }
    }
    check(found > 0, "%s: libdarknet found %d detections in the %d photos (a comparison of none would say nothing)",
          name, found, nphotos);
out:
    nn_engine_destroy(e1);
    nn_engine_destroy(e2);
    nn_engine_destroy(pe);
    nn_engine_destroy(direct);
    detector_free(det);
    if (net)
        darknet_free_network(net);
    nn_model_free(&m);
    free(x);
    free(ours);
    free(theirs);
    free(plugin);
    free(one_thread);
    free(dn);
    free(ds);
}

int main(int argc, char **argv)
{
    int sep = 0;
    for (int i = 3; i < argc; i++)
        if (!strcmp(argv[i], "--"))
            sep = i;
    if (argc < 6 || sep < 4) {
        fprintf(stderr, "usage: %s CFG_DIR WORK_DIR PHOTO.jpg... -- NAME[@SIZE[:N]]...\n", argv[0]);
        return 2;
    }
    const char *w = getenv("LOOKSLIKE_TEST_WINOGRAD");
    winograd = w && !strcmp(w, "1");
#ifdef __x86_64__
    avx512 = __builtin_cpu_supports("avx512f");
    if (winograd && !avx512) {
        printf("# skipped: no AVX-512 here, so no Winograd kernel in oneDNN\n");
        return 77;
    }
#else
    if (winograd) {
        printf("# skipped: oneDNN has Winograd kernels on AVX-512 only\n");
        return 77;
    }
#endif
    if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
        perror(argv[2]);
        return 1;
    }
    int nphotos = sep - 3;
    photo *photos = calloc((size_t)nphotos, sizeof *photos);
    for (int p = 0; p < nphotos; p++) {
        photos[p].path = argv[3 + p];
        if (!check(decode_photo(&photos[p]) == 0, "%s decodes", photos[p].path))
            return check_done();
    }
    letterbox_odd_sizes();
    for (int i = sep + 1; i < argc; i++)
        compare(argv[1], argv[2], photos, nphotos, argv[i]);
    for (int p = 0; p < nphotos; p++)
        free(photos[p].rgb);
    free(photos);
    return check_done();
}
