/*
 * cmd_psd.c - the PSD stage and the PSD plots (see cmd_psd.h and
 * docs/noise-psd.md).
 */
#include "noise/cmd_psd.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "noise/catalog.h"
#include "noise/chunkfile.h"
#include "noise/psd.h"
#include "strata/args.h"
#include "strata/cmd.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/log.h"
#include "strata/npy.h"
#include "strata/plot.h"
#include "strata/workers.h"

/* The PPSDParams numbered `number` with the sampling rate of its
 * DatachunkParams, planned; *ppsd_id and *dc_id get the param_set ids. */
static int load_plan(strata_db *db, long long number, char ppsd_id[37], char dc_id[37],
                     noise_psd_plan *plan)
{
	char *json = NULL, *dc_json = NULL;
	noise_psd_params p;
	int rc = noise_params_lookup(db, "PPSDParams", number, ppsd_id, &json);

	if (!rc && (rc = noise_psd_params_parse(json, &p)))
		strata_error_wrap(rc, "PPSDParams number %lld", number);
	if (!rc)
		rc = noise_params_lookup(db, "DatachunkParams", p.datachunk_params_number, dc_id,
		                         &dc_json);
	if (!rc && (rc = noise_psd_sampling_rate(dc_json, &p.sampling_rate)))
		strata_error_wrap(rc, "DatachunkParams number %lld", p.datachunk_params_number);
	if (!rc && (rc = noise_psd_plan_init(&p, plan)))
		strata_error_wrap(rc, "PPSDParams number %lld", number);
	free(json);
	free(dc_json);
	return rc;
}

/* ----------------------------------------------------------------- stage -- */

/* One selected datachunk and what the stage made of it; c.has_result: it
 * has a result of the PPSDParams. */
typedef struct psd_chunk {
	noise_chunk_row c;
	int rc; /* worker and file outcome */
	char msg[480];
	noise_psd_result r;
	char out_path[PATH_MAX];
} psd_chunk;

static psd_chunk *chunk_at(const noise_rows *chunks, size_t i)
{
	return (psd_chunk *)noise_chunk_row_at(chunks, i);
}

static void psd_chunks_free(noise_rows *chunks)
{
	for (size_t i = 0; i < chunks->n; i++)
		noise_psd_result_free(&chunk_at(chunks, i)->r);
	noise_chunk_rows_free(chunks);
}

/* The datachunks of DatachunkParams dc_id in sel, with whether PPSDParams
 * ppsd_id has a result for them. */
static int load_chunks(strata_db *db, const char *ppsd_id, const char *dc_id,
                       const noise_selection *sel, noise_rows *out)
{
	const noise_chunk_query q = {dc_id, "psd_result", ppsd_id,          NULL,
	                             NULL,  NULL,         sizeof(psd_chunk)};
	int rc = noise_chunk_rows_load(db, &q, sel, out);

	if (rc)
		psd_chunks_free(out);
	return rc;
}

/* One batch of work: the chunks and the shared plan. */
typedef struct psd_batch {
	psd_chunk **items;
	size_t n;
	const noise_psd_plan *plan;
	const char *ppsd_id;
} psd_batch;

/* Worker: read the chunk file and compute its PSD. */
static int psd_work(size_t i, void *ctx)
{
	const psd_batch *b = ctx;
	psd_chunk *k = b->items[i];
	noise_datachunk c;

	k->rc = noise_chunkfile_read(k->c.filepath, &c);
	if (!k->rc) {
		k->rc = noise_psd_compute(b->plan, c.start, c.fs, c.x, c.n, &k->r);
		noise_datachunk_free(&c);
	} else if (k->rc == STRATA_ENOTFOUND)
		k->rc = STRATA_EIO; /* a missing file is a failure, not "no data" */
	if (k->rc)
		snprintf(k->msg, sizeof k->msg, "%s", strata_error_message());
	return 0;
}

