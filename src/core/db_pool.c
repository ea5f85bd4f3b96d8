/*
 * db_pool.c - a fixed-size pool of connections to one URL; see db.h.
 *
 * The first connection is opened eagerly (so a bad URL or password fails at
 * pool_open), the others when first needed. Acquire waits on a condition
 * variable while all `size` connections are in use. Release makes a
 * connection fit for the next user: an open (or failed) transaction is rolled
 * back, a broken PostgreSQL connection is re-established; one that cannot be
 * repaired is closed and its slot reopened later.
 */
#include "core/db_internal.h"

#include "strata/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MAX 1024

struct strata_db_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *url;
	int size;
	int nopen;        /* connections open or being opened */
	int nidle;        /* of which idle, in idle[0..nidle) */
	strata_db **idle; /* size slots */
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
	pthread_cond_destroy(&pool->cv);
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
	pthread_cond_init(&pool->cv, NULL);
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

int strata_db_pool_acquire(strata_db_pool *pool, strata_db **out)
{
	int rc;

	if (!pool || !out)
		return strata_error_set(STRATA_EINVAL, "strata_db_pool_acquire: NULL argument");
	*out = NULL;
	pthread_mutex_lock(&pool->mu);
	while (!pool->nidle && pool->nopen >= pool->size)
		pthread_cond_wait(&pool->cv, &pool->mu);
	if (pool->nidle) {
		*out = pool->idle[--pool->nidle];
		pthread_mutex_unlock(&pool->mu);
		return 0;
	}
	pool->nopen++; /* reserve the slot, then open outside the lock */
	pthread_mutex_unlock(&pool->mu);
	if ((rc = open_member(pool, out))) {
		pthread_mutex_lock(&pool->mu);
		pool->nopen--;
		pthread_cond_signal(&pool->cv);
		pthread_mutex_unlock(&pool->mu);
	}
	return rc;
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
	if (broken)
		pool->nopen--;
	else
		pool->idle[pool->nidle++] = db;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
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
