/* The loader must turn every broken cfg or weights file into a precise
 * message (file, line, what is wrong), never a crash or a half-built model.
 * Each corpus file states the message it must produce on its first line:
 * "# expect: TEXT". Weights damage is generated here from a small valid cfg. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nn/model.h"

static void corpus(const char *dir)
{
    DIR *d = opendir(dir);
    if (!check(d != NULL, "corpus directory %s", dir))
        return;
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".cfg"))
            continue;
        char path[4096], err[NN_ERR_LEN] = "", expect[256] = "";
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = (char *)check_read_file(path, &len);
        if (!text || sscanf(text, "# expect: %255[^\n]", expect) != 1) {
            check(0, "%s has an '# expect:' line", e->d_name);
            free(text);
            continue;
        }
        nn_model m;
        int rc = nn_model_parse_cfg(&m, text, len, e->d_name, err, sizeof err);
        check(rc == -1 && strstr(err, expect) && strstr(err, e->d_name) && m.layers == NULL,
              "%s rejected with \"%s\" (got: %s)", e->d_name, expect, rc ? err : "accepted!");
        free(text);
        files++;
    }
    closedir(d);
    check(files >= 20, "corpus has %d files", files);
}

static const char tiny_cfg[] = "[net]\nwidth=4\nheight=4\nchannels=3\n\n[convolutional]\nfilters=2\nsize=3\n"
                               "stride=1\npad=1\nbatch_normalize=1\nactivation=relu6\n\n[avgpool]\n\n[softmax]\n";
#define TINY_PARAMS (2 * 4 + 2 * 3 * 9)

static size_t make_weights(uint8_t *buf, int major, int minor, size_t nfloats)
{
    int32_t header[3] = {major, minor, 0};
    memcpy(buf, header, sizeof header);
    size_t off = sizeof header + ((major * 10 + minor >= 2) ? 8 : 4);
    memset(buf + sizeof header, 0, off - sizeof header);
    for (size_t i = 0; i < nfloats; i++) {
        float v = 0.25f; /* variances positive */
        memcpy(buf + off + 4 * i, &v, 4);
    }
    return off + 4 * nfloats;
}

static void weights_file(void)
{
    nn_model m;
    char err[NN_ERR_LEN];
    uint8_t buf[4096];
    int rc = nn_model_parse_cfg(&m, tiny_cfg, strlen(tiny_cfg), "tiny.cfg", err, sizeof err);
    if (!check(rc == 0 && m.nparams == TINY_PARAMS, "tiny cfg parses with %d parameters (%s)", TINY_PARAMS,
               rc ? err : "ok"))
        return;

    size_t len = make_weights(buf, 0, 2, TINY_PARAMS);
    check(nn_model_read_weights(&m, buf, len, "w", err, sizeof err) == 0, "exact weights (64-bit seen) accepted");
    len = make_weights(buf, 0, 1, TINY_PARAMS);
    check(nn_model_read_weights(&m, buf, len, "w", err, sizeof err) == 0, "exact weights (32-bit seen) accepted");

    len = make_weights(buf, 0, 2, TINY_PARAMS);
    rc = nn_model_read_weights(&m, buf, len - 4, "w", err, sizeof err);
    check(rc < 0 && strstr(err, "holds 61 parameters but the cfg needs exactly 62 (truncated"),
          "one float short: %s", err);
    rc = nn_model_read_weights(&m, buf, len - 1, "w", err, sizeof err);
    check(rc < 0 && strstr(err, "not a header plus whole float32 values"), "ragged length: %s", err);
    len = make_weights(buf, 0, 2, TINY_PARAMS + 1);
    rc = nn_model_read_weights(&m, buf, len, "w", err, sizeof err);
    check(rc < 0 && strstr(err, "trailing data"), "one float too many: %s", err);
    rc = nn_model_read_weights(&m, buf, 7, "w", err, sizeof err);
    check(rc < 0 && strstr(err, "not even a header"), "7-byte file: %s", err);
    len = make_weights(buf, -5, 2, TINY_PARAMS);
    rc = nn_model_read_weights(&m, buf, len, "w", err, sizeof err);
    check(rc < 0 && strstr(err, "not a Darknet weights header"), "negative version: %s", err);
    len = make_weights(buf, 0, 2, TINY_PARAMS);
    int32_t huge_major = INT32_MAX; /* major * 10 + minor used to overflow before the range check */
    memcpy(buf, &huge_major, sizeof huge_major);
    rc = nn_model_read_weights(&m, buf, len, "w", err, sizeof err);
    check(rc < 0 && strstr(err, "not a Darknet weights header"), "version %d.2: %s", INT32_MAX, err);

    len = make_weights(buf, 0, 2, TINY_PARAMS);
    float nan = NAN;
    memcpy(buf + 20 + 4 * 10, &nan, 4);
    rc = nn_model_read_weights(&m, buf, len, "w", err, sizeof err);
    check(rc < 0 && strstr(err, "parameter 10 (byte offset 60) is not a finite number"), "NaN weight: %s", err);

    len = make_weights(buf, 0, 2, TINY_PARAMS);
    float neg = -1.0f; /* conv params: biases[2], scales[2], mean[2], variance[2] */
    memcpy(buf + 20 + 4 * 6, &neg, 4);
    rc = nn_model_read_weights(&m, buf, len, "w", err, sizeof err);
    check(rc < 0 && strstr(err, "negative batch-norm variance"), "negative variance: %s", err);
    nn_model_free(&m);

    /* Truncations of the real model at many points all fail cleanly. */
    rc = nn_model_load(&m, "/nonexistent/x.cfg", "/nonexistent/x.weights", err, sizeof err);
    check(rc < 0 && strstr(err, "/nonexistent/x.cfg: No such file"), "missing cfg: %s", err);
}

