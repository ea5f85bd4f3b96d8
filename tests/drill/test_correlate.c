/* test_correlate.c - matching Result, Trace and Heads messages into holes. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "drill/correlate.h"
#include "drill/opcua.h"
#include "strata/file.h"
#include "strata/log.h"
#include "strata/time.h"

#define SEC  STRATA_NS_PER_SEC
#define MSEC (STRATA_NS_PER_SEC / 1000)
#define BASE (INT64_C(1733905489) * SEC) /* 2024-12-11T08:24:49Z */

/* A test payload: which hole and kind it was made for, and a version. */
typedef struct tpay {
	int hole;
	drill_msg_kind kind;
	int version;
} tpay;

static void *pay(int hole, drill_msg_kind kind, int version)
{
	tpay *p = malloc(sizeof(*p));

	assert_non_null(p);
	p->hole = hole;
	p->kind = kind;
	p->version = version;
	return p;
}

/* One message of hole `hole` (result id "<hole>", or none for Heads). */
static drill_msg msg(const char *tool, drill_msg_kind kind, int hole, int64_t ts, char *rid,
                     size_t ridlen)
{
	drill_msg m = {kind, "TB1", tool, NULL, ts, pay(hole, kind, 0), free};

	if (kind != DRILL_MSG_HEADS) {
		snprintf(rid, ridlen, "%d", hole);
		m.result_id = rid;
	}
	return m;
}

/* Add a message; returns the status and checks errors are not returned. */
static int add(drill_correlator *c, drill_msg m, int64_t now, drill_corr_set *out)
{
	int rc = drill_correlator_add(c, &m, now, out);

	if (rc < 0)
		fail_msg("add failed: %s", strata_error_message());
	return rc;
}

/* Check a set holds its own members (and Heads when expected). */
static void check_set(const drill_corr_set *s, int hole, int want_heads)
{
	char rid[16];
	int k;

	snprintf(rid, sizeof(rid), "%d", hole);
	assert_string_equal(s->result_id, rid);
	for (k = 0; k < DRILL_MSG_KINDS; k++) {
		const tpay *p = s->payload[k];
		if (k == DRILL_MSG_HEADS && !p) {
			assert_false(want_heads);
			continue;
		}
		assert_non_null(p);
		assert_int_equal(p->hole, hole);
		assert_int_equal(p->kind, k);
	}
}

/* xorshift64*: a seeded, portable shuffle. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void shuffle(int *a, int n, uint64_t *seed)
{
	int i;

	for (i = n - 1; i > 0; i--) {
		int j = (int)(rnd(seed) % (uint64_t)(i + 1)), t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/* Holes 421-424 on one tool, 12 messages within one second, in a shuffled
 * order: exactly four sets, each of its own messages. */
static void run_shuffles(int require_heads)
{
	drill_corr_options o;
	uint64_t seed;

	drill_corr_options_default(&o);
	o.require_heads = require_heads;
	for (seed = 1; seed <= 2000; seed++) {
		drill_correlator *c;
		drill_corr_stats st;
		int order[12], i, done[4] = {0}, nsets = 0, heads = 0;
		uint64_t s = seed * UINT64_C(0x9e3779b97f4a7c15);

		for (i = 0; i < 12; i++)
			order[i] = i;
		shuffle(order, 12, &s);
		assert_ok(drill_correlator_new(&o, &c));
		for (i = 0; i < 12; i++) {
			int hole = 421 + order[i] / 3, rc;
			drill_msg_kind kind = (drill_msg_kind)(order[i] % 3);
			char rid[16];
			drill_corr_set out;
			/* SourceTimestamps 200 ms apart, published within one second */
			int64_t ts = BASE + (hole - 421) * 200 * MSEC;

			rc = add(c, msg("setitectest", kind, hole, ts, rid, sizeof(rid)),
			         BASE + i * 80 * MSEC, &out);
			if (rc == DRILL_ADD_COMPLETE) {
				check_set(&out, hole, require_heads);
				assert_int_equal(out.timestamp, ts);
				assert_int_equal(done[hole - 421]++, 0);
				heads += out.payload[DRILL_MSG_HEADS] != NULL;
				nsets++;
				drill_corr_set_free(&out);
			} else if (rc == DRILL_ADD_LATE) {
				assert_false(require_heads);
				assert_int_equal(kind, DRILL_MSG_HEADS);
			} else {
				assert_int_equal(rc, DRILL_ADD_BUFFERED);
			}
		}
		drill_correlator_stats(c, &st);
		assert_int_equal(nsets, 4);
		assert_int_equal(st.completed, 4);
		assert_int_equal(st.buffered, 0);
		assert_int_equal(st.pending_sets, 0);
		assert_int_equal(st.duplicates, 0);
		assert_int_equal(st.evicted_sets[DRILL_EVICT_OVERFLOW], 0);
		assert_int_equal(heads + (int)st.late, 4);
		drill_correlator_free(c);
	}
}

