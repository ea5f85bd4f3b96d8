/*
 * log.h - structured logging to stderr, as text for people or JSON for machines.
 *
 * A log record is a level, a message and key=value fields. Text:
 *   2026-11-23T10:13:09.123Z INFO  catalog opened path=/tmp/c.db trace_id=0193...
 * JSON (one object per line):
 *   {"ts":"2026-11-23T10:13:09.123Z","level":"info","msg":"catalog opened",
 *    "path":"/tmp/c.db","trace_id":"0193..."}
 *
 * Configure with STRATA_LOG=LEVEL[,FORMAT] (e.g. "debug,json"), or with the
 * CLI's --log-level and --log-format. Each thread may carry a trace id (a
 * request or job id) that is added to every record it logs. Never log secrets:
 * database URLs go through strata_db_display_name().
 */
#ifndef STRATA_LOG_H
#define STRATA_LOG_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_log_level {
	STRATA_LOG_TRACE = 0,
	STRATA_LOG_DEBUG,
	STRATA_LOG_INFO,
	STRATA_LOG_WARN,
	STRATA_LOG_ERROR,
	STRATA_LOG_OFF
} strata_log_level;

typedef enum strata_log_format { STRATA_LOG_TEXT = 0, STRATA_LOG_JSON } strata_log_format;

/* Read STRATA_LOG; an invalid value leaves the defaults and returns an error. */
int strata_log_init_from_env(void);

void strata_log_set_level(strata_log_level level);
void strata_log_set_format(strata_log_format format);
/* By name: "trace", "debug", "info", "warn"/"warning", "error", "off";
 * "text", "json". Case-insensitive; STRATA_EINVAL for anything else. */
int strata_log_set_level_name(const char *name);
int strata_log_set_format_name(const char *name);
strata_log_level strata_log_get_level(void);
strata_log_format strata_log_get_format(void);

/* Where records go (default stderr). For tests. */
void strata_log_set_output(FILE *out);

/* This thread's trace id (copied; NULL clears it). */
void strata_log_set_trace_id(const char *trace_id);
const char *strata_log_trace_id(void);

int strata_log_enabled(strata_log_level level);

/*
 * Log msg with fields given as key, value string pairs:
 *   strata_log(STRATA_LOG_INFO, "catalog opened", "path", path);
 * The macro appends the terminating (const char *)NULL that
 * strata_log_fields() expects.
 */
#define strata_log(level, ...) strata_log_fields((level), __VA_ARGS__, (const char *)NULL)
void strata_log_fields(strata_log_level level, const char *msg, ...);

/* Log a printf-formatted message with no fields. */
void strata_logf(strata_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
