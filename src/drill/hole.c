/*
 * hole.c - one hole, from its raw MQTT messages to the keypoints and
 * depth-estimation payloads the original service publishes.
 *
 * The published JSON is byte for byte what the original's json.dumps writes
 * (field order, separators, float repr, ASCII escapes); docs/drill-input.md
 * describes every field.
 */
#include "drill/hole.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drill/estimate.h"
#include "drill/opcua.h"
#include "drill/pyjson.h"
#include "strata/buf.h"
#include "strata/error.h"
#include "strata/log.h"
#include "strata/time.h"

/* The estimator the service runs; its AlgoVersion is published. */
static const drill_estimator *const hole_estimator = &drill_estimator_deterministic;

int drill_raw_msg_new(const char *topic, const void *data, size_t len, drill_raw_msg **out)
{
	drill_raw_msg *m;

	if (!topic || (!data && len) || !out)
		return strata_error_set(STRATA_EINVAL, "drill_raw_msg_new: invalid argument");
	m = calloc(1, sizeof(*m));
	if (!m || !(m->topic = strdup(topic)) || !(m->data = malloc(len + 1))) {
		drill_raw_msg_free(m);
		return strata_error_set(STRATA_ENOMEM, "%.300s: out of memory for %zu bytes", topic,
		                        len);
	}
	if (len)
		memcpy(m->data, data, len);
	m->data[len] = '\0';
	m->len = len;
	*out = m;
	return 0;
}

void drill_raw_msg_free(void *msg)
{
	drill_raw_msg *m = msg;

	if (!m)
		return;
	free(m->topic);
	free(m->data);
	free(m);
}

int drill_msg_key(const drill_config *cfg, drill_msg_kind kind, const drill_raw_msg *m,
                  char **result_id, int64_t *timestamp)
{
	const drill_data_ids *ids = cfg ? &cfg->ids : drill_data_ids_default();

	if (!m || !result_id || !timestamp)
		return strata_error_set(STRATA_EINVAL, "drill_msg_key: invalid argument");
	*result_id = NULL;
	switch (kind) {
	case DRILL_MSG_RESULT:
		return drill_payload_key(m->data, m->len, m->topic, ids->result_id, 0, result_id,
		                         timestamp);
	case DRILL_MSG_TRACE:
		return drill_payload_key(m->data, m->len, m->topic, ids->trace_result_id, 0,
		                         result_id, timestamp);
	case DRILL_MSG_HEADS:
		return drill_payload_key(m->data, m->len, m->topic, ids->head_id, 1, NULL,
		                         timestamp);
	default: break;
	}
	return strata_error_set(STRATA_EINVAL, "%.300s: unknown message kind %d", m->topic,
	                        (int)kind);
}

void drill_hole_result_free(drill_hole_result *r)
{
	if (!r)
		return;
	for (int i = 0; i < DRILL_PUBS; i++) {
		free(r->pub[i].topic);
		free(r->pub[i].payload);
	}
	free(r->reason);
	free(r->machine_id);
	free(r->result_id);
	free(r->head_id);
	free(r->heads_warning);
	memset(r, 0, sizeof(*r));
	r->depth_mm = NAN;
}

/* A copy of s (NULL stays NULL); *ok cleared when out of memory. */
static char *dup_or_null(const char *s, int *ok)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*ok = 0;
	return d;
}

/* --- parsing and estimating --------------------------------------------------- */

/* The messages of one hole, parsed. */
typedef struct hole {
	const drill_raw_msg *msg[DRILL_MSG_KINDS];
	drill_result result;
	drill_trace trace;
	int have_result;
} hole;

