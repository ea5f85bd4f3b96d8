/* service.c - `strata drill listen`: ingest, correlate, estimate, publish. */
#include "drill/service.h"

#include "drill/hole.h"
#include "drill/mqtt.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/http.h"
#include "strata/log.h"
#include "strata/metrics.h"
#include "strata/time.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A completed hole waiting for a worker. */
typedef struct hole_job {
	struct hole_job *next;
	drill_corr_set set;
	int64_t completed_ns; /* monotonic time its last message arrived */
} hole_job;

typedef struct service_metrics {
	strata_metrics *reg;
	strata_metric *received[DRILL_MSG_KINDS];
	strata_metric *rejected, *duplicates, *completed, *published, *hole_errors;
	strata_metric *publish_errors, *skipped_negative, *answered_elsewhere;
	strata_metric *evicted[DRILL_EVICT_REASONS];
	strata_metric *buffer_fill, *buffer_capacity, *pending_holes, *queue_depth;
	strata_metric *latency;
} service_metrics;

typedef struct service {
	const drill_config *cfg;
	drill_mqtt *mqtt;
	service_metrics m;

	pthread_mutex_t ingest_lock; /* the correlator and `stopped` */
	drill_correlator *corr;
	int stopped;

	pthread_mutex_t queue_lock; /* the queue and `draining` */
	pthread_cond_t queue_cond;
	hole_job *head, *tail;
	size_t depth, depth_warn;
	int draining;

	pthread_mutex_t negative_lock;
	drill_negative_run negative;

	atomic_uint_fast64_t holes_done, errors, rejected, evictions;
	char *answered_topic; /* shared mode: depth results of the group, else NULL */
} service;

void drill_service_options_default(drill_service_options *o)
{
	o->metrics_port = -1;
	o->metrics_host = "0.0.0.0";
	o->health_interval = 60;
}

static strata_metric *counter(service_metrics *m, const char *name, const char *help,
                              const char *const *labels)
{
	strata_metric *s = NULL;

	strata_metrics_counter(m->reg, name, help, labels, &s);
	return s;
}

static strata_metric *gauge(service_metrics *m, const char *name, const char *help)
{
	strata_metric *s = NULL;

	strata_metrics_gauge(m->reg, name, help, NULL, &s);
	return s;
}

/* Register every series up front so /metrics shows zeros from the start. */
static int metrics_init(service_metrics *m)
{
	static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	                                0.1,   0.25,   0.5,   1,    2.5,   5};
	memset(m, 0, sizeof *m);
	if (!(m->reg = strata_metrics_new()))
		return strata_error_set(STRATA_ENOMEM, "metrics: out of memory");
	for (int k = 0; k < DRILL_MSG_KINDS; k++) {
		const char *labels[] = {"kind", drill_msg_kind_name((drill_msg_kind)k), NULL};
		m->received[k] = counter(m, "drill_messages_received_total",
		                         "MQTT messages received, by kind.", labels);
	}
	for (int r = 0; r < DRILL_EVICT_REASONS; r++) {
		const char *labels[] = {"reason", drill_evict_reason_name((drill_evict_reason)r),
		                        NULL};
		m->evicted[r] = counter(m, "drill_evictions_total",
		                        "Buffered messages or records evicted, by reason.", labels);
	}
	m->rejected = counter(m, "drill_messages_rejected_total",
	                      "Messages that could not be attributed to a hole.", NULL);
	m->duplicates = counter(m, "drill_messages_duplicate_total",
	                        "Duplicate messages (per duplicate_handling).", NULL);
	m->completed = counter(m, "drill_holes_completed_total",
	                       "Holes whose messages were all received.", NULL);
	m->published =
	    counter(m, "drill_holes_published_total", "Holes whose results were published.", NULL);
	m->hole_errors =
	    counter(m, "drill_hole_errors_total", "Holes answered with Error: true.", NULL);
	m->publish_errors =
	    counter(m, "drill_publish_errors_total", "Publications that failed.", NULL);
	m->skipped_negative = counter(m, "drill_holes_negative_skipped_total",
	                              "Holes not published: negative depth, policy skip.", NULL);
	m->answered_elsewhere =
	    counter(m, "drill_holes_answered_elsewhere_total",
	            "Shared group: holes another instance answered (copies dropped here).", NULL);
	m->buffer_fill = gauge(m, "drill_buffer_fill", "Buffer places in use.");
	m->buffer_capacity = gauge(m, "drill_buffer_capacity", "max_buffer_size.");
	m->pending_holes = gauge(m, "drill_pending_holes", "Incomplete holes buffered.");
	m->queue_depth = gauge(m, "drill_queue_depth", "Completed holes waiting for a worker.");
	strata_metrics_histogram(m->reg, "drill_hole_latency_seconds",
	                         "Last message of a hole received to its results published.",
	                         bounds, sizeof bounds / sizeof *bounds, NULL, &m->latency);
	if (!m->latency || !m->queue_depth)
		return strata_error_set(STRATA_ENOMEM, "metrics: cannot register");
	return 0;
}

