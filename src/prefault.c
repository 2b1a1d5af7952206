#include "prefault.h"

#include <stdint.h>
#include <sys/mman.h>

void prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (n < ((size_t)1 << 20))
        return;
    uintptr_t first = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, end = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (end > first)
        (void)madvise((void *)first, end - first, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)n;
#endif
}
