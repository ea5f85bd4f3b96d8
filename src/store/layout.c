/* layout.c - PyStore's directory layout and metadata files; see layout.h. */
#include "store/layout.h"

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/file.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int store_root(char *out, size_t outlen)
{
	const char *env = getenv("PYSTORE_PATH");
	const char *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(out, outlen, "%s", env);
	else if (home && *home)
		n = snprintf(out, outlen, "%s/pystore", home);
	else
		return strata_error_set(STRATA_ENOTFOUND,
		                        "no store root: set PYSTORE_PATH or HOME");
	if (n < 0 || (size_t)n >= outlen)
		return strata_error_set(STRATA_ELIMIT, "store root path is too long");
	return 0;
}

/* Why name (len bytes) is not a valid store name, or NULL when it is. */
static const char *name_problem(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;

	if (!name || len == 0)
		return "empty";
	if (len > STORE_NAME_MAX)
		return "longer than 255 bytes";
	if (name[0] == '.' || name[0] == '_')
		return "must not start with '.' or '_'";
	for (size_t i = 0; i < len;) {
		size_t n = strata_utf8_length(p + i, len - i);
		if (p[i] == '/')
			return "must not contain '/'";
		if (p[i] < 0x20 || p[i] == 0x7F)
			return "must not contain control characters or NUL";
		if (n == 0)
			return "not valid UTF-8";
		i += n;
	}
	return NULL;
}

int store_check_name_len(const char *kind, const char *name, size_t len)
{
	const char *why = name_problem(name, len);
	strata_buf shown = STRATA_BUF_INIT;
	char copy[STORE_NAME_MAX + 1];
	size_t n = len < STORE_NAME_MAX ? len : STORE_NAME_MAX;

	if (!why)
		return 0;
	/* Show the name as a JSON string so control bytes stay visible. */
	if (n)
		memcpy(copy, name, n);
	copy[n] = '\0';
	strata_buf_json_string(&shown, copy);
	strata_error_set(STRATA_EINVAL, "invalid %s name %s: %s", kind, strata_buf_cstr(&shown),
	                 why);
	strata_buf_free(&shown);
	return STRATA_EINVAL;
}

int store_check_name(const char *kind, const char *name)
{
	return store_check_name_len(kind, name, name ? strlen(name) : 0);
}

void store_format_updated(strata_time t, char buf[32])
{
	strata_civil c;
	strata_time_to_civil(t, &c);
	snprintf(buf, 32, "%04d-%02d-%02d %02d:%02d:%02d.%06d", c.year, c.month, c.day, c.hour,
	         c.minute, c.second, c.nanosecond / 1000);
}

int store_metadata_write(const char *dir, const json_t *user, strata_time now)
{
	char path[4096], updated[32];
	json_t *meta;
	char *text;
	int rc;

	if (user && !json_is_object(user))
		return strata_error_set(STRATA_EINVAL, "%s: metadata must be a JSON object", dir);
	meta = user ? json_deep_copy(user) : json_object();
	store_format_updated(now, updated);
	if (!meta || json_object_set_new(meta, "_updated", json_string(updated)) != 0) {
		json_decref(meta);
		return strata_error_set(STRATA_ENOMEM, "%s: out of memory", dir);
	}
	/* PyStore's json.dump(..., ensure_ascii=False): ", " and ": ", UTF-8 kept. */
	text = json_dumps(meta, JSON_PRESERVE_ORDER);
	json_decref(meta);
	if (!text)
		return strata_error_set(STRATA_ENOMEM, "%s: cannot encode metadata", dir);
	snprintf(path, sizeof path, "%s/%s", dir, STORE_METADATA_FILE);
	rc = strata_file_write_atomic(path, text, strlen(text), 0644);
	free(text);
	return rc;
}

int store_metadata_parse(const char *name, const char *text, size_t len, json_t **out)
{
	json_error_t err;

	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!*out)
		return strata_error_set(STRATA_EPARSE, "%s:%d:%d: %s", name, err.line, err.column,
		                        err.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return strata_error_set(STRATA_EPARSE, "%s: metadata is not a JSON object", name);
	}
	return 0;
}

/* Parse one metadata file; STRATA_ENOTFOUND when it does not exist. */
static int read_metadata_file(const char *path, json_t **out)
{
	struct stat st;
	char *text;
	size_t len;
	int rc;

	if (stat(path, &st) != 0)
		return STRATA_ENOTFOUND;
	if ((rc = strata_file_read_all(path, 64u << 20, &text, &len)))
		return rc;
	rc = store_metadata_parse(path, text, len, out);
	free(text);
	return rc;
}

int store_metadata_read(const char *dir, json_t **out)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, STORE_METADATA_FILE);
	rc = read_metadata_file(path, out);
	if (rc != STRATA_ENOTFOUND)
		return rc;
	snprintf(path, sizeof path, "%s/%s", dir, STORE_LEGACY_METADATA_FILE);
	rc = read_metadata_file(path, out);
	if (rc != STRATA_ENOTFOUND)
		return rc;
	*out = json_object();
	return *out ? 0 : strata_error_set(STRATA_ENOMEM, "out of memory");
}

int store_metadata_matches(const json_t *meta, const json_t *filter)
{
	const char *key;
	json_t *want;

	json_object_foreach((json_t *)filter, key, want)
	{
		json_t *have = json_object_get(meta, key);
		if (!strcmp(key, "_updated") || !have || !json_equal(have, want))
			return 0;
	}
	return 1;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether dir/name is a directory (following symlinks) with a valid name. */
static int is_listed(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	if (name_problem(name, strlen(name)))
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int store_list_dirs(const char *dir, char ***names, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **list = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return strata_error_set_errno("cannot list %s", dir);
	while ((e = readdir(d))) {
		if (!is_listed(dir, e->d_name))
			continue;
		if (n + 2 > cap) {
			char **grown = realloc(list, (cap = cap ? cap * 2 : 16) * sizeof *list);
			if (!grown) {
				closedir(d);
				store_names_free(list);
				return strata_error_set(STRATA_ENOMEM, "out of memory listing %s",
				                        dir);
			}
			list = grown;
		}
		if (!(list[n] = strdup(e->d_name))) {
			closedir(d);
			store_names_free(list);
			return strata_error_set(STRATA_ENOMEM, "out of memory listing %s", dir);
		}
		list[++n] = NULL;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof *list, compare_names);
	if (!list && !(list = calloc(1, sizeof *list)))
		return strata_error_set(STRATA_ENOMEM, "out of memory listing %s", dir);
	*names = list;
	*count = n;
	return 0;
}

void store_names_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}