/* Refresh the gauges from the correlator and the queue. */
static void update_gauges(service *s, drill_corr_stats *st)
{
	pthread_mutex_lock(&s->ingest_lock);
	drill_correlator_stats(s->corr, st);
	pthread_mutex_unlock(&s->ingest_lock);
	pthread_mutex_lock(&s->queue_lock);
	strata_metric_set(s->m.queue_depth, (double)s->depth);
	pthread_mutex_unlock(&s->queue_lock);
	strata_metric_set(s->m.buffer_fill, (double)(st->buffered + st->processed_records));
	strata_metric_set(s->m.buffer_capacity, (double)s->cfg->max_buffer_size);
	strata_metric_set(s->m.pending_holes, (double)st->pending_sets);
}

static int metrics_handler(const strata_http_request *req, strata_http_response *resp, void *user)
{
	service *s = user;
	drill_corr_stats st;

	(void)req;
	update_gauges(s, &st);
	snprintf(resp->content_type, sizeof resp->content_type,
	         "text/plain; version=0.0.4; charset=utf-8");
	return strata_metrics_render(s->m.reg, &resp->body);
}

/* Shared mode: the stand-in Trace of a hole another instance answered. */
static const char answered_mark[] = "\001answered-elsewhere";

static int is_answered_mark(const void *payload)
{
	const drill_raw_msg *m = payload;
	return m && m->topic && !strcmp(m->topic, answered_mark);
}

/* Correlator eviction (called with ingest_lock held): count and log. */
static void on_evict(const drill_corr_set *set, drill_evict_reason why, void *user)
{
	service *s = user;

	int quiet = why == DRILL_EVICT_PROCESSED || is_answered_mark(set->payload[DRILL_MSG_TRACE]);

	strata_metric_add(s->m.evicted[why], 1);
	atomic_fetch_add(&s->evictions, 1);
	strata_log(quiet ? STRATA_LOG_DEBUG : STRATA_LOG_WARN,
	           why == DRILL_EVICT_PROCESSED ? "processed record evicted"
	                                        : "incomplete hole evicted",
	           "reason", drill_evict_reason_name(why), "toolbox", set->toolbox, "tool",
	           set->tool, "result_id", set->result_id ? set->result_id : "-");
}

/* Queue a completed hole for the workers (never blocks on them). */
static void enqueue(service *s, hole_job *job)
{
	pthread_mutex_lock(&s->queue_lock);
	if (s->tail)
		s->tail->next = job;
	else
		s->head = job;
	s->tail = job;
	s->depth++;
	if (s->depth >= s->depth_warn) {
		char n[32];
		snprintf(n, sizeof n, "%zu", s->depth);
		strata_log(STRATA_LOG_WARN, "holes queued faster than they are estimated", "queued",
		           n);
		s->depth_warn *= 2;
	}
	pthread_cond_signal(&s->queue_cond);
	pthread_mutex_unlock(&s->queue_lock);
}

