/*
 * fits_qa.h - radio image quality from FITS (cfitsio + wcslib).
 *
 * sky_fits_open reads the first image of a FITS file: the primary HDU, or the
 * first image extension when the primary has NAXIS=0. Axes beyond the second
 * must have length 1 (FREQ, STOKES); BSCALE/BZERO are applied and BLANK
 * values become NaN. Pixels are indexed from 0 ((x, y) = (column, row));
 * FITS/wcslib pixel coordinates are 1-based and converted at the boundary.
 *
 * Robust statistics (docs/sky-science.md):
 *  - MAD rms: 1.4826 * median(|v - median(v)|) over all finite pixels.
 *  - sigma-clipped rms: start with all finite pixels; each iteration computes
 *    the median m and the standard deviation s (population, about the mean)
 *    of the kept pixels and keeps those with |v - m| <= 3 s; it stops when an
 *    iteration removes no pixel or after 20 iterations. The clipped rms is s
 *    of the final set, the background its median.
 */
#ifndef STRATA_SKY_FITS_QA_H
#define STRATA_SKY_FITS_QA_H

#include <jansson.h>
#include <stddef.h>

/* Limits for hostile headers: at most this many pixels per image. */
#define SKY_FITS_MAX_PIXELS (1L << 28)
#define SKY_CLIP_SIGMA      3.0
#define SKY_CLIP_MAX_ITER   20
#define SKY_MAD_TO_SIGMA    1.482602218505602
#define SKY_DETECT_SIGMA    5.0

/* A 2-D image with its header facts and WCS. */
typedef struct sky_fits_image {
	long nx, ny;            /* NAXIS1, NAXIS2 */
	int naxis;              /* NAXIS of the HDU (>= 2) */
	long long planes;       /* planes along the extra axes (FREQ, STOKES): their product */
	float *pix;             /* the first plane: nx * ny, row-major (row y = FITS row y + 1),
	                         * NaN for blanks */
	void *wcs;              /* struct wcsprm * (NULL when the header has no usable WCS) */
	int nwcs;               /* count for wcsvfree */
	int lng, lat;           /* world axis indices of longitude and latitude */
	double cdelt1, cdelt2;  /* degrees per pixel (from the WCS), 0 if unknown */
	double bmaj, bmin, bpa; /* beam in degrees; bmaj = 0 when absent */
	double freq_hz;         /* the first plane's on a FREQ axis, else RESTFRQ/RESTFREQ/FREQ;
	                         * 0 if none */
	char bunit[72];         /* BUNIT or "" */
	char *header;           /* all header cards (80 chars each), for cutouts */
	int ncards;
} sky_fits_image;

/* Read the image of the FITS file at path, or of a FITS file held in memory
 * (data is copied). Errors: STRATA_EIO, STRATA_EPARSE (not FITS, truncated),
 * STRATA_ESCHEMA (no image, NAXIS=0), STRATA_ELIMIT (absurd sizes). A cube
 * (extra axes longer than 1) gives its first plane: index 1 of every extra
 * axis. */
int sky_fits_open(const char *path, sky_fits_image **out);
int sky_fits_open_memory(const void *data, size_t len, sky_fits_image **out);
void sky_fits_free(sky_fits_image *img);

/* Pixel (0-based x, y) to world (RA, Dec in degrees) and back. STRATA_EINVAL
 * without a celestial WCS or when the position does not project. */
int sky_fits_pix2world(const sky_fits_image *img, double x, double y, double *ra, double *dec);
int sky_fits_world2pix(const sky_fits_image *img, double ra, double dec, double *x, double *y);

/* Robust statistics of the finite values of v (n values; v is not changed). */
typedef struct sky_robust_stats {
	size_t n; /* finite values */
	double median, mad_rms;
	double clip_median, clip_rms;
	size_t clip_n;       /* values kept by the last clipping iteration */
	int clip_iterations; /* iterations run, <= SKY_CLIP_MAX_ITER */
	int clip_converged;  /* 1 when the last iteration removed nothing */
} sky_robust_stats;

/* STRATA_EINVAL when no value is finite. */
int sky_robust_stats_compute(const float *v, size_t n, sky_robust_stats *out);

/* The median of n doubles, reordering them (quickselect). n > 0. */
double sky_median_inplace(double *v, size_t n);

typedef enum sky_grade {
	SKY_GRADE_POOR,
	SKY_GRADE_MARGINAL,
	SKY_GRADE_GOOD,
	SKY_GRADE_EXCELLENT
} sky_grade;

/* QA of one image. */
typedef struct sky_qa {
	long nx, ny;
	long long planes;             /* planes in the file; QA measures the first */
	double cell_arcsec;           /* |CDELT2| in arcsec (0 if unknown) */
	double centre_ra, centre_dec; /* world position of the central pixel */
	int has_wcs;
	double freq_hz;
	double bmaj_arcsec, bmin_arcsec, bpa_deg; /* 0 when the header has no beam */
	sky_robust_stats stats;
	double rms;          /* the clipped rms (Jy/beam) */
	double background;   /* the clipped median */
	double peak;         /* largest finite pixel value */
	long peak_x, peak_y; /* its pixel (0-based) */
	double peak_ra, peak_dec;
	double dynamic_range; /* peak / rms (0 when rms is 0) */
	long sources;         /* 8-connected islands with v - background > 5 rms */
	sky_grade grade;
	int warn_noise, warn_dr; /* rms > 10 mJy; DR < 100 */
	char bunit[72];
} sky_qa;

int sky_fits_qa(const sky_fits_image *img, sky_qa *out);

/* Count 8-connected islands of pixels with v > threshold. */
int sky_count_islands(const sky_fits_image *img, double threshold, long *count);

const char *sky_grade_name(sky_grade g);

/* The QA as a JSON object (fields in docs/sky-science.md); NULL on ENOMEM. */
json_t *sky_qa_to_json(const sky_qa *qa);

/* `strata sky qa FILE.fits [--json]`. */
int sky_cmd_qa(int argc, char **argv);

#endif
