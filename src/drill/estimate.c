/* estimate.c - estimators on Setitec files, and `strata drill estimate`. */
#include "drill/estimate.h"

#include "drill/config.h"
#include "drill/hole.h"
#include "strata/cmd.h"
#include "strata/file.h"
#include "strata/error.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A step code as the estimators see it: rounded, NaN -> -1, clamped. */
static int step_code(double s)
{
	if (isnan(s))
		return -1;
	if (s >= INT_MAX)
		return INT_MAX;
	if (s <= INT_MIN)
		return INT_MIN;
	return (int)lround(s);
}

/* Fill out's view over the given arrays with integer steps (allocated). */
static int trace_buf_init(const double *position, const double *torque, const double *step,
                          size_t n, const char *name, drill_trace_buf *out)
{
	memset(out, 0, sizeof *out);
	out->step = calloc(n + 1, sizeof *out->step);
	if (!out->step)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", name);
	for (size_t i = 0; i < n; i++)
		out->step[i] = step_code(step[i]);
	out->view = (drill_trace_view){position, torque, NULL, out->step, n, name};
	return 0;
}

int drill_trace_from_setitec(const drill_setitec *f, const char *name, drill_trace_buf *out)
{
	const drill_setitec_column *empty =
	    drill_setitec_column_find(f, DRILL_SETITEC_TORQUE_EMPTY);
	int rc = trace_buf_init(f->position, f->torque, f->step, f->n_rows, name, out);

	if (!rc && empty)
		out->view.torque_empty = empty->values;
	return rc;
}

/* One Result step: its number and no-load torque, sorted by number. */
typedef struct step_empty {
	int32_t step;
	double torque_empty;
} step_empty;

static int step_empty_cmp(const void *a, const void *b)
{
	const step_empty *x = a, *y = b;
	return (x->step > y->step) - (x->step < y->step);
}

/* The Result's steps sorted by number; a repeated number is an error. */
static int sorted_steps(const drill_result *r, const char *name, step_empty **out)
{
	step_empty *s = malloc((r->n_steps + 1) * sizeof *s);

	if (!s)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", name);
	for (size_t k = 0; k < r->n_steps; k++)
		s[k] = (step_empty){r->step_numbers[k], r->torque_empty[k]};
	qsort(s, r->n_steps, sizeof *s, step_empty_cmp);
	for (size_t k = 1; k < r->n_steps; k++)
		if (s[k].step == s[k - 1].step) {
			int32_t dup = s[k].step;
			free(s);
			return strata_error_set(STRATA_ESCHEMA,
			                        "%s: the Result lists step %d twice (step numbers "
			                        "must be unique to join them to the trace)",
			                        name, (int)dup);
		}
	*out = s;
	return 0;
}

/* Each sample's no-load torque: its step's in the sorted Result steps, or NaN.
 * Samples come in runs of one step, so a run searches once. */
static void join_torque_empty(const step_empty *steps, size_t n_steps, const drill_trace *t,
                              double *out)
{
	for (size_t i = 0; i < t->n; i++) {
		double s = t->step[i];
		const step_empty *hit = NULL;

		if (i > 0 && s == t->step[i - 1]) {
			out[i] = out[i - 1]; /* same step as the previous sample */
			continue;
		}
		if (steps && s >= INT32_MIN && s <= INT32_MAX && s == floor(s)) {
			step_empty key = {(int32_t)s, 0};
			hit = bsearch(&key, steps, n_steps, sizeof *steps, step_empty_cmp);
		}
		out[i] = hit ? hit->torque_empty : NAN;
	}
}

int drill_trace_from_opcua(const drill_result *r, const drill_trace *t, const char *name,
                           drill_trace_buf *out)
{
	step_empty *steps = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = sorted_steps(r, name, &steps)))
		return rc;
	rc = trace_buf_init(t->position, t->torque, t->step, t->n, name, out);
	if (!rc) {
		out->torque_empty = malloc((t->n + 1) * sizeof(double));
		if (!out->torque_empty) {
			rc = strata_error_set(STRATA_ENOMEM, "%s: out of memory", name);
		} else {
			join_torque_empty(steps, r->n_steps, t, out->torque_empty);
			out->view.torque_empty = out->torque_empty;
		}
	}
	free(steps);
	if (rc)
		drill_trace_buf_free(out);
	return rc;
}

void drill_trace_buf_free(drill_trace_buf *t)
{
	free(t->step);
	free(t->torque_empty);
	t->step = NULL;
	t->torque_empty = NULL;
}

static void keypoint_json(const char *what, const drill_keypoint *kp, strata_buf *out)
{
	strata_buf_printf(out, ",\"%s\":{", what);
	if (kp->ok) {
		strata_buf_puts(out, "\"position\":");
		strata_buf_json_double(out, kp->position);
		strata_buf_printf(out, ",\"index\":%zu,\"algo\":", kp->index);
		strata_buf_json_string(out, kp->algo ? kp->algo : "");
	} else {
		strata_buf_puts(out, "\"error\":");
		strata_buf_json_string(out, kp->reason);
	}
	strata_buf_putc(out, '}');
}