static void reject(service *s, const char *topic, const char *reason)
{
	strata_metric_add(s->m.rejected, 1);
	atomic_fetch_add(&s->rejected, 1);
	strata_log(STRATA_LOG_WARN, "message rejected", "topic", topic, "reason", reason);
}

/* A completed set: queue it, or drop it when another instance answered it. */
static void complete(service *s, hole_job *job, int64_t now)
{
	if (is_answered_mark(job->set.payload[DRILL_MSG_TRACE])) {
		strata_metric_add(s->m.answered_elsewhere, 1);
		drill_corr_set_free(&job->set);
		free(job);
		return;
	}
	strata_metric_add(s->m.completed, 1);
	job->completed_ns = now;
	enqueue(s, job);
}

/* Hand one keyed message to the correlator; queue the hole it completes.
 * counted: the message came off the wire (not an answered-elsewhere mark). */
static void correlate(service *s, const drill_msg *msg, const char *topic, int counted)
{
	int64_t now = strata_time_monotonic_ns();
	hole_job *job = calloc(1, sizeof *job);
	int rc;

	if (!job) {
		msg->payload_free(msg->payload);
		reject(s, topic, "out of memory");
		return;
	}
	pthread_mutex_lock(&s->ingest_lock);
	if (s->stopped) {
		pthread_mutex_unlock(&s->ingest_lock);
		msg->payload_free(msg->payload);
		free(job);
		return;
	}
	rc = drill_correlator_add(s->corr, msg, now, &job->set);
	if (rc == DRILL_ADD_COMPLETE) {
		complete(s, job, now);
		job = NULL;
	}
	pthread_mutex_unlock(&s->ingest_lock);
	free(job);
	if (!counted)
		return;
	strata_metric_add(s->m.received[msg->kind], 1);
	if (rc == DRILL_ADD_DUP_IGNORED || rc == DRILL_ADD_DUP_REPLACED || rc == DRILL_ADD_LATE)
		strata_metric_add(s->m.duplicates, 1);
	else if (rc < 0)
		reject(s, topic, strata_error_message());
}

/* Shared mode: the key of a depth result another instance published
 * (ResultId and SourceTimestamp). 0 or -1 when it is not one. */
static int answered_key(const void *payload, size_t len, char **result_id, int64_t *ts)
{
	json_t *root = json_loadb(payload, len, 0, NULL);
	json_t *id = json_object_get(root, "ResultId");
	const char *when = json_string_value(json_object_get(root, "SourceTimestamp"));
	char num[32];
	int rc = -1;

	if (when && !strata_time_parse_iso8601(when, ts)) {
		if (json_is_string(id))
			*result_id = strdup(json_string_value(id));
		else if (json_is_integer(id)) {
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
			*result_id = strdup(num);
		}
		rc = *result_id ? 0 : -1;
	}
	json_decref(root);
	return rc;
}

/* Shared mode: another instance answered this hole; hand the correlator a
 * stand-in Trace so that our copies of its messages complete and are
 * dropped (or wait for them, should they come later). */
static int on_answered(service *s, const char *topic, const void *payload, size_t len)
{
	char *toolbox = NULL, *tool = NULL, *kind = NULL, *result_id = NULL;
	drill_raw_msg *mark = NULL;
	int64_t ts = 0;
	int ours = !drill_topic_parse(topic, s->cfg->root, &toolbox, &tool, &kind) &&
	           !strcmp(kind, s->cfg->depth_estimation);

	if (ours && !answered_key(payload, len, &result_id, &ts) &&
	    !drill_raw_msg_new(answered_mark, "", 0, &mark)) {
		drill_msg msg = {DRILL_MSG_TRACE,   toolbox, tool, result_id, ts, mark,
		                 drill_raw_msg_free};
		correlate(s, &msg, topic, 0);
	}
	free(toolbox);
	free(tool);
	free(kind);
	free(result_id);
	return ours;
}

