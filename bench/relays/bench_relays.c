/*
 * bench_relays.c - `strata relays build` on a generated full-size network.
 *
 * Generates RELAYS_BENCH_N relays (default 10000, the real network's size)
 * with the shared Onionoo generator once (cached under $TMPDIR), then builds
 * the full site from all four documents with --jobs 1 and 2, each in a
 * child process, and prints wall time, peak RSS (the child's), pages
 * written, output size and the time of each phase. Targets (issue #3) on
 * 2 cores: < 10 s, < 400 MB peak RSS, output < 1 GB.
 */
#include "relays/pipeline.h"

#include "strata/error.h"
#include "strata/file.h"
#include "strata/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_SEED 42
#define BENCH_NOW  "2026-11-23 12:00:00"

typedef struct child_report {
	int rc;
	double wall;
	relays_build_result res;
	size_t relays;
} child_report;

/* The shared data folder: $STRATA_TESTDATA, else ../shared/data beside the
 * source tree this file belongs to. */
static void data_dir(char *out, size_t n)
{
	const char *env = getenv("STRATA_TESTDATA");
	if (env && *env) {
		snprintf(out, n, "%s", env);
		return;
	}
	char src[4096];
	snprintf(src, sizeof(src), "%s", __FILE__);
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(src, '/');
		if (slash)
			*slash = '\0';
	}
	snprintf(out, n, "%s/../shared/data", src);
}

/* Generate the documents into dir unless already there. */
static int generate(const char *data, const char *dir, int n)
{
	char path[4200], cmd[9000];
	snprintf(path, sizeof(path), "%s/aroi.json", dir);
	struct stat st;
	if (stat(path, &st) == 0)
		return 0;
	snprintf(cmd, sizeof(cmd),
	         "python3 '%s/onionoo/generate_onionoo.py' '%s' %d %d --now '%s' >/dev/null", data,
	         dir, n, BENCH_SEED, BENCH_NOW);
	return system(cmd) == 0 ? 0 : -1;
}

static void run_child(const char *docs, const char *out, int jobs, int fd)
{
	char details[4200], uptime[4200], bandwidth[4200], aroi[4200];
	snprintf(details, sizeof(details), "%s/details.json", docs);
	snprintf(uptime, sizeof(uptime), "%s/uptime.json", docs);
	snprintf(bandwidth, sizeof(bandwidth), "%s/bandwidth.json", docs);
	snprintf(aroi, sizeof(aroi), "%s/aroi.json", docs);
	child_report rep;
	memset(&rep, 0, sizeof(rep));
	strata_time now = 0;
	strata_time_parse_iso8601(BENCH_NOW, &now);
	relays_build_options o = {
	    details, uptime, bandwidth, aroi, now, 7, {out, jobs, 0, 1, NULL}};
	relay_set set;
	relay_set_init(&set, now, 7);
	int64_t t0 = strata_time_monotonic_ns();
	rep.rc = relays_build(&set, &o, &rep.res);
	rep.wall = (double)(strata_time_monotonic_ns() - t0) / 1e9;
	rep.relays = set.n;
	if (rep.rc < 0)
		fprintf(stderr, "bench_relays: %s\n", strata_error_message());
	relay_set_free(&set);
	ssize_t w = write(fd, &rep, sizeof(rep));
	_exit(w == (ssize_t)sizeof(rep) ? 0 : 1);
}

/* One build in a child; prints its figures. */
static int bench_jobs(const char *docs, const char *out, int n, int jobs)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		run_child(docs, out, jobs, fds[1]);
	}
	close(fds[1]);
	child_report rep;
	ssize_t got = read(fds[0], &rep, sizeof(rep));
	close(fds[0]);
	int status = 0;
	struct rusage ru;
	wait4(pid, &status, 0, &ru);
	if (got != (ssize_t)sizeof(rep) || rep.rc < 0 || status != 0) {
		printf("relays build (jobs %d)                 failed\n", jobs);
		return -1;
	}
	char label[64];
	snprintf(label, sizeof(label), "relays build %d relays, jobs %d", n, jobs);
	printf("%-36s %8.2f s  (peak RSS %.0f MB, %llu pages, %.1f MB, %zu relays kept)\n", label,
	       rep.wall, (double)ru.ru_maxrss / 1024.0, (unsigned long long)rep.res.site.pages,
	       (double)rep.res.site.bytes / 1e6, rep.relays);
	printf("%-36s ", "  phases (s)");
	for (int p = 0; p < PHASE_COUNT; p++)
		printf("%s %.2f%s", relays_phase_name(p), rep.res.seconds[p],
		       p + 1 < PHASE_COUNT ? ", " : "\n");
	return 0;
}

int main(void)
{
	char data[4096], docs[4400], out[4400];
	data_dir(data, sizeof(data));
	char gen[4200];
	snprintf(gen, sizeof(gen), "%s/onionoo/generate_onionoo.py", data);
	if (access(gen, R_OK) != 0) {
		printf("%-36s skipped: no generator at %s\n", "relays build", gen);
		return 0;
	}
	const char *n_env = getenv("RELAYS_BENCH_N");
	int n = n_env ? atoi(n_env) : 10000;
	if (n < 1)
		n = 10000;
	const char *tmpdir = getenv("TMPDIR");
	snprintf(docs, sizeof(docs), "%s/strata-bench-relays-%d-%d", tmpdir ? tmpdir : "/tmp", n,
	         BENCH_SEED);
	if (generate(data, docs, n) < 0) {
		printf("%-36s failed: the generator did not run\n", "relays build");
		return 1;
	}
	snprintf(out, sizeof(out), "%s/site", docs);
	int rc = 0;
	for (int jobs = 1; jobs <= 2; jobs++) {
		strata_remove_tree(out);
		rc |= bench_jobs(docs, out, n, jobs);
	}
	strata_remove_tree(out);
	return rc ? 1 : 0;
}
