/*
 * jstream.h - streaming JSON over yajl with the path of every event.
 *
 * Onionoo documents are large (uptime.json ~150 MB); they are never held in
 * memory. jstream feeds a file through yajl in fixed chunks and calls one
 * handler per event with the path that leads to it (keys of maps, indices of
 * arrays), so a reader can reduce each relay on the fly by looking at the
 * path: depth 3 "relays", [i], "fingerprint" is a relay's fingerprint.
 *
 * Keys longer than JSTREAM_KEY_MAX bytes and levels deeper than
 * JSTREAM_DEPTH_MAX are reported with an empty key (they match nothing).
 */
#ifndef STRATA_RELAYS_JSTREAM_H
#define STRATA_RELAYS_JSTREAM_H

#include <stddef.h>
#include <stdint.h>

#define JSTREAM_DEPTH_MAX 12
#define JSTREAM_KEY_MAX   47

typedef enum jstream_event {
	JS_START_MAP,
	JS_END_MAP,
	JS_START_ARRAY,
	JS_END_ARRAY,
	JS_NULL,
	JS_BOOL,
	JS_NUMBER,
	JS_STRING
} jstream_event;

/* Where an event happens: level 0 is the document; at level d, key[d] is the
 * map key (is_array[d] == 0) or index[d] the array position. A container's
 * start and end events are reported at the container's own position. */
typedef struct jstream_path {
	int depth;
	char key[JSTREAM_DEPTH_MAX + 1][JSTREAM_KEY_MAX + 1];
	unsigned char is_array[JSTREAM_DEPTH_MAX + 1];
	size_t index[JSTREAM_DEPTH_MAX + 1];
} jstream_path;

/* A scalar value: boolean, number (as double, and as integer when it is one
 * that fits int64), or string (not NUL-terminated in the input; jstream
 * copies it into a NUL-terminated buffer, valid during the call). */
typedef struct jstream_value {
	int boolean;
	double number;
	int is_integer;
	int64_t integer;
	const char *string;
	size_t len;
} jstream_value;

/* Returns 0 to go on, a negative strata error to stop the parse (which then
 * returns that error with the handler's message). */
typedef int (*jstream_handler)(void *ctx, jstream_event ev, const jstream_path *path,
                               const jstream_value *value);

/* The key at level d, or "" when that level is an array or out of range. */
const char *jstream_key(const jstream_path *p, int d);

/* Stream the file at path (a plain path or file://path) through handler.
 * Malformed or truncated JSON is STRATA_EPARSE naming the file and byte
 * offset; a missing file STRATA_ENOTFOUND. bytes_read may be NULL. */
int jstream_parse_file(const char *path, jstream_handler handler, void *ctx, uint64_t *bytes_read);

/* Same over a memory buffer (tests, fuzzing); name is used in messages. */
int jstream_parse_buffer(const char *name, const char *data, size_t len, jstream_handler handler,
                         void *ctx);

#endif