/* The ingest callback (libmosquitto's thread): classify, key, correlate. */
static void on_message(const char *topic, const void *payload, size_t len, void *user)
{
	service *s = user;
	drill_msg_kind kind;
	char *toolbox = NULL, *tool = NULL, *result_id = NULL;
	drill_raw_msg *raw = NULL;
	int64_t ts = 0;

	if (len > DRILL_MAX_MESSAGE_BYTES) { /* refused before it is copied */
		char why[96];
		snprintf(why, sizeof why, "message of %zu bytes exceeds the limit of %u bytes", len,
		         DRILL_MAX_MESSAGE_BYTES);
		reject(s, topic, why);
		return;
	}
	if (drill_config_classify(s->cfg, topic, &kind, &toolbox, &tool)) {
		if (!s->answered_topic || !on_answered(s, topic, payload, len))
			reject(s, topic, "not a result, trace or heads topic");
		return;
	}
	if (drill_raw_msg_new(topic, payload, len, &raw) ||
	    drill_msg_key(s->cfg, kind, raw, &result_id, &ts)) {
		reject(s, topic, strata_error_message());
		drill_raw_msg_free(raw);
	} else {
		drill_msg msg = {kind, toolbox, tool, result_id, ts, raw, drill_raw_msg_free};
		correlate(s, &msg, topic, 1);
	}
	free(toolbox);
	free(tool);
	free(result_id);
}

/* Take the next hole; NULL when draining and the queue is empty. */
static hole_job *dequeue(service *s)
{
	hole_job *job;

	pthread_mutex_lock(&s->queue_lock);
	while (!s->head && !s->draining)
		pthread_cond_wait(&s->queue_cond, &s->queue_lock);
	job = s->head;
	if (job) {
		s->head = job->next;
		if (!s->head)
			s->tail = NULL;
		s->depth--;
	}
	pthread_mutex_unlock(&s->queue_lock);
	return job;
}

/* Apply negative_depth_behavior and the run-of-negatives warning; returns 1
 * when the hole's results are to be published. */
static int negative_policy(service *s, const drill_hole_result *r, const drill_corr_set *set)
{
	char depth[32];
	int warn_run = 0;

	if (r->error || isnan(r->depth_mm))
		return 1;
	if (s->cfg->track_sequential_negatives) {
		pthread_mutex_lock(&s->negative_lock);
		warn_run = drill_negative_run_note(&s->negative, r->depth_mm, strata_time_now());
		pthread_mutex_unlock(&s->negative_lock);
	}
	if (warn_run)
		strata_log(STRATA_LOG_WARN, "negative depths in a row", "toolbox", set->toolbox,
		           "tool", set->tool, "result_id", set->result_id ? set->result_id : "-");
	if (r->depth_mm >= 0)
		return 1;
	snprintf(depth, sizeof depth, "%.6g", r->depth_mm);
	switch (s->cfg->negative_depth_behavior) {
	case DRILL_NEG_SKIP:
		strata_log(STRATA_LOG_INFO, "negative depth not published", "result_id",
		           set->result_id ? set->result_id : "-", "depth_mm", depth);
		strata_metric_add(s->m.skipped_negative, 1);
		return 0;
	case DRILL_NEG_WARNING:
		strata_log(STRATA_LOG_WARN, "negative depth", "result_id",
		           set->result_id ? set->result_id : "-", "depth_mm", depth);
		return 1;
	default: return 1;
	}
}