static void test_shuffled_421_424(void **state)
{
	run_shuffles(1);
}

static void test_shuffled_heads_optional(void **state)
{
	run_shuffles(0);
}

/* A parsed capture, owned by the test. */
static void free_result(void *p)
{
	drill_result_free(p);
	free(p);
}

static void free_trace(void *p)
{
	drill_trace_free(p);
	free(p);
}

static void *load(const char *dir, const char *name, int is_trace)
{
	char rel[256], path[4096], *data = NULL;
	size_t len = 0;
	void *out;

	snprintf(rel, sizeof(rel), "drilling/mqtt/%s/%s", dir, name);
	if (strata_test_data_path(rel, path, sizeof(path)) != 0)
		return NULL;
	assert_ok(strata_file_read_all(path, 0, &data, &len));
	out = calloc(1, is_trace ? sizeof(drill_trace) : sizeof(drill_result));
	assert_non_null(out);
	if (is_trace)
		assert_ok(drill_trace_parse(data, len, path, NULL, out));
	else
		assert_ok(drill_result_parse(data, len, path, NULL, out));
	free(data);
	return out;
}

/* data0/1/2 on ONE tool: data0 and data2 both carry result id 2409 but
 * different SourceTimestamps, so they stay two holes. */
static void test_captures(void **state)
{
	static const char *const dirs[3] = {"data0", "data1", "data2"};
	static const size_t samples[3] = {492, 135, 1860};
	drill_result *res[3];
	drill_trace *tr[3];
	drill_corr_options o;
	drill_correlator *c;
	drill_corr_set out;
	int i, n = 0;

	for (i = 0; i < 3; i++) {
		res[i] = load(dirs[i], "Result.json", 0);
		tr[i] = load(dirs[i], "Trace.json", 1);
		if (!res[i] || !tr[i]) {
			for (; i >= 0; i--) {
				if (res[i])
					free_result(res[i]);
				if (tr[i])
					free_trace(tr[i]);
			}
			skip();
		}
	}
	drill_corr_options_default(&o);
	o.require_heads = 0;
	assert_ok(drill_correlator_new(&o, &c));
	for (i = 0; i < 3; i++) {
		drill_msg m = {DRILL_MSG_TRACE,  "ILLL502033771", "setitectest", tr[i]->result_id,
		               tr[i]->timestamp, tr[i],           free_trace};
		assert_int_equal(add(c, m, BASE, &out), DRILL_ADD_BUFFERED);
	}
	for (i = 2; i >= 0; i--) {
		drill_msg m = {DRILL_MSG_RESULT,  "ILLL502033771", "setitectest", res[i]->result_id,
		               res[i]->timestamp, res[i],          free_result};
		const drill_result *r;
		const drill_trace *t;

		assert_int_equal(add(c, m, BASE, &out), DRILL_ADD_COMPLETE);
		r = out.payload[DRILL_MSG_RESULT];
		t = out.payload[DRILL_MSG_TRACE];
		assert_ptr_equal(r, res[i]);
		assert_ptr_equal(t, tr[i]);
		assert_string_equal(r->result_id, t->result_id);
		assert_int_equal(r->timestamp, t->timestamp);
		assert_int_equal(t->n, samples[i]);
		assert_int_equal(out.timestamp, r->timestamp);
		drill_corr_set_free(&out);
		n++;
	}
	assert_int_equal(n, 3);
	drill_correlator_free(c);
}

