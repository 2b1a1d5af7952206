/* Lossless WebP (and any WebP with an alpha plane, which may be coded
 * losslessly) decoded in a process of its own with bounded memory.
 * libwebp's lossless decoder builds lookup tables per prefix-code group
 * before any pixel, and the format allows a group per 4x4 tile: a 470 KB
 * 1024x1024 file made it allocate ~400 MB (as a lossy file's alpha plane as
 * well), and nothing outside libwebp can cap its allocator. So such a
 * bitstream is decoded by lookslike-webp-decode
 * (webp_helper_main.c), started with posix_spawn (no copy of this process's
 * memory: ~2.5 ms), which limits its own address space to `budget` bytes
 * more than it starts with (RLIMIT_AS): an allocation past that fails there,
 * and this process never holds it. The bitstream goes to it through a
 * memfd, and it writes the RGB straight into the caller's memfd-backed pixel
 * buffer (decoded_image.h); its standard streams are /dev/null (a
 * sanitizer's report of the refused allocation is expected on its standard
 * error). It starts with no signal blocked and the default dispositions, and
 * gets WEBP_HELPER_DEADLINE_S seconds of CPU time and of wall-clock time:
 * a helper that loops or is stopped is killed then, and the image refused.
 * Thread-safe; blocks the calling thread until the helper ends. */
#ifndef LOOKSLIKE_IMAGE_WEBP_HELPER_H
#define LOOKSLIKE_IMAGE_WEBP_HELPER_H

#include <stddef.h>
#include <stdint.h>

/* The helper's exit status besides webp_rgb.h's outcomes: arguments or
 * descriptors it cannot use (a fault of the caller's, not of the image). */
#define WEBP_HELPER_EXIT_BAD_CALL 3

/* Besides webp_rgb.h's outcomes: */
#define WEBP_HELPER_FAILED (-1) /* the helper died (a signal: an allocator aborting at its limit) */
#define WEBP_HELPER_NOT_STARTED (-2) /* it could not be started (missing, no memory for the memfds, ...) */
#define WEBP_HELPER_TIMED_OUT (-3) /* past its deadline (killed) or its CPU time (SIGXCPU) */

/* How long a decode may take: wall-clock (then the helper is killed) and CPU
 * seconds (its RLIMIT_CPU). A 16-megapixel lossless photo decodes in ~1 s. */
#define WEBP_HELPER_DEADLINE_S 10

/* Decodes the w x h bitstream into the memfd `pixels` (a shared
 * pixel_buffer's), from byte `offset` on, rows `stride` bytes apart: a
 * WEBP_RGB_* outcome, or one of the above. */
int webp_helper_decode(const uint8_t *data, size_t len, size_t w, size_t h, int pixels, size_t offset, int stride,
                       size_t budget);

#endif
