/* uvh5.c - UVH5 Header group reader on libhdf5 (uvh5.h). */
#include "sky/uvh5.h"

#include "strata/error.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define JD_TO_MJD        2400000.5
#define MAX_ARRAY_VALUES (1L << 27)

/* Read one scalar integer dataset. */
static int read_long(hid_t grp, const char *path, const char *name, long *out)
{
	long long v = 0;
	if (H5Lexists(grp, name, H5P_DEFAULT) <= 0)
		return strata_error_set(STRATA_ESCHEMA, "%s: Header/%s missing", path, name);
	hid_t ds = H5Dopen2(grp, name, H5P_DEFAULT);
	hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
	int ok = sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1 &&
	         H5Dread(ds, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0;
	if (sp >= 0)
		H5Sclose(sp);
	if (ds >= 0)
		H5Dclose(ds);
	if (!ok || v < 0 || v > 1L << 40)
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: Header/%s: expected one non-negative "
		                        "integer",
		                        path, name);
	*out = (long)v;
	return 0;
}

/* Read a whole numeric dataset as doubles (malloc'd). */
static int read_doubles(hid_t grp, const char *path, const char *name, double **out, long *n)
{
	*out = NULL;
	*n = 0;
	if (H5Lexists(grp, name, H5P_DEFAULT) <= 0)
		return strata_error_set(STRATA_ESCHEMA, "%s: Header/%s missing", path, name);
	hid_t ds = H5Dopen2(grp, name, H5P_DEFAULT);
	hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
	hid_t ty = ds >= 0 ? H5Dget_type(ds) : -1;
	hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
	int rc = 0;
	if (ty < 0 || (H5Tget_class(ty) != H5T_FLOAT && H5Tget_class(ty) != H5T_INTEGER) ||
	    np < 1 || np > MAX_ARRAY_VALUES)
		rc = strata_error_set(STRATA_ESCHEMA, "%s: Header/%s: expected a numeric array",
		                      path, name);
	else if (!(*out = malloc((size_t)np * sizeof **out)))
		rc = strata_error_set(STRATA_ENOMEM, "%s: Header/%s", path, name);
	else if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
		rc = strata_error_set(STRATA_EPARSE, "%s: Header/%s: unreadable", path, name);
	if (ty >= 0)
		H5Tclose(ty);
	if (sp >= 0)
		H5Sclose(sp);
	if (ds >= 0)
		H5Dclose(ds);
	if (rc) {
		free(*out);
		*out = NULL;
		return rc;
	}
	*n = (long)np;
	return 0;
}

/* A scalar double, 1 when present and read. */
static int read_opt_double(hid_t grp, const char *name, double *out)
{
	double *v = NULL;
	long n = 0;
	if (H5Lexists(grp, name, H5P_DEFAULT) <= 0 || read_doubles(grp, "", name, &v, &n) || !v ||
	    n < 1)
		return 0;
	*out = v[0];
	free(v);
	return isfinite(*out);
}

/* Minimum and maximum of finite values; 0 when none. */
static int min_max(const double *v, long n, double *lo, double *hi)
{
	int any = 0;
	for (long i = 0; i < n; i++)
		if (isfinite(v[i])) {
			if (!any || v[i] < *lo)
				*lo = v[i];
			if (!any || v[i] > *hi)
				*hi = v[i];
			any = 1;
		}
	return any;
}

/* Phase centre: old-style datasets or the first phase_center_catalog entry. */
static void read_phase_centre(hid_t hdr, sky_uvh5_header *h)
{
	double ra = 0, dec = 0;
	if (read_opt_double(hdr, "phase_center_ra", &ra) &&
	    read_opt_double(hdr, "phase_center_dec", &dec)) {
		h->has_phase_centre = 1;
	} else if (H5Lexists(hdr, "phase_center_catalog", H5P_DEFAULT) > 0) {
		hid_t cat = H5Gopen2(hdr, "phase_center_catalog", H5P_DEFAULT);
		H5G_info_t info;
		char name[64];
		if (cat >= 0 && H5Gget_info(cat, &info) >= 0 && info.nlinks > 0 &&
		    H5Lget_name_by_idx(cat, ".", H5_INDEX_NAME, H5_ITER_INC, 0, name, sizeof name,
		                       H5P_DEFAULT) > 0) {
			hid_t entry = H5Gopen2(cat, name, H5P_DEFAULT);
			if (entry >= 0) {
				h->has_phase_centre = read_opt_double(entry, "cat_lon", &ra) &&
				                      read_opt_double(entry, "cat_lat", &dec);
				H5Gclose(entry);
			}
		}
		if (cat >= 0)
			H5Gclose(cat);
	}
	if (h->has_phase_centre) {
		h->phase_ra_deg = ra * 180.0 / M_PI;
		h->phase_dec_deg = dec * 180.0 / M_PI;
	}
}

