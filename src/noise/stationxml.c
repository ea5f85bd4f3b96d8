/*
 * stationxml.c - parse FDSN StationXML with libxml2 into sx_inventory.
 *
 * Elements are matched by local name, so the FDSN default namespace (or none)
 * both work. Every numeric field is checked; failures name file:line and the
 * element path.
 */
#include "noise/stationxml.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "strata/error.h"

struct sx_ctx {
	const char *name;
};

static pthread_once_t sx_once = PTHREAD_ONCE_INIT;

static void sx_init_parser(void)
{
	xmlInitParser();
}

/* Whether n is an element with local name `name`. */
static int is_elem(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* First element child of parent called name, or NULL. */
static xmlNode *child(const xmlNode *parent, const char *name)
{
	for (xmlNode *c = parent->children; c; c = c->next)
		if (is_elem(c, name))
			return c;
	return NULL;
}

static size_t count_children(const xmlNode *parent, const char *name)
{
	size_t n = 0;

	for (xmlNode *c = parent->children; c; c = c->next)
		n += is_elem(c, name);
	return n;
}

static long line_of(const xmlNode *n)
{
	return n ? xmlGetLineNo(n) : 0;
}

/* Copy the direct text and CDATA children of n into buf, trimmed and
 * truncated. Entity references are deliberately not expanded. */
static void node_text(const xmlNode *n, char *buf, size_t size)
{
	size_t len = 0;
	char *p = buf;

	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
		const char *t = (const char *)c->content;

		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !t)
			continue;
		while (*t && len + 1 < size)
			buf[len++] = *t++;
	}
	buf[len] = '\0';
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	len = strlen(p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\n' || p[len - 1] == '\t' ||
	               p[len - 1] == '\r'))
		len--;
	memmove(buf, p, len);
	buf[len] = '\0';
}

/* Parse the text of n as a finite double. */
static int node_double(const struct sx_ctx *cx, const xmlNode *n, const char *what, double *out)
{
	char s[128];
	char *end = NULL;
	double v;

	node_text(n, s, sizeof(s));
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v))
		return strata_error_set(STRATA_EPARSE,
		                        "%s:%ld: %s: expected a number, got \"%.40s\"", cx->name,
		                        line_of(n), what, s);
	*out = v;
	return 0;
}

/* Child `name` of parent as a double; missing is an error only if required. */
static int get_double(const struct sx_ctx *cx, const xmlNode *parent, const char *name,
                      int required, double *out)
{
	const xmlNode *c = child(parent, name);
	char what[96];

	snprintf(what, sizeof(what), "%s/%s", (const char *)parent->name, name);
	if (!c) {
		if (!required)
			return 0;
		return strata_error_set(STRATA_ESCHEMA, "%s:%ld: %s: missing element <%s>",
		                        cx->name, line_of(parent), (const char *)parent->name,
		                        name);
	}
	return node_double(cx, c, what, out);
}

/* Child `name` as an int within [lo, hi]. */
static int get_int(const struct sx_ctx *cx, const xmlNode *parent, const char *name, int required,
                   long lo, long hi, int *out)
{
	double v = (double)*out;
	int rc = get_double(cx, parent, name, required, &v);

	if (rc)
		return rc;
	if (v != floor(v) || v < (double)lo || v > (double)hi)
		return strata_error_set(
		    STRATA_EPARSE, "%s:%ld: %s/%s: expected an integer in [%ld, %ld]", cx->name,
		    line_of(child(parent, name)), (const char *)parent->name, name, lo, hi);
	*out = (int)v;
	return 0;
}

/* Copy the trimmed text of child `name` (or "") into buf. */
static void get_text(const xmlNode *parent, const char *name, char *buf, size_t size)
{
	node_text(parent ? child(parent, name) : NULL, buf, size);
}

/* Copy attribute attr of n (or "") into buf. */
static void get_attr(const xmlNode *n, const char *attr, char *buf, size_t size)
{
	xmlChar *s = xmlGetProp(n, (const xmlChar *)attr);

	snprintf(buf, size, "%s", s ? (const char *)s : "");
	xmlFree(s);
}

