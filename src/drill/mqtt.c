/* mqtt.c - libmosquitto client: MQTT 5, QoS 1, reconnect and resubscribe. */
#include "drill/mqtt.h"

#include "strata/error.h"
#include "strata/log.h"
#include "strata/time.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct drill_mqtt {
	struct mosquitto *mosq;
	char client_id[160];
	char *host;
	int port;
	char **subs;
	int n_subs;
	unsigned no_local_mask;
	drill_mqtt_message_fn on_message;
	void *user;
	pthread_mutex_t lock; /* guards the fields below */
	pthread_cond_t changed;
	int connected;
	int connections;
	int subacks; /* SUBACKs received on the current connection */
	int refused; /* a CONNACK reason that retrying cannot fix (0: none) */
	int stopping;
	int64_t unacked;
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
	mosquitto_lib_init();
}

/* <prefix>-<host>-<pid>-<random>: unique even for two instances on a host. */
static void make_client_id(const char *prefix, char *out, size_t outlen)
{
	char host[64] = "host";
	unsigned r = 0;
	FILE *f = fopen("/dev/urandom", "rb");

	if (f) {
		if (fread(&r, sizeof r, 1, f) != 1)
			r = 0;
		fclose(f);
	}
	if (!r)
		r = (unsigned)strata_time_monotonic_ns();
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	for (char *p = host; *p; p++) /* keep ids printable and wildcard-free */
		if (*p == '+' || *p == '#' || *p == '/' || (unsigned char)*p < 0x21)
			*p = '_';
	snprintf(out, outlen, "%s-%.40s-%ld-%08x", prefix ? prefix : "strata", host, (long)getpid(),
	         r);
}

/* CONNACK reasons that a retry cannot fix: credentials, client id, ban,
 * protocol (MQTT 5 codes, and the MQTT 3 ones libmosquitto passes on). */
static int refusal_is_final(int rc)
{
	switch (rc) {
	case 1: /* MQTT 3: unacceptable protocol version */
	case 2: /* identifier rejected */
	case 4: /* bad user name or password */
	case 5: /* not authorised */
	case MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION:
	case MQTT_RC_CLIENTID_NOT_VALID:
	case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
	case MQTT_RC_NOT_AUTHORIZED:
	case MQTT_RC_BANNED:
	case MQTT_RC_BAD_AUTHENTICATION_METHOD: return 1;
	default: return 0;
	}
}

/* On every (re)connection: subscribe to all filters again. */
static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
                       const mosquitto_property *props)
{
	drill_mqtt *m = obj;
	char port[16];

	(void)flags, (void)props;
	snprintf(port, sizeof port, "%d", m->port);
	if (rc) {
		strata_log(STRATA_LOG_WARN, "mqtt connection refused", "host", m->host, "port",
		           port, "reason", mosquitto_reason_string(rc));
		if (refusal_is_final(rc)) {
			pthread_mutex_lock(&m->lock);
			m->refused = rc;
			pthread_cond_broadcast(&m->changed);
			pthread_mutex_unlock(&m->lock);
		}
		return;
	}
	for (int i = 0; i < m->n_subs; i++) {
		int opts = (m->no_local_mask >> i) & 1u ? MQTT_SUB_OPT_NO_LOCAL : 0;
		int src = mosquitto_subscribe_v5(mosq, NULL, m->subs[i], 1, opts, NULL);
		if (src)
			strata_log(STRATA_LOG_ERROR, "mqtt subscribe failed", "filter", m->subs[i],
			           "reason", mosquitto_strerror(src));
	}
	pthread_mutex_lock(&m->lock);
	m->connected = 1;
	m->connections++;
	m->subacks = 0;
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
	strata_log(STRATA_LOG_INFO, "mqtt connected", "host", m->host, "port", port, "client_id",
	           m->client_id);
}

/* Log once every filter of this connection is acknowledged: from then on
 * no message published to them is missed. */
