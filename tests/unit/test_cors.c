/* src/http/cors.c on its own: the --cors-origin list and the
 * Access-Control-Allow-Origin value each Origin header earns. */
#include <string.h>

#include "../../src/http/cors.h"
#include "check.h"

static void allows(const cors_policy *p, const char *origin, const char *want)
{
    const char *got = cors_allow_origin(p, origin);
    check(want ? got && !strcmp(got, want) : got == NULL, "Origin %s -> %s (got %s)", origin ? origin : "(none)",
          want ? want : "no header", got ? got : "none");
}

int main(void)
{
    char err[256] = "";
    cors_policy p;
    check(cors_parse(&p, "https://app.example.com, http://localhost:8080", err, sizeof err) == 0,
          "two origins parse (%s)", err);
    allows(&p, "https://app.example.com", "https://app.example.com");
    allows(&p, "http://localhost:8080", "http://localhost:8080");
    allows(&p, "HTTPS://App.Example.com", "HTTPS://App.Example.com"); /* scheme and host: any case */
    allows(&p, "https://app.example.com.evil.net", NULL);
    allows(&p, "http://app.example.com", NULL);
    allows(&p, "http://localhost:8081", NULL);
    allows(&p, NULL, NULL);
    check(cors_parse(&p, "https://a.example, ", err, sizeof err) == 0 && p.count == 1,
          "separators around the list are skipped (%d origin)", p.count);
    check(cors_parse(&p, "*", err, sizeof err) == 0, "* parses");
    allows(&p, "https://anyone.example", "*");
    allows(&p, NULL, NULL);
    static const char *const bad[] = {"ftp://example.com", "https://example.com/path", "example.com", "https://",
                                      "", " , "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        check(cors_parse(&p, bad[i], err, sizeof err) < 0 && err[0], "refused: '%s' (%s)", bad[i], err);
    }
    return check_done();
}