/* Parse a date attribute; absent gives dflt, years past strata_time's range
 * (e.g. 2599-12-31) give SX_TIME_OPEN. */
static int get_date(const struct sx_ctx *cx, const xmlNode *n, const char *attr, strata_time dflt,
                    strata_time *out)
{
	char buf[64];

	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): caller's array element */
	*out = dflt;
	if (!xmlHasProp(n, (const xmlChar *)attr))
		return 0;
	get_attr(n, attr, buf, sizeof(buf));
	if (strata_time_parse_iso8601(buf, out) == 0)
		return 0;
	if (strlen(buf) >= 4 && atoi(buf) >= 2262) {
		strata_error_clear();
		*out = SX_TIME_OPEN;
		return 0;
	}
	return strata_error_set(STRATA_EPARSE, "%s:%ld: %s@%s: invalid date \"%s\"", cx->name,
	                        line_of(n), (const char *)n->name, attr, buf);
}

/* calloc for count items, refusing counts above limit. */
static int alloc_items(const struct sx_ctx *cx, const xmlNode *n, const char *what, size_t count,
                       size_t limit, size_t size, void **out)
{
	*out = NULL;
	if (count > limit)
		return strata_error_set(STRATA_ELIMIT,
		                        "%s:%ld: %s: %zu entries exceed the limit %zu", cx->name,
		                        line_of(n), what, count, limit);
	if (count == 0)
		return 0;
	*out = calloc(count, size);
	if (!*out)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", cx->name);
	return 0;
}

/* Read Real/Imaginary of each child `name` (Zero or Pole) into arr. */
static int get_complex_list(const struct sx_ctx *cx, const xmlNode *pz, const char *name,
                            double complex **arr, size_t *count)
{
	size_t n = count_children(pz, name), i = 0;
	int rc = alloc_items(cx, pz, name, n, SX_MAX_POLES, sizeof(double complex), (void **)arr);

	*count = 0;
	if (rc)
		return rc;
	for (xmlNode *c = pz->children; c; c = c->next) {
		double re = 0.0, im = 0.0;

		if (!is_elem(c, name))
			continue;
		rc = get_double(cx, c, "Real", 1, &re);
		if (!rc)
			rc = get_double(cx, c, "Imaginary", 1, &im);
		if (rc)
			return rc;
		(*arr)[i++] = CMPLX(re, im);
		*count = i;
	}
	return 0;
}

/* Read every child `name` of parent as a double array. */
static int get_double_list(const struct sx_ctx *cx, const xmlNode *parent, const char *name,
                           double **arr, size_t *count)
{
	size_t n = count_children(parent, name), i = 0;
	int rc = alloc_items(cx, parent, name, n, SX_MAX_COEFFS, sizeof(double), (void **)arr);
	char what[96];

	*count = 0;
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "%s/%s", (const char *)parent->name, name);
	for (xmlNode *c = parent->children; c; c = c->next) {
		if (!is_elem(c, name))
			continue;
		rc = node_double(cx, c, what, &(*arr)[i]);
		if (rc)
			return rc;
		*count = ++i;
	}
	return 0;
}

/* Input/output unit names of a filter element. */
static void get_units(const xmlNode *f, char *in, char *out, size_t size)
{
	get_text(child(f, "InputUnits"), "Name", in, size);
	get_text(child(f, "OutputUnits"), "Name", out, size);
}