int drill_keypoints_to_json(const char *name, const drill_keypoints *kp, strata_buf *out)
{
	strata_buf_puts(out, "{\"file\":");
	strata_buf_json_string(out, name);
	keypoint_json("entry", &kp->entry, out);
	keypoint_json("transition", &kp->transition, out);
	keypoint_json("exit", &kp->exit, out);
	return strata_buf_puts(out, "}");
}

static void print_keypoint(const char *what, const drill_keypoint *kp)
{
	if (kp->ok)
		printf("  %-10s %9.3f mm  (row %zu, %s)\n", what, kp->position, kp->index,
		       kp->algo);
	else
		printf("  %-10s %9s     %s\n", what, "-", kp->reason);
}

/* Estimate one file; prints its keypoints (text or one JSON line). */
static int estimate_file(const char *path, int json)
{
	drill_setitec f;
	drill_trace_buf t;
	drill_keypoints kp;
	int rc;

	if ((rc = drill_setitec_read(path, &f)))
		return rc;
	if (!(rc = drill_trace_from_setitec(&f, path, &t))) {
		rc = drill_estimate(&drill_estimator_deterministic, &t.view, &kp);
		drill_trace_buf_free(&t);
	}
	if (!rc && json) {
		strata_buf line = STRATA_BUF_INIT;
		drill_keypoints_to_json(path, &kp, &line);
		puts(strata_buf_cstr(&line));
		strata_buf_free(&line);
	} else if (!rc) {
		printf("%s\n", path);
		print_keypoint("entry", &kp.entry);
		print_keypoint("transition", &kp.transition);
		print_keypoint("exit", &kp.exit);
	}
	drill_setitec_free(&f);
	return rc;
}

/* Options of the MQTT form of the command. */
typedef struct estimate_opts {
	int json;
	const char *config, *toolbox, *tool;
	const char *files[3]; /* Result, Trace, Heads (optional) */
	int n_files;
} estimate_opts;

/* Read a message file as the service would have received it on topic. */
static int read_message(const char *path, const char *topic, drill_raw_msg **out)
{
	char *data = NULL;
	size_t len = 0;
	int rc = strata_file_read_all(path, 0, &data, &len);

	if (rc)
		return rc;
	rc = drill_raw_msg_new(topic, data, len, out);
	free(data);
	return rc;
}

/* The set the correlator would hand over for these files. */
static int files_to_set(const drill_config *cfg, const estimate_opts *o, drill_corr_set *set)
{
	const char *suffix[DRILL_MSG_KINDS] = {cfg->result, cfg->trace, cfg->heads};
	int rc = 0;

	memset(set, 0, sizeof *set);
	set->toolbox = strdup(o->toolbox);
	set->tool = strdup(o->tool);
	if (!set->toolbox || !set->tool)
		return strata_error_set(STRATA_ENOMEM, "estimate: out of memory");
	for (int k = 0; !rc && k < o->n_files; k++) {
		char topic[1024];
		drill_raw_msg *m = NULL;

		snprintf(topic, sizeof topic, "%s/%s/%s/%s", cfg->root, o->toolbox, o->tool,
		         suffix[k][0] ? suffix[k] : "AssetManagement/Heads");
		rc = read_message(o->files[k], topic, &m);
		if (rc)
			return strata_error_wrap(rc, "%s", o->files[k]);
		set->payload[k] = m;
		set->payload_free[k] = drill_raw_msg_free;
		set->present |= 1u << k;
	}
	/* the correlation key, as the service computes it */
	return drill_msg_key(cfg, DRILL_MSG_RESULT, set->payload[DRILL_MSG_RESULT], &set->result_id,
	                     &set->timestamp);
}

/* Print the hole's keypoints and publications as text. */
static void print_hole(const estimate_opts *o, const drill_hole_result *r)
{
	printf("%s + %s%s%s\n", o->files[0], o->files[1], o->n_files > 2 ? " + " : "",
	       o->n_files > 2 ? o->files[2] : "");
	if (!r->error || r->kp.entry.algo) {
		print_keypoint("entry", &r->kp.entry);
		print_keypoint("transition", &r->kp.transition);
		print_keypoint("exit", &r->kp.exit);
	}
	if (r->error)
		printf("  error      %s\n", r->reason);
	else
		printf("  depths     %9.3f mm, %.3f mm  (%s)\n", r->depths[0], r->depths[1],
		       r->algo);
	if (r->heads_warning)
		printf("  heads      %s\n", r->heads_warning);
	for (int i = 0; i < DRILL_PUBS; i++)
		printf("  -> %s\n     %s\n", r->pub[i].topic, r->pub[i].payload);
}