/* Result twice, then Trace and Heads: the kept Result depends on the mode. */
static void run_duplicates(drill_dup_mode mode)
{
	drill_corr_options o;
	drill_correlator *c;
	drill_corr_set out;
	drill_corr_stats st;
	drill_msg m;
	char rid[16];
	int rc;

	drill_corr_options_default(&o);
	o.duplicates = mode;
	assert_ok(drill_correlator_new(&o, &c));
	assert_int_equal(add(c, msg("t", DRILL_MSG_RESULT, 7, BASE, rid, sizeof(rid)), BASE, &out),
	                 DRILL_ADD_BUFFERED);
	m = msg("t", DRILL_MSG_RESULT, 7, BASE, rid, sizeof(rid));
	((tpay *)m.payload)->version = 1;
	rc = drill_correlator_add(c, &m, BASE, &out);
	if (mode == DRILL_DUP_ERROR) {
		assert_int_equal(rc, STRATA_EEXIST);
		assert_non_null(strstr(strata_error_message(), "duplicate result"));
	} else {
		assert_int_equal(rc, mode == DRILL_DUP_IGNORE ? DRILL_ADD_DUP_IGNORED
		                                              : DRILL_ADD_DUP_REPLACED);
	}
	add(c, msg("t", DRILL_MSG_TRACE, 7, BASE, rid, sizeof(rid)), BASE, &out);
	/* a duplicate Heads (no result id) is found by its timestamp */
	assert_int_equal(add(c, msg("t", DRILL_MSG_HEADS, 7, BASE, rid, sizeof(rid)), BASE, &out),
	                 DRILL_ADD_COMPLETE);
	check_set(&out, 7, 1);
	assert_int_equal(((tpay *)out.payload[DRILL_MSG_RESULT])->version,
	                 mode == DRILL_DUP_REPLACE ? 1 : 0);
	drill_corr_set_free(&out);
	/* a redelivery after completion is a duplicate of the processed set */
	m = msg("t", DRILL_MSG_TRACE, 7, BASE, rid, sizeof(rid));
	rc = drill_correlator_add(c, &m, BASE + SEC, &out);
	assert_int_equal(rc, mode == DRILL_DUP_ERROR ? STRATA_EEXIST : DRILL_ADD_DUP_IGNORED);
	m = msg("t", DRILL_MSG_HEADS, 7, BASE, rid, sizeof(rid));
	rc = drill_correlator_add(c, &m, BASE + SEC, &out);
	assert_int_equal(rc, mode == DRILL_DUP_ERROR ? STRATA_EEXIST : DRILL_ADD_DUP_IGNORED);
	drill_correlator_stats(c, &st);
	assert_int_equal(st.duplicates, 3);
	assert_int_equal(st.replaced, mode == DRILL_DUP_REPLACE ? 1 : 0);
	assert_int_equal(st.completed, 1);
	assert_int_equal(st.buffered, 0);
	drill_correlator_free(c);
}

static void test_duplicates(void **state)
{
	run_duplicates(DRILL_DUP_IGNORE);
	run_duplicates(DRILL_DUP_REPLACE);
	run_duplicates(DRILL_DUP_ERROR);
}

/* What the eviction callback saw. */
typedef struct evlog {
	int n;
	drill_evict_reason why[16];
	char rid[16][16];
	unsigned present[16];
} evlog;

