#include "cfg_file.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds that keep a hostile cfg from making the parser itself expensive. */
#define CFG_MAX_BYTES (1 << 20)
#define CFG_MAX_SECTIONS 1024
#define CFG_MAX_OPTIONS 64

int cfg_error(cfg_file *f, int line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(f->err, f->errlen, "%s:%d: %s", f->name, line, msg);
    else
        snprintf(f->err, f->errlen, "%s: %s", f->name, msg);
    return -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static int printable(const char *s)
{
    for (; *s; s++)
        if (!isprint((unsigned char)*s) && *s != '\t')
            return 0;
    return 1;
}

static int add_option(cfg_file *f, char *line, int lineno)
{
    if (f->nsections == 0)
        return cfg_error(f, lineno, "key=value line before the first [section]");
    cfg_section *s = &f->sections[f->nsections - 1];
    char *eq = strchr(line, '=');
    if (!eq)
        return cfg_error(f, lineno, "expected key=value or [section], got '%.40s'", line);
    *eq = '\0';
    char *key = trim(line), *value = trim(eq + 1);
    if (!*key || !*value)
        return cfg_error(f, lineno, "empty key or value");
    for (int i = 0; i < s->noptions; i++)
        if (!strcmp(s->options[i].key, key)) { /* Darknet reads the first (Debian's yolo9000.cfg repeats batch=) */
            if (strcmp(s->options[i].value, value) && !s->options[i].conflict_line)
                s->options[i].conflict_line = lineno;
            return 0;
        }
    if (s->noptions == CFG_MAX_OPTIONS)
        return cfg_error(f, lineno, "more than %d keys in one section", CFG_MAX_OPTIONS);
    s->options[s->noptions++] = (cfg_option){key, value, lineno, 0, 0, 0};
    return 0;
}

static int add_section(cfg_file *f, char *line, int lineno)
{
    char *end = strchr(line, ']');
    if (!end || trim(end + 1)[0] != '\0')
        return cfg_error(f, lineno, "malformed section header '%.40s'", line);
    *end = '\0';
    if (f->nsections == CFG_MAX_SECTIONS)
        return cfg_error(f, lineno, "more than %d sections", CFG_MAX_SECTIONS);
    cfg_section *s = &f->sections[f->nsections++];
    s->name = trim(line + 1);
    s->line = lineno;
    s->noptions = 0;
    s->options = calloc(CFG_MAX_OPTIONS, sizeof *s->options);
    if (!s->options)
        return cfg_error(f, lineno, "out of memory");
    return 0;
}

static int parse_text(cfg_file *f, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->name = name;
    f->err = err;
    f->errlen = errlen;
    if (len > CFG_MAX_BYTES)
        return cfg_error(f, 0, "cfg is %zu bytes, more than the %d allowed", len, CFG_MAX_BYTES);
    if (memchr(text, '\0', len))
        return cfg_error(f, 0, "cfg contains a NUL byte; not a text file");
    f->storage = malloc(len + 1);
    f->sections = calloc(CFG_MAX_SECTIONS, sizeof *f->sections);
    if (!f->storage || !f->sections)
        return cfg_error(f, 0, "out of memory");
    memcpy(f->storage, text, len);
    f->storage[len] = '\0';

    int lineno = 0;
    char *next = f->storage;
    while (next) {
        char *line = next;
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        line = trim(line);
        if (!printable(line))
            return cfg_error(f, lineno, "non-printable character");
        if (*line == '\0' || *line == '#' || *line == ';')
            continue;
        int rc = *line == '[' ? add_section(f, line, lineno) : add_option(f, line, lineno);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int cfg_parse(cfg_file *f, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
    int rc = parse_text(f, text, len, name, err, errlen);
    if (rc < 0)
        cfg_free(f);
    return rc;
}

void cfg_free(cfg_file *f)
{
    for (int i = 0; i < f->nsections; i++)
        free(f->sections[i].options);
    free(f->sections);
    free(f->storage);
    f->sections = NULL;
    f->storage = NULL;
    f->nsections = 0;
}

static cfg_option *find(cfg_section *s, const char *key)
{
    for (int i = 0; i < s->noptions; i++)
        if (!strcmp(s->options[i].key, key)) {
            s->options[i].used = 1;
            return &s->options[i];
        }
    return NULL;
}

const char *cfg_string(cfg_section *s, const char *key, const char *dflt)
{
    cfg_option *o = find(s, key);
    return o ? o->value : dflt;
}

int cfg_line(cfg_section *s, const char *key)
{
    cfg_option *o = find(s, key);
    return o ? o->line : s->line;
}

int cfg_int(cfg_file *f, cfg_section *s, const char *key, int dflt, int min, int max, int *out)
{
    cfg_option *o = find(s, key);
    if (!o) {
        *out = dflt;
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(o->value, &end, 10);
    if (end == o->value || *end)
        return cfg_error(f, o->line, "%s=%.40s is not an integer", key, o->value);
    if (errno == ERANGE || v < min || v > max)
        return cfg_error(f, o->line, "%s=%.40s is out of range [%d, %d]", key, o->value, min, max);
    *out = (int)v;
    return 0;
}

int cfg_float(cfg_file *f, cfg_section *s, const char *key, float dflt, float min, float max, float *out)
{
    cfg_option *o = find(s, key);
    if (!o) {
        *out = dflt;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(o->value, &end);
    if (errno || end == o->value || *end || !isfinite(v))
        return cfg_error(f, o->line, "%s=%.40s is not a finite number", key, o->value);
    if (v < min || v > max)
        return cfg_error(f, o->line, "%s=%g is out of range [%g, %g]", key, v, (double)min, (double)max);
    *out = (float)v;
    return 0;
}

void cfg_ignore(cfg_section *s, const char *key)
{
    cfg_option *o = find(s, key);
    if (o)
        o->ignored = 1;
}

int cfg_check_unused(cfg_file *f, cfg_section *s)
{
    for (int i = 0; i < s->noptions; i++) {
        const cfg_option *o = &s->options[i];
        if (!o->used)
            return cfg_error(f, o->line, "unknown key '%.40s' in [%s]", o->key, s->name);
        if (o->conflict_line && !o->ignored)
            return cfg_error(f, o->conflict_line, "key '%.40s' repeated in [%s] with another value (first on line %d)",
                             o->key, s->name, o->line);
    }
    return 0;
}
