/*
 * replay.h - `strata drill replay`: publish captured holes to a broker.
 *
 * A capture is a directory with a hole's messages as the line published
 * them: Result.json (or ResultManagement.json), Trace.json and optionally
 * Heads.json. Replay publishes them on {root}/{toolbox}/{tool}/{suffix}
 * (QoS 1), optionally with fresh timestamps (every SourceTimestamp of a hole
 * rewritten to one new value, unique per hole) and fresh result ids, so that
 * each replayed hole is a new hole for the service. The text is otherwise
 * published byte for byte. docs/drill-service.md.
 */
#ifndef STRATA_DRILL_REPLAY_H
#define STRATA_DRILL_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "drill/config.h"
#include "strata/buf.h"

typedef struct drill_span {
	size_t start, end; /* [start, end) in the message text */
} drill_span;

/* One message of a capture and the places to rewrite. */
typedef struct drill_capture_msg {
	char *text; /* NULL when the capture lacks this message */
	size_t len;
	drill_span *timestamps; /* each SourceTimestamp string, without quotes */
	size_t n_timestamps;
	drill_span result_id; /* the result id's Value token (end 0: none) */
	int result_id_is_string;
} drill_capture_msg;

typedef struct drill_capture {
	char *dir;
	drill_capture_msg msg[DRILL_MSG_KINDS];
} drill_capture;

/* Load the capture in dir. A Result and a Trace are required; ids (from the
 * configuration) locate the result ids. The text is not otherwise checked:
 * a malformed capture is replayed as it is. */
int drill_capture_load(const char *dir, const drill_data_ids *ids, drill_capture *out);
void drill_capture_free(drill_capture *c);

/* Whether dir holds a capture (a Result file). */
int drill_capture_is_dir(const char *dir);

/* Append message kind of c to out with every SourceTimestamp replaced by
 * timestamp and the result id by result_id (each NULL: unchanged; an id
 * keeps its JSON type: a number stays a number). */
int drill_capture_render(const drill_capture *c, drill_msg_kind kind, const char *timestamp,
                         const char *result_id, strata_buf *out);

/* The `strata drill replay` command. */
int drill_cmd_replay(int argc, char **argv);

#endif