/* Estimate one hole and publish its two results. */
static void process_job(service *s, hole_job *job)
{
	drill_hole_result r;
	int ok = 1;

	memset(&r, 0, sizeof r);
	if (drill_hole_process(s->cfg, &job->set, &r)) {
		strata_log(STRATA_LOG_ERROR, "hole not processed", "result_id",
		           job->set.result_id ? job->set.result_id : "-", "reason",
		           strata_error_message());
		strata_metric_add(s->m.hole_errors, 1);
		atomic_fetch_add(&s->errors, 1);
		return;
	}
	if (r.error) {
		strata_log(STRATA_LOG_WARN, "hole answered with an error", "result_id",
		           job->set.result_id ? job->set.result_id : "-", "reason",
		           r.reason ? r.reason : "-");
		strata_metric_add(s->m.hole_errors, 1);
		atomic_fetch_add(&s->errors, 1);
	}
	if (negative_policy(s, &r, &job->set)) {
		for (int i = 0; i < DRILL_PUBS; i++)
			if (r.pub[i].topic && drill_mqtt_publish(s->mqtt, r.pub[i].topic,
			                                         r.pub[i].payload, r.pub[i].len)) {
				strata_log(STRATA_LOG_ERROR, "publish failed", "reason",
				           strata_error_message());
				strata_metric_add(s->m.publish_errors, 1);
				atomic_fetch_add(&s->errors, 1);
				ok = 0;
			}
		if (ok)
			strata_metric_add(s->m.published, 1);
	}
	strata_metric_observe(s->m.latency,
	                      (double)(strata_time_monotonic_ns() - job->completed_ns) / 1e9);
	atomic_fetch_add(&s->holes_done, 1);
	drill_hole_result_free(&r);
}

static void *worker_main(void *arg)
{
	service *s = arg;
	hole_job *job;

	while ((job = dequeue(s))) {
		process_job(s, job);
		drill_corr_set_free(&job->set);
		free(job);
	}
	return NULL;
}

/* One health line: buffer fill, holes/s since the last line, totals. */
static void health_line(service *s, double seconds, uint64_t *last_done)
{
	drill_corr_stats st;
	char fill[64], rate[32], ev[32], err[32], rej[32], q[32];
	uint64_t done = atomic_load(&s->holes_done);

	update_gauges(s, &st);
	snprintf(fill, sizeof fill, "%zu/%lld", st.buffered + st.processed_records,
	         (long long)s->cfg->max_buffer_size);
	snprintf(rate, sizeof rate, "%.2f",
	         seconds > 0 ? (double)(done - *last_done) / seconds : 0);
	snprintf(ev, sizeof ev, "%llu", (unsigned long long)atomic_load(&s->evictions));
	snprintf(err, sizeof err, "%llu", (unsigned long long)atomic_load(&s->errors));
	snprintf(rej, sizeof rej, "%llu", (unsigned long long)atomic_load(&s->rejected));
	snprintf(q, sizeof q, "%g", strata_metric_value(s->m.queue_depth));
	strata_log(STRATA_LOG_INFO, "health", "buffer_fill", fill, "holes_per_s", rate, "queued", q,
	           "evictions", ev, "errors", err, "rejected", rej);
	*last_done = done;
}

static struct timespec ns_to_timespec(int64_t ns)
{
	if (ns < 0)
		ns = 0;
	return (struct timespec){(time_t)(ns / STRATA_NS_PER_SEC), (long)(ns % STRATA_NS_PER_SEC)};
}

/* Wait for SIGINT/SIGTERM, running the cleanup and health ticks meanwhile.
 * Returns 0, or an error when the broker refused the connection for good. */
