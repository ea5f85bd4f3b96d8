/* replay.c - `strata drill replay`: captured holes back onto a broker. */
#include "drill/replay.h"

#include "drill/mqtt.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/log.h"
#include "strata/time.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CAPTURE_MAX_BYTES ((size_t)DRILL_MAX_MESSAGE_BYTES)
#define SHUFFLE_WINDOW    16 /* holes whose messages --shuffle mixes */

static const char *const result_files[] = {"Result.json", "ResultManagement.json", NULL};

/* The first existing file of names in dir (malloc'd path), or NULL. */
static char *find_file(const char *dir, const char *const *names)
{
	struct stat st;

	for (int i = 0; names[i]; i++) {
		size_t n = strlen(dir) + strlen(names[i]) + 2;
		char *p = malloc(n);
		if (!p)
			return NULL;
		snprintf(p, n, "%s/%s", dir, names[i]);
		if (!stat(p, &st) && S_ISREG(st.st_mode))
			return p;
		free(p);
	}
	return NULL;
}

int drill_capture_is_dir(const char *dir)
{
	char *p = find_file(dir, result_files);

	free(p);
	return p != NULL;
}

static size_t skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* After a key ending at i (just past its closing quote): the span of the
 * string value that follows `:`, without quotes. 0 or -1. */
static int string_value_after(const char *t, size_t len, size_t i, drill_span *out)
{
	i = skip_ws(t, len, i);
	if (i >= len || t[i] != ':')
		return -1;
	i = skip_ws(t, len, i + 1);
	if (i >= len || t[i] != '"')
		return -1;
	size_t start = ++i;
	while (i < len && t[i] != '"' && t[i] != '\\')
		i++;
	if (i >= len || t[i] != '"')
		return -1;
	*out = (drill_span){start, i};
	return 0;
}

/* Every "SourceTimestamp": "..." string in the text. */
static int find_timestamps(drill_capture_msg *m)
{
	static const char key[] = "\"SourceTimestamp\"";
	const char *p = m->text;
	size_t cap = 0;

	while ((p = strstr(p, key))) {
		drill_span s;
		size_t after = (size_t)(p - m->text) + sizeof key - 1;
		p += sizeof key - 1;
		if (string_value_after(m->text, m->len, after, &s))
			continue;
		if (m->n_timestamps == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			drill_span *n = realloc(m->timestamps, ncap * sizeof *n);
			if (!n)
				return strata_error_set(STRATA_ENOMEM, "replay: out of memory");
			m->timestamps = n;
			cap = ncap;
		}
		m->timestamps[m->n_timestamps++] = s;
	}
	return 0;
}

/* The Value token of the first key containing path: a string (without
 * quotes) or a bare number. Leaves result_id empty when not found. */
static void find_result_id(drill_capture_msg *m, const char *path)
{
	const char *hit = path && *path ? strstr(m->text, path) : NULL;
	const char *v = hit ? strstr(hit, "\"Value\"") : NULL;
	drill_span s;
	size_t i, j;

	if (!v)
		return;
	i = (size_t)(v - m->text) + 7;
	if (!string_value_after(m->text, m->len, i, &s)) {
		m->result_id = s;
		m->result_id_is_string = 1;
		return;
	}
	i = skip_ws(m->text, m->len, i);
	if (i >= m->len || m->text[i] != ':')
		return;
	i = j = skip_ws(m->text, m->len, i + 1);
	while (j < m->len &&
	       (strchr("+-.eE", m->text[j]) || (m->text[j] >= '0' && m->text[j] <= '9')))
		j++;
	if (j > i)
		m->result_id = (drill_span){i, j};
}

static int load_msg(const char *path, const char *id_path, drill_capture_msg *m)
{
	int rc = strata_file_read_all(path, CAPTURE_MAX_BYTES, &m->text, &m->len);

	if (rc)
		return rc;
	find_result_id(m, id_path);
	return find_timestamps(m);
}