/* Noiz's PPSDFile path: psd/<params>/<year>/<doy>/NET.STA.C.<year>.<doy>.<HHMM>.0.npz */
static int psd_path(const char *root, long long number, const psd_chunk *k, char *out, size_t len)
{
	strata_civil cv;
	int year, doy, n;

	strata_time_to_year_doy(k->c.ts_start, &year, &doy);
	strata_time_to_civil(k->c.ts_start, &cv);
	n = snprintf(out, len, "%s/psd/%lld/%04d/%03d/%s.%s.%s.%04d.%03d.%02d%02d.0.npz", root,
	             number, year, doy, k->c.network, k->c.station, k->c.component, year, doy,
	             cv.hour, cv.minute);
	if (n < 0 || (size_t)n >= len)
		return strata_error_set(STRATA_ELIMIT, "PSD file path too long");
	return 0;
}

/* Write the npz of every computed chunk of the batch (calling thread). */
static void write_files(const psd_batch *b, const noise_stage_opts *o)
{
	for (size_t i = 0; i < b->n; i++) {
		psd_chunk *k = b->items[i];
		if (k->rc)
			continue;
		k->rc = psd_path(o->processed_dir, o->params_number, k, k->out_path,
		                 sizeof k->out_path);
		if (!k->rc)
			k->rc = noise_psd_write_npz(k->out_path, b->plan, &k->r);
		if (k->rc)
			snprintf(k->msg, sizeof k->msg, "%s", strata_error_message());
	}
}

static const char upsert_sql[] =
    "INSERT INTO psd_result (id, params_id, timespan_id, datachunk_id, filepath, nsegments, "
    "nkept) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (datachunk_id, params_id) DO UPDATE SET "
    "timespan_id = excluded.timespan_id, filepath = excluded.filepath, "
    "nsegments = excluded.nsegments, nkept = excluded.nkept";

/* noise_bind_row_fn: the row of chunk i of the batch; failed ones are left out. */
static int bind_psd_row(strata_db_stmt *st, size_t i, void *ctx)
{
	const psd_batch *b = ctx;
	const psd_chunk *k = b->items[i];
	int rc;

	if (k->rc)
		return 1;
	rc = strata_db_bind_text(st, 2, b->ppsd_id);
	rc = rc ? rc : strata_db_bind_text(st, 3, k->c.timespan_id);
	rc = rc ? rc : strata_db_bind_text(st, 4, k->c.id);
	rc = rc ? rc : strata_db_bind_text(st, 5, k->out_path);
	rc = rc ? rc : strata_db_bind_int64(st, 6, (int64_t)k->r.ncomputed);
	return rc ? rc : strata_db_bind_int64(st, 7, (int64_t)k->r.nkept);
}

/* Transaction: upsert the rows of the batch's written chunks. */
static int write_rows_txn(strata_db *db, void *ctx)
{
	return noise_upsert_each(db, upsert_sql, ((const psd_batch *)ctx)->n, bind_psd_row, ctx);
}

/* Count and log the batch's outcomes; free the results. */
static void tally(const psd_batch *b, noise_stage_summary *sum)
{
	for (size_t i = 0; i < b->n; i++) {
		psd_chunk *k = b->items[i];
		if (!k->rc)
			sum->done++;
		else if (k->rc == STRATA_ENOTFOUND) {
			sum->no_data++;
			strata_log(STRATA_LOG_INFO, "PSD skips datachunk", "datachunk", k->c.id,
			           "file", k->c.filepath, "reason", k->msg);
		} else {
			sum->failed++;
			strata_log(STRATA_LOG_ERROR, "PSD failed", "datachunk", k->c.id, "file",
			           k->c.filepath, "error", k->msg);
		}
		noise_psd_result_free(&k->r);
	}
}

/* Compute, write files, write rows, batch by batch. */
static int run_batches(strata_db *db, const noise_stage_opts *o, psd_batch *all,
                       noise_stage_summary *sum)
{
	strata_workers *w = NULL;
	int rc = all->n ? strata_workers_create(o->workers, &w) : 0;

	for (size_t first = 0; !rc && first < all->n; first += o->batch_size) {
		psd_batch b = *all;
		b.items = all->items + first;
		b.n = all->n - first < o->batch_size ? all->n - first : o->batch_size;
		rc = strata_workers_for(w, b.n, psd_work, &b);
		if (!rc)
			write_files(&b, o);
		rc = rc ? rc : strata_db_transaction(db, write_rows_txn, &b, 0);
		if (!rc)
			tally(&b, sum);
	}
	strata_workers_destroy(w);
	return rc;
}

