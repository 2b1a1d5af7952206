/* The INI-like text of a Darknet .cfg: [section] headers and key=value lines,
 * with '#' and ';' comments. Keeps line numbers, and remembers which keys were
 * read, so that a key nobody asked for can be reported instead of ignored. */
#ifndef LOOKSLIKE_NN_CFG_FILE_H
#define LOOKSLIKE_NN_CFG_FILE_H

#include <stddef.h>

typedef struct {
    char *key, *value;
    int line;
    int used;
    int ignored; /* looked up by cfg_ignore: a key inference does not read */
    int conflict_line; /* a later line gave the key another value (0: none) */
} cfg_option;

typedef struct {
    char *name;
    int line;
    cfg_option *options;
    int noptions;
} cfg_section;

typedef struct {
    cfg_section *sections;
    int nsections;
    char *storage; /* one copy of the text that keys and values point into */
    const char *name;
    char *err;
    size_t errlen;
} cfg_file;

/* 0, or -1 with "name:line: reason" in err and nothing left to free. */
int cfg_parse(cfg_file *f, const char *text, size_t len, const char *name, char *err, size_t errlen);
/* Frees what cfg_parse made; harmless twice, or after a failed parse. */
void cfg_free(cfg_file *f);

/* Typed look-ups. A present but malformed or out-of-range value is an error
 * (returns -1 with the message set); an absent key yields the default. */
int cfg_int(cfg_file *f, cfg_section *s, const char *key, int dflt, int min, int max, int *out);
int cfg_float(cfg_file *f, cfg_section *s, const char *key, float dflt, float min, float max, float *out);
const char *cfg_string(cfg_section *s, const char *key, const char *dflt);
/* The line of key in s, or of the section header when the key is absent. */
int cfg_line(cfg_section *s, const char *key);

/* Accepts key, whose value does not matter (a training key): it may also
 * be repeated with another value. */
void cfg_ignore(cfg_section *s, const char *key);

/* Reports the first key in the section that no look-up asked for, or that
 * a look-up used although a later line repeats it with another value. A key
 * repeated with its value is one key; look-ups see its first line, as
 * Darknet's option_find does. */
int cfg_check_unused(cfg_file *f, cfg_section *s);

/* Formats "name:line: message" into the file's error buffer; returns -1. */
int cfg_error(cfg_file *f, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
