/*
 * npy.h - NumPy's .npy and .npz files, written and read without Python.
 *
 * An .npy file is a 10-byte preamble ("\x93NUMPY", version 1.0, a 16-bit
 * little-endian header length), a Python dict literal such as
 * "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }" padded with
 * spaces to a multiple of 64 bytes and ended by '\n', then the data in C
 * order. An .npz file is a ZIP archive of .npy entries named "<array>.npy",
 * stored or deflated (numpy.savez / numpy.savez_compressed); numpy.load reads
 * both. Writes are atomic (temporary file + rename, parent directories made).
 *
 * Only little-endian 8-byte types are handled: float64 ('<f8'), int64
 * ('<i8') and datetime64[ns] ('<M8[ns]'), which is what strata's stages
 * save. The reader treats its input as hostile: every size is checked and
 * a malformed file is STRATA_EPARSE naming the file and the reason.
 */
#ifndef STRATA_NPY_H
#define STRATA_NPY_H

#include <stddef.h>

#include "strata/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_npy_dtype {
	STRATA_NPY_F8,         /* '<f8' float64 */
	STRATA_NPY_I8,         /* '<i8' int64 */
	STRATA_NPY_DATETIME_NS /* '<M8[ns]' datetime64[ns], int64 ns since 1970 */
} strata_npy_dtype;

#define STRATA_NPY_MAXDIM 4

/* One array to write: shape[0..ndim-1] (ndim 0 is a scalar), data in C order. */
typedef struct strata_npy_array {
	const char *name; /* entry name in an .npz, without ".npy" */
	strata_npy_dtype dtype;
	size_t ndim;
	size_t shape[STRATA_NPY_MAXDIM];
	const void *data; /* double or int64_t elements */
} strata_npy_array;

/* An array read back; data is malloc'd (free with strata_npy_free). */
typedef struct strata_npy_owned {
	strata_npy_dtype dtype;
	size_t ndim;
	size_t shape[STRATA_NPY_MAXDIM];
	size_t count; /* elements: the product of shape */
	void *data;
} strata_npy_owned;

/* Append the .npy encoding of a to out. */
int strata_npy_encode(const strata_npy_array *a, strata_buf *out);

/* Write a as an .npy file at path, atomically. */
int strata_npy_write(const char *path, const strata_npy_array *a);

/* Write arrays[0..n-1] as an .npz file at path, atomically; deflated when
 * compressed is set (numpy.savez_compressed), else stored (numpy.savez). */
int strata_npz_write(const char *path, const strata_npy_array *arrays, size_t n, int compressed);

/* Decode .npy bytes; what names the source in messages. */
int strata_npy_decode(const void *bytes, size_t len, const char *what, strata_npy_owned *out);

/* Read the array name (without ".npy") from the .npz file at path;
 * STRATA_ENOTFOUND when the archive has no such entry. */
int strata_npz_read(const char *path, const char *name, strata_npy_owned *out);

/* The same from an archive in memory; path names it in messages. */
int strata_npz_read_mem(const void *bytes, size_t len, const char *path, const char *name,
                        strata_npy_owned *out);

void strata_npy_free(strata_npy_owned *a);

#ifdef __cplusplus
}
#endif

#endif
