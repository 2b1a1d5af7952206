/* Times of repeated runs, for the benches: sorted in place, so that the
 * median, the minimum and the maximum can be read off. */
#ifndef LOOKSLIKE_BENCH_TIMINGS_H
#define LOOKSLIKE_BENCH_TIMINGS_H

#include <stdlib.h>

static int timings_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline void timings_sort(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, timings_compare);
}

#endif
