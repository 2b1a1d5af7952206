#include "infer_request.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parse in progress: the body, where the binary section has been read to. */
typedef struct {
    const uint8_t *body;
    size_t len, at;
    int max_images, min_side;
    const char *why;
    char message[200]; /* a why that had to be formatted */
} parse_state;

static outcome fail(parse_state *s, outcome st, const char *why)
{
    s->why = why;
    return st;
}

/* The binary section: the next n bytes of it, or NULL. */
static const uint8_t *take_binary(parse_state *s, size_t n)
{
    if (n > s->len - s->at)
        return NULL;
    const uint8_t *p = s->body + s->at;
    s->at += n;
    return p;
}

/* An input's binary_data_size: 1 with *n set, 0 when absent, -1 when not a byte count within the body. */
static int binary_size(const parse_state *s, const cJSON *input, size_t *n)
{
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(input, "parameters"),
                                                         "binary_data_size");
    if (!size)
        return 0;
    if (!cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > (double)s->len ||
        size->valuedouble != (double)(size_t)size->valuedouble)
        return -1;
    *n = (size_t)size->valuedouble;
    return 1;
}

/* A tensor's shape: dims into d (at most 4, each 1 to 1e9), their count, or -1. */
static int shape_of(const cJSON *input, long long *d)
{
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(input, "shape");
    int n = cJSON_GetArraySize(shape);
    if (!cJSON_IsArray(shape) || n < 1 || n > 4)
        return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(shape, i);
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e9 ||
            v->valuedouble != (long long)v->valuedouble)
            return -1;
        d[i] = (long long)v->valuedouble;
    }
    return n;
}

/* The strings of a (nested) JSON array into items: how many, or -1 for a non-string or more than max. */
static int strings_of(const cJSON *data, const char **items, int max, int count)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, data)
    {
        if (cJSON_IsArray(e)) {
            if ((count = strings_of(e, items, max, count)) < 0)
                return -1;
        } else if (count == max || !cJSON_IsString(e)) {
            return -1;
        } else {
            items[count++] = e->valuestring;
        }
    }
    return count;
}

/* The numbers of a (nested) JSON array into buf: how many, or -1 for a
 * value that is not an integer from 0 to 255, or more than max of them. */
static long bytes_of(const cJSON *data, uint8_t *buf, long max, long count)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, data)
    {
        if (cJSON_IsArray(e)) {
            if ((count = bytes_of(e, buf, max, count)) < 0)
                return -1;
            continue;
        }
        double v = cJSON_IsNumber(e) ? e->valuedouble : -1;
        if (count == max || v < 0 || v > 255 || v != (int)v)
            return -1;
        buf[count++] = (uint8_t)v;
    }
    return count;
}

/* BYTES [N] (or [N, 1]): N encoded images. */
static outcome image_input(parse_state *s, const cJSON *input, const long long *d, int dims, image_list *l)
{
    if (dims > 2 || (dims == 2 && d[1] != 1))
        return fail(s, OUTCOME_BAD_REQUEST, "the input \"" INFER_INPUT_IMAGE "\" has shape [N] (or [N, 1])");
    if (d[0] > s->max_images)
        return fail(s, OUTCOME_BATCH_TOO_LARGE, "more images than one request may carry (--max-batch)");
    l->count = (int)d[0];
    size_t size;
    int binary = binary_size(s, input, &size);
    if (binary < 0)
        return fail(s, OUTCOME_BAD_REQUEST, "binary_data_size must be a byte count within the body");
    if (binary) {
        const uint8_t *p = take_binary(s, size);
        if (!p)
            return fail(s, OUTCOME_BAD_REQUEST, "binary_data_size is more than the bytes after the JSON header");
        size_t at = 0;
        for (int i = 0; i < l->count; i++) { /* each element: a 4-byte length and the bytes, used in place */
            if (size - at < 4)
                return fail(s, OUTCOME_BAD_REQUEST, "BYTES data ends before its elements do");
            uint32_t n = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 | (uint32_t)p[at + 2] << 16 |
                         (uint32_t)p[at + 3] << 24;
            at += 4;
            if (n > size - at)
                return fail(s, OUTCOME_BAD_REQUEST, "a BYTES element is longer than the data");
            l->data[i] = p + at;
            l->length[i] = n;
            at += n;
        }
        if (at != size)
            return fail(s, OUTCOME_BAD_REQUEST, "binary_data_size is not the size of the N elements");
        return OUTCOME_OK;
    }
    const char *text[BODY_MAX_IMAGES];
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(input, "data");
    if (!cJSON_IsArray(data) || strings_of(data, text, BODY_MAX_IMAGES, 0) != l->count)
        return fail(s, OUTCOME_BAD_REQUEST, "the input's data is not as many base64 strings as its shape says");
    /* decoded: within the body's length, each string being in it */
    outcome o = image_list_from_base64(l, text, l->count, s->message, sizeof s->message);
    s->why = s->message;
    return o;
}

