/* npy.c - NumPy .npy and .npz files (see npy.h). */
#include "strata/npy.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "strata/error.h"
#include "strata/file.h"

#define NPY_ALIGN     64
#define NPZ_MAX_BYTES ((size_t)UINT32_MAX) /* no ZIP64: entries and archive < 4 GiB */

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

static const char *dtype_descr(strata_npy_dtype t)
{
	switch (t) {
	case STRATA_NPY_F8: return "<f8";
	case STRATA_NPY_I8: return "<i8";
	case STRATA_NPY_DATETIME_NS: return "<M8[ns]";
	}
	return NULL;
}

/* Element count of a shape, or STRATA_ELIMIT when it overflows a byte size. */
static int shape_count(size_t ndim, const size_t *shape, size_t *count)
{
	size_t c = 1;

	for (size_t i = 0; i < ndim; i++) {
		if (shape[i] && c > SIZE_MAX / 8 / shape[i])
			return strata_error_set(STRATA_ELIMIT, "array shape too large");
		c *= shape[i];
	}
	*count = c;
	return 0;
}

/* Little-endian bytes of 8-byte elements (the host order on every target
 * strata supports; byte-swapped elsewhere). */
static int append_le8(strata_buf *out, const void *data, size_t count)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	const unsigned char *p = data;
	for (size_t i = 0; i < count; i++)
		for (int b = 7; b >= 0; b--)
			if (strata_buf_putc(out, (char)p[i * 8 + (size_t)b]))
				return STRATA_ENOMEM;
	return 0;
#else
	return count ? strata_buf_append(out, data, count * 8) : 0;
#endif
}

int strata_npy_encode(const strata_npy_array *a, strata_buf *out)
{
	char header[512];
	size_t count = 0;
	const char *descr = dtype_descr(a->dtype);
	int n, rc;

	if (!descr || a->ndim > STRATA_NPY_MAXDIM || (!a->data && a->ndim && a->shape[0]))
		return strata_error_set(STRATA_EINVAL, "npy: bad array description");
	if ((rc = shape_count(a->ndim, a->shape, &count)))
		return rc;
	n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
	             descr);
	for (size_t i = 0; i < a->ndim; i++)
		n += snprintf(header + n, sizeof header - (size_t)n, "%s%zu", i ? ", " : "",
		              a->shape[i]);
	n += snprintf(header + n, sizeof header - (size_t)n, "%s), }", a->ndim == 1 ? "," : "");
	/* Pad with spaces so that preamble + header + '\n' is a multiple of 64. */
	size_t hlen = (size_t)n + 1;
	size_t total = (10 + hlen + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
	hlen = total - 10;
	unsigned char pre[10];
	memcpy(pre, npy_magic, 6);
	pre[6] = 1;
	pre[7] = 0;
	pre[8] = (unsigned char)(hlen & 0xff);
	pre[9] = (unsigned char)(hlen >> 8);
	if (strata_buf_append(out, pre, sizeof pre) || strata_buf_append(out, header, (size_t)n))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = (size_t)n; i + 1 < hlen; i++)
		if (strata_buf_putc(out, ' '))
			return strata_error_set(STRATA_ENOMEM, "out of memory");
	if (strata_buf_putc(out, '\n') || append_le8(out, a->data, count))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

/* Make the parent directory of path. */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return 0;
	if ((size_t)(slash - path) >= sizeof dir)
		return strata_error_set(STRATA_ELIMIT, "%s: path too long", path);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return strata_mkdir_p(dir, 0755);
}

int strata_npy_write(const char *path, const strata_npy_array *a)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata_npy_encode(a, &b);

	if (!rc)
		rc = make_parent(path);
	if (!rc)
		rc = strata_file_write_atomic(path, b.data, b.len, 0644);
	strata_buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------------ ZIP -- */

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* One archive entry as the central directory describes it. */
typedef struct zip_entry {
	char name[256];
	unsigned method;
	uint32_t crc, csize, usize, offset;
} zip_entry;

/* Raw-deflate in[0..n-1] (zlib's default level, as Python's zipfile) onto out. */
static int deflate_raw(const unsigned char *in, size_t n, strata_buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return strata_error_set(STRATA_ENOMEM, "npz: zlib deflateInit failed");
	uLong bound = deflateBound(&z, (uLong)n);
	int rc = strata_buf_grow(out, bound);
	if (!rc) {
		z.next_in = (Bytef *)in; /* zlib's API is not const-correct */
		z.avail_in = (uInt)n;
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = (uInt)bound;
		if (deflate(&z, Z_FINISH) != Z_STREAM_END)
			rc = strata_error_set(STRATA_ERR, "npz: deflate did not finish");
		else
			out->len += z.total_out;
	} else
		rc = strata_error_set(STRATA_ENOMEM, "out of memory");
	deflateEnd(&z);
	return rc;
}

