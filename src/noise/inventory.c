/*
 * inventory.c - devices and components from StationXML; component pairs.
 */
#include "noise/inventory.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise/catalog.h"
#include "noise/geo.h"
#include "noise/stationxml.h"
#include "strata/error.h"
#include "strata/time.h"

#define CHANNELS_MAX 256 /* bytes of the comma-separated channel codes */

/* One component being assembled from the inventory's station epochs. */
typedef struct comp_acc {
	char network[16], station[16], component[2];
	char channels[CHANNELS_MAX];
	double lat, lon, elevation;
	strata_time start, end, position_from; /* end SX_TIME_OPEN: open */
} comp_acc;

typedef struct comp_list {
	comp_acc *items;
	size_t n, cap;
} comp_list;

/* Noiz's component start: the station's start date, else the earliest
 * channel start. */
static strata_time station_start(const struct sx_station *sta)
{
	strata_time t = sta->start;

	if (t != 0 || !sta->nchannels)
		return t;
	t = sta->channels[0].start;
	for (size_t i = 1; i < sta->nchannels; i++)
		if (sta->channels[i].start < t)
			t = sta->channels[i].start;
	return t;
}

/* Noiz's component end: the station's end date, else the latest channel
 * end (open when any channel is open). */
static strata_time station_end(const struct sx_station *sta)
{
	strata_time t;

	if (sta->end != SX_TIME_OPEN || !sta->nchannels)
		return sta->end;
	t = sta->channels[0].end;
	for (size_t i = 1; i < sta->nchannels; i++)
		if (sta->channels[i].end > t)
			t = sta->channels[i].end;
	return t;
}

static comp_acc *comp_find(comp_list *l, const char *net, const char *sta, const char *comp)
{
	for (size_t i = 0; i < l->n; i++) {
		comp_acc *c = &l->items[i];
		if (!strcmp(c->network, net) && !strcmp(c->station, sta) &&
		    !strcmp(c->component, comp))
			return c;
	}
	return NULL;
}

/* Add channel code to c's list unless present. */
static int add_channel_code(comp_acc *c, const char *code)
{
	size_t len = strlen(c->channels), n = strlen(code);
	const char *p = c->channels;

	while ((p = strstr(p, code)) != NULL) {
		if ((p == c->channels || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 0;
		p += n;
	}
	if (len + n + 2 > sizeof c->channels)
		return strata_error_set(STRATA_ELIMIT, "%s.%s: too many channel codes", c->network,
		                        c->station);
	snprintf(c->channels + len, sizeof c->channels - len, "%s%s", len ? "," : "", code);
	return 0;
}

/* Fold one channel of a station epoch into its component. */
static int add_channel(comp_list *l, const struct sx_network *net, const struct sx_station *sta,
                       const struct sx_channel *ch)
{
	size_t len = strlen(ch->code);
	char comp[2] = {len ? ch->code[len - 1] : '\0', '\0'};
	strata_time start = station_start(sta), end = station_end(sta);
	comp_acc *c;

	if (!len)
		return strata_error_set(STRATA_ESCHEMA, "%s.%s: channel without a code", net->code,
		                        sta->code);
	c = comp_find(l, net->code, sta->code, comp);
	if (!c) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 16;
			comp_acc *p = realloc(l->items, cap * sizeof(*p));
			if (!p)
				return strata_error_set(STRATA_ENOMEM, "inventory: out of memory");
			l->items = p;
			l->cap = cap;
		}
		c = &l->items[l->n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->network, sizeof c->network, "%s", net->code);
		snprintf(c->station, sizeof c->station, "%s", sta->code);
		memcpy(c->component, comp, 2);
		c->start = start;
		c->end = end;
		c->position_from = INT64_MIN;
	}
	if (start < c->start)
		c->start = start;
	if (end > c->end)
		c->end = end;
	if (sta->start >= c->position_from) { /* the latest epoch gives the position */
		c->position_from = sta->start;
		c->lat = sta->latitude;
		c->lon = sta->longitude;
		c->elevation = sta->elevation;
	}
	return add_channel_code(c, ch->code);
}

