/* The upload-and-infer exchange (inference_exchange.c) that POST /predict
 * and v2 inference share: the body received within the budget and limits,
 * one job per image queued whole, the connection suspended until the last job
 * is done; the route's hooks say what is theirs (the target, the images, the
 * answer). Called on the request's libmicrohttpd thread; the jobs' completion
 * on the workers'. */
#ifndef LOOKSLIKE_HTTP_INFERENCE_EXCHANGE_H
#define LOOKSLIKE_HTTP_INFERENCE_EXCHANGE_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "http_request.h"

/* A request that uploads images for inference (inference_exchange.c): the
 * route's hooks, each answering an error itself (return -1, *answered set). */
typedef struct inference_route {
    /* Before the body: the target (url) and headers; sets r->kind (and r->model, k, crop). */
    int (*begin)(http_request *r, const char *url, enum MHD_Result *answered);
    /* The whole body is in r->body: r->jobs made (exchange_make_jobs). */
    int (*collect)(http_request *r, enum MHD_Result *answered);
    /* Every job done: the answer. */
    enum MHD_Result (*respond)(http_request *r);
    /* Frees what is the route's own in r (its part of the union), at once
     * when the answer is queued; again when the request ends: idempotent. */
    void (*release)(http_request *r);
} inference_route;

/* Every call of libmicrohttpd's handler for a request whose route (r->route)
 * has hooks: server.c calls it instead of a handler. */
enum MHD_Result inference_exchange(http_request *r, const route_call *call);
void inference_exchange_free(http_request *r);
/* What each job copies out besides its top-k: every output's probability
 * (into r->probabilities), the model's features (into r->features). */
#define EXCHANGE_PROBABILITIES 1u
#define EXCHANGE_FEATURES 2u
/* A detector's boxes (into r->boxes, r->detection.max per job). */
#define EXCHANGE_BOXES 4u
/* The class activation maps of the top-k (into r->heatmaps, k maps per job). */
#define EXCHANGE_HEATMAPS 8u

/* The cells of one of m's class activation maps (W x H); 0 without them. */
size_t exchange_map_cells(const served_model *m);

/* One job per input of l (which outlives the jobs), for r->model, r->crop
 * and r->k, copying what `copies` says. 0, or -1 when out of memory. */
int exchange_make_jobs(http_request *r, const image_list *l, unsigned copies);
/* A detector's class filter (?classes= or the v2 parameter "classes"):
 * r->class_mask for the names in list (detect_class_mask), set in
 * r->detection. 0, or -1 with `bad` (a name the model lacks) or 503/500
 * answered. */
int exchange_class_filter(http_request *r, const char *list, outcome bad, enum MHD_Result *answered);
/* Before the JSON of r's body (its first json_len bytes) is decoded, what
 * decoding may allocate comes out of the body budget: the node cJSON makes of
 * every value (counted from the separators: a body of numbers has one every
 * two bytes, 10 MB would take 400 MB), the strings it copies and what is
 * decoded from them (twice the body). 0, or -1 with 413 (more than the whole
 * budget) or 503 answered. */
int exchange_reserve_decoding(http_request *r, size_t json_len, enum MHD_Result *answered);

#endif