int noise_psd_stage(strata_db *db, const noise_stage_opts *o, noise_stage_summary *sum)
{
	char ppsd_id[37], dc_id[37];
	noise_psd_plan plan;
	noise_rows chunks;
	psd_batch all = {NULL, 0, &plan, ppsd_id};
	int rc;

	memset(sum, 0, sizeof *sum);
	if ((rc = load_plan(db, o->params_number, ppsd_id, dc_id, &plan)))
		return rc;
	if ((rc = load_chunks(db, ppsd_id, dc_id, &o->sel, &chunks))) {
		noise_psd_plan_free(&plan);
		return rc;
	}
	sum->selected = chunks.n;
	all.items = calloc(chunks.n ? chunks.n : 1, sizeof(psd_chunk *));
	if (!all.items) {
		psd_chunks_free(&chunks);
		noise_psd_plan_free(&plan);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < chunks.n; i++) {
		if (o->skip_existing && chunk_at(&chunks, i)->c.has_result)
			sum->existing++;
		else
			all.items[all.n++] = chunk_at(&chunks, i);
	}
	rc = run_batches(db, o, &all, sum);
	free(all.items);
	psd_chunks_free(&chunks);
	noise_psd_plan_free(&plan);
	return rc;
}

int noise_cmd_run_ppsd(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise processing run-ppsd -sd DATE -ed DATE [-p N] [-s STATION]...\n"
	    "           [-c COMPONENT]... [-b N] [--workers N] [--no-parallel]\n"
	    "           [--skip-existing|--no-skip-existing] [--catalog URL] [--project DIR]\n"
	    "           [--processed-data-dir DIR] [--json]\n"
	    "Compute Noiz's PSD of every datachunk of PPSDParams number N's datachunk_params_id\n"
	    "(-p, --ppsd-params-id; default 1) whose timespan lies within -sd..-ed: one .npz per\n"
	    "chunk under PROCESSED/psd/N/YEAR/DOY/ (fft_mean, fft_std; all_windows and\n"
	    "window_midtimes with save_all_windows) and one psd_result row. Chunks with a result\n"
	    "are left alone unless --no-skip-existing. Exit status 1 when a chunk failed.\n";

	return noise_stage_command(argc, argv, help, "run-ppsd", 1, "ppsd-params-id",
	                           noise_psd_stage);
}

/* ----------------------------------------------------------------- plots -- */

/* One PSD result to plot. */
typedef struct psd_row {
	char *filepath;
	char name[48]; /* NET.STA.COMP */
	strata_time mid;
} psd_row;

typedef struct psd_rows {
	psd_row *items;
	size_t n;
} psd_rows;

static void psd_rows_free(psd_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i].filepath);
	free(r->items);
	memset(r, 0, sizeof *r);
}

static const char results_sql[] =
    "SELECT r.filepath, c.network, c.station, c.component, t.midtime_ns "
    "FROM psd_result r JOIN datachunk d ON d.id = r.datachunk_id "
    "JOIN component c ON c.id = d.component_id JOIN timespan t ON t.id = r.timespan_id "
    "WHERE r.params_id = ? AND t.starttime_ns >= ? AND t.endtime_ns <= ? "
    "ORDER BY c.network, c.station, c.component, t.midtime_ns, r.id";