static int collect_components(const struct sx_inventory *inv, comp_list *l,
                              noise_inventory_summary *s)
{
	int rc = 0;

	s->networks = inv->nnetworks;
	for (size_t i = 0; !rc && i < inv->nnetworks; i++) {
		const struct sx_network *net = &inv->networks[i];
		s->stations += net->nstations;
		for (size_t k = 0; !rc && k < net->nstations; k++) {
			const struct sx_station *sta = &net->stations[k];
			s->channels += sta->nchannels;
			for (size_t c = 0; !rc && c < sta->nchannels; c++)
				rc = add_channel(l, net, sta, &sta->channels[c]);
		}
	}
	return rc;
}

typedef struct inv_write {
	const comp_list *comps;
	const char *path;
	size_t devices;
} inv_write;

/* Upsert the device of c (keeping an existing id) and return its id. */
static int upsert_device(strata_db *db, const comp_acc *c, char device_id[37], size_t *made)
{
	static const char sql[] = "INSERT INTO device (id, network, station) VALUES (?, ?, ?) "
	                          "ON CONFLICT (network, station) DO NOTHING";
	strata_db_stmt *st = NULL;
	char id[37];
	int found = 0;
	int rc = noise_new_id(id);

	rc = rc ? rc : strata_db_prepare(db, sql, &st);
	rc = rc ? rc : strata_db_bind_text(st, 1, id);
	rc = rc ? rc : strata_db_bind_text(st, 2, c->network);
	rc = rc ? rc : strata_db_bind_text(st, 3, c->station);
	rc = rc ? rc : strata_db_step(st);
	if (rc >= 0 && strata_db_changes(st) > 0)
		(*made)++;
	strata_db_finalize(st);
	if (rc < 0)
		return rc;
	rc = noise_catalog_lookup_text(
	    db, "SELECT id FROM device WHERE network = ? AND station = ?", device_id, 37, &found,
	    c->network, c->station, (const char *)NULL);
	if (!rc && !found)
		rc = strata_error_set(STRATA_EDB, "device %s.%s: row vanished", c->network,
		                      c->station);
	return rc;
}

static int upsert_component(strata_db *db, const comp_acc *c, const char *device_id,
                            const char *path)
{
	static const char sql[] =
	    "INSERT INTO component (id, device_id, network, station, component, channels, lat, "
	    "lon, "
	    "elevation, start_ns, end_ns, inventory_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?) "
	    "ON CONFLICT (network, station, component) DO UPDATE SET device_id = "
	    "excluded.device_id, "
	    "channels = excluded.channels, lat = excluded.lat, lon = excluded.lon, "
	    "elevation = excluded.elevation, start_ns = excluded.start_ns, end_ns = "
	    "excluded.end_ns, "
	    "inventory_path = excluded.inventory_path";
	strata_db_stmt *st = NULL;
	char id[37];
	int rc = noise_new_id(id);

	rc = rc ? rc : strata_db_prepare(db, sql, &st);
	rc = rc ? rc : strata_db_bind_text(st, 1, id);
	rc = rc ? rc : strata_db_bind_text(st, 2, device_id);
	rc = rc ? rc : strata_db_bind_text(st, 3, c->network);
	rc = rc ? rc : strata_db_bind_text(st, 4, c->station);
	rc = rc ? rc : strata_db_bind_text(st, 5, c->component);
	rc = rc ? rc : strata_db_bind_text(st, 6, c->channels);
	rc = rc ? rc : strata_db_bind_double(st, 7, c->lat);
	rc = rc ? rc : strata_db_bind_double(st, 8, c->lon);
	rc = rc ? rc : strata_db_bind_double(st, 9, c->elevation);
	rc = rc ? rc : strata_db_bind_int64(st, 10, c->start);
	if (!rc)
		rc = c->end == SX_TIME_OPEN ? strata_db_bind_null(st, 11)
		                            : strata_db_bind_int64(st, 11, c->end);
	rc = rc ? rc : strata_db_bind_text(st, 12, path);
	rc = rc ? rc : strata_db_step(st);
	strata_db_finalize(st);
	return rc < 0 ? rc : 0;
}

static int write_inventory_txn(strata_db *db, void *ctx)
{
	inv_write *w = ctx;
	char device_id[37];
	int rc = 0;

	w->devices = 0;
	for (size_t i = 0; !rc && i < w->comps->n; i++) {
		rc = upsert_device(db, &w->comps->items[i], device_id, &w->devices);
		rc = rc ? rc : upsert_component(db, &w->comps->items[i], device_id, w->path);
	}
	return rc;
}

