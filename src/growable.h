/* Growing a heap array, the two ways this code needs it. Each returns the
 * array, moved if need be, with *cap (in elements) updated; or NULL on
 * failure, leaving the old array and *cap as they were. No state of its own:
 * thread-safe as long as each array has one owner. */
#ifndef LOOKSLIKE_GROWABLE_H
#define LOOKSLIKE_GROWABLE_H

#include <stddef.h>
#include <stdlib.h>

/* At least `need` elements, at least doubling: for arrays appended to one
 * element at a time (amortised constant cost). */
static inline void *grow_doubling(void *array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return array;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *moved = realloc(array, n * elem);
    if (moved)
        *cap = n;
    return moved;
}

/* Exactly `need` elements when it must grow: for a buffer sized to the
 * largest input so far (an image), where doubling would waste memory. */
static inline void *grow_exact(void *array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return array;
    void *moved = realloc(array, need * elem);
    if (moved)
        *cap = need;
    return moved;
}

/* grow_exact for a pointer variable, replaced on success: 0, or -1 on failure. */
static inline int reserve_exact(void **array, size_t *cap, size_t need, size_t elem)
{
    void *moved = grow_exact(*array, cap, need, elem);
    if (!moved)
        return -1;
    *array = moved;
    return 0;
}

#endif
