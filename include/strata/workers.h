/*
 * workers.h - a thread pool for data-parallel work.
 *
 * The pattern every app uses for CPU-bound batches (datachunks, pages, files):
 *
 *   strata_workers *w;
 *   strata_workers_create(0, &w);            // 0: one thread per core
 *   rc = strata_workers_for(w, n, fn, ctx);  // fn(i, ctx) for i in [0, n)
 *   strata_workers_destroy(w);
 *
 * Items are handed out dynamically (an atomic counter, in chunks), so uneven
 * items balance. The first item that fails stops the handing-out of further
 * items; strata_workers_for returns that item's error and its message (the
 * thread-local error of the worker that failed is copied to the caller).
 * STRATA_THREADS overrides the default thread count. One strata_workers runs
 * one loop at a time: do not call strata_workers_for on it from two threads.
 */
#ifndef STRATA_WORKERS_H
#define STRATA_WORKERS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_workers strata_workers;

/* fn returns 0 or a strata error; it must be safe to call concurrently. */
typedef int (*strata_work_fn)(size_t index, void *ctx);

/* nthreads 0: $STRATA_THREADS, else the number of online CPUs. */
int strata_workers_create(int nthreads, strata_workers **out);
int strata_workers_count(const strata_workers *w);

/* Run fn over [0, n) on the pool and wait for all; the calling thread helps. */
int strata_workers_for(strata_workers *w, size_t n, strata_work_fn fn, void *ctx);

void strata_workers_destroy(strata_workers *w);

#ifdef __cplusplus
}
#endif
#endif