int noise_inventory_add(strata_db *db, const char *path, noise_inventory_summary *summary)
{
	struct sx_inventory inv;
	comp_list comps = {0};
	char abs[PATH_MAX];
	int rc;

	memset(summary, 0, sizeof(*summary));
	if (!realpath(path, abs))
		return strata_error_set_errno("%s", path);
	rc = sx_parse_file(abs, &inv);
	if (rc)
		return rc;
	rc = collect_components(&inv, &comps, summary);
	if (!rc) {
		inv_write w = {&comps, abs, 0};
		rc = strata_db_transaction(db, write_inventory_txn, &w, 0);
		summary->devices = w.devices;
		summary->components = comps.n;
	}
	free(comps.items);
	sx_inventory_free(&inv);
	return rc ? strata_error_wrap(rc, "%s", path) : 0;
}

/* --- component pairs -------------------------------------------------------- */

typedef struct comp_row {
	char id[37], network[16], station[16], component[8];
	double lat, lon;
	strata_time start, end; /* end INT64_MAX: open */
} comp_row;

typedef struct pair_row {
	size_t a, b;
	int autocorrelation, intracorrelation;
	noise_distaz d;
} pair_row;

static int load_components(strata_db *db, comp_row **out, size_t *n)
{
	strata_db_stmt *st = NULL;
	comp_row *rows = NULL;
	size_t cap = 0;
	int rc =
	    strata_db_prepare(db,
	                      "SELECT id, network, station, component, lat, lon, start_ns, end_ns "
	                      "FROM component ORDER BY network, station, component",
	                      &st);

	*n = 0;
	while (!rc && (rc = strata_db_step(st)) == STRATA_DB_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			comp_row *p = realloc(rows, cap * sizeof(*p));
			if (!p) {
				rc = strata_error_set(STRATA_ENOMEM, "pairs: out of memory");
				break;
			}
			rows = p;
		}
		comp_row *r = &rows[(*n)++];
		const char *t;
		snprintf(r->id, sizeof r->id, "%s", (t = strata_db_column_text(st, 0)) ? t : "");
		snprintf(r->network, sizeof r->network, "%s",
		         (t = strata_db_column_text(st, 1)) ? t : "");
		snprintf(r->station, sizeof r->station, "%s",
		         (t = strata_db_column_text(st, 2)) ? t : "");
		snprintf(r->component, sizeof r->component, "%s",
		         (t = strata_db_column_text(st, 3)) ? t : "");
		r->lat = strata_db_column_double(st, 4);
		r->lon = strata_db_column_double(st, 5);
		r->start = strata_db_column_int64(st, 6);
		r->end =
		    strata_db_column_is_null(st, 7) ? INT64_MAX : strata_db_column_int64(st, 7);
		rc = 0;
	}
	strata_db_finalize(st);
	if (rc < 0) {
		free(rows);
		*n = 0;
		return rc;
	}
	*out = rows;
	return 0;
}

/* Noiz's --cp_optimization: the sets of whole hours [floor(start),
 * floor(end)) of both components intersect. */
static int periods_overlap(const comp_row *a, const comp_row *b)
{
	const int64_t hour = INT64_C(3600) * STRATA_NS_PER_SEC;
	int64_t sa = a->start - (((a->start % hour) + hour) % hour);
	int64_t sb = b->start - (((b->start % hour) + hour) % hour);
	int64_t ea = a->end == INT64_MAX ? INT64_MAX : a->end - (((a->end % hour) + hour) % hour);
	int64_t eb = b->end == INT64_MAX ? INT64_MAX : b->end - (((b->end % hour) + hour) % hour);
	int64_t lo = sa > sb ? sa : sb, hi = ea < eb ? ea : eb;
	return lo < hi;
}

/* Classify the ordered pair (a, b); returns 1 when it is kept. */
static int classify_pair(const comp_row *a, const comp_row *b, pair_row *p, noise_pairs_summary *s)
{
	int same_station = !strcmp(a->network, b->network) && !strcmp(a->station, b->station);

	memset(&p->d, 0, sizeof(p->d));
	p->autocorrelation = same_station && !strcmp(a->component, b->component);
	p->intracorrelation = same_station && !p->autocorrelation;
	if (same_station)
		return 1;
	if (!noise_is_east_to_west(a->lat, a->lon, b->lat, b->lon)) {
		if (a->lat == b->lat && a->lon == b->lon)
			s->colocated++;
		return 0;
	}
	if (noise_distaz_compute(a->lat, a->lon, b->lat, b->lon, &p->d) != 0)
		return 0;
	/* Noiz raises here ("not east west in the end"): far-apart stations
	 * whose great circle leaves A eastwards. The pair is kept. */
	if (p->d.backazimuth < 180.0)
		s->backazimuth_below_180++;
	return 1;
}

