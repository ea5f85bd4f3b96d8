/*
 * opcua.h - the drilling line's OPC UA PubSub JSON messages, parsed into holes.
 *
 * A Setitec unit publishes each hole as a Result message (per-step metadata)
 * and a Trace message (100 Hz samples) on `{root}/{toolbox}/{tool}/{kind}`.
 * Their payload keys are long OPC UA node ids such as
 *   nsu=http://airbus.com/IJT/ADrilling;s=Objects.DeviceSet.<unit>.
 *     ResultManagement.Results.0.ResultMetaData.ResultId
 * A field is the `Value` of the FIRST payload key (in document order) that
 * contains the configured path (drill_data_ids); the message timestamp is the
 * `SourceTimestamp` of the result-id entry, kept to the nanosecond.
 *
 * Accepted variants (all seen in the captures): ids as integers or strings,
 * no-load currents and step numbers as scalars or lists, `null` samples in
 * traces (NaN plus a count), evaluations as true/false or "OK"/"NotOK", keys
 * with a `.MeasuredValue` suffix (matched because the path is a substring),
 * and `Messages` as one object or an array (the first element is used).
 * Result and Heads messages are decoded whole (jansson); one with a
 * duplicate key in any object is refused (which of the two counts would be
 * a guess). Trace messages are read by a streaming scan (opcua_scan.c) that
 * converts only the four wanted arrays: there the first occurrence of a
 * repeated key counts, as for drill_payload_key, and a second Value or
 * SourceTimestamp in a wanted entry is an error.
 *
 * Every failure returns a negative strata_error and sets a message naming the
 * message, the key and the reason, e.g.
 *   "Trace.json: ...PositionTrace.StepTraceContent[0].Values: sample 12: expected a number or
 * null, got a string".
 */
#ifndef STRATA_DRILL_OPCUA_H
#define STRATA_DRILL_OPCUA_H

#include <stddef.h>
#include <stdint.h>

#include "strata/time.h"

#define DRILL_MAX_MESSAGE_BYTES (64u << 20) /* 64 MiB of JSON */
#define DRILL_MAX_SAMPLES       (4u << 20)  /* 4 Mi samples: 11.6 h at 100 Hz */
#define DRILL_MAX_STEPS         4096u       /* program steps per hole */
#define DRILL_MAX_ID_LEN        256u        /* result id, serial number */

/* The configured payload paths (the original service's `data_ids`). */
typedef struct drill_data_ids {
	const char *result_id;       /* Result: the hole's result id */
	const char *serial_number;   /* Result: machine serial number */
	const char *step_number;     /* Result: program step numbers */
	const char *torque_empty;    /* Result: no-load torque current per step */
	const char *thrust_empty;    /* Result: no-load thrust current per step */
	const char *evaluation;      /* Result: OK / not OK (optional) */
	const char *trace_result_id; /* Trace: the hole's result id */
	const char *position;        /* Trace: position samples (mm) */
	const char *torque;          /* Trace: torque current samples (A) */
	const char *thrust;          /* Trace: thrust current samples (A) */
	const char *step;            /* Trace: step number samples */
	const char *head_id;         /* Heads: head serial number */
} drill_data_ids;

/* The default paths, inferred from the captures (see docs/drill-input.md). */
const drill_data_ids *drill_data_ids_default(void);

typedef struct drill_result {
	char *result_id;       /* integer ids are printed in decimal */
	char *serial;          /* machine serial number */
	strata_time timestamp; /* SourceTimestamp of the result-id entry */
	int evaluation;        /* 1 OK, 0 not OK, -1 absent */
	size_t n_steps;        /* length of the three arrays below */
	int32_t *step_numbers;
	double *torque_empty;
	double *thrust_empty;
} drill_result;

typedef struct drill_trace {
	char *result_id;
	strata_time timestamp; /* SourceTimestamp of the trace result-id entry */
	size_t n;              /* samples in each array */
	double *position;      /* mm, as published (negative going down) */
	double *torque;        /* A */
	double *thrust;        /* A */
	double *step;          /* step number; NaN where null */
	size_t n_null;         /* null samples over the four arrays (now NaN) */
} drill_trace;

/* Parse a Result message of len bytes; name (a file or topic) labels errors.
 * ids NULL means drill_data_ids_default(). On failure *out is left empty. */
int drill_result_parse(const char *data, size_t len, const char *name, const drill_data_ids *ids,
                       drill_result *out);
void drill_result_free(drill_result *r);

/* Parse a Trace message; the four sample arrays must have equal lengths.
 * Invalid JSON is reported as "name:line:column: invalid JSON: ...". */
int drill_trace_parse(const char *data, size_t len, const char *name, const drill_data_ids *ids,
                      drill_trace *out);
void drill_trace_free(drill_trace *t);

/* A Heads message: the head's id and the message's timestamp. */
typedef struct drill_heads {
	char *head_id;         /* NULL when absent, null, an empty list or blank */
	strata_time timestamp; /* SourceTimestamp of the head-id entry, else of the
	                          first payload entry that has one */
} drill_heads;

/*
 * Parse a Heads message. The head id is the Value of the first payload key
 * containing ids->head_id, normalised as the original service does
 * (str(value).strip(), a list's first element): strings are trimmed of ASCII
 * white space, integers printed in decimal, reals as Python's repr, booleans
 * "True"/"False"; an object, null or blank gives NULL. Invalid JSON, no
 * Messages.Payload object or no SourceTimestamp at all is an error.
 */
int drill_heads_parse(const char *data, size_t len, const char *name, const drill_data_ids *ids,
                      drill_heads *out);
void drill_heads_free(drill_heads *h);

/*
 * The correlation key of a message, read by a streaming scan that builds
 * nothing (sample arrays are skipped, not converted) and stops at the end of
 * the entry it needs: the first payload key containing path gives the
 * SourceTimestamp and, when id is not NULL, the id (its Value, an integer
 * printed in decimal or a string of 1..DRILL_MAX_ID_LEN bytes, malloc'd).
 * With fallback_first_ts a message without such a key takes the
 * SourceTimestamp of its first payload entry that has one (Heads). Agrees
 * with drill_result_parse/drill_trace_parse/drill_heads_parse on every
 * message they accept (fuzzed); may accept a message that is invalid after
 * the entry (a truncated trace), which the full parse then reports. Errors
 * name the message, the key and the reason.
 */
int drill_payload_key(const char *data, size_t len, const char *name, const char *path,
                      int fallback_first_ts, char **id, strata_time *timestamp);

/*
 * Split `{root}/{toolbox}/{tool}/{kind}`. root may hold several levels
 * ("a/b"); NULL or "" accepts any single-level root. Each part must be
 * non-empty and free of MQTT wildcards. Outputs are malloc'd (caller frees)
 * and set only on success.
 */
int drill_topic_parse(const char *topic, const char *root, char **toolbox, char **tool,
                      char **kind);

#endif
