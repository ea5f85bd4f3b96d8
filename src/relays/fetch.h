/*
 * fetch.h - get an input document from a URL or a path, with a cache.
 *
 * A plain path or file://PATH is used in place. An http:// or https:// URL
 * is downloaded with libcurl (Accept-Encoding: gzip/deflate, a total
 * timeout, redirects followed) into the cache folder, written atomically,
 * with the server's Last-Modified kept beside it; the next fetch sends
 * If-Modified-Since and a 304 reuses the cached copy. Failures (network,
 * HTTP status >= 400, timeout) are retried with exponential backoff; when
 * every attempt fails the last good cached copy is used (logged as a
 * warning), and only without one is the fetch an error.
 */
#ifndef STRATA_RELAYS_FETCH_H
#define STRATA_RELAYS_FETCH_H

typedef struct fetch_options {
	const char *cache_dir; /* NULL: $XDG_CACHE_HOME/strata/relays or ~/.cache/... */
	int timeout_s;         /* whole transfer (default 120) */
	int attempts;          /* tries before falling back (default 3) */
	int backoff_ms;        /* first delay between tries, doubled each time (default 1000) */
} fetch_options;

void fetch_options_default(fetch_options *o);

/* How the document was obtained. */
typedef enum fetch_source {
	FETCH_LOCAL,      /* a path: used in place */
	FETCH_DOWNLOADED, /* 200: new copy in the cache */
	FETCH_NOT_MODIFIED,
	FETCH_FALLBACK /* every attempt failed: the cached copy */
} fetch_source;

/* Resolve url to a local file path (malloc'd into *path). */
int fetch_document(const char *url, const fetch_options *o, char **path, fetch_source *source);

/* Whether url is http:// or https://. */
int fetch_is_remote(const char *url);

#endif
