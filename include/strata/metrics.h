/*
 * metrics.h - a small metrics registry rendered in the Prometheus text format.
 *
 * Families (name, help, type) hold series distinguished by labels:
 *
 *   strata_metric *ok;
 *   const char *labels[] = {"route", "/api/images", "status", "200", NULL};
 *   strata_metrics_counter(reg, "http_requests_total", "Requests served.", labels, &ok);
 *   strata_metric_add(ok, 1);
 *   strata_metrics_render(reg, &buf);   // text format 0.0.4
 *
 * Asking again for the same name and labels returns the same series. Names
 * and label names are validated; label values are escaped. Updates are
 * thread-safe.
 */
#ifndef STRATA_METRICS_H
#define STRATA_METRICS_H

#include "strata/buf.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_metrics strata_metrics;
typedef struct strata_metric strata_metric;

strata_metrics *strata_metrics_new(void);
void strata_metrics_free(strata_metrics *reg);

/* labels: NULL, or key, value, ..., NULL. A name already registered with
 * another type, or a histogram with other buckets, is STRATA_EINVAL. */
int strata_metrics_counter(strata_metrics *reg, const char *name, const char *help,
                           const char *const *labels, strata_metric **out);
int strata_metrics_gauge(strata_metrics *reg, const char *name, const char *help,
                         const char *const *labels, strata_metric **out);
/* bounds: strictly increasing upper bounds; +Inf is implicit. */
int strata_metrics_histogram(strata_metrics *reg, const char *name, const char *help,
                             const double *bounds, size_t nbounds, const char *const *labels,
                             strata_metric **out);

void strata_metric_add(strata_metric *m, double v);     /* counter (v >= 0) or gauge */
void strata_metric_set(strata_metric *m, double v);     /* gauge */
void strata_metric_observe(strata_metric *m, double v); /* histogram */
double strata_metric_value(strata_metric *m);           /* counter/gauge value, histogram sum */

/* Append every family, in registration order, to out. */
int strata_metrics_render(strata_metrics *reg, strata_buf *out);

#ifdef __cplusplus
}
#endif
#endif
