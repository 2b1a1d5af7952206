/* json_escape (src/json_text.h): well-formed UTF-8 through, quotes and
 * backslashes escaped, control bytes and every byte outside well-formed UTF-8
 * as \u00XX; cut only between characters; the length returned as snprintf's. */
#include <string.h>

#include "../../src/json_text.h"
#include "check.h"

static void expect(const char *in, const char *want, const char *what)
{
    char out[256];
    size_t n = json_escape(in, out, sizeof out);
    check(!strcmp(out, want) && n == strlen(want), "%s: \"%s\" (length %zu)", what, out, n);
}

/* Whether s is well-formed UTF-8 with no control byte: what a JSON string may hold raw. */
static int valid_utf8_text(const unsigned char *s)
{
    while (*s) {
        if (*s < 0x20 || *s == 0x7f)
            return 0;
        int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;
        if (!n)
            return 0;
        unsigned cp = n == 1 ? *s : *s & (0x3f >> (n - 1));
        for (int i = 1; i < n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        static const unsigned least[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        s += n;
    }
    return 1;
}

int main(void)
{
    expect("plain text", "plain text", "ASCII as it is");
    expect("a \"quoted\" \\ path", "a \\\"quoted\\\" \\\\ path", "quotes and backslashes");
    expect("tab\there\r\n\x01\x7f", "tab\\u0009here\\u000d\\u000a\\u0001\\u007f", "control bytes and DEL");
    expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa6\x9c", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa6\x9c",
           "2-, 3- and 4-byte UTF-8 through");
    expect("\x80", "\\u0080", "a lone continuation byte");
    expect("\xc0\xaf", "\\u00c0\\u00af", "an overlong form");
    expect("\xe0\x80\xaf", "\\u00e0\\u0080\\u00af", "an overlong 3-byte form");
    expect("\xed\xa0\x80", "\\u00ed\\u00a0\\u0080", "a surrogate");
    expect("\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080", "past U+10FFFF");
    expect("\xf5\x80", "\\u00f5\\u0080", "a byte that never starts a sequence");
    expect("ab\xe2\x82", "ab\\u00e2\\u0082", "a sequence cut short by the end");
    expect("\xe2\x82x", "\\u00e2\\u0082x", "a sequence cut short by ASCII");
    expect("\xff\xfe", "\\u00ff\\u00fe", "0xff and 0xfe");

    /* utf8_invalid_at: where text stops being UTF-8 (control bytes are UTF-8) */
    check(utf8_invalid_at("caf\xc3\xa9 \x01\x7f \xf0\x9f\xa6\x9c") == -1, "UTF-8 text, control bytes included");
    check(utf8_invalid_at("caf\xe9") == 3, "a Latin-1 byte at 3 (%ld)", utf8_invalid_at("caf\xe9"));
    check(utf8_invalid_at("ab\xe2\x82") == 2, "a sequence cut short by the end, at its start");
    check(utf8_invalid_at("\xed\xa0\x80") == 0 && utf8_invalid_at("\xc0\xaf") == 0, "a surrogate, an overlong form");

    /* cut to fit: never inside a character or an escape; the full length returned */
    char out[8];
    size_t n = json_escape("ab\xc3\xa9\xc3\xa9", out, 5);
    check(n == 6 && !strcmp(out, "ab\xc3\xa9"), "cut between characters: \"%s\", whole length %zu", out, n);
    n = json_escape("a\"b", out, 3);
    check(n == 4 && !strcmp(out, "a"), "cut before an escape, not inside it: \"%s\", whole length %zu", out, n);
    n = json_escape("abc", out, 4);
    check(n == 3 && !strcmp(out, "abc"), "exactly fits: \"%s\"", out);
    n = json_escape("abc", NULL, 0);
    check(n == 3, "cap 0 only measures (%zu)", n);

    /* every 1- to 3-byte string over a set of interesting bytes escapes to valid UTF-8 text */
    static const unsigned char bytes[] = {0x00, 0x01, 0x1f, 0x20, 0x22, 0x5c, 0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xbf,
                                          0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
    int count = 0, bad = 0;
    for (size_t i = 0; i < sizeof bytes; i++)
        for (size_t j = 0; j < sizeof bytes; j++)
            for (size_t k = 0; k < sizeof bytes; k++) {
                unsigned char in[4] = {bytes[i], bytes[j], bytes[k], 0};
                char esc[64];
                json_escape((const char *)in, esc, sizeof esc);
                count++;
                bad += !valid_utf8_text((const unsigned char *)esc);
            }
    check(bad == 0, "%d strings of 1 to 3 bytes escape to valid UTF-8 text (%d do not)", count, bad);
    return check_done();
}
