/* test_catalog.c - the sky catalog and job queue on SQLite and, when
 * STRATA_TEST_PG_URL is set, PostgreSQL (a fresh schema per test). */
#include "testutil.h"

#include "sky/catalog.h"
#include "sky/queue.h"
#include "sky/seed.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct fixture {
	strata_test_db t;
	strata_db *db;
} fixture;

static fixture sqlite_fx = {.t.backend = STRATA_DB_SQLITE};
static fixture pg_fx = {.t.backend = STRATA_DB_POSTGRES};

static int setup(void **state)
{
	fixture *fx = *state;

	fx->db = NULL;
	strata_test_db_create(&fx->t, "sky.db", "sky");
	if (!fx->t.skip)
		assert_ok(sky_catalog_open(fx->t.url, &fx->db));
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	strata_db_close(fx->db);
	fx->db = NULL;
	strata_test_db_drop(&fx->t);
	return 0;
}

static fixture *fx_of(void **state)
{
	fixture *fx = *state;
	if (fx->t.skip)
		skip();
	return fx;
}

static int64_t q_int(strata_db *db, const char *sql)
{
	int64_t v;
	assert_ok(sky_query_int(db, sql, &v));
	return v;
}

static int64_t add_ms(strata_db *db, const char *path)
{
	sky_ms ms = {0};
	int64_t id;

	ms.path = path;
	ms.start_mjd = 60000.0;
	ms.mid_mjd = 60000.001;
	ms.end_mjd = 60000.002;
	ms.ra_deg = 10;
	ms.dec_deg = NAN;
	assert_ok(sky_ms_upsert(db, &ms, &id));
	return id;
}

/* Migrating twice applies nothing the second time; upserts keep ids. */
static void test_schema_and_upserts(void **state)
{
	fixture *fx = fx_of(state);
	sky_image im = {0};
	sky_source src = {"J0001+2000", "NVSS", 0.25, 20.0};
	sky_photometry p = {0};
	int64_t ms, ms2, img, img2, s;
	int applied = -1;

	assert_ok(sky_catalog_migrate(fx->db, &applied));
	assert_int_equal(applied, 0);
	ms = add_ms(fx->db, "/d/a.ms");
	ms2 = add_ms(fx->db, "/d/a.ms");
	assert_int_equal(ms, ms2);
	assert_int_equal(q_int(fx->db, "SELECT COUNT(*) FROM ms WHERE dec_deg IS NULL"), 1);
	im.path = "/d/a.fits";
	im.ms_id = ms;
	im.noise_jy = 0.001;
	im.dynamic_range = im.beam_major_arcsec = im.beam_minor_arcsec = im.beam_pa_deg = NAN;
	im.cell_arcsec = im.freq_hz = im.bandwidth_hz = im.integration_s = im.ra_deg = NAN;
	im.dec_deg = NAN;
	assert_ok(sky_image_upsert(fx->db, &im, &img));
	im.noise_jy = 0.002;
	assert_ok(sky_image_upsert(fx->db, &im, &img2));
	assert_int_equal(img, img2);
	assert_int_equal(q_int(fx->db, "SELECT CAST(noise_jy * 1000 AS INTEGER) FROM images"), 2);
	assert_ok(sky_source_upsert(fx->db, &src, &s));
	p.source_id = s;
	p.image_id = img;
	p.peak_jy = 0.01;
	p.peak_err_jy = 0.001;
	p.ra_deg = p.dec_deg = p.int_jy = p.int_err_jy = p.snr = p.local_rms_jy = NAN;
	p.mjd = 60001;
	assert_ok(sky_photometry_insert(fx->db, &p, NULL));
	p.mjd = 60000.5;
	assert_ok(sky_photometry_insert(fx->db, &p, NULL));
	assert_int_equal(q_int(fx->db, "SELECT n_detections FROM sources"), 2);
	assert_int_equal(
	    q_int(fx->db, "SELECT CAST(first_detected_mjd * 10 AS INTEGER) FROM sources"), 600005);
	/* A missing reference is refused by the foreign key. */
	p.source_id = 999;
	assert_int_not_equal(sky_photometry_insert(fx->db, &p, NULL), 0);
}

static void test_seed(void **state)
{
	fixture *fx = fx_of(state);
	sky_seed_counts n = {10, 50, 5, 100};

	assert_ok(sky_seed(fx->db, &n));
	assert_int_equal(q_int(fx->db, "SELECT COUNT(*) FROM images"), 50);
	assert_int_equal(q_int(fx->db, "SELECT SUM(n_detections) FROM sources"), 100);
	/* Identity columns continue after the seeded ids. */
	assert_int_equal(add_ms(fx->db, "/d/new.ms"), 11);
}

