/*
 * correlate.h - matching a hole's Result, Trace and Heads messages.
 *
 * A drilling unit publishes each hole as up to three MQTT messages, in any
 * order: a Result and a Trace (both carry the hole's result id and its
 * SourceTimestamp) and a Heads message (SourceTimestamp only). The correlator
 * buffers them per (toolbox, tool) and hands back a complete set as soon as
 * it has a Result and a Trace (and a Heads when required). It knows nothing
 * about MQTT or JSON: payloads are opaque pointers with a free function.
 *
 * Matching (docs/drill-service.md): a message joins a pending set of the
 * same toolbox and tool whose SourceTimestamp equals its own to the
 * nanosecond (DRILL_MATCH_EXACT) or, as an explicit option for lines whose
 * clocks differ, is the nearest within +-time_window (DRILL_MATCH_TIME_WINDOW),
 * and whose result id is equal when both carry one (different ids never
 * match, so a reused id with another timestamp is another hole). Heads
 * messages carry no id and match by timestamp alone. A set's timestamp is
 * its Result's SourceTimestamp, else its first member's.
 * A completed set leaves the buffer at once; a small key-only record of it
 * stays ("processed") so that late redeliveries are recognised as
 * duplicates. Every buffered message and every processed record takes one of
 * max_buffer_size places; when full, the oldest processed record goes first,
 * then the oldest pending set (counted "expired" when older than max_age,
 * else "overflow"). Nothing is dropped silently: every eviction is counted,
 * logged and passed to the on_evict callback.
 *
 * The correlator is deterministic (no clock of its own: callers pass `now`)
 * and thread-compatible: callers serialise access. Lookups are hash-table
 * O(1) expected; eviction is O(1) per set.
 */
#ifndef STRATA_DRILL_CORRELATE_H
#define STRATA_DRILL_CORRELATE_H

#include <stddef.h>
#include <stdint.h>

typedef enum drill_msg_kind {
	DRILL_MSG_RESULT = 0,
	DRILL_MSG_TRACE = 1,
	DRILL_MSG_HEADS = 2,
	DRILL_MSG_KINDS = 3
} drill_msg_kind;

typedef enum drill_dup_mode {
	DRILL_DUP_IGNORE = 0, /* keep the first, drop the newcomer */
	DRILL_DUP_REPLACE,    /* the newcomer replaces the buffered message */
	DRILL_DUP_ERROR       /* drop the newcomer and return STRATA_EEXIST */
} drill_dup_mode;

typedef enum drill_match_mode {
	DRILL_MATCH_EXACT = 0,  /* SourceTimestamps equal to the nanosecond */
	DRILL_MATCH_TIME_WINDOW /* nearest SourceTimestamp within time_window */
} drill_match_mode;

typedef enum drill_evict_reason {
	DRILL_EVICT_PROCESSED = 0, /* a completed set's key record */
	DRILL_EVICT_EXPIRED,       /* pending longer than max_age */
	DRILL_EVICT_OVERFLOW,      /* the buffer was full; oldest pending set */
	DRILL_EVICT_REASONS
} drill_evict_reason;

/* What drill_correlator_add did with the message (all >= 0). */
typedef enum drill_add_status {
	DRILL_ADD_BUFFERED = 0, /* stored, its set is not complete yet */
	DRILL_ADD_COMPLETE,     /* its set is complete: *out holds it */
	DRILL_ADD_DUP_IGNORED,  /* a duplicate, dropped (ignore mode, or already processed) */
	DRILL_ADD_DUP_REPLACED, /* a duplicate that replaced the buffered one */
	DRILL_ADD_LATE          /* an optional message for a processed set, dropped */
} drill_add_status;

/* One message handed to the correlator; ownership of payload passes to it. */
typedef struct drill_msg {
	drill_msg_kind kind;
	const char *toolbox;   /* topic level 2 (copied) */
	const char *tool;      /* topic level 3 (copied) */
	const char *result_id; /* NULL when the message has none (Heads) (copied) */
	int64_t timestamp;     /* SourceTimestamp, ns since the epoch */
	void *payload;         /* opaque; freed with payload_free unless handed back */
	void (*payload_free)(void *payload);
} drill_msg;

