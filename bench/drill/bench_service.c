/*
 * bench_service.c - `strata drill listen` end to end through mosquitto on
 * loopback: holes/s, latency from the publication of a hole's last message
 * to its depth result, and the service's peak resident memory, with 1 and 2
 * workers.
 *
 * It starts /usr/sbin/mosquitto on a free port and the strata binary beside
 * this executable ($STRATA overrides), then replays the shared captures
 * data0, data2 and data_20250326 (traces of 492, 1860 and 9769 samples) with
 * fresh timestamps and result ids: $STRATA_BENCH_HOLES holes (default 2000)
 * paced at $STRATA_BENCH_RATE holes/s (default 200), then the same number as
 * a flood, as fast as the broker takes them. Peak RSS is read after each.
 * Without mosquitto or the shared data it prints why and exits 0. The broker
 * runs with
 * max_queued_messages 0 (no per-client queue limit), so that a flood measures
 * the service rather than the broker's drops. Run from the repository root
 * (shared data at ../shared/data) or set STRATA_TESTDATA.
 */
#include "drill/mqtt.h"
#include "drill/replay.h"
#include "strata/buf.h"
#include "strata/error.h"
#include "strata/log.h"
#include "strata/time.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NCAPTURES 3
static const char *const capture_names[NCAPTURES] = {"data0", "data2", "data_20250326"};

typedef struct bench {
	char dir[256];
	char strata[PATH_MAX];
	int port;
	pid_t broker;
	drill_capture caps[NCAPTURES];
	drill_config cfg;
	/* one phase */
	long first_id, n;
	int64_t *pub_ns, *res_ns;
	atomic_long received;
	strata_time last_ts;
} bench;

