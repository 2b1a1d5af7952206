#include "body_decode.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../image/image_decode.h"

/* Compares the media type (the part before ';', trimmed) case-insensitively. */
static int media_type_is(const char *value, const char *type)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(type);
    if (strncasecmp(value, type, n) != 0)
        return 0;
    value += n;
    while (*value == ' ' || *value == '\t')
        value++;
    return *value == '\0' || *value == ';';
}

/* One of the decoded formats' media types or the aliases clients send for them (image_media_type). */
static int is_image_type(const char *ct)
{
    const char *type;
    for (size_t i = 0; (type = image_media_type(i)); i++)
        if (media_type_is(ct, type))
            return 1;
    return 0;
}

body_kind body_kind_of(const char *ct)
{
    if (!ct)
        return BODY_KIND_UNSUPPORTED;
    if (is_image_type(ct) || media_type_is(ct, "application/octet-stream"))
        return BODY_KIND_IMAGE;
    if (media_type_is(ct, "application/json"))
        return BODY_KIND_JSON;
    if (media_type_is(ct, "multipart/form-data"))
        return BODY_KIND_MULTIPART;
    return BODY_KIND_UNSUPPORTED;
}

int part_type_acceptable(const char *ct)
{
    return !ct || is_image_type(ct) || media_type_is(ct, "application/octet-stream");
}

/* One image string: a data URL, data:<media type>;base64,<data>, or bare
 * base64. Sets *data and *n to the base64 text. */
static outcome image_text(const char *s, const char **data, char *err, size_t errlen)
{
    *data = s;
    if (strncmp(s, "data:", 5) != 0)
        return OUTCOME_OK;
    const char *comma = strchr(s, ',');
    if (!comma) {
        snprintf(err, errlen, "data URL without a comma");
        return OUTCOME_BAD_REQUEST;
    }
    size_t header = (size_t)(comma - s);
    if (header < 12 || strncmp(comma - 7, ";base64", 7) != 0) {
        snprintf(err, errlen, "data URL is not base64-encoded");
        return OUTCOME_BAD_REQUEST;
    }
    char type[64];
    size_t tlen = header - 5 - 7;
    if (tlen >= sizeof type)
        tlen = sizeof type - 1;
    memcpy(type, s + 5, tlen);
    type[tlen] = '\0';
    if (!is_image_type(type)) {
        snprintf(err, errlen, "data URL media type '%s' is not one of %s", type, image_accepted_types());
        return OUTCOME_UNSUPPORTED_MEDIA_TYPE;
    }
    *data = comma + 1;
    return OUTCOME_OK;
}

outcome body_images_from_json(const char *body, size_t len, int max_images, image_list *out, int *batch, char *err,
                              size_t errlen)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root) {
        snprintf(err, errlen, "body is not valid JSON");
        return OUTCOME_BAD_REQUEST;
    }
    outcome st = OUTCOME_BAD_REQUEST;
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(root, "image");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "images");
    if (!cJSON_IsObject(root) || (one && list) || (one ? !cJSON_IsString(one) : !cJSON_IsArray(list))) {
        snprintf(err, errlen, "expected a JSON object with a string field \"image\" or an array \"images\"");
        goto out;
    }
    *batch = list != NULL;
    int n = one ? 1 : cJSON_GetArraySize(list);
    if (n == 0) {
        snprintf(err, errlen, "\"images\" is empty");
        goto out;
    }
    if (n > max_images || n > BODY_MAX_IMAGES) {
        snprintf(err, errlen, "%d images in one request; the limit is %d", n, max_images);
        st = OUTCOME_BATCH_TOO_LARGE;
        goto out;
    }
    const char *text[BODY_MAX_IMAGES];
    for (int i = 0; i < n; i++) {
        const cJSON *item = one ? one : cJSON_GetArrayItem(list, i);
        const char *s = cJSON_GetStringValue(item);
        if (!s) {
            snprintf(err, errlen, "\"images\"[%d] is not a string", i);
            goto out;
        }
        if ((st = image_text(s, &text[i], err, errlen)) != OUTCOME_OK)
            goto out;
    }
    st = image_list_from_base64(out, text, n, err, errlen);
out:
    cJSON_Delete(root);
    return st;
}
