/*
 * pystore.c - items written by PyStore itself: a plain folder of
 * part.N.parquet files (dask through pyarrow or fastparquet) with
 * pystore_metadata.json (or metadata.json), and perhaps dask's _metadata and
 * _common_metadata. There is no manifest: store_pystore_manifest builds one
 * in memory from the parts (numeric order, schema and key from the "pandas"
 * key/value metadata, key range and statistics from the rows), so reads go
 * through the same path as strata versions. Writers convert such an item to
 * a strata version first (item.c, store_adopt_plain_item).
 */
#include "store/item_internal.h"
#include "store/parquet.h"
#include "strata/error.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_PARTS 1000000

/* The number N of a "part.N.parquet" name, or -1 for any other name. */
static long part_number(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "part.", 5) != 0 || name[5] < '0' || name[5] > '9')
		return -1;
	errno = 0;
	n = strtol(name + 5, &end, 10);
	if (errno || n < 0 || n >= MAX_PARTS || strcmp(end, ".parquet") != 0)
		return -1;
	return n;
}

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* The part numbers of dir, sorted (numeric, not lexical: part.2 < part.10). */
static int list_parts(const char *dir, long **nums, size_t *n)
{
	size_t cap = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	*nums = NULL;
	*n = 0;
	if (!d)
		return strata_error_set_errno("cannot list %s", dir);
	while ((e = readdir(d))) {
		long num = part_number(e->d_name);
		if (num < 0)
			continue;
		if (*n == cap) {
			long *grown = realloc(*nums, (cap = cap ? cap * 2 : 16) * sizeof *grown);
			if (!grown) {
				closedir(d);
				return strata_error_set(STRATA_ENOMEM, "out of memory");
			}
			*nums = grown;
		}
		(*nums)[(*n)++] = num;
	}
	closedir(d);
	if (*n)
		qsort(*nums, *n, sizeof **nums, compare_long);
	return 0;
}

int store_is_plain_item_dir(const char *dir)
{
	char path[STORE_PATH_MAX];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, STORE_MANIFEST_FILE);
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || stat(path, &st) == 0)
		return 0;
	return 1;
}

/* The names of the pandas index columns of f (up to two), from its "pandas"
 * metadata; without it, a TIMESTAMP column named "index" or
 * "__index_level_0__". Returns how many were found. */
static size_t index_columns(strata_pq_file *f, char *names[2])
{
	const char *text = strata_parquet_kv_get(f, "pandas");
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	json_t *idx = json_object_get(j, "index_columns"), *v;
	size_t n = 0, i;

	names[0] = names[1] = NULL;
	json_array_foreach(idx, i, v)
	{
		if (n < 2 && json_is_string(v))
			names[n++] = strdup(json_string_value(v));
		else if (n < 2)
			break; /* a RangeIndex dict: no key column */
	}
	json_decref(j);
	for (size_t c = 0; !n && c < strata_parquet_num_columns(f); c++) {
		const strata_pq_column_info *ci = strata_parquet_column(f, c);
		if (ci->type == STRATA_PQ_TIMESTAMP &&
		    (!strcmp(ci->name, "index") || !strcmp(ci->name, "__index_level_0__")))
			names[n++] = strdup(ci->name);
	}
	return n;
}

/* The time zone pandas' metadata gives column name, or NULL. */
static const char *pandas_zone(json_t *pandas, const char *name)
{
	json_t *cols = json_object_get(pandas, "columns"), *c;
	size_t i;

	json_array_foreach(cols, i, c)
	{
		const char *field = json_string_value(json_object_get(c, "field_name"));
		const char *cname = json_string_value(json_object_get(c, "name"));
		if ((field && !strcmp(field, name)) || (!field && cname && !strcmp(cname, name)))
			return json_string_value(
			    json_object_get(json_object_get(c, "metadata"), "timezone"));
	}
	return NULL;
}

/* The manifest schema from the first part f: timestamps read as ns; zones
 * from the pandas metadata (UTC is the default of a UTC column). */
static int schema_from(const char *path, strata_pq_file *f, manifest *m)
{
	const char *text = strata_parquet_kv_get(f, "pandas");
	json_t *pandas = text ? json_loads(text, 0, NULL) : NULL;
	size_t n = strata_parquet_num_columns(f);
	int rc = 0;

	if (!(m->cols = calloc(n ? n : 1, sizeof *m->cols))) {
		json_decref(pandas);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t i = 0; !rc && i < n; i++) {
		const strata_pq_column_info *ci = strata_parquet_column(f, i);
		const char *zone = pandas_zone(pandas, ci->name);
		colspec *c = &m->cols[m->ncols++];
		c->type = ci->type;
		c->unit = STRATA_PQ_NANOS;
		c->utc = ci->utc;
		if (!(c->name = strdup(ci->name)) ||
		    (c->utc && zone && strcmp(zone, "UTC") != 0 && !(c->tz = strdup(zone))))
			rc = strata_error_set(STRATA_ENOMEM, "out of memory");
		else if (c->tz && store_check_tz(path, c->name, c->tz))
			rc = strata_error_wrap(STRATA_EPARSE, "%s", path);
	}
	json_decref(pandas);
	return rc;
}

