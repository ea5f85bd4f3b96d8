/*
 * correlate.c - matching a hole's Result, Trace and Heads messages.
 *
 * Each hole being assembled is a `group`: a drill_corr_set plus its links.
 * Groups sit on one of two FIFO lists (pending, processed) in the order they
 * were created / completed, which is also their eviction order, and in two
 * intrusive chained hash tables: by (toolbox, tool, result id) and by
 * (toolbox, tool, timestamp bucket). A bucket is the exact timestamp, or
 * floor(ts / window) in time-window mode, where the neighbouring buckets are
 * searched too.
 */
#include "drill/correlate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"
#include "strata/log.h"
#include "strata/time.h"

#define KIND_BIT(k)     (1u << (unsigned)(k))
#define TABLE_MIN_SLOTS 64u

typedef struct group {
	drill_corr_set set;
	unsigned seen;  /* kinds ever received (processed records keep it) */
	int done;       /* a processed record: key only, no payloads */
	int64_t stamp;  /* first_seen when pending, completion time when done */
	uint64_t seq;   /* creation order, for ties */
	int64_t bucket; /* its key in the timestamp table */
	struct group *prev, *next;
	struct group *rid_next, *ts_next;
	int in_rid;
} group;

typedef struct table {
	group **slot;
	size_t nslots, n;
	int which; /* 0: result-id table, 1: timestamp table */
} table;

typedef struct list {
	group *head, *tail;
	size_t n;
} list;

struct drill_correlator {
	drill_corr_options o;
	table by_rid, by_ts;
	list pending, done;
	size_t used; /* buffered messages + processed records */
	uint64_t seq;
	drill_corr_stats st;
};

/* --- names and options -------------------------------------------------- */

const char *drill_msg_kind_name(drill_msg_kind k)
{
	static const char *const names[] = {"result", "trace", "heads"};

	return (unsigned)k < DRILL_MSG_KINDS ? names[k] : "unknown";
}

const char *drill_evict_reason_name(drill_evict_reason r)
{
	static const char *const names[] = {"processed", "expired", "overflow"};

	return (unsigned)r < DRILL_EVICT_REASONS ? names[r] : "unknown";
}

void drill_corr_options_default(drill_corr_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_buffer_size = 10000;
	o->max_age_ns = 300 * STRATA_NS_PER_SEC;
	o->time_window_ns = 30 * STRATA_NS_PER_SEC;
	o->match = DRILL_MATCH_EXACT;
	o->duplicates = DRILL_DUP_IGNORE;
	o->require_heads = 1;
}

void drill_corr_set_free(drill_corr_set *s)
{
	int k;

	if (!s)
		return;
	for (k = 0; k < DRILL_MSG_KINDS; k++)
		if (s->payload[k] && s->payload_free[k])
			s->payload_free[k](s->payload[k]);
	free(s->toolbox);
	free(s->tool);
	free(s->result_id);
	memset(s, 0, sizeof(*s));
}

/* --- hashing -------------------------------------------------------------- */

/* FNV-1a over a NUL-terminated string, including the terminator. */
static uint64_t fnv_str(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	} while (*s++);
	return h;
}

