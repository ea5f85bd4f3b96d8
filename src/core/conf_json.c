/*
 * conf_json.c - a configuration tree written as JSON text.
 */
#include "strata/buf.h"
#include "strata/conf.h"
#include "strata/time.h"

#include <inttypes.h>

/* Write a table or array node's children. */
static int container_to_json(const strata_conf *node, strata_buf *out)
{
	int table = strata_conf_type_of(node) == STRATA_CONF_TABLE;
	int rc = strata_buf_putc(out, table ? '{' : '[');

	for (size_t k = 0; !rc && k < strata_conf_count(node); k++) {
		const strata_conf *child = strata_conf_at(node, k);
		if (k)
			rc = strata_buf_putc(out, ',');
		if (!rc && table) {
			rc = strata_buf_json_string(out, strata_conf_key(child));
			rc = rc ? rc : strata_buf_putc(out, ':');
		}
		rc = rc ? rc : strata_conf_to_json(child, out);
	}
	return rc ? rc : strata_buf_putc(out, table ? '}' : ']');
}

int strata_conf_to_json(const strata_conf *node, strata_buf *out)
{
	char iso[40];
	const char *s = NULL;
	int64_t i = 0;
	double d = 0.0;
	int b = 0;

	switch (strata_conf_type_of(node)) {
	case STRATA_CONF_TABLE:
	case STRATA_CONF_ARRAY: return container_to_json(node, out);
	case STRATA_CONF_STRING:
		strata_conf_as_string(node, &s);
		return strata_buf_json_string(out, s);
	case STRATA_CONF_INT:
		strata_conf_as_int64(node, &i);
		return strata_buf_printf(out, "%" PRId64, i);
	case STRATA_CONF_FLOAT:
		strata_conf_as_double(node, &d);
		return strata_buf_json_double(out, d); /* TOML's inf and nan become null */
	case STRATA_CONF_BOOL:
		strata_conf_as_bool(node, &b);
		return strata_buf_puts(out, b ? "true" : "false");
	case STRATA_CONF_DATETIME:
	case STRATA_CONF_LOCAL_DATETIME:
	case STRATA_CONF_DATE:
		strata_conf_as_time_ns(node, &i);
		strata_time_format_iso8601(i, 9, iso, sizeof iso);
		return strata_buf_json_string(out, iso);
	default: return strata_buf_puts(out, "null");
	}
}