static int parse_pz(const struct sx_ctx *cx, const xmlNode *f, struct sx_stage *st)
{
	char type[64];
	int rc;

	st->kind = SX_STAGE_PZ;
	get_text(f, "PzTransferFunctionType", type, sizeof(type));
	if (strcmp(type, "LAPLACE (RADIANS/SECOND)") == 0)
		st->pz_type = SX_PZ_LAPLACE_RAD;
	else if (strcmp(type, "LAPLACE (HERTZ)") == 0)
		st->pz_type = SX_PZ_LAPLACE_HZ;
	else if (strcmp(type, "DIGITAL (Z-TRANSFORM)") == 0)
		st->pz_type = SX_PZ_DIGITAL;
	else
		return strata_error_set(
		    STRATA_ESCHEMA,
		    "%s:%ld: PolesZeros/PzTransferFunctionType: unknown type \"%s\"", cx->name,
		    line_of(f), type);
	st->norm_factor = 1.0;
	rc = get_double(cx, f, "NormalizationFactor", 1, &st->norm_factor);
	if (!rc)
		rc = get_double(cx, f, "NormalizationFrequency", 1, &st->norm_freq);
	if (!rc)
		rc = get_complex_list(cx, f, "Zero", &st->zeros, &st->nzeros);
	if (!rc)
		rc = get_complex_list(cx, f, "Pole", &st->poles, &st->npoles);
	return rc;
}

static int parse_coeffs(const struct sx_ctx *cx, const xmlNode *f, struct sx_stage *st)
{
	char type[64];
	int rc;

	st->kind = SX_STAGE_COEFFS;
	get_text(f, "CfTransferFunctionType", type, sizeof(type));
	st->digital = strcmp(type, "DIGITAL") == 0;
	if (!st->digital) {
		st->kind = SX_STAGE_UNSUPPORTED; /* ANALOG (RADIANS/SECOND | HERTZ) */
		return 0;
	}
	rc = get_double_list(cx, f, "Numerator", &st->num, &st->nnum);
	if (!rc)
		rc = get_double_list(cx, f, "Denominator", &st->den, &st->nden);
	return rc;
}

static int parse_fir(const struct sx_ctx *cx, const xmlNode *f, struct sx_stage *st)
{
	char sym[32];

	st->kind = SX_STAGE_FIR;
	get_text(f, "Symmetry", sym, sizeof(sym));
	if (strcmp(sym, "NONE") == 0 || sym[0] == '\0')
		st->symmetry = SX_SYM_NONE;
	else if (strcmp(sym, "EVEN") == 0)
		st->symmetry = SX_SYM_EVEN;
	else if (strcmp(sym, "ODD") == 0)
		st->symmetry = SX_SYM_ODD;
	else
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s:%ld: FIR/Symmetry: unknown value \"%s\"", cx->name,
		                        line_of(f), sym);
	return get_double_list(cx, f, "NumeratorCoefficient", &st->num, &st->nnum);
}

static int parse_list(const struct sx_ctx *cx, const xmlNode *f, struct sx_stage *st)
{
	size_t n = count_children(f, "ResponseListElement"), i = 0;
	int rc;

	st->kind = SX_STAGE_LIST;
	rc = alloc_items(cx, f, "ResponseListElement", n, SX_MAX_COEFFS, sizeof(double),
	                 (void **)&st->list_freq);
	if (!rc)
		rc = alloc_items(cx, f, "ResponseListElement", n, SX_MAX_COEFFS, sizeof(double),
		                 (void **)&st->list_amp);
	if (!rc)
		rc = alloc_items(cx, f, "ResponseListElement", n, SX_MAX_COEFFS, sizeof(double),
		                 (void **)&st->list_phase);
	for (xmlNode *c = f->children; c && !rc; c = c->next) {
		if (!is_elem(c, "ResponseListElement"))
			continue;
		rc = get_double(cx, c, "Frequency", 1, &st->list_freq[i]);
		if (!rc)
			rc = get_double(cx, c, "Amplitude", 1, &st->list_amp[i]);
		if (!rc)
			rc = get_double(cx, c, "Phase", 1, &st->list_phase[i]);
		if (!rc)
			st->nlist = ++i;
	}
	return rc;
}

