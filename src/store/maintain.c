/*
 * maintain.c - item upkeep: compaction of small parts (a new version,
 * swapped atomically like every write) and verification of every file of
 * the current version against its manifest.
 */
#include "strata/store.h"

#include "store/item_internal.h"
#include "store/layout.h"
#include "strata/buf.h"
#include "strata/error.h"
#include "strata/file.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- compaction ------------------------------------------------------------- */

static size_t part_rows_opt(const strata_store_options *opts)
{
	return opts && opts->part_rows ? opts->part_rows : STRATA_STORE_PART_ROWS;
}

/* The end of the group of parts starting at i to merge into one: small
 * neighbours (under half of part_rows) while the sum stays <= part_rows.
 * A group of one part is left as it is. */
static size_t group_end(const manifest *m, size_t i, size_t part_rows)
{
	size_t small = part_rows / 2 ? part_rows / 2 : 1, sum = 0, j = i;

	while (j < m->nparts && m->parts[j].rows < small && sum + m->parts[j].rows <= part_rows)
		sum += m->parts[j++].rows;
	return j > i ? j : i + 1;
}

/* Read part p of vdir into t, cast to m's schema. */
static int load_part(const char *vdir, const manifest *m, const part *p, strata_pq_table *t)
{
	char path[STORE_PATH_MAX];
	strata_pq_file *f;
	strata_pq_table raw = {0};
	int rc;

	strata_pq_table_init(t, 0);
	snprintf(path, sizeof path, "%s/%s", vdir, p->file);
	if ((rc = strata_parquet_open(path, &f)))
		return rc;
	rc = strata_parquet_read(f, NULL, 0, NULL, 0, &raw);
	strata_parquet_close(f);
	if (rc)
		return rc;
	rc = store_cast_table(&raw, m->cols, m->ncols, t);
	strata_pq_table_free(&raw);
	return rc;
}

/* Concatenate tabs[0..n) (already in key order) and write one part. */
static int write_concat(vbuild *b, const manifest *m, const strata_pq_table *tabs, size_t n)
{
	const strata_pq_table **srcs = calloc(n + 1, sizeof(const strata_pq_table *));
	size_t total = 0, k = 0;
	rowref *refs;
	strata_pq_table out;
	int rc;

	for (size_t i = 0; i < n; i++)
		total += tabs[i].nrows;
	refs = malloc((total ? total : 1) * sizeof *refs);
	if (!srcs || !refs) {
		free(srcs);
		free(refs);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		srcs[i] = &tabs[i];
		for (size_t r = 0; r < tabs[i].nrows; r++)
			refs[k++] = (rowref){i, r};
	}
	if (!(rc = store_gather(srcs, m->ncols, refs, k, &out))) {
		rc = store_vbuild_write(b, &out);
		strata_pq_table_free(&out);
	}
	free(srcs);
	free(refs);
	return rc;
}

/* Read parts [a, e) of vdir (schema m) and write them as one part. */
static int merge_parts(vbuild *b, const char *vdir, const manifest *m, size_t a, size_t e)
{
	strata_pq_table *tabs = calloc(e - a, sizeof *tabs);
	size_t nread = 0;
	int rc = 0;

	if (!tabs)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = a; !rc && i < e; i++)
		if (!(rc = load_part(vdir, m, &m->parts[i], &tabs[nread])))
			nread++;
	if (!rc)
		rc = write_concat(b, m, tabs, nread);
	for (size_t i = 0; i < nread; i++)
		strata_pq_table_free(&tabs[i]);
	free(tabs);
	return rc;
}

/* How many parts compaction would replace. */
static size_t count_merged(const manifest *m, size_t part_rows)
{
	size_t merged = 0;

	for (size_t i = 0; i < m->nparts;) {
		size_t e = group_end(m, i, part_rows);
		merged += e - i > 1 ? e - i : 0;
		i = e;
	}
	return merged;
}

