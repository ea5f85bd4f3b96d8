/* fuzz_hole.c - libFuzzer target for one hole: the input is up to three
 * messages (Result, Trace, Heads) separated by "\n---\n". Checks that the
 * streaming key agrees with the full parsers on every message they accept,
 * and that drill_hole_process always yields two well-formed payloads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "drill/config.h"
#include "drill/hole.h"
#include "drill/opcua.h"
#include "strata/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first "\n---\n" in [p, end), or NULL. */
static const char *separator(const char *p, const char *end)
{
	for (; end - p >= 5; p++)
		if (!memcmp(p, "\n---\n", 5))
			return p;
	return NULL;
}

static const char topic[DRILL_MSG_KINDS][40] = {"OPCPUBSUB/tb/tl/ResultManagement",
                                                "OPCPUBSUB/tb/tl/ResultManagement/Trace",
                                                "OPCPUBSUB/tb/tl/AssetManagement/Heads"};

/* The key of m as kind k must agree with the full parse when that succeeds. */
static void check_key(const drill_config *cfg, drill_msg_kind k, const drill_raw_msg *m)
{
	char *id = NULL;
	int64_t ts = 0;
	int rc = drill_msg_key(cfg, k, m, &id, &ts);
	drill_result r;
	drill_trace t;
	drill_heads h;

	if (rc == 0 && (k == DRILL_MSG_HEADS) != (id == NULL))
		abort();
	if (k == DRILL_MSG_RESULT && drill_result_parse(m->data, m->len, "f", &cfg->ids, &r) == 0) {
		if (rc || strcmp(id, r.result_id) || ts != r.timestamp)
			abort();
		drill_result_free(&r);
	}
	if (k == DRILL_MSG_TRACE && drill_trace_parse(m->data, m->len, "f", &cfg->ids, &t) == 0) {
		if (rc || strcmp(id, t.result_id) || ts != t.timestamp)
			abort();
		drill_trace_free(&t);
	}
	if (k == DRILL_MSG_HEADS && drill_heads_parse(m->data, m->len, "f", &cfg->ids, &h) == 0) {
		if (rc || ts != h.timestamp)
			abort();
		drill_heads_free(&h);
	}
	free(id);
}

/* Both payloads are JSON objects of six fields, Error matching r->error. */
static void check_result(const drill_hole_result *r)
{
	for (int i = 0; i < DRILL_PUBS; i++) {
		json_error_t err;
		json_t *j = json_loadb(r->pub[i].payload, r->pub[i].len, 0, &err);

		if (!j || json_object_size(j) != 6 ||
		    !json_is_true(json_object_get(j, "Error")) != !r->error ||
		    !json_is_string(json_object_get(j, "SourceTimestamp")) ||
		    strncmp(r->pub[i].topic, "OPCPUBSUB/tb/tl/", 16))
			abort();
		json_decref(j);
	}
	if (r->error != (r->reason != NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static drill_config cfg;
	static int ready;
	const char *p = (const char *)data, *end = p + size;
	drill_corr_set set;
	drill_hole_result r;

	if (!ready && drill_config_defaults(&cfg) == 0) {
		strata_log_set_level(STRATA_LOG_OFF); /* Heads warnings would flood the run */
		ready = 1;
	}
	if (!ready)
		return 0;
	memset(&set, 0, sizeof(set));
	set.toolbox = strdup("tb");
	set.tool = strdup("tl");
	for (int k = 0; k < DRILL_MSG_KINDS && p <= end; k++) {
		const char *sep = k < 2 ? separator(p, end) : NULL;
		size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
		drill_raw_msg *m;

		if (drill_raw_msg_new(topic[k], p, n, &m) != 0)
			break;
		for (int kind = 0; kind < DRILL_MSG_KINDS; kind++)
			check_key(&cfg, (drill_msg_kind)kind, m);
		set.payload[k] = m;
		set.payload_free[k] = drill_raw_msg_free;
		set.present |= 1u << k;
		if (!sep)
			break;
		p = sep + 5;
	}
	if (set.payload[DRILL_MSG_RESULT])
		drill_msg_key(&cfg, DRILL_MSG_RESULT, set.payload[DRILL_MSG_RESULT], &set.result_id,
		              &set.timestamp);
	if (drill_hole_process(&cfg, &set, &r) == 0) {
		check_result(&r);
		drill_hole_result_free(&r);
	}
	drill_corr_set_free(&set);
	return 0;
}
