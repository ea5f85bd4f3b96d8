/*
 * hole.h - one hole, from its raw MQTT messages to the payloads the service
 * publishes.
 *
 * The service's ingest thread wraps every received message in a
 * drill_raw_msg, extracts its correlation key with drill_msg_key (cheap: the
 * result id and SourceTimestamp only, never the samples) and hands it to the
 * correlator. A completed set (payloads are drill_raw_msg) goes to a worker,
 * which calls drill_hole_process: it parses the messages, runs the keypoint
 * estimators and builds the keypoints and depth-estimation publications with
 * exactly the original service's JSON fields (SourceTimestamp, MachineId,
 * ResultId, HeadId, Value, AlgoVersion; Error: true and a message on failure).
 *
 * A hole whose messages cannot be parsed or estimated still gets its two
 * publications, with Error: true and a reason naming the message, the field
 * and the problem. drill_hole_process fails (negative strata_error) only when
 * it cannot produce publications at all (out of memory).
 */
#ifndef STRATA_DRILL_HOLE_H
#define STRATA_DRILL_HOLE_H

#include <stddef.h>
#include <stdint.h>

#include "drill/config.h"
#include "drill/correlate.h"
#include "drill/keypoints.h"

/* A message as it came off the wire. data[len] is always '\0'. */
typedef struct drill_raw_msg {
	char *topic;
	char *data;
	size_t len;
} drill_raw_msg;

/* Copy topic and len bytes of data into a new message. */
int drill_raw_msg_new(const char *topic, const void *data, size_t len, drill_raw_msg **out);
/* Free a message (signature of drill_msg.payload_free). NULL is fine. */
void drill_raw_msg_free(void *msg);

/*
 * The correlation key of a message of the given kind: its result id (NULL
 * for Heads, malloc'd otherwise) and its SourceTimestamp in ns. Reads only
 * what the key needs. An error (message not JSON, key missing) names the
 * topic, the key and the reason; such a message cannot be attributed to a
 * hole and is rejected with a log line.
 */
int drill_msg_key(const drill_config *cfg, drill_msg_kind kind, const drill_raw_msg *m,
                  char **result_id, int64_t *timestamp);

/* One MQTT publication. */
typedef struct drill_publication {
	char *topic;
	char *payload;
	size_t len;
} drill_publication;

enum { DRILL_PUB_KEYPOINTS = 0, DRILL_PUB_DEPTH = 1, DRILL_PUBS = 2 };

typedef struct drill_hole_result {
	drill_publication pub[DRILL_PUBS]; /* keypoints, depth estimation */
	int error;                         /* 1: the payloads carry Error: true */
	char *reason;                      /* why, when error (else NULL) */
	/* The smallest published depth: negative exactly when the original's
	 * negative-depth test (any depth < 0) fires; NaN when error. */
	double depth_mm;
	const char *algo; /* AlgoVersion of the estimator used (static) */
	/* Added for callers that report more than the payloads: */
	double keypoints[3]; /* published keypoints: entry, transition, exit (mm) */
	double depths[2];    /* published depths: transition - entry, exit - transition */
	drill_keypoints kp;  /* the estimator's output, with reasons */
	char *machine_id;    /* as published; NULL is null */
	char *result_id;     /* as published; NULL is null */
	char *head_id;       /* as published; NULL is null */
	char *heads_warning; /* why a present Heads message gave no HeadId, or NULL */
} drill_hole_result;

/*
 * Process a completed set whose payloads are drill_raw_msg (Heads may be
 * absent). The set is not modified. On success the publications go to
 * {root}/{toolbox}/{tool}/{mqtt.estimation.keypoints|depth_estimation} with
 * the original's fields in its order (docs/drill-input.md):
 *   {"SourceTimestamp": ..., "MachineId": ..., "ResultId": ..., "HeadId": ...,
 *    "Value": [entry, transition, exit] | [transition - entry, exit - transition],
 *    "AlgoVersion": ...}
 * or, on error, "Value": "Error in keypoint|depth estimation: <reason>",
 * "Error": true. A Heads message that cannot be read does not fail the hole
 * (the original ignores it too): HeadId is null and heads_warning says why.
 */
int drill_hole_process(const drill_config *cfg, const drill_corr_set *set, drill_hole_result *out);
void drill_hole_result_free(drill_hole_result *r);

/*
 * Consecutive negative depths (mqtt.depth_validation): note each hole's
 * depth_mm at time now (ns); returns 1 when this hole makes `threshold`
 * negative depths in a row within `window` of the run's first (the service
 * then logs a warning), else 0, and starts a new run after reporting. A
 * non-negative depth resets the run; NaN (an Error hole) leaves it as it is;
 * a negative depth after the window starts a new run. threshold 0
 * (track_sequential_negatives off) never reports.
 */
typedef struct drill_negative_run {
	int threshold;
	int64_t window_ns;
	int count;
	int64_t first_ns;
} drill_negative_run;

void drill_negative_run_init(drill_negative_run *run, const drill_config *cfg);
int drill_negative_run_note(drill_negative_run *run, double depth_mm, int64_t now);

#endif