/* Read the Heads message's head id into out; a failure is only a warning. */
static int hole_heads(const drill_config *cfg, const hole *h, drill_hole_result *out)
{
	const drill_raw_msg *m = h->msg[DRILL_MSG_HEADS];
	drill_heads hd;
	int rc;

	if (!m)
		return 0;
	rc = drill_heads_parse(m->data, m->len, m->topic, &cfg->ids, &hd);
	if (rc == STRATA_ENOMEM)
		return rc;
	if (rc) {
		out->heads_warning = strdup(strata_error_message());
		strata_log(STRATA_LOG_WARN, "heads message ignored, HeadId null", "reason",
		           strata_error_message());
		return out->heads_warning ? 0 : STRATA_ENOMEM;
	}
	out->head_id = hd.head_id; /* taken over */
	return 0;
}

/* The index of the first NaN in a[0..n), or n. */
static size_t first_nan(const double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(a[i]))
			return i;
	return n;
}

/* Samples the estimators need must all be numbers. */
static int trace_check_samples(const drill_trace *t, const char *name)
{
	static const char *const what[3] = {"position", "torque current", "step number"};
	const double *a[3] = {t->position, t->torque, t->step};

	if (t->n == 0)
		return strata_error_set(STRATA_ESCHEMA, "%s: the trace has no samples", name);
	for (int k = 0; k < 3; k++) {
		size_t i = first_nan(a[k], t->n);
		if (i < t->n)
			return strata_error_set(STRATA_ESCHEMA,
			                        "%s: %s sample %zu of %zu is null (not a number)",
			                        name, what[k], i, t->n);
	}
	return 0;
}

/* The original's test before estimating: at least two distinct step numbers
 * in the joined table (Result steps and trace steps). */
static int hole_check_steps(const drill_result *r, const drill_trace *t)
{
	double first = r->n_steps ? (double)r->step_numbers[0] : t->step[0];

	for (size_t k = 0; k < r->n_steps; k++)
		if ((double)r->step_numbers[k] != first)
			return 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->step[i] != first)
			return 0;
	return strata_error_set(STRATA_ENOTFOUND,
	                        "Not enough steps to estimate depth: the Result and the trace "
	                        "hold only step %g (at least 2 are needed)",
	                        first);
}

/* Parse the Result and the Trace, and check what the estimators need. */
static int hole_parse(const drill_config *cfg, hole *h)
{
	const drill_raw_msg *rm = h->msg[DRILL_MSG_RESULT], *tm = h->msg[DRILL_MSG_TRACE];
	int rc;

	if (!rm || !tm)
		return strata_error_set(STRATA_ENOTFOUND, "the hole has no %s message",
		                        !rm ? "Result" : "Trace");
	if ((rc = drill_result_parse(rm->data, rm->len, rm->topic, &cfg->ids, &h->result)))
		return rc;
	h->have_result = 1;
	if ((rc = drill_trace_parse(tm->data, tm->len, tm->topic, &cfg->ids, &h->trace)))
		return rc;
	if (strcmp(h->result.result_id, h->trace.result_id) != 0)
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: trace result id %s differs from the Result's %s",
		                        tm->topic, h->trace.result_id, h->result.result_id);
	if ((rc = trace_check_samples(&h->trace, tm->topic)))
		return rc;
	return hole_check_steps(&h->result, &h->trace);
}

/* Append "what: reason" for a keypoint not produced. */
static void missing_keypoint(strata_buf *why, const char *what, const drill_keypoint *kp)
{
	if (kp->ok)
		return;
	strata_buf_printf(why, "%s%s keypoint not found: %s", why->len ? "; " : "", what,
	                  kp->reason[0] ? kp->reason : "no reason given");
}

