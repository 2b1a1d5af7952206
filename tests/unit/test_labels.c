/* src/nn/labels.c on its own: the labels file (a line per output, the first
 * synonym as the short name, a "background" line noted wherever it stands, too few or
 * empty lines refused with the line) and nn_top_k, the one ranking of classes. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../src/nn/labels.h"
#include "check.h"

static const char *labels_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/lookslike-labels-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return NULL;
    close(fd);
    return path;
}

static int load(const char *text, int expected, nn_labels *l, char *err, size_t errlen)
{
    const char *path = labels_file(text);
    int rc = path ? nn_labels_load(l, path, expected, NULL, err, errlen) : -1;
    if (path)
        unlink(path);
    return rc;
}

static void files(void)
{
    nn_labels l;
    char err[256] = "";
    check(load("background\ntabby, tabby cat\nmacaw\nextra line\n", 3, &l, err, sizeof err) == 0 && l.count == 3 &&
              l.background == 0 && !strcmp(l.full[1], "tabby, tabby cat") && !strcmp(l.short_name[1], "tabby") &&
              !strcmp(l.short_name[2], "macaw"),
          "three of four lines; background first; the first synonym as the short name (%s)", err);
    nn_labels_free(&l);
    check(load("tabby\nmacaw\n", 2, &l, err, sizeof err) == 0 && l.background == -1, "no background line");
    nn_labels_free(&l);
    check(load("Ara macao (Scarlet Macaw)\nbackground sound\nbackground\nbackground\n", 4, &l, err, sizeof err) == 0 &&
              l.background == 2,
          "background last, as in iNaturalist's labels: the first line that is exactly it (%d)", l.background);
    nn_labels_free(&l);
    err[0] = '\0';
    check(load("tabby\n\nmacaw\n", 3, &l, err, sizeof err) < 0 && strstr(err, "line 2"),
          "an empty line refused, by number (%s)", err);
    err[0] = '\0';
    check(load("tabby\nmacaw\n", 3, &l, err, sizeof err) < 0 && strstr(err, "expected 3"),
          "too few lines refused (%s)", err);
    err[0] = '\0';
    check(load("tabby\ncaf\xe9 au lait\nmacaw\n", 3, &l, err, sizeof err) < 0 &&
              strstr(err, ":2: not UTF-8 text (byte 0xe9 at column 4)"),
          "a Latin-1 line refused by number and column (%s)", err);
    check(load("tabby\ncaf\xc3\xa9 au lait\n\xe7\x8c\xab\n", 3, &l, err, sizeof err) == 0 &&
              !strcmp(l.short_name[2], "\xe7\x8c\xab"),
          "UTF-8 lines taken (%s)", err);
    nn_labels_free(&l);
}

static void ranking(void)
{
    const float p[] = {0.5f, 0.1f, 0.2f, 0.2f, 0.0f, 0.3f};
    int out[8];
    int n = nn_top_k(p, 6, 3, 0, out);
    check(n == 3 && out[0] == 5 && out[1] == 2 && out[2] == 3, "top 3 without output 0: 5, 2, 3 (ties: lower first)");
    n = nn_top_k(p, 6, 3, -1, out);
    check(n == 3 && out[0] == 0 && out[1] == 5 && out[2] == 2, "top 3 of every output: 0, 5, 2");
    n = nn_top_k(p, 6, 8, -1, out);
    int sorted = n == 6;
    for (int i = 1; i < n; i++)
        sorted &= p[out[i - 1]] > p[out[i]] || (p[out[i - 1]] == p[out[i]] && out[i - 1] < out[i]);
    check(sorted, "k above n: all %d outputs, in order", n);
    n = nn_top_k(p, 6, 8, 0, out);
    check(n == 5, "k above n with one skipped: %d", n);
}

int main(void)
{
    files();
    ranking();
    return check_done();
}
