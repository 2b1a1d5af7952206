/* The integer kernel sets, and the one place that picks them for this CPU.
 * A new set is a file defining its int8_kernels, one entry in the table of
 * int8_kernel_sets.c and a line in src/meson.build. Thread-safe (the table is
 * constant; CPU detection is the compiler's, done once). */
#ifndef LOOKSLIKE_NN_INT8_KERNEL_SETS_H
#define LOOKSLIKE_NN_INT8_KERNEL_SETS_H

#include <stddef.h>

#include "int8_kernels.h"

/* The fastest set this CPU runs natively (never an emulated one). */
const int8_kernels *int8_kernels_best(void);
/* A set by name ("reference", "avx2", "avx512vnni", "avx512vnni-simde"):
 * NULL when unknown or when this CPU cannot run it. */
const int8_kernels *int8_kernels_named(const char *name);
/* The space-separated names of the sets this CPU runs, emulated ones
 * included (the tests run them all), slowest first. */
void int8_kernels_on_this_cpu(char *list, size_t len);
/* Every set's name, known to this build, space-separated (for error messages). */
void int8_kernels_known(char *list, size_t len);

#endif