/* Run the estimator; every keypoint must be produced. */
static int hole_estimate(const hole *h, drill_hole_result *out)
{
	const drill_raw_msg *tm = h->msg[DRILL_MSG_TRACE];
	const char *name = tm ? tm->topic : "trace";
	drill_trace_buf tb;
	strata_buf why = STRATA_BUF_INIT;
	int rc = drill_trace_from_opcua(&h->result, &h->trace, name, &tb);

	if (rc)
		return rc;
	rc = drill_estimate(hole_estimator, &tb.view, &out->kp);
	drill_trace_buf_free(&tb);
	if (rc)
		return rc;
	missing_keypoint(&why, "entry", &out->kp.entry);
	missing_keypoint(&why, "transition", &out->kp.transition);
	missing_keypoint(&why, "exit", &out->kp.exit);
	if (why.len)
		rc = strata_error_set(STRATA_ENOTFOUND, "%s: %s", name, strata_buf_cstr(&why));
	strata_buf_free(&why);
	if (rc)
		return rc;
	out->keypoints[0] = out->kp.entry.position;
	out->keypoints[1] = out->kp.transition.position;
	out->keypoints[2] = out->kp.exit.position;
	out->depths[0] = out->keypoints[1] - out->keypoints[0];
	out->depths[1] = out->keypoints[2] - out->keypoints[1];
	out->depth_mm = fmin(out->depths[0], out->depths[1]);
	return 0;
}

/* --- publications --------------------------------------------------------------- */

/* The hole's SourceTimestamp as published: UTC, fractions only when present. */
static void source_timestamp(int64_t ns, char *buf, size_t buflen)
{
	int64_t frac = ns % STRATA_NS_PER_SEC;
	int digits = 9;

	if (frac < 0)
		frac += STRATA_NS_PER_SEC;
	if (frac == 0)
		digits = 0;
	else
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
	if (strata_time_format_iso8601(ns, digits, buf, buflen) < 0)
		snprintf(buf, buflen, "1970-01-01T00:00:00Z");
}

/* {"SourceTimestamp": ..., "MachineId": ..., "ResultId": ..., "HeadId": ..., */
static void payload_head(strata_buf *b, const char *when, const drill_hole_result *r)
{
	strata_buf_puts(b, "{\"SourceTimestamp\": ");
	drill_py_json_string(b, when);
	strata_buf_puts(b, ", \"MachineId\": ");
	drill_py_json_string(b, r->machine_id);
	strata_buf_puts(b, ", \"ResultId\": ");
	drill_py_json_string(b, r->result_id);
	strata_buf_puts(b, ", \"HeadId\": ");
	drill_py_json_string(b, r->head_id);
	strata_buf_puts(b, ", \"Value\": ");
}

/* A success payload: Value is the list, then AlgoVersion. */
static void payload_values(strata_buf *b, const char *when, const drill_hole_result *r,
                           const double *v, size_t n)
{
	payload_head(b, when, r);
	strata_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strata_buf_puts(b, ", ");
		drill_py_json_double(b, v[i]);
	}
	strata_buf_puts(b, "], \"AlgoVersion\": ");
	drill_py_json_string(b, r->algo);
	strata_buf_putc(b, '}');
}

/* An error payload: Value is the message, then Error: true. */
static void payload_error(strata_buf *b, const char *when, const drill_hole_result *r,
                          const char *what)
{
	strata_buf text = STRATA_BUF_INIT;

	payload_head(b, when, r);
	strata_buf_printf(&text, "Error in %s estimation: %s", what, r->reason);
	drill_py_json_string(b, strata_buf_cstr(&text));
	strata_buf_free(&text);
	strata_buf_puts(b, ", \"Error\": true}");
}

/* {root}/{toolbox}/{tool}/{suffix} */
static char *result_topic(const drill_config *cfg, const drill_corr_set *set, const char *suffix)
{
	strata_buf t = STRATA_BUF_INIT;

	if (strata_buf_printf(&t, "%s/%s/%s/%s", cfg->root, set->toolbox ? set->toolbox : "",
	                      set->tool ? set->tool : "", suffix) != 0) {
		strata_buf_free(&t);
		return NULL;
	}
	return strata_buf_detach(&t);
}