static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count,
                         const int *granted_qos, const mosquitto_property *props)
{
	drill_mqtt *m = obj;
	char n[16];
	int all;

	(void)mosq, (void)mid, (void)props;
	for (int i = 0; i < qos_count; i++)
		if (granted_qos[i] >= 0x80)
			strata_log(STRATA_LOG_ERROR, "mqtt subscription refused by the broker",
			           "reason", mosquitto_reason_string(granted_qos[i]));
	pthread_mutex_lock(&m->lock);
	all = ++m->subacks == m->n_subs;
	pthread_mutex_unlock(&m->lock);
	snprintf(n, sizeof n, "%d", m->n_subs);
	if (all)
		strata_log(STRATA_LOG_INFO, "mqtt subscribed", "filters", n);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc,
                          const mosquitto_property *props)
{
	drill_mqtt *m = obj;
	int stopping;

	(void)mosq, (void)props;
	pthread_mutex_lock(&m->lock);
	m->connected = 0;
	stopping = m->stopping;
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
	if (!stopping)
		strata_log(STRATA_LOG_WARN, "mqtt disconnected, reconnecting", "host", m->host,
		           "reason", rc ? mosquitto_strerror(rc) : "requested");
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid, int reason,
                       const mosquitto_property *props)
{
	drill_mqtt *m = obj;

	(void)mosq, (void)mid, (void)props;
	if (reason >= 0x80)
		strata_log(STRATA_LOG_WARN, "mqtt publication refused by the broker", "reason",
		           mosquitto_reason_string(reason));
	pthread_mutex_lock(&m->lock);
	if (m->unacked > 0)
		m->unacked--;
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg,
                       const mosquitto_property *props)
{
	drill_mqtt *m = obj;

	(void)mosq, (void)props;
	if (m->on_message)
		m->on_message(msg->topic, msg->payload ? msg->payload : "", (size_t)msg->payloadlen,
		              m->user);
}

static int copy_subscriptions(drill_mqtt *m, const drill_mqtt_options *o)
{
	if (!o->n_subscriptions)
		return 0;
	if (!(m->subs = calloc((size_t)o->n_subscriptions, sizeof *m->subs)))
		return strata_error_set(STRATA_ENOMEM, "mqtt: out of memory");
	for (int i = 0; i < o->n_subscriptions; i++) {
		if (!(m->subs[i] = strdup(o->subscriptions[i])))
			return strata_error_set(STRATA_ENOMEM, "mqtt: out of memory");
		m->n_subs = i + 1;
	}
	return 0;
}

/* Create the libmosquitto handle with our options and callbacks. */
static int client_setup(drill_mqtt *m, const drill_mqtt_options *o)
{
	int rc;

	if (!(m->mosq = mosquitto_new(m->client_id, true, m)))
		return strata_error_set(STRATA_ENOMEM, "mqtt: cannot create client");
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_reconnect_delay_set(m->mosq, 1, 30, true);
	mosquitto_max_inflight_messages_set(m->mosq, 100);
	if (o->username && *o->username &&
	    (rc = mosquitto_username_pw_set(m->mosq, o->username,
	                                    o->password && *o->password ? o->password : NULL)))
		return strata_error_set(STRATA_EINVAL, "mqtt: username: %s",
		                        mosquitto_strerror(rc));
	mosquitto_connect_v5_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_v5_callback_set(m->mosq, on_disconnect);
	mosquitto_publish_v5_callback_set(m->mosq, on_publish);
	mosquitto_message_v5_callback_set(m->mosq, on_message);
	mosquitto_subscribe_v5_callback_set(m->mosq, on_subscribe);
	return 0;
}

int drill_mqtt_start(const drill_mqtt_options *o, drill_mqtt **out)
{
	drill_mqtt *m;
	int rc;

	*out = NULL;
	pthread_once(&lib_once, lib_init);
	if (!o->host || !*o->host || o->port < 1 || o->port > 65535)
		return strata_error_set(STRATA_EINVAL, "mqtt: invalid broker address");
	if (!(m = calloc(1, sizeof *m)) || !(m->host = strdup(o->host))) {
		free(m);
		return strata_error_set(STRATA_ENOMEM, "mqtt: out of memory");
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->changed, NULL);
	m->port = o->port;
	m->on_message = o->on_message;
	m->no_local_mask = o->no_local_mask;
	m->user = o->user;
	make_client_id(o->client_prefix, m->client_id, sizeof m->client_id);
	if ((rc = copy_subscriptions(m, o)) || (rc = client_setup(m, o))) {
		drill_mqtt_stop(m);
		return rc;
	}
	/* The network thread first, so that a refused first connection is
	 * retried by its reconnect loop like any later one. */
	if ((rc = mosquitto_loop_start(m->mosq))) {
		drill_mqtt_stop(m);
		return strata_error_set(STRATA_ERR, "mqtt: cannot start the network thread: %s",
		                        mosquitto_strerror(rc));
	}
	rc = mosquitto_connect_bind_async(m->mosq, o->host, o->port,
	                                  o->keepalive > 0 ? o->keepalive : 60, NULL);
	if (rc == MOSQ_ERR_INVAL) {
		drill_mqtt_stop(m);
		return strata_error_set(STRATA_EINVAL, "mqtt: cannot connect to %s:%d: %s", o->host,
		                        o->port, mosquitto_strerror(rc));
	}
	if (rc)
		strata_log(STRATA_LOG_WARN, "mqtt broker not reachable yet, retrying", "host",
		           o->host, "reason", mosquitto_strerror(rc));
	*out = m;
	return 0;
}

