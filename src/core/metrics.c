/* metrics.c - Prometheus text-format metrics; see include/strata/metrics.h. */
#include "strata/metrics.h"

#include "strata/error.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM } metric_type;

struct strata_metric {
	struct strata_metric *next;
	struct metric_family *family;
	char *labels;                /* rendered: key="value",... (may be empty) */
	double value;                /* counter/gauge value; histogram sum */
	unsigned long long count;    /* histogram observations */
	unsigned long long *buckets; /* histogram: cumulative at render */
};

typedef struct metric_family {
	struct metric_family *next;
	char *name, *help;
	metric_type type;
	double *bounds;
	size_t nbounds;
	strata_metric *series, **series_tail;
} metric_family;

struct strata_metrics {
	pthread_mutex_t lock;
	metric_family *families, **families_tail;
};

static const char *const type_names[] = {"counter", "gauge", "histogram"};

strata_metrics *strata_metrics_new(void)
{
	strata_metrics *reg = calloc(1, sizeof *reg);
	if (!reg)
		return NULL;
	pthread_mutex_init(&reg->lock, NULL);
	reg->families_tail = &reg->families;
	return reg;
}

void strata_metrics_free(strata_metrics *reg)
{
	if (!reg)
		return;
	for (metric_family *f = reg->families, *fn; f; f = fn) {
		fn = f->next;
		for (strata_metric *m = f->series, *mn; m; m = mn) {
			mn = m->next;
			free(m->labels);
			free(m->buckets);
			free(m);
		}
		free(f->name);
		free(f->help);
		free(f->bounds);
		free(f);
	}
	pthread_mutex_destroy(&reg->lock);
	free(reg);
}

/* Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names without ':'. */
static int valid_name(const char *s, int allow_colon)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++) {
		int ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		         (*s >= '0' && *s <= '9') || *s == '_' || (allow_colon && *s == ':');
		if (!ok)
			return 0;
	}
	return 1;
}

/* Render label pairs as key="value",... with \\, \" and \n escaped. */
static int render_labels(const char *const *labels, char **out)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; labels && labels[i] && !rc; i += 2) {
		if (!labels[i + 1] || !valid_name(labels[i], 0) || !strncmp(labels[i], "__", 2)) {
			strata_buf_free(&b);
			return strata_error_set(STRATA_EINVAL, "metrics: bad label '%s'",
			                        labels[i]);
		}
		rc = strata_buf_printf(&b, "%s%s=\"", i ? "," : "", labels[i]);
		for (const char *v = labels[i + 1]; *v && !rc; v++) {
			if (*v == '\\' || *v == '"')
				rc = strata_buf_putc(&b, '\\') || strata_buf_putc(&b, *v);
			else if (*v == '\n')
				rc = strata_buf_puts(&b, "\\n");
			else
				rc = strata_buf_putc(&b, *v);
		}
		if (!rc)
			rc = strata_buf_putc(&b, '"');
	}
	if (rc) {
		strata_buf_free(&b);
		return rc;
	}
	*out = strata_buf_detach(&b);
	return 0;
}

