/* Fresh buffers with their pages mapped at once. On the VMs this runs on the
 * first touch of each 4 KiB page costs ~6-13 us, even after the kernel has
 * populated it: reading the 17 MB weights file into a fresh buffer took ~55 ms
 * and the first pass over it ~25 ms more. In 2 MiB pages (transparent huge
 * pages, which madvise(MADV_HUGEPAGE) asks for) the same read takes ~4 ms and
 * the pass ~1.4 ms (measured 2026-12-02 on a fresh 18 MiB buffer: fread,
 * then one isfinite pass). Thread-safe. */
#ifndef LOOKSLIKE_PREFAULT_H
#define LOOKSLIKE_PREFAULT_H

#include <stddef.h>

/* n bytes (any n, 0 included) to keep for a while: from 1 MiB on aligned to
 * 2 MiB, in huge pages where the kernel gives them, and prefaulted; below,
 * plain malloc. Released with free(); NULL when out of memory. */
void *prefaulted_alloc(size_t n);

#endif