static int parse_decimation(const struct sx_ctx *cx, const xmlNode *d, struct sx_stage *st)
{
	int rc;

	st->has_decimation = 1;
	st->factor = 1;
	rc = get_double(cx, d, "InputSampleRate", 1, &st->input_rate);
	if (!rc)
		rc = get_int(cx, d, "Factor", 1, 1, 1000000, &st->factor);
	if (!rc)
		rc = get_int(cx, d, "Offset", 0, 0, 1000000, &st->offset);
	if (!rc)
		rc = get_double(cx, d, "Delay", 0, &st->delay);
	if (!rc)
		rc = get_double(cx, d, "Correction", 0, &st->correction);
	if (!rc && !(st->input_rate > 0.0))
		rc = strata_error_set(STRATA_EPARSE,
		                      "%s:%ld: Decimation/InputSampleRate: must be positive",
		                      cx->name, line_of(d));
	return rc;
}

/* Parse the filter element of a stage, if any. */
static int parse_filter(const struct sx_ctx *cx, const xmlNode *s, struct sx_stage *st)
{
	const xmlNode *f;

	if ((f = child(s, "PolesZeros")) != NULL) {
		get_units(f, st->input_units, st->output_units, sizeof(st->input_units));
		return parse_pz(cx, f, st);
	}
	if ((f = child(s, "Coefficients")) != NULL) {
		get_units(f, st->input_units, st->output_units, sizeof(st->input_units));
		return parse_coeffs(cx, f, st);
	}
	if ((f = child(s, "FIR")) != NULL) {
		get_units(f, st->input_units, st->output_units, sizeof(st->input_units));
		return parse_fir(cx, f, st);
	}
	if ((f = child(s, "ResponseList")) != NULL) {
		get_units(f, st->input_units, st->output_units, sizeof(st->input_units));
		return parse_list(cx, f, st);
	}
	if ((f = child(s, "Polynomial")) != NULL) {
		get_units(f, st->input_units, st->output_units, sizeof(st->input_units));
		st->kind = SX_STAGE_UNSUPPORTED;
		return 0;
	}
	st->kind = SX_STAGE_GAIN_ONLY;
	return 0;
}

static int parse_stage(const struct sx_ctx *cx, const xmlNode *s, struct sx_stage *st)
{
	const xmlNode *d = child(s, "Decimation"), *g = child(s, "StageGain");
	char num[32];
	int rc;

	get_attr(s, "number", num, sizeof(num));
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): caller's array element */
	st->number = atoi(num);
	rc = parse_filter(cx, s, st);
	if (!rc && d)
		rc = parse_decimation(cx, d, st);
	if (!rc && g) {
		st->has_gain = 1;
		rc = get_double(cx, g, "Value", 1, &st->gain);
		if (!rc)
			rc = get_double(cx, g, "Frequency", 0, &st->gain_freq);
	}
	return rc;
}

static int parse_response(const struct sx_ctx *cx, const xmlNode *r, struct sx_response *resp)
{
	const xmlNode *sens = child(r, "InstrumentSensitivity");
	size_t i = 0;
	int rc = 0;

	if (sens) {
		resp->has_sensitivity = 1;
		rc = get_double(cx, sens, "Value", 1, &resp->sensitivity);
		if (!rc)
			rc = get_double(cx, sens, "Frequency", 1, &resp->sensitivity_freq);
		get_units(sens, resp->input_units, resp->output_units, sizeof(resp->input_units));
	}
	if (!rc)
		rc = alloc_items(cx, r, "Stage", count_children(r, "Stage"), SX_MAX_STAGES,
		                 sizeof(struct sx_stage), (void **)&resp->stages);
	for (xmlNode *c = r->children; c && !rc; c = c->next) {
		if (!is_elem(c, "Stage"))
			continue;
		resp->nstages = ++i;
		rc = parse_stage(cx, c, &resp->stages[i - 1]);
	}
	return rc;
}

