#include "int8_kernel_sets.h"

#include <stdio.h>
#include <string.h>

/* Slowest first: the best set is the last native one the CPU runs. */
static const int8_kernels *const kernel_sets[] = {
    &int8_kernels_reference,
    &int8_kernels_avx512vnni_simde, /* the x86 sets' code on any CPU (SIMDe): tested everywhere, never served */
    &int8_kernels_avx_vnni_simde,
    &int8_kernels_neon_simde, /* the arm64 sets' code, likewise */
    &int8_kernels_neon_dotprod_simde,
#ifdef __aarch64__
    &int8_kernels_neon,
    &int8_kernels_neon_dotprod,
#endif
#ifdef __x86_64__
    &int8_kernels_sse41,
    &int8_kernels_avx2,
    &int8_kernels_avx_vnni,
    &int8_kernels_avx512vnni,
#endif
};

#define NSETS (sizeof kernel_sets / sizeof *kernel_sets)

static const int8_kernels *in_use; /* int8_kernels_choose()'s pick */

/* The set of that name this build has, whether or not this CPU runs it. */
static const int8_kernels *find(const char *name)
{
    for (size_t i = 0; i < NSETS; i++)
        if (!strcmp(kernel_sets[i]->name, name))
            return kernel_sets[i];
    return NULL;
}

const int8_kernels *int8_kernels_named(const char *name)
{
    const int8_kernels *k = find(name);
    return k && k->cpu_has() ? k : NULL;
}

const int8_kernels *int8_kernels_best(void)
{
    const int8_kernels *best = &int8_kernels_reference;
    for (size_t i = 0; i < NSETS; i++)
        if (!kernel_sets[i]->emulated && kernel_sets[i]->cpu_has())
            best = kernel_sets[i];
    return best;
}

const int8_kernels *int8_kernels_in_use(void)
{
    return in_use ? in_use : int8_kernels_best();
}

int int8_kernels_choose(const char *name, char *notes, size_t notes_len, char *err, size_t errlen)
{
    char why[256];
    size_t used = 0;
    notes[0] = '\0';
    if (strcmp(name, "auto")) {
        const int8_kernels *k = int8_kernels_named(name);
        if (!k) {
            char known[256];
            int8_kernels_known(known, sizeof known);
            snprintf(err, errlen, "--int8-kernels %s: %s (this build has: %s)", name,
                     find(name) ? "this CPU cannot run it" : "no such kernel set", known);
            return -1;
        }
        if (int8_kernels_self_test(k, why, sizeof why) < 0) {
            snprintf(err, errlen, "--int8-kernels %s fails its self-test: %s", name, why);
            return -1;
        }
        in_use = k;
        return 0;
    }
    /* the fast native sets this CPU runs, fastest first */
    for (size_t i = NSETS; i-- > 0;) {
        const int8_kernels *k = kernel_sets[i];
        if (k == &int8_kernels_reference || k->emulated || !k->cpu_has())
            continue;
        if (int8_kernels_self_test(k, why, sizeof why) == 0) {
            in_use = k;
            return 0;
        }
        used += (size_t)snprintf(notes + used, used < notes_len ? notes_len - used : 0,
                                 "%sthe %s kernels fail their self-test (%s): not used", used ? "; " : "", k->name, why);
        if (used >= notes_len)
            used = notes_len - 1;
    }
    in_use = &int8_kernels_reference; /* the oracle the others are tested against */
    return 0;
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
