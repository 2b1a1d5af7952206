/* The integer kernel sets a test runs: every set this CPU runs, emulated ones
 * included (int8_kernels_on_this_cpu), or, for a shorter run (the sanitizer
 * build, arm64 under qemu), the ones $LOOKSLIKE_TEST_KERNEL_SETS names:
 * space-separated set names, or "best", the fastest native set. */
#ifndef LOOKSLIKE_TEST_KERNEL_SETS_H
#define LOOKSLIKE_TEST_KERNEL_SETS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/int8_kernel_sets.h"

static void test_kernel_sets(char *sets, size_t len)
{
    const char *only = getenv("LOOKSLIKE_TEST_KERNEL_SETS");
    if (only && *only)
        snprintf(sets, len, "%s", strcmp(only, "best") ? only : int8_kernels_best()->name);
    else
        int8_kernels_on_this_cpu(sets, len);
}

#endif