static int wait_for_signal(service *s, const sigset_t *signals, double health_interval)
{
	int64_t cleanup_every = (int64_t)(s->cfg->cleanup_interval * 1e9);
	int64_t health_every = (int64_t)(health_interval * 1e9);
	int64_t now = strata_time_monotonic_ns(), last_health = now;
	int64_t next_cleanup = now + cleanup_every, next_health = now + health_every;
	uint64_t last_done = 0;

	for (;;) {
		int64_t next = next_cleanup < next_health ? next_cleanup : next_health;
		int64_t left = next - strata_time_monotonic_ns();
		struct timespec wait =
		    ns_to_timespec(left < STRATA_NS_PER_SEC ? left : STRATA_NS_PER_SEC);
		int sig = sigtimedwait(signals, NULL, &wait);
		if (sig == SIGINT || sig == SIGTERM) {
			strata_log(STRATA_LOG_INFO, "shutting down", "signal",
			           sig == SIGINT ? "SIGINT" : "SIGTERM");
			return 0;
		}
		if (drill_mqtt_failed(s->mqtt))
			return STRATA_EAUTH;
		now = strata_time_monotonic_ns();
		if (now >= next_cleanup) {
			pthread_mutex_lock(&s->ingest_lock);
			drill_correlator_expire(s->corr, now);
			pthread_mutex_unlock(&s->ingest_lock);
			next_cleanup = now + cleanup_every;
		}
		if (now >= next_health) {
			health_line(s, (double)(now - last_health) / 1e9, &last_done);
			last_health = now;
			next_health = now + health_every;
		}
	}
}

static int service_init(service *s, const drill_config *cfg)
{
	drill_corr_options co;
	int rc;

	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->depth_warn = cfg->max_buffer_size > 0 ? (size_t)cfg->max_buffer_size : 10000;
	pthread_mutex_init(&s->ingest_lock, NULL);
	pthread_mutex_init(&s->queue_lock, NULL);
	pthread_mutex_init(&s->negative_lock, NULL);
	pthread_cond_init(&s->queue_cond, NULL);
	drill_negative_run_init(&s->negative, cfg);
	if ((rc = metrics_init(&s->m)))
		return rc;
	drill_config_corr_options(cfg, &co);
	co.on_evict = on_evict;
	co.user = s;
	return drill_correlator_new(&co, &s->corr);
}

static void service_free(service *s)
{
	free(s->answered_topic);
	drill_correlator_free(s->corr);
	strata_metrics_free(s->m.reg);
	pthread_cond_destroy(&s->queue_cond);
	pthread_mutex_destroy(&s->negative_lock);
	pthread_mutex_destroy(&s->queue_lock);
	pthread_mutex_destroy(&s->ingest_lock);
}

static int start_metrics(service *s, const drill_service_options *o, strata_http_server **http)
{
	strata_http_options ho;
	char port[16];
	int rc;

	*http = NULL;
	if (o->metrics_port < 0)
		return 0;
	strata_http_options_default(&ho);
	ho.host = o->metrics_host;
	ho.port = o->metrics_port;
	ho.threads = 2;
	ho.max_body = 4096;
	if ((rc = strata_http_start(&ho, http)) ||
	    (rc = strata_http_route(*http, "/metrics", 0, metrics_handler, s)))
		return rc;
	snprintf(port, sizeof port, "%d", strata_http_port(*http));
	strata_log(STRATA_LOG_INFO, "metrics endpoint", "host", ho.host, "port", port, "path",
	           "/metrics");
	return 0;
}

/* "{root}/{toolboxid}/{toolid}/{depth_estimation}", malloc'd (NULL: no memory). */
static char *answered_filter(const drill_config *cfg)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata_buf_printf(&b, "%s/%s/%s/%s", cfg->root, cfg->toolboxid, cfg->toolid,
	                      cfg->depth_estimation)) {
		strata_buf_free(&b);
		return NULL;
	}
	return strata_buf_detach(&b);
}

/* Strip "$share/<group>/" from a filter (in place). */
static void unshare(char *filter)
{
	const char *rest;

	if (strncmp(filter, "$share/", 7) != 0 || !(rest = strchr(filter + 7, '/')))
		return;
	memmove(filter, rest + 1, strlen(rest + 1) + 1);
}

/*
 * The subscriptions. With a shared_group only the Trace filter is shared:
 * the broker gives each Trace to one instance of the group, which therefore
 * alone can complete the hole (Results and Heads, small, reach every
 * instance). The others learn that the hole was answered from its published
 * depth result (a subscription without our own publications) and drop their
 * copies, so every hole is answered exactly once whatever the broker's
 * balancing. docs/drill-service.md.
 */
