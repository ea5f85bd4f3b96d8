/*
 * progress.h - a progress bar on stderr, drawn only when stderr is a terminal.
 *
 *   ingest  [#############...........]  52%  5200/10000  1.3k/s  ETA 4s
 *
 * Redraws at most ten times a second; silent when stderr is not a TTY (CI,
 * pipes, log files) or when STRATA_PROGRESS=0. Safe to update from several
 * threads.
 */
#ifndef STRATA_PROGRESS_H
#define STRATA_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_progress strata_progress;

/* total 0 means unknown (a counter without a bar). Returns NULL on OOM, which
 * callers may ignore: every function accepts NULL. */
strata_progress *strata_progress_start(const char *label, uint64_t total);
/* Force drawing to out even when it is not a terminal (tests, demos). */
strata_progress *strata_progress_start_on(FILE *out, const char *label, uint64_t total);

void strata_progress_add(strata_progress *p, uint64_t n);
void strata_progress_set(strata_progress *p, uint64_t done);
/* Draw a final line and free. */
void strata_progress_finish(strata_progress *p);

#ifdef __cplusplus
}
#endif
#endif
