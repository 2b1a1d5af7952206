/* A fixed pool of inference workers fed by a bounded queue. Each worker owns a
 * predictor (its own engine buffers); callers submit jobs and are told, through
 * a callback on the worker's thread, when one is done. A full queue is refused
 * at once, so that overload becomes a clear "try again" rather than latency.
 *
 * The workers share a budget of cores. The first worker may run a job on
 * threads_per_worker cores: it does when nothing else waits and they are all
 * free (a lone request gets every core: lowest latency); otherwise every job
 * runs on one core (a queue is served by all workers at once: highest
 * throughput). Lone requests go to that first worker. A job starts only when a
 * core is free, so threads never outnumber the budget.
 *
 * Only one worker is multi-threaded because libgomp, once its threads
 * outnumber the CPUs, stops spinning between parallel regions: a second
 * OpenMP team, even an idle one, made every 2-thread inference as slow as a
 * 1-thread one here (7.3 instead of 4.5 ms). */
#ifndef LOOKSLIKE_PREDICT_WORKER_POOL_H
#define LOOKSLIKE_PREDICT_WORKER_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "model_set.h"
#include "predictor.h"

typedef struct inference_job inference_job;
struct inference_job {
    /* request */
    const uint8_t *image; /* encoded, any format image_decode reads */
    size_t len;
    const uint8_t *pixels; /* or, when not NULL: 8-bit RGB, width * height * 3 bytes */
    int width, height;
    float *probabilities; /* when not NULL: every output's probability is copied here */
    float *features; /* when not NULL: the model's features (nn_model_features) are copied here */
    float *heatmaps; /* when not NULL: the top-k's class activation maps (predictor_explain), k of them */
    const served_model *model;
    model_set *set; /* the set model belongs to: its predictors run the job (held while it is queued) */
    crop_mode crop;
    int k;
    detection_request detection; /* a detector's thresholds and most boxes */
    detected_object *boxes; /* a detector's: its result's boxes are copied here (detection.max of them at most) */
    /* result, valid when done() runs (result.boxes: the copy in boxes) */
    outcome status;
    prediction_result result;
    double queue_ms; /* time spent waiting for a worker */
    char error[256];
    /* completion: called once on the worker thread; must not block */
    void (*done)(inference_job *job, void *arg);
    void *done_arg;
    /* queue bookkeeping */
    inference_job *next; /* the next job of the same submission */
    inference_job *next_group; /* on a submission's first queued job: the next submission */
    double enqueued_at;
};

typedef struct worker_pool worker_pool;

typedef struct {
    int workers; /* inference threads */
    int threads_per_worker; /* the most threads one job may use (OpenMP: either engine) */
    int cores; /* threads all jobs together may use (at least `workers`) */
    int queue_capacity; /* jobs waiting, beyond those being run */
    predict_limits limits;
} worker_pool_config;

/* The configuration as the pool will run it: at least one thread per
 * worker, as many cores as workers, no more threads per job than cores.
 * The model sets for the pool are built for these figures. */
void worker_pool_clamp(worker_pool_config *c);

/* Starts the workers; each runs one warm-up inference of every model of
 * `first` (its predictor, on its own thread) before the pool reports ready.
 * A job runs on the predictor of its set (inference_job.set) for the worker
 * that takes it: the sets must be built for cfg->workers. */
worker_pool *worker_pool_start(model_set *first, const worker_pool_config *cfg, char *err, size_t errlen);

/* The n jobs of jobs[] all queued (0), or none (-1) when the queue cannot
 * take them all, or the pool is stopping or closed: a batch is never half
 * accepted. Idle workers take them as they come, so a batch is spread over
 * the workers. Submissions take turns: the workers take one job of each
 * waiting submission in turn (round robin), so a large batch does not sit in
 * front of every other client's image. */
int worker_pool_submit_all(worker_pool *p, inference_job *jobs, int n);

/* Takes the jobs of jobs[0..n) (one submission) that are still queued out of
 * the queue, without completing them: the list (linked by next), or NULL.
 * Jobs being run go on. For a client that went away; then
 * worker_pool_complete_cancelled(list). */
inference_job *worker_pool_withdraw(worker_pool *p, inference_job *jobs, int n);
/* Completes withdrawn jobs with OUTCOME_SHUTTING_DOWN and `why` (done() runs on
 * the calling thread). Returns how many. */
int worker_pool_complete_cancelled(inference_job *list, const char *why);

/* No job queued or running, and no done() callback still running. */
int worker_pool_idle(worker_pool *p);
/* Closes the pool to new jobs and completes every queued one at once with
 * OUTCOME_SHUTTING_DOWN (done() runs on the calling thread). Jobs already running
 * go on. Returns how many were cancelled. */
int worker_pool_cancel_queued(worker_pool *p);

int worker_pool_ready(worker_pool *p);
int worker_pool_queue_depth(worker_pool *p);
int worker_pool_busy(worker_pool *p); /* jobs being run right now */

/* Finishes the queued jobs, then joins the workers (waiting for a job that is
 * running: to bound shutdown, stop only an idle pool). */
void worker_pool_stop(worker_pool *p);

#endif