/* Mix a 64-bit value into h (splitmix64 finaliser). */
static uint64_t mix64(uint64_t h, uint64_t v)
{
	v += h + UINT64_C(0x9e3779b97f4a7c15);
	v = (v ^ (v >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	v = (v ^ (v >> 27)) * UINT64_C(0x94d049bb133111eb);
	return v ^ (v >> 31);
}

static uint64_t tool_hash(const char *toolbox, const char *tool)
{
	return fnv_str(fnv_str(UINT64_C(14695981039346656037), toolbox), tool);
}

static uint64_t rid_hash(const char *toolbox, const char *tool, const char *rid)
{
	return fnv_str(tool_hash(toolbox, tool), rid);
}

static uint64_t ts_hash(const char *toolbox, const char *tool, int64_t bucket)
{
	return mix64(tool_hash(toolbox, tool), (uint64_t)bucket);
}

/* The timestamp-table bucket of ts: ts itself, or floor(ts / window). */
static int64_t bucket_of(const drill_correlator *c, int64_t ts)
{
	int64_t w = c->o.time_window_ns, q;

	if (c->o.match != DRILL_MATCH_TIME_WINDOW || w <= 0)
		return ts;
	q = ts / w;
	if (ts % w < 0)
		q--;
	return q;
}

static uint64_t group_hash(const group *g, int which)
{
	if (which == 0)
		return rid_hash(g->set.toolbox, g->set.tool, g->set.result_id);
	return ts_hash(g->set.toolbox, g->set.tool, g->bucket);
}

static group **next_of(group *g, int which)
{
	return which == 0 ? &g->rid_next : &g->ts_next;
}

/* --- hash tables ---------------------------------------------------------- */

static int table_init(table *t, int which)
{
	t->slot = calloc(TABLE_MIN_SLOTS, sizeof(group *));
	if (!t->slot)
		return strata_error_set(STRATA_ENOMEM, "correlator: out of memory");
	t->nslots = TABLE_MIN_SLOTS;
	t->n = 0;
	t->which = which;
	return 0;
}

/* Double the slots when the load reaches 1 (failure just keeps chains longer). */
static void table_grow(table *t)
{
	size_t n = t->nslots * 2, i;
	group **slot, *g, *nx;

	if (t->n < t->nslots)
		return;
	slot = calloc(n, sizeof(group *));
	if (!slot)
		return;
	for (i = 0; i < t->nslots; i++) {
		for (g = t->slot[i]; g; g = nx) {
			size_t j = (size_t)(group_hash(g, t->which) & (n - 1));
			nx = *next_of(g, t->which);
			*next_of(g, t->which) = slot[j];
			slot[j] = g;
		}
	}
	free(t->slot);
	t->slot = slot;
	t->nslots = n;
}

static void table_insert(table *t, group *g)
{
	size_t i;

	table_grow(t);
	i = (size_t)(group_hash(g, t->which) & (t->nslots - 1));
	*next_of(g, t->which) = t->slot[i];
	t->slot[i] = g;
	t->n++;
}

static void table_remove(table *t, group *g)
{
	size_t i = (size_t)(group_hash(g, t->which) & (t->nslots - 1));
	group **pp;

	for (pp = &t->slot[i]; *pp; pp = next_of(*pp, t->which)) {
		if (*pp == g) {
			*pp = *next_of(g, t->which);
			*next_of(g, t->which) = NULL;
			t->n--;
			return;
		}
	}
}

/* --- lists ---------------------------------------------------------------- */

static void list_append(list *l, group *g)
{
	g->next = NULL;
	g->prev = l->tail;
	if (l->tail)
		l->tail->next = g;
	else
		l->head = g;
	l->tail = g;
	l->n++;
}

static void list_remove(list *l, group *g)
{
	if (g->prev)
		g->prev->next = g->next;
	else
		l->head = g->next;
	if (g->next)
		g->next->prev = g->prev;
	else
		l->tail = g->prev;
	g->prev = g->next = NULL;
	l->n--;
}

/* --- groups --------------------------------------------------------------- */

static unsigned popcount3(unsigned bits)
{
	return (bits & 1u) + ((bits >> 1) & 1u) + ((bits >> 2) & 1u);
}

static int same_tool(const group *g, const drill_msg *m)
{
	return !strcmp(g->set.toolbox, m->toolbox) && !strcmp(g->set.tool, m->tool);
}

/* Unlink g from everything and free it with its payloads. */
static void group_destroy(drill_correlator *c, group *g)
{
	if (g->in_rid)
		table_remove(&c->by_rid, g);
	table_remove(&c->by_ts, g);
	list_remove(g->done ? &c->done : &c->pending, g);
	drill_corr_set_free(&g->set);
	free(g);
}

/* A new pending group keyed by m (no payload yet). */
static int group_new(drill_correlator *c, const drill_msg *m, int64_t now, group **out)
{
	group *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g)
		return strata_error_set(STRATA_ENOMEM, "correlator: out of memory");
	g->set.toolbox = strdup(m->toolbox);
	g->set.tool = strdup(m->tool);
	g->set.result_id = m->result_id ? strdup(m->result_id) : NULL;
	if (!g->set.toolbox || !g->set.tool || (m->result_id && !g->set.result_id)) {
		drill_corr_set_free(&g->set);
		free(g);
		return strata_error_set(STRATA_ENOMEM, "correlator: out of memory");
	}
	g->set.timestamp = m->timestamp;
	g->set.first_seen = now;
	g->stamp = now;
	g->seq = c->seq++;
	g->bucket = bucket_of(c, m->timestamp);
	table_insert(&c->by_ts, g);
	if (g->set.result_id) {
		table_insert(&c->by_rid, g);
		g->in_rid = 1;
	}
	list_append(&c->pending, g);
	*out = g;
	return 0;
}

/* Give a rid-less group the result id rid (the caller checked it is unused). */
static int group_set_rid(drill_correlator *c, group *g, const char *rid)
{
	g->set.result_id = strdup(rid);
	if (!g->set.result_id)
		return strata_error_set(STRATA_ENOMEM, "correlator: out of memory");
	table_insert(&c->by_rid, g);
	g->in_rid = 1;
	return 0;
}

/* Re-key g under a new timestamp (a Result's SourceTimestamp wins). */
static void group_set_ts(drill_correlator *c, group *g, int64_t ts)
{
	if (g->set.timestamp == ts)
		return;
	table_remove(&c->by_ts, g);
	g->set.timestamp = ts;
	g->bucket = bucket_of(c, ts);
	table_insert(&c->by_ts, g);
}

/* --- lookup --------------------------------------------------------------- */

/* |a - b| without overflow. */
static uint64_t abs_diff(int64_t a, int64_t b)
{
	return a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

/* Whether g's timestamp matches m's: equal, or within the window. */
static int ts_ok(const drill_correlator *c, const group *g, const drill_msg *m, uint64_t *dt)
{
	*dt = abs_diff(g->set.timestamp, m->timestamp);
	if (c->o.match == DRILL_MATCH_TIME_WINDOW)
		return *dt <= (uint64_t)c->o.time_window_ns;
	return *dt == 0;
}

/* Whether the result ids of g and m allow a match (different ids never do). */
static int rid_ok(const group *g, const drill_msg *m)
{
	return !g->set.result_id || !m->result_id || !strcmp(g->set.result_id, m->result_id);
}

/* Whether candidate a (at distance da) beats b (at db): nearer, then older. */
static int better(const group *a, uint64_t da, const group *b, uint64_t db)
{
	if (!b)
		return 1;
	return da < db || (da == db && a->seq < b->seq);
}

/* The best groups found for a message: one that can take it, and one that
 * already has (or processed) its kind. */
typedef struct found {
	group *open, *taken;
	uint64_t dopen, dtaken;
} found;

/* Consider g for m. by_rid: g was reached by an equal result id, so a
 * duplicate may sit anywhere in the window; by timestamp only exactly. */
static void consider(const drill_correlator *c, group *g, const drill_msg *m, int by_rid, found *f)
{
	uint64_t d;

	if (!ts_ok(c, g, m, &d))
		return;
	if (!g->done && !(g->seen & KIND_BIT(m->kind))) {
		if (better(g, d, f->open, f->dopen)) {
			f->open = g;
			f->dopen = d;
		}
	} else if ((by_rid || d == 0) && better(g, d, f->taken, f->dtaken)) {
		f->taken = g;
		f->dtaken = d;
	}
}

/* Groups of m's tool with m's result id (several when an id is reused). */
static void find_rid(const drill_correlator *c, const drill_msg *m, found *f)
{
	const table *t = &c->by_rid;
	size_t i = (size_t)(rid_hash(m->toolbox, m->tool, m->result_id) & (t->nslots - 1));
	group *g;

	for (g = t->slot[i]; g; g = g->rid_next)
		if (same_tool(g, m) && !strcmp(g->set.result_id, m->result_id))
			consider(c, g, m, 1, f);
}

/* Groups of m's tool by timestamp bucket (and its neighbours in window mode). */
static void find_ts(const drill_correlator *c, const drill_msg *m, found *f)
{
	int64_t b = bucket_of(c, m->timestamp);
	int lo = c->o.match == DRILL_MATCH_TIME_WINDOW ? -1 : 0, k;
	group *g;

	for (k = lo; k <= -lo; k++) {
		int64_t bk = b + k;
		size_t i = (size_t)(ts_hash(m->toolbox, m->tool, bk) & (c->by_ts.nslots - 1));

		for (g = c->by_ts.slot[i]; g; g = g->ts_next)
			if (g->bucket == bk && same_tool(g, m) && rid_ok(g, m))
				consider(c, g, m, 0, f);
	}
}

/* --- eviction ------------------------------------------------------------- */

/* "result,trace" etc. for the kinds in bits. */
static void kinds_text(unsigned bits, char *buf, size_t size)
{
	size_t len = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < DRILL_MSG_KINDS; k++)
		if ((bits & KIND_BIT(k)) && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
			                        drill_msg_kind_name((drill_msg_kind)k));
}

/* Report one evicted group (count, log, callback), then destroy it. */
static void evict(drill_correlator *c, group *g, drill_evict_reason why)
{
	size_t n = g->done ? 1 : popcount3(g->set.present);
	char kinds[32], ts[40];

	c->st.evicted[why] += n;
	c->st.evicted_sets[why]++;
	if (!g->done) {
		kinds_text(g->set.present, kinds, sizeof(kinds));
		if (strata_time_format_iso8601(g->set.timestamp, 9, ts, sizeof(ts)) < 0)
			snprintf(ts, sizeof(ts), "%lld", (long long)g->set.timestamp);
		strata_log(STRATA_LOG_WARN, "drill: evicted an incomplete set", "reason",
		           drill_evict_reason_name(why), "toolbox", g->set.toolbox, "tool",
		           g->set.tool, "result_id", g->set.result_id ? g->set.result_id : "-",
		           "timestamp", ts, "have", kinds);
	} else {
		strata_log(STRATA_LOG_DEBUG, "drill: dropped a processed record", "toolbox",
		           g->set.toolbox, "tool", g->set.tool, "result_id",
		           g->set.result_id ? g->set.result_id : "-");
	}
	if (c->o.on_evict)
		c->o.on_evict(&g->set, why, c->o.user);
	c->used -= n;
	if (!g->done)
		c->st.buffered -= n;
	group_destroy(c, g);
}

/* Whether something stamped at stamp is older than max at now (no overflow). */
static int older(int64_t now, int64_t stamp, int64_t max)
{
	return now > stamp && (uint64_t)now - (uint64_t)stamp > (uint64_t)max;
}

/* Free one place: the oldest processed record, else the oldest pending set
 * other than keep. Returns 0 when nothing could be evicted. */
static int evict_one(drill_correlator *c, int64_t now, const group *keep)
{
	group *g = c->done.head;

	if (g) {
		evict(c, g, DRILL_EVICT_PROCESSED);
		return 1;
	}
	for (g = c->pending.head; g && g == keep; g = g->next)
		;
	if (!g)
		return 0;
	evict(c, g,
	      older(now, g->stamp, c->o.max_age_ns) ? DRILL_EVICT_EXPIRED : DRILL_EVICT_OVERFLOW);
	return 1;
}

size_t drill_correlator_expire(drill_correlator *c, int64_t now)
{
	size_t n = 0;

	if (!c)
		return 0;
	while (c->done.head && older(now, c->done.head->stamp, c->o.max_age_ns)) {
		evict(c, c->done.head, DRILL_EVICT_PROCESSED);
		n++;
	}
	while (c->pending.head && older(now, c->pending.head->stamp, c->o.max_age_ns)) {
		evict(c, c->pending.head, DRILL_EVICT_EXPIRED);
		n++;
	}
	return n;
}

/* --- adding --------------------------------------------------------------- */

static unsigned required_kinds(const drill_correlator *c)
{
	unsigned need = KIND_BIT(DRILL_MSG_RESULT) | KIND_BIT(DRILL_MSG_TRACE);

	return c->o.require_heads ? need | KIND_BIT(DRILL_MSG_HEADS) : need;
}

static void free_payload(const drill_msg *m)
{
	if (m->payload && m->payload_free)
		m->payload_free(m->payload);
}

/* Hand g's set to *out and keep a processed record in its place. */
static int complete(drill_correlator *c, group *g, int64_t now, drill_corr_set *out)
{
	size_t n = popcount3(g->set.present);
	drill_corr_set s = g->set;
	int k;

	s.toolbox = strdup(g->set.toolbox);
	s.tool = strdup(g->set.tool);
	s.result_id = g->set.result_id ? strdup(g->set.result_id) : NULL;
	if (!s.toolbox || !s.tool || (g->set.result_id && !s.result_id)) {
		free(s.toolbox);
		free(s.tool);
		free(s.result_id);
		return strata_error_set(STRATA_ENOMEM, "correlator: out of memory");
	}
	for (k = 0; k < DRILL_MSG_KINDS; k++) {
		g->set.payload[k] = NULL;
		g->set.payload_free[k] = NULL;
	}
	*out = s;
	c->st.buffered -= n;
	c->used -= n;
	list_remove(&c->pending, g);
	g->done = 1;
	g->stamp = now;
	list_append(&c->done, g);
	c->used++;
	c->st.completed++;
	return DRILL_ADD_COMPLETE;
}

/* Store m's payload in g (its slot is free). */
static void store(drill_correlator *c, group *g, const drill_msg *m)
{
	g->set.payload[m->kind] = m->payload;
	g->set.payload_free[m->kind] = m->payload_free;
	g->set.present |= KIND_BIT(m->kind);
	g->seen |= KIND_BIT(m->kind);
	if (m->kind == DRILL_MSG_RESULT)
		group_set_ts(c, g, m->timestamp);
	c->st.buffered++;
	c->used++;
}

/* m duplicates a message already in (or processed by) g. */
static int duplicate(drill_correlator *c, group *g, const drill_msg *m)
{
	c->st.duplicates++;
	if (c->o.duplicates == DRILL_DUP_ERROR) {
		free_payload(m);
		return strata_error_set(
		    STRATA_EEXIST, "duplicate %s message for %s/%s result %s (%s set)",
		    drill_msg_kind_name(m->kind), m->toolbox, m->tool,
		    m->result_id ? m->result_id : "-", g->done ? "processed" : "pending");
	}
	if (c->o.duplicates == DRILL_DUP_IGNORE || g->done) {
		free_payload(m);
		return DRILL_ADD_DUP_IGNORED;
	}
	if (g->set.payload_free[m->kind])
		g->set.payload_free[m->kind](g->set.payload[m->kind]);
	g->set.payload[m->kind] = m->payload;
	g->set.payload_free[m->kind] = m->payload_free;
	if (m->kind == DRILL_MSG_RESULT)
		group_set_ts(c, g, m->timestamp);
	c->st.replaced++;
	return DRILL_ADD_DUP_REPLACED;
}

/* The group m belongs to: by result id first, else by timestamp; NULL when
 * m starts a new set. */
static group *locate(drill_correlator *c, const drill_msg *m)
{
	found f = {NULL, NULL, 0, 0};

	if (m->result_id) {
		find_rid(c, m, &f);
		if (f.open || f.taken)
			return f.open ? f.open : f.taken;
	}
	find_ts(c, m, &f);
	return f.open ? f.open : f.taken;
}

static int check_msg(const drill_msg *m)
{
	if ((unsigned)m->kind >= DRILL_MSG_KINDS)
		return strata_error_set(STRATA_EINVAL, "correlator: invalid message kind %d",
		                        (int)m->kind);
	if (!m->toolbox || !*m->toolbox || !m->tool || !*m->tool)
		return strata_error_set(STRATA_EINVAL, "correlator: empty toolbox or tool");
	if (m->result_id && !*m->result_id)
		return strata_error_set(STRATA_EINVAL, "correlator: empty result id");
	return 0;
}

/* Put m into the existing group g (not processed, its slot is free). */
static int join(drill_correlator *c, group *g, const drill_msg *m, int64_t now, drill_corr_set *out)
{
	int rc;

	if (m->result_id && !g->set.result_id) {
		rc = group_set_rid(c, g, m->result_id);
		if (rc) {
			free_payload(m);
			return rc;
		}
	}
	if (((g->set.present | KIND_BIT(m->kind)) & required_kinds(c)) == required_kinds(c)) {
		store(c, g, m);
		return complete(c, g, now, out);
	}
	while (c->used >= c->o.max_buffer_size && evict_one(c, now, g))
		;
	store(c, g, m);
	return DRILL_ADD_BUFFERED;
}

/* Start a new group for m, making room first. */
static int start(drill_correlator *c, const drill_msg *m, int64_t now)
{
	group *g = NULL;
	int rc;

	while (c->used >= c->o.max_buffer_size && evict_one(c, now, NULL))
		;
	rc = group_new(c, m, now, &g);
	if (rc || !g) {
		free_payload(m);
		return rc ? rc : strata_error_set(STRATA_ENOMEM, "correlator: out of memory");
	}
	store(c, g, m);
	return DRILL_ADD_BUFFERED;
}

int drill_correlator_add(drill_correlator *c, const drill_msg *m, int64_t now, drill_corr_set *out)
{
	group *g;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!c || !m || !out) {
		if (m)
			free_payload(m);
		return strata_error_set(STRATA_EINVAL, "correlator: NULL argument");
	}
	rc = check_msg(m);
	if (rc) {
		free_payload(m);
		return rc;
	}
	c->st.received++;
	g = locate(c, m);
	if (!g)
		return start(c, m, now);
	if (g->seen & KIND_BIT(m->kind))
		return duplicate(c, g, m);
	if (g->done) {
		c->st.late++;
		free_payload(m);
		return DRILL_ADD_LATE;
	}
	return join(c, g, m, now, out);
}

