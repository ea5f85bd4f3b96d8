/* estimate.c - estimators on Setitec files, and `strata drill estimate`. */
#include "drill/estimate.h"

#include "strata/cmd.h"
#include "strata/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int drill_trace_from_setitec(const drill_setitec *f, const char *name, drill_trace_buf *out)
{
	const drill_setitec_column *empty =
	    drill_setitec_column_find(f, DRILL_SETITEC_TORQUE_EMPTY);

	memset(out, 0, sizeof *out);
	out->step = calloc(f->n_rows + 1, sizeof *out->step);
	if (!out->step)
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", name);
	for (size_t i = 0; i < f->n_rows; i++)
		out->step[i] = isnan(f->step[i]) ? -1 : (int)lround(f->step[i]);
	out->view = (drill_trace_view){f->position, f->torque, empty ? empty->values : NULL,
	                               out->step,   f->n_rows, name};
	return 0;
}

void drill_trace_buf_free(drill_trace_buf *t)
{
	free(t->step);
	t->step = NULL;
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

int drill_cmd_estimate(int argc, char **argv)
{
	int json = 0, files = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: strata drill estimate [--json] FILE.xls...\n\n"
			       "Estimate the entry, transition and exit keypoints of each Setitec "
			       "export\nwith the deterministic estimators "
			       "(docs/drill-keypoints.md).\n");
			return STRATA_EXIT_OK;
		}
		if (!strcmp(argv[i], "--json"))
			json = 1;
	}
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		files++;
		if (estimate_file(argv[i], json) != 0) {
			fprintf(stderr, "strata drill estimate: %s\n", strata_error_message());
			failed++;
		}
	}
	if (!files) {
		fprintf(stderr, "usage: strata drill estimate [--json] FILE.xls...\n");
		return STRATA_EXIT_USAGE;
	}
	return failed ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}
