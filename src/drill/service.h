/*
 * service.h - `strata drill listen`: the MQTT depth-estimation service.
 *
 * Threads: libmosquitto's network thread ingests (classify the topic, extract
 * the key, add to the correlator under a lock; never waits for estimation);
 * mqtt.processing.workers worker threads take completed holes from a queue,
 * run drill_hole_process and publish both results (QoS 1); the calling
 * thread runs the cleanup and health ticks and waits for SIGINT/SIGTERM.
 * On a signal: unsubscribe, finish the queued and running holes, wait for
 * the broker's acknowledgements, disconnect. docs/drill-service.md.
 */
#ifndef STRATA_DRILL_SERVICE_H
#define STRATA_DRILL_SERVICE_H

#include "drill/config.h"

typedef struct drill_service_options {
	int metrics_port; /* -1: no /metrics endpoint; 0: any free port */
	const char *metrics_host;
	double health_interval; /* s between health lines (60) */
} drill_service_options;

void drill_service_options_default(drill_service_options *o);

/* Run until SIGINT or SIGTERM; 0 after a clean shutdown. The signals are
 * blocked in the calling thread (and the threads it starts). */
int drill_service_run(const drill_config *cfg, const drill_service_options *o);

/* The `strata drill listen` (alias `serve`) command. */
int drill_cmd_listen(int argc, char **argv);

#endif
