/*
 * uvh5.h - read the Header group of a UVH5 (pyuvdata HDF5) visibility file.
 *
 * Required: Header/Ntimes, Nfreqs, Nbls, Nspws (integers), Header/time_array
 * (Julian dates, one per baseline-time) and Header/freq_array (Hz, shape
 * (Nfreqs) or (Nspws, Nfreqs)). Optional: Nblts, telescope_name, and the
 * phase centre, from Header/phase_center_ra and phase_center_dec (radians,
 * older files) or the first entry of Header/phase_center_catalog (cat_lon,
 * cat_lat; newer files). A file that is not HDF5 or lacks a required field
 * is an error naming the file and the field.
 */
#ifndef STRATA_SKY_UVH5_H
#define STRATA_SKY_UVH5_H

#include <jansson.h>

typedef struct sky_uvh5_header {
	long ntimes, nfreqs, nbls, nspws, nblts; /* nblts -1 when absent */
	double time_first_jd, time_last_jd;      /* min and max of time_array */
	double time_first_mjd, time_last_mjd;
	double freq_min_hz, freq_max_hz;
	double channel_width_hz; /* |f1 - f0| (0 with one channel) */
	int has_phase_centre;
	double phase_ra_deg, phase_dec_deg;
	char telescope[64];
} sky_uvh5_header;

/* Read the header of path. STRATA_EPARSE (not HDF5), STRATA_ESCHEMA (a
 * field missing or of the wrong shape), STRATA_EIO. */
int sky_uvh5_read_header(const char *path, sky_uvh5_header *out);

/* The header as JSON: ntimes, nfreqs, nbls, nspws, nblts, time_first_mjd,
 * time_last_mjd, freq_min_hz, freq_max_hz, channel_width_hz, phase_ra_deg,
 * phase_dec_deg (null without a phase centre), telescope. */
json_t *sky_uvh5_to_json(const sky_uvh5_header *h);

#endif