/* A quantized layer's floats must lie on its grid: weights scale * (q - zp)
 * with q in 0..255, biases (input scale * weight scale) * an integer. */
static void quantized_weights(void)
{
    static const char cfg[] = "[net]\nwidth=2\nheight=2\nchannels=1\ninput_mean=128\ninput_scale=0.5\n\n"
                              "[convolutional]\nfilters=2\nsize=1\nstride=1\nactivation=linear\n"
                              "weight_scale=0.25,0.125\nweight_zero_point=10,200\n"
                              "output_scale=1\noutput_zero_point=5\n";
    nn_model m;
    char err[NN_ERR_LEN];
    if (!check(nn_model_parse_cfg(&m, cfg, strlen(cfg), "q.cfg", err, sizeof err) == 0 && m.quantized &&
                   m.layers[0].nweight_q == 2,
               "quantized cfg with per-filter weight quantization parses (%s)", err))
        return;
    /* biases: 3 * (0.5 * 0.25), -7 * (0.5 * 0.125); weights: 0.25 * (250 - 10), 0.125 * (0 - 200) */
    float good[4] = {0.375f, -0.4375f, 60.0f, -25.0f};
    struct {
        int index;
        float value;
        const char *expect;
    } bad[] = {
        {2, 60.1f, "layer 0 (cfg line 8): weight 0 = 60.0999985 is not weight_scale * (q - 10) for any q in 0..255"},
        {2, 0.25f * 246.0f, "weight 0 = 61.5 is not weight_scale * (q - 10)"}, /* q = 256 */
        {3, 0.125f * -201.0f, "weight 1 = -25.125 is not weight_scale * (q - 200)"}, /* q = -1 */
        {0, 0.4f, "bias 0 = 0.400000006 is not input scale * weight scale * an integer"},
        {1, 0.0625f * 16777217.0f, "bias 1 = 1048576 is not input scale * weight scale * an integer below 2^24"},
    };
    uint8_t buf[64];
    int32_t header[3] = {0, 2, 0};
    memset(buf, 0, sizeof buf);
    memcpy(buf, header, sizeof header);
    memcpy(buf + 20, good, sizeof good);
    int rc = nn_model_read_weights(&m, buf, 20 + sizeof good, "q.weights", err, sizeof err);
    check(rc == 0 && m.layers[0].qweights[0] == 250 && m.layers[0].qweights[1] == 0 && m.layers[0].qbiases[0] == 3 &&
              m.layers[0].qbiases[1] == -7,
          "on-grid weights recover q = 250, 0 and biases 3, -7 (%s)", rc ? err : "ok");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        float w[4];
        memcpy(w, good, sizeof w);
        w[bad[i].index] = bad[i].value;
        memcpy(buf + 20, w, sizeof w);
        rc = nn_model_read_weights(&m, buf, 20 + sizeof w, "q.weights", err, sizeof err);
        check(rc < 0 && strstr(err, "q.weights: ") && strstr(err, bad[i].expect), "refused: %s", err);
    }
    nn_model_free(&m);
}

