/* The integer kernel sets a test runs: every set this CPU runs, emulated ones
 * included (int8_kernels_on_this_cpu), or, for a shorter run (the sanitizer
 * build, arm64 under qemu), the ones $LOOKSLIKE_TEST_KERNEL_SETS names:
 * space-separated set names, "best" (the fastest native set) or "native"
 * (every set this CPU runs natively: the SIMDe builds left out). */
#ifndef LOOKSLIKE_TEST_KERNEL_SETS_H
#define LOOKSLIKE_TEST_KERNEL_SETS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/int8_kernel_sets.h"

static void test_kernel_sets(char *sets, size_t len)
{
    const char *only = getenv("LOOKSLIKE_TEST_KERNEL_SETS");
    if (only && !strcmp(only, "native")) {
        char all[512], *save = NULL;
        size_t used = 0;
        int8_kernels_on_this_cpu(all, sizeof all);
        sets[0] = '\0';
        for (char *name = strtok_r(all, " ", &save); name; name = strtok_r(NULL, " ", &save))
            if (!int8_kernels_named(name)->emulated && used < len)
                used += (size_t)snprintf(sets + used, len - used, "%s%s", used ? " " : "", name);
    } else if (only && *only) {
        snprintf(sets, len, "%s", strcmp(only, "best") ? only : int8_kernels_best()->name);
    } else {
        int8_kernels_on_this_cpu(sets, len);
    }
}

#endif
