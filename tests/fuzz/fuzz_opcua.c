/* fuzz_opcua.c - libFuzzer target for the drilling line's OPC UA JSON messages:
 * parse arbitrary bytes as a Result, a Trace, a Heads message and an MQTT
 * topic, read their streaming keys, check the invariants of whatever comes
 * out (a key agrees with the full parse), free it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drill/opcua.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every array element must be readable and the counts consistent. */
static void check_trace(const drill_trace *t)
{
	size_t nulls = 0;
	double sum = 0;

	for (size_t i = 0; i < t->n; i++) {
		const double v[4] = {t->position[i], t->torque[i], t->thrust[i], t->step[i]};

		for (int k = 0; k < 4; k++) {
			if (v[k] != v[k])
				nulls++;
			else
				sum += v[k];
		}
	}
	if (nulls != t->n_null || !t->result_id || sum != sum + 0 * sum)
		abort();
}

static void check_result(const drill_result *r)
{
	int64_t sum = 0;

	if (!r->result_id || !r->serial || r->evaluation < -1 || r->evaluation > 1)
		abort();
	for (size_t i = 0; i < r->n_steps; i++)
		sum += r->step_numbers[i] + (r->torque_empty[i] > r->thrust_empty[i]);
	(void)sum;
}

/* The streaming key for path, or abort when it disagrees with a full parse
 * that succeeded (ok) with id want_id and timestamp want_ts. */
static void check_key(const char *text, size_t size, const char *path, int with_id, int ok,
                      const char *want_id, strata_time want_ts)
{
	char *id = NULL;
	strata_time ts = 0;
	int rc = drill_payload_key(text, size, "fuzz", path, !with_id, with_id ? &id : NULL, &ts);

	if (rc == 0 && with_id && (!id || !*id))
		abort();
	if (ok && (rc || ts != want_ts || (want_id && strcmp(id, want_id))))
		abort();
	free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const drill_data_ids *ids = drill_data_ids_default();
	drill_heads h;
	int ok;
	const char *text = (const char *)data;
	drill_result r;
	drill_trace t;
	char *topic, *a, *b, *c;

	/* The parser must not need a NUL after the input: give it none. */
	ok = drill_result_parse(text, size, "fuzz", NULL, &r) == 0;
	if (ok)
		check_result(&r);
	check_key(text, size, ids->result_id, 1, ok, r.result_id, r.timestamp);
	if (ok)
		drill_result_free(&r);
	ok = drill_trace_parse(text, size, "fuzz", NULL, &t) == 0;
	if (ok)
		check_trace(&t);
	check_key(text, size, ids->trace_result_id, 1, ok, t.result_id, t.timestamp);
	if (ok)
		drill_trace_free(&t);
	ok = drill_heads_parse(text, size, "fuzz", NULL, &h) == 0;
	if (ok && h.head_id && !*h.head_id)
		abort();
	check_key(text, size, ids->head_id, 0, ok, NULL, h.timestamp);
	if (ok)
		drill_heads_free(&h);
	topic = malloc(size + 1);
	if (!topic)
		return 0;
	memcpy(topic, data, size);
	topic[size] = '\0';
	if (drill_topic_parse(topic, size > 4 ? "root" : NULL, &a, &b, &c) == 0) {
		if (!*a || !*b || !*c)
			abort();
		free(a);
		free(b);
		free(c);
	}
	free(topic);
	return 0;
}
