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
/* The set the integer engines of this process use: int8_kernels_best()
 * until int8_kernels_choose() has picked one. */
const int8_kernels *int8_kernels_in_use(void);
/* Picks the set for this process, before any engine is built (not
 * thread-safe): `name`, or for "auto" the fastest set whose self-test passes,
 * slower ones tried in turn; each set passed over is described in `notes`
 * ("" when none). Returns 0, or -1 with err: an unknown name, a set this CPU
 * cannot run, or one whose self-test fails. */
int int8_kernels_choose(const char *name, char *notes, size_t notes_len, char *err, size_t errlen);
/* The self-test (int8_self_test.c): a small built-in network on k and on the
 * reference kernels, every layer equal byte for byte. 0, or -1 and why. */
int int8_kernels_self_test(const int8_kernels *k, char *why, size_t len);
/* A set by name ("reference", "sse41", "avx2", "avx_vnni", "avx512vnni", "neon", "neon_dotprod", and the
 * SIMDe builds "avx512vnni-simde", "avx_vnni-simde", "neon-simde", "neon_dotprod-simde"):
 * NULL when unknown or when this CPU cannot run it. */
const int8_kernels *int8_kernels_named(const char *name);
/* The space-separated names of the sets this CPU runs, emulated ones
 * included (the tests run them all), slowest first. */
void int8_kernels_on_this_cpu(char *list, size_t len);
/* Every set's name, known to this build, space-separated (for error messages). */
void int8_kernels_known(char *list, size_t len);

#endif
