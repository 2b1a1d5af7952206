#include "int8_kernel_sets.h"

#include <stdio.h>
#include <string.h>

/* Slowest first: the best set is the last native one the CPU runs. */
static const int8_kernels *const kernel_sets[] = {
    &int8_kernels_reference,
    &int8_kernels_avx512vnni_simde,
    &int8_kernels_avx2,
    &int8_kernels_avx512vnni,
};

#define NSETS (sizeof kernel_sets / sizeof *kernel_sets)

const int8_kernels *int8_kernels_named(const char *name)
{
    for (size_t i = 0; i < NSETS; i++)
        if (!strcmp(kernel_sets[i]->name, name))
            return kernel_sets[i]->cpu_has() ? kernel_sets[i] : NULL;
    return NULL;
}

const int8_kernels *int8_kernels_best(void)
{
    const int8_kernels *best = &int8_kernels_reference;
    for (size_t i = 0; i < NSETS; i++)
        if (!kernel_sets[i]->emulated && kernel_sets[i]->cpu_has())
            best = kernel_sets[i];
    return best;
}

static void list_sets(char *list, size_t len, int runnable_only)
{
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < NSETS && used < len; i++)
        if (!runnable_only || kernel_sets[i]->cpu_has())
            used += (size_t)snprintf(list + used, len - used, "%s%s", used ? " " : "", kernel_sets[i]->name);
}

void int8_kernels_on_this_cpu(char *list, size_t len)
{
    list_sets(list, len, 1);
}

void int8_kernels_known(char *list, size_t len)
{
    list_sets(list, len, 0);
}
