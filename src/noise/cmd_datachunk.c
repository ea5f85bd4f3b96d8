/*
 * cmd_datachunk.c - `strata noise processing prepare-datachunks`: the
 * datachunk stage with Noiz's options (see datachunk_stage.h).
 */
#include "noise/cmd_datachunk.h"

#include <stdio.h>

#include "noise/datachunk_stage.h"
#include "noise/mpi_dist.h"
#include "noise/stage.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/log.h"

static const char help[] =
    "usage: strata noise processing prepare-datachunks -sd DATE -ed DATE [-p N]\n"
    "           [-s STATION]... [-c COMPONENT]... [-b N] [--workers N] [--no-parallel]\n"
    "           [--skip-existing|--no-skip-existing] [--processed-data-dir DIR]\n"
    "           [--catalog URL] [--project DIR] [--json] [-v] [--quiet] [--mpi]\n"
    "Cut, resample, filter and de-response the raw data of every selected component\n"
    "(-s NET.STA or STA, -c letter; repeatable; none selects all) over every timespan\n"
    "within -sd..-ed, with DatachunkParams number N (-p, --datachunk-params-id;\n"
    "default 1). Each chunk is written as miniSEED (float64) under the processed-data\n"
    "directory (--processed-data-dir, else $PROCESSED_DATA_DIR, else\n"
    "PROJECT/processed-data) as\n"
    "  datachunk/N/YYYY/NET/STA/C/DDD/NET.STA.C.YYYY.DDD.HHMMSS.LENGTH\n"
    "and gets a datachunk row (a re-run replaces the file and updates the row).\n"
    "Chunks whose row and file exist are left alone unless --no-skip-existing.\n"
    "Computed on --workers threads (default all cores; --no-parallel is 1); rows are\n"
    "committed -b at a time (default 1000). A window without enough data is counted\n"
    "as without data; a corrupt record or a missing response fails that chunk only.\n"
    "Exit status 1 when a chunk failed (the others are written).\n"
    "--mpi: run as one of the processes of `mpirun -n K strata ... --mpi`: process r\n"
    "computes the component-day groups g with g % K == r and writes their files;\n"
    "process 0 alone writes the catalog and prints the summary.\n";

/* -v and --quiet as Noiz has them: more or less logging. */
static void apply_verbosity(int verbose, int quiet)
{
	if (quiet)
		strata_log_set_level(STRATA_LOG_ERROR);
	else if (verbose)
		strata_log_set_level(STRATA_LOG_DEBUG);
}

/* End an MPI process that cannot go on: the others would wait for it. */
static int give_up(const noise_datachunk_dist *dist, int status)
{
	if (dist && dist->size > 1)
		noise_mpi_abort(status);
	if (dist)
		noise_mpi_finish();
	return status;
}

/* Run the stage (as one MPI process when dist) and print rank 0's summary. */
static int run(const char *prog, const noise_stage_cli *c, const noise_datachunk_dist *dist)
{
	noise_stage_opts o;
	noise_stage_summary sum;
	strata_db *db = NULL;
	int rc = noise_stage_cli_finish(prog, c, &o, &db);

	if (rc)
		return give_up(dist, rc);
	if (noise_datachunk_stage_run_dist(db, &o, dist, &sum) != 0) {
		fprintf(stderr, "%s: %s\n", prog, strata_error_message());
		strata_db_close(db);
		return give_up(dist, STRATA_EXIT_FAILURE);
	}
	if (!dist || dist->rank == 0)
		noise_stage_summary_print("prepare-datachunks", &sum, c->json, db);
	strata_db_close(db);
	if (dist)
		noise_mpi_finish();
	return sum.failed ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}

int noise_cmd_prepare_datachunks(int argc, char **argv)
{
	noise_stage_cli c;
	noise_datachunk_dist dist;
	strata_opt opts[NOISE_STAGE_NOPTS + 3];
	size_t npos = 0;
	int verbose = 0, quiet = 0, mpi = 0, rc;

	if (strata_cmd_wants_help(argc, argv)) {
		fputs(help, stdout);
		return STRATA_EXIT_OK;
	}
	noise_stage_cli_options(&c, opts);
	opts[NOISE_STAGE_NOPTS] = (strata_opt){"verbose", "v", STRATA_OPT_FLAG, &verbose};
	opts[NOISE_STAGE_NOPTS + 1] = (strata_opt){"quiet", NULL, STRATA_OPT_FLAG, &quiet};
	opts[NOISE_STAGE_NOPTS + 2] = (strata_opt){"mpi", NULL, STRATA_OPT_FLAG, &mpi};
	if ((rc = strata_args_parse(argv[0], argc, argv, opts, NOISE_STAGE_NOPTS + 3, NULL, 0,
	                            &npos)) != 0)
		return rc;
	apply_verbosity(verbose, quiet);
	if (!mpi)
		return run(argv[0], &c, NULL);
	if (noise_mpi_start(&dist) != 0) {
		fprintf(stderr, "%s: %s\n", argv[0], strata_error_message());
		return STRATA_EXIT_USAGE;
	}
	return run(argv[0], &c, &dist);
}