static void on_evict(const drill_corr_set *s, drill_evict_reason why, void *user)
{
	evlog *e = user;

	assert_true(e->n < 16);
	e->why[e->n] = why;
	snprintf(e->rid[e->n], sizeof(e->rid[0]), "%s", s->result_id ? s->result_id : "-");
	e->present[e->n] = s->present;
	e->n++;
}

/* Processed records go first, then the oldest pending set (overflow), then
 * expired ones; every eviction is counted and reported. */
static void test_eviction(void **state)
{
	drill_corr_options o;
	drill_correlator *c;
	drill_corr_set out;
	drill_corr_stats st;
	evlog e;
	char rid[16], text[4096];
	FILE *log;
	int h;

	memset(&e, 0, sizeof(e));
	log = tmpfile();
	assert_non_null(log);
	strata_log_set_output(log);
	strata_log_set_level(STRATA_LOG_INFO);
	drill_corr_options_default(&o);
	o.max_buffer_size = 5;
	o.max_age_ns = 10 * SEC;
	o.on_evict = on_evict;
	o.user = &e;
	assert_ok(drill_correlator_new(&o, &c));
	/* hole 1 completes: one processed record */
	add(c, msg("t", DRILL_MSG_RESULT, 1, BASE, rid, sizeof(rid)), BASE, &out);
	add(c, msg("t", DRILL_MSG_TRACE, 1, BASE, rid, sizeof(rid)), BASE, &out);
	assert_int_equal(add(c, msg("t", DRILL_MSG_HEADS, 1, BASE, rid, sizeof(rid)), BASE, &out),
	                 DRILL_ADD_COMPLETE);
	drill_corr_set_free(&out);
	/* holes 2..5: one pending Result each (buffer: 1 record + 4 messages) */
	for (h = 2; h <= 5; h++)
		add(c, msg("t", DRILL_MSG_RESULT, h, BASE + h * SEC, rid, sizeof(rid)),
		    BASE + h * SEC, &out);
	assert_int_equal(e.n, 0);
	/* full: the processed record goes first */
	add(c, msg("t", DRILL_MSG_RESULT, 6, BASE + 6 * SEC, rid, sizeof(rid)), BASE + 6 * SEC,
	    &out);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.why[0], DRILL_EVICT_PROCESSED);
	assert_string_equal(e.rid[0], "1");
	/* then the oldest pending set, not yet expired */
	add(c, msg("t", DRILL_MSG_RESULT, 7, BASE + 7 * SEC, rid, sizeof(rid)), BASE + 7 * SEC,
	    &out);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.why[1], DRILL_EVICT_OVERFLOW);
	assert_string_equal(e.rid[1], "2");
	assert_int_equal(e.present[1], 1u << DRILL_MSG_RESULT);
	/* hole 3 is 11 s old now: expired */
	add(c, msg("t", DRILL_MSG_RESULT, 8, BASE + 14 * SEC, rid, sizeof(rid)), BASE + 14 * SEC,
	    &out);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.why[2], DRILL_EVICT_EXPIRED);
	assert_string_equal(e.rid[2], "3");
	/* a message joining a pending set never evicts that set */
	assert_int_equal(add(c, msg("t", DRILL_MSG_TRACE, 4, BASE + 4 * SEC, rid, sizeof(rid)),
	                     BASE + 14 * SEC, &out),
	                 DRILL_ADD_BUFFERED);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.why[3], DRILL_EVICT_OVERFLOW);
	assert_string_equal(e.rid[3], "5");
	/* the cleanup tick: 4 (15 s), 6 (13 s) and 7 (12 s) expire; 8 stays */
	assert_int_equal(drill_correlator_expire(c, BASE + 19 * SEC), 3);
	drill_correlator_stats(c, &st);
	assert_int_equal(st.evicted[DRILL_EVICT_PROCESSED], 1);
	assert_int_equal(st.evicted_sets[DRILL_EVICT_OVERFLOW], 2);
	assert_int_equal(st.evicted_sets[DRILL_EVICT_EXPIRED], 4);
	assert_int_equal(st.evicted[DRILL_EVICT_EXPIRED], 5); /* hole 4 had two messages */
	assert_int_equal(st.buffered, 1);
	assert_int_equal(st.pending_sets, 1);
	assert_int_equal(e.n, 7);
	drill_correlator_free(c);
	/* the incomplete sets were logged (processed records only at debug) */
	strata_log_set_output(stderr);
	rewind(log);
	text[fread(text, 1, sizeof(text) - 1, log)] = '\0';
	fclose(log);
	assert_non_null(strstr(text, "reason=overflow toolbox=TB1 tool=t result_id=2 "
	                             "timestamp=2024-12-11T08:24:51.000000000Z have=result"));
	assert_non_null(strstr(text, "reason=expired toolbox=TB1 tool=t result_id=4"));
	assert_non_null(strstr(text, "have=result,trace"));
}