/* --- life cycle ----------------------------------------------------------- */

static int check_options(const drill_corr_options *o)
{
	if (o->max_buffer_size < 3)
		return strata_error_set(STRATA_EINVAL,
		                        "correlator: max_buffer_size must be at least 3, got %zu",
		                        o->max_buffer_size);
	if (o->max_age_ns <= 0)
		return strata_error_set(STRATA_EINVAL, "correlator: max_age must be positive");
	if (o->time_window_ns < 0)
		return strata_error_set(STRATA_EINVAL,
		                        "correlator: time_window must not be negative");
	if ((unsigned)o->match > DRILL_MATCH_TIME_WINDOW ||
	    (unsigned)o->duplicates > DRILL_DUP_ERROR)
		return strata_error_set(STRATA_EINVAL, "correlator: invalid mode");
	return 0;
}

int drill_correlator_new(const drill_corr_options *opts, drill_correlator **out)
{
	drill_correlator *c;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return strata_error_set(STRATA_ENOMEM, "correlator: out of memory");
	if (opts)
		c->o = *opts;
	else
		drill_corr_options_default(&c->o);
	rc = check_options(&c->o);
	if (!rc)
		rc = table_init(&c->by_rid, 0);
	if (!rc)
		rc = table_init(&c->by_ts, 1);
	if (rc) {
		drill_correlator_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

static void free_list(group *g)
{
	group *nx;

	for (; g; g = nx) {
		nx = g->next;
		drill_corr_set_free(&g->set);
		free(g);
	}
}

void drill_correlator_free(drill_correlator *c)
{
	if (!c)
		return;
	free_list(c->pending.head);
	free_list(c->done.head);
	free(c->by_rid.slot);
	free(c->by_ts.slot);
	free(c);
}

void drill_correlator_stats(const drill_correlator *c, drill_corr_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	*out = c->st;
	out->pending_sets = c->pending.n;
	out->processed_records = c->done.n;
}