/* noise_row_read_fn: one row of results_sql into a psd_row. */
static int read_row(strata_db_stmt *st, void *row, void *ctx)
{
	psd_row *r = row;
	char net[16], sta[16], comp[8];
	const char *path = strata_db_column_text(st, 0);

	(void)ctx;
	noise_column_copy(st, 1, net, sizeof net);
	noise_column_copy(st, 2, sta, sizeof sta);
	noise_column_copy(st, 3, comp, sizeof comp);
	snprintf(r->name, sizeof r->name, "%s.%s.%s", net, sta, comp);
	r->mid = strata_db_column_int64(st, 4);
	if (!(r->filepath = strdup(path ? path : "")))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

/* The PSD results of PPSDParams ppsd_id in sel, by component then time;
 * none is STRATA_ENOTFOUND. Free with psd_rows_free, also after an error. */
static int load_rows(strata_db *db, const char *ppsd_id, const noise_selection *sel, psd_rows *out)
{
	noise_rows rows = {NULL, 0, 0, sizeof(psd_row)};
	int rc = noise_rows_select(db, results_sql, &ppsd_id, 1, sel, 1, read_row, NULL, &rows);

	out->items = rows.items;
	out->n = rows.n;
	if (!rc && !rows.n)
		rc =
		    strata_error_set(STRATA_ENOTFOUND, "no PSD results in the selection (run "
		                                       "`strata noise processing run-ppsd` first)");
	return rc;
}

/* fft_mean of one result file; it must have nfreqs values. */
static int read_mean(const char *path, size_t nfreqs, strata_npy_owned *o)
{
	int rc = strata_npz_read(path, "fft_mean", o);

	if (!rc && (o->dtype != STRATA_NPY_F8 || o->ndim != 1 || o->count != nfreqs)) {
		strata_npy_free(o);
		rc = strata_error_set(STRATA_EPARSE,
		                      "%s: fft_mean holds %zu values, the PPSDParams give %zu "
		                      "frequencies",
		                      path, o->count, nfreqs);
	}
	return rc;
}

/* Options both plot commands share. */
typedef struct plot_cli {
	const char *catalog, *project, *startdate, *enddate, *params, *path, *vmin, *vmax, *rolling;
	strata_opt_list stations, components;
	int legend, log_freq;
} plot_cli;

/* What a plot command works on: the selection, the catalog, the PPSDParams
 * (its id and plan) and the PSD results. */
typedef struct plot_run {
	noise_selection sel;
	strata_db *db;
	char ppsd_id[37];
	noise_psd_plan plan;
	psd_rows rows;
} plot_run;

/* Open the catalog, parse dates and the selection, and plan the params. */
static int plot_setup(const char *prog, const plot_cli *c, plot_run *p)
{
	char url[PATH_MAX + 64], dc_id[37];
	noise_selection *sel = &p->sel;
	long long number = 1;
	int rc;

	memset(p, 0, sizeof *p);
	sel->start = INT64_MIN;
	sel->end = INT64_MAX;
	if ((c->startdate && strata_time_parse_iso8601(c->startdate, &sel->start)) ||
	    (c->enddate && strata_time_parse_iso8601(c->enddate, &sel->end))) {
		fprintf(stderr, "%s: -sd/-ed expect ISO 8601 dates\n", prog);
		return STRATA_EXIT_USAGE;
	}
	if (c->params && (rc = strata_args_long(prog, "-p", c->params, 1, INT32_MAX, &number)))
		return rc;
	if (c->rolling) {
		fprintf(stderr, "%s: -r/--rolling-window-average is not supported\n", prog);
		return STRATA_EXIT_USAGE;
	}
	sel->stations = c->stations.items;
	sel->nstations = c->stations.n;
	sel->components = c->components.items;
	sel->ncomponents = c->components.n;
	if (noise_catalog_url(c->catalog, c->project, url, sizeof url) ||
	    noise_catalog_open(url, &p->db) ||
	    load_plan(p->db, number, p->ppsd_id, dc_id, &p->plan)) {
		fprintf(stderr, "%s: %s\n", prog, strata_error_message());
		strata_db_close(p->db);
		p->db = NULL;
		return STRATA_EXIT_FAILURE;
	}
	return 0;
}

/* Parse the plot options; extra options are appended by the caller. */
static int plot_parse(int argc, char **argv, plot_cli *c, const strata_opt *extra, size_t nextra)
{
	strata_opt opts[24] = {
	    {"catalog", NULL, STRATA_OPT_VALUE, &c->catalog},
	    {"project", NULL, STRATA_OPT_VALUE, &c->project},
	    {"startdate", "sd", STRATA_OPT_VALUE, &c->startdate},
	    {"enddate", "ed", STRATA_OPT_VALUE, &c->enddate},
	    {"psd-params-id", "p", STRATA_OPT_VALUE, &c->params},
	    {"ppsd-params-id", NULL, STRATA_OPT_VALUE, &c->params},
	    {"station", "s", STRATA_OPT_LIST, &c->stations},
	    {"component-codes", "c", STRATA_OPT_LIST, &c->components},
	    {"component", NULL, STRATA_OPT_LIST, &c->components},
	    {"filepath", "f", STRATA_OPT_VALUE, &c->path},
	};
	size_t n = 10, npos = 0;

	for (size_t i = 0; i < nextra && n < sizeof opts / sizeof opts[0]; i++)
		opts[n++] = extra[i];
	return strata_args_parse(argv[0], argc, argv, opts, n, NULL, 0, &npos);
}

/* End a plot command: report rc's error, free what it loaded; the exit status. */
static int plot_done(const char *prog, int rc, plot_run *p)
{
	if (rc)
		fprintf(stderr, "%s: %s\n", prog, strata_error_message());
	psd_rows_free(&p->rows);
	noise_psd_plan_free(&p->plan);
	strata_db_close(p->db);
	return rc ? STRATA_EXIT_FAILURE : STRATA_EXIT_OK;
}

/* A date option as it goes into a file name ("start"/"end" when absent). */
static const char *name_part(const char *text, const char *dflt)
{
	return text ? text : dflt;
}

static int is_dir(const char *path)
{
	struct stat st;
	size_t n = strlen(path);

	return (n && path[n - 1] == '/') || (!stat(path, &st) && S_ISDIR(st.st_mode));
}

/* Average of each component's fft_mean (Noiz's average_psd_by_component),
 * in dB, as one series per component. */
static int average_series(const psd_rows *rows, const noise_psd_plan *plan,
                          strata_plot_series *series, double *ys, size_t *nseries)
{
	size_t nf = plan->nfreqs;

	*nseries = 0;
	for (size_t i = 0; i < rows->n;) {
		size_t j = i;
		double *avg = ys + *nseries * nf;
		memset(avg, 0, nf * sizeof *avg);
		for (; j < rows->n && !strcmp(rows->items[j].name, rows->items[i].name); j++) {
			strata_npy_owned o;
			int rc = read_mean(rows->items[j].filepath, nf, &o);
			if (rc)
				return rc;
			for (size_t k = 0; k < nf; k++)
				avg[k] += ((const double *)o.data)[k];
			strata_npy_free(&o);
		}
		for (size_t k = 0; k < nf; k++)
			avg[k] = 10 * log10(avg[k] / (double)(j - i));
		series[*nseries] = (strata_plot_series){rows->items[i].name, plan->freqs, avg, nf};
		(*nseries)++;
		i = j;
	}
	return 0;
}

/* Count the components (runs of equal names) of rows. */
static size_t count_components(const psd_rows *rows)
{
	size_t n = 0;

	for (size_t i = 0; i < rows->n; i++)
		n += i == 0 || strcmp(rows->items[i].name, rows->items[i - 1].name) != 0;
	return n;
}

/* Draw the average-PSD chart of rows into path. */
static int draw_average(const plot_cli *c, const psd_rows *rows, const noise_psd_plan *plan,
                        const char *path)
{
	size_t ncomp = count_components(rows), nseries = 0;
	strata_plot_series *series = calloc(ncomp ? ncomp : 1, sizeof *series);
	double *ys = calloc((ncomp ? ncomp : 1) * plan->nfreqs, sizeof *ys);
	char title[256];
	int rc;

	if (!series || !ys) {
		free(series);
		free(ys);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	rc = average_series(rows, plan, series, ys, &nseries);
	snprintf(title, sizeof title, "Average PSD %s - %s", name_part(c->startdate, "start"),
	         name_part(c->enddate, "end"));
	strata_line_chart ch = {title,
	                        "Frequency [Hz]",
	                        "Amplitude [(m/s)^2/Hz] [dB]",
	                        1,
	                        0,
	                        series,
	                        nseries,
	                        c->legend,
	                        0,
	                        0};
	if (!rc)
		rc = strata_plot_line_png(path, &ch);
	free(series);
	free(ys);
	return rc;
}

int noise_cmd_plot_average_psd(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise plot average-psd [-sd DATE] [-ed DATE] [-p N] [-s STATION]...\n"
	    "           [-c COMPONENT]... [-pp|-f PATH] [--no-show-legend] [--catalog URL]\n"
	    "           [--project DIR]\n"
	    "Plot the average PSD (mean of the fft_mean of every result, in dB) against frequency\n"
	    "for each selected component, for PPSDParams number N (-p, --psd-params-id; default\n"
	    "1) and the timespans within -sd..-ed. PATH is the PNG (or a directory for\n"
	    "average_psd_SD_ED.png; default the current directory). Prints the PNG's path.\n";
	plot_cli c = {0};
	strata_opt extra[] = {{"plotpath", "pp", STRATA_OPT_VALUE, &c.path},
	                      {"show-legend", NULL, STRATA_OPT_FLAG, &c.legend}};
	char path[PATH_MAX];
	plot_run p;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		fputs(help, stdout);
		return STRATA_EXIT_OK;
	}
	c.legend = 1;
	if ((rc = plot_parse(argc, argv, &c, extra, 2)) || (rc = plot_setup(argv[0], &c, &p)))
		return rc;
	if (!c.path || is_dir(c.path))
		snprintf(path, sizeof path, "%s%saverage_psd_%s_%s.png", c.path ? c.path : "",
		         c.path && c.path[strlen(c.path) - 1] != '/' ? "/" : "",
		         name_part(c.startdate, "start"), name_part(c.enddate, "end"));
	else
		snprintf(path, sizeof path, "%s", c.path);
	rc = load_rows(p.db, p.ppsd_id, &p.sel, &p.rows);
	if (!rc)
		rc = draw_average(&c, &p.rows, &p.plan, path);
	if (!rc)
		printf("%s\n", path);
	return plot_done(argv[0], rc, &p);
}

/* The time cells of a spectrogram: a regular grid of the smallest spacing
 * between midtimes (pandas asfreq), rows[i].mid placed on the nearest cell. */
static int time_grid(const psd_row *r, size_t n, double **t, size_t *nt, int64_t *step)
{
	*step = 0;
	for (size_t i = 1; i < n; i++) {
		int64_t d = r[i].mid - r[i - 1].mid;
		if (d > 0 && (!*step || d < *step))
			*step = d;
	}
	if (!*step)
		*step = 1800000000000LL; /* one cell: any width */
	double cells = floor((double)(r[n - 1].mid - r[0].mid) / (double)*step) + 1;
	if (cells > 200000)
		return strata_error_set(STRATA_ELIMIT, "spectrogram: %.0f time cells", cells);
	*nt = (size_t)cells;
	if (!(*t = malloc(*nt * sizeof **t)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < *nt; i++)
		(*t)[i] = (double)r[0].mid + (double)i * (double)*step;
	return 0;
}

/* Fill z (nt x ny, NaN first) with 10 log10(fft_mean) of each row from
 * frequency index f0 on. */
static int fill_spectrogram(const psd_row *r, size_t n, const noise_psd_plan *plan, size_t f0,
                            int64_t step, size_t nt, double *z)
{
	size_t ny = plan->nfreqs - f0;

	for (size_t i = 0; i < nt * ny; i++)
		z[i] = NAN;
	for (size_t i = 0; i < n; i++) {
		strata_npy_owned o;
		int rc = read_mean(r[i].filepath, plan->nfreqs, &o);
		size_t cell = (size_t)llround((double)(r[i].mid - r[0].mid) / (double)step);
		if (rc)
			return rc;
		for (size_t k = 0; cell < nt && k < ny; k++)
			z[cell * ny + k] = 10 * log10(((const double *)o.data)[f0 + k]);
		strata_npy_free(&o);
	}
	return 0;
}

/* Draw the spectrogram of rows r[0..n-1] (one component) into path. */
static int draw_spectrogram(const plot_cli *c, const psd_row *r, size_t n,
                            const noise_psd_plan *plan, double vmin, double vmax, const char *path)
{
	size_t f0 = 0, nt = 0;
	double *t = NULL, *z = NULL;
	int64_t step;
	char title[128];
	int rc;

	while (c->log_freq && f0 < plan->nfreqs && !(plan->freqs[f0] > 0))
		f0++;
	if (f0 == plan->nfreqs)
		return strata_error_set(STRATA_EINVAL, "spectrogram: no positive frequency");
	if ((rc = time_grid(r, n, &t, &nt, &step)))
		return rc;
	if (!(z = calloc(nt * (plan->nfreqs - f0) + 1, sizeof *z))) {
		free(t);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	rc = fill_spectrogram(r, n, plan, f0, step, nt, z);
	snprintf(title, sizeof title, "Spectrogram of %s", r[0].name);
	strata_heatmap hm = {title,
	                     NULL,
	                     "Frequency [Hz]",
	                     "Amplitude [(m/s)^2/Hz] [dB]",
	                     nt,
	                     plan->nfreqs - f0,
	                     t,
	                     1,
	                     plan->freqs + f0,
	                     c->log_freq,
	                     z,
	                     vmin,
	                     vmax,
	                     0,
	                     0};
	if (!rc)
		rc = strata_plot_heatmap_png(path, &hm);
	free(t);
	free(z);
	return rc;
}

/* One spectrogram per component of rows into dir; prints each path. */
static int spectrograms(const plot_cli *c, const psd_rows *rows, const noise_psd_plan *plan,
                        double vmin, double vmax, const char *dir)
{
	for (size_t i = 0; i < rows->n;) {
		size_t j = i;
		char path[PATH_MAX];
		while (j < rows->n && !strcmp(rows->items[j].name, rows->items[i].name))
			j++;
		snprintf(path, sizeof path, "%s/spectrogram_%s_%s_%s.png", dir, rows->items[i].name,
		         name_part(c->startdate, "start"), name_part(c->enddate, "end"));
		int rc = draw_spectrogram(c, rows->items + i, j - i, plan, vmin, vmax, path);
		if (rc)
			return rc;
		printf("%s\n", path);
		i = j;
	}
	return 0;
}

int noise_cmd_plot_spectrogram(int argc, char **argv)
{
	static const char help[] =
	    "usage: strata noise plot spectrogram [-sd DATE] [-ed DATE] [-p N] [-s STATION]...\n"
	    "           [-c COMPONENT]... [-pp|--dirpath|-f DIR] [--no-log-freq-scale]\n"
	    "           [--vmin DB] [--vmax DB] [--catalog URL] [--project DIR]\n"
	    "Plot, for each selected component, its PSDs (10 log10 fft_mean) over time for\n"
	    "PPSDParams number N (-p; default 1) and the timespans within -sd..-ed, colours from\n"
	    "--vmin to --vmax dB (default -180 to -120, as Noiz). Writes\n"
	    "DIR/spectrogram_NET.STA.C_SD_ED.png (DIR default: the current directory) and\n"
	    "prints each path.\n";
	plot_cli c = {0};
	strata_opt extra[] = {{"dirpath", "pp", STRATA_OPT_VALUE, &c.path},
	                      {"log-freq-scale", NULL, STRATA_OPT_FLAG, &c.log_freq},
	                      {"vmin", NULL, STRATA_OPT_VALUE, &c.vmin},
	                      {"vmax", NULL, STRATA_OPT_VALUE, &c.vmax},
	                      {"rolling-window-average", "r", STRATA_OPT_VALUE, &c.rolling}};
	double vmin = -180, vmax = -120;
	plot_run p;
	int rc;

	if (strata_cmd_wants_help(argc, argv)) {
		fputs(help, stdout);
		return STRATA_EXIT_OK;
	}
	c.log_freq = 1;
	if ((rc = plot_parse(argc, argv, &c, extra, 5)) ||
	    (c.vmin && (rc = strata_args_double(argv[0], "--vmin", c.vmin, &vmin))) ||
	    (c.vmax && (rc = strata_args_double(argv[0], "--vmax", c.vmax, &vmax))) ||
	    (rc = plot_setup(argv[0], &c, &p)))
		return rc;
	const char *dir = c.path ? c.path : ".";
	rc = strata_mkdir_p(dir, 0755);
	if (!rc)
		rc = load_rows(p.db, p.ppsd_id, &p.sel, &p.rows);
	if (!rc)
		rc = spectrograms(&c, &p.rows, &p.plan, vmin, vmax, dir);
	return plot_done(argv[0], rc, &p);
}
