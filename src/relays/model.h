/*
 * model.h - the relays of one Onionoo snapshot and the rules applied to them.
 *
 * A relay_set owns every relay that passed validation (in input order until
 * relay_set_finish sorts them), the list of skipped relays with their
 * reasons, and the figures derived from the optional documents (uptime,
 * bandwidth, AROI validation). All strings are owned by the set.
 */
#ifndef STRATA_RELAYS_MODEL_H
#define STRATA_RELAYS_MODEL_H

#include "strata/time.h"

#include <stddef.h>
#include <stdint.h>

/* The consensus flags strata knows; anything else is ignored. */
typedef enum relay_flag {
	FLAG_AUTHORITY,
	FLAG_BADEXIT,
	FLAG_EXIT,
	FLAG_FAST,
	FLAG_GUARD,
	FLAG_HSDIR,
	FLAG_MIDDLEONLY,
	FLAG_NOEDCONSENSUS,
	FLAG_RUNNING,
	FLAG_STABLE,
	FLAG_STALEDESC,
	FLAG_SYBIL,
	FLAG_V2DIR,
	FLAG_VALID,
	FLAG_COUNT
} relay_flag;

/* "Exit" for FLAG_EXIT; relay_flag_key gives the lower-case URL key "exit". */
const char *relay_flag_name(int flag);
const char *relay_flag_key(int flag);
/* The flag named name (exact Onionoo spelling), or -1. */
int relay_flag_from_name(const char *name);

/* Uptime and bandwidth periods of Onionoo's history objects. */
enum { PERIOD_1M, PERIOD_6M, PERIOD_1Y, PERIOD_5Y, PERIOD_COUNT };
const char *relay_period_key(int period); /* "1_month", ... */
int relay_period_from_key(const char *key);

/* Flags whose uptime histories are reduced (index into uptime_flag). */
enum {
	UPFLAG_RUNNING,
	UPFLAG_GUARD,
	UPFLAG_EXIT,
	UPFLAG_FAST,
	UPFLAG_STABLE,
	UPFLAG_HSDIR,
	UPFLAG_COUNT
};
int relay_upflag_from_name(const char *name);
const char *relay_upflag_name(int upflag);

/* Primary role, priority Exit > Guard > Middle. */
enum { ROLE_MIDDLE, ROLE_GUARD, ROLE_EXIT };

#define UPTIME_NONE (-1.0) /* no figure: fewer than 30 valid points or no data */

typedef struct relay {
	char fingerprint[41]; /* 40 upper-case hex digits */
	char *nickname;
	char *contact;      /* "" when absent */
	char *platform_raw; /* as published, "" when absent */
	char *platform;     /* trimmed: "Linux" */
	char *version;
	char *version_status;
	char country[3];    /* upper-case ISO code, "" when unknown */
	char *country_name; /* "" when absent */
	uint32_t asn;       /* 0 when unknown */
	char *as_name;
	char **or_addresses;
	size_t n_or_addresses;
	char **family; /* sorted, unique 40-hex fingerprints including the relay's own */
	size_t n_family;
	char **exit_policy;
	size_t n_exit_policy;
	strata_time first_seen, last_seen, last_restarted; /* last_restarted 0: absent */
	int64_t observed_bandwidth, advertised_bandwidth, consensus_weight;
	double consensus_weight_fraction, guard_probability, middle_probability, exit_probability;
	int64_t overload_general_ms; /* -1: absent */
	uint32_t flags;              /* 1u << relay_flag */
	/* from details */
	unsigned running : 1, measured : 1, recommended_version : 1, hibernating : 1, has_ipv4 : 1,
	    has_ipv6 : 1;
	/* one byte each: uptime, bandwidth and AROI are loaded in parallel */
	unsigned char has_uptime, has_bandwidth, overload_ratelimits, overload_fd_exhausted;
	unsigned char aroi_checked, aroi_valid;
	int role;
	char *aroi_domain;    /* operator domain when the contact is a full AROI; NULL otherwise */
	char contact_md5[33]; /* key of the contact page */
	size_t input_index;   /* position in details.json (stable sort tie-breaker) */
	int family_group;     /* index of the relay's family group, -1 when none */
	/* uptime document */
	double uptime[PERIOD_COUNT];                    /* percent, UPTIME_NONE when no figure */
	double flag_uptime[UPFLAG_COUNT][PERIOD_COUNT]; /* same per flag */
	/* bandwidth document */
	double read_mean[PERIOD_COUNT];  /* bytes/s, mean of valid read_history points */
	double write_mean[PERIOD_COUNT]; /* bytes/s */
	double data_total[PERIOD_COUNT]; /* bytes read + written over the period */
} relay;

/* One relay that failed validation. */
typedef struct relay_skip {
	size_t input_index;
	char *id;     /* fingerprint or nickname as found (may be hostile; escape on output) */
	char *reason; /* "fingerprint: expected 40 hexadecimal digits" */
} relay_skip;

typedef struct relay_set {
	relay *relays;
	size_t n, cap;
	relay_skip *skipped;
	size_t n_skipped, cap_skipped;
	size_t n_filtered;  /* dropped by the downtime rule */
	size_t n_input;     /* relay objects seen in details */
	char published[32]; /* relays_published from details, "" when absent */
	strata_time now;    /* reference time for filters and "ago" strings */
	int filter_downtime_days;
	void *fp_index; /* fingerprint -> relay index (model.c) */
	int has_uptime, has_bandwidth, has_aroi;
	char aroi_timestamp[40]; /* AROI metadata.timestamp */
} relay_set;

void relay_set_init(relay_set *set, strata_time now, int filter_downtime_days);
void relay_set_free(relay_set *set);

/* Take ownership of r (validated) and append it; STRATA_EEXIST on a duplicate
 * fingerprint (r is then left to the caller). */
int relay_set_add(relay_set *set, relay *r);
void relay_free_fields(relay *r);

/* Record a skipped relay (copies id and reason). */
int relay_set_skip(relay_set *set, size_t input_index, const char *id, const char *reason);

/* Apply the keep rule, the stable sort by observed bandwidth, platform
 * trimming, AROI parsing and contact keys, roles; rebuild the fingerprint
 * index. Call once after loading details. */
int relay_set_finish(relay_set *set);

/* Index of the relay with fingerprint fp (40 hex, any case), or -1. */
long relay_set_find(const relay_set *set, const char *fp);

/* --- the rules, exposed for tests --- */

/* Keep a relay if running, or last seen within days of now; days 0 keeps all. */
int relay_keep(int running, strata_time last_seen, strata_time now, int days);

/* "Tor 0.4.8.x on Linux" -> "Linux"; out gets a malloc'd string. */
int relay_trim_platform(const char *platform, char **out);

/* The AROI operator domain of a contact, or NULL (out) when the contact
 * lacks any of url:, ciissversion:2 and proof:dns-rsa|uri-rsa. */
int relay_aroi_domain(const char *contact, char **out);

/* MD5 hex of "aroi_domain:"+domain when domain, else of contact. */
int relay_contact_key(const char *contact, const char *domain, char out[33]);

/* Stable sort of relays by observed bandwidth, descending. */
void relay_sort_by_bandwidth(relay *relays, size_t n);

/* Whether s is exactly 40 hexadecimal digits. */
int relay_is_fingerprint(const char *s);

#endif
