/*
 * estimate.h - running the keypoint estimators on a drilling line's inputs.
 *
 * Converts what the readers produce (a Setitec export today; an MQTT hole
 * later) into the estimators' trace view, and reports keypoints as text or
 * JSON for `strata drill estimate`.
 */
#ifndef STRATA_DRILL_ESTIMATE_H
#define STRATA_DRILL_ESTIMATE_H

#include "drill/keypoints.h"
#include "drill/setitec.h"
#include "strata/buf.h"

#define DRILL_SETITEC_TORQUE_EMPTY "I Torque Empty (A)"

/* A trace view over a Setitec file's columns, owning the integer steps. */
typedef struct drill_trace_buf {
	int *step;
	drill_trace_view view;
} drill_trace_buf;

/* View f's standard columns (steps rounded to integers, NaN -> -1; the
 * no-load torque column when present). name labels errors. */
int drill_trace_from_setitec(const drill_setitec *f, const char *name, drill_trace_buf *out);
void drill_trace_buf_free(drill_trace_buf *t);

/* Append one JSON object {"file", "entry", "transition", "exit"}, each
 * keypoint {"position", "index", "algo"} or {"error": reason}. */
int drill_keypoints_to_json(const char *name, const drill_keypoints *kp, strata_buf *out);

/* The `strata drill estimate` command. */
int drill_cmd_estimate(int argc, char **argv);

#endif
