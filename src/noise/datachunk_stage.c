/*
 * datachunk_stage.c - the datachunk stage (see datachunk_stage.h).
 *
 * The run: load the selection (components, timespans, existing rows) from
 * the catalog, plan the items (component x timespan) in groups of one
 * component and one day, parse each needed StationXML once, then compute
 * waves of groups on the pool and write each wave's files and rows from the
 * calling thread.
 */
#include "noise/datachunk_stage.h"

#include <complex.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "noise/catalog.h"
#include "noise/chunkfile.h"
#include "noise/datachunk.h"
#include "noise/mseed_index.h"
#include "noise/response.h"
#include "noise/stationxml.h"
#include "strata/error.h"
#include "strata/log.h"
#include "strata/progress.h"
#include "strata/time.h"
#include "strata/workers.h"

#define NS_PER_DAY ((strata_time)86400 * STRATA_NS_PER_SEC)

/* One indexed segment of a component, with its file. */
typedef struct seg_ref {
	char *path;
	noise_mseed_segment seg;
} seg_ref;

/* A parsed StationXML file, shared by the components that name it. */
typedef struct inv_entry {
	char *path;
	struct sx_inventory inv;
	char *error; /* why it could not be parsed; NULL when inv is good */
} inv_entry;

typedef struct stage_component {
	char id[37], device_id[37];
	char network[16], station[16], component[8];
	char *inventory_path;
	seg_ref *segs; /* sorted by start */
	size_t nsegs;
	const inv_entry *inv; /* set when the response is removed */
} stage_component;

typedef noise_selected_timespan stage_timespan;

enum item_status { ITEM_PENDING, ITEM_DONE, ITEM_NO_DATA, ITEM_FAILED };

/* One component x timespan to compute; the chunk lives until written. */
typedef struct stage_item {
	size_t comp, ts;
	enum item_status status;
	char *message; /* why there is no chunk (malloc'd) */
	char location[11], channel[11];
	noise_datachunk chunk;
} stage_item;

/* Items [first, first + n) share one component and one start day. */
typedef struct stage_group {
	size_t comp, first, n;
} stage_group;

/* A row waiting for its batch's transaction. */
typedef struct pending_row {
	size_t comp, ts, npts, padded_npts;
	double fs;
	strata_time start;
	char *path;
} pending_row;

typedef struct stage_run {
	strata_db *db;
	const noise_stage_opts *o;
	noise_datachunk_params params;
	char params_id[37];
	stage_component *comps;
	size_t ncomps;
	stage_timespan *ts;
	size_t nts;
	stage_item *items;
	size_t nitems;
	stage_group *groups;
	size_t ngroups;
	inv_entry *invs;
	size_t ninvs;
	const noise_datachunk_dist *dist;
	size_t *mine; /* the groups this process computes */
	size_t nmine, nmine_items;
	size_t wave_first; /* first of mine in the wave on the pool */
	pending_row *rows;
	size_t nrows;
	int64_t *out; /* rank > 0: the finished rows for rank 0 (ROW_WORDS each) */
	size_t nout, out_cap;
	noise_stage_summary *summary;
	strata_progress *progress;
} stage_run;

/* "NET.STA.C" of a component, for messages. */
static void component_key(const stage_component *c, char *out, size_t len)
{
	snprintf(out, len, "%s.%s.%s", c->network, c->station, c->component);
}

/* --- loading the selection ------------------------------------------------ */

/* Read one component row (see load_components' query) into c. */
static int read_component(strata_db_stmt *st, stage_component *c)
{
	memset(c, 0, sizeof(*c));
	noise_column_copy(st, 0, c->id, sizeof c->id);
	noise_column_copy(st, 1, c->device_id, sizeof c->device_id);
	noise_column_copy(st, 2, c->network, sizeof c->network);
	noise_column_copy(st, 3, c->station, sizeof c->station);
	noise_column_copy(st, 4, c->component, sizeof c->component);
	c->inventory_path =
	    strdup(strata_db_column_text(st, 5) ? strata_db_column_text(st, 5) : "");
	if (!c->inventory_path)
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	return 0;
}

/* The selected components, ordered by network, station, component. */
static int load_components(stage_run *r)
{
	strata_db_stmt *st = NULL;
	size_t cap = 0;
	int rc = strata_db_prepare(r->db,
	                           "SELECT id, device_id, network, station, component, "
	                           "inventory_path FROM component "
	                           "ORDER BY network, station, component",
	                           &st);

	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		stage_component c;
		rc = read_component(st, &c);
		if (!rc &&
		    !noise_selection_has_component(&r->o->sel, c.network, c.station, c.component)) {
			free(c.inventory_path);
			continue;
		}
		stage_component *more = rc ? NULL : noise_grow(r->comps, &cap, r->ncomps, sizeof c);
		if (!more) {
			free(c.inventory_path);
			rc = rc ? rc : STRATA_ENOMEM;
			break;
		}
		r->comps = more;
		r->comps[r->ncomps++] = c;
	}
	strata_db_finalize(st);
	return rc == STRATA_DB_DONE ? 0 : rc;
}

/* An existing datachunk row of the parameter set: its key and file. */
typedef struct existing_row {
	char comp_id[37], ts_id[37];
	char *path;
} existing_row;

