/* Finding a request again (request_id.c): its X-Request-ID, the one the
 * client sent when it is sane, else a new one; and the ids of a W3C Trace
 * Context traceparent header, which the access log records. Pure but for
 * the random bits of a new id (getrandom); thread-safe. */
#ifndef LOOKSLIKE_HTTP_REQUEST_ID_H
#define LOOKSLIKE_HTTP_REQUEST_ID_H

#define REQUEST_ID_HEADER "X-Request-ID"
#define REQUEST_ID_MAX 128 /* bytes of a client's id that are kept; a longer one is replaced */
#define REQUEST_ID_SIZE (REQUEST_ID_MAX + 1)

/* Whether a client's id is kept: 1 to REQUEST_ID_MAX bytes, each a letter,
 * a digit or one of - _ . : / + = @ ~ (UUIDs, ULIDs, base64, the ids of
 * other tracers), so that it goes into headers, JSON and logs as it is. */
int request_id_sane(const char *id);

/* The request's id into out: given when sane, else 32 hex digits of 128
 * random bits. Returns 1 when given was kept. */
int request_id_choose(const char *given, char out[REQUEST_ID_SIZE]);

/* The ids of a traceparent header (https://www.w3.org/TR/trace-context/),
 * lowercase hex. */
typedef struct {
    char trace_id[33];
    char parent_id[17];
} trace_context;

/* 1 with t filled for a valid traceparent; 0 (t emptied) for none or a
 * malformed one, which the specification says to ignore. */
int trace_context_parse(const char *traceparent, trace_context *t);

#endif
