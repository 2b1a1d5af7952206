/* src/nn/darknet_cfg_write.c, the one cfg writer:
 *  - lookslike's dialect reads back to the same model: the committed
 *    MobileNet cfgs (written by the converter through it) come out as they
 *    are, byte for byte, and every zoo cfg our loader takes survives parse ->
 *    write -> parse with the same layers and the same text;
 *  - so is a small model of TFLite's int8 family (quantized_kernels=int8, an
 *    [avgpool] with its own output quantization, a [connected] head);
 *  - libdarknet's dialect of a small model, against the text written here by
 *    hand; a padding libdarknet cannot express is refused, naming the layer.
 * Usage: test_darknet_cfg_write MODELS_DIR [ZOO_CFG_DIR] */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/nn/darknet_cfg_write.h"
#include "check.h"

/* The cfg a model is written as; NULL (and a failed check) when it is not. */
static char *written(const nn_model *m, darknet_dialect d, const char *name)
{
    text_buffer b = {0};
    char err[256] = "";
    int rc = darknet_cfg_write(m, d, &b, err, sizeof err);
    if (!check(rc == 0, "%s: written (%s)", name, rc ? err : "ok")) {
        text_free(&b);
        return NULL;
    }
    return text_take(&b);
}

/* What parsing decides about a layer; equal for a cfg and its rewrite. */
static int same_layer(const nn_layer *a, const nn_layer *b)
{
    int same = a->kind == b->kind && !memcmp(&a->in, &b->in, sizeof a->in) &&
               !memcmp(&a->out, &b->out, sizeof a->out) && a->activation == b->activation &&
               a->filters == b->filters && a->size == b->size && a->stride == b->stride && a->groups == b->groups &&
               a->pad_before == b->pad_before && a->pad_after == b->pad_after &&
               a->batch_normalize == b->batch_normalize && a->from == b->from && a->nroutes == b->nroutes &&
               !memcmp(a->routes, b->routes, sizeof a->routes) && a->crop_y == b->crop_y && a->crop_x == b->crop_x &&
               a->crop_scale == b->crop_scale && a->crop_shift == b->crop_shift && a->nweights == b->nweights &&
               a->nweight_q == b->nweight_q && a->in_q.scale == b->in_q.scale &&
               a->in_q.zero_point == b->in_q.zero_point && a->out_q.scale == b->out_q.scale &&
               a->out_q.zero_point == b->out_q.zero_point;
    for (int k = 0; same && k < a->nweight_q; k++)
        same = a->weight_q[k].scale == b->weight_q[k].scale && a->weight_q[k].zero_point == b->weight_q[k].zero_point;
    return same;
}

/* Parses text, writes it in lookslike's dialect, parses and writes that:
 * the same model and the same text both times. Returns the first text
 * written (or NULL), for the caller's own comparison. */
static char *round_trip(const char *text, size_t len, const char *name, int *parsed)
{
    nn_model a, b;
    char err[NN_ERR_LEN];
    *parsed = nn_model_parse_cfg(&a, text, len, name, err, sizeof err) == 0;
    if (!*parsed)
        return NULL;
    char *once = written(&a, DARKNET_DIALECT_LOOKSLIKE, name);
    if (!once || !check(nn_model_parse_cfg(&b, once, strlen(once), name, err, sizeof err) == 0,
                        "%s: its rewrite parses (%s)", name, once ? err : "")) {
        nn_model_free(&a);
        return once;
    }
    check(a.nlayers == b.nlayers && !memcmp(&a.input, &b.input, sizeof a.input) && a.preprocess == b.preprocess &&
              a.input_mean == b.input_mean && a.input_scale == b.input_scale && a.quantized == b.quantized &&
              a.quantized_kernels == b.quantized_kernels &&
              a.pads_unevenly == b.pads_unevenly && a.nparams == b.nparams,
          "%s: its rewrite has the same input, normalisation, %d layers and %zu parameters", name, a.nlayers,
          a.nparams);
    int layer = 0;
    while (layer < a.nlayers && layer < b.nlayers && same_layer(&a.layers[layer], &b.layers[layer]))
        layer++;
    check(layer == a.nlayers, "%s: its rewrite has the same layers (first different: %d)", name,
          layer < a.nlayers ? layer : -1);
    char *twice = written(&b, DARKNET_DIALECT_LOOKSLIKE, name);
    check(twice && !strcmp(once, twice), "%s: writing the rewrite gives the same text", name);
    free(twice);
    nn_model_free(&a);
    nn_model_free(&b);
    return once;
}

/* The committed cfgs: the converter's comment lines, then what the writer wrote. */
static void committed(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.cfg", dir, name);
    size_t len;
    char *text = (char *)check_read_file(path, &len);
    if (!check(text != NULL, "%s readable", path))
        return;
    text[len] = '\0';
    const char *body = text;
    while (*body == '#' || *body == '\n')
        body += strcspn(body, "\n") + (body[strcspn(body, "\n")] == '\n');
    int parsed;
    char *once = round_trip(text, len, name, &parsed);
    check(parsed && once && !strcmp(once, body), "%s.cfg is what the writer writes, byte for byte", name);
    free(once);
    free(text);
}

static void zoo(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("# SKIP: no Darknet zoo cfgs in %s\n", dir);
        return;
    }
    int taken = 0, seen = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".cfg"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *text = (char *)check_read_file(path, &len);
        if (!text)
            continue;
        seen++;
        int parsed;
        free(round_trip(text, len, e->d_name, &parsed));
        taken += parsed;
        free(text);
    }
    closedir(d);
    /* Our loader takes 38 of Debian's 45: not the RNNs, go's reorg extra=,
     * cifar.test's softmax temperature, writing's seen=. */
    check(taken >= 38, "%d of the zoo's %d cfgs loaded and went round", taken, seen);
}

