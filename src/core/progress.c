/* progress.c - terminal progress bars; see include/strata/progress.h. */
#include "strata/progress.h"

#include "strata/time.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BAR_WIDTH          28
#define REDRAW_INTERVAL_NS (STRATA_NS_PER_SEC / 10)

struct strata_progress {
	FILE *out;
	char label[32];
	uint64_t total, done;
	int64_t started_ns, drawn_ns;
	pthread_mutex_t lock;
};

static strata_progress *progress_new(FILE *out, const char *label, uint64_t total)
{
	strata_progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->out = out;
	snprintf(p->label, sizeof p->label, "%s", label ? label : "");
	p->total = total;
	p->started_ns = strata_time_monotonic_ns();
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

strata_progress *strata_progress_start_on(FILE *out, const char *label, uint64_t total)
{
	return progress_new(out, label, total);
}

strata_progress *strata_progress_start(const char *label, uint64_t total)
{
	const char *env = getenv("STRATA_PROGRESS");
	int enabled = isatty(STDERR_FILENO) && !(env && !strcmp(env, "0"));
	return progress_new(enabled ? stderr : NULL, label, total);
}

/* Human-friendly rate: 950, 1.3k, 2.1M. */
static void format_count(double v, char *buf, size_t len)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

static void draw(strata_progress *p, int64_t now, int final)
{
	double elapsed = (double)(now - p->started_ns) / 1e9;
	double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
	char rate_text[16];

	format_count(rate, rate_text, sizeof rate_text);
	fprintf(p->out, "\r%-12s ", p->label);
	if (p->total) {
		uint64_t done = p->done > p->total ? p->total : p->done;
		int filled = (int)(done * BAR_WIDTH / p->total);
		fputc('[', p->out);
		for (int i = 0; i < BAR_WIDTH; i++)
			fputc(i < filled ? '#' : '.', p->out);
		fprintf(p->out, "] %3d%%  %llu/%llu  %s/s", (int)(done * 100 / p->total),
		        (unsigned long long)p->done, (unsigned long long)p->total, rate_text);
		if (!final && rate > 0)
			fprintf(p->out, "  ETA %.0fs", (double)(p->total - done) / rate);
	} else {
		fprintf(p->out, "%llu  %s/s", (unsigned long long)p->done, rate_text);
	}
	fputs(final ? "\033[K\n" : "\033[K", p->out);
	fflush(p->out);
	p->drawn_ns = now;
}

static void maybe_draw(strata_progress *p)
{
	int64_t now = strata_time_monotonic_ns();
	if (p->out && now - p->drawn_ns >= REDRAW_INTERVAL_NS)
		draw(p, now, 0);
}

void strata_progress_add(strata_progress *p, uint64_t n)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->done += n;
	maybe_draw(p);
	pthread_mutex_unlock(&p->lock);
}

void strata_progress_set(strata_progress *p, uint64_t done)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->done = done;
	maybe_draw(p);
	pthread_mutex_unlock(&p->lock);
}

void strata_progress_finish(strata_progress *p)
{
	if (!p)
		return;
	if (p->out)
		draw(p, strata_time_monotonic_ns(), 1);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
