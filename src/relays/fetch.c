/* fetch.c - documents over http(s) with libcurl, cached, conditional, retried. */
#include "fetch.h"
#include "jstream.h"

#include "strata/error.h"
#include "strata/file.h"
#include "strata/log.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define PATH_SZ 4096

void fetch_options_default(fetch_options *o)
{
	o->cache_dir = NULL;
	o->timeout_s = 120;
	o->attempts = 3;
	o->backoff_ms = 1000;
}

int fetch_is_remote(const char *url)
{
	return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The cache folder: o->cache_dir, $XDG_CACHE_HOME/strata/relays, or
 * $HOME/.cache/strata/relays. */
static int cache_folder(const fetch_options *o, char out[PATH_SZ])
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (o->cache_dir && *o->cache_dir)
		snprintf(out, PATH_SZ, "%s", o->cache_dir);
	else if (xdg && *xdg)
		snprintf(out, PATH_SZ, "%s/strata/relays", xdg);
	else if (home && *home)
		snprintf(out, PATH_SZ, "%s/.cache/strata/relays", home);
	else
		return strata_error_set(STRATA_EINVAL, "no cache folder: set --cache-dir or $HOME");
	return strata_mkdir_p(out, 0755);
}

/* Cache file names: <dir>/<md5 of url>.json and .meta (Last-Modified). */
static int cache_paths(const char *dir, const char *url, char data[PATH_SZ], char meta[PATH_SZ])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!EVP_Digest(url, strlen(url), md, &len, EVP_md5(), NULL) || len != 16)
		return strata_error_set(STRATA_ERR, "%s: MD5 failed", url);
	char hex[33];
	for (unsigned int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(data, PATH_SZ, "%s/%s.json", dir, hex);
	snprintf(meta, PATH_SZ, "%s/%s.meta", dir, hex);
	return 0;
}

/* The stored Last-Modified value ("" when none). */
static void read_meta(const char *meta, char *out, size_t n)
{
	out[0] = '\0';
	FILE *fp = fopen(meta, "r");
	if (!fp)
		return;
	if (fgets(out, (int)n, fp))
		out[strcspn(out, "\r\n")] = '\0';
	fclose(fp);
}

typedef struct transfer {
	FILE *fp;
	char last_modified[128];
} transfer;

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
	transfer *t = user;
	return fwrite(data, size, n, t->fp) * size;
}

/* Keep the Last-Modified header (without CR/LF). */
static size_t on_header(char *line, size_t size, size_t n, void *user)
{
	transfer *t = user;
	size_t len = size * n;
	static const char name[] = "last-modified:";
	if (len > sizeof(name) && !strncasecmp(line, name, sizeof(name) - 1)) {
		const char *v = line + sizeof(name) - 1;
		size_t vlen = len - (sizeof(name) - 1);
		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
			vlen--;
		if (vlen < sizeof(t->last_modified))
			snprintf(t->last_modified, sizeof(t->last_modified), "%.*s", (int)vlen, v);
	}
	return len;
}

/* One GET into the open temporary file; *status gets the HTTP status. */
static int get_once(const char *url, const fetch_options *o, const char *since, transfer *t,
                    long *status)
{
	CURL *c = curl_easy_init();
	if (!c)
		return strata_error_set(STRATA_ENOMEM, "%s: curl_easy_init failed", url);
	struct curl_slist *headers = NULL;
	char line[200];
	if (since[0]) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s", since);
		headers = curl_slist_append(headers, line);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl decodes */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "strata-relays/" STRATA_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	if (cc != CURLE_OK)
		return strata_error_set(STRATA_EIO, "%s: %s", url, curl_easy_strerror(cc));
	if (*status >= 400)
		return strata_error_set(STRATA_EIO, "%s: HTTP status %ld", url, *status);
	return 0;
}

static void pause_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int ignore_event(void *ctx, jstream_event ev, const jstream_path *p, const jstream_value *v)
{
	return 0;
}

/* A download must be complete JSON before it replaces the cached copy: a
 * truncated or garbled body counts as a failed attempt. */
static int check_json(strata_atomic_file *w, const char *url)
{
	if (fflush(w->fp) != 0)
		return strata_error_set_errno("%s: write", w->tmp_path);
	int rc = jstream_parse_file(w->tmp_path, ignore_event, NULL, NULL);
	return rc < 0 ? strata_error_wrap(rc, "%s: downloaded document", url) : 0;
}

/* One attempt: download into a temporary file beside data and commit it on
 * 200; *not_modified on 304. */
static int attempt(const char *url, const fetch_options *o, const char *data, const char *meta,
                   int *not_modified)
{
	char since[128];
	struct stat st;
	read_meta(meta, since, sizeof(since));
	if (stat(data, &st) != 0)
		since[0] = '\0'; /* no copy to revalidate */
	strata_atomic_file w;
	int rc = strata_atomic_open(&w, data, 0644);
	if (rc < 0)
		return rc;
	transfer t = {w.fp, ""};
	long status = 0;
	rc = get_once(url, o, since, &t, &status);
	*not_modified = rc == 0 && status == 304;
	if (rc == 0 && !*not_modified)
		rc = check_json(&w, url);
	if (rc < 0 || *not_modified) {
		strata_atomic_abort(&w);
		return rc;
	}
	rc = strata_atomic_commit(&w);
	if (rc == 0)
		rc = strata_file_write_atomic(meta, t.last_modified, strlen(t.last_modified), 0644);
	return rc;
}

/* Download with retries; fall back to the cached copy. */
static int fetch_remote(const char *url, const fetch_options *o, char **path, fetch_source *src)
{
	pthread_once(&curl_once, curl_init);
	char dir[PATH_SZ], data[PATH_SZ], meta[PATH_SZ];
	int rc = cache_folder(o, dir);
	if (rc == 0)
		rc = cache_paths(dir, url, data, meta);
	if (rc < 0)
		return rc;
	int delay = o->backoff_ms, not_modified = 0;
	for (int i = 0; i < (o->attempts > 0 ? o->attempts : 1); i++) {
		if (i > 0) {
			pause_ms(delay);
			delay *= 2;
		}
		rc = attempt(url, o, data, meta, &not_modified);
		if (rc == 0)
			break;
		strata_log(STRATA_LOG_WARN, "fetch failed", "url", url, "error",
		           strata_error_message());
	}
	struct stat st;
	if (rc < 0 && stat(data, &st) != 0)
		return strata_error_wrap(rc, "no cached copy to fall back to");
	if (rc < 0)
		strata_log(STRATA_LOG_WARN, "using the cached copy", "url", url, "path", data);
	*src = rc < 0 ? FETCH_FALLBACK : not_modified ? FETCH_NOT_MODIFIED : FETCH_DOWNLOADED;
	*path = strdup(data);
	return *path ? 0 : strata_error_set(STRATA_ENOMEM, "out of memory");
}

int fetch_document(const char *url, const fetch_options *o, char **path, fetch_source *source)
{
	fetch_source ignored;
	if (!source)
		source = &ignored;
	*path = NULL;
	if (fetch_is_remote(url))
		return fetch_remote(url, o, path, source);
	*source = FETCH_LOCAL;
	*path = strdup(strncmp(url, "file://", 7) == 0 ? url + 7 : url);
	return *path ? 0 : strata_error_set(STRATA_ENOMEM, "out of memory");
}
