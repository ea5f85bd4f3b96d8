/*
 * estimate.h - running the keypoint estimators on a drilling line's inputs.
 *
 * Converts what the readers produce (a Setitec export, or an MQTT hole's
 * Result and Trace messages) into the estimators' trace view, and reports
 * keypoints as text or JSON for `strata drill estimate`.
 */
#ifndef STRATA_DRILL_ESTIMATE_H
#define STRATA_DRILL_ESTIMATE_H

#include "drill/keypoints.h"
#include "drill/opcua.h"
#include "drill/setitec.h"
#include "strata/buf.h"

#define DRILL_SETITEC_TORQUE_EMPTY "I Torque Empty (A)"

/* A trace view over a reader's arrays, owning the integer steps and, for
 * MQTT holes, the per-sample no-load torque. */
typedef struct drill_trace_buf {
	int *step;
	double *torque_empty; /* owned (MQTT), else NULL */
	drill_trace_view view;
} drill_trace_buf;

/* View f's standard columns (steps rounded to integers, NaN -> -1; the
 * no-load torque column when present). name labels errors. */
int drill_trace_from_setitec(const drill_setitec *f, const char *name, drill_trace_buf *out);
void drill_trace_buf_free(drill_trace_buf *t);

/*
 * View an MQTT hole as the original service's table does: the Trace samples
 * as published (position sign kept, as in the Setitec export; the estimators
 * take |position|), steps rounded to integers (NaN -> -1), and each sample's
 * no-load torque current taken from the Result step of the same number (the
 * outer join on `Step (nb)`; NaN for a sample whose step the Result lacks).
 * A step number listed twice in the Result is an error naming it.
 */
int drill_trace_from_opcua(const drill_result *r, const drill_trace *t, const char *name,
                           drill_trace_buf *out);

/* Append one JSON object {"file", "entry", "transition", "exit"}, each
 * keypoint {"position", "index", "algo"} or {"error": reason}. */
int drill_keypoints_to_json(const char *name, const drill_keypoints *kp, strata_buf *out);

/* The `strata drill estimate` command. */
int drill_cmd_estimate(int argc, char **argv);

#endif
