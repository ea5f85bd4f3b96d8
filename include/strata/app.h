/*
 * app.h - the entry points of strata's five apps.
 *
 * Each app lives in src/<app>/ and exposes one function the CLI dispatches to:
 * `strata <app> <command> [options]`. argv[0] is the app name. The return value
 * is the process exit status (0 success, 1 failure, 2 usage error); apps print
 * their own errors through the core's error and log modules and never exit().
 */
#ifndef STRATA_APP_H
#define STRATA_APP_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_app {
	const char *name;
	const char *summary; /* one line for `strata --help` */
	int (*main)(int argc, char **argv);
} strata_app;

int strata_store_main(int argc, char **argv);
int strata_noise_main(int argc, char **argv);
int strata_drill_main(int argc, char **argv);
int strata_relays_main(int argc, char **argv);
int strata_sky_main(int argc, char **argv);

/* The five apps, in the order `strata --help` lists them; NULL-terminated. */
extern const strata_app strata_apps[];

#ifdef __cplusplus
}
#endif
#endif