/* Build both publications from out's fields. */
static int hole_publications(const drill_config *cfg, const drill_corr_set *set,
                             drill_hole_result *out)
{
	const char *suffix[DRILL_PUBS] = {cfg->keypoints, cfg->depth_estimation};
	const char *what[DRILL_PUBS] = {"keypoint", "depth"};
	char when[48];

	source_timestamp(set->timestamp, when, sizeof(when));
	for (int i = 0; i < DRILL_PUBS; i++) {
		strata_buf b = STRATA_BUF_INIT;

		if (out->error)
			payload_error(&b, when, out, what[i]);
		else if (i == DRILL_PUB_KEYPOINTS)
			payload_values(&b, when, out, out->keypoints, 3);
		else
			payload_values(&b, when, out, out->depths, 2);
		out->pub[i].len = b.len;
		out->pub[i].payload = strata_buf_detach(&b);
		out->pub[i].topic = result_topic(cfg, set, suffix[i]);
		if (!out->pub[i].payload || !out->pub[i].topic)
			return strata_error_set(STRATA_ENOMEM, "hole: out of memory");
	}
	return 0;
}

/* Fill out from a parsed and estimated hole (rc 0) or a failed one. */
static int hole_outcome(const drill_corr_set *set, const hole *h, int rc, drill_hole_result *out)
{
	int ok = 1;

	if (rc) {
		out->error = 1;
		out->reason = dup_or_null(strata_error_message(), &ok);
		out->depth_mm = NAN;
		for (int i = 0; i < 3; i++)
			out->keypoints[i] = NAN;
		out->depths[0] = out->depths[1] = NAN;
	}
	if (h->have_result) {
		out->machine_id = dup_or_null(h->result.serial, &ok);
		out->result_id = dup_or_null(h->result.result_id, &ok);
	} else {
		out->result_id = dup_or_null(set->result_id, &ok);
	}
	return ok ? 0 : strata_error_set(STRATA_ENOMEM, "hole: out of memory");
}

int drill_hole_process(const drill_config *cfg, const drill_corr_set *set, drill_hole_result *out)
{
	hole h;
	int rc;

	if (!cfg || !set || !out)
		return strata_error_set(STRATA_EINVAL, "drill_hole_process: invalid argument");
	memset(out, 0, sizeof(*out));
	memset(&h, 0, sizeof(h));
	out->algo = hole_estimator->algo_version;
	for (int k = 0; k < DRILL_MSG_KINDS; k++)
		if (set->present & (1u << k))
			h.msg[k] = set->payload[k];
	rc = hole_heads(cfg, &h, out);
	if (!rc) {
		rc = hole_parse(cfg, &h);
		if (!rc)
			rc = hole_estimate(&h, out);
		if (rc != STRATA_ENOMEM)
			rc = hole_outcome(set, &h, rc, out);
	}
	if (!rc)
		rc = hole_publications(cfg, set, out);
	drill_result_free(&h.result);
	drill_trace_free(&h.trace);
	if (rc)
		drill_hole_result_free(out);
	return rc;
}

/* --- consecutive negative depths ---------------------------------------------- */

void drill_negative_run_init(drill_negative_run *run, const drill_config *cfg)
{
	memset(run, 0, sizeof(*run));
	run->threshold = cfg && cfg->track_sequential_negatives ? cfg->sequential_threshold : 0;
	run->window_ns = cfg ? (int64_t)(cfg->sequential_window_minutes * 60.0 * 1e9) : 0;
}

/* A run restarts when its first negative is older than the window; a NaN
 * (an error hole) leaves the run as it is. */
int drill_negative_run_note(drill_negative_run *run, double depth_mm, int64_t now)
{
	if (isnan(depth_mm) || run->threshold <= 0)
		return 0;
	if (!(depth_mm < 0)) {
		run->count = 0;
		return 0;
	}
	if (run->count == 0 || now - run->first_ns > run->window_ns) {
		run->count = 0;
		run->first_ns = now;
	}
	if (++run->count < run->threshold)
		return 0;
	run->count = 0; /* warn once per `threshold` in a row */
	return 1;
}