int drill_capture_load(const char *dir, const drill_data_ids *ids, drill_capture *out)
{
	static const char *const trace_files[] = {"Trace.json", NULL};
	static const char *const heads_files[] = {"Heads.json", NULL};
	char *paths[DRILL_MSG_KINDS] = {find_file(dir, result_files), find_file(dir, trace_files),
	                                find_file(dir, heads_files)};
	const char *id_paths[DRILL_MSG_KINDS] = {ids->result_id, ids->trace_result_id, NULL};
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!paths[DRILL_MSG_RESULT] || !paths[DRILL_MSG_TRACE])
		rc = strata_error_set(STRATA_ENOTFOUND,
		                      "%s: not a capture (needs Result.json or "
		                      "ResultManagement.json, and Trace.json)",
		                      dir);
	else if (!(out->dir = strdup(dir)))
		rc = strata_error_set(STRATA_ENOMEM, "replay: out of memory");
	for (int k = 0; !rc && k < DRILL_MSG_KINDS; k++)
		if (paths[k])
			rc = load_msg(paths[k], id_paths[k], &out->msg[k]);
	for (int k = 0; k < DRILL_MSG_KINDS; k++)
		free(paths[k]);
	if (rc)
		drill_capture_free(out);
	return rc;
}

void drill_capture_free(drill_capture *c)
{
	for (int k = 0; k < DRILL_MSG_KINDS; k++) {
		free(c->msg[k].text);
		free(c->msg[k].timestamps);
	}
	free(c->dir);
	memset(c, 0, sizeof *c);
}

/* The next place to rewrite at or after pos: a timestamp or the result id. */
static const drill_span *next_edit(const drill_capture_msg *m, size_t pos, int ts, int id,
                                   size_t *ti, int *is_id)
{
	const drill_span *best = NULL;

	while (ts && *ti < m->n_timestamps && m->timestamps[*ti].start < pos)
		(*ti)++;
	if (ts && *ti < m->n_timestamps)
		best = &m->timestamps[*ti];
	*is_id = 0;
	if (id && m->result_id.end && m->result_id.start >= pos &&
	    (!best || m->result_id.start < best->start)) {
		best = &m->result_id;
		*is_id = 1;
	}
	return best;
}

int drill_capture_render(const drill_capture *c, drill_msg_kind kind, const char *timestamp,
                         const char *result_id, strata_buf *out)
{
	const drill_capture_msg *m = &c->msg[kind];
	const drill_span *e;
	size_t pos = 0, ti = 0;
	int is_id, rc = 0;

	if (!m->text)
		return strata_error_set(STRATA_ENOTFOUND, "%s: no %s message", c->dir,
		                        drill_msg_kind_name(kind));
	while (!rc && (e = next_edit(m, pos, timestamp != NULL, result_id != NULL, &ti, &is_id))) {
		rc = strata_buf_append(out, m->text + pos, e->start - pos);
		if (!rc && is_id && !m->result_id_is_string)
			rc = strata_buf_puts(out, result_id); /* a number stays a number */
		else if (!rc)
			rc = strata_buf_puts(out, is_id ? result_id : timestamp);
		pos = e->end;
	}
	return rc ? rc : strata_buf_append(out, m->text + pos, m->len - pos);
}

/* --- the command ---------------------------------------------------------- */

typedef struct replay_options {
	const char *host, *root, *toolbox, *tool, *config;
	int port;
	double rate; /* holes/s; 0: as fast as possible */
	long count;  /* holes to publish; 0: one per capture */
	long first_result_id;
	int shuffle, fresh_timestamps, fresh_ids;
} replay_options;

typedef struct pending_msg {
	char *topic;
	strata_buf payload;
} pending_msg;

/* A growable list of capture paths. */
typedef struct path_list {
	char **v;
	size_t n, cap;
} path_list;