/* Claim order, batch counts, retries and final failure. */
static void test_queue_lifecycle(void **state)
{
	static const char *const queued[] = {"queued", NULL};
	static const char *const running[] = {"running", NULL};
	fixture *fx = fx_of(state);
	int64_t ids[3];
	char batch[SKY_JOB_ID_LEN], current[16];
	sky_job job;
	int requeued;

	for (int i = 0; i < 3; i++) {
		char path[32];
		snprintf(path, sizeof path, "/d/%d.ms", i);
		ids[i] = add_ms(fx->db, path);
	}
	assert_ok(sky_batch_create(fx->db, "process_ms", ids, 3, "{\"x\":1}", batch));
	assert_int_equal(q_int(fx->db, "SELECT n_queued FROM batch_jobs"), 3);
	assert_ok(sky_job_claim(fx->db, "w1", &job));
	assert_string_equal(job.kind, "process_ms");
	assert_int_equal(job.ms_id, ids[0]);
	assert_int_equal(job.attempts, 1);
	assert_string_equal(job.params, "{\"x\":1}");
	assert_int_equal(q_int(fx->db, "SELECT n_running FROM batch_jobs"), 1);
	assert_int_equal(q_int(fx->db, "SELECT COUNT(*) FROM batch_jobs WHERE status = 'running'"),
	                 1);
	/* Two failed attempts requeue (no delay), the third fails for good. */
	for (int attempt = 1; attempt <= 3; attempt++) {
		assert_ok(strata_db_begin(fx->db));
		assert_ok(sky_job_fail_attempt_txn(fx->db, job.id, "boom", 0, &requeued));
		assert_ok(strata_db_commit(fx->db));
		assert_int_equal(requeued, attempt < 3);
		if (attempt < 3) {
			sky_job again;
			assert_ok(sky_job_claim(fx->db, "w1", &again));
			assert_string_equal(again.id, job.id);
			assert_int_equal(again.attempts, attempt + 1);
			sky_job_clear(&again);
		}
	}
	assert_int_equal(q_int(fx->db, "SELECT n_failed FROM batch_jobs"), 1);
	sky_job_clear(&job);
	/* Finish the others; a finished job cannot be cancelled. */
	assert_ok(sky_job_claim(fx->db, "w1", &job));
	assert_ok(sky_job_transition(fx->db, job.id, running, "succeeded", NULL, NULL));
	sky_job_clear(&job);
	assert_ok(sky_job_claim(fx->db, "w1", &job));
	assert_ok(sky_job_transition(fx->db, job.id, running, "succeeded", NULL, NULL));
	assert_int_equal(sky_job_transition(fx->db, job.id, queued, "cancelled", NULL, current),
	                 STRATA_EEXIST);
	assert_string_equal(current, "succeeded");
	sky_job_clear(&job);
	assert_int_equal(q_int(fx->db, "SELECT COUNT(*) FROM batch_jobs WHERE status = 'partial'"
	                               " AND n_succeeded = 2 AND n_failed = 1"),
	                 1);
	assert_int_equal(sky_job_claim(fx->db, "w1", &job), STRATA_ENOTFOUND);
	assert_int_equal(sky_job_transition(fx->db, "00000000-0000-7000-8000-000000000000", queued,
	                                    "cancelled", NULL, NULL),
	                 STRATA_ENOTFOUND);
}

/* A running job whose heartbeat stopped is requeued. */
static void test_reap_stale(void **state)
{
	fixture *fx = fx_of(state);
	char id[SKY_JOB_ID_LEN];
	sky_job job;
	int n;

	assert_ok(sky_job_create(fx->db, "convert", add_ms(fx->db, "/d/r.ms"), NULL, 0, NULL, id));
	assert_ok(sky_job_claim(fx->db, "dead", &job));
	assert_ok(strata_db_exec(fx->db, "UPDATE jobs SET heartbeat_at = 1"));
	assert_ok(sky_job_reap_stale(fx->db, 60, 0, &n));
	assert_int_equal(n, 1);
	assert_int_equal(q_int(fx->db, "SELECT COUNT(*) FROM jobs WHERE status = 'queued'"), 1);
	sky_job_clear(&job);
}

#define CLAIM_JOBS    120
#define CLAIM_THREADS 4

typedef struct claimer {
	const char *url;
	char ids[CLAIM_JOBS][SKY_JOB_ID_LEN];
	int n, rc;
	char name[16];
} claimer;

