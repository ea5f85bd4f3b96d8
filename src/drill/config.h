/*
 * config.h - the `strata drill` service configuration (the original abyss
 * listener's YAML: mqtt.broker, mqtt.listener, mqtt.data_ids, ...).
 *
 * The file is read with strata's YAML reader (resolved as PyYAML's safe_load)
 * and checked against a schema: an unknown key, a wrong type, an enum value
 * not in its list or a number out of range is an error naming file:line and
 * the key. Missing keys take the original's defaults; docs/drill-service.md
 * lists every key. The broker password is kept for the connection but never
 * appears in any message.
 */
#ifndef STRATA_DRILL_CONFIG_H
#define STRATA_DRILL_CONFIG_H

#include <stdint.h>

#include "drill/correlate.h"
#include "drill/opcua.h"

typedef enum drill_negative_depth {
	DRILL_NEG_PUBLISH = 0, /* publish as estimated */
	DRILL_NEG_SKIP,        /* do not publish */
	DRILL_NEG_WARNING      /* publish and log a warning */
} drill_negative_depth;

typedef struct drill_config {
	char *source; /* the file the configuration came from */

	/* mqtt.broker */
	char *host;
	int port;
	char *username; /* "" when none */
	char *password; /* "" when none; never print it */
	int keepalive;  /* seconds */

	/* mqtt.listener */
	char *root, *toolboxid, *toolid;
	char *result, *trace, *heads; /* topic suffixes; heads "" when not subscribed */
	drill_dup_mode duplicate_handling;
	double time_window;      /* s, for correlation = time_window */
	double cleanup_interval; /* s between drill_correlator_expire ticks */
	int64_t max_buffer_size;
	/* strata extensions */
	drill_match_mode correlation; /* exact (default) or time_window */
	int require_heads;            /* a hole needs its Heads message */
	double max_age;               /* s an incomplete hole is kept */
	char *shared_group;           /* MQTT 5 shared subscription group, or NULL */

	/* mqtt.data_ids (pointers into ids_store) */
	drill_data_ids ids;
	char *ids_store[12];

	/* mqtt.estimation */
	char *keypoints, *depth_estimation;

	/* mqtt.processing */
	int workers;
	int model_id;

	/* mqtt.depth_validation */
	drill_negative_depth negative_depth_behavior;
	int track_sequential_negatives;
	int sequential_threshold;
	double sequential_window_minutes;

	/* mqtt.analyzer */
	int correlation_debug;
} drill_config;

/* Read and check a YAML file. On failure *cfg is left empty (safe to free). */
int drill_config_load(const char *path, drill_config *cfg);

/* The same, from text in memory; name labels messages. */
int drill_config_parse(const char *text, size_t len, const char *name, drill_config *cfg);

/* All defaults (no file); heap strings, free with drill_config_free. */
int drill_config_defaults(drill_config *cfg);

void drill_config_free(drill_config *cfg);

/*
 * The subscription filters: {root}/{toolboxid}/{toolid}/{suffix} for result,
 * trace and (when heads is not "") heads, each prefixed "$share/<group>/"
 * when shared_group is set. topics[i] is indexed by drill_msg_kind and is
 * NULL for heads when not subscribed. Returns the number of filters (2 or 3)
 * or a negative error; free with drill_config_subscriptions_free.
 */
int drill_config_subscriptions(const drill_config *cfg, char *topics[DRILL_MSG_KINDS]);
void drill_config_subscriptions_free(char *topics[DRILL_MSG_KINDS]);

/*
 * Classify a received topic: exactly {root}/{toolbox}/{tool}/{suffix} for one
 * of the configured suffixes (whole levels compared, so "ResultManagement"
 * never matches ".../ResultManagement/Trace"). Sets *kind and copies the
 * toolbox and tool (malloc'd, caller frees). STRATA_ENOTFOUND when the topic
 * is not one of ours.
 */
int drill_config_classify(const drill_config *cfg, const char *topic, drill_msg_kind *kind,
                          char **toolbox, char **tool);

/* Correlator options from the configuration. */
void drill_config_corr_options(const drill_config *cfg, drill_corr_options *o);

const char *drill_dup_mode_name(drill_dup_mode m);
const char *drill_negative_depth_name(drill_negative_depth b);

#endif