/* Heads from a unit whose clock is 2 s ahead: exact matching keeps the sets
 * open; the explicit time-window option completes each with its own Heads. */
static void run_skew(drill_match_mode mode)
{
	drill_corr_options o;
	drill_correlator *c;
	drill_corr_set out;
	drill_corr_stats st;
	char rid[16];
	int h, n = 0, rc;

	drill_corr_options_default(&o);
	o.match = mode;
	o.time_window_ns = 5 * SEC;
	assert_ok(drill_correlator_new(&o, &c));
	for (h = 0; h < 4; h++) {
		int64_t ts = BASE + h * 60 * SEC;

		add(c, msg("t", DRILL_MSG_HEADS, h, ts + 2 * SEC, rid, sizeof(rid)), ts, &out);
		add(c, msg("t", DRILL_MSG_TRACE, h, ts, rid, sizeof(rid)), ts, &out);
		rc = add(c, msg("t", DRILL_MSG_RESULT, h, ts, rid, sizeof(rid)), ts, &out);
		if (rc == DRILL_ADD_COMPLETE) {
			check_set(&out, h, 1);
			assert_int_equal(out.timestamp, ts);
			drill_corr_set_free(&out);
			n++;
		}
	}
	drill_correlator_stats(c, &st);
	assert_int_equal(n, mode == DRILL_MATCH_EXACT ? 0 : 4);
	assert_int_equal(st.buffered, mode == DRILL_MATCH_EXACT ? 12 : 0);
	drill_correlator_free(c);
}

static void test_clock_skew_window(void **state)
{
	run_skew(DRILL_MATCH_EXACT);
	run_skew(DRILL_MATCH_TIME_WINDOW);
}

/* Heads optional: Result + Trace complete; Heads that came first ride along,
 * Heads that come after are counted late. */
static void test_heads_optional(void **state)
{
	drill_corr_options o;
	drill_correlator *c;
	drill_corr_set out;
	drill_corr_stats st;
	char rid[16];

	drill_corr_options_default(&o);
	o.require_heads = 0;
	assert_ok(drill_correlator_new(&o, &c));
	add(c, msg("t", DRILL_MSG_RESULT, 1, BASE, rid, sizeof(rid)), BASE, &out);
	assert_int_equal(add(c, msg("t", DRILL_MSG_TRACE, 1, BASE, rid, sizeof(rid)), BASE, &out),
	                 DRILL_ADD_COMPLETE);
	check_set(&out, 1, 0);
	assert_null(out.payload[DRILL_MSG_HEADS]);
	drill_corr_set_free(&out);
	assert_int_equal(add(c, msg("t", DRILL_MSG_HEADS, 1, BASE, rid, sizeof(rid)), BASE, &out),
	                 DRILL_ADD_LATE);
	add(c, msg("t", DRILL_MSG_HEADS, 2, BASE + SEC, rid, sizeof(rid)), BASE, &out);
	add(c, msg("t", DRILL_MSG_TRACE, 2, BASE + SEC, rid, sizeof(rid)), BASE, &out);
	assert_int_equal(
	    add(c, msg("t", DRILL_MSG_RESULT, 2, BASE + SEC, rid, sizeof(rid)), BASE, &out),
	    DRILL_ADD_COMPLETE);
	check_set(&out, 2, 1);
	drill_corr_set_free(&out);
	drill_correlator_stats(c, &st);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.completed, 2);
	drill_correlator_free(c);
}

