/* src/body/infer_request.c on its own: Open Inference Protocol requests, in
 * JSON and with the binary tensor data extension, and the malformed ones,
 * each refused with the right status and nothing left to free. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../src/body/infer_request.h"
#include "check.h"

static const infer_model classifier = {.outputs = 1u << INFER_PROBABILITIES | 1u << INFER_FEATURES | INFER_HEATMAP_OUTPUTS,
                                          .classes = 1001, .on_request = INFER_HEATMAP_OUTPUTS, .most_maps = 20};
static const infer_model detector_model = {.outputs = 1u << INFER_BOXES | 1u << INFER_SCORES | 1u << INFER_CLASSES |
                                                      1u << INFER_LABELS | 1u << INFER_COUNT,
                                           .classes = 80, .detector = 1};

static outcome parse_for(const infer_model *m, const char *json, infer_request *q, char *err, size_t errlen)
{
    return infer_request_parse((const uint8_t *)json, strlen(json), strlen(json), 4, 16, m, q, err, errlen);
}

static outcome parse(const char *json, const uint8_t *binary, size_t nbinary, infer_request *q, char *err,
                     size_t errlen)
{
    static uint8_t body[1 << 16];
    size_t n = strlen(json);
    memcpy(body, json, n);
    if (nbinary)
        memcpy(body + n, binary, nbinary);
    return infer_request_parse(body, n + nbinary, n, 4, 16, &classifier, q, err, errlen);
}

static void expect_for(const infer_model *m, const char *json, outcome want, const char *what)
{
    infer_request q;
    char err[256] = "";
    outcome st = parse_for(m, json, &q, err, sizeof err);
    check(st == want, "%s: status %d (want %d) %s", what, (int)st, (int)want, err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
}

static void expect(const char *json, outcome want, const char *what)
{
    expect_for(&classifier, json, want, what);
}

int main(void)
{
    infer_request q;
    char err[256] = "";
    outcome st = parse("{\"id\": \"r1\", \"inputs\": [{\"name\": \"image\", \"shape\": [2], "
                       "\"datatype\": \"BYTES\", \"data\": [\"Zm9v\", \"YmFy\"]}], \"outputs\": "
                       "[{\"name\": \"probabilities\", \"parameters\": {\"classification\": 3}}], "
                       "\"parameters\": {\"crop\": \"full\"}}",
                       NULL, 0, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.inputs.count == 2 && !q.inputs.pixels && q.inputs.length[0] == 3 && !memcmp(q.inputs.data[0], "foo", 3) &&
              q.inputs.length[1] == 3 && !memcmp(q.inputs.data[1], "bar", 3) && q.output[INFER_PROBABILITIES].classification == 3 &&
              q.output[INFER_PROBABILITIES].wanted && !q.output[INFER_FEATURES].wanted && q.has_id && !strcmp(q.id, "r1") && q.crop == CROP_FULL,
          "BYTES [2] in JSON, classification 3 (the one output asked for), id, crop full (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);

    const uint8_t elements[] = {3, 0, 0, 0, 'f', 'o', 'o', 2, 0, 0, 0, 'h', 'i'};
    st = parse("{\"inputs\": [{\"name\": \"image\", \"shape\": [2], \"datatype\": \"BYTES\","
               " \"parameters\": {\"binary_data_size\": 13}}]}",
               elements, sizeof elements, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.inputs.count == 2 && q.inputs.length[0] == 3 && q.inputs.length[1] == 2 && !memcmp(q.inputs.data[1], "hi", 2),
          "BYTES [2] as binary elements (%s)", err);
    check(st == OUTCOME_OK && q.output[INFER_PROBABILITIES].wanted && q.output[INFER_FEATURES].wanted && !q.output[INFER_PROBABILITIES].binary &&
              !q.output[INFER_FEATURES].binary && !q.output[INFER_PROBABILITIES].classification,
          "no outputs named: both of the model's, as JSON (the protocol's default)");
    if (st == OUTCOME_OK)
        infer_request_free(&q);

    static uint8_t frame[16 * 16 * 3];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)i;
    char json[512];
    snprintf(json, sizeof json,
             "{\"inputs\": [{\"name\": \"pixels\", \"shape\": [1, 16, 16, 3], \"datatype\": \"UINT8\","
             " \"parameters\": {\"binary_data_size\": %zu}}]}", sizeof frame);
    st = parse(json, frame, sizeof frame, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.inputs.pixels && q.inputs.width == 16 && q.inputs.height == 16 && q.inputs.count == 1 &&
              !memcmp(q.inputs.data[0], frame, sizeof frame),
          "UINT8 [1, 16, 16, 3] as binary (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);

    expect("{\"inputs\": [{\"name\": \"pixels\", \"shape\": [1, 1, 2, 3], \"datatype\": \"UINT8\","
           " \"data\": [1, 2, 3, 4, 5, 6]}]}",
           OUTCOME_IMAGE_TOO_SMALL, "a 2x1 frame, under 16 pixels a side: 422");
    expect("{\"inputs\": [{\"name\": \"image\", \"shape\": [5], \"datatype\": \"BYTES\","
           " \"data\": [\"Zm9v\", \"Zm9v\", \"Zm9v\", \"Zm9v\", \"Zm9v\"]}]}",
           OUTCOME_BATCH_TOO_LARGE, "5 images, 4 allowed: 413");
    expect("{\"inputs\": [{\"name\": \"image\", \"shape\": [2], \"datatype\": \"BYTES\", \"data\": [\"Zm9v\"]}]}",
           OUTCOME_BAD_REQUEST, "a shape of 2 with 1 element");
    expect("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [\"Zm9v\"]}]}",
           OUTCOME_BAD_REQUEST, "the wrong datatype");
    expect("{\"inputs\": [{\"name\": \"other\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"Zm9v\"]}]}",
           OUTCOME_BAD_REQUEST, "an input of another name");
    expect("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"@@@@\"]}]}",
           OUTCOME_BAD_REQUEST, "bad base64");
    expect("{\"inputs\": []}", OUTCOME_BAD_REQUEST, "no input");
    expect("{\"inputs\": [{\"name\": \"image\"", OUTCOME_BAD_REQUEST, "JSON cut short");
    expect("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"Zm9v\"]}],"
           " \"outputs\": [{\"name\": \"probabilities\", \"parameters\": {\"classification\": 1002}}]}",
           OUTCOME_BAD_REQUEST, "classification beyond the 1001 outputs");
    expect("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\","
           " \"parameters\": {\"binary_data_size\": 99}}]}",
           OUTCOME_BAD_REQUEST, "binary data announced, none sent");

    /* the features output: by name, binary or not; twice, with classification, or of a model without: refused */
    st = parse("{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"Zm9v\"]}],"
               " \"outputs\": [{\"name\": \"features\", \"parameters\": {\"binary_data\": true}}]}",
               NULL, 0, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.output[INFER_FEATURES].wanted && q.output[INFER_FEATURES].binary && !q.output[INFER_PROBABILITIES].wanted,
          "features alone, as binary data (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
    const char *image = "{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"Zm9v\"]}],";
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"features\"}, {\"name\": \"features\"}]}", image);
    expect(json, OUTCOME_BAD_REQUEST, "features named twice");
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"features\", \"parameters\": {\"classification\": 3}}]}",
             image);
    expect(json, OUTCOME_BAD_REQUEST, "classification of the features");
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"probabilities\"}, {\"name\": \"features\"}, "
             "{\"name\": \"probabilities\"}]}", image);
    expect(json, OUTCOME_BAD_REQUEST, "three outputs");
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"features\"}]}", image);
    const infer_model probabilities_only = {.outputs = 1u << INFER_PROBABILITIES, .classes = 1001,
                                            .no_heatmap = "m.cfg:9: no pool"};
    st = parse_for(&probabilities_only, json, &q, err, sizeof err);
    check(st == OUTCOME_BAD_REQUEST && strstr(err, "outputs are \"probabilities\"") && !strstr(err, "features"),
          "features of a model without them: %s", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);

    /* the heatmaps: only when named; K from "heatmap"'s classification (default 1), shared by the companions */
    snprintf(json, sizeof json, "%s \"outputs\": []}", image);
    st = parse(json, NULL, 0, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.output[INFER_PROBABILITIES].wanted && !q.output[INFER_HEATMAP].wanted && !q.maps,
          "no output named: no heatmap (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"heatmap\", \"parameters\": {\"classification\": 3}}, "
             "{\"name\": \"heatmap_boxes\"}]}", image);
    st = parse(json, NULL, 0, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.output[INFER_HEATMAP].wanted && q.output[INFER_HEATMAP_BOXES].wanted && q.maps == 3 &&
              !q.output[INFER_PROBABILITIES].wanted,
          "heatmap with classification 3 and its boxes (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"heatmap_regions\"}]}", image);
    st = parse(json, NULL, 0, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.maps == 1, "a companion alone: one map's worth (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"heatmap_classes\", \"parameters\": "
             "{\"classification\": 2}}]}", image);
    expect(json, OUTCOME_BAD_REQUEST, "classification of heatmap_classes");
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"heatmap\", \"parameters\": {\"classification\": 21}}]}",
             image);
    expect(json, OUTCOME_BAD_REQUEST, "maps of more than 20 classes an image");
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"heatmap\"}]}", image);
    st = parse_for(&probabilities_only, json, &q, err, sizeof err);
    check(st == OUTCOME_BAD_REQUEST && strstr(err, "no class activation maps: m.cfg:9: no pool"),
          "heatmap of a model without class maps names why: %s", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);

    /* a detector: its five outputs by default, its parameters checked, a classifier's refused and vice versa */
    snprintf(json, sizeof json, "%s \"parameters\": {\"threshold\": 0.5, \"nms\": 0, \"max\": 7, "
             "\"classes\": \"dog,person\", \"binary_data_output\": true}}", image);
    st = parse_for(&detector_model, json, &q, err, sizeof err);
    int all = 1;
    for (int i = 0; i < INFER_OUTPUT_KINDS; i++)
        all &= q.output[i].wanted == (i >= INFER_BOXES && i <= INFER_COUNT);
    check(st == OUTCOME_OK && all && q.detection.options.threshold == 0.5f && q.detection.options.nms == 0.0f &&
              q.detection.max == 7 && q.classes && !strcmp(q.classes, "dog,person"),
          "a detector's parameters, every detector output by default, an unknown parameter left alone (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
    snprintf(json, sizeof json, "%s \"outputs\": [{\"name\": \"count\"}, {\"name\": \"boxes\", "
             "\"parameters\": {\"binary_data\": true}}]}", image);
    st = parse_for(&detector_model, json, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.output[INFER_COUNT].wanted && q.output[INFER_BOXES].binary &&
              !q.output[INFER_SCORES].wanted && q.detection.options.threshold == DETECT_DEFAULT_THRESHOLD &&
              q.detection.max == DETECT_DEFAULT_MAX && !q.classes,
          "two of a detector's outputs, one as binary data; the default thresholds (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
    const struct {
        const char *tail, *want;
    } refused[] = {
        {"\"parameters\": {\"threshold\": 0}}", "threshold must be a number above 0 and at most 1, not '0'"},
        {"\"parameters\": {\"threshold\": 1e-50}}", "threshold must be a number above 0"},
        {"\"parameters\": {\"nms\": 1.5}}", "nms must be a number from 0 and at most 1, not '1.5'"},
        {"\"parameters\": {\"max\": 2.5}}", "max must be an integer from 1 to 1000, not '2.5'"},
        {"\"parameters\": {\"max\": \"10\"}}", "max must be an integer from 1 to 1000, not 'a string'"},
        {"\"parameters\": {\"classes\": 3}}", "\"classes\" is a string"},
        {"\"parameters\": {\"crop\": \"full\"}}", "\"crop\" is a classifier's; this model is a detector"},
        {"\"parameters\": []}", "\"parameters\" is an object"},
        {"\"outputs\": [{\"name\": \"probabilities\"}]}",
         "outputs are \"boxes\", \"scores\", \"classes\", \"labels\" and \"count\""},
        {"\"outputs\": [{\"name\": \"scores\", \"parameters\": {\"classification\": 2}}]}",
         "\"classification\" is a parameter of \"probabilities\" and \"heatmap\" only"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        snprintf(json, sizeof json, "%s %s}", image, refused[i].tail);
        st = parse_for(&detector_model, json, &q, err, sizeof err);
        check(st == OUTCOME_BAD_REQUEST && strstr(err, refused[i].want), "a detector, %s: 400 '%s'", refused[i].tail,
              err);
        if (st == OUTCOME_OK)
            infer_request_free(&q);
    }
    snprintf(json, sizeof json, "%s \"parameters\": {\"threshold\": 0.5}}", image);
    st = parse_for(&classifier, json, &q, err, sizeof err);
    check(st == OUTCOME_BAD_REQUEST && strstr(err, "\"threshold\" is a detector's; this model is a classifier"),
          "a classifier asked for a threshold: %s", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
    return check_done();
}