static int existing_cmp(const void *a, const void *b)
{
	const existing_row *x = a, *y = b;
	int c = strcmp(x->comp_id, y->comp_id);

	return c ? c : strcmp(x->ts_id, y->ts_id);
}

/* The parameter set's datachunk rows, sorted by (component, timespan). */
static int load_existing(stage_run *r, existing_row **out, size_t *n)
{
	strata_db_stmt *st = NULL;
	size_t cap = 0;
	int rc = strata_db_prepare(
	    r->db, "SELECT component_id, timespan_id, filepath FROM datachunk WHERE params_id = ?",
	    &st);

	*out = NULL;
	*n = 0;
	rc = rc ? rc : strata_db_bind_text(st, 1, r->params_id);
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		existing_row e;
		noise_column_copy(st, 0, e.comp_id, sizeof e.comp_id);
		noise_column_copy(st, 1, e.ts_id, sizeof e.ts_id);
		e.path = strdup(strata_db_column_text(st, 2) ? strata_db_column_text(st, 2) : "");
		existing_row *more = e.path ? noise_grow(*out, &cap, *n, sizeof e) : NULL;
		if (!more) {
			free(e.path);
			rc = strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
			break;
		}
		*out = more;
		more[(*n)++] = e;
		rc = 0;
	}
	strata_db_finalize(st);
	if (*n)
		qsort(*out, *n, sizeof **out, existing_cmp);
	return rc == STRATA_DB_DONE ? 0 : rc;
}

static void free_existing(existing_row *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].path);
	free(e);
}

