/* A fixed pool of inference workers fed by a bounded queue. Each worker owns a
 * predictor (its own engine buffers); callers submit jobs and are told, through
 * a callback on the worker's thread, when one is done. A full queue is refused
 * at once, so that overload becomes a clear "try again" rather than latency. */
#ifndef LOOKSLIKE_PREDICT_WORKER_POOL_H
#define LOOKSLIKE_PREDICT_WORKER_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "predictor.h"

typedef struct inference_job inference_job;
struct inference_job {
    /* request */
    const uint8_t *jpeg;
    size_t len;
    const served_model *model;
    crop_mode crop;
    int k;
    /* result, valid when done() runs */
    predict_status status;
    prediction_result result;
    double queue_ms; /* time spent waiting for a worker */
    char error[256];
    /* completion: called once on the worker thread; must not block */
    void (*done)(inference_job *job, void *arg);
    void *done_arg;
    /* queue bookkeeping */
    inference_job *next;
    double enqueued_at;
};

typedef struct worker_pool worker_pool;

typedef struct {
    int workers; /* inference threads */
    int threads_per_worker; /* oneDNN threads each worker's engine uses */
    int queue_capacity; /* jobs waiting, beyond those being run */
    predict_limits limits;
    const char *engine;
} worker_pool_config;

/* Starts the workers; each builds its engines and runs one warm-up inference
 * before the pool reports ready. */
worker_pool *worker_pool_start(const model_registry *r, const worker_pool_config *cfg, char *err, size_t errlen);

/* 0 when queued, -1 when the queue is full (or the pool is stopping). */
int worker_pool_submit(worker_pool *p, inference_job *job);

int worker_pool_ready(worker_pool *p);
int worker_pool_queue_depth(worker_pool *p);
int worker_pool_busy(worker_pool *p); /* jobs being run right now */
const char *worker_pool_engine(worker_pool *p);

/* Finishes the queued jobs, then joins the workers. */
void worker_pool_stop(worker_pool *p);

#endif