/* Absolute CLOCK_REALTIME deadline timeout_ms from now (for cond waits). */
static struct timespec deadline_after(int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int drill_mqtt_wait_connected(drill_mqtt *m, int timeout_ms)
{
	struct timespec until = deadline_after(timeout_ms);
	int rc = 0, connected;

	pthread_mutex_lock(&m->lock);
	while (!m->connected && !m->refused && rc == 0)
		rc = pthread_cond_timedwait(&m->changed, &m->lock, &until);
	connected = m->connected;
	pthread_mutex_unlock(&m->lock);
	if ((rc = drill_mqtt_failed(m)))
		return rc;
	return connected ? 0
	                 : strata_error_set(STRATA_EIO, "mqtt: no connection to %s:%d after %d ms",
	                                    m->host, m->port, timeout_ms);
}

int drill_mqtt_failed(drill_mqtt *m)
{
	int refused;

	pthread_mutex_lock(&m->lock);
	refused = m->refused;
	pthread_mutex_unlock(&m->lock);
	if (!refused)
		return 0;
	return strata_error_set(STRATA_EAUTH,
	                        "mqtt: the broker at %s:%d refused the connection: %s", m->host,
	                        m->port, mosquitto_reason_string(refused));
}

int drill_mqtt_publish(drill_mqtt *m, const char *topic, const void *payload, size_t len)
{
	int rc;

	if (len > (size_t)INT32_MAX)
		return strata_error_set(STRATA_ELIMIT, "mqtt: %s: payload too large", topic);
	pthread_mutex_lock(&m->lock);
	m->unacked++;
	pthread_mutex_unlock(&m->lock);
	rc = mosquitto_publish_v5(m->mosq, NULL, topic, (int)len, payload, 1, false, NULL);
	/* NO_CONN: queued by libmosquitto, sent after the reconnection. */
	if (rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_NO_CONN)
		return 0;
	pthread_mutex_lock(&m->lock);
	m->unacked--;
	pthread_mutex_unlock(&m->lock);
	return strata_error_set(rc == MOSQ_ERR_NOMEM ? STRATA_ENOMEM : STRATA_EIO,
	                        "mqtt: publish to %s: %s", topic, mosquitto_strerror(rc));
}

int64_t drill_mqtt_unacked(drill_mqtt *m)
{
	int64_t n;

	pthread_mutex_lock(&m->lock);
	n = m->unacked;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int drill_mqtt_flush(drill_mqtt *m, int timeout_ms)
{
	struct timespec until = deadline_after(timeout_ms);
	int64_t left;
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	while (m->unacked > 0 && rc == 0)
		rc = pthread_cond_timedwait(&m->changed, &m->lock, &until);
	left = m->unacked;
	pthread_mutex_unlock(&m->lock);
	return left ? strata_error_set(STRATA_EBUSY, "mqtt: %lld publications not acknowledged",
	                               (long long)left)
	            : 0;
}

void drill_mqtt_unsubscribe(drill_mqtt *m)
{
	if (m->n_subs)
		mosquitto_unsubscribe_multiple(m->mosq, NULL, m->n_subs, m->subs, NULL);
}

int drill_mqtt_connections(drill_mqtt *m)
{
	int n;

	pthread_mutex_lock(&m->lock);
	n = m->connections;
	pthread_mutex_unlock(&m->lock);
	return n;
}

const char *drill_mqtt_client_id(const drill_mqtt *m)
{
	return m->client_id;
}

void drill_mqtt_stop(drill_mqtt *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stopping = 1;
	pthread_mutex_unlock(&m->lock);
	if (m->mosq) {
		mosquitto_disconnect_v5(m->mosq, MQTT_RC_NORMAL_DISCONNECTION, NULL);
		mosquitto_loop_stop(m->mosq, false);
		mosquitto_destroy(m->mosq);
	}
	for (int i = 0; i < m->n_subs; i++)
		free(m->subs[i]);
	free(m->subs);
	free(m->host);
	pthread_cond_destroy(&m->changed);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