/* Print the two publications as JSON lines {"topic": ..., "payload": ...}. */
static void print_publications(const drill_hole_result *r)
{
	for (int i = 0; i < DRILL_PUBS; i++) {
		strata_buf line = STRATA_BUF_INIT;

		strata_buf_puts(&line, "{\"topic\":");
		strata_buf_json_string(&line, r->pub[i].topic);
		strata_buf_puts(&line, ",\"payload\":");
		strata_buf_puts(&line, r->pub[i].payload);
		strata_buf_putc(&line, '}');
		puts(strata_buf_cstr(&line));
		strata_buf_free(&line);
	}
}

/* `estimate RESULT.json TRACE.json [HEADS.json]`: one hole as the service
 * would process it. Exit status 1 when the hole's payloads carry Error. */
static int estimate_messages(const estimate_opts *o)
{
	drill_config cfg;
	drill_corr_set set;
	drill_hole_result r;
	int rc = o->config ? drill_config_load(o->config, &cfg) : drill_config_defaults(&cfg);

	if (rc) {
		fprintf(stderr, "strata drill estimate: %s\n", strata_error_message());
		drill_config_free(&cfg);
		return STRATA_EXIT_FAILURE;
	}
	rc = files_to_set(&cfg, o, &set);
	if (!rc)
		rc = drill_hole_process(&cfg, &set, &r);
	if (rc) {
		fprintf(stderr, "strata drill estimate: %s\n", strata_error_message());
	} else {
		if (o->json)
			print_publications(&r);
		else
			print_hole(o, &r);
		rc = r.error ? STRATA_ERR : 0;
		drill_hole_result_free(&r);
	}
	drill_corr_set_free(&set);
	drill_config_free(&cfg);
	return rc ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}

static const char estimate_usage[] =
    "usage: strata drill estimate [--json] FILE.xls...\n"
    "       strata drill estimate [--json] [--config FILE] [--toolbox ID] [--tool ID]\n"
    "                             RESULT.json TRACE.json [HEADS.json]\n";

/* Does the path end in ".json" (any case)? */
static int is_json_path(const char *p)
{
	size_t n = strlen(p);
	return n >= 5 && !strcasecmp(p + n - 5, ".json");
}

/* Take an option's value; 1 when argv[*i] was that option. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	if (strcmp(argv[*i], name) != 0)
		return 0;
	if (*i + 1 < argc)
		*out = argv[++*i];
	else
		*out = NULL;
	return 1;
}

/* Parse the options; returns the first non-option index or -1 on a usage error. */
static int estimate_options(int argc, char **argv, estimate_opts *o, int *help)
{
	for (int i = 1; i < argc; i++) {
		const char *v = "";
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			*help = 1;
		else if (!strcmp(argv[i], "--json"))
			o->json = 1;
		else if (option_value(argc, argv, &i, "--config", &v))
			o->config = v;
		else if (option_value(argc, argv, &i, "--toolbox", &v))
			o->toolbox = v;
		else if (option_value(argc, argv, &i, "--tool", &v))
			o->tool = v;
		else if (argv[i][0] == '-')
			v = NULL;
		else if (o->n_files < 3)
			o->files[o->n_files++] = argv[i];
		if (!v)
			return -1;
	}
	return 0;
}

int drill_cmd_estimate(int argc, char **argv)
{
	estimate_opts o = {0, NULL, "toolbox", "tool", {NULL, NULL, NULL}, 0};
	int help = 0, files = 0, failed = 0;

	if (estimate_options(argc, argv, &o, &help) < 0) {
		fputs(estimate_usage, stderr);
		return STRATA_EXIT_USAGE;
	}
	if (help) {
		printf("%s\nEstimate the entry, transition and exit keypoints of each Setitec "
		       "export, or of one\nhole's MQTT Result and Trace messages (and its optional "
		       "Heads message); with\n--json the latter prints the two payloads the "
		       "service would publish\n(docs/drill-keypoints.md, docs/drill-input.md).\n",
		       estimate_usage);
		return STRATA_EXIT_OK;
	}
	if (o.n_files && is_json_path(o.files[0])) {
		if (o.n_files < 2) {
			fputs(estimate_usage, stderr);
			return STRATA_EXIT_USAGE;
		}
		return estimate_messages(&o);
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") || !strcmp(argv[i], "--toolbox") ||
		    !strcmp(argv[i], "--tool")) {
			i++; /* its value */
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		files++;
		if (estimate_file(argv[i], o.json) != 0) {
			fprintf(stderr, "strata drill estimate: %s\n", strata_error_message());
			failed++;
		}
	}
	if (!files) {
		fputs(estimate_usage, stderr);
		return STRATA_EXIT_USAGE;
	}
	return failed ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}
