/*
 * bench_drill.c - the drill app's offline figures: reading Setitec exports
 * and estimating their keypoints, over every shared export.
 *
 * Prints files/s and samples/s for parsing, and holes/s for parsing plus
 * the deterministic estimators. bench/drill/peer_drill.py times the
 * numpy/scipy reference on the same files the same way.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "drill/estimate.h"
#include "strata/error.h"
#include "strata/time.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 1024

static char *paths[MAX_FILES];
static size_t npaths;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t len = strlen(path);
	(void)st;
	(void)ftw;
	if (flag == FTW_F && len > 4 && !strcmp(path + len - 4, ".xls") && npaths < MAX_FILES)
		paths[npaths++] = strdup(path);
	return 0;
}

static double seconds_since(int64_t start)
{
	return (double)(strata_time_monotonic_ns() - start) / 1e9;
}

int main(void)
{
	const char *root = getenv("STRATA_TESTDATA");
	static drill_setitec files[MAX_FILES];
	char dir[4096];
	size_t samples = 0, ok = 0;
	const int rounds = 20;
	int64_t start;
	double t;

	snprintf(dir, sizeof dir, "%s/drilling/setitec", root && *root ? root : "../shared/data");
	if (nftw(dir, collect, 16, FTW_PHYS) != 0 || npaths == 0) {
		printf("%-36s skipped: no Setitec exports under %s\n", "setitec parse", dir);
		return 0;
	}
	start = strata_time_monotonic_ns();
	for (size_t i = 0; i < npaths; i++) {
		if (drill_setitec_read(paths[i], &files[i]) != 0) {
			fprintf(stderr, "%s\n", strata_error_message());
			return 1;
		}
		samples += files[i].n_rows;
	}
	t = seconds_since(start);
	printf("%-36s %12.0f files/s  (%zu files, %.1fM samples/s)\n", "setitec parse",
	       (double)npaths / t, npaths, (double)samples / t / 1e6);
	start = strata_time_monotonic_ns();
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < npaths; i++) {
			drill_setitec f;
			drill_trace_buf tb;
			drill_keypoints kp;
			if (drill_setitec_read(paths[i], &f) != 0 ||
			    drill_trace_from_setitec(&f, paths[i], &tb) != 0)
				return 1;
			if (drill_estimate(&drill_estimator_deterministic, &tb.view, &kp) == 0)
				ok++;
			drill_trace_buf_free(&tb);
			drill_setitec_free(&f);
		}
	}
	t = seconds_since(start);
	printf("%-36s %12.0f holes/s  (%zu estimates in %.3f s)\n", "parse + estimate",
	       (double)(rounds * npaths) / t, (size_t)rounds * npaths, t);
	for (size_t i = 0; i < npaths; i++) {
		drill_setitec_free(&files[i]);
		free(paths[i]);
	}
	return ok ? 0 : 1;
}