/* Fixed local header fields: version 2.0, no flags, 1980-01-01 00:00 (so
 * the same arrays always make the same bytes). */
static void put_common(unsigned char *p, const zip_entry *e)
{
	put16(p, 20);
	put16(p + 2, 0);
	put16(p + 4, e->method);
	put16(p + 6, 0);
	put16(p + 8, (0 << 9) | (1 << 5) | 1);
	put32(p + 10, e->crc);
	put32(p + 14, e->csize);
	put32(p + 18, e->usize);
	put16(p + 22, (unsigned)strlen(e->name));
}

/* Append one array as a ZIP local entry; *e records it for the directory. */
static int zip_add(strata_buf *zip, const strata_npy_array *a, int compressed, zip_entry *e)
{
	strata_buf npy = STRATA_BUF_INIT, packed = STRATA_BUF_INIT;
	unsigned char hdr[30];
	int rc = strata_npy_encode(a, &npy);

	if (rc)
		return rc;
	memset(e, 0, sizeof *e);
	if (snprintf(e->name, sizeof e->name, "%s.npy", a->name) >= (int)sizeof e->name)
		rc = strata_error_set(STRATA_ELIMIT, "npz: array name too long: %s", a->name);
	if (!rc && (npy.len > NPZ_MAX_BYTES || zip->len > NPZ_MAX_BYTES))
		rc = strata_error_set(STRATA_ELIMIT, "npz: %s larger than 4 GiB", a->name);
	if (!rc && compressed)
		rc = deflate_raw((const unsigned char *)npy.data, npy.len, &packed);
	if (!rc) {
		const strata_buf *body = compressed ? &packed : &npy;
		e->method = compressed ? 8 : 0;
		e->crc = (uint32_t)crc32(0L, (const Bytef *)npy.data, (uInt)npy.len);
		e->csize = (uint32_t)body->len;
		e->usize = (uint32_t)npy.len;
		e->offset = (uint32_t)zip->len;
		put32(hdr, 0x04034b50);
		put_common(hdr + 4, e);
		put16(hdr + 28, 0);
		if (strata_buf_append(zip, hdr, sizeof hdr) ||
		    strata_buf_append(zip, e->name, strlen(e->name)) ||
		    (body->len && strata_buf_append(zip, body->data, body->len)))
			rc = strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	strata_buf_free(&npy);
	strata_buf_free(&packed);
	return rc;
}

/* Append the central directory and its end record. */
static int zip_finish(strata_buf *zip, const zip_entry *entries, size_t n)
{
	size_t cd_start = zip->len;
	unsigned char hdr[46], end[22];

	for (size_t i = 0; i < n; i++) {
		memset(hdr, 0, sizeof hdr);
		put32(hdr, 0x02014b50);
		put16(hdr + 4, 20); /* made by: MS-DOS/FAT attributes, version 2.0 */
		put_common(hdr + 6, &entries[i]);
		put32(hdr + 42, entries[i].offset);
		if (strata_buf_append(zip, hdr, sizeof hdr) ||
		    strata_buf_append(zip, entries[i].name, strlen(entries[i].name)))
			return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	if (zip->len > NPZ_MAX_BYTES || n > 0xffff)
		return strata_error_set(STRATA_ELIMIT, "npz: archive larger than 4 GiB");
	memset(end, 0, sizeof end);
	put32(end, 0x06054b50);
	put16(end + 8, (unsigned)n);
	put16(end + 10, (unsigned)n);
	put32(end + 12, (uint32_t)(zip->len - cd_start));
	put32(end + 16, (uint32_t)cd_start);
	if (strata_buf_append(zip, end, sizeof end))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

int strata_npz_write(const char *path, const strata_npy_array *arrays, size_t n, int compressed)
{
	strata_buf zip = STRATA_BUF_INIT;
	zip_entry *entries = calloc(n ? n : 1, sizeof *entries);
	int rc = 0;

	if (!entries)
		return strata_error_set(STRATA_ENOMEM, "out of memory");

	for (size_t i = 0; !rc && i < n; i++)
		rc = zip_add(&zip, &arrays[i], compressed, &entries[i]);
	if (!rc)
		rc = zip_finish(&zip, entries, n);
	if (!rc)
		rc = make_parent(path);
	if (!rc)
		rc = strata_file_write_atomic(path, zip.data, zip.len, 0644);
	if (rc)
		strata_error_wrap(rc, "%s", path);
	free(entries);
	strata_buf_free(&zip);
	return rc;
}

/* ------------------------------------------------------------- reading -- */

/* The value text after 'key': in the header dict (NULL when absent). */
static const char *dict_value(const char *h, const char *key)
{
	char quoted[32];
	const char *p;

	snprintf(quoted, sizeof quoted, "'%s'", key);
	if (!(p = strstr(h, quoted)))
		return NULL;
	p += strlen(quoted);
	while (*p == ' ')
		p++;
	if (*p++ != ':')
		return NULL;
	while (*p == ' ')
		p++;
	return p;
}

/* Parse "(d0, d1, ...)" into shape; 0 or STRATA_EPARSE. */
static int parse_shape(const char *p, strata_npy_owned *out)
{
	if (*p++ != '(')
		return STRATA_EPARSE;
	out->ndim = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')')
			return 0;
		if (*p < '0' || *p > '9' || out->ndim == STRATA_NPY_MAXDIM)
			return STRATA_EPARSE;
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (v > SIZE_MAX)
			return STRATA_EPARSE;
		out->shape[out->ndim++] = (size_t)v;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p != ')')
			return STRATA_EPARSE;
	}
}

