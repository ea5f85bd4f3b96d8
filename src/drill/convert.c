/*
 * convert.c - `strata drill convert`: one hole's Result and Trace messages as
 * the original service's table (its convert_mqtt_to_df), written as CSV.
 *
 * One row per Trace sample, outer-joined with the Result's steps on the step
 * number: Position (mm) with its sign flipped (positive into the stack, as
 * the original's DataFrame has it), I Torque (A), I Thrust (A), Step (nb),
 * and the no-load currents I Torque Empty (A), I Thrust Empty (A) of the
 * sample's step (empty cells when the Result lacks that step or a value is
 * null). Numbers are shortest round-trip decimals.
 */
#include "drill/convert.h"

#include "drill/opcua.h"
#include "strata/buf.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char convert_usage[] =
    "usage: strata drill convert [--out FILE] RESULT.json TRACE.json\n"
    "\n"
    "Writes one hole as the original service's table (CSV): position (sign flipped),\n"
    "torque and thrust currents, step, and the step's no-load currents from the Result.\n"
    "  --out FILE   write FILE atomically instead of standard output\n";

/* A number cell: empty for NaN (a null sample), else shortest round trip. */
static int put_cell(strata_buf *b, double v, int last)
{
	int rc = isnan(v) ? 0 : strata_buf_json_double(b, v);
	if (rc == 0)
		rc = strata_buf_putc(b, last ? '\n' : ',');
	return rc;
}

/* Index of step s among the Result's step numbers, or -1. */
static long result_step_index(const drill_result *r, double s)
{
	for (size_t i = 0; i < r->n_steps; i++)
		if ((double)r->step_numbers[i] == s)
			return (long)i;
	return -1;
}

int drill_convert_table(const drill_result *r, const drill_trace *t, strata_buf *out)
{
	int rc = strata_buf_puts(out, "Position (mm),I Torque (A),I Thrust (A),Step (nb),"
	                              "I Torque Empty (A),I Thrust Empty (A)\n");
	for (size_t k = 0; rc == 0 && k < t->n; k++) {
		long i = isnan(t->step[k]) ? -1 : result_step_index(r, t->step[k]);
		rc = put_cell(out, -t->position[k], 0);
		if (rc == 0)
			rc = put_cell(out, t->torque[k], 0);
		if (rc == 0)
			rc = put_cell(out, t->thrust[k], 0);
		if (rc == 0)
			rc = put_cell(out, t->step[k], 0);
		if (rc == 0)
			rc = put_cell(out, i < 0 ? NAN : r->torque_empty[i], 0);
		if (rc == 0)
			rc = put_cell(out, i < 0 ? NAN : r->thrust_empty[i], 1);
	}
	return rc;
}

/* Read and parse the two messages, then build the table into out. */
static int convert_files(const char *result_path, const char *trace_path, strata_buf *out)
{
	char *data = NULL;
	size_t len = 0;
	drill_result r;
	drill_trace t;
	int rc = strata_file_read_all(result_path, DRILL_MAX_MESSAGE_BYTES, &data, &len);
	if (rc == 0)
		rc = drill_result_parse(data, len, result_path, NULL, &r);
	free(data);
	if (rc != 0)
		return rc;
	data = NULL;
	rc = strata_file_read_all(trace_path, DRILL_MAX_MESSAGE_BYTES, &data, &len);
	if (rc == 0)
		rc = drill_trace_parse(data, len, trace_path, NULL, &t);
	free(data);
	if (rc == 0) {
		rc = drill_convert_table(&r, &t, out);
		drill_trace_free(&t);
	}
	drill_result_free(&r);
	return rc;
}

int drill_cmd_convert(int argc, char **argv)
{
	const char *out_path = NULL, *files[2];
	int n_files = 0;
	strata_buf table = {0};
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		fputs(convert_usage, stdout);
		return STRATA_EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out_path = argv[++i];
		else if (argv[i][0] != '-' && n_files < 2)
			files[n_files++] = argv[i];
		else {
			fputs(convert_usage, stderr);
			return STRATA_EXIT_USAGE;
		}
	}
	if (n_files != 2) {
		fputs(convert_usage, stderr);
		return STRATA_EXIT_USAGE;
	}
	rc = convert_files(files[0], files[1], &table);
	if (rc == 0 && out_path)
		rc = strata_file_write_atomic(out_path, table.data, table.len, 0644);
	else if (rc == 0 && fwrite(table.data, 1, table.len, stdout) != table.len)
		rc = strata_error_set(STRATA_EIO, "standard output: write failed");
	strata_buf_free(&table);
	if (rc != 0) {
		fprintf(stderr, "strata drill convert: %s\n", strata_error_message());
		return STRATA_EXIT_FAILURE;
	}
	return STRATA_EXIT_OK;
}
