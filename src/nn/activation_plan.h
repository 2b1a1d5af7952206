/* Activation memory for the oneDNN engine: every layer output and reordered
 * copy is a dnnl memory without storage at first; once all primitives exist,
 * each one's lifetime (first and last step that touches it) is known, and
 * memories whose lifetimes do not overlap share one buffer. MobileNet then
 * needs a few buffers instead of one per layer. A memory may also view part of
 * another's storage (a channel block of a concatenation). Internal to src/nn. */
#ifndef LOOKSLIKE_NN_ACTIVATION_PLAN_H
#define LOOKSLIKE_NN_ACTIVATION_PLAN_H

#include <dnnl.h>
#include <stddef.h>

typedef struct planned_memory planned_memory;

typedef struct {
    planned_memory *memories; /* every memory planned, views included */
    int count;
    size_t cap;
    void **buffers;
    int nbuffers;
    size_t bytes; /* total allocated, for reporting */
} activation_plan;

/* A memory of descriptor md whose storage the plan will provide; NULL on failure. */
dnnl_memory_t activation_plan_new(activation_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *md);
/* A second view (another descriptor) of the same storage as base, which must
 * come from activation_plan_new or activation_plan_view; NULL on failure. */
dnnl_memory_t activation_plan_view(activation_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *md, dnnl_memory_t base);
/* The same, beginning `offset` bytes into base's storage. */
dnnl_memory_t activation_plan_view_at(activation_plan *p, dnnl_engine_t eng, const dnnl_memory_desc_t *md,
                                     dnnl_memory_t base, size_t offset);
/* Makes mem (from activation_plan_new, not yet a view, not base's own
 * storage) a view of base beginning `offset` bytes into it: a layer then
 * writes its output straight into its place in a concatenation. Its views
 * follow it. 0, or -1 when mem cannot be placed. */
int activation_plan_place(activation_plan *p, dnnl_memory_t mem, dnnl_memory_t base, size_t offset);
/* Records that step number `step` reads or writes mem (ignored if not planned). */
void activation_plan_use(activation_plan *p, dnnl_memory_t mem, int step);
/* Assigns buffers and attaches them. Returns 0 or -1 (out of memory). */
int activation_plan_commit(activation_plan *p);
/* Destroys the memories it created and frees the buffers. */
void activation_plan_free(activation_plan *p);

#endif
