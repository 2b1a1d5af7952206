/* src/body/infer_request.c on its own: Open Inference Protocol requests, in
 * JSON and with the binary tensor data extension, and the malformed ones,
 * each refused with the right status and nothing left to free. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../src/body/infer_request.h"
#include "check.h"

static outcome parse(const char *json, const uint8_t *binary, size_t nbinary, infer_request *q, char *err,
                     size_t errlen)
{
    static uint8_t body[1 << 16];
    size_t n = strlen(json);
    memcpy(body, json, n);
    if (nbinary)
        memcpy(body + n, binary, nbinary);
    return infer_request_parse(body, n + nbinary, n, 4, 16, 1001, 1024, q, err, errlen);
}

static void expect(const char *json, outcome want, const char *what)
{
    infer_request q;
    char err[256] = "";
    outcome st = parse(json, NULL, 0, &q, err, sizeof err);
    check(st == want, "%s: status %d (want %d) %s", what, (int)st, (int)want, err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
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
              q.inputs.length[1] == 3 && !memcmp(q.inputs.data[1], "bar", 3) && q.probabilities.classification == 3 &&
              q.probabilities.wanted && !q.features.wanted && q.has_id && !strcmp(q.id, "r1") && q.crop == CROP_FULL,
          "BYTES [2] in JSON, classification 3 (the one output asked for), id, crop full (%s)", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);

    const uint8_t elements[] = {3, 0, 0, 0, 'f', 'o', 'o', 2, 0, 0, 0, 'h', 'i'};
    st = parse("{\"inputs\": [{\"name\": \"image\", \"shape\": [2], \"datatype\": \"BYTES\","
               " \"parameters\": {\"binary_data_size\": 13}}]}",
               elements, sizeof elements, &q, err, sizeof err);
    check(st == OUTCOME_OK && q.inputs.count == 2 && q.inputs.length[0] == 3 && q.inputs.length[1] == 2 && !memcmp(q.inputs.data[1], "hi", 2),
          "BYTES [2] as binary elements (%s)", err);
    check(st == OUTCOME_OK && q.probabilities.wanted && q.features.wanted && !q.probabilities.binary &&
              !q.features.binary && !q.probabilities.classification,
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
    check(st == OUTCOME_OK && q.features.wanted && q.features.binary && !q.probabilities.wanted,
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
    st = infer_request_parse((const uint8_t *)json, strlen(json), strlen(json), 4, 16, 1001, 0, &q, err, sizeof err);
    check(st == OUTCOME_BAD_REQUEST && strstr(err, "only output"), "features of a model without them: %s", err);
    if (st == OUTCOME_OK)
        infer_request_free(&q);
    return check_done();
}