/* Interpret the header dict text h into out's dtype and shape. */
static int parse_header(const char *h, const char *what, strata_npy_owned *out)
{
	const char *descr = dict_value(h, "descr"), *order = dict_value(h, "fortran_order"),
	           *shape = dict_value(h, "shape");
	static const strata_npy_dtype types[] = {STRATA_NPY_F8, STRATA_NPY_I8,
	                                         STRATA_NPY_DATETIME_NS};
	size_t i;

	if (!descr || !order || !shape)
		return strata_error_set(STRATA_EPARSE,
		                        "%s: npy header lacks descr, fortran_order "
		                        "or shape",
		                        what);
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		const char *d = dtype_descr(types[i]);
		if (descr[0] == '\'' && !strncmp(descr + 1, d, strlen(d)) &&
		    descr[1 + strlen(d)] == '\'')
			break;
	}
	if (i == sizeof types / sizeof types[0])
		return strata_error_set(STRATA_EUNSUPPORTED,
		                        "%s: npy dtype is not '<f8', '<i8' or '<M8[ns]'", what);
	out->dtype = types[i];
	if (strncmp(order, "False", 5) != 0)
		return strata_error_set(STRATA_EUNSUPPORTED, "%s: Fortran-ordered npy array", what);
	if (parse_shape(shape, out))
		return strata_error_set(STRATA_EPARSE, "%s: bad npy shape", what);
	return shape_count(out->ndim, out->shape, &out->count);
}

