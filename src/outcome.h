/* Every way a request or one of its images can end, from the image decoders
 * up to the routes: one list, so that a failure has one name wherever it
 * arises and is answered the same way. Each name is its error code in upper
 * case; outcome.c gives each that code and its HTTP status, the only place
 * either is written. Modules below http/ return these and leave the answer
 * to http/. */
#ifndef LOOKSLIKE_OUTCOME_H
#define LOOKSLIKE_OUTCOME_H

typedef enum {
    OUTCOME_OK = 0,
    /* the request */
    OUTCOME_BAD_REQUEST, /* malformed JSON, base64, data URL or header */
    OUTCOME_BAD_MULTIPART, /* a form that does not parse or has no file */
    OUTCOME_BAD_PATH, /* a path that is not a clean absolute one */
    OUTCOME_EMPTY_BODY,
    OUTCOME_BODY_NOT_ALLOWED, /* a body on a route that takes none */
    OUTCOME_INVALID_PARAMETER, /* a query parameter out of its range */
    OUTCOME_WRONG_TASK, /* a classifier asked to detect, or a detector to classify */
    OUTCOME_UNAUTHORIZED, /* no API key, or a wrong one */
    OUTCOME_ORIGIN_NOT_ALLOWED, /* a CORS preflight from an origin not allowed */
    OUTCOME_NOT_FOUND,
    OUTCOME_MODEL_NOT_FOUND,
    OUTCOME_METHOD_NOT_ALLOWED,
    OUTCOME_URI_TOO_LONG,
    OUTCOME_BODY_TOO_LARGE, /* more bytes than --max-body */
    OUTCOME_BATCH_TOO_LARGE, /* more images or pixels than one request may carry */
    /* an image */
    OUTCOME_INVALID_IMAGE, /* not an image, or a corrupt, truncated or empty one */
    OUTCOME_UNSUPPORTED_MEDIA_TYPE, /* a type, format or variant not decoded here */
    OUTCOME_IMAGE_TOO_LARGE, /* more pixels than --max-pixels, by its header */
    OUTCOME_IMAGE_TOO_SMALL, /* a side under the least taken */
    OUTCOME_IMAGE_TOO_COMPLEX, /* decoding would cost more work or memory than its pixels allow */
    /* the server */
    OUTCOME_OUT_OF_MEMORY,
    OUTCOME_INTERNAL, /* an engine that failed */
    OUTCOME_BUSY, /* the memory for request bodies is taken */
    OUTCOME_OVERLOADED, /* the inference queue is full */
    OUTCOME_NOT_READY, /* still starting */
    OUTCOME_SHUTTING_DOWN,
    OUTCOME_COUNT
} outcome;

/* The error code clients match on ("ok" for OUTCOME_OK); constant. */
const char *outcome_code(outcome o);
/* The HTTP status it is answered with: 200 for OUTCOME_OK, 500 for a value outside the list. */
unsigned outcome_http_status(outcome o);

#endif