/* Build and commit the compacted version. */
static int compact_commit(const item_paths *p, unsigned cur, const char *vdir, const manifest *m,
                          const strata_store_options *opts)
{
	size_t part_rows = part_rows_opt(opts);
	json_t *meta = NULL;
	vbuild b;
	int rc;

	if ((rc = store_metadata_read(vdir, &meta)))
		return rc;
	rc = store_vbuild_start(&b, p, cur + 1, m->key, m->cols, m->ncols);
	b.m.key2 = m->key2; /* merged parts keep their (key, key2) order */
	b.row_group_rows = opts ? opts->row_group_rows : 0;
	for (size_t i = 0; !rc && i < m->nparts;) {
		size_t e = group_end(m, i, part_rows);
		rc = e - i > 1 ? merge_parts(&b, vdir, m, i, e)
		               : store_vbuild_link(&b, vdir, &m->parts[i]);
		i = e;
	}
	if (!rc)
		rc = store_vbuild_commit(&b, meta, cur);
	store_vbuild_free(&b);
	json_decref(meta);
	return rc;
}

/* Compact under the writer lock: plan, then build and swap a version. */
static int compact_locked(const item_paths *p, const strata_store_options *opts, size_t *merged)
{
	char vdir[STORE_PATH_MAX];
	manifest m = {0};
	unsigned cur;
	int rc;

	if ((rc = store_writer_current(p, opts, &cur, vdir, &m)))
		return rc;
	*merged = count_merged(&m, part_rows_opt(opts));
	if (*merged)
		rc = compact_commit(p, cur, vdir, &m, opts);
	store_manifest_free(&m);
	return rc;
}

int strata_store_compact(const char *root, const char *store, const char *collection,
                         const char *item, const strata_store_options *opts, size_t *merged)
{
	strata_file_lock lock;
	item_paths p = {0};
	size_t dummy = 0;
	int rc;

	if (!merged)
		merged = &dummy;
	*merged = 0;
	if ((rc = store_paths_init(&p, root, store, collection, item)) ||
	    (rc = store_lock_item(&p, 0, opts, &lock)))
		return rc;
	rc = compact_locked(&p, opts, merged);
	strata_file_lock_release(&lock);
	if (rc)
		*merged = 0;
	return rc;
}

/* ---- verification ------------------------------------------------------------ */

/* Problems found so far: one "file: reason" line each. */
typedef struct findings {
	strata_buf text;
	size_t n;
	char first[512];
} findings;

__attribute__((format(printf, 3, 4))) static void note(findings *f, const char *file,
                                                       const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (!f->n++)
		snprintf(f->first, sizeof f->first, "%s: %s", file, reason);
	(void)strata_buf_printf(&f->text, "%s: %s\n", file, reason);
}

/* Check the footer of an open part against its manifest entry. */
static void check_footer(findings *fs, const manifest *m, const part *p, strata_pq_file *f)
{
	strata_pq_stats s;
	long key = -1;

	if (strata_parquet_num_rows(f) != (int64_t)p->rows)
		note(fs, p->file, "%lld rows, the manifest says %zu",
		     (long long)strata_parquet_num_rows(f), p->rows);
	for (size_t i = 0; i < m->ncols; i++) {
		size_t j = 0, nf = strata_parquet_num_columns(f);
		while (j < nf && strcmp(strata_parquet_column(f, j)->name, m->cols[i].name) != 0)
			j++;
		if (j == nf)
			note(fs, p->file, "no column %s", m->cols[i].name);
		else if (strata_parquet_column(f, j)->type != m->cols[i].type)
			note(fs, p->file, "column %s is %s, the manifest says %s", m->cols[i].name,
			     strata_pq_type_name(strata_parquet_column(f, j)->type),
			     strata_pq_type_name(m->cols[i].type));
		else if (!strcmp(m->cols[i].name, m->key) &&
		         strata_parquet_column(f, j)->unit == STRATA_PQ_NANOS)
			key = (long)j; /* statistics in the manifest's unit (PyStore: maybe us) */
	}
	for (size_t rg = 0; key >= 0 && rg < strata_parquet_num_row_groups(f); rg++)
		if (strata_parquet_stats(f, rg, (size_t)key, &s) == 0 && s.has_min && s.has_max &&
		    (s.min.i < p->min || s.max.i > p->max))
			note(fs, p->file, "row group %zu keys outside the manifest's key range",
			     rg);
}