static int start_mqtt(service *s)
{
	char *topics[DRILL_MSG_KINDS + 1] = {NULL, NULL, NULL, NULL};
	const char *subs[DRILL_MSG_KINDS + 1];
	unsigned no_local = 0;
	int n = 0, rc = drill_config_subscriptions(s->cfg, topics);

	if (rc < 0)
		return rc;
	rc = 0;
	if (s->cfg->shared_group) {
		unshare(topics[DRILL_MSG_RESULT]);
		if (topics[DRILL_MSG_HEADS])
			unshare(topics[DRILL_MSG_HEADS]);
		s->answered_topic = topics[DRILL_MSG_KINDS] = answered_filter(s->cfg);
		if (!topics[DRILL_MSG_KINDS])
			rc = strata_error_set(STRATA_ENOMEM, "drill listen: out of memory");
	}
	for (int k = 0; k <= DRILL_MSG_KINDS; k++)
		if (topics[k]) {
			if (k == DRILL_MSG_KINDS)
				no_local |= 1u << n;
			subs[n++] = topics[k];
			strata_log(STRATA_LOG_INFO, "subscribing", "filter", topics[k]);
		}
	drill_mqtt_options mo = {.host = s->cfg->host,
	                         .port = s->cfg->port,
	                         .username = s->cfg->username,
	                         .password = s->cfg->password,
	                         .keepalive = s->cfg->keepalive,
	                         .client_prefix = "strata-drill",
	                         .subscriptions = subs,
	                         .n_subscriptions = n,
	                         .no_local_mask = no_local,
	                         .on_message = on_message,
	                         .user = s};
	if (!rc)
		rc = drill_mqtt_start(&mo, &s->mqtt);
	topics[DRILL_MSG_KINDS] = NULL; /* kept in s->answered_topic */
	drill_config_subscriptions_free(topics);
	return rc;
}

/* Stop ingesting, let the workers finish the queue, wait for the broker's
 * acknowledgements, disconnect. */
static void shutdown_service(service *s, pthread_t *workers, int n)
{
	drill_corr_stats st;
	char pending[32];

	pthread_mutex_lock(&s->ingest_lock);
	s->stopped = 1;
	pthread_mutex_unlock(&s->ingest_lock);
	if (s->mqtt)
		drill_mqtt_unsubscribe(s->mqtt);
	pthread_mutex_lock(&s->queue_lock);
	s->draining = 1;
	pthread_cond_broadcast(&s->queue_cond);
	pthread_mutex_unlock(&s->queue_lock);
	for (int i = 0; i < n; i++)
		pthread_join(workers[i], NULL);
	if (s->mqtt && drill_mqtt_flush(s->mqtt, 10000))
		strata_log(STRATA_LOG_WARN, "shutdown", "detail", strata_error_message());
	drill_mqtt_stop(s->mqtt);
	s->mqtt = NULL;
	drill_correlator_stats(s->corr, &st);
	snprintf(pending, sizeof pending, "%zu", st.pending_sets);
	strata_log(STRATA_LOG_INFO, "stopped", "incomplete_holes_dropped", pending);
}

int drill_service_run(const drill_config *cfg, const drill_service_options *o)
{
	sigset_t signals;
	strata_http_server *http = NULL;
	pthread_t *workers;
	service s;
	int n = 0, rc;

	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &signals, NULL); /* inherited by every thread below */
	signal(SIGPIPE, SIG_IGN);
	if (!(workers = calloc((size_t)cfg->workers, sizeof *workers)))
		return strata_error_set(STRATA_ENOMEM, "drill listen: out of memory");
	if ((rc = service_init(&s, cfg)) || (rc = start_metrics(&s, o, &http)))
		goto done;
	for (; n < cfg->workers; n++)
		if (pthread_create(&workers[n], NULL, worker_main, &s)) {
			rc =
			    strata_error_set(STRATA_ERR, "drill listen: cannot start worker %d", n);
			break;
		}
	if (!rc && !(rc = start_mqtt(&s)))
		rc = wait_for_signal(&s, &signals, o->health_interval);
	shutdown_service(&s, workers, n);