/* UINT8 [N, H, W, 3]: N RGB frames. */
static outcome pixels_input(parse_state *s, const cJSON *input, const long long *d, int dims, image_list *l)
{
    if (dims != 4 || d[3] != 3)
        return fail(s, OUTCOME_BAD_REQUEST, "the input \"" INFER_INPUT_PIXELS "\" has shape [N, H, W, 3]");
    long long n = d[0], h = d[1], w = d[2];
    if (n > s->max_images)
        return fail(s, OUTCOME_BATCH_TOO_LARGE, "more images than one request may carry (--max-batch)");
    if (w < s->min_side || h < s->min_side)
        return fail(s, OUTCOME_IMAGE_TOO_SMALL, "a frame is smaller than the smallest image taken (16 pixels a side)");
    /* Each size is at most 1e9 (shape_of): H * W * 3 cannot overflow, N times that can; the body bounds both. */
    unsigned long long frame = (unsigned long long)(w * h * 3);
    if (frame > s->len || (unsigned long long)n > s->len / frame)
        return fail(s, OUTCOME_BAD_REQUEST, "the input's data does not hold N * H * W * 3 values");
    size_t size = (size_t)frame * (size_t)n, binary_len;
    const uint8_t *pixels;
    int binary = binary_size(s, input, &binary_len);
    if (binary) {
        if (binary < 0 || binary_len != size || !(pixels = take_binary(s, size)))
            return fail(s, OUTCOME_BAD_REQUEST,
                        "binary_data_size must be N * H * W * 3 bytes, all after the JSON header");
    } else {
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(input, "data");
        if (!cJSON_IsArray(data))
            return fail(s, OUTCOME_BAD_REQUEST, "the input's data does not hold N * H * W * 3 numbers");
        if (!(l->owned = malloc(size)))
            return fail(s, OUTCOME_OUT_OF_MEMORY, "out of memory");
        if (bytes_of(data, l->owned, (long)size, 0) != (long)size)
            return fail(s, OUTCOME_BAD_REQUEST, "UINT8 data must be N * H * W * 3 integers from 0 to 255");
        pixels = l->owned;
    }
    l->pixels = 1;
    l->count = (int)n;
    l->width = (int)w;
    l->height = (int)h;
    for (int i = 0; i < l->count; i++) {
        l->data[i] = pixels + (size_t)i * frame;
        l->length[i] = (size_t)frame;
    }
    return OUTCOME_OK;
}

const char *const infer_output_name[INFER_OUTPUT_KINDS] = {
#define X(id, name) [INFER_##id] = name,
    INFER_OUTPUTS(X)
#undef X
};

/* "the model's outputs are "a", "b" and "c"" into s->message. */
static const char *name_outputs(parse_state *s, const infer_model *m)
{
    size_t at = (size_t)snprintf(s->message, sizeof s->message, "the model's outputs are");
    int listed = 0, count = __builtin_popcount(m->outputs);
    for (int i = 0; i < INFER_OUTPUT_KINDS && at < sizeof s->message; i++)
        if (m->outputs & (1u << i)) {
            listed++;
            const char *sep = listed == 1 ? " " : listed == count ? " and " : ", ";
            at += (size_t)snprintf(s->message + at, sizeof s->message - at, "%s\"%s\"", sep, infer_output_name[i]);
        }
    return s->message;
}

