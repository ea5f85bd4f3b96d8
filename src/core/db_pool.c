/*
 * db_pool.c - a fixed-size pool of connections to one URL; see db.h.
 *
 * The first connection is opened eagerly (so a bad URL or password fails at
 * pool_open), the others when first needed. Acquisition is first come, first
 * served: a caller that finds no idle connection (or finds others already
 * waiting) joins a FIFO queue and sleeps on its own condition variable; a
 * release hands its connection straight to the queue's head (or, when the
 * connection was broken and closed, the right to open a new one), so a
 * newcomer can never overtake a waiter and only the thread served wakes up.
 * Release makes a connection fit for the next user: an open (or failed)
 * transaction is rolled back, a broken PostgreSQL connection is
 * re-established; one that cannot be repaired is closed and its slot
 * reopened later.
 */
#include "core/db_internal.h"

#include "strata/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MAX 1024

/* A caller queued in acquire, on its own stack. */
typedef struct pool_waiter {
	struct pool_waiter *next;
	pthread_cond_t cv;
	strata_db *db; /* the connection handed over, or NULL ... */
	int may_open;  /* ... with a slot reserved for it to open one */
} pool_waiter;

struct strata_db_pool {
	pthread_mutex_t mu;
	char *url;
	int size;
	int nopen;                /* connections open or being opened */
	int nidle;                /* of which idle, in idle[0..nidle) */
	strata_db **idle;         /* size slots */
	pool_waiter *head, *tail; /* callers waiting, oldest first */
	int nwaiting;
};

/* Open one connection for the pool (called without the lock held). */
static int open_member(strata_db_pool *pool, strata_db **out)
{
	int rc = strata_db_open(pool->url, out);

	if (!rc)
		(*out)->pool = pool;
	return rc;
}

/* Free the pool's memory; every connection must be closed already. */
static void free_pool(strata_db_pool *pool)
{
	pthread_mutex_destroy(&pool->mu);
	free(pool->idle);
	free(pool->url);
	free(pool);
}

int strata_db_pool_open(const char *url, int size, strata_db_pool **out)
{
	strata_db_pool *pool;
	strata_db *db;
	int rc;

	if (!out)
		return strata_error_set(STRATA_EINVAL, "strata_db_pool_open: out is NULL");
	*out = NULL;
	if (!url || size < 1 || size > POOL_MAX)
		return strata_error_set(STRATA_EINVAL, "database pool: size %d not in 1..%d", size,
		                        POOL_MAX);
	if (!(pool = calloc(1, sizeof *pool)))
		return strata_error_set(STRATA_ENOMEM, "out of memory for a database pool");
	pthread_mutex_init(&pool->mu, NULL);
	pool->size = size;
	pool->url = strdup(url);
	pool->idle = calloc((size_t)size, sizeof(strata_db *));
	if (!pool->url || !pool->idle) {
		free_pool(pool);
		return strata_error_set(STRATA_ENOMEM, "out of memory for a database pool");
	}
	if ((rc = open_member(pool, &db))) {
		free_pool(pool);
		return rc;
	}
	pool->idle[pool->nidle++] = db;
	pool->nopen = 1;
	*out = pool;
	return 0;
}

/* Wake the oldest waiter with db (NULL: the right to open a connection, its
 * slot counted in nopen). Returns 0 when nobody waits. Lock held. */
static int hand_to_waiter(strata_db_pool *pool, strata_db *db)
{
	pool_waiter *w = pool->head;

	if (!w)
		return 0;
	if (!(pool->head = w->next))
		pool->tail = NULL;
	pool->nwaiting--;
	w->next = NULL;
	w->db = db;
	if (!db) {
		w->may_open = 1;
		pool->nopen++;
	}
	pthread_cond_signal(&w->cv);
	return 1;
}

/* Queue at the tail and sleep until a release serves this caller: *out gets
 * the connection handed over, or NULL with a slot to open. Lock held. */
static void wait_in_line(strata_db_pool *pool, strata_db **out)
{
	pool_waiter w;

	memset(&w, 0, sizeof w);
	pthread_cond_init(&w.cv, NULL);
	/* w is on this stack only while queued: hand_to_waiter unlinks it
	 * before waking this thread, so the queue never keeps its address. */
	if (pool->tail)
		pool->tail->next = &w;
	else
		pool->head = &w; // cppcheck-suppress autoVariables
	pool->tail = &w;         // cppcheck-suppress autoVariables
	pool->nwaiting++;
	while (!w.db && !w.may_open)
		pthread_cond_wait(&w.cv, &pool->mu);
	pthread_cond_destroy(&w.cv);
	*out = w.db;
}

/* Open a connection in a slot already counted in nopen; on failure give the
 * slot back (to the next waiter, who tries in turn). */
static int open_reserved(strata_db_pool *pool, strata_db **out)
{
	int rc = open_member(pool, out);

	if (rc) {
		pthread_mutex_lock(&pool->mu);
		pool->nopen--;
		if (pool->nopen < pool->size)
			hand_to_waiter(pool, NULL);
		pthread_mutex_unlock(&pool->mu);
	}
	return rc;
}

int strata_db_pool_acquire(strata_db_pool *pool, strata_db **out)
{
	if (!pool || !out)
		return strata_error_set(STRATA_EINVAL, "strata_db_pool_acquire: NULL argument");
	*out = NULL;
	pthread_mutex_lock(&pool->mu);
	if (!pool->head && pool->nidle)
		*out = pool->idle[--pool->nidle];
	else if (!pool->head && pool->nopen < pool->size)
		pool->nopen++; /* reserve the slot, then open outside the lock */
	else
		wait_in_line(pool, out);
	pthread_mutex_unlock(&pool->mu);
	return *out ? 0 : open_reserved(pool, out);
}

void strata_db_pool_release(strata_db_pool *pool, strata_db *db)
{
	int broken;

	if (!pool || !db || db->pool != pool)
		return;
	broken = db->ops->reset_session(db) != 0;
	if (broken)
		strata_db_close(db);
	pthread_mutex_lock(&pool->mu);
	if (broken) {
		pool->nopen--;
		hand_to_waiter(pool, NULL);
	} else if (!hand_to_waiter(pool, db))
		pool->idle[pool->nidle++] = db;
	pthread_mutex_unlock(&pool->mu);
}

int strata_db_pool_waiting(strata_db_pool *pool)
{
	int n;

	pthread_mutex_lock(&pool->mu);
	n = pool->nwaiting;
	pthread_mutex_unlock(&pool->mu);
	return n;
}

void strata_db_pool_close(strata_db_pool *pool)
{
	if (!pool)
		return;
	/* Connections still acquired are the caller's bug; close what is idle. */
	for (int i = 0; i < pool->nidle; i++)
		strata_db_close(pool->idle[i]);
	free_pool(pool);
}