static int free_port(void)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof a) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid;

	fflush(stdout); /* the child must not write our buffered lines again */
	pid = fork();

	if (pid == 0) {
		FILE *f = freopen(log, "w", stderr);
		(void)f;
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* Peak resident set (VmHWM) of pid in MB, or -1. */
static double peak_rss_mb(pid_t pid)
{
	char path[64], line[256];
	double kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtod(line + 6, NULL);
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

/* The subscriber: note when each hole's depth result arrives. */
static void on_result(const char *topic, const void *payload, size_t len, void *user)
{
	bench *b = user;
	const char *p = strstr(payload, "\"ResultId\"");
	int64_t now = strata_time_monotonic_ns();

	(void)topic, (void)len;
	if (!p)
		return;
	p += 10;
	while (*p == ' ' || *p == ':' || *p == '"')
		p++;
	long k = strtol(p, NULL, 10) - b->first_id;
	if (k >= 0 && k < b->n && !b->res_ns[k]) {
		b->res_ns[k] = now;
		atomic_fetch_add(&b->received, 1);
	}
}

/* Publish hole k (Result, then Trace: its last message) with a fresh
 * timestamp and result id first_id + k. */
static int publish_hole(bench *b, drill_mqtt *mq, long k)
{
	const drill_capture *c = &b->caps[k % NCAPTURES];
	const char *suffix[2] = {b->cfg.result, b->cfg.trace};
	char ts[64], id[32], topic[256];
	strata_time t = strata_time_now() / 1000 * 1000;
	strata_buf msg = STRATA_BUF_INIT;
	int rc = 0;

	if (t <= b->last_ts)
		t = b->last_ts + 1000;
	b->last_ts = t;
	strata_time_format_iso8601(t, 6, ts, sizeof ts);
	snprintf(id, sizeof id, "%ld", b->first_id + k);
	for (int i = 0; i < 2 && !rc; i++) {
		strata_buf_reset(&msg);
		snprintf(topic, sizeof topic, "%s/bench/tool%ld/%s", b->cfg.root, k % 8, suffix[i]);
		rc = drill_capture_render(c, (drill_msg_kind)i, ts, id, &msg);
		if (!rc)
			rc = drill_mqtt_publish(mq, topic, msg.data, msg.len);
	}
	b->pub_ns[k] = strata_time_monotonic_ns();
	strata_buf_free(&msg);
	return rc;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Wait until n results arrived or timeout_s passed; returns how many. */
static long wait_results(bench *b, long n, double timeout_s)
{
	int64_t until = strata_time_monotonic_ns() + (int64_t)(timeout_s * 1e9);

	while (atomic_load(&b->received) < n && strata_time_monotonic_ns() < until)
		usleep(2000);
	return atomic_load(&b->received);
}

/* One phase: n holes (rate 0: flood), then report. */
static void run_phase(bench *b, drill_mqtt *pub, const char *label, long n, double rate)
{
	int64_t start, end = 0;
	long got;

	b->n = n;
	b->first_id += 1000000;
	b->pub_ns = calloc((size_t)n, sizeof *b->pub_ns);
	b->res_ns = calloc((size_t)n, sizeof *b->res_ns);
	atomic_store(&b->received, 0);
	start = strata_time_monotonic_ns();
	for (long k = 0; k < n; k++) {
		if (rate > 0) {
			int64_t due = start + (int64_t)((double)k / rate * 1e9);
			while (strata_time_monotonic_ns() < due)
				usleep(100);
		}
		while (drill_mqtt_unacked(pub) > 2000)
			usleep(200);
		if (publish_hole(b, pub, k))
			break;
	}
	got = wait_results(b, n, 120);
	int64_t *lat = calloc((size_t)n, sizeof *lat);
	long m = 0;
	for (long k = 0; k < n; k++)
		if (b->res_ns[k]) {
			lat[m++] = b->res_ns[k] - b->pub_ns[k];
			if (b->res_ns[k] > end)
				end = b->res_ns[k];
		}
	qsort(lat, (size_t)m, sizeof *lat, cmp_i64);
	char name[96];
	snprintf(name, sizeof name, "%s holes/s", label);
	printf("%-44s %10.0f holes/s  (%ld of %ld answered)\n", name,
	       m && end > start ? (double)m / ((double)(end - start) / 1e9) : 0, got, n);
	snprintf(name, sizeof name, "%s latency p50", label);
	long p50 = m / 2, p99 = m * 99 / 100;
	printf("%-44s %10.1f ms\n", name, m ? (double)lat[p50] / 1e6 : -1);
	snprintf(name, sizeof name, "%s latency p99", label);
	printf("%-44s %10.1f ms\n", name, m ? (double)lat[p99] / 1e6 : -1);
	fflush(stdout);
	free(lat);
	free(b->pub_ns);
	free(b->res_ns);
	b->pub_ns = b->res_ns = NULL;
}

static int write_config(const bench *b, int workers, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/listen-%d.yaml", b->dir, workers);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f,
	        "mqtt:\n  broker:\n    host: 127.0.0.1\n    port: %d\n"
	        "  listener:\n    require_heads: false\n    max_buffer_size: 1000000\n"
	        "  processing:\n    workers: %d\n",
	        b->port, workers);
	return fclose(f);
}

/* Start listen with `workers`, warm up, pace, flood, report, stop. */
static void bench_workers(bench *b, int workers, long n, double rate)
{
	char cfg[512], log[512], label[64];
	char *argv[] = {b->strata, "drill", "listen", "--config", cfg, "--log-level", "warn", NULL};
	char topic[256];
	const char *subs[1] = {topic};
	drill_mqtt *pub = NULL, *sub = NULL;
	pid_t listen;

	if (write_config(b, workers, cfg, sizeof cfg))
		return;
	snprintf(log, sizeof log, "%s/listen-%d.log", b->dir, workers);
	snprintf(topic, sizeof topic, "%s/+/+/%s", b->cfg.root, b->cfg.depth_estimation);
	listen = spawn(argv, log);
	drill_mqtt_options so = {.host = "127.0.0.1",
	                         .port = b->port,
	                         .keepalive = 60,
	                         .client_prefix = "bench-sub",
	                         .subscriptions = subs,
	                         .n_subscriptions = 1,
	                         .on_message = on_result,
	                         .user = b};
	drill_mqtt_options po = {
	    .host = "127.0.0.1", .port = b->port, .keepalive = 60, .client_prefix = "bench-pub"};
	if (drill_mqtt_start(&so, &sub) || drill_mqtt_start(&po, &pub) ||
	    drill_mqtt_wait_connected(sub, 10000) || drill_mqtt_wait_connected(pub, 10000)) {
		fprintf(stderr, "bench: %s\n", strata_error_message());
		goto out;
	}
	/* Warm up until the service answers (it subscribes in the background). */
	b->n = 1;
	for (int i = 0; i < 100; i++) {
		b->first_id += 1000000;
		b->pub_ns = calloc(1, sizeof *b->pub_ns);
		b->res_ns = calloc(1, sizeof *b->res_ns);
		atomic_store(&b->received, 0);
		publish_hole(b, pub, 0);
		long got = wait_results(b, 1, 0.1);
		free(b->pub_ns);
		free(b->res_ns);
		b->pub_ns = b->res_ns = NULL;
		if (got)
			break;
	}
	const char *s = workers > 1 ? "s" : "";
	snprintf(label, sizeof label, "listen %d worker%s at %.0f/s", workers, s, rate);
	run_phase(b, pub, label, n, rate);
	snprintf(label, sizeof label, "listen %d worker%s peak RSS at %.0f/s", workers, s, rate);
	printf("%-44s %10.1f MB\n", label, peak_rss_mb(listen));
	snprintf(label, sizeof label, "listen %d worker%s flood", workers, s);
	run_phase(b, pub, label, n, 0);
	snprintf(label, sizeof label, "listen %d worker%s peak RSS in flood", workers, s);
	printf("%-44s %10.1f MB\n", label, peak_rss_mb(listen));
out:
	drill_mqtt_stop(pub);
	drill_mqtt_stop(sub);
	stop(listen);
}

/* Find the strata binary, the captures and mosquitto; 0 or a reason. */
static const char *setup(bench *b, const char *argv0)
{
	const char *data = getenv("STRATA_TESTDATA");
	char path[PATH_MAX], base[PATH_MAX];

	if (getenv("STRATA"))
		snprintf(b->strata, sizeof b->strata, "%s", getenv("STRATA"));
	else {
		snprintf(base, sizeof base, "%s", argv0);
		char *slash = strrchr(base, '/');
		if (slash)
			*slash = '\0';
		snprintf(b->strata, sizeof b->strata, "%s/../strata", slash ? base : ".");
	}
	if (access(b->strata, X_OK))
		return "strata binary not found (set STRATA)";
	if (access("/usr/sbin/mosquitto", X_OK))
		return "/usr/sbin/mosquitto not installed";
	if (drill_config_defaults(&b->cfg))
		return "configuration defaults";
	for (int i = 0; i < NCAPTURES; i++) {
		snprintf(path, sizeof path, "%s/drilling/mqtt/%s", data ? data : "../shared/data",
		         capture_names[i]);
		if (drill_capture_load(path, &b->cfg.ids, &b->caps[i]))
			return "shared captures (drilling/mqtt) not found; set STRATA_TESTDATA";
	}
	return NULL;
}

static int start_broker(bench *b)
{
	char conf[512], log[512];
	FILE *f;

	snprintf(conf, sizeof conf, "%s/mosquitto.conf", b->dir);
	snprintf(log, sizeof log, "%s/mosquitto.log", b->dir);
	if (!(f = fopen(conf, "w")))
		return -1;
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n", b->port);
	fclose(f);
	char *argv[] = {"/usr/sbin/mosquitto", "-c", conf, NULL};
	b->broker = spawn(argv, log);
	return b->broker > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static bench b;
	const char *why;
	const char *holes = getenv("STRATA_BENCH_HOLES"), *per_s = getenv("STRATA_BENCH_RATE");
	long n = holes ? atol(holes) : 2000;
	double rate = per_s ? atof(per_s) : 200;

	(void)argc;
	strata_log_set_level(STRATA_LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	if ((why = setup(&b, argv[0]))) {
		printf("listen end to end: skipped (%s)\n", why);
		return 0;
	}
	snprintf(b.dir, sizeof b.dir, "/tmp/strata-bench-listen-XXXXXX");
	if (!mkdtemp(b.dir) || (b.port = free_port()) < 0 || start_broker(&b)) {
		printf("listen end to end: skipped (cannot start mosquitto)\n");
		return 0;
	}
	usleep(300000);
	b.first_id = 1;
	bench_workers(&b, 1, n, rate);
	bench_workers(&b, 2, n, rate);
	stop(b.broker);
	for (int i = 0; i < NCAPTURES; i++)
		drill_capture_free(&b.caps[i]);
	drill_config_free(&b.cfg);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", b.dir);
	if (system(cmd))
		return 0;
	return 0;
}