/* Key, key2 (a STRING second index level) and schema from part f. */
static int key_from(const char *path, strata_pq_file *f, manifest *m)
{
	char *names[2];
	size_t n = index_columns(f, names);
	int rc = 0;

	if (!n || !names[0] || (n > 1 && !names[1]))
		rc = strata_error_set(STRATA_EUNSUPPORTED,
		                      "%s: no timestamp index in its pandas metadata", path);
	else if (!(rc = schema_from(path, f, m))) {
		const colspec *k = NULL, *k2 = NULL;
		for (size_t i = 0; i < m->ncols; i++) {
			if (!strcmp(m->cols[i].name, names[0]))
				k = &m->cols[i];
			if (n > 1 && !strcmp(m->cols[i].name, names[1]))
				k2 = &m->cols[i];
		}
		if (!k || k->type != STRATA_PQ_TIMESTAMP)
			rc = strata_error_set(STRATA_EUNSUPPORTED,
			                      "%s: index %s is not a timestamp column", path,
			                      names[0]);
		else if (n > 1 && (!k2 || k2->type != STRATA_PQ_STRING))
			rc = strata_error_set(STRATA_EUNSUPPORTED,
			                      "%s: second index level %s is not a string column",
			                      path, names[1]);
		else {
			m->key = names[0];
			names[0] = NULL;
			if (n > 1) {
				m->key2 = names[1];
				names[1] = NULL;
			}
		}
	}
	free(names[0]);
	free(names[1]);
	return rc;
}

/* Fill part p from the rows of file path: count, key range (ns), stats. */
static int describe_part(const char *path, const manifest *m, part *p)
{
	strata_pq_table raw = {0}, t;
	strata_pq_file *f;
	struct stat st;
	long kc;
	int rc;

	if ((rc = strata_parquet_open(path, &f)))
		return rc;
	rc = strata_parquet_read(f, NULL, 0, NULL, 0, &raw);
	strata_parquet_close(f);
	if (rc)
		return strata_error_wrap(rc, "%s", path);
	rc = store_cast_table(&raw, m->cols, m->ncols, &t);
	strata_pq_table_free(&raw);
	if (rc)
		return strata_error_wrap(rc, "%s", path);
	kc = store_find_col(&t, m->key);
	p->rows = t.nrows;
	for (size_t i = 0; !rc && kc >= 0 && i < t.nrows; i++) {
		int64_t k = ((const int64_t *)t.cols[kc].values)[i];
		if (!strata_pq_is_valid(&t.cols[kc], i) || k == INT64_MIN)
			rc = strata_error_set(STRATA_EPARSE, "%s: row %zu: key %s is NaT", path, i,
			                      m->key);
		p->min = !i || k < p->min ? k : p->min;
		p->max = !i || k > p->max ? k : p->max;
	}
	if (!rc && !(p->stats = store_table_stats(&t)))
		rc = strata_error_set(STRATA_ENOMEM, "out of memory");
	if (!rc && stat(path, &st) != 0)
		rc = strata_error_set_errno("%s", path);
	p->size = rc ? 0 : (int64_t)st.st_size;
	strata_pq_table_free(&t);
	return rc;
}

/* Parts of the manifest: one per number, schema from the first. */
static int describe_parts(const char *dir, const long *nums, size_t n, manifest *m)
{
	char path[STORE_PATH_MAX];
	strata_pq_file *f;
	int rc;

	snprintf(path, sizeof path, "%s/part.%ld.parquet", dir, nums[0]);
	if ((rc = strata_parquet_open(path, &f)))
		return rc;
	rc = key_from(path, f, m);
	strata_parquet_close(f);
	if (rc)
		return rc;
	if (!(m->parts = calloc(n, sizeof *m->parts)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < n; i++) {
		part *p = &m->parts[m->nparts++];
		snprintf(p->file, STORE_PART_NAME_SZ, "part.%ld.parquet", nums[i]);
		snprintf(path, sizeof path, "%s/%s", dir, p->file);
		rc = describe_part(path, m, p);
	}
	return rc;
}

int store_pystore_manifest(const char *dir, manifest *m)
{
	long *nums;
	size_t n;
	int rc;

	memset(m, 0, sizeof *m);
	if ((rc = list_parts(dir, &nums, &n)))
		return rc;
	if (!n)
		rc = strata_error_set(STRATA_ENOTFOUND, "%s: no part.N.parquet files", dir);
	else
		rc = describe_parts(dir, nums, n, m);
	free(nums);
	if (rc)
		store_manifest_free(m);
	return rc;
}

int store_parts_ordered(const manifest *m)
{
	for (size_t i = 1; i < m->nparts; i++)
		if (m->parts[i].min < m->parts[i - 1].max)
			return 0;
	return 1;
}
