/* Input normalisation for the float engines (input_normalize.c). Pure; thread-safe. */
#ifndef LOOKSLIKE_NN_INPUT_NORMALIZE_H
#define LOOKSLIKE_NN_INPUT_NORMALIZE_H

#include <stdint.h>

#include "model.h"

/* Converts a uint8 RGB image (HWC, the model's input size) into the planar
 * float tensor the network expects, per the model's [net] normalisation. */
void nn_normalize_input(const nn_model *m, const uint8_t *rgb_hwc, float *chw);

#endif
