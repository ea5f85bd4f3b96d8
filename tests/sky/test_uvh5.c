/* test_uvh5.c - UVH5 headers written here with the HDF5 C API, then read back. */
#include "testutil.h"

#include "sky/uvh5.h"

#include <hdf5.h>
#include <math.h>
#include <string.h>

static void write_long(hid_t g, const char *name, long long v)
{
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t ds = H5Dcreate2(g, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	assert_true(H5Dwrite(ds, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0);
	H5Dclose(ds);
	H5Sclose(sp);
}

static void write_doubles(hid_t g, const char *name, int rank, const hsize_t *dims, const double *v)
{
	hid_t sp = H5Screate_simple(rank, dims, NULL);
	hid_t ds = H5Dcreate2(g, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	assert_true(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
	H5Dclose(ds);
	H5Sclose(sp);
}

static void write_string(hid_t g, const char *name, const char *s)
{
	hid_t ty = H5Tcopy(H5T_C_S1);
	H5Tset_size(ty, strlen(s) + 1);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t ds = H5Dcreate2(g, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(ds, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, s);
	H5Dclose(ds);
	H5Sclose(sp);
	H5Tclose(ty);
}

/* A DSA-110-like sub-band header: 2 times, 3 baselines, 4 channels.
 * skip names one field to leave out; catalog selects the newer phase centre. */
static void write_uvh5(const char *path, const char *skip, int catalog)
{
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	hid_t g = H5Gcreate2(f, "Header", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	const char *ints[] = {"Ntimes", "Nfreqs", "Nbls", "Nspws", "Nblts"};
	long long vals[] = {2, 4, 3, 1, 6};
	for (int i = 0; i < 5; i++)
		if (strcmp(skip, ints[i]) != 0)
			write_long(g, ints[i], vals[i]);
	double times[6] = {2460000.5, 2460000.5, 2460000.5, 2460000.6, 2460000.6, 2460000.6};
	hsize_t nt = 6, fd[2] = {1, 4};
	if (strcmp(skip, "time_array") != 0)
		write_doubles(g, "time_array", 1, &nt, times);
	double freqs[4] = {1.311e9, 1.3112e9, 1.3114e9, 1.3116e9};
	if (strcmp(skip, "freq_array") != 0)
		write_doubles(g, "freq_array", 2, fd, freqs);
	double ra = M_PI / 2, dec = M_PI / 6;
	hsize_t one = 1;
	if (catalog) {
		hid_t c =
		    H5Gcreate2(g, "phase_center_catalog", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		hid_t e = H5Gcreate2(c, "0", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		write_doubles(e, "cat_lon", 1, &one, &ra);
		write_doubles(e, "cat_lat", 1, &one, &dec);
		H5Gclose(e);
		H5Gclose(c);
	} else {
		write_doubles(g, "phase_center_ra", 1, &one, &ra);
		write_doubles(g, "phase_center_dec", 1, &one, &dec);
	}
	write_string(g, "telescope_name", "OVRO_DSA");
	H5Gclose(g);
	H5Fclose(f);
}

static void test_header_fields(void **state)
{
	char path[512];
	sky_uvh5_header h;
	for (int catalog = 0; catalog < 2; catalog++) {
		snprintf(path, sizeof path, "%s/sb%d.uvh5", strata_test_dir, catalog);
		write_uvh5(path, "", catalog);
		assert_ok(sky_uvh5_read_header(path, &h));
		assert_int_equal(h.ntimes, 2);
		assert_int_equal(h.nfreqs, 4);
		assert_int_equal(h.nbls, 3);
		assert_int_equal(h.nspws, 1);
		assert_int_equal(h.nblts, 6);
		assert_float_equal(h.time_first_mjd, 60000.0, 1e-9);
		assert_float_equal(h.time_last_mjd, 60000.1, 1e-6);
		assert_float_equal(h.freq_min_hz, 1.311e9, 1e-3);
		assert_float_equal(h.freq_max_hz, 1.3116e9, 1e-3);
		assert_float_equal(h.channel_width_hz, 2e5, 1e-3);
		assert_true(h.has_phase_centre);
		assert_float_equal(h.phase_ra_deg, 90.0, 1e-9);
		assert_float_equal(h.phase_dec_deg, 30.0, 1e-9);
		assert_string_equal(h.telescope, "OVRO_DSA");
		json_t *o = sky_uvh5_to_json(&h);
		assert_int_equal(json_integer_value(json_object_get(o, "nbls")), 3);
		assert_string_equal(json_string_value(json_object_get(o, "telescope")), "OVRO_DSA");
		json_decref(o);
	}
}

static void test_missing_fields(void **state)
{
	const char *fields[] = {"Ntimes", "Nfreqs", "Nbls", "Nspws", "time_array", "freq_array"};
	char path[512];
	sky_uvh5_header h;
	for (int i = 0; i < 6; i++) {
		snprintf(path, sizeof path, "%s/missing_%s.uvh5", strata_test_dir, fields[i]);
		write_uvh5(path, fields[i], 0);
		assert_int_equal(sky_uvh5_read_header(path, &h), STRATA_ESCHEMA);
		assert_non_null(strstr(strata_error_message(), fields[i]));
		assert_non_null(strstr(strata_error_message(), "missing"));
	}
	/* Nblts is optional. */
	snprintf(path, sizeof path, "%s/no_nblts.uvh5", strata_test_dir);
	write_uvh5(path, "Nblts", 0);
	assert_ok(sky_uvh5_read_header(path, &h));
	assert_int_equal(h.nblts, -1);
}

static void test_not_hdf5(void **state)
{
	char path[512];
	sky_uvh5_header h;
	snprintf(path, sizeof path, "%s/text.uvh5", strata_test_dir);
	strata_test_write_file(path, "SIMPLE  =                    T\n");
	assert_int_equal(sky_uvh5_read_header(path, &h), STRATA_EPARSE);
	assert_non_null(strstr(strata_error_message(), "not an HDF5 file"));
	snprintf(path, sizeof path, "%s/absent.uvh5", strata_test_dir);
	assert_true(sky_uvh5_read_header(path, &h) < 0);
	/* HDF5 without a Header group. */
	snprintf(path, sizeof path, "%s/empty.h5", strata_test_dir);
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	H5Fclose(f);
	assert_int_equal(sky_uvh5_read_header(path, &h), STRATA_ESCHEMA);
	assert_non_null(strstr(strata_error_message(), "no Header group"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_fields),
	    cmocka_unit_test(test_missing_fields),
	    cmocka_unit_test(test_not_hdf5),
	};
	return cmocka_run_group_tests(tests, strata_test_dir_setup, strata_test_dir_teardown);
}
