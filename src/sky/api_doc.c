/* api_doc.c - the OpenAPI document (from the route table) and /metrics. */
#include "sky/api_internal.h"

#include "strata/error.h"

#include <stdio.h>
#include <string.h>

static const char *param_schema(char type)
{
	switch (type) {
	case 'i': return "{\"type\":\"integer\"}";
	case 'n': return "{\"type\":\"number\"}";
	case 'b': return "{\"type\":\"boolean\"}";
	default: return "{\"type\":\"string\"}";
	}
}

/* The parameters of route rt: its path parameters, then its query ones. */
static void route_parameters(strata_buf *out, const api_route *rt)
{
	int first = 1;

	strata_buf_puts(out, "\"parameters\":[");
	for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		int k = first ? 0 : 1;
		strata_buf_printf(out,
		                  "%s{\"name\":\"%.*s\",\"in\":\"path\",\"required\":true,"
		                  "\"schema\":%s}",
		                  first ? "" : ",", (int)(end - p - 1), p + 1,
		                  rt->id_type[k] == 'u'
		                      ? "{\"type\":\"string\",\"format\":\"uuid\"}"
		                      : "{\"type\":\"integer\",\"minimum\":1}");
		first = 0;
	}
	for (const api_param *q = rt->query; q && q->name; q++) {
		strata_buf_printf(out,
		                  "%s{\"name\":\"%s\",\"in\":\"query\",\"schema\":%s,"
		                  "\"description\":",
		                  first ? "" : ",", q->name, param_schema(q->type));
		strata_buf_json_string(out, q->help);
		strata_buf_putc(out, '}');
		first = 0;
	}
	strata_buf_puts(out, "]");
}

/* One operation object. */
static void operation(strata_buf *out, const api_route *rt, int index)
{
	strata_buf_printf(out, "\"%s\":{\"operationId\":\"route%d\",\"summary\":",
	                  rt->method[0] == 'G' ? "get" : "post", index);
	strata_buf_json_string(out, rt->summary);
	strata_buf_putc(out, ',');
	route_parameters(out, rt);
	if (rt->method[0] == 'P')
		strata_buf_puts(out, ",\"requestBody\":{\"required\":true,\"content\":"
		                     "{\"application/json\":{\"schema\":{\"type\":\"object\"}}}}");
	if (rt->scope)
		strata_buf_printf(out, ",\"security\":[{\"apiKey\":[]},{\"bearer\":[\"%s\"]}]",
		                  rt->scope == SKY_SCOPE_WRITE ? "write" : "read");
	strata_buf_puts(out, ",\"responses\":{\"200\":{\"description\":\"success\"},"
	                     "\"default\":{\"description\":\"error\",\"content\":"
	                     "{\"application/json\":{\"schema\":"
	                     "{\"$ref\":\"#/components/schemas/Error\"}}}}}}");
}

int api_openapi(strata_buf *out)
{
	strata_buf_puts(out, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"strata sky\","
	                     "\"version\":\"" STRATA_VERSION "\"},\"paths\":{");
	for (int i = 0; i < sky_api_n_routes; i++) {
		const api_route *rt = &sky_api_routes[i];
		int seen = 0;
		for (int k = 0; k < i && !seen; k++)
			seen = !strcmp(sky_api_routes[k].pattern, rt->pattern);
		if (seen)
			continue;
		strata_buf_printf(out, "%s\"%s\":{", i ? "," : "", rt->pattern);
		for (int k = i, n = 0; k < sky_api_n_routes; k++)
			if (!strcmp(sky_api_routes[k].pattern, rt->pattern)) {
				if (n++)
					strata_buf_putc(out, ',');
				operation(out, &sky_api_routes[k], k);
			}
		strata_buf_putc(out, '}');
	}
	return strata_buf_puts(
	    out, "},\"components\":{\"securitySchemes\":{\"apiKey\":{\"type\":\"apiKey\","
	         "\"in\":\"header\",\"name\":\"X-API-Key\"},\"bearer\":{\"type\":\"http\","
	         "\"scheme\":\"bearer\",\"bearerFormat\":\"JWT\"}},\"schemas\":{\"Error\":"
	         "{\"type\":\"object\",\"required\":[\"error\",\"message\",\"details\"],"
	         "\"properties\":{\"error\":{\"type\":\"string\"},\"message\":{\"type\":"
	         "\"string\"},\"details\":{\"type\":\"object\"}}}}}}");
}

/* Set gauge name{label=value} for each row of a GROUP BY query. */
static int refresh_gauges(api_req *r, const char *sql, const char *name, const char *help,
                          const char *label)
{
	strata_db_stmt *st;
	strata_metric *g;
	int rc;

	if ((rc = api_stmt(r, sql, &st)))
		return rc;
	while ((rc = strata_db_step(st)) == STRATA_DB_ROW) {
		const char *v = strata_db_column_text(st, 0);
		const char *labels[] = {label, v ? v : "", NULL};
		if (!strata_metrics_gauge(r->api->metrics, name, help, labels, &g))
			strata_metric_set(g, (double)strata_db_column_int64(st, 1));
	}
	return rc < 0 ? rc : 0;
}

int api_metrics_render(api_req *r, strata_buf *out)
{
	int rc = refresh_gauges(r, "SELECT stage, COUNT(*) FROM ms GROUP BY stage",
	                        "sky_ms_by_stage", "Measurement sets by pipeline stage.", "stage");

	if (!rc)
		rc = refresh_gauges(r, "SELECT status, COUNT(*) FROM jobs GROUP BY status",
		                    "sky_jobs_by_status", "Jobs by status.", "status");
	if (!rc)
		rc = refresh_gauges(r, "SELECT status, COUNT(*) FROM ms GROUP BY status",
		                    "sky_ms_by_status", "Measurement sets by status.", "status");
	if (rc)
		return rc;
	return strata_metrics_render(r->api->metrics, out);
}