/* Latitude, Longitude, Elevation: required on Station and Channel. */
static int get_position(const struct sx_ctx *cx, const xmlNode *n, double *lat, double *lon,
                        double *elev)
{
	int rc = get_double(cx, n, "Latitude", 1, lat);

	if (!rc)
		rc = get_double(cx, n, "Longitude", 1, lon);
	if (!rc)
		rc = get_double(cx, n, "Elevation", 1, elev);
	return rc;
}

static int parse_channel(const struct sx_ctx *cx, const xmlNode *n, struct sx_channel *ch)
{
	const xmlNode *r = child(n, "Response");
	int rc;

	get_attr(n, "code", ch->code, sizeof(ch->code));
	get_attr(n, "locationCode", ch->location, sizeof(ch->location));
	rc = get_date(cx, n, "startDate", 0, &ch->start);
	if (!rc)
		rc = get_date(cx, n, "endDate", SX_TIME_OPEN, &ch->end);
	if (!rc)
		rc = get_position(cx, n, &ch->latitude, &ch->longitude, &ch->elevation);
	if (!rc)
		rc = get_double(cx, n, "Depth", 1, &ch->depth);
	if (!rc)
		rc = get_double(cx, n, "Azimuth", 0, &ch->azimuth);
	if (!rc)
		rc = get_double(cx, n, "Dip", 0, &ch->dip);
	if (!rc)
		rc = get_double(cx, n, "SampleRate", 0, &ch->sample_rate);
	if (!rc && r) {
		ch->has_response = 1;
		rc = parse_response(cx, r, &ch->response);
	}
	return rc;
}

static int parse_station(const struct sx_ctx *cx, const xmlNode *n, struct sx_station *sta)
{
	size_t i = 0;
	int rc;

	get_attr(n, "code", sta->code, sizeof(sta->code));
	rc = get_date(cx, n, "startDate", 0, &sta->start);
	if (!rc)
		rc = get_date(cx, n, "endDate", SX_TIME_OPEN, &sta->end);
	if (!rc)
		rc = get_position(cx, n, &sta->latitude, &sta->longitude, &sta->elevation);
	if (!rc)
		rc = alloc_items(cx, n, "Channel", count_children(n, "Channel"), SX_MAX_ITEMS,
		                 sizeof(struct sx_channel), (void **)&sta->channels);
	for (xmlNode *c = n->children; c && !rc; c = c->next) {
		if (!is_elem(c, "Channel"))
			continue;
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): caller's array element */
		sta->nchannels = ++i;
		rc = parse_channel(cx, c, &sta->channels[i - 1]);
	}
	return rc;
}

static int parse_network(const struct sx_ctx *cx, const xmlNode *n, struct sx_network *net)
{
	size_t i = 0;
	int rc;

	get_attr(n, "code", net->code, sizeof(net->code));
	rc = get_date(cx, n, "startDate", 0, &net->start);
	if (!rc)
		rc = get_date(cx, n, "endDate", SX_TIME_OPEN, &net->end);
	if (!rc)
		rc = alloc_items(cx, n, "Station", count_children(n, "Station"), SX_MAX_ITEMS,
		                 sizeof(struct sx_station), (void **)&net->stations);
	for (xmlNode *c = n->children; c && !rc; c = c->next) {
		if (!is_elem(c, "Station"))
			continue;
		net->nstations = ++i;
		rc = parse_station(cx, c, &net->stations[i - 1]);
	}
	return rc;
}

static int parse_root(const struct sx_ctx *cx, const xmlNode *root, struct sx_inventory *inv)
{
	size_t i = 0;
	int rc;

	if (!is_elem(root, "FDSNStationXML"))
		return strata_error_set(
		    STRATA_ESCHEMA, "%s:%ld: root element is <%s>, expected <FDSNStationXML>",
		    cx->name, line_of(root), root ? (const char *)root->name : "(none)");
	rc = alloc_items(cx, root, "Network", count_children(root, "Network"), SX_MAX_ITEMS,
	                 sizeof(struct sx_network), (void **)&inv->networks);
	for (xmlNode *c = root->children; c && !rc; c = c->next) {
		if (!is_elem(c, "Network"))
			continue;
		inv->nnetworks = ++i;
		rc = parse_network(cx, c, &inv->networks[i - 1]);
	}
	return rc;
}

