/* Writes a valid progressive JPEG built to be slow to decode (a "scan bomb"):
 * a libjpeg scan script that sends every AC coefficient of every component in
 * its own spectral band, first at a point transform of 10 bits and then one
 * refinement scan per bit: 693 scans per component. Each scan makes the
 * decoder walk every block of its component again, so the file costs about
 * 700 passes over each component while its size stays small. Generated at test time,
 * so nothing binary is committed.
 * usage: make_scan_bomb OUT.jpg WIDTH HEIGHT COMPONENTS(1|3) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#define MAX_AL 10 /* the largest point transform libjpeg accepts */

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s OUT.jpg WIDTH HEIGHT COMPONENTS(1|3)\n", argv[0]);
        return 2;
    }
    int w = atoi(argv[2]), h = atoi(argv[3]), comps = atoi(argv[4]);
    if (w < 1 || h < 1 || w > 65535 || h > 65535 || (comps != 1 && comps != 3)) {
        fprintf(stderr, "bad size or component count\n");
        return 2;
    }
    FILE *out = fopen(argv[1], "wb");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, out);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = comps;
    c.in_color_space = comps == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 90, TRUE);
    for (int i = 0; i < comps; i++) /* 4:4:4: every component at full resolution */
        c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;

    /* DC of all components at once, then per component and per AC coefficient:
     * a first scan at point transform MAX_AL, then refinements down to 0. */
    int nscans = 1 + comps * 63 * (MAX_AL + 1);
    jpeg_scan_info *scans = calloc((size_t)nscans, sizeof *scans), *s = scans;
    s->comps_in_scan = comps;
    for (int i = 0; i < comps; i++)
        s->component_index[i] = i;
    s++;
    for (int ci = 0; ci < comps; ci++)
        for (int k = 1; k <= 63; k++)
            for (int al = MAX_AL; al >= 0; al--, s++) {
                s->comps_in_scan = 1;
                s->component_index[0] = ci;
                s->Ss = s->Se = k;
                s->Ah = al == MAX_AL ? 0 : al + 1;
                s->Al = al;
            }
    c.scan_info = scans;
    c.num_scans = nscans;

    jpeg_start_compress(&c, TRUE);
    JSAMPLE *row = malloc((size_t)w * (size_t)comps);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) /* texture, so that the AC scans carry bits */
            for (int ch = 0; ch < comps; ch++)
                row[(size_t)x * comps + ch] = (JSAMPLE)((x * 7 + y * 13 + ch * 50 + ((x ^ y) & 31) * 3) & 0xff);
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&c, rows, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    free(scans);
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    printf("%s: %dx%d, %d components, %d scans\n", argv[1], w, h, comps, nscans);
    return 0;
}