static metric_family *find_family(strata_metrics *reg, const char *name)
{
	for (metric_family *f = reg->families; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static int same_bounds(const metric_family *f, const double *bounds, size_t n)
{
	return f->nbounds == n && (n == 0 || !memcmp(f->bounds, bounds, n * sizeof *bounds));
}

static metric_family *new_family(strata_metrics *reg, const char *name, const char *help,
                                 metric_type type, const double *bounds, size_t nbounds)
{
	metric_family *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	f->bounds = nbounds ? malloc(nbounds * sizeof *bounds) : NULL;
	if (!f->name || !f->help || (nbounds && !f->bounds)) {
		free(f->name);
		free(f->help);
		free(f->bounds);
		free(f);
		return NULL;
	}
	if (nbounds)
		memcpy(f->bounds, bounds, nbounds * sizeof *bounds);
	f->type = type;
	f->nbounds = nbounds;
	f->series_tail = &f->series;
	*reg->families_tail = f;
	reg->families_tail = &f->next;
	return f;
}

/* Find or create the series of family f with the rendered labels (consumed). */
static int get_series(metric_family *f, char *labels, strata_metric **out)
{
	strata_metric *m;

	for (m = f->series; m; m = m->next) {
		if (!strcmp(m->labels, labels)) {
			free(labels);
			*out = m;
			return 0;
		}
	}
	m = calloc(1, sizeof *m);
	if (m && f->type == METRIC_HISTOGRAM)
		m->buckets = calloc(f->nbounds + 1, sizeof *m->buckets);
	if (!m || (f->type == METRIC_HISTOGRAM && !m->buckets)) {
		free(m);
		free(labels);
		return strata_error_set(STRATA_ENOMEM, "metrics: out of memory");
	}
	m->family = f;
	m->labels = labels;
	*f->series_tail = m;
	f->series_tail = &m->next;
	*out = m;
	return 0;
}

static int check_bounds(const char *name, const double *bounds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
			return strata_error_set(
			    STRATA_EINVAL, "metrics: %s: buckets must be finite and increasing",
			    name);
	return 0;
}

static int register_metric(strata_metrics *reg, const char *name, const char *help,
                           metric_type type, const double *bounds, size_t nbounds,
                           const char *const *labels, strata_metric **out)
{
	metric_family *f;
	char *rendered = NULL;
	int rc;

	if (!valid_name(name, 1))
		return strata_error_set(STRATA_EINVAL, "metrics: invalid metric name '%s'",
		                        name ? name : "(null)");
	if ((rc = check_bounds(name, bounds, nbounds)) || (rc = render_labels(labels, &rendered)))
		return rc;
	pthread_mutex_lock(&reg->lock);
	f = find_family(reg, name);
	if (f && (f->type != type || !same_bounds(f, bounds, nbounds))) {
		rc = strata_error_set(STRATA_EINVAL, "metrics: %s already registered as a %s", name,
		                      type_names[f->type]);
		free(rendered);
	} else if (!f && !(f = new_family(reg, name, help, type, bounds, nbounds))) {
		rc = strata_error_set(STRATA_ENOMEM, "metrics: out of memory");
		free(rendered);
	} else {
		rc = get_series(f, rendered, out);
	}
	pthread_mutex_unlock(&reg->lock);
	return rc;
}

int strata_metrics_counter(strata_metrics *reg, const char *name, const char *help,
                           const char *const *labels, strata_metric **out)
{
	return register_metric(reg, name, help, METRIC_COUNTER, NULL, 0, labels, out);
}

int strata_metrics_gauge(strata_metrics *reg, const char *name, const char *help,
                         const char *const *labels, strata_metric **out)
{
	return register_metric(reg, name, help, METRIC_GAUGE, NULL, 0, labels, out);
}

int strata_metrics_histogram(strata_metrics *reg, const char *name, const char *help,
                             const double *bounds, size_t nbounds, const char *const *labels,
                             strata_metric **out)
{
	return register_metric(reg, name, help, METRIC_HISTOGRAM, bounds, nbounds, labels, out);
}

/* One process-wide lock guards series values; each update holds it briefly. */
static pthread_mutex_t update_lock = PTHREAD_MUTEX_INITIALIZER;

void strata_metric_add(strata_metric *m, double v)
{
	if (!m || (m->family->type == METRIC_COUNTER && !(v >= 0)))
		return;
	pthread_mutex_lock(&update_lock);
	m->value += v;
	pthread_mutex_unlock(&update_lock);
}

void strata_metric_set(strata_metric *m, double v)
{
	if (!m || m->family->type != METRIC_GAUGE)
		return;
	pthread_mutex_lock(&update_lock);
	m->value = v;
	pthread_mutex_unlock(&update_lock);
}

void strata_metric_observe(strata_metric *m, double v)
{
	size_t i;

	if (!m || m->family->type != METRIC_HISTOGRAM || isnan(v))
		return;
	for (i = 0; i < m->family->nbounds && v > m->family->bounds[i]; i++)
		;
	pthread_mutex_lock(&update_lock);
	m->buckets[i]++;
	m->count++;
	m->value += v;
	pthread_mutex_unlock(&update_lock);
}

double strata_metric_value(strata_metric *m)
{
	double v;
	pthread_mutex_lock(&update_lock);
	v = m->value;
	pthread_mutex_unlock(&update_lock);
	return v;
}

/* Prometheus floats: +Inf, -Inf, NaN, else shortest round-trip-ish %.17g. */
static void format_value(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
	else if (v == (double)(long long)v && fabs(v) < 1e15)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.17g", v);
}

/* HELP text escapes backslash and newline. */
static void render_help(strata_buf *out, const metric_family *f)
{
	strata_buf_printf(out, "# HELP %s ", f->name);
	for (const char *h = f->help; *h; h++) {
		if (*h == '\\')
			strata_buf_puts(out, "\\\\");
		else if (*h == '\n')
			strata_buf_puts(out, "\\n");
		else
			strata_buf_putc(out, *h);
	}
	strata_buf_printf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
}

static void render_histogram(strata_buf *out, const metric_family *f, const strata_metric *m)
{
	const char *sep = m->labels[0] ? "," : "";
	unsigned long long cumulative = 0;
	char v[40];

	for (size_t i = 0; i <= f->nbounds; i++) {
		cumulative += m->buckets[i];
		if (i < f->nbounds)
			format_value(f->bounds[i], v, sizeof v);
		else
			snprintf(v, sizeof v, "+Inf");
		strata_buf_printf(out, "%s_bucket{%s%sle=\"%s\"} %llu\n", f->name, m->labels, sep,
		                  v, cumulative);
	}
	format_value(m->value, v, sizeof v);
	if (m->labels[0]) {
		strata_buf_printf(out, "%s_sum{%s} %s\n", f->name, m->labels, v);
		strata_buf_printf(out, "%s_count{%s} %llu\n", f->name, m->labels, m->count);
	} else {
		strata_buf_printf(out, "%s_sum %s\n%s_count %llu\n", f->name, v, f->name, m->count);
	}
}

int strata_metrics_render(strata_metrics *reg, strata_buf *out)
{
	char v[40];

	pthread_mutex_lock(&reg->lock);
	pthread_mutex_lock(&update_lock);
	for (const metric_family *f = reg->families; f; f = f->next) {
		render_help(out, f);
		for (const strata_metric *m = f->series; m; m = m->next) {
			if (f->type == METRIC_HISTOGRAM) {
				render_histogram(out, f, m);
				continue;
			}
			format_value(m->value, v, sizeof v);
			if (m->labels[0])
				strata_buf_printf(out, "%s{%s} %s\n", f->name, m->labels, v);
			else
				strata_buf_printf(out, "%s %s\n", f->name, v);
		}
	}
	pthread_mutex_unlock(&update_lock);
	pthread_mutex_unlock(&reg->lock);
	return 0;
}
