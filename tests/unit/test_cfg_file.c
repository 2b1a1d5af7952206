/* src/nn/cfg_file.c on its own: sections, keys and values with their lines,
 * whole-line comments ('#', ';'), typed look-ups with their ranges, unused keys reported by line,
 * and text that is not a cfg refused with FILE:LINE. */
#include <string.h>

#include "../../src/nn/cfg_file.h"
#include "check.h"

static int parse(cfg_file *f, const char *text, char *err, size_t errlen)
{
    return cfg_parse(f, text, strlen(text), "t.cfg", err, errlen);
}

int main(void)
{
    static const char text[] = "# a comment\n[net]\nwidth = 224\nheight=224\n"
                               "scale=0.5\n; another\n[convolutional]\nfilters=32\nactivation=relu6\nbogus=1\n";
    char err[256] = "";
    cfg_file f;
    int rc = parse(&f, text, err, sizeof err);
    check(rc == 0 && f.nsections == 2 && !strcmp(f.sections[0].name, "net") && f.sections[0].line == 2 &&
              !strcmp(f.sections[1].name, "convolutional") && f.sections[1].line == 7,
          "two sections with their lines (%s)", err);
    if (rc == 0) {
        cfg_section *net = &f.sections[0], *conv = &f.sections[1];
        int w = 0, h = 0, c = 0, filters = 0;
        float scale = 0;
        check(cfg_int(&f, net, "width", 0, 1, 4096, &w) == 0 && w == 224, "width = 224, spaces around '='");
        check(cfg_int(&f, net, "height", 0, 1, 4096, &h) == 0 && h == 224, "height=224");
        check(cfg_float(&f, net, "scale", 1, 0, 10, &scale) == 0 && scale == 0.5f, "scale=0.5");
        check(cfg_int(&f, net, "channels", 3, 1, 4, &c) == 0 && c == 3, "an absent key: its default");
        check(cfg_line(net, "height") == 4 && cfg_line(net, "channels") == 2, "lines: of a key, else of the section");
        check(cfg_check_unused(&f, net) == 0, "every [net] key was asked for");
        check(cfg_int(&f, conv, "filters", 1, 1, 16, &filters) < 0 && strstr(err, "t.cfg:8:"),
              "filters=32 above its maximum 16: refused at t.cfg:8 (%s)", err);
        check(!strcmp(cfg_string(conv, "activation", "linear"), "relu6"), "a string value");
        err[0] = '\0';
        check(cfg_check_unused(&f, conv) < 0 && strstr(err, "t.cfg:10:") && strstr(err, "bogus"),
              "a key nobody asked for: named, with its line (%s)", err);
        cfg_free(&f);
    }
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"width=1\n[net]\n", "t.cfg:1:"},
        {"[net\nwidth=1\n", "t.cfg:1:"},
        {"[net]\nno equals sign\n", "t.cfg:2:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        rc = parse(&f, bad[i].text, err, sizeof err);
        check(rc < 0 && strstr(err, bad[i].want), "refused at %s: %s", bad[i].want, err);
        if (rc == 0)
            cfg_free(&f);
    }
    err[0] = '\0';
    rc = parse(&f, "[net]\nwidth=abc\n", err, sizeof err);
    int v = 0;
    check(rc == 0 && cfg_int(&f, &f.sections[0], "width", 1, 1, 100, &v) < 0 && strstr(err, "t.cfg:2:"),
          "a number that is not one: refused at t.cfg:2 (%s)", err);
    if (rc == 0)
        cfg_free(&f);

    /* A key repeated: one key if the value is the same (Debian's
     * yolo9000.cfg repeats batch=1), its first line's as Darknet reads it; with
     * another value, refused at the repeat unless the key is ignored (a
     * training key: yolov3-openimages.cfg has batch=1, then batch=64). */
    err[0] = '\0';
    rc = parse(&f, "[net]\nwidth=8\nwidth=8\nmomentum=0.9\nmomentum=0.8\nheight=4\nheight=5\n", err, sizeof err);
    if (check(rc == 0, "repeated keys parse (%s)", err)) {
        cfg_section *net = &f.sections[0];
        int w = 0, h = 0;
        cfg_ignore(net, "momentum");
        check(cfg_int(&f, net, "width", 0, 1, 100, &w) == 0 && w == 8 && cfg_line(net, "width") == 2,
              "width=8 twice: one key, line 2");
        check(cfg_int(&f, net, "height", 0, 1, 100, &h) == 0 && h == 4, "height: the first value, as Darknet");
        err[0] = '\0';
        check(cfg_check_unused(&f, net) < 0 &&
                  strstr(err, "t.cfg:7: key 'height' repeated in [net] with another value (first on line 6)"),
              "height=4, then height=5: refused at the repeat, momentum's repeat ignored (%s)", err);
        cfg_free(&f);
    }
    return check_done();
}