/* Same result id and timestamp on two tools (or toolboxes): never mixed. */
static void test_tools_apart(void **state)
{
	drill_correlator *c;
	drill_corr_set out;
	drill_msg m;
	char rid[16];

	assert_ok(drill_correlator_new(NULL, &c));
	add(c, msg("a", DRILL_MSG_RESULT, 1, BASE, rid, sizeof(rid)), BASE, &out);
	add(c, msg("b", DRILL_MSG_TRACE, 1, BASE, rid, sizeof(rid)), BASE, &out);
	m = msg("a", DRILL_MSG_HEADS, 1, BASE, rid, sizeof(rid));
	m.toolbox = "TB2";
	add(c, m, BASE, &out);
	add(c, msg("b", DRILL_MSG_HEADS, 1, BASE, rid, sizeof(rid)), BASE, &out);
	assert_int_equal(add(c, msg("b", DRILL_MSG_RESULT, 1, BASE, rid, sizeof(rid)), BASE, &out),
	                 DRILL_ADD_COMPLETE);
	assert_string_equal(out.tool, "b");
	drill_corr_set_free(&out);
	drill_correlator_free(c);
}

/* Bad options and bad messages are errors; the payload is still freed. */
static void test_invalid(void **state)
{
	drill_corr_options o;
	drill_correlator *c = NULL;
	drill_corr_set out;
	char rid[16];
	drill_msg m;

	drill_corr_options_default(&o);
	o.max_buffer_size = 2;
	assert_int_equal(drill_correlator_new(&o, &c), STRATA_EINVAL);
	assert_null(c);
	assert_non_null(strstr(strata_error_message(), "max_buffer_size"));
	drill_corr_options_default(&o);
	o.max_age_ns = 0;
	assert_int_equal(drill_correlator_new(&o, &c), STRATA_EINVAL);
	assert_ok(drill_correlator_new(NULL, &c));
	m = msg("", DRILL_MSG_RESULT, 1, BASE, rid, sizeof(rid));
	assert_int_equal(drill_correlator_add(c, &m, BASE, &out), STRATA_EINVAL);
	m = msg("t", DRILL_MSG_RESULT, 1, BASE, rid, sizeof(rid));
	m.kind = (drill_msg_kind)7;
	assert_int_equal(drill_correlator_add(c, &m, BASE, &out), STRATA_EINVAL);
	m = msg("t", DRILL_MSG_RESULT, 1, BASE, rid, sizeof(rid));
	m.result_id = "";
	assert_int_equal(drill_correlator_add(c, &m, BASE, &out), STRATA_EINVAL);
	drill_correlator_free(c);
	drill_correlator_free(NULL);
}

/* Many tools interleaved, far past the table's first size: all complete and
 * the processed records stay bounded by max_buffer_size. */
static void test_many(void **state)
{
	drill_corr_options o;
	drill_correlator *c;
	drill_corr_set out;
	drill_corr_stats st;
	char rid[16], tool[16];
	int i, k, n = 0;

	drill_corr_options_default(&o);
	o.max_buffer_size = 3000;
	assert_ok(drill_correlator_new(&o, &c));
	for (i = 0; i < 20000; i++) {
		snprintf(tool, sizeof(tool), "tool%d", i % 97);
		for (k = 2; k >= 0; k--) {
			drill_msg m =
			    msg(tool, (drill_msg_kind)k, i, BASE + i * MSEC, rid, sizeof(rid));

			if (add(c, m, BASE + i * MSEC, &out) == DRILL_ADD_COMPLETE) {
				check_set(&out, i, 1);
				drill_corr_set_free(&out);
				n++;
			}
		}
	}
	drill_correlator_stats(c, &st);
	assert_int_equal(n, 20000);
	assert_true(st.processed_records <= 3000);
	assert_int_equal(st.evicted_sets[DRILL_EVICT_OVERFLOW], 0);
	assert_int_equal(st.evicted_sets[DRILL_EVICT_EXPIRED], 0);
	drill_correlator_free(c);
}

