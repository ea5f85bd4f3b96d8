/* fuzz_opcua.c - libFuzzer target for the drilling line's OPC UA JSON messages:
 * parse arbitrary bytes as a Result, a Trace and an MQTT topic, check the
 * invariants of whatever comes out, free it. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	drill_result r;
	drill_trace t;
	char *topic, *a, *b, *c;

	/* The parser must not need a NUL after the input: give it none. */
	if (drill_result_parse(text, size, "fuzz", NULL, &r) == 0) {
		check_result(&r);
		drill_result_free(&r);
	}
	if (drill_trace_parse(text, size, "fuzz", NULL, &t) == 0) {
		check_trace(&t);
		drill_trace_free(&t);
	}
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
