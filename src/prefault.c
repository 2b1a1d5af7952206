#include "prefault.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PREFAULT_MIN ((size_t)1 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

/* The whole pages inside [p, p + n), writable; a no-op for buffers under
 * 1 MiB and where the kernel cannot (the pages then fault in as used). */
static void prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (n < PREFAULT_MIN)
        return;
    uintptr_t first = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, end = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (end > first)
        (void)madvise((void *)first, end - first, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)n;
#endif
}

void *prefaulted_alloc(size_t n)
{
    if (n < PREFAULT_MIN)
        return malloc(n ? n : 1);
    if (n > SIZE_MAX - HUGE_PAGE)
        return NULL;
    size_t size = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = aligned_alloc(HUGE_PAGE, size);
    if (!p)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, size, MADV_HUGEPAGE); /* a request: without it, 4 KiB pages */
#endif
    prefault(p, size);
    return p;
}