/* Append p to the growing pair array. */
static int push_pair(pair_row **arr, size_t *n, size_t *cap, const pair_row *p)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 256;
		pair_row *q = realloc(*arr, ncap * sizeof(*q));
		if (!q)
			return strata_error_set(STRATA_ENOMEM, "pairs: out of memory");
		*arr = q;
		*cap = ncap;
	}
	(*arr)[(*n)++] = *p;
	return 0;
}

static int make_pairs(const comp_row *c, size_t n, int check_periods, pair_row **out,
                      size_t *npairs, noise_pairs_summary *s)
{
	pair_row p;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	*npairs = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		for (size_t j = 0; !rc && j < n; j++) {
			if (check_periods && !periods_overlap(&c[i], &c[j])) {
				s->not_overlapping++;
				continue;
			}
			p.a = i;
			p.b = j;
			if (!classify_pair(&c[i], &c[j], &p, s))
				continue;
			s->autocorrelations += p.autocorrelation != 0;
			s->intrastation += p.intracorrelation != 0;
			s->interstation += !p.autocorrelation && !p.intracorrelation;
			rc = push_pair(out, npairs, &cap, &p);
		}
	}
	return rc;
}

typedef struct pair_bind {
	const comp_row *comps;
	const pair_row *pairs;
} pair_bind;

static int bind_pair(strata_db_stmt *st, size_t row, void *ctx)
{
	const pair_bind *b = ctx;
	const pair_row *p = &b->pairs[row];
	char id[37], code[16];
	int rc = noise_new_id(id);

	snprintf(code, sizeof code, "%s%s", b->comps[p->a].component, b->comps[p->b].component);
	rc = rc ? rc : strata_db_bind_text(st, 1, id);
	rc = rc ? rc : strata_db_bind_text(st, 2, b->comps[p->a].id);
	rc = rc ? rc : strata_db_bind_text(st, 3, b->comps[p->b].id);
	rc = rc ? rc : strata_db_bind_text(st, 4, code);
	rc = rc ? rc : strata_db_bind_int64(st, 5, p->autocorrelation);
	rc = rc ? rc : strata_db_bind_int64(st, 6, p->intracorrelation);
	rc = rc ? rc : strata_db_bind_double(st, 7, p->d.azimuth);
	rc = rc ? rc : strata_db_bind_double(st, 8, p->d.backazimuth);
	rc = rc ? rc : strata_db_bind_double(st, 9, p->d.distance_m);
	rc = rc ? rc : strata_db_bind_double(st, 10, p->d.arcdistance);
	return rc;
}

int noise_pairs_build(strata_db *db, int check_periods, noise_pairs_summary *summary)
{
	static const char sql[] =
	    "INSERT INTO component_pair (id, component_a_id, component_b_id, component_code_pair, "
	    "autocorrelation, intracorrelation, azimuth, backazimuth, distance, arcdistance) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (component_a_id, component_b_id) "
	    "DO UPDATE SET component_code_pair = excluded.component_code_pair, "
	    "autocorrelation = excluded.autocorrelation, intracorrelation = "
	    "excluded.intracorrelation, "
	    "azimuth = excluded.azimuth, backazimuth = excluded.backazimuth, "
	    "distance = excluded.distance, arcdistance = excluded.arcdistance";
	comp_row *comps = NULL;
	pair_row *pairs = NULL;
	size_t ncomps = 0, npairs = 0;
	int rc;

	memset(summary, 0, sizeof(*summary));
	rc = load_components(db, &comps, &ncomps);
	summary->components = ncomps;
	rc = rc ? rc : make_pairs(comps, ncomps, check_periods, &pairs, &npairs, summary);
	if (!rc && npairs) {
		pair_bind b = {comps, pairs};
		rc = strata_db_bulk_insert(db, sql, npairs, 0, bind_pair, &b, NULL);
	}
	free(pairs);
	free(comps);
	return rc;
}
