/*
 * mqtt.h - a thin libmosquitto client for the drill service and replay.
 *
 * MQTT v5 (shared subscriptions `$share/<group>/...` need it), QoS 1, a
 * unique client id per instance (<prefix>-<host>-<pid>-<random>), username
 * and password from the configuration (never logged). The network loop runs
 * on libmosquitto's own thread: it reconnects with exponential backoff
 * (1 s doubling to 30 s) and subscribes to every filter again on each
 * (re)connection. on_message runs on that thread.
 */
#ifndef STRATA_DRILL_MQTT_H
#define STRATA_DRILL_MQTT_H

#include <stddef.h>
#include <stdint.h>

typedef struct drill_mqtt drill_mqtt;

typedef void (*drill_mqtt_message_fn)(const char *topic, const void *payload, size_t len,
                                      void *user);

typedef struct drill_mqtt_options {
	const char *host;
	int port;
	const char *username; /* NULL or "": anonymous */
	const char *password;
	int keepalive;             /* seconds */
	const char *client_prefix; /* "strata-drill" */
	const char *const *subscriptions;
	int n_subscriptions;
	unsigned no_local_mask;           /* bit i: subscription i without our own publications */
	drill_mqtt_message_fn on_message; /* NULL when not subscribing */
	void *user;
} drill_mqtt_options;

/* Create the client and start its network thread; the connection is made in
 * the background (drill_mqtt_wait_connected waits for it). */
int drill_mqtt_start(const drill_mqtt_options *o, drill_mqtt **out);

/* Wait up to timeout_ms for a connection (0 when connected, STRATA_EIO;
 * STRATA_EAUTH at once when the broker refused it for good). */
int drill_mqtt_wait_connected(drill_mqtt *m, int timeout_ms);

/* STRATA_EAUTH (message set) when the broker refused the connection for a
 * reason a retry cannot fix (bad credentials, not authorised, banned,
 * invalid client id): libmosquitto stops retrying then. Else 0. */
int drill_mqtt_failed(drill_mqtt *m);

/* Publish with QoS 1 (not retained). While disconnected the message waits in
 * libmosquitto's queue and goes out after the reconnection. */
int drill_mqtt_publish(drill_mqtt *m, const char *topic, const void *payload, size_t len);

/* QoS 1 publications not yet acknowledged by the broker. */
int64_t drill_mqtt_unacked(drill_mqtt *m);

/* Wait until every publication is acknowledged or timeout_ms passes
 * (0 or STRATA_EBUSY). */
int drill_mqtt_flush(drill_mqtt *m, int timeout_ms);

/* Unsubscribe from every filter (no more messages are delivered). */
void drill_mqtt_unsubscribe(drill_mqtt *m);

/* Connections made so far (1 after the first, 2 after a reconnection...). */
int drill_mqtt_connections(drill_mqtt *m);

const char *drill_mqtt_client_id(const drill_mqtt *m);

/* Disconnect, stop the network thread, free. NULL is fine. */
void drill_mqtt_stop(drill_mqtt *m);

#endif