static void real_model_truncations(const char *model_dir)
{
    char cfg[4096], wpath[4096], err[NN_ERR_LEN];
    snprintf(cfg, sizeof cfg, "%s/mobilenet_v1.cfg", model_dir);
    snprintf(wpath, sizeof wpath, "%s/mobilenet_v1.weights", model_dir);
    size_t clen, wlen;
    char *text = (char *)check_read_file(cfg, &clen);
    uint8_t *w = check_read_file(wpath, &wlen);
    if (!check(text && w, "real model files present"))
        goto out;
    /* Every prefix of the cfg must either parse or fail with a located message. */
    int crashes_would_show = 0, rejected = 0;
    for (size_t cut = 0; cut < clen; cut += 7) {
        nn_model m;
        if (nn_model_parse_cfg(&m, text, cut, "cut.cfg", err, sizeof err) < 0) {
            rejected++;
            crashes_would_show += strncmp(err, "cut.cfg", 7) != 0;
        } else {
            nn_model_free(&m);
        }
    }
    check(crashes_would_show == 0 && rejected > 0, "%d truncated cfgs rejected with located messages", rejected);
    nn_model m;
    if (!check(nn_model_parse_cfg(&m, text, clen, "v1.cfg", err, sizeof err) == 0, "full cfg parses"))
        goto out;
    int truncations_rejected = 0;
    size_t cuts[] = {0, 12, 19, 20, 1000, wlen / 2, wlen - 4, wlen - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
        truncations_rejected += nn_model_read_weights(&m, w, cuts[i], "v1.weights", err, sizeof err) < 0;
    check(truncations_rejected == 8, "all 8 truncated weights files rejected");
    check(nn_model_read_weights(&m, w, wlen, "v1.weights", err, sizeof err) == 0, "the full weights load");
    nn_model_free(&m);
out:
    free(text);
    free(w);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A hierarchical softmax's tree file, read by nn_model_load next to the cfg:
 * valid trees load and compute Darknet's hierarchy; bad ones are refused
 * with the file, line and reason. */
static void softmax_trees(void)
{
    char dir[] = "/tmp/lookslike-trees-XXXXXX", cfg[4096], weights[4096], err[NN_ERR_LEN];
    if (!check(mkdtemp(dir) != NULL, "scratch directory"))
        return;
    snprintf(cfg, sizeof cfg, "%s/tree.cfg", dir);
    snprintf(weights, sizeof weights, "%s/tree.weights", dir);
    write_text(dir, "tree.cfg", "[net]\nwidth=4\nheight=4\nchannels=3\n[convolutional]\nfilters=2\nsize=1\n"
                                "activation=linear\n[avgpool]\n[softmax]\ntree=t.tree\n");
    uint8_t buf[256];
    size_t len = make_weights(buf, 0, 2, 2 + 2 * 3);
    FILE *f = fopen(weights, "wb");
    if (f) {
        fwrite(buf, 1, len, f);
        fclose(f);
    }
    static const struct {
        const char *tree, *expect;
    } cases[] = {
        {"n1 -1\nn2 -1\n", NULL},
        {"root -1\nchild 0\n\n", NULL},
        {"n1 -1\nn2 5\n", "t.tree:2: parent 5 is not -1 or an earlier node of the tree"},
        /* a cycle, which would walk YOLO9000's class choice round forever */
        {"n1 1\nn2 0\n", "t.tree:1: parent 1 is not -1 or an earlier node of the tree"},
        {"n1 -1\n\nn2 -1\n", "t.tree:2: blank line inside the tree"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_text(dir, "t.tree", cases[i].tree);
        nn_model m;
        int rc = nn_model_load(&m, cfg, weights, err, sizeof err);
        if (!cases[i].expect) {
            float in[2] = {1.0f, 2.0f}, out[2];
            if (check(rc == 0 && m.layers[2].tree && m.layers[2].tree->n == 2, "tree %zu loads (%s)", i,
                      rc ? err : "ok")) {
                nn_softmax_tree_apply(m.layers[2].tree, in, out);
                /* one group: a plain softmax; root -> child: the root is no leaf (0), the child 1 * 1 */
                int ok = i == 0 ? fabsf(out[0] - 0.26894142f) < 1e-6f && fabsf(out[1] - 0.73105858f) < 1e-6f
                                : out[0] == 0.0f && out[1] == 1.0f;
                check(ok, "tree %zu: Darknet's hierarchy (%g %g)", i, out[0], out[1]);
                nn_model_free(&m);
            }
        } else {
            check(rc < 0 && strstr(err, cases[i].expect), "tree %zu refused: %s", i, rc ? err : "accepted!");
        }
    }
    nn_model m;
    write_text(dir, "t.tree", "n1 -1\nn2 -1\nn3 -1\n");
    int rc = nn_model_load(&m, cfg, weights, err, sizeof err);
    check(rc < 0 && strstr(err, "tree.cfg:10: the tree ") && strstr(err, "has 3 nodes but the [softmax] has 2 classes"),
          "3 nodes for 2 outputs: %s", err);
    remove(weights);
    char path[4096];
    snprintf(path, sizeof path, "%s/t.tree", dir);
    remove(path);
    rc = nn_model_load(&m, cfg, weights, err, sizeof err);
    check(rc < 0 && strstr(err, "t.tree"), "a missing tree file: %s", err);
    remove(cfg);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORPUS_DIR MODEL_DIR\n", argv[0]);
        return 2;
    }
    corpus(argv[1]);
    weights_file();
    quantized_weights();
    real_model_truncations(argv[2]);
    softmax_trees();
    return check_done();
}