/* telescope_name, a string dataset (fixed or variable length); optional. */
static void read_telescope(hid_t hdr, sky_uvh5_header *h)
{
	if (H5Lexists(hdr, "telescope_name", H5P_DEFAULT) <= 0)
		return;
	hid_t ds = H5Dopen2(hdr, "telescope_name", H5P_DEFAULT);
	hid_t ty = ds >= 0 ? H5Dget_type(ds) : -1;
	if (ty >= 0 && H5Tget_class(ty) == H5T_STRING) {
		hid_t mem = H5Tcopy(H5T_C_S1);
		if (H5Tis_variable_str(ty) > 0) {
			char *s = NULL;
			H5Tset_size(mem, H5T_VARIABLE);
			hid_t sp = H5Dget_space(ds);
			if (H5Sget_simple_extent_npoints(sp) == 1 &&
			    H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) >= 0 && s) {
				snprintf(h->telescope, sizeof h->telescope, "%s", s);
				H5Dvlen_reclaim(mem, sp, H5P_DEFAULT, &s);
			}
			H5Sclose(sp);
		} else if (H5Tget_size(ty) < sizeof h->telescope) {
			H5Tset_size(mem, sizeof h->telescope);
			hid_t sp = H5Dget_space(ds);
			if (H5Sget_simple_extent_npoints(sp) == 1)
				H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, h->telescope);
			h->telescope[sizeof h->telescope - 1] = '\0';
			H5Sclose(sp);
		}
		H5Tclose(mem);
	}
	if (ty >= 0)
		H5Tclose(ty);
	if (ds >= 0)
		H5Dclose(ds);
}

/* The required sizes, times and frequencies. */
static int read_required(hid_t hdr, const char *path, sky_uvh5_header *h)
{
	double *v = NULL;
	long n = 0;
	int rc;
	if ((rc = read_long(hdr, path, "Ntimes", &h->ntimes)) ||
	    (rc = read_long(hdr, path, "Nfreqs", &h->nfreqs)) ||
	    (rc = read_long(hdr, path, "Nbls", &h->nbls)) ||
	    (rc = read_long(hdr, path, "Nspws", &h->nspws)))
		return rc;
	if (read_long(hdr, path, "Nblts", &h->nblts))
		h->nblts = -1;
	strata_error_clear();
	if ((rc = read_doubles(hdr, path, "time_array", &v, &n)) || !v)
		return rc ? rc : STRATA_ERR;
	int ok = min_max(v, n, &h->time_first_jd, &h->time_last_jd);
	free(v);
	if (!ok)
		return strata_error_set(STRATA_ESCHEMA, "%s: Header/time_array: no finite time",
		                        path);
	h->time_first_mjd = h->time_first_jd - JD_TO_MJD;
	h->time_last_mjd = h->time_last_jd - JD_TO_MJD;
	if ((rc = read_doubles(hdr, path, "freq_array", &v, &n)) || !v)
		return rc ? rc : STRATA_ERR;
	ok = min_max(v, n, &h->freq_min_hz, &h->freq_max_hz);
	h->channel_width_hz = n > 1 ? fabs(v[1] - v[0]) : 0;
	free(v);
	if (!ok)
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: Header/freq_array: no finite frequency", path);
	return 0;
}

int sky_uvh5_read_header(const char *path, sky_uvh5_header *h)
{
	struct stat st;
	memset(h, 0, sizeof *h);
	if (stat(path, &st))
		return strata_error_set_errno("%s", path);
	/* HDF5 prints its error stack to stderr by default; errors are ours to report. */
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	if (H5Fis_hdf5(path) <= 0)
		return strata_error_set(STRATA_EPARSE, "%s: not an HDF5 file", path);
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0)
		return strata_error_set(STRATA_EPARSE, "%s: HDF5 file cannot be opened", path);
	int rc;
	if (H5Lexists(f, "Header", H5P_DEFAULT) <= 0) {
		rc =
		    strata_error_set(STRATA_ESCHEMA, "%s: no Header group (not a UVH5 file)", path);
	} else {
		hid_t hdr = H5Gopen2(f, "Header", H5P_DEFAULT);
		rc = hdr < 0 ? strata_error_set(STRATA_ESCHEMA, "%s: Header is not a group", path)
		             : read_required(hdr, path, h);
		if (!rc) {
			read_phase_centre(hdr, h);
			read_telescope(hdr, h);
		}
		if (hdr >= 0)
			H5Gclose(hdr);
	}
	H5Fclose(f);
	return rc;
}

/* A number, or null when absent. */
static json_t *num_if(int present, double v)
{
	return present && isfinite(v) ? json_real(v) : json_null();
}

json_t *sky_uvh5_to_json(const sky_uvh5_header *h)
{
	json_t *o = json_pack(
	    "{s:I,s:I,s:I,s:I,s:o,s:f,s:f,s:f,s:f,s:f}", "ntimes", (json_int_t)h->ntimes, "nfreqs",
	    (json_int_t)h->nfreqs, "nbls", (json_int_t)h->nbls, "nspws", (json_int_t)h->nspws,
	    "nblts", h->nblts >= 0 ? json_integer(h->nblts) : json_null(), "time_first_mjd",
	    h->time_first_mjd, "time_last_mjd", h->time_last_mjd, "freq_min_hz", h->freq_min_hz,
	    "freq_max_hz", h->freq_max_hz, "channel_width_hz", h->channel_width_hz);
	if (!o)
		return NULL;
	json_object_set_new(o, "phase_ra_deg", num_if(h->has_phase_centre, h->phase_ra_deg));
	json_object_set_new(o, "phase_dec_deg", num_if(h->has_phase_centre, h->phase_dec_deg));
	json_object_set_new(o, "telescope",
	                    h->telescope[0] ? json_string(h->telescope) : json_null());
	return o;
}