/* One entry of "outputs": which output, its classification K and binary_data. */
static outcome requested_output(parse_state *s, const cJSON *out, const infer_model *m, infer_request *q)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "name"));
    int id = -1;
    for (int i = 0; name && i < INFER_OUTPUT_KINDS; i++)
        if (!strcmp(name, infer_output_name[i]))
            id = i;
    if (id >= 0 && !(m->outputs & (1u << id)) && (INFER_HEATMAP_OUTPUTS & (1u << id)) && m->no_heatmap) {
        snprintf(s->message, sizeof s->message, "\"%s\": the model has no class activation maps: %s", name,
                 m->no_heatmap);
        return fail(s, OUTCOME_BAD_REQUEST, s->message);
    }
    if (id < 0 || !(m->outputs & (1u << id)))
        return fail(s, OUTCOME_BAD_REQUEST, name_outputs(s, m));
    infer_output *o = &q->output[id];
    if (o->wanted)
        return fail(s, OUTCOME_BAD_REQUEST, "\"outputs\" names an output twice");
    o->wanted = 1;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(out, "parameters");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(params, "classification");
    const cJSON *binary = cJSON_GetObjectItemCaseSensitive(params, "binary_data");
    if (k && id != INFER_PROBABILITIES && id != INFER_HEATMAP)
        return fail(s, OUTCOME_BAD_REQUEST,
                    "\"classification\" is a parameter of \"probabilities\" and \"heatmap\" only");
    if (k) {
        if (!cJSON_IsNumber(k) || k->valuedouble < 1 || k->valuedouble > m->classes ||
            k->valuedouble != (int)k->valuedouble)
            return fail(s, OUTCOME_BAD_REQUEST, "\"classification\" must be 1 or more and at most the model's outputs");
        o->classification = (int)k->valuedouble;
        if (id == INFER_HEATMAP && o->classification > m->most_maps) {
            snprintf(s->message, sizeof s->message, "\"classification\" of \"heatmap\" is at most %d", m->most_maps);
            return fail(s, OUTCOME_BAD_REQUEST, s->message);
        }
    }
    if (binary && !cJSON_IsBool(binary))
        return fail(s, OUTCOME_BAD_REQUEST, "\"binary_data\" must be true or false");
    o->binary = cJSON_IsTrue(binary);
    return OUTCOME_OK;
}

/* The outputs asked for; none named: every output the model has. */
static outcome requested_outputs(parse_state *s, const cJSON *root, const infer_model *m, infer_request *q)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "outputs");
    if (list && (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > __builtin_popcount(m->outputs)))
        return fail(s, OUTCOME_BAD_REQUEST, "\"outputs\" is a list of the model's outputs, each at most once");
    const cJSON *out;
    int named = 0;
    cJSON_ArrayForEach(out, list)
    {
        outcome st = requested_output(s, out, m, q);
        if (st != OUTCOME_OK)
            return st;
        named++;
    }
    for (int i = 0; !named && i < INFER_OUTPUT_KINDS; i++)
        q->output[i].wanted = ((m->outputs & ~m->on_request) >> i) & 1u;
    for (int i = 0; i < INFER_OUTPUT_KINDS; i++)
        if (q->output[i].wanted && (INFER_HEATMAP_OUTPUTS & (1u << i)))
            q->maps = q->output[INFER_HEATMAP].classification ? q->output[INFER_HEATMAP].classification : 1;
    return OUTCOME_OK;
}

/* The request's "parameters": a classifier's crop, a detector's thresholds,
 * max and classes. One of them sent to the other kind of model is refused;
 * parameters this server does not know are left alone, as the protocol's
 * clients send their own (Triton's "binary_data_output"). */
