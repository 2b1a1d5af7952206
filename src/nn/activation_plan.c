#include "activation_plan.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../growable.h"

struct planned_memory { /* a layer output (or a view of one) and the steps that touch it */
    dnnl_memory_t mem;
    size_t size; /* bytes; a root's covers every view of it too (reach) */
    int base; /* index of the memory whose storage this one views, or -1 */
    size_t offset; /* bytes into its base's storage where its own begins */
    int first, last; /* steps; for a base, over itself and all its views */
    int buffer;
};

static int add(activation_plan *p, dnnl_memory_t mem, size_t size, int base, size_t offset)
{
    planned_memory *a = grow_doubling(p->memories, &p->cap, (size_t)p->count + 1, sizeof *a);
    if (!a)
        return -1;
    p->memories = a;
    p->memories[p->count++] = (planned_memory){mem, size, base, offset, INT_MAX, -1, -1};
    return 0;
}

static int find(const activation_plan *p, dnnl_memory_t mem)
{
    for (int i = 0; i < p->count; i++)
        if (p->memories[i].mem == mem)
            return i;
    return -1;
}

static int root(const activation_plan *p, int i)
{
    while (p->memories[i].base >= 0)
        i = p->memories[i].base;
    return i;
}

/* Where memory i begins in its root's storage, in bytes. */
static size_t offset_in_root(const activation_plan *p, int i)
{
    size_t at = 0;
    for (; p->memories[i].base >= 0; i = p->memories[i].base)
        at += p->memories[i].offset;
    return at;
}

/* The root of i holds at least `end` bytes. */
static void reach(activation_plan *p, int i, size_t end)
{
    planned_memory *r = &p->memories[root(p, i)];
    if (end > r->size)
        r->size = end;
}

dnnl_memory_t activation_plan_new(activation_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *md)
{
    dnnl_memory_t mem;
    if (dnnl_memory_create(&mem, md, eng, DNNL_MEMORY_NONE) != dnnl_success)
        return NULL;
    if (add(p, mem, dnnl_memory_desc_get_size(md), -1, 0) < 0) {
        dnnl_memory_destroy(mem);
        return NULL;
    }
    return mem;
}

dnnl_memory_t activation_plan_view_at(activation_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *md,
                                     dnnl_memory_t base, size_t offset)
{
    int b = find(p, base);
    dnnl_memory_t mem;
    if (b < 0 || dnnl_memory_create(&mem, md, eng, DNNL_MEMORY_NONE) != dnnl_success)
        return NULL;
    size_t size = dnnl_memory_desc_get_size(md);
    reach(p, b, offset_in_root(p, b) + offset + size);
    if (add(p, mem, size, b, offset) < 0) {
        dnnl_memory_destroy(mem);
        return NULL;
    }
    return mem;
}

dnnl_memory_t activation_plan_view(activation_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *md, dnnl_memory_t base)
{
    return activation_plan_view_at(p, eng, md, base, 0);
}

int activation_plan_place(activation_plan *p, dnnl_memory_t mem, dnnl_memory_t base, size_t offset)
{
    int m = find(p, mem), b = find(p, base);
    if (m < 0 || b < 0 || p->memories[m].base >= 0 || root(p, b) == m)
        return -1;
    p->memories[m].base = b;
    p->memories[m].offset = offset;
    reach(p, b, offset_in_root(p, m) + p->memories[m].size); /* m was a root: its size covers its views */
    return 0;
}

void activation_plan_use(activation_plan *p, dnnl_memory_t mem, int step)
{
    int i = find(p, mem);
    if (i < 0)
        return;
    planned_memory *r = &p->memories[root(p, i)];
    if (step < r->first)
        r->first = step;
    if (step > r->last)
        r->last = step;
}

static int by_first(const void *a, const void *b, void *memories)
{
    const planned_memory *x = (const planned_memory *)memories + *(const int *)a;
    const planned_memory *y = (const planned_memory *)memories + *(const int *)b;
    return (x->first > y->first) - (x->first < y->first);
}

int activation_plan_commit(activation_plan *p)
{
    /* Greedy interval colouring in order of first use: a buffer is free for
     * an activation once every step of its previous occupant has run. */
    int *order = malloc((size_t)(p->count ? p->count : 1) * sizeof *order);
    int *busy_until = calloc((size_t)(p->count ? p->count : 1), sizeof *busy_until);
    size_t *sizes = calloc((size_t)(p->count ? p->count : 1), sizeof *sizes);
    int n = 0, rc = -1;
    if (!order || !busy_until || !sizes)
        goto out;
    for (int i = 0; i < p->count; i++)
        if (p->memories[i].base < 0)
            order[n++] = i;
    qsort_r(order, (size_t)n, sizeof *order, by_first, p->memories);
    for (int k = 0; k < n; k++) {
        planned_memory *a = &p->memories[order[k]];
        if (a->last < 0) { /* never used by a step: still give it storage of its own */
            a->first = a->last = INT_MAX - 1;
        }
        int pick = -1;
        for (int b = 0; b < p->nbuffers && pick < 0; b++)
            if (busy_until[b] < a->first)
                pick = b;
        if (pick < 0)
            pick = p->nbuffers++;
        busy_until[pick] = a->last;
        if (a->size > sizes[pick])
            sizes[pick] = a->size;
        a->buffer = pick;
    }
    p->buffers = calloc((size_t)(p->nbuffers ? p->nbuffers : 1), sizeof *p->buffers);
    if (!p->buffers)
        goto out;
    for (int b = 0; b < p->nbuffers; b++) {
        size_t bytes = (sizes[b] + 63) / 64 * 64;
        if (!(p->buffers[b] = aligned_alloc(64, bytes ? bytes : 64)))
            goto out;
        p->bytes += bytes;
    }
    for (int i = 0; i < p->count; i++)
        if (dnnl_memory_set_data_handle(p->memories[i].mem, (char *)p->buffers[p->memories[root(p, i)].buffer] +
                                                                offset_in_root(p, i)) != dnnl_success)
            goto out;
    rc = 0;
out:
    free(order);
    free(busy_until);
    free(sizes);
    return rc;
}

void activation_plan_free(activation_plan *p)
{
    for (int i = 0; i < p->count; i++)
        dnnl_memory_destroy(p->memories[i].mem);
    for (int b = 0; p->buffers && b < p->nbuffers; b++)
        free(p->buffers[b]);
    free(p->buffers);
    free(p->memories);
    memset(p, 0, sizeof *p);
}