/* One delivery in the random-stream test. */
typedef struct delivery {
	int tool, hole, kind;
	uint64_t key; /* sort key: position plus a random displacement */
} delivery;

static int by_key(const void *a, const void *b)
{
	const delivery *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* Three tools reusing the same result ids and timestamps, QoS 1 redeliveries
 * and local reordering: every hole completes once, with its own messages,
 * and every redelivery is counted as a duplicate. */
static void test_random_streams(void **state)
{
	enum { TOOLS = 3, HOLES = 40, MAXD = TOOLS * HOLES * 6 };
	static delivery d[MAXD];
	static const char *const names[TOOLS] = {"t0", "t1", "t2"};
	uint64_t seed;

	for (seed = 1; seed <= 50; seed++) {
		uint64_t s = seed * UINT64_C(0x2545f4914f6cdd1d);
		int done[TOOLS][HOLES] = {{0}}, n = 0, dups = 0, i, t, j, k;
		drill_correlator *c;
		drill_corr_stats st;

		for (j = 0; j < HOLES; j++)
			for (t = 0; t < TOOLS; t++)
				for (k = 0; k < DRILL_MSG_KINDS; k++) {
					int copies = rnd(&s) % 4 == 0 ? 2 : 1;
					dups += copies - 1;
					while (copies--) {
						d[n].tool = t;
						d[n].hole = j;
						d[n].kind = k;
						d[n].key = (uint64_t)n * 16 + rnd(&s) % 400;
						n++;
					}
				}
		qsort(d, (size_t)n, sizeof(d[0]), by_key);
		assert_ok(drill_correlator_new(NULL, &c));
		for (i = 0; i < n; i++) {
			char rid[16];
			drill_corr_set out;
			int64_t ts = BASE + d[i].hole * 7 * SEC;
			drill_msg m = {
			    (drill_msg_kind)d[i].kind,
			    "TB",
			    names[d[i].tool],
			    NULL,
			    ts,
			    pay(d[i].tool * 1000 + d[i].hole, (drill_msg_kind)d[i].kind, 0),
			    free};

			snprintf(rid, sizeof(rid), "%d", d[i].hole + 1);
			if (d[i].kind != DRILL_MSG_HEADS)
				m.result_id = rid;
			if (add(c, m, ts, &out) != DRILL_ADD_COMPLETE)
				continue;
			for (k = 0; k < DRILL_MSG_KINDS; k++)
				assert_int_equal(((tpay *)out.payload[k])->hole,
				                 d[i].tool * 1000 + d[i].hole);
			assert_string_equal(out.tool, names[d[i].tool]);
			assert_int_equal(done[d[i].tool][d[i].hole]++, 0);
			drill_corr_set_free(&out);
		}
		drill_correlator_stats(c, &st);
		assert_int_equal(st.completed, TOOLS * HOLES);
		assert_int_equal(st.duplicates, dups);
		assert_int_equal(st.buffered, 0);
		assert_int_equal(st.pending_sets, 0);
		drill_correlator_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shuffled_421_424), cmocka_unit_test(test_shuffled_heads_optional),
	    cmocka_unit_test(test_captures),         cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_eviction),         cmocka_unit_test(test_clock_skew_window),
	    cmocka_unit_test(test_heads_optional),   cmocka_unit_test(test_tools_apart),
	    cmocka_unit_test(test_invalid),          cmocka_unit_test(test_many),
	    cmocka_unit_test(test_random_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
