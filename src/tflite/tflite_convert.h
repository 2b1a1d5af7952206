/* The TFLite -> Darknet conversion on bytes in memory, for tflite2darknet
 * (the command: files in, files out) and the converter's fuzz target. What
 * cannot be expressed exactly in Darknet semantics (plus lookslike's
 * documented extension keys) is refused with a message naming the file and
 * the operator or tensor; nothing is written then.
 *
 * Hostile files are bounded: every read of the file is bounds-checked
 * (flatbuffer.h); an operator's output tensor may be written once and a
 * constant tensor read as weights or bias by one operator (so an operator
 * table listed many times cannot multiply the output); and the parameters
 * written may not outnumber the bytes of the input files, nor the loader's
 * NN_MAX_PARAMS. Thread-safe (no global state). */
#ifndef LOOKSLIKE_TFLITE_CONVERT_H
#define LOOKSLIKE_TFLITE_CONVERT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name; /* for messages; its base name goes into the cfg's first line */
    const uint8_t *data;
    size_t size;
} tflite_file;

typedef struct {
    char *cfg; /* the cfg text, NUL-terminated */
    size_t cfg_len;
    uint8_t *weights; /* the .weights file's bytes */
    size_t weights_len;
    int layers;
    size_t params;
    size_t outputs; /* of the last model: one label a value */
} tflite_converted;

/* Converts the chain files[0..nfiles) (each one's output feeding the next
 * one's input): 0 and *out filled (tflite_converted_free it), or -1 with
 * the reason in err and *out empty. */
int tflite_convert(const tflite_file *files, int nfiles, tflite_converted *out, char *err, size_t errlen);
void tflite_converted_free(tflite_converted *out);

#endif
