/* src/predict/worker_pool.c's scheduling, with one worker and MobileNet v1
 * (int8, argv[1] the model directory), each job a 224x224 frame:
 * - a submission is queued whole or not at all (the queue's capacity);
 * - submissions take turns: one image sent while an 8-image batch's first
 *   is running is done third, after the batch's second, which was already
 *   in line (queued in order it would be the ninth);
 * - withdrawn jobs are never run, and complete with OUTCOME_SHUTTING_DOWN;
 * - cancel_queued completes what is queued the same way and closes the pool.
 * Every job's done() runs exactly once. Where the order matters, the worker is
 * held in a job's done() while the test queues or withdraws (the gate), so
 * that no check depends on how fast the machine is. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "nn/int8_kernel_sets.h"
#include "predict/worker_pool.h"

#define JOBS 24

static atomic_int finished; /* jobs done so far */
static int done_as[JOBS]; /* the order each job was done in, 1-based; 0: not done */
static atomic_int done_calls[JOBS];

/* The gate: the worker waits in the done() of job hold_at until it is opened. */
static atomic_int hold_at = -1, holding, opened;

static void on_done(inference_job *job, void *arg)
{
    (void)job;
    int i = (int)(intptr_t)arg;
    atomic_fetch_add(&done_calls[i], 1);
    done_as[i] = atomic_fetch_add(&finished, 1) + 1;
    if (i == atomic_load(&hold_at)) {
        atomic_store(&holding, 1);
        while (!atomic_load(&opened))
            nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
}

/* Closes the gate at job i's done(); worker_held() waits for the worker to reach it. */
static void hold_worker_at(int i)
{
    atomic_store(&opened, 0);
    atomic_store(&holding, 0);
    atomic_store(&hold_at, i);
}

static int worker_held(void)
{
    for (int t = 0; t < 60000 && !atomic_load(&holding); t++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    return atomic_load(&holding);
}

static void open_gate(void)
{
    atomic_store(&hold_at, -1);
    atomic_store(&opened, 1);
}

static uint8_t frame[224 * 224 * 3];
static model_set *set;
static inference_job jobs[JOBS];

static void make_jobs(const served_model *m, int first, int n)
{
    for (int i = first; i < first + n; i++)
        jobs[i] = (inference_job){.pixels = frame, .width = 224, .height = 224, .model = m, .set = set,
                                  .crop = CROP_FULL, .k = 1, .done = on_done, .done_arg = (void *)(intptr_t)i};
}

static int wait_idle(worker_pool *p)
{
    for (int t = 0; t < 6000; t++) { /* 60 s */
        if (worker_pool_idle(p))
            return 1;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL_DIR\n", argv[0]);
        return 2;
    }
    char err[512], notes[512];
    const model_set_config mc = {.dir = argv[1], .names = "mobilenet_v1", .engine = "onednn", .precision = "int8",
                                 .workers = 1, .threads_per_worker = 1};
    if (int8_kernels_choose("auto", notes, sizeof notes, err, sizeof err) < 0 ||
        !(set = model_set_load(&mc, err, sizeof err))) {
        printf("# cannot load the model: %s\n", err);
        return 77;
    }
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(i * 7 + (i >> 9));
    worker_pool_config cfg = {.workers = 1, .threads_per_worker = 1, .cores = 1, .queue_capacity = 10,
                              .limits = {.max_pixels = 1 << 24, .min_side = 16}};
    worker_pool *p = worker_pool_start(set, &cfg, err, sizeof err);
    if (!check(p != NULL, "one worker started: %s", p ? "" : err))
        return check_done();
    for (int t = 0; t < 6000 && !worker_pool_ready(p); t++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    check(worker_pool_ready(p), "the worker is warm and ready");
    const served_model *m = &set->registry.models[0];

    /* capacity: 11 jobs into a queue of 10 are refused whole */
    make_jobs(m, 0, 11);
    check(worker_pool_submit_all(p, jobs, 11) < 0 && worker_pool_queue_depth(p) == 0 && finished == 0,
          "11 jobs for a queue of 10: refused, none queued");

    /* turns: a batch of 8 (jobs 0-7), then, while the first runs, one image (job 8) */
    make_jobs(m, 0, 9);
    hold_worker_at(0);
    int a = worker_pool_submit_all(p, jobs, 8);
    int held = worker_held();
    int b = worker_pool_submit_all(p, jobs + 8, 1);
    open_gate();
    check(a == 0 && b == 0 && held, "a batch of 8, and one image while the batch's first is done");
    check(wait_idle(p), "all 9 done");
    int batch_done = 0, ok = 1;
    for (int i = 0; i < 8; i++) {
        batch_done += done_as[i] != 0;
        ok &= jobs[i].status == OUTCOME_OK;
    }
    check(batch_done == 8 && ok && jobs[8].status == OUTCOME_OK, "every image inferred");
    int before = 0; /* the batch's images done before the single one */
    for (int i = 0; i < 8; i++)
        before += done_as[i] < done_as[8];
    check(before == 2, "the single image took its turn: done after %d of the batch's 8 (in order: after 8)", before);

    /* withdrawal: while a batch of 8 runs, its queued jobs are taken back */
    memset(done_as, 0, sizeof done_as);
    atomic_store(&finished, 0);
    make_jobs(m, 9, 8);
    hold_worker_at(9);
    check(worker_pool_submit_all(p, jobs + 9, 8) == 0 && worker_held(), "a second batch of 8 queued, its first done");
    inference_job *back = worker_pool_withdraw(p, jobs + 9, 8);
    int withdrawn = worker_pool_complete_cancelled(back, "the client went away");
    open_gate();
    check(wait_idle(p), "the rest done");
    int run = 0, cancelled = 0;
    for (int i = 9; i < 17; i++) {
        run += jobs[i].status == OUTCOME_OK;
        cancelled += jobs[i].status == OUTCOME_SHUTTING_DOWN && !strcmp(jobs[i].error, "the client went away");
    }
    check(withdrawn == 7 && cancelled == 7 && run == 1,
          "withdrawn jobs were not run: %d withdrawn and cancelled, %d run (the one done before)", withdrawn, run);

    /* shutdown: queued jobs complete at once, the pool takes no more */
    make_jobs(m, 17, 6);
    hold_worker_at(17);
    check(worker_pool_submit_all(p, jobs + 17, 6) == 0 && worker_held(), "a third batch of 6 queued, its first done");
    int n = worker_pool_cancel_queued(p);
    open_gate();
    check(wait_idle(p), "the job running at the shutdown done");
    int shut = 0;
    for (int i = 17; i < 23; i++)
        shut += jobs[i].status == OUTCOME_SHUTTING_DOWN;
    check(n == 5 && shut == 5, "cancel_queued: %d queued jobs completed as shutting_down", n);
    make_jobs(m, 23, 1);
    check(worker_pool_submit_all(p, jobs + 23, 1) < 0, "after cancel_queued, a submission is refused");

    int once = 1;
    for (int i = 0; i < 23; i++)
        once &= atomic_load(&done_calls[i]) == 1;
    check(once && atomic_load(&done_calls[23]) == 0, "every job's done() ran exactly once (the refused one's never)");
    worker_pool_stop(p);
    /* each queued job held the set until its done(): run, withdrawn or cancelled; refused ones never */
    check(atomic_load(&set->holders) == 1, "every job let its model set go: %d holders left (the test's)",
          atomic_load(&set->holders));
    model_set_release(set);
    return check_done();
}
