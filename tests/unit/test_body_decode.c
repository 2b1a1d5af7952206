/* src/body/body_decode.c on its own: media types to body kinds, base64
 * (RFC 4648's vectors), the JSON image forms and their errors, and a failed
 * allocation of the decoded images, which is the server's fault (500), not
 * the client's (400). Linked with -Wl,--wrap=malloc: the core library's
 * malloc calls come here and fail while fail_malloc_from is set (cJSON, a
 * shared library, allocates normally). */
#include <stdint.h>
#include <string.h>

#include "../../src/body/body_decode.h"
#include "../../src/image/image_decode.h"
#include "check.h"

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
static size_t fail_malloc_from = SIZE_MAX; /* requests of at least this many bytes fail */

void *__wrap_malloc(size_t n)
{
    return n >= fail_malloc_from ? NULL : __real_malloc(n);
}

static void kinds(void)
{
    static const struct {
        const char *type;
        body_kind kind;
    } cases[] = {
        {"image/jpeg", BODY_KIND_IMAGE},
        {"image/jpg", BODY_KIND_IMAGE},
        {"IMAGE/PJPEG", BODY_KIND_IMAGE},
        {"image/x-ms-bmp", BODY_KIND_IMAGE},
        {"image/gif", BODY_KIND_IMAGE},
        {"image/webp", BODY_KIND_IMAGE},
        {"image/png; charset=binary", BODY_KIND_IMAGE},
        {"application/octet-stream", BODY_KIND_IMAGE},
        {"application/json", BODY_KIND_JSON},
        {"application/json; charset=utf-8", BODY_KIND_JSON},
        {"multipart/form-data; boundary=x", BODY_KIND_MULTIPART},
        {"image/tiff", BODY_KIND_UNSUPPORTED},
        {"text/plain", BODY_KIND_UNSUPPORTED},
        {NULL, BODY_KIND_UNSUPPORTED},
    };
    const char *listed = image_accepted_types();
    check(!strcmp(listed, "image/jpeg, image/png, image/webp, image/bmp, image/gif"),
          "the accepted types, from image_decode.c's format table: %s", listed);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(body_kind_of(cases[i].type) == cases[i].kind, "Content-Type %s: kind %d",
              cases[i].type ? cases[i].type : "(none)", (int)cases[i].kind);
}

static void base64(void)
{
    static const char *const vectors[][2] = {{"", ""},           {"Zg==", "f"},         {"Zm8=", "fo"},
                                             {"Zm9v", "foo"},    {"Zm9vYg==", "foob"},  {"Zm9vYmE=", "fooba"},
                                             {"Zm9vYmFy", "foobar"}, {"Zm9vYg", "foob"}};
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        uint8_t out[16];
        long n = base64_decode(vectors[i][0], strlen(vectors[i][0]), out);
        check(n == (long)strlen(vectors[i][1]) && !memcmp(out, vectors[i][1], (size_t)n),
              "base64 \"%s\" -> \"%s\" (%ld)", vectors[i][0], vectors[i][1], n);
    }
    uint8_t out[16];
    check(base64_decode("Zm9v!", 5, out) < 0, "a character outside the alphabet is refused");
    check(base64_decode("Z=9v", 4, out) < 0, "a misplaced '=' is refused");
}

static int batch;

static outcome from_json(const char *json, int max, image_list *out)
{
    char err[256];
    return body_images_from_json(json, strlen(json), max, out, &batch, err, sizeof err);
}

static void json_bodies(void)
{
    image_list b;
    check(from_json("{\"image\": \"data:image/png;base64,Zm9vYmFy\"}", 4, &b) == OUTCOME_OK && b.count == 1 &&
              !batch && !b.pixels && b.length[0] == 6 && !memcmp(b.data[0], "foobar", 6),
          "one data URL");
    image_list_free(&b);
    check(from_json("{\"images\": [\"Zm9v\", \"YmFy\"]}", 4, &b) == OUTCOME_OK && b.count == 2 && batch &&
              b.length[0] == 3 && b.length[1] == 3 && !memcmp(b.data[0], "foo", 3) && !memcmp(b.data[1], "bar", 3),
          "a list of bare base64");
    image_list_free(&b);
    check(from_json("{\"image\": ", 4, &b) == OUTCOME_BAD_REQUEST, "malformed JSON: 400");
    check(from_json("{\"images\": []}", 4, &b) == OUTCOME_BAD_REQUEST, "an empty list: 400");
    check(from_json("{\"images\": [1]}", 4, &b) == OUTCOME_BAD_REQUEST, "a list item that is not a string: 400");
    check(from_json("{\"image\": \"@@@@\"}", 4, &b) == OUTCOME_BAD_REQUEST && !b.owned, "bad base64: 400");
    check(from_json("{\"images\": [\"Zm9v\", \"\"]}", 4, &b) == OUTCOME_BAD_REQUEST && !b.owned,
          "an empty image in a list: 400, nothing left to free");
    check(from_json("{\"image\": \"data:image/tiff;base64,AAAA\"}", 4, &b) == OUTCOME_UNSUPPORTED_MEDIA_TYPE,
          "a data URL of an unsupported type: 415");
    check(from_json("{\"images\": [\"Zm9v\", \"Zm9v\", \"Zm9v\"]}", 2, &b) == OUTCOME_BATCH_TOO_LARGE,
          "more images than allowed: 413");

    /* the decoded images' buffer (3/4 of the base64 text) cannot be had */
    static char big[(1 << 16) + 64];
    strcpy(big, "{\"image\": \"");
    memset(big + strlen(big), 'A', 1 << 16);
    strcat(big, "\"}");
    fail_malloc_from = (3u << 16) / 4;
    outcome st = from_json(big, 4, &b);
    fail_malloc_from = SIZE_MAX;
    check(st == OUTCOME_OUT_OF_MEMORY && !b.owned,
          "out of memory for the decoded images: OUTCOME_OUT_OF_MEMORY (500), not 400 (%d)", (int)st);
    check(from_json(big, 4, &b) == OUTCOME_OK && b.length[0] == (3u << 16) / 4, "the same body with memory: decoded");
    image_list_free(&b);
}

int main(void)
{
    kinds();
    base64();
    json_bodies();
    return check_done();
}
