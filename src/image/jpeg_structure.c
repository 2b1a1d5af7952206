/* The JPEG stream (ITU T.81, annex B) as read here: SOI, then segments
 * "FF xx" + a 16-bit big-endian length that counts itself; a start of frame
 * (SOF0-15 but DHT, JPG and DAC) gives the size and each component's sampling
 * factors; each start of scan (SOS) names the components it covers and is
 * followed by entropy-coded data, in which 0xFF is escaped as FF 00 and
 * restart markers FF D0-D7 may appear; the next other marker ends it. */
#include "jpeg_structure.h"

#include <string.h>

#define MAX_COMPONENTS 4

typedef struct {
    int id;
    uint64_t blocks; /* padded to the component's sampling factors, as libjpeg allocates them */
} component;

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static int is_sof(uint8_t m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static uint64_t round_up(uint64_t v, unsigned multiple)
{
    return (v + multiple - 1) / multiple * multiple;
}

/* Frame header: P, Y, X, Nf, then Nf x (C, H<<4|V, Tq). Returns the number of components. */
static int read_frame(const uint8_t *seg, size_t n, jpeg_structure *s, component *comp)
{
    if (n < 6 || seg[5] < 1 || seg[5] > MAX_COMPONENTS || n < 6 + 3u * seg[5])
        return 0;
    s->height = (int)be16(seg + 1);
    s->width = (int)be16(seg + 3);
    int count = seg[5], hmax = 1, vmax = 1;
    for (int i = 0; i < count; i++) {
        int h = seg[7 + 3 * i] >> 4, v = seg[7 + 3 * i] & 15;
        hmax = h > hmax ? h : hmax;
        vmax = v > vmax ? v : vmax;
    }
    for (int i = 0; i < count; i++) {
        unsigned h = seg[7 + 3 * i] >> 4, v = seg[7 + 3 * i] & 15;
        h = h ? h : 1;
        v = v ? v : 1;
        /* libjpeg: width_in_blocks = ceil(X * H / (Hmax * 8)), rounded up to H */
        uint64_t bw = ((uint64_t)s->width * h + 8u * hmax - 1) / (8u * hmax);
        uint64_t bh = ((uint64_t)s->height * v + 8u * vmax - 1) / (8u * vmax);
        comp[i].id = seg[6 + 3 * i];
        comp[i].blocks = round_up(bw, h) * round_up(bh, v);
    }
    return count;
}

/* Scan header: Ns, then Ns x (C, Td<<4|Ta), ... Adds the blocks it covers. */
static void read_scan(const uint8_t *seg, size_t n, jpeg_structure *s, const component *comp, int count)
{
    s->scans++;
    if (n < 1)
        return;
    for (int j = 0; j < seg[0] && 1 + 2u * j < n; j++)
        for (int i = 0; i < count; i++)
            if (comp[i].id == seg[1 + 2 * j])
                s->block_visits += comp[i].blocks;
}

/* From just after a scan header: the offset of the marker that ends its entropy-coded data. */
static size_t skip_entropy_data(const uint8_t *data, size_t len, size_t pos)
{
    for (;;) {
        const uint8_t *ff = memchr(data + pos, 0xFF, len - pos);
        if (!ff || (size_t)(ff - data) + 1 >= len)
            return len;
        pos = (size_t)(ff - data) + 1;
        uint8_t next = data[pos];
        if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7))
            return pos - 1;
    }
}

/* The walk over the markers; frame_only: stop once the frame header is read. */
static void walk(const uint8_t *data, size_t len, jpeg_structure *s, int frame_only)
{
    memset(s, 0, sizeof *s);
    component comp[MAX_COMPONENTS];
    int count = 0;
    if (len < 4 || data[0] != 0xFF || data[1] != 0xD8)
        return;
    size_t pos = 2;
    while (pos + 1 < len) {
        if (data[pos] != 0xFF)
            break; /* garbage between segments: the decoder will say so */
        uint8_t marker = data[pos + 1];
        pos += 2;
        if (marker == 0xFF) { /* fill byte */
            pos--;
            continue;
        }
        if (marker == 0xD9) /* EOI */
            break;
        if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) /* no length */
            continue;
        if (pos + 2 > len)
            break;
        size_t n = be16(data + pos);
        if (n < 2 || pos + n > len)
            break;
        const uint8_t *seg = data + pos + 2;
        if (is_sof(marker) && !count) {
            count = read_frame(seg, n - 2, s, comp);
            if (frame_only)
                return;
        }
        pos += n;
        if (marker == 0xDA) {
            read_scan(seg, n - 2, s, comp, count);
            pos = skip_entropy_data(data, len, pos);
        }
    }
    if (s->scans > 1)
        for (int i = 0; i < count; i++)
            s->coefficient_bytes += comp[i].blocks * 64 * sizeof(int16_t);
}

void jpeg_structure_read(const uint8_t *data, size_t len, jpeg_structure *s)
{
    walk(data, len, s, 0);
}

uint64_t jpeg_pixels(const uint8_t *data, size_t len)
{
    jpeg_structure s;
    walk(data, len, &s, 1);
    return (uint64_t)s.width * (uint64_t)s.height;
}