/* Shared tail of the two entry points: check the document and convert it. */
static int parse_doc(xmlDoc *doc, const char *name, struct sx_inventory *inv)
{
	struct sx_ctx cx = {name};
	int rc;

	if (!doc) {
		const xmlError *e = xmlGetLastError();
		char msg[256];
		size_t len;

		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "unknown error");
		len = strlen(msg);
		while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			msg[--len] = '\0';
		return strata_error_set(STRATA_EPARSE, "%s:%d: malformed XML: %s", name,
		                        e ? e->line : 0, msg);
	}
	rc = parse_root(&cx, xmlDocGetRootElement(doc), inv);
	xmlFreeDoc(doc);
	if (rc)
		sx_inventory_free(inv);
	return rc;
}

/* Parser options: no network, no entity substitution, no DTD loading, quiet,
 * large text nodes (XML_PARSE_HUGE) off. */
#define SX_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

int sx_parse_file(const char *path, struct sx_inventory *inv)
{
	xmlDoc *doc;

	memset(inv, 0, sizeof(*inv));
	pthread_once(&sx_once, sx_init_parser);
	xmlResetLastError();
	doc = xmlReadFile(path, NULL, SX_XML_OPTIONS);
	if (!doc) {
		FILE *f = fopen(path, "rb");

		if (!f)
			return strata_error_set_errno("%s", path);
		fclose(f);
	}
	return parse_doc(doc, path, inv);
}

int sx_parse_memory(const char *data, size_t len, const char *name, struct sx_inventory *inv)
{
	xmlDoc *doc;

	memset(inv, 0, sizeof(*inv));
	if (len > INT32_MAX)
		return strata_error_set(STRATA_ELIMIT, "%s: document too large", name);
	pthread_once(&sx_once, sx_init_parser);
	xmlResetLastError();
	doc = xmlReadMemory(data, (int)len, name, NULL, SX_XML_OPTIONS);
	return parse_doc(doc, name, inv);
}

static void stage_free(struct sx_stage *st)
{
	free(st->zeros);
	free(st->poles);
	free(st->num);
	free(st->den);
	free(st->list_freq);
	free(st->list_amp);
	free(st->list_phase);
}

static void station_free(struct sx_station *sta)
{
	for (size_t c = 0; c < sta->nchannels; c++) {
		struct sx_response *r = &sta->channels[c].response;

		for (size_t s = 0; s < r->nstages; s++)
			stage_free(&r->stages[s]);
		free(r->stages);
	}
	free(sta->channels);
}

void sx_inventory_free(struct sx_inventory *inv)
{
	for (size_t n = 0; n < inv->nnetworks; n++) {
		for (size_t s = 0; s < inv->networks[n].nstations; s++)
			station_free(&inv->networks[n].stations[s]);
		free(inv->networks[n].stations);
	}
	free(inv->networks);
	memset(inv, 0, sizeof(*inv));
}

const struct sx_channel *sx_find_channel(const struct sx_inventory *inv, const char *network,
                                         const char *station, const char *location,
                                         const char *channel, strata_time t)
{
	for (size_t n = 0; n < inv->nnetworks; n++) {
		const struct sx_network *net = &inv->networks[n];
		if (strcmp(net->code, network) != 0)
			continue;
		for (size_t s = 0; s < net->nstations; s++) {
			const struct sx_station *sta = &net->stations[s];
			if (strcmp(sta->code, station) != 0)
				continue;
			for (size_t k = 0; k < sta->nchannels; k++) {
				const struct sx_channel *ch = &sta->channels[k];
				if (!strcmp(ch->code, channel) && !strcmp(ch->location, location) &&
				    ch->start <= t && (ch->end == SX_TIME_OPEN || t < ch->end))
					return ch;
			}
		}
	}
	return NULL;
}
