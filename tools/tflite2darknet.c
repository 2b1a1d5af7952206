/* tflite2darknet: converts a chain of TFLite models (each one's output feeding
 * the next one's input) into one Darknet .cfg + .weights (+ .labels), with
 * src/tflite/tflite_convert.h. On a refusal it says why and writes nothing.
 *
 * Quantised weights are dequantised to float (scale * (q - zero_point)), so the
 * result is the float network the quantised one approximates, and the
 * quantization keys let the integer engine recover the very integers. Both of
 * TFLite's 8-bit schemes are taken: TF1's uint8 and TF2's int8 (held as uint8,
 * plus 128: quantized_kernels=int8, models/darknet-format.md). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "nn/labels.h"
#include "tflite/tflite_convert.h"

#define MAX_FILES 8
/* The largest official MobileNet .tflite is 7 MB. */
#define MAX_INPUT_BYTES (256u << 20)

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tflite2darknet: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* A .tflite or labels file, whole; the converter stops at the first failure. */
static uint8_t *read_input(const char *path, size_t limit, size_t *size)
{
    char err[512];
    uint8_t *data = file_read(path, limit, size, err, sizeof err);
    if (!data)
        die("%s", err);
    return data;
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        die("%s: cannot write: %s", path, strerror(errno));
}

/* The labels, refused here for what the server would refuse them for (its
 * own loader, nn_labels_load: UTF-8, no NUL, no empty line), and one line
 * per output exactly. */
static uint8_t *read_labels(const char *in, size_t classes, size_t *size)
{
    nn_labels check;
    char err[512];
    if (classes > INT_MAX || nn_labels_load(&check, in, (int)classes, NULL, err, sizeof err) < 0)
        die("%s", classes > INT_MAX ? "too many classes" : err);
    nn_labels_free(&check);
    uint8_t *data = read_input(in, NN_LABELS_MAX_BYTES, size);
    size_t lines = 0;
    for (size_t i = 0; i < *size; i++)
        lines += data[i] == '\n';
    if (*size && data[*size - 1] != '\n')
        lines++;
    if (lines != classes)
        die("%s has %zu labels, the model has %zu classes", in, lines, classes);
    return data;
}

static void usage(void)
{
    fprintf(stderr, "usage: tflite2darknet [--labels FILE] -o OUT_PREFIX MODEL.tflite [NEXT.tflite ...]\n"
                    "Writes OUT_PREFIX.cfg, OUT_PREFIX.weights and (with --labels) OUT_PREFIX.labels.\n"
                    "Several models are chained: each one's output is the next one's input.\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *prefix = NULL, *labels = NULL;
    tflite_file files[MAX_FILES];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            prefix = argv[++i];
        else if (!strcmp(argv[i], "--labels") && i + 1 < argc)
            labels = argv[++i];
        else if (argv[i][0] == '-' || nfiles == MAX_FILES)
            usage();
        else
            files[nfiles++].name = argv[i];
    }
    if (!prefix || nfiles == 0)
        usage();
    for (int f = 0; f < nfiles; f++)
        files[f].data = read_input(files[f].name, MAX_INPUT_BYTES, &files[f].size);

    tflite_converted out;
    char err[512];
    if (tflite_convert(files, nfiles, &out, err, sizeof err) < 0)
        die("%s", err);
    size_t labels_size = 0;
    uint8_t *labels_text = labels ? read_labels(labels, out.outputs, &labels_size) : NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s.cfg", prefix);
    write_file(path, out.cfg, out.cfg_len);
    snprintf(path, sizeof path, "%s.weights", prefix);
    write_file(path, out.weights, out.weights_len);
    if (labels_text) {
        snprintf(path, sizeof path, "%s.labels", prefix);
        write_file(path, labels_text, labels_size);
    }
    fprintf(stderr, "tflite2darknet: %d layers, %zu parameters -> %s.{cfg,weights%s}\n", out.layers, out.params,
            prefix, labels ? ",labels" : "");
    tflite_converted_free(&out);
    free(labels_text);
    for (int f = 0; f < nfiles; f++)
        free((void *)files[f].data);
    return 0;
}