/* Check one part file. */
static void check_part(findings *fs, const char *vdir, const manifest *m, const part *p)
{
	char path[STORE_PATH_MAX];
	strata_pq_file *f;
	struct stat st;
	uint32_t crc;
	int64_t size;

	snprintf(path, sizeof path, "%s/%s", vdir, p->file);
	if (stat(path, &st) != 0) {
		note(fs, p->file, "missing (%s)", strerror(errno));
		return;
	}
	if ((int64_t)st.st_size != p->size)
		note(fs, p->file, "size %lld bytes, the manifest says %lld", (long long)st.st_size,
		     (long long)p->size);
	if (p->has_crc && store_file_crc(path, &crc, &size) == 0 && crc != p->crc)
		note(fs, p->file, "CRC-32C %08x, the manifest says %08x (content changed)", crc,
		     p->crc);
	if (strata_parquet_open(path, &f) != 0) {
		note(fs, p->file, "unreadable: %s", strata_error_message());
		return;
	}
	check_footer(fs, m, p, f);
	strata_parquet_close(f);
}

/* Report files of vdir the manifest does not name. */
static void check_extra(findings *fs, const char *vdir, const manifest *m)
{
	struct dirent *e;
	DIR *d = opendir(vdir);

	while (d && (e = readdir(d))) {
		int known = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		            !strcmp(e->d_name, STORE_MANIFEST_FILE) ||
		            !strcmp(e->d_name, STORE_METADATA_FILE) ||
		            !strcmp(e->d_name, "metadata.json") || /* PyStore's legacy name */
		            !strcmp(e->d_name, "_metadata") ||     /* dask's, in PyStore folders */
		            !strcmp(e->d_name, "_common_metadata");
		for (size_t i = 0; !known && i < m->nparts; i++)
			known = !strcmp(e->d_name, m->parts[i].file);
		if (!known)
			note(fs, e->d_name, "not in the manifest");
	}
	if (d)
		closedir(d);
}

/* Check version folder vdir of item into fs. */
static void verify_dir(findings *fs, const char *vdir)
{
	json_t *meta = NULL;
	manifest m;

	if (store_manifest_load(vdir, &m) != 0) {
		note(fs, STORE_MANIFEST_FILE, "%s", strata_error_message());
		return;
	}
	if (store_metadata_read(vdir, &meta) != 0)
		note(fs, STORE_METADATA_FILE, "%s", strata_error_message());
	json_decref(meta);
	for (size_t i = 0; i < m.nparts; i++) {
		check_part(fs, vdir, &m, &m.parts[i]);
		if (i && m.parts[i].min < m.parts[i - 1].max)
			note(fs, m.parts[i].file, "key range overlaps the previous part's");
	}
	check_extra(fs, vdir, &m);
	store_manifest_free(&m);
}

int strata_store_verify(const char *root, const char *store, const char *collection,
                        const char *item, char **report)
{
	char vdir[STORE_PATH_MAX];
	findings fs = {STRATA_BUF_INIT, 0, ""};
	strata_file_lock lock;
	item_paths p = {0};
	int rc;

	*report = NULL;
	if ((rc = store_paths_init(&p, root, store, collection, item)) ||
	    (rc = store_lock_item(&p, 0, NULL, &lock)))
		return rc;
	/* Under the writer lock, so that no version is removed meanwhile. */
	if (!(rc = store_item_version_dir(root, store, collection, item, vdir)))
		verify_dir(&fs, vdir);
	strata_file_lock_release(&lock);
	if (rc) {
		strata_buf_free(&fs.text);
		return rc;
	}
	if (!(*report = strata_buf_detach(&fs.text)) && !(*report = strdup("")))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	if (fs.n)
		return strata_error_set(STRATA_EPARSE, "item %s (%s): %zu problem%s, first: %s",
		                        item, vdir, fs.n, fs.n == 1 ? "" : "s", fs.first);
	return 0;
}