/* A set of messages of one hole, handed back to the caller. */
typedef struct drill_corr_set {
	char *toolbox, *tool;
	char *result_id;   /* NULL when no member carried one */
	int64_t timestamp; /* the Result's SourceTimestamp, else the first member's */
	unsigned present;  /* bit (1u << kind) for each member present */
	void *payload[DRILL_MSG_KINDS];
	void (*payload_free[DRILL_MSG_KINDS])(void *payload);
	int64_t first_seen; /* `now` of its first message */
} drill_corr_set;

/* Free the set's strings and the payloads still in it (set a payload to NULL
 * to keep it). Leaves *s empty. */
void drill_corr_set_free(drill_corr_set *s);

typedef struct drill_corr_options {
	size_t max_buffer_size; /* places for messages + processed records (>= 3) */
	int64_t max_age_ns;     /* pending sets older than this expire (> 0) */
	int64_t time_window_ns; /* window for DRILL_MATCH_TIME_WINDOW (>= 0) */
	drill_match_mode match; /* exact by default */
	drill_dup_mode duplicates;
	int require_heads; /* a set completes only with its Heads message */
	/* Called for each evicted set (processed records have no payloads) before
	 * its payloads are freed; it may keep a payload by setting it to NULL. */
	void (*on_evict)(const drill_corr_set *set, drill_evict_reason why, void *user);
	void *user;
} drill_corr_options;

/* Defaults: 10000 places, max_age 300 s, window 30 s, exact, ignore, heads
 * required. */
void drill_corr_options_default(drill_corr_options *o);

typedef struct drill_corr_stats {
	uint64_t received;                     /* messages passed to add */
	uint64_t completed;                    /* sets handed back */
	uint64_t duplicates;                   /* duplicates seen (all modes) */
	uint64_t replaced;                     /* duplicates that replaced a message */
	uint64_t late;                         /* optional messages after their set completed */
	uint64_t evicted[DRILL_EVICT_REASONS]; /* messages (or records) evicted */
	uint64_t evicted_sets[DRILL_EVICT_REASONS]; /* sets evicted */
	size_t buffered;                            /* messages buffered now */
	size_t pending_sets;                        /* incomplete sets now */
	size_t processed_records;                   /* processed key records now */
} drill_corr_stats;

typedef struct drill_correlator drill_correlator;

/* Create a correlator (opts NULL: defaults). Invalid options are an
 * STRATA_EINVAL error naming the option. */
int drill_correlator_new(const drill_corr_options *opts, drill_correlator **out);

/* Free everything still buffered (no callbacks). NULL is fine. */
void drill_correlator_free(drill_correlator *c);

/*
 * Add one message received at time now (ns, non-decreasing across calls).
 * Returns a drill_add_status (>= 0), with *out filled (caller frees with
 * drill_corr_set_free) when DRILL_ADD_COMPLETE, else *out is left empty; or a
 * negative strata_error: STRATA_EEXIST for a duplicate in error mode,
 * STRATA_EINVAL, STRATA_ENOMEM. The payload is always taken over: on any
 * status but BUFFERED, COMPLETE and DUP_REPLACED, and on error, it is freed.
 */
int drill_correlator_add(drill_correlator *c, const drill_msg *m, int64_t now, drill_corr_set *out);

/* Evict pending sets and processed records older than max_age (the
 * cleanup_interval tick). Returns the number of sets/records evicted. */
size_t drill_correlator_expire(drill_correlator *c, int64_t now);

void drill_correlator_stats(const drill_correlator *c, drill_corr_stats *out);

const char *drill_msg_kind_name(drill_msg_kind k);
const char *drill_evict_reason_name(drill_evict_reason r);

#endif
