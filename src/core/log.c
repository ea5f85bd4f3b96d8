/* log.c - structured logging; see include/strata/log.h. */
#include "strata/log.h"

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/time.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TRACE_ID_MAX 64

static strata_log_level log_level = STRATA_LOG_INFO;
static strata_log_format log_format = STRATA_LOG_TEXT;
static FILE *log_output;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local char trace_id[TRACE_ID_MAX];

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

void strata_log_set_level(strata_log_level level)
{
	log_level = level;
}

void strata_log_set_format(strata_log_format format)
{
	log_format = format;
}

strata_log_level strata_log_get_level(void)
{
	return log_level;
}

strata_log_format strata_log_get_format(void)
{
	return log_format;
}

int strata_log_set_level_name(const char *name)
{
	for (int i = STRATA_LOG_TRACE; i <= STRATA_LOG_OFF; i++) {
		if (!strcasecmp(name, level_names[i])) {
			log_level = (strata_log_level)i;
			return 0;
		}
	}
	if (!strcasecmp(name, "warning")) {
		log_level = STRATA_LOG_WARN;
		return 0;
	}
	return strata_error_set(STRATA_EINVAL,
	                        "unknown log level '%.32s' (trace, debug, info, warn, error, off)",
	                        name);
}

int strata_log_set_format_name(const char *name)
{
	if (!strcasecmp(name, "text"))
		log_format = STRATA_LOG_TEXT;
	else if (!strcasecmp(name, "json"))
		log_format = STRATA_LOG_JSON;
	else
		return strata_error_set(STRATA_EINVAL, "unknown log format '%.32s' (text, json)",
		                        name);
	return 0;
}

/* STRATA_LOG is a comma-separated list of a level and/or a format. */
int strata_log_init_from_env(void)
{
	const char *env = getenv("STRATA_LOG");
	char item[32];

	if (!env || !*env)
		return 0;
	while (*env) {
		size_t n = strcspn(env, ",");
		if (n == 0 || n >= sizeof item)
			return strata_error_set(STRATA_EINVAL, "STRATA_LOG: bad item in '%.64s'",
			                        env);
		memcpy(item, env, n);
		item[n] = '\0';
		if (strata_log_set_format_name(item) != 0 && strata_log_set_level_name(item) != 0)
			return strata_error_set(
			    STRATA_EINVAL,
			    "STRATA_LOG: '%s' is neither a level (trace, debug, "
			    "info, warn, error, off) nor a format (text, json)",
			    item);
		env += n + (env[n] == ',');
	}
	strata_error_clear();
	return 0;
}

void strata_log_set_output(FILE *out)
{
	pthread_mutex_lock(&log_lock);
	log_output = out;
	pthread_mutex_unlock(&log_lock);
}

void strata_log_set_trace_id(const char *id)
{
	if (!id)
		trace_id[0] = '\0';
	else
		snprintf(trace_id, sizeof trace_id, "%s", id);
}

const char *strata_log_trace_id(void)
{
	return trace_id[0] ? trace_id : NULL;
}

int strata_log_enabled(strata_log_level level)
{
	return level >= log_level && level < STRATA_LOG_OFF;
}

/* A text-mode value needs quotes when it is empty or has spaces, quotes or '='. */
static int needs_quotes(const char *v)
{
	if (!*v)
		return 1;
	for (; *v; v++)
		if ((unsigned char)*v <= ' ' || *v == '"' || *v == '=' || *v == '\\')
			return 1;
	return 0;
}

static void append_text_field(strata_buf *b, const char *key, const char *value)
{
	strata_buf_printf(b, " %s=", key);
	if (needs_quotes(value))
		strata_buf_json_string(b, value);
	else
		strata_buf_puts(b, value);
}

static void append_json_field(strata_buf *b, const char *key, const char *value)
{
	strata_buf_putc(b, ',');
	strata_buf_json_string(b, key);
	strata_buf_putc(b, ':');
	strata_buf_json_string(b, value);
}

/* Format one record into b; fields are key/value pairs ending with NULL. */
static void format_record(strata_buf *b, strata_log_level level, const char *msg, va_list fields)
{
	char ts[40];
	const char *key;

	strata_time_format_iso8601(strata_time_now(), 3, ts, sizeof ts);
	if (log_format == STRATA_LOG_JSON) {
		strata_buf_printf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts,
		                  level_names[level]);
		strata_buf_json_string(b, msg);
	} else {
		char upper[8];
		size_t i;
		for (i = 0; level_names[level][i] && i < sizeof upper - 1; i++)
			upper[i] = (char)(level_names[level][i] - 'a' + 'A');
		upper[i] = '\0';
		strata_buf_printf(b, "%s %-5s %s", ts, upper, msg);
	}
	while ((key = va_arg(fields, const char *)) != NULL) {
		const char *value = va_arg(fields, const char *);
		if (!value)
			value = "";
		if (log_format == STRATA_LOG_JSON)
			append_json_field(b, key, value);
		else
			append_text_field(b, key, value);
	}
}

static void emit(strata_buf *b)
{
	const char *id = strata_log_trace_id();
	FILE *out;

	if (log_format == STRATA_LOG_JSON) {
		if (id)
			append_json_field(b, "trace_id", id);
		strata_buf_puts(b, "}\n");
	} else {
		if (id)
			append_text_field(b, "trace_id", id);
		strata_buf_putc(b, '\n');
	}
	pthread_mutex_lock(&log_lock);
	out = log_output ? log_output : stderr;
	fwrite(strata_buf_cstr(b), 1, b->len, out);
	fflush(out);
	pthread_mutex_unlock(&log_lock);
}

void strata_log_fields(strata_log_level level, const char *msg, ...)
{
	strata_buf b = STRATA_BUF_INIT;
	va_list ap;

	if (!strata_log_enabled(level))
		return;
	va_start(ap, msg);
	format_record(&b, level, msg, ap);
	va_end(ap);
	emit(&b);
	strata_buf_free(&b);
}

void strata_logf(strata_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!strata_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	strata_log(level, line);
}