done:
	strata_http_stop(http);
	service_free(&s);
	free(workers);
	return rc;
}

static void listen_usage(FILE *out)
{
	fprintf(out,
	        "usage: strata drill listen --config FILE [--metrics-port N] [--log-level L]\n"
	        "                           [--health-interval S]\n\n"
	        "Run the depth-estimation service: subscribe to the result, trace and heads\n"
	        "topics of the configuration, correlate each hole, estimate its keypoints and\n"
	        "publish them. Stops cleanly on SIGINT/SIGTERM after publishing the holes in\n"
	        "hand. LOG_LEVEL (DEBUG, INFO, WARNING, ERROR) sets the log level as well.\n"
	        "--metrics-port 0 picks a free port (logged). docs/drill-service.md.\n");
}

/* The original's LOG_LEVEL names (DEBUG ... CRITICAL) or strata's. */
static int apply_log_level(const char *name)
{
	if (!strcasecmp(name, "critical"))
		name = "error";
	return strata_log_set_level_name(name);
}

/* Parse a number option into [lo, hi]; returns 0 or -1 with a message. */
static int number_option(const char *opt, const char *text, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "strata drill listen: %s: expected a number in %g..%g, got '%s'\n",
		        opt, lo, hi, text);
		return -1;
	}
	*out = v;
	return 0;
}

/* Apply one `--name value` option; -1 (message printed) when invalid. */
static int listen_option(const char *a, const char *val, drill_service_options *o,
                         const char **config)
{
	double v;

	if (!strcmp(a, "--config") || !strcmp(a, "-c"))
		*config = val;
	else if (!strcmp(a, "--metrics-host"))
		o->metrics_host = val;
	else if (!strcmp(a, "--metrics-port")) {
		if (number_option(a, val, 0, 65535, &v))
			return -1;
		o->metrics_port = (int)v;
	} else if (!strcmp(a, "--health-interval")) {
		if (number_option(a, val, 0.01, 86400, &v))
			return -1;
		o->health_interval = v;
	} else if (!strcmp(a, "--log-level")) {
		if (apply_log_level(val)) {
			fprintf(stderr, "strata drill listen: --log-level: %s\n",
			        strata_error_message());
			return -1;
		}
	} else {
		fprintf(stderr, "strata drill listen: unknown option %s\n", a);
		return -1;
	}
	return 0;
}

int drill_cmd_listen(int argc, char **argv)
{
	drill_service_options o;
	const char *config = NULL, *env = getenv("LOG_LEVEL");
	drill_config cfg;
	int rc;

	drill_service_options_default(&o);
	if (env && *env && apply_log_level(env))
		fprintf(stderr, "strata drill listen: ignoring LOG_LEVEL=%s\n", env);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			listen_usage(stdout);
			return STRATA_EXIT_OK;
		}
		if (!val) {
			fprintf(stderr,
			        "strata drill listen: unknown option or missing value: %s\n", a);
			return STRATA_EXIT_USAGE;
		}
		i++;
		if (listen_option(a, val, &o, &config))
			return STRATA_EXIT_USAGE;
	}
	if (!config) {
		listen_usage(stderr);
		return STRATA_EXIT_USAGE;
	}
	if ((rc = drill_config_load(config, &cfg)) == 0)
		rc = drill_service_run(&cfg, &o);
	drill_config_free(&cfg);
	if (rc) {
		fprintf(stderr, "strata drill listen: %s\n", strata_error_message());
		return STRATA_EXIT_FAILURE;
	}
	return STRATA_EXIT_OK;
}