static int path_list_add(path_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **g = realloc(l->v, cap * sizeof *g);
		if (!g)
			return strata_error_set(STRATA_ENOMEM, "replay: out of memory");
		l->v = g;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(path)))
		return strata_error_set(STRATA_ENOMEM, "replay: out of memory");
	l->n++;
	return 0;
}

static void path_list_free(path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* Add dir when it is a capture, else the captures directly under it (sorted
 * by name). */
static int collect_dir(const char *dir, path_list *l)
{
	struct dirent **names = NULL;
	char path[4096];
	int nn, rc = 0;

	if (drill_capture_is_dir(dir))
		return path_list_add(l, dir);
	if ((nn = scandir(dir, &names, NULL, alphasort)) < 0)
		return strata_error_set_errno("%s", dir);
	for (int i = 0; i < nn; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		if (!rc && names[i]->d_name[0] != '.' && drill_capture_is_dir(path))
			rc = path_list_add(l, path);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Collect the captures named by the directory arguments. */
static int collect_captures(char **dirs, int ndirs, path_list *l)
{
	int rc = 0;

	for (int d = 0; d < ndirs && !rc; d++)
		rc = collect_dir(dirs[d], l);
	if (!rc && !l->n)
		rc = strata_error_set(STRATA_ENOTFOUND, "no captures (directories with "
		                                        "Result.json and Trace.json) found");
	return rc;
}

/* A fresh timestamp: now in microseconds, strictly after the last one. */
static void fresh_timestamp(strata_time *last, char *buf, size_t len)
{
	strata_time t = strata_time_now() / 1000 * 1000;

	if (t <= *last)
		t = *last + 1000;
	*last = t;
	strata_time_format_iso8601(t, 6, buf, len);
}

static void shuffle(pending_msg *m, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		pending_msg t = m[i - 1];
		m[i - 1] = m[j];
		m[j] = t;
	}
}

/* Publish and free the batch; waits when too much is unacknowledged. */
static int publish_batch(drill_mqtt *mq, pending_msg *batch, size_t n, int mix)
{
	int rc = 0;

	if (mix)
		shuffle(batch, n);
	for (size_t i = 0; i < n; i++) {
		while (!rc && drill_mqtt_unacked(mq) > 1000)
			usleep(1000);
		if (!rc)
			rc = drill_mqtt_publish(mq, batch[i].topic, batch[i].payload.data,
			                        batch[i].payload.len);
		free(batch[i].topic);
		strata_buf_free(&batch[i].payload);
	}
	return rc;
}

/* Queue one hole's messages (Heads, Result, Trace: Heads first so that an
 * optional Heads is never late) and print its line. */
static int queue_hole(const replay_options *o, const drill_config *cfg, const drill_capture *c,
                      long hole, strata_time *last_ts, pending_msg *batch, size_t *nb)
{
	static const drill_msg_kind order[] = {DRILL_MSG_HEADS, DRILL_MSG_RESULT, DRILL_MSG_TRACE};
	const char *suffix[DRILL_MSG_KINDS] = {cfg->result, cfg->trace, cfg->heads};
	char ts[64] = "", id[32] = "";
	int rc = 0;

	if (o->fresh_timestamps)
		fresh_timestamp(last_ts, ts, sizeof ts);
	if (o->fresh_ids)
		snprintf(id, sizeof id, "%ld", o->first_result_id + hole);
	for (int i = 0; i < 3 && !rc; i++) {
		drill_msg_kind k = order[i];
		if (!c->msg[k].text || !*suffix[k])
			continue;
		pending_msg *p = &batch[(*nb)++];
		memset(p, 0, sizeof *p);
		size_t tl =
		    strlen(o->root) + strlen(o->toolbox) + strlen(o->tool) + strlen(suffix[k]) + 4;
		if (!(p->topic = malloc(tl)))
			return strata_error_set(STRATA_ENOMEM, "replay: out of memory");
		snprintf(p->topic, tl, "%s/%s/%s/%s", o->root, o->toolbox, o->tool, suffix[k]);
		rc = drill_capture_render(c, k, *ts ? ts : NULL, *id ? id : NULL, &p->payload);
	}
	printf("%ld\t%s\t%s\t%s\n", hole + 1, *id ? id : "-", *ts ? ts : "-", c->dir);
	return rc;
}

/* Sleep until hole number `hole` is due at `rate` holes/s. */
static void pace(double rate, int64_t start, long hole)
{
	if (rate <= 0)
		return;
	int64_t due = start + (int64_t)((double)hole / rate * 1e9);
	int64_t wait = due - strata_time_monotonic_ns();
	if (wait > 0) {
		struct timespec ts = {(time_t)(wait / 1000000000), (long)(wait % 1000000000)};
		nanosleep(&ts, NULL);
	}
}

static int replay_all(const replay_options *o, const drill_config *cfg, drill_capture *caps,
                      size_t ncap, drill_mqtt *mq)
{
	pending_msg batch[SHUFFLE_WINDOW * 3];
	size_t nb = 0;
	strata_time last_ts = 0;
	long total = o->count ? o->count : (long)ncap;
	int64_t start = strata_time_monotonic_ns();
	int rc = 0;

	for (long h = 0; h < total && !rc; h++) {
		pace(o->rate, start, h);
		rc = queue_hole(o, cfg, &caps[(size_t)h % ncap], h, &last_ts, batch, &nb);
		/* Without --shuffle each hole goes out at once, in order. */
		if (!rc && (!o->shuffle || nb + 3 > SHUFFLE_WINDOW * 3 || h + 1 == total)) {
			rc = publish_batch(mq, batch, nb, o->shuffle);
			nb = 0;
		}
	}
	if (nb)
		publish_batch(mq, batch, nb, 0);
	fflush(stdout);
	return rc;
}

static void replay_usage(FILE *out)
{
	fprintf(out,
	        "usage: strata drill replay DIR... [--host H] [--port P] [--config FILE]\n"
	        "         [--rate N] [--count N] [--shuffle] [--fresh-timestamps]\n"
	        "         [--first-result-id N] [--root R] [--toolbox ID] [--tool ID]\n\n"
	        "Publish captured holes (directories with Result.json or ResultManagement.json,\n"
	        "Trace.json and optionally Heads.json, or folders of them) on the result, trace\n"
	        "and heads topics, QoS 1. --rate: holes per second (default 10; 0: as fast as\n"
	        "possible). --count: holes to publish, cycling the captures (default: each\n"
	        "once). --fresh-timestamps: every SourceTimestamp of a hole becomes one new\n"
	        "value (now, unique per hole). --first-result-id N: result ids N, N+1, ...\n"
	        "(implied from 1 when --count exceeds the captures). --shuffle: mix the\n"
	        "messages of up to %d consecutive holes. Prints one line per hole:\n"
	        "number, result id, timestamp, capture. Broker, root and suffixes come from\n"
	        "--config when given (default localhost:1883, OPCPUBSUB).\n",
	        SHUFFLE_WINDOW);
}

/* Parse the options; returns -1 on a usage error (message printed), else the
 * index of the first directory argument in dirs. */
static int parse_replay_args(int argc, char **argv, replay_options *o, char **dirs, int *ndirs)
{
	*ndirs = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end = NULL;
		if (a[0] != '-') {
			dirs[(*ndirs)++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--shuffle")) {
			o->shuffle = 1;
			continue;
		}
		if (!strcmp(a, "--fresh-timestamps")) {
			o->fresh_timestamps = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "strata drill replay: %s needs a value\n", a);
			return -1;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--host"))
			o->host = v;
		else if (!strcmp(a, "--root"))
			o->root = v;
		else if (!strcmp(a, "--toolbox"))
			o->toolbox = v;
		else if (!strcmp(a, "--tool"))
			o->tool = v;
		else if (!strcmp(a, "--config"))
			o->config = v;
		else if (!strcmp(a, "--port"))
			o->port = (int)strtol(v, &end, 10);
		else if (!strcmp(a, "--rate"))
			o->rate = strtod(v, &end);
		else if (!strcmp(a, "--count"))
			o->count = strtol(v, &end, 10);
		else if (!strcmp(a, "--first-result-id")) {
			o->first_result_id = strtol(v, &end, 10);
			o->fresh_ids = 1;
		} else {
			fprintf(stderr, "strata drill replay: unknown option %s\n", a);
			return -1;
		}
		if (end && (*end || end == v || o->rate < 0 || o->count < 0 || o->port < 0 ||
		            o->port > 65535)) {
			fprintf(stderr, "strata drill replay: %s: invalid value '%s'\n", a, v);
			return -1;
		}
	}
	return 0;
}

/* Connect, publish every hole, wait for the broker's acknowledgements. */
static int replay_connected(replay_options *o, const drill_config *cfg, drill_capture *caps,
                            size_t n)
{
	drill_mqtt *mq = NULL;
	int rc;

	if (!o->host)
		o->host = cfg->host;
	if (!o->port)
		o->port = cfg->port;
	if (!o->root)
		o->root = cfg->root;
	if (o->count > (long)n && !o->fresh_ids) {
		o->fresh_ids = 1;
		o->first_result_id = 1;
	}
	drill_mqtt_options mo = {.host = o->host,
	                         .port = o->port,
	                         .username = cfg->username,
	                         .password = cfg->password,
	                         .keepalive = cfg->keepalive,
	                         .client_prefix = "strata-replay"};
	if (!(rc = drill_mqtt_start(&mo, &mq)) && !(rc = drill_mqtt_wait_connected(mq, 10000)) &&
	    !(rc = replay_all(o, cfg, caps, n, mq)))
		rc = drill_mqtt_flush(mq, 30000);
	drill_mqtt_stop(mq);
	return rc;
}

/* Load the configuration and the captures, then replay them. */
static int replay_main(replay_options *o, char **dirs, int ndirs)
{
	drill_config cfg;
	drill_capture *caps = NULL;
	path_list paths = {NULL, 0, 0};
	size_t loaded = 0;
	int rc = o->config ? drill_config_load(o->config, &cfg) : drill_config_defaults(&cfg);

	if (!rc)
		rc = collect_captures(dirs, ndirs, &paths);
	if (!rc && paths.n && !(caps = calloc(paths.n, sizeof *caps)))
		rc = strata_error_set(STRATA_ENOMEM, "replay: out of memory");
	for (; !rc && caps && loaded < paths.n; loaded++)
		rc = drill_capture_load(paths.v[loaded], &cfg.ids, &caps[loaded]);
	if (!rc && caps)
		rc = replay_connected(o, &cfg, caps, paths.n);
	for (size_t i = 0; caps && i < loaded; i++)
		drill_capture_free(&caps[i]);
	free(caps);
	path_list_free(&paths);
	drill_config_free(&cfg);
	return rc;
}

int drill_cmd_replay(int argc, char **argv)
{
	replay_options o = {NULL, NULL, "ILLL502033771", "setitec001", NULL, 0, 10, 0, 1, 0, 0, 0};
	char **dirs;
	int ndirs, rc;

	if (strata_cmd_wants_help(argc, argv)) {
		replay_usage(stdout);
		return STRATA_EXIT_OK;
	}
	if (!(dirs = calloc((size_t)argc + 1, sizeof *dirs)))
		return STRATA_EXIT_FAILURE;
	if (parse_replay_args(argc, argv, &o, dirs, &ndirs) || !ndirs) {
		if (!ndirs)
			replay_usage(stderr);
		free(dirs);
		return STRATA_EXIT_USAGE;
	}
	rc = replay_main(&o, dirs, ndirs);
	free(dirs);
	if (rc) {
		fprintf(stderr, "strata drill replay: %s\n", strata_error_message());
		return STRATA_EXIT_FAILURE;
	}
	return STRATA_EXIT_OK;
}