/* A quantized model with each kind the converter writes, read from lookslike's dialect. */
static const char small_cfg[] = "[net]\nwidth=5\nheight=5\nchannels=3\npreprocess=tf_slim\ninput_mean=128\n"
                                "input_scale=0.0078125\n"
                                "\n[convolutional]\nfilters=4\nsize=3\nstride=2\npad_mode=tf_same\nactivation=relu6\n"
                                "weight_scale=0.5,0.25,0.125,1\nweight_zero_point=1,2,3,4\noutput_scale=0.1\n"
                                "output_zero_point=0\n"
                                "\n[convolutional]\nfilters=4\nsize=3\nstride=1\ngroups=4\npadding=1\n"
                                "activation=relu\nweight_scale=0.5\nweight_zero_point=7\noutput_scale=0.1\n"
                                "output_zero_point=0\n"
                                "\n[shortcut]\nfrom=-2\nactivation=linear\noutput_scale=0.2\noutput_zero_point=3\n"
                                "\n[route]\nlayers=-2\n"
                                "\n[maxpool]\nsize=2\nstride=1\n"
                                "\n[avgpool]\n"
                                "\n[softmax]\ngroups=1\n";

/* A model of TFLite's int8 family as the writer writes it (what the
 * converter makes of TF2's MobileNet v2): the family, a rescaling average, a
 * [connected] head. */
static const char int8_cfg[] = "[net]\nbatch=1\nwidth=4\nheight=4\nchannels=3\npreprocess=tf_slim\ninput_mean=127\n"
                               "input_scale=0.00784313772\nquantized_kernels=int8\n"
                               "\n[convolutional]\nfilters=2\nsize=1\nstride=1\nactivation=relu6\n"
                               "weight_scale=0.5,0.25\nweight_zero_point=128,128\noutput_scale=0.0235294122\n"
                               "output_zero_point=0\n"
                               "\n[avgpool]\noutput_scale=0.0190778319\noutput_zero_point=0\n"
                               "\n[connected]\noutput=3\nactivation=linear\nweight_scale=0.125\n"
                               "weight_zero_point=136\noutput_scale=0.100000001\noutput_zero_point=80\n"
                               "\n[softmax]\ngroups=1\n";

/* The same in libdarknet's dialect: no extension keys, every key, SAME as symmetric, relu6 as relu. */
static const char small_libdarknet[] = "[net]\nbatch=1\nwidth=5\nheight=5\nchannels=3\n"
                                       "\n[convolutional]\nfilters=4\nsize=3\nstride=2\ngroups=1\npadding=1\n"
                                       "batch_normalize=0\nactivation=relu\n"
                                       "\n[convolutional]\nfilters=4\nsize=3\nstride=1\ngroups=4\npadding=1\n"
                                       "batch_normalize=0\nactivation=relu\n"
                                       "\n[shortcut]\nfrom=0\nactivation=linear\n"
                                       "\n[route]\nlayers=1\n"
                                       "\n[maxpool]\nsize=2\nstride=1\npadding=1\n"
                                       "\n[avgpool]\n"
                                       "\n[softmax]\ngroups=1\n";

static void dialects(void)
{
    nn_model m;
    char err[NN_ERR_LEN];
    if (!check(nn_model_parse_cfg(&m, small_cfg, strlen(small_cfg), "small.cfg", err, sizeof err) == 0,
               "the small model parses (%s)", err))
        return;
    char *text = written(&m, DARKNET_DIALECT_LIBDARKNET, "small.cfg");
    check(text && !strcmp(text, small_libdarknet), "libdarknet's dialect of it, key for key:\n%s", text ? text : "");
    free(text);
    int parsed;
    free(round_trip(small_cfg, strlen(small_cfg), "small.cfg", &parsed));
    nn_model_free(&m);
    text = round_trip(int8_cfg, strlen(int8_cfg), "int8.cfg", &parsed);
    check(parsed && text && !strcmp(text, int8_cfg), "an int8-family model is written as it was read:\n%s",
          text ? text : "");
    free(text);

    /* An even kernel padded the TF way (0 before, 1 after): no symmetric padding keeps the shape. */
    static const char even[] = "[net]\nwidth=5\nheight=5\nchannels=1\n"
                               "\n[convolutional]\nfilters=1\nsize=2\nstride=1\npad_mode=tf_same\nactivation=linear\n";
    if (!check(nn_model_parse_cfg(&m, even, strlen(even), "even.cfg", err, sizeof err) == 0, "even.cfg parses (%s)",
               err))
        return;
    text_buffer b = {0};
    int rc = darknet_cfg_write(&m, DARKNET_DIALECT_LIBDARKNET, &b, err, sizeof err);
    check(rc < 0 && strstr(err, "layer 0 (cfg line 6)"), "libdarknet's dialect refuses SAME padding of a 2x2 kernel: %s",
          rc < 0 ? err : "written");
    text_free(&b);
    nn_model_free(&m);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODELS_DIR [ZOO_CFG_DIR]\n", argv[0]);
        return 2;
    }
    committed(argv[1], "mobilenet_v1");
    committed(argv[1], "mobilenet_v2");
    dialects();
    if (argc > 2)
        zoo(argv[2]);
    return check_done();
}
