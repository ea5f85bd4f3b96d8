/* workers.c - thread pool for data-parallel loops; see include/strata/workers.h. */
#include "strata/workers.h"

#include "strata/error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 512

/* One strata_workers_for call: the shared state its threads work on. */
typedef struct work_batch {
	size_t n, chunk;
	strata_work_fn fn;
	void *ctx;
	atomic_size_t next;
	atomic_int failed;
	int error_code; /* first failure, under the pool lock */
	char error_message[1024];
} work_batch;

struct strata_workers {
	pthread_t *threads;
	int nthreads; /* background threads; the caller is one more */
	pthread_mutex_t lock;
	pthread_cond_t work_ready, work_done;
	work_batch *batch; /* current batch or NULL */
	unsigned long generation;
	int busy; /* background threads still on the batch */
	int stopping;
};

static void record_failure(strata_workers *w, work_batch *b, int rc)
{
	pthread_mutex_lock(&w->lock);
	if (!b->error_code) {
		b->error_code = rc;
		snprintf(b->error_message, sizeof b->error_message, "%s", strata_error_message());
	}
	pthread_mutex_unlock(&w->lock);
	atomic_store(&b->failed, 1);
}

/* Claim chunks of items until none remain or an item failed. */
static void run_batch(strata_workers *w, work_batch *b)
{
	while (!atomic_load(&b->failed)) {
		size_t start = atomic_fetch_add(&b->next, b->chunk);
		if (start >= b->n)
			break;
		size_t end = start + b->chunk < b->n ? start + b->chunk : b->n;
		for (size_t i = start; i < end; i++) {
			int rc = b->fn(i, b->ctx);
			if (rc) {
				record_failure(w, b, rc);
				return;
			}
		}
	}
}

static void *worker_main(void *arg)
{
	strata_workers *w = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stopping && w->generation == seen)
			pthread_cond_wait(&w->work_ready, &w->lock);
		if (w->stopping)
			break;
		seen = w->generation;
		work_batch *b = w->batch;
		pthread_mutex_unlock(&w->lock);
		run_batch(w, b);
		pthread_mutex_lock(&w->lock);
		if (--w->busy == 0)
			pthread_cond_signal(&w->work_done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int default_thread_count(void)
{
	const char *env = getenv("STRATA_THREADS");
	long n = env ? strtol(env, NULL, 10) : 0;
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int strata_workers_create(int nthreads, strata_workers **out)
{
	strata_workers *w;

	if (nthreads < 0 || nthreads > MAX_THREADS)
		return strata_error_set(STRATA_EINVAL, "workers: %d threads (0..%d)", nthreads,
		                        MAX_THREADS);
	if (nthreads == 0)
		nthreads = default_thread_count();
	w = calloc(1, sizeof *w);
	if (!w || !(w->threads = calloc((size_t)nthreads, sizeof *w->threads))) {
		free(w);
		return strata_error_set(STRATA_ENOMEM, "workers: out of memory");
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work_ready, NULL);
	pthread_cond_init(&w->work_done, NULL);
	for (int i = 0; i < nthreads - 1; i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0) {
			strata_workers_destroy(w);
			return strata_error_set(STRATA_ERR, "workers: cannot start thread %d", i);
		}
		w->nthreads++;
	}
	*out = w;
	return 0;
}

int strata_workers_count(const strata_workers *w)
{
	return w->nthreads + 1;
}

int strata_workers_for(strata_workers *w, size_t n, strata_work_fn fn, void *ctx)
{
	work_batch b = {.n = n, .fn = fn, .ctx = ctx};
	size_t per_thread = n / ((size_t)w->nthreads + 1) / 8;

	if (n == 0)
		return 0;
	b.chunk = per_thread ? per_thread : 1;
	atomic_init(&b.next, 0);
	atomic_init(&b.failed, 0);
	pthread_mutex_lock(&w->lock);
	w->batch = &b;
	w->busy = w->nthreads;
	w->generation++;
	pthread_cond_broadcast(&w->work_ready);
	pthread_mutex_unlock(&w->lock);

	run_batch(w, &b);

	pthread_mutex_lock(&w->lock);
	while (w->busy > 0)
		pthread_cond_wait(&w->work_done, &w->lock);
	w->batch = NULL;
	pthread_mutex_unlock(&w->lock);
	if (b.error_code)
		return strata_error_set(b.error_code, "%s", b.error_message);
	return 0;
}

void strata_workers_destroy(strata_workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_broadcast(&w->work_ready);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->work_ready);
	pthread_cond_destroy(&w->work_done);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w);
}