/* Whether component c x timespan t has a row whose file is there. */
static int has_existing(const existing_row *e, size_t n, const stage_component *c,
                        const stage_timespan *t)
{
	existing_row key = {.path = NULL};
	const existing_row *hit;
	struct stat sb;

	if (!n)
		return 0;
	snprintf(key.comp_id, sizeof key.comp_id, "%s", c->id);
	snprintf(key.ts_id, sizeof key.ts_id, "%s", t->id);
	hit = bsearch(&key, e, n, sizeof *e, existing_cmp);
	return hit && stat(hit->path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Read one segment row (see load_segments' query) into s. */
static int read_segment(strata_db_stmt *st, seg_ref *s)
{
	noise_mseed_segment *m = &s->seg;

	memset(s, 0, sizeof(*s));
	s->path = strdup(strata_db_column_text(st, 0) ? strata_db_column_text(st, 0) : "");
	if (!s->path)
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	noise_column_copy(st, 1, m->network, sizeof m->network);
	noise_column_copy(st, 2, m->station, sizeof m->station);
	noise_column_copy(st, 3, m->location, sizeof m->location);
	noise_column_copy(st, 4, m->channel, sizeof m->channel);
	m->sample_rate = strata_db_column_double(st, 5);
	m->start = strata_db_column_int64(st, 6);
	m->end = strata_db_column_int64(st, 7);
	m->nsamples = strata_db_column_int64(st, 8);
	m->nrecords = strata_db_column_int64(st, 9);
	m->encoding = (int)strata_db_column_int64(st, 10);
	m->record_length = (int)strata_db_column_int64(st, 11);
	m->offset = strata_db_column_int64(st, 12);
	return 0;
}

/* The segments of component c overlapping [from, to], sorted by start. */
static int load_segments(strata_db *db, stage_component *c, strata_time from, strata_time to)
{
	strata_db_stmt *st = NULL;
	size_t cap = 0;
	int rc = strata_db_prepare(
	    db,
	    "SELECT f.path, s.network, s.station, s.location, s.channel, s.sample_rate, "
	    "s.start_ns, s.end_ns, s.nsamples, s.nrecords, s.encoding, s.record_length, "
	    "s.byte_offset FROM mseed_segment s JOIN mseed_file f ON f.id = s.file_id "
	    "WHERE s.network = ? AND s.station = ? AND s.component = ? "
	    "AND s.start_ns <= ? AND s.end_ns >= ? "
	    "ORDER BY s.start_ns, f.path, s.seq",
	    &st);

	rc = rc ? rc : strata_db_bind_text(st, 1, c->network);
	rc = rc ? rc : strata_db_bind_text(st, 2, c->station);
	rc = rc ? rc : strata_db_bind_text(st, 3, c->component);
	rc = rc ? rc : strata_db_bind_int64(st, 4, to);
	rc = rc ? rc : strata_db_bind_int64(st, 5, from);
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		seg_ref s;
		if ((rc = read_segment(st, &s)) != 0)
			break;
		seg_ref *more = noise_grow(c->segs, &cap, c->nsegs, sizeof s);
		if (!more) {
			free(s.path);
			rc = STRATA_ENOMEM;
			break;
		}
		c->segs = more;
		c->segs[c->nsegs++] = s;
	}
	strata_db_finalize(st);
	return rc == STRATA_DB_DONE ? 0 : rc;
}

/* --- planning ----------------------------------------------------------- */

/* Add the item comp x ts, opening a new group on a new component or day. */
static int plan_item(stage_run *r, size_t comp, size_t ts, size_t *item_cap, size_t *group_cap)
{
	stage_group *g = r->ngroups ? &r->groups[r->ngroups - 1] : NULL;
	strata_time day = strata_time_floor_day(r->ts[ts].start);
	stage_item *items = noise_grow(r->items, item_cap, r->nitems, sizeof(stage_item));

	if (!items)
		return STRATA_ENOMEM;
	r->items = items;
	if (!g || g->comp != comp ||
	    strata_time_floor_day(r->ts[r->items[g->first].ts].start) != day) {
		stage_group *groups =
		    noise_grow(r->groups, group_cap, r->ngroups, sizeof(stage_group));
		if (!groups)
			return STRATA_ENOMEM;
		r->groups = groups;
		g = &r->groups[r->ngroups++];
		g->comp = comp;
		g->first = r->nitems;
		g->n = 0;
	}
	memset(&r->items[r->nitems], 0, sizeof(stage_item));
	r->items[r->nitems].comp = comp;
	r->items[r->nitems].ts = ts;
	r->nitems++;
	g->n++;
	return 0;
}

/* Every selected component x timespan without a usable row (or all of them
 * without --skip-existing), in groups of one component and one day. */
static int plan(stage_run *r)
{
	existing_row *ex = NULL;
	size_t nex = 0, item_cap = 0, group_cap = 0;
	int rc = r->o->skip_existing ? load_existing(r, &ex, &nex) : 0;

	for (size_t c = 0; !rc && c < r->ncomps; c++) {
		for (size_t t = 0; !rc && t < r->nts; t++) {
			r->summary->selected++;
			if (r->o->skip_existing && has_existing(ex, nex, &r->comps[c], &r->ts[t]))
				r->summary->existing++;
			else
				rc = plan_item(r, c, t, &item_cap, &group_cap);
		}
	}
	free_existing(ex, nex);
	return rc;
}

/* Load the segments of every component this process has items of, over
 * the span of the selected timespans. */
static int load_all_segments(stage_run *r)
{
	strata_time from, to;
	int rc = 0;

	if (!r->nmine)
		return 0;
	from = r->ts[0].start;
	to = r->ts[0].end;
	for (size_t t = 1; t < r->nts; t++)
		if (r->ts[t].end > to)
			to = r->ts[t].end;
	for (size_t k = 0; !rc && k < r->nmine; k++) {
		size_t comp = r->groups[r->mine[k]].comp;
		if (k > 0 && r->groups[r->mine[k - 1]].comp == comp)
			continue; /* mine is in group order: a component's groups are together */
		rc = load_segments(r->db, &r->comps[comp], from, to);
	}
	return rc;
}

/* --- inventories and responses ------------------------------------------- */

/* The inventory entry of path, parsed on first use. */
static int inventory_for(stage_run *r, const char *path, const inv_entry **out)
{
	size_t i;
	inv_entry *e;
	int rc;

	for (i = 0; i < r->ninvs; i++) {
		if (!strcmp(r->invs[i].path, path)) {
			*out = &r->invs[i];
			return 0;
		}
	}
	e = realloc(r->invs, (r->ninvs + 1) * sizeof(*e));
	if (!e)
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	r->invs = e;
	e = &r->invs[r->ninvs];
	memset(e, 0, sizeof(*e));
	if (!(e->path = strdup(path)))
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	r->ninvs++;
	rc = sx_parse_file(path, &e->inv);
	if (rc && !(e->error = strdup(strata_error_message())))
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	*out = e;
	return 0;
}

/* Whether the parameters use the instrument response: to remove it, or
 * response_constant_coefficient = 0 (divide by the sensitivity). */
static int needs_response(const noise_datachunk_params *p)
{
	return p->remove_response ||
	       (p->has_response_constant_coefficient && p->response_constant_coefficient == 0.0);
}

/* Parse the StationXML of every component this process has items of (when
 * the response is used); the pointers stay valid once all are parsed. */
static int load_inventories(stage_run *r)
{
	int rc = 0;

	if (!needs_response(&r->params))
		return 0;
	for (size_t k = 0; !rc && k < r->nmine; k++) {
		const inv_entry *e = NULL;
		rc = inventory_for(r, r->comps[r->groups[r->mine[k]].comp].inventory_path, &e);
	}
	for (size_t k = 0; !rc && k < r->nmine; k++) {
		const inv_entry *e = NULL;
		stage_component *c = &r->comps[r->groups[r->mine[k]].comp];
		rc = inventory_for(r, c->inventory_path, &e);
		c->inv = e;
	}
	return rc;
}

/*
 * The last response evaluated by a worker: the windows of one channel epoch
 * ask for it at the same frequencies (same length, same rate), and its
 * evaluation (FIR stages at tens of thousands of frequencies) costs as much
 * as the rest of a chunk.
 */
typedef struct resp_cache {
	const struct sx_response *resp; /* the response to evaluate next */
	const struct sx_response *for_resp;
	double *freqs;
	double complex *h;
	size_t n;
} resp_cache;

/* Keep freqs and h (n values) as the cached evaluation of c->resp. */
static void resp_cache_store(resp_cache *c, const double *freqs, const double complex *h, size_t n)
{
	double *f;
	double complex *v;

	if (n == 0)
		return;
	f = realloc(c->freqs, n * sizeof(*f));
	v = f ? realloc(c->h, n * sizeof(*v)) : NULL;
	if (f)
		c->freqs = f;
	if (!f || !v) {
		c->n = 0; /* no cache: evaluated again next time */
		return;
	}
	c->h = v;
	memcpy(c->freqs, freqs, n * sizeof(*f));
	memcpy(c->h, h, n * sizeof(*v));
	c->n = n;
	c->for_resp = c->resp;
}

/* dsp_response_fn over a StationXML response in velocity, through the
 * cache: bit for bit the same values as evaluating again. */
static int velocity_response(void *ctx, const double *freqs, size_t n, double complex *h)
{
	resp_cache *c = ctx;
	int rc;

	if (c->n == n && c->for_resp == c->resp && n &&
	    memcmp(c->freqs, freqs, n * sizeof(*freqs)) == 0) {
		memcpy(h, c->h, n * sizeof(*h));
		return 0;
	}
	rc = resp_evaluate(c->resp, freqs, n, RESP_UNITS_VEL, h);
	if (!rc)
		resp_cache_store(c, freqs, h, n);
	return rc;
}

/* The response of item it's channel, or an error naming the inventory. */
static int item_response(const stage_component *c, const stage_item *it, strata_time t,
                         const struct sx_response **out)
{
	const struct sx_channel *ch;

	*out = NULL;
	if (!c->inv)
		return strata_error_set(STRATA_ENOTFOUND, "%s: no inventory", c->inventory_path);
	if (c->inv->error)
		return strata_error_set(STRATA_EPARSE, "%s", c->inv->error);
	ch = sx_find_channel(&c->inv->inv, c->network, c->station, it->location, it->channel, t);
	if (!ch || !ch->has_response) {
		char when[40];
		strata_time_format_iso8601(t, 3, when, sizeof when);
		return strata_error_set(STRATA_ENOTFOUND, "%s: %s.%s.%s.%s at %s: %s",
		                        c->inventory_path, c->network, c->station, it->location,
		                        it->channel, when,
		                        ch ? "channel has no response" : "no channel epoch");
	}
	*out = &ch->response;
	return 0;
}

/* --- computing a group (on a worker) ------------------------------------- */

/* What a worker keeps while computing one group: the component's segments
 * decoded on demand, and the last response evaluated. */
typedef struct decoded {
	double **x;    /* per segment of the component; NULL until decoded */
	size_t *n;     /* samples decoded */
	char **errors; /* the decode error of a segment, if any */
	resp_cache resp;
} decoded;

/* Whether segment s has samples in [start, end). */
static int overlaps(const noise_mseed_segment *s, strata_time start, strata_time end)
{
	return s->start < end && s->end >= start;
}

/* Nanoseconds of segment s inside [start, end). */
static strata_time overlap_ns(const noise_mseed_segment *s, strata_time start, strata_time end)
{
	strata_time a = s->start > start ? s->start : start;
	strata_time b = s->end < end ? s->end : end;

	return b > a ? b - a : 0;
}

/* Whether segment s is of location.channel. */
static int is_channel(const noise_mseed_segment *s, const char *location, const char *channel)
{
	return strcmp(s->location, location) == 0 && strcmp(s->channel, channel) == 0;
}

static int same_channel(const noise_mseed_segment *a, const noise_mseed_segment *b)
{
	return is_channel(a, b->location, b->channel);
}

/*
 * Pick the channel (location + code) of c with the most data in [start,
 * end) into it->location/channel: several location codes or band codes can
 * share one component letter. Ties go to the first in (start, path) order.
 * 0 when no segment overlaps.
 */
static int choose_channel(const stage_component *c, strata_time start, strata_time end,
                          stage_item *it)
{
	const noise_mseed_segment *best = NULL;
	strata_time best_ns = -1;

	for (size_t i = 0; i < c->nsegs; i++) {
		const noise_mseed_segment *s = &c->segs[i].seg;
		strata_time total = 0;
		int seen = 0;
		if (!overlaps(s, start, end))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = overlaps(&c->segs[j].seg, start, end) &&
			       same_channel(&c->segs[j].seg, s);
		if (seen)
			continue;
		for (size_t j = i; j < c->nsegs; j++)
			if (same_channel(&c->segs[j].seg, s))
				total += overlap_ns(&c->segs[j].seg, start, end);
		if (total > best_ns) {
			best = s;
			best_ns = total;
		}
	}
	if (!best)
		return 0;
	snprintf(it->location, sizeof it->location, "%s", best->location);
	snprintf(it->channel, sizeof it->channel, "%s", best->channel);
	return 1;
}

/* Decode segment i of c into d once; the error text is kept for every
 * window that needs it. */
static int decode_segment(const stage_component *c, size_t i, decoded *d)
{
	if (d->x[i])
		return 0;
	if (d->errors[i])
		return strata_error_set(STRATA_EPARSE, "%s", d->errors[i]);
	int rc = noise_mseed_read_samples(c->segs[i].path, &c->segs[i].seg, &d->x[i], &d->n[i]);
	if (rc && !(d->errors[i] = strdup(strata_error_message())))
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	return rc;
}

/* The raw segments of it's channel overlapping [start, end), decoded, into
 * raw (c->nsegs entries); *n gets their count. */
static int gather_raw(const stage_component *c, const stage_item *it, strata_time start,
                      strata_time end, decoded *d, noise_raw_segment *raw, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < c->nsegs; i++) {
		const noise_mseed_segment *s = &c->segs[i].seg;
		int rc;
		if (!overlaps(s, start, end) || !is_channel(s, it->location, it->channel))
			continue;
		if ((rc = decode_segment(c, i, d)) != 0)
			return rc;
		raw[*n] = (noise_raw_segment){s->start, s->sample_rate, d->x[i], d->n[i]};
		(*n)++;
	}
	return 0;
}

/* Keep the current error as it's message, prefixed with its key. */
static void item_fail(const stage_component *c, const stage_timespan *t, stage_item *it,
                      enum item_status status)
{
	char key[64], when[40], *msg = NULL;
	const char *err = strata_error_message();
	size_t len;

	component_key(c, key, sizeof key);
	strata_time_format_iso8601(t->start, 0, when, sizeof when);
	len = strlen(key) + strlen(when) + strlen(err) + 8;
	msg = malloc(len);
	if (msg)
		snprintf(msg, len, "%s %s: %s", key, when, err);
	it->status = status;
	it->message = msg;
}

/* Compute one item: channel, samples, response, chunk. */
static void compute_item(const stage_run *r, decoded *d, noise_raw_segment *raw, stage_item *it)
{
	const stage_component *c = &r->comps[it->comp];
	const stage_timespan *t = &r->ts[it->ts];
	const struct sx_response *resp = NULL;
	size_t nraw = 0;
	int rc;

	if (!choose_channel(c, t->start, t->end, it)) {
		strata_error_set(STRATA_ENOTFOUND, "no indexed data in the window");
		item_fail(c, t, it, ITEM_NO_DATA);
		return;
	}
	/* unreadable data or a missing response fail the item */
	rc = gather_raw(c, it, t->start, t->end, d, raw, &nraw);
	if (!rc && needs_response(&r->params))
		rc = item_response(c, it, t->start, &resp);
	if (rc) {
		item_fail(c, t, it, ITEM_FAILED);
		return;
	}
	/* the contract: STRATA_ENOTFOUND when the data make no chunk */
	d->resp.resp = resp;
	rc = noise_datachunk_prepare_sens(
	    &r->params, t->start, t->end, raw, nraw, resp ? velocity_response : NULL, &d->resp,
	    resp && resp->has_sensitivity ? resp->sensitivity : NAN, &it->chunk);
	if (rc)
		item_fail(c, t, it, rc == STRATA_ENOTFOUND ? ITEM_NO_DATA : ITEM_FAILED);
	else
		it->status = ITEM_DONE;
}

static void decoded_free(decoded *d, size_t n)
{
	for (size_t i = 0; d->x && i < n; i++)
		free(d->x[i]);
	for (size_t i = 0; d->errors && i < n; i++)
		free(d->errors[i]);
	free(d->resp.freqs);
	free(d->resp.h);
	free(d->x);
	free(d->n);
	free(d->errors);
}

/* strata_work_fn: compute every item of group mine[wave_first + i]. Item
 * problems stay in the items; only running out of memory fails the group. */
static int compute_group(size_t i, void *arg)
{
	const stage_run *r = arg;
	const stage_group *g = &r->groups[r->mine[r->wave_first + i]];
	const stage_component *c = &r->comps[g->comp];
	size_t nseg = c->nsegs ? c->nsegs : 1;
	decoded d = {.x = calloc(nseg, sizeof(double *)),
	             .n = calloc(nseg, sizeof(size_t)),
	             .errors = calloc(nseg, sizeof(char *))};
	noise_raw_segment *raw = calloc(nseg, sizeof(*raw));
	int rc = 0;

	if (d.x && d.n && d.errors && raw) {
		for (size_t k = 0; k < g->n; k++)
			compute_item(r, &d, raw, &r->items[g->first + k]);
	} else {
		rc = strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	}
	decoded_free(&d, c->nsegs);
	free(raw);
	return rc;
}

/* --- writing (calling thread) --------------------------------------------- */

/* Whether code is safe as one path element: [A-Za-z0-9_-]+. */
static int safe_code(const char *code)
{
	if (!*code)
		return 0;
	for (const char *p = code; *p; p++) {
		char ch = *p;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* "HHMMSS" of t, with "_NNNNNNNNN" nanoseconds when not whole seconds. */
static void format_hms(strata_time t, char *out, size_t len)
{
	strata_civil cv;

	strata_time_to_civil(t, &cv);
	if (cv.nanosecond)
		snprintf(out, len, "%02d%02d%02d_%09d", cv.hour, cv.minute, cv.second,
		         cv.nanosecond);
	else
		snprintf(out, len, "%02d%02d%02d", cv.hour, cv.minute, cv.second);
}

/* The window length in seconds, with "_NNNNNNNNN" when not whole. */
static void format_length(strata_time start, strata_time end, char *out, size_t len)
{
	long long d = (long long)(end - start);

	if (d % STRATA_NS_PER_SEC)
		snprintf(out, len, "%lld_%09lld", d / STRATA_NS_PER_SEC, d % STRATA_NS_PER_SEC);
	else
		snprintf(out, len, "%lld", d / STRATA_NS_PER_SEC);
}

int noise_datachunk_path(const char *processed_dir, long long params_number, const char *network,
                         const char *station, const char *component, strata_time start,
                         strata_time end, char *out, size_t outlen)
{
	char hms[32], length[48];
	int year, doy, n;

	if (!safe_code(network) || !safe_code(station) || !safe_code(component))
		return strata_error_set(STRATA_EINVAL,
		                        "component '%s.%s.%s': codes unusable in a file name",
		                        network, station, component);
	if (end <= start)
		return strata_error_set(STRATA_EINVAL, "timespan: end not after start");
	strata_time_to_year_doy(start, &year, &doy);
	format_hms(start, hms, sizeof hms);
	format_length(start, end, length, sizeof length);
	n = snprintf(out, outlen, "%s/datachunk/%lld/%04d/%s/%s/%s/%03d/%s.%s.%s.%04d.%03d.%s.%s",
	             processed_dir, params_number, year, network, station, component, doy, network,
	             station, component, year, doy, hms, length);
	if (n < 0 || (size_t)n >= outlen)
		return strata_error_set(STRATA_ELIMIT, "%s: datachunk path too long",
		                        processed_dir);
	return 0;
}

/* What upsert_rows binds: the run's pending rows, all with one created_at. */
typedef struct upsert_ctx {
	const stage_run *r;
	strata_time now;
} upsert_ctx;

/* noise_bind_row_fn: pending row i. */
static int bind_pending_row(strata_db_stmt *st, size_t i, void *ctx)
{
	const upsert_ctx *u = ctx;
	const pending_row *p = &u->r->rows[i];
	const stage_component *c = &u->r->comps[p->comp];
	int rc = strata_db_bind_text(st, 2, u->r->params_id);

	rc = rc ? rc : strata_db_bind_text(st, 3, c->id);
	rc = rc ? rc : strata_db_bind_text(st, 4, u->r->ts[p->ts].id);
	rc = rc ? rc : strata_db_bind_text(st, 5, *c->device_id ? c->device_id : NULL);
	rc = rc ? rc : strata_db_bind_double(st, 6, p->fs);
	rc = rc ? rc : strata_db_bind_int64(st, 7, (int64_t)p->npts);
	rc = rc ? rc : strata_db_bind_int64(st, 8, (int64_t)p->padded_npts);
	rc = rc ? rc : strata_db_bind_int64(st, 9, p->start);
	rc = rc ? rc : strata_db_bind_text(st, 10, p->path);
	return rc ? rc : strata_db_bind_int64(st, 11, u->now);
}

/* strata_db_transaction body: upsert the pending rows. */
static int upsert_rows(strata_db *db, void *arg)
{
	static const char sql[] =
	    "INSERT INTO datachunk (id, params_id, component_id, timespan_id, device_id, "
	    "sampling_rate, npts, padded_npts, starttime_ns, filepath, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (timespan_id, component_id, params_id) DO UPDATE SET "
	    "device_id = excluded.device_id, sampling_rate = excluded.sampling_rate, "
	    "npts = excluded.npts, padded_npts = excluded.padded_npts, "
	    "starttime_ns = excluded.starttime_ns, filepath = excluded.filepath, "
	    "created_at = excluded.created_at";
	upsert_ctx u = {arg, strata_time_now()};

	return noise_upsert_each(db, sql, u.r->nrows, bind_pending_row, &u);
}

/* Commit the pending rows in one transaction; they count as done. */
static int flush_rows(stage_run *r)
{
	int rc = r->nrows ? strata_db_transaction(r->db, upsert_rows, r, 0) : 0;

	if (!rc)
		r->summary->done += r->nrows;
	for (size_t i = 0; i < r->nrows; i++)
		free(r->rows[i].path);
	r->nrows = 0;
	return rc;
}

/* Words of one row sent to rank 0: component and timespan indexes, npts,
 * padded_npts, start, sampling rate (the double's bits). */
#define ROW_WORDS 6

/* Rank > 0: keep the row of a written item for rank 0. */
static int queue_for_rank0(stage_run *r, const stage_item *it)
{
	int64_t *w;
	double fs = it->chunk.fs;

	if (r->nout + ROW_WORDS > r->out_cap) {
		size_t cap = r->out_cap ? 2 * r->out_cap : 64 * ROW_WORDS;
		int64_t *more = realloc(r->out, cap * sizeof(*more));
		if (!more)
			return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
		r->out = more;
		r->out_cap = cap;
	}
	w = r->out + r->nout;
	w[0] = (int64_t)it->comp;
	w[1] = (int64_t)it->ts;
	w[2] = (int64_t)it->chunk.n;
	w[3] = (int64_t)it->chunk.padded_npts;
	w[4] = it->chunk.start;
	memcpy(&w[5], &fs, sizeof fs);
	r->nout += ROW_WORDS;
	return 0;
}

/* Write the chunk file of a computed item; queue its row. 0, or an item
 * error (already logged and counted) as 1, or a fatal error. */
static int write_item(stage_run *r, stage_item *it)
{
	const stage_component *c = &r->comps[it->comp];
	const stage_timespan *t = &r->ts[it->ts];
	char path[PATH_MAX];
	pending_row *p;
	int rc =
	    noise_datachunk_path(r->o->processed_dir, r->o->params_number, c->network, c->station,
	                         c->component, t->start, t->end, path, sizeof path);

	rc = rc ? rc
	        : noise_chunkfile_write(path, c->network, c->station, it->location, it->channel,
	                                &it->chunk);
	if (rc) {
		item_fail(c, t, it, ITEM_FAILED);
		return 1;
	}
	if (r->dist->rank != 0)
		return queue_for_rank0(r, it);
	p = &r->rows[r->nrows];
	*p = (pending_row){it->comp,     it->ts,          it->chunk.n, it->chunk.padded_npts,
	                   it->chunk.fs, it->chunk.start, strdup(path)};
	if (!p->path)
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	r->nrows++;
	return r->nrows >= r->o->batch_size ? flush_rows(r) : 0;
}

/* Log and count an item without a chunk. */
static void report_item(stage_run *r, const stage_item *it)
{
	const char *msg = it->message ? it->message : "out of memory";

	if (it->status == ITEM_NO_DATA) {
		r->summary->no_data++;
		strata_log(STRATA_LOG_INFO, "no datachunk", "reason", msg);
	} else {
		r->summary->failed++;
		strata_log(STRATA_LOG_ERROR, "datachunk failed", "error", msg);
	}
}

/* Write or report every item of groups [first, last), in order. */
static int write_wave(stage_run *r, size_t first, size_t last)
{
	int rc = 0;

	for (size_t g = first; !rc && g < last; g++) {
		const stage_group *gr = &r->groups[r->mine[g]];
		for (size_t k = 0; !rc && k < gr->n; k++) {
			stage_item *it = &r->items[gr->first + k];
			if (it->status == ITEM_DONE && (rc = write_item(r, it)) == 1)
				rc = 0;
			if (it->status != ITEM_DONE)
				report_item(r, it);
			noise_datachunk_free(&it->chunk);
			free(it->message);
			it->message = NULL;
		}
		strata_progress_add(r->progress, gr->n);
	}
	return rc;
}

/* Compute and write every group, a wave of groups at a time. */
static int run_waves(stage_run *r, strata_workers *w)
{
	size_t wave = 2 * (size_t)strata_workers_count(w);
	int rc = 0;

	for (size_t first = 0; !rc && first < r->nmine; first += wave) {
		size_t last = first + wave < r->nmine ? first + wave : r->nmine;
		r->wave_first = first;
		rc = strata_workers_for(w, last - first, compute_group, r);
		if (!rc)
			rc = write_wave(r, first, last);
	}
	return rc;
}

/* --- sharing the work between processes (MPI) ------------------------------ */

/* The groups of this process: g % size == rank. */
static int pick_mine(stage_run *r)
{
	size_t size = (size_t)r->dist->size, rank = (size_t)r->dist->rank;

	r->mine = calloc(r->ngroups ? r->ngroups : 1, sizeof(*r->mine));
	if (!r->mine)
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	for (size_t g = rank; g < r->ngroups; g += size) {
		r->mine[r->nmine++] = g;
		r->nmine_items += r->groups[g].n;
	}
	return 0;
}

/* Rank > 0: send the counts and the rows of the written files to rank 0. */
static int send_results(stage_run *r)
{
	size_t len = (3 + r->nout) * sizeof(int64_t);
	int64_t *buf = malloc(len);
	int rc;

	if (!buf)
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	buf[0] = (int64_t)r->summary->no_data;
	buf[1] = (int64_t)r->summary->failed;
	buf[2] = (int64_t)(r->nout / ROW_WORDS);
	if (r->nout)
		memcpy(buf + 3, r->out, r->nout * sizeof(int64_t));
	rc = r->dist->send(r->dist->ctx, buf, len);
	free(buf);
	return rc;
}

/* Rank 0: queue one row received from another process. */
static int take_row(stage_run *r, const int64_t *w, int from)
{
	pending_row *p;
	const stage_component *c;
	const stage_timespan *t;
	char path[PATH_MAX];
	int rc;

	if (w[0] < 0 || (size_t)w[0] >= r->ncomps || w[1] < 0 || (size_t)w[1] >= r->nts ||
	    w[2] < 0 || w[3] < 0)
		return strata_error_set(STRATA_EPARSE, "MPI rank %d: row out of range", from);
	c = &r->comps[w[0]];
	t = &r->ts[w[1]];
	rc = noise_datachunk_path(r->o->processed_dir, r->o->params_number, c->network, c->station,
	                          c->component, t->start, t->end, path, sizeof path);
	if (rc)
		return rc;
	p = &r->rows[r->nrows];
	*p = (pending_row){(size_t)w[0], (size_t)w[1], (size_t)w[2], (size_t)w[3],
	                   0.0,          w[4],         strdup(path)};
	memcpy(&p->fs, &w[5], sizeof p->fs);
	if (!p->path)
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	r->nrows++;
	return r->nrows >= r->o->batch_size ? flush_rows(r) : 0;
}

/* Rank 0: receive process from's counts and rows and write the rows. */
static int receive_results(stage_run *r, int from)
{
	void *data = NULL;
	size_t len = 0, nrows;
	const int64_t *w;
	int rc = r->dist->recv(r->dist->ctx, from, &data, &len);

	w = data;
	if (!rc && (len < 3 * sizeof(int64_t) || len % sizeof(int64_t) || w[0] < 0 || w[1] < 0 ||
	            w[2] < 0 || (size_t)w[2] != (len / sizeof(int64_t) - 3) / ROW_WORDS ||
	            (len / sizeof(int64_t) - 3) % ROW_WORDS))
		rc = strata_error_set(STRATA_EPARSE, "MPI rank %d: malformed results (%zu bytes)",
		                      from, len);
	if (!rc) {
		r->summary->no_data += (size_t)w[0];
		r->summary->failed += (size_t)w[1];
		nrows = (size_t)w[2];
		for (size_t i = 0; !rc && i < nrows; i++)
			rc = take_row(r, w + 3 + i * ROW_WORDS, from);
	}
	free(data);
	return rc;
}

/* After this process's groups: the other ranks' rows to rank 0, which
 * commits every remaining row. */
static int gather_results(stage_run *r)
{
	int rc = 0;

	if (r->dist->rank != 0)
		return send_results(r);
	for (int from = 1; !rc && from < r->dist->size; from++)
		rc = receive_results(r, from);
	return rc ? rc : flush_rows(r);
}

/* --- the run --------------------------------------------------------------- */

static void stage_run_free(stage_run *r)
{
	for (size_t c = 0; c < r->ncomps; c++) {
		for (size_t s = 0; s < r->comps[c].nsegs; s++)
			free(r->comps[c].segs[s].path);
		free(r->comps[c].segs);
		free(r->comps[c].inventory_path);
	}
	for (size_t i = 0; i < r->nitems; i++) {
		noise_datachunk_free(&r->items[i].chunk);
		free(r->items[i].message);
	}
	for (size_t i = 0; i < r->ninvs; i++) {
		sx_inventory_free(&r->invs[i].inv);
		free(r->invs[i].path);
		free(r->invs[i].error);
	}
	free(r->invs);
	free(r->mine);
	free(r->out);
	free(r->comps);
	free(r->ts);
	free(r->items);
	free(r->groups);
}

/* The parameter set: its row id and parsed values. */
static int load_params(stage_run *r)
{
	char *json = NULL;
	int rc = noise_params_lookup(r->db, NOISE_DATACHUNK_PARAMS_KIND, r->o->params_number,
	                             r->params_id, &json);

	if (!rc && (rc = noise_datachunk_params_parse(json, &r->params)) != 0)
		rc = strata_error_wrap(rc, "%s %lld", NOISE_DATACHUNK_PARAMS_KIND,
		                       r->o->params_number);
	free(json);
	return rc;
}

/* Compute this process's groups, then gather the rows (rank 0 writes them). */
static int compute_and_write(stage_run *r)
{
	strata_workers *w = NULL;
	int rc = 0;

	if (r->o->batch_size == 0)
		return strata_error_set(STRATA_EINVAL, "datachunk stage: batch size 0");
	r->rows = calloc(r->o->batch_size, sizeof(*r->rows));
	if (!r->rows)
		return strata_error_set(STRATA_ENOMEM, "datachunk stage: out of memory");
	if (r->nmine && !(rc = strata_workers_create(r->o->workers, &w))) {
		if (r->dist->rank == 0) {
			r->progress = strata_progress_start("prepare-datachunks",
			                                    r->summary->existing + r->nmine_items);
			strata_progress_add(r->progress, r->summary->existing);
		}
		rc = run_waves(r, w);
		strata_progress_finish(r->progress);
		strata_workers_destroy(w);
	}
	if (!rc)
		rc = gather_results(r);
	for (size_t i = 0; i < r->nrows; i++)
		free(r->rows[i].path);
	free(r->rows);
	return rc;
}

int noise_datachunk_stage_run_dist(strata_db *db, const noise_stage_opts *o,
                                   const noise_datachunk_dist *dist, noise_stage_summary *summary)
{
	static const noise_datachunk_dist alone = {.rank = 0, .size = 1};
	stage_run r = {.db = db, .o = o, .summary = summary, .dist = dist ? dist : &alone};
	int rc;

	memset(summary, 0, sizeof(*summary));
	if (r.dist->size < 1 || r.dist->rank < 0 || r.dist->rank >= r.dist->size ||
	    (r.dist->size > 1 && (!r.dist->barrier || !r.dist->send || !r.dist->recv)))
		return strata_error_set(STRATA_EINVAL, "datachunk stage: bad process layout");
	rc = load_params(&r);
	rc = rc ? rc : load_components(&r);
	rc = rc ? rc : noise_selected_timespans_load(r.db, &r.o->sel, &r.ts, &r.nts);
	rc = rc ? rc : plan(&r);
	/* every process has read the catalog before rank 0 writes to it */
	if (!rc && r.dist->size > 1)
		rc = r.dist->barrier(r.dist->ctx);
	rc = rc ? rc : pick_mine(&r);
	rc = rc ? rc : load_all_segments(&r);
	rc = rc ? rc : load_inventories(&r);
	rc = rc ? rc : compute_and_write(&r);
	stage_run_free(&r);
	return rc;
}

int noise_datachunk_stage_run(strata_db *db, const noise_stage_opts *o,
                              noise_stage_summary *summary)
{
	return noise_datachunk_stage_run_dist(db, o, NULL, summary);
}
