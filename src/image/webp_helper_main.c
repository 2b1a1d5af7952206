/* lookslike-webp-decode BUDGET WIDTH HEIGHT STRIDE OFFSET: the process
 * webp_helper.c starts to decode one WebP bitstream with bounded memory.
 * Reads the bitstream from fd 3 and writes WIDTH x HEIGHT RGB pixels into the
 * memfd on fd 4, from byte OFFSET on, rows STRIDE bytes apart, after limiting
 * its own address space to BUDGET bytes more than it has then, and its CPU
 * time to WEBP_HELPER_DEADLINE_S seconds. Exit status:
 * webp_rgb.h's outcome; WEBP_HELPER_EXIT_BAD_CALL for bad arguments or
 * descriptors. Not meant to be run by hand. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webp_helper.h"
#include "webp_rgb.h"

static size_t number(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    return errno || end == s || *end ? 0 : (size_t)v;
}

/* This process's virtual size in bytes (/proc/self/statm), or 0. */
static size_t address_space_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* A fresh process meets every page libwebp allocates for the first time, one
 * fault each (~20 us a fault on a virtual machine: 12 ms for a 0.5 MP image);
 * faulting in the heap it will use (its ARGB rows, ~4 bytes a pixel) with one
 * call costs a fraction of that. Best effort: allocations stay on the heap
 * and freed memory is kept, then one block is touched with MADV_POPULATE_WRITE. */
static void prefault_heap(size_t bytes)
{
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    void *p = malloc(bytes);
    if (p) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = ((uintptr_t)p + page - 1) & ~(page - 1);
        uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);
        if (end > start)
            madvise((void *)start, end - start, MADV_POPULATE_WRITE);
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 6)
        return WEBP_HELPER_EXIT_BAD_CALL;
    size_t budget = number(argv[1]), w = number(argv[2]), h = number(argv[3]), stride = number(argv[4]),
           offset = number(argv[5]);
    struct stat in, px;
    if (!budget || !w || !h || stride < w * 3 || fstat(3, &in) != 0 || in.st_size <= 0 || fstat(4, &px) != 0 ||
        (size_t)px.st_size < offset || (size_t)px.st_size - offset < (h - 1) * stride + w * 3)
        return WEBP_HELPER_EXIT_BAD_CALL;
    size_t size = (size_t)px.st_size;
    const uint8_t *data = mmap(NULL, (size_t)in.st_size, PROT_READ, MAP_SHARED, 3, 0);
    uint8_t *out = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, 4, 0);
    size_t now = address_space_bytes();
    struct rlimit limit = {now + budget, now + budget};
    struct rlimit cpu = {WEBP_HELPER_DEADLINE_S, WEBP_HELPER_DEADLINE_S + 1}; /* SIGXCPU, then SIGKILL */
    if (data == MAP_FAILED || out == MAP_FAILED || !now || setrlimit(RLIMIT_AS, &limit) != 0 ||
        setrlimit(RLIMIT_CPU, &cpu) != 0)
        return WEBP_HELPER_EXIT_BAD_CALL;
    prefault_heap(4 * w * h + (1u << 20));
    return webp_rgb_decode(data, (size_t)in.st_size, out + offset, size - offset, (int)stride);
}