int strata_npy_decode(const void *bytes, size_t len, const char *what, strata_npy_owned *out)
{
	const unsigned char *p = bytes;
	size_t hlen, off;
	char *h;
	int rc;

	memset(out, 0, sizeof *out);
	if (!p || len < 10 || memcmp(p, npy_magic, 6) != 0)
		return strata_error_set(STRATA_EPARSE, "%s: not an npy file", what);
	if (p[6] == 1) {
		hlen = get16(p + 8);
		off = 10;
	} else if ((p[6] == 2 || p[6] == 3) && len >= 12) {
		hlen = get32(p + 8);
		off = 12;
	} else
		return strata_error_set(STRATA_EPARSE, "%s: npy version %u not supported", what,
		                        p[6]);
	if (hlen > len - off)
		return strata_error_set(STRATA_EPARSE, "%s: npy header past the end", what);
	if (!(h = malloc(hlen + 1)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	memcpy(h, p + off, hlen);
	h[hlen] = '\0';
	rc = parse_header(h, what, out);
	free(h);
	off += hlen;
	if (!rc && out->count * 8 != len - off)
		rc =
		    strata_error_set(STRATA_EPARSE, "%s: npy data holds %zu bytes, shape needs %zu",
		                     what, len - off, out->count * 8);
	if (rc)
		return rc;
	if (!(out->data = malloc(out->count ? out->count * 8 : 1)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	memcpy(out->data, p + off, out->count * 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	unsigned char *d = out->data;
	for (size_t i = 0; i < out->count; i++)
		for (int b = 0; b < 4; b++) {
			unsigned char t = d[i * 8 + b];
			d[i * 8 + b] = d[i * 8 + 7 - b];
			d[i * 8 + 7 - b] = t;
		}
#endif
	return 0;
}

/* Find the central-directory entry called name in the archive z[0..n-1]. */
static int zip_find(const unsigned char *z, size_t n, const char *path, const char *name,
                    zip_entry *e)
{
	size_t eocd = SIZE_MAX;

	for (size_t i = n >= 22 ? n - 22 : SIZE_MAX; i != SIZE_MAX && n - i <= 22 + 0xffff; i--) {
		if (get32(z + i) == 0x06054b50) {
			eocd = i;
			break;
		}
		if (i == 0)
			break;
	}
	if (eocd == SIZE_MAX)
		return strata_error_set(STRATA_EPARSE, "%s: not a ZIP (npz) file", path);
	size_t count = get16(z + eocd + 10), p = get32(z + eocd + 16);
	for (size_t k = 0; k < count; k++) {
		if (p > eocd || eocd - p < 46 || get32(z + p) != 0x02014b50)
			return strata_error_set(STRATA_EPARSE, "%s: damaged ZIP central directory",
			                        path);
		size_t nlen = get16(z + p + 28), xlen = get16(z + p + 30), clen = get16(z + p + 32);
		if (eocd - p - 46 < nlen)
			return strata_error_set(STRATA_EPARSE, "%s: damaged ZIP central directory",
			                        path);
		if (nlen == strlen(name) && !memcmp(z + p + 46, name, nlen)) {
			snprintf(e->name, sizeof e->name, "%s", name);
			e->method = get16(z + p + 10);
			e->crc = get32(z + p + 16);
			e->csize = get32(z + p + 20);
			e->usize = get32(z + p + 24);
			e->offset = get32(z + p + 42);
			return 0;
		}
		p += 46 + nlen + xlen + clen;
	}
	return strata_error_set(STRATA_ENOTFOUND, "%s: no array %s in the npz file", path, name);
}

/* Inflate or copy the entry's data into a malloc'd buffer of e->usize bytes. */
static int zip_extract(const unsigned char *z, size_t n, const char *path, const zip_entry *e,
                       unsigned char **out)
{
	size_t p = e->offset;

	if (p > n || n - p < 30 || get32(z + p) != 0x04034b50)
		return strata_error_set(STRATA_EPARSE, "%s: damaged ZIP entry %s", path, e->name);
	p += 30 + get16(z + p + 26) + get16(z + p + 28);
	if (p > n || n - p < e->csize)
		return strata_error_set(STRATA_EPARSE, "%s: ZIP entry %s past the end", path,
		                        e->name);
	/* Deflate expands at most ~1032 times: a larger size is a lie. */
	if ((e->method == 0 && e->usize != e->csize) ||
	    (uint64_t)e->usize > (uint64_t)e->csize * 1040 + 1024)
		return strata_error_set(STRATA_EPARSE, "%s: ZIP entry %s claims %u bytes from %u",
		                        path, e->name, e->usize, e->csize);
	if (e->method != 0 && e->method != 8)
		return strata_error_set(STRATA_EUNSUPPORTED, "%s: ZIP method %u of %s", path,
		                        e->method, e->name);
	if (!(*out = malloc(e->usize ? e->usize : 1)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	int ok;
	if (e->method == 0)
		ok = e->csize == e->usize && (memcpy(*out, z + p, e->usize), 1);
	else {
		z_stream s;
		memset(&s, 0, sizeof s);
		ok = inflateInit2(&s, -15) == Z_OK;
		if (ok) {
			s.next_in = (Bytef *)(z + p);
			s.avail_in = e->csize;
			s.next_out = *out;
			s.avail_out = e->usize;
			ok = inflate(&s, Z_FINISH) == Z_STREAM_END && s.total_out == e->usize;
			inflateEnd(&s);
		}
	}
	if (ok && (uint32_t)crc32(0L, *out, e->usize) != e->crc)
		ok = 0;
	if (!ok) {
		free(*out);
		*out = NULL;
		return strata_error_set(STRATA_EPARSE, "%s: ZIP entry %s is corrupt (size or CRC)",
		                        path, e->name);
	}
	return 0;
}

int strata_npz_read_mem(const void *bytes, size_t n, const char *path, const char *name,
                        strata_npy_owned *out)
{
	char entry[256], what[PATH_MAX + 300];
	unsigned char *npy = NULL;
	zip_entry e = {0};
	int rc;

	memset(out, 0, sizeof *out);
	if (snprintf(entry, sizeof entry, "%s.npy", name) >= (int)sizeof entry)
		return strata_error_set(STRATA_ELIMIT, "npz: array name too long");
	rc = zip_find(bytes, n, path, entry, &e);
	if (!rc)
		rc = zip_extract(bytes, n, path, &e, &npy);
	snprintf(what, sizeof what, "%s:%s", path, entry);
	if (!rc)
		rc = strata_npy_decode(npy, e.usize, what, out);
	free(npy);
	return rc;
}

int strata_npz_read(const char *path, const char *name, strata_npy_owned *out)
{
	char *z = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = strata_file_read_all(path, 0, &z, &n)))
		return rc;
	rc = strata_npz_read_mem(z, n, path, name, out);
	free(z);
	return rc;
}

void strata_npy_free(strata_npy_owned *a)
{
	if (!a)
		return;
	free(a->data);
	memset(a, 0, sizeof *a);
}