static outcome request_parameters(parse_state *s, const cJSON *root, const infer_model *m, infer_request *q)
{
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "parameters"), *p;
    if (params && !cJSON_IsObject(params))
        return fail(s, OUTCOME_BAD_REQUEST, "\"parameters\" is an object");
    q->detection = detection_request_default();
    cJSON_ArrayForEach(p, params)
    {
        const char *key = p->string;
        int param = -1, classes = !strcmp(key, "classes"), crop = !strcmp(key, "crop");
        for (int i = 0; i < DETECT_PARAM_COUNT; i++)
            if (!strcmp(key, detect_param_name[i]))
                param = i;
        if (!crop && !classes && param < 0)
            continue;
        if (m->detector == crop) {
            snprintf(s->message, sizeof s->message, "the parameter \"%s\" is a %s's; this model is a %s", key,
                     crop ? "classifier" : "detector", m->detector ? "detector" : "classifier");
            return fail(s, OUTCOME_BAD_REQUEST, s->message);
        }
        if (crop) {
            const char *mode = cJSON_GetStringValue(p);
            if (!mode || crop_mode_parse(mode, &q->crop) < 0)
                return fail(s, OUTCOME_BAD_REQUEST, "the parameter \"crop\" is \"center\" or \"full\"");
        } else if (classes) {
            const char *list = cJSON_GetStringValue(p);
            if (!list)
                return fail(s, OUTCOME_BAD_REQUEST, "the parameter \"classes\" is a string: class names, comma-separated");
            free(q->classes);
            if (!(q->classes = strdup(list)))
                return fail(s, OUTCOME_OUT_OF_MEMORY, "out of memory");
        } else {
            char shown[48];
            if (cJSON_IsNumber(p))
                snprintf(shown, sizeof shown, "%.17g", p->valuedouble);
            else
                snprintf(shown, sizeof shown, "%s", cJSON_IsString(p) ? "a string" : "not a number");
            if (detect_param_set(&q->detection, (detect_param)param, cJSON_IsNumber(p) ? p->valuedouble : NAN,
                                 shown, s->message, sizeof s->message) < 0)
                return fail(s, OUTCOME_BAD_REQUEST, s->message);
        }
    }
    return OUTCOME_OK;
}

static outcome parse(parse_state *s, const cJSON *root, const infer_model *m, infer_request *q)
{
    if (!root)
        return fail(s, OUTCOME_BAD_REQUEST, "the body (or its JSON header) is not valid JSON");
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    const cJSON *input = cJSON_GetArrayItem(inputs, 0);
    if (!cJSON_IsObject(root) || !cJSON_IsArray(inputs) || cJSON_GetArraySize(inputs) != 1 || !cJSON_IsObject(input))
        return fail(s, OUTCOME_BAD_REQUEST,
                    "expected an inference request with one input, \"" INFER_INPUT_IMAGE "\" or \"" INFER_INPUT_PIXELS
                    "\"");
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "id"));
    snprintf(q->id, sizeof q->id, "%s", id ? id : "");
    q->has_id = id != NULL;
    outcome st = request_parameters(s, root, m, q);
    if (st == OUTCOME_OK)
        st = requested_outputs(s, root, m, q);
    if (st != OUTCOME_OK)
        return st;
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(input, "name"));
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(input, "datatype"));
    long long d[4];
    int dims = shape_of(input, d);
    if (!name || !type || dims < 0)
        return fail(s, OUTCOME_BAD_REQUEST,
                    "an input has a name, a datatype and a shape of 1 to 4 sizes from 1 to 1e9");
    if (!strcmp(name, INFER_INPUT_IMAGE) && !strcmp(type, "BYTES"))
        st = image_input(s, input, d, dims, &q->inputs);
    else if (!strcmp(name, INFER_INPUT_PIXELS) && !strcmp(type, "UINT8"))
        st = pixels_input(s, input, d, dims, &q->inputs);
    else
        return fail(s, OUTCOME_BAD_REQUEST,
                    "the inputs are \"" INFER_INPUT_IMAGE "\" (BYTES) and \"" INFER_INPUT_PIXELS "\" (UINT8)");
    if (st == OUTCOME_OK && s->at != s->len)
        return fail(s, OUTCOME_BAD_REQUEST, "bytes after the JSON header that no input claims");
    return st;
}

outcome infer_request_parse(const uint8_t *body, size_t len, size_t json_len, int max_images, int min_side,
                            const infer_model *m, infer_request *q, char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    q->crop = CROP_CENTER;
    parse_state s = {.body = body, .len = len, .at = json_len, .min_side = min_side,
                     .max_images = max_images < BODY_MAX_IMAGES ? max_images : BODY_MAX_IMAGES};
    if (json_len > len) {
        snprintf(err, errlen, "the JSON header is longer than the body");
        return OUTCOME_BAD_REQUEST;
    }
    cJSON *root = cJSON_ParseWithLength((const char *)body, json_len);
    outcome st = parse(&s, root, m, q);
    cJSON_Delete(root);
    if (st != OUTCOME_OK) {
        snprintf(err, errlen, "%s", s.why);
        infer_request_free(q);
    }
    return st;
}

void infer_request_free(infer_request *q)
{
    image_list_free(&q->inputs);
    free(q->classes);
    q->classes = NULL;
}
