/* Faulting a fresh buffer's pages in with one system call. On the VMs this
 * runs on a page fault costs ~13 us, so touching the 17 MB weights file's
 * buffer page by page took ~55 ms of the start-up; one madvise
 * (MADV_POPULATE_WRITE, Linux 5.14) maps them all in a few. Thread-safe. */
#ifndef LOOKSLIKE_PREFAULT_H
#define LOOKSLIKE_PREFAULT_H

#include <stddef.h>

/* The whole pages inside [p, p + n), writable; a no-op for buffers under
 * 1 MiB and where the kernel cannot (the pages then fault in as used). */
void prefault(void *p, size_t n);

#endif
