/* A walk over a JPEG's markers that measures, before anything is decoded,
 * what decoding it will cost: how many scans it has, how many 8x8 blocks the
 * entropy decoder visits over all of them, and how much memory libjpeg needs
 * for the whole-image coefficient buffer a multi-scan (e.g. progressive) JPEG
 * keeps. A progressive JPEG may legally hold thousands of scans, each of which
 * walks every block of the image again: a few megabytes can cost a minute of
 * decoding. The walk reads each byte once and allocates nothing. Pure
 * function; thread-safe. */
#ifndef LOOKSLIKE_IMAGE_JPEG_STRUCTURE_H
#define LOOKSLIKE_IMAGE_JPEG_STRUCTURE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int width, height; /* from the frame header; 0 when none was found */
    int scans; /* start-of-scan markers */
    uint64_t block_visits; /* 8x8 blocks decoded, summed over every scan */
    uint64_t coefficient_bytes; /* libjpeg's whole-image coefficient buffer (0 for one scan) */
} jpeg_structure;

/* Fills s from the markers of data. Stops quietly at anything malformed: the
 * decoder itself reports such streams as invalid. */
void jpeg_structure_read(const uint8_t *data, size_t len, jpeg_structure *s);

/* Only the frame header's width x height (0 when none is found): the walk
 * stops there, before any scan, so it costs a few segments, not the file. */
uint64_t jpeg_pixels(const uint8_t *data, size_t len);

#endif