static void *claim_all(void *arg)
{
	claimer *c = arg;
	strata_db *db;
	sky_job job;

	if ((c->rc = strata_db_open(c->url, &db)))
		return NULL;
	while (!(c->rc = sky_job_claim(db, c->name, &job))) {
		snprintf(c->ids[c->n++], SKY_JOB_ID_LEN, "%s", job.id);
		sky_job_clear(&job);
	}
	if (c->rc == STRATA_ENOTFOUND)
		c->rc = 0;
	strata_db_close(db);
	return NULL;
}

/* Several connections claiming at once never get the same job. */
static void test_concurrent_claims(void **state)
{
	fixture *fx = fx_of(state);
	static claimer cl[CLAIM_THREADS];
	pthread_t th[CLAIM_THREADS];
	char id[SKY_JOB_ID_LEN];
	int64_t ms = add_ms(fx->db, "/d/c.ms");
	int total = 0;

	for (int i = 0; i < CLAIM_JOBS; i++)
		assert_ok(sky_job_create(fx->db, "image", ms, NULL, 0, NULL, id));
	for (int t = 0; t < CLAIM_THREADS; t++) {
		memset(&cl[t], 0, sizeof cl[t]);
		cl[t].url = fx->t.url;
		snprintf(cl[t].name, sizeof cl[t].name, "w%d", t);
		assert_int_equal(pthread_create(&th[t], NULL, claim_all, &cl[t]), 0);
	}
	for (int t = 0; t < CLAIM_THREADS; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(cl[t].rc, 0);
		total += cl[t].n;
	}
	assert_int_equal(total, CLAIM_JOBS);
	for (int a = 0; a < CLAIM_THREADS; a++)
		for (int i = 0; i < cl[a].n; i++)
			for (int b = a; b < CLAIM_THREADS; b++)
				for (int j = b == a ? i + 1 : 0; j < cl[b].n; j++)
					assert_string_not_equal(cl[a].ids[i], cl[b].ids[j]);
	assert_int_equal(q_int(fx->db, "SELECT COUNT(*) FROM jobs WHERE attempts = 1 AND"
	                               " status = 'running'"),
	                 CLAIM_JOBS);
}

/* JSON numbers read back as the same double, and plain values stay short. */
static void test_json_numbers(void **state)
{
	static const double fixed[] = {
	    0,    1,       -1,    0.5,          0.00054,   60000.00347222222,
	    1e-7, 124.875, 1e300, -2.5e-9,      0.1 + 0.2, 9007199254740993.0,
	    1e16, -0.001,  3e-20, 123456789.125};
	static const sky_col col[] = {{"v", 'd'}};
	strata_db *db;
	strata_db_stmt *st;
	strata_buf out = STRATA_BUF_INIT;

	(void)state;
	assert_ok(strata_db_open("sqlite::memory:", &db));
	assert_ok(strata_db_prepare(db, "SELECT ?", &st));
	srand(7);
	for (int i = 0; i < 200000; i++) {
		int nf = (int)(sizeof fixed / sizeof fixed[0]);
		double v = i < nf ? fixed[i]
		                  : ((double)rand() / RAND_MAX - 0.5) * pow(10, rand() % 40 - 20);
		if (i >= nf && i % 3 == 0)
			v = round(v * 1000) / 1000;
		strata_buf_reset(&out);
		assert_ok(strata_db_reset(st));
		assert_ok(strata_db_bind_double(st, 1, v));
		assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
		assert_ok(sky_json_row(&out, st, col, 1));
		if (strtod(out.data + 5, NULL) != v)
			fail_msg("%.17g written as %s", v, out.data);
	}
	strata_buf_reset(&out);
	assert_ok(strata_db_reset(st));
	assert_ok(strata_db_bind_double(st, 1, 0.00054));
	assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
	assert_ok(sky_json_row(&out, st, col, 1));
	assert_string_equal(out.data, "{\"v\":0.00054}");
	/* integers, extremes included */
	static const int64_t ints[] = {0, 1, -1, 10, -4096, INT64_MAX, INT64_MIN, 1234567890123};
	static const sky_col icol[] = {{"v", 'i'}};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		strata_buf_reset(&out);
		assert_ok(strata_db_reset(st));
		assert_ok(strata_db_bind_int64(st, 1, ints[i]));
		assert_int_equal(strata_db_step(st), STRATA_DB_ROW);
		assert_ok(sky_json_row(&out, st, icol, 1));
		assert_true(strtoll(out.data + 5, NULL, 10) == ints[i]);
	}
	strata_buf_free(&out);
	strata_db_finalize(st);
	strata_db_close(db);
}

#define BOTH(fn)                                                                                   \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &sqlite_fx),                 \
	    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &pg_fx)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(test_schema_and_upserts), BOTH(test_seed),
	    BOTH(test_queue_lifecycle),    BOTH(test_reap_stale),
	    BOTH(test_concurrent_claims),  cmocka_unit_test(test_json_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
