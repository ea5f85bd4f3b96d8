/*
 * photometry.h - forced peak photometry at catalogue positions.
 *
 * For each position (RA, Dec in degrees) the WCS gives the pixel (x, y); the
 * nearest pixel is the centre. The peak is the largest finite pixel within
 * the beam's half-power radius (BMAJ / 2, at least 1 pixel) of that centre,
 * minus the local background. The local background and rms come from the
 * annulus between 2 and 4 BMAJ (at least 3 and 6 pixels) around the centre:
 * background = median, rms = MAD rms (1.4826 * median absolute deviation),
 * robust against other sources in the annulus. err = local rms,
 * snr = peak / err.
 */
#ifndef STRATA_SKY_PHOTOMETRY_H
#define STRATA_SKY_PHOTOMETRY_H

#include "sky/fits_qa.h"

#include <jansson.h>

/* flags */
#define SKY_PHOT_OUTSIDE 1 /* the position is not on the image (no values) */
#define SKY_PHOT_BLANK   2 /* no finite pixel within the beam radius */
#define SKY_PHOT_EDGE    4 /* the annulus is cut by the image edge or blanks */

typedef struct sky_phot {
	double ra, dec;      /* the requested position */
	double x, y;         /* its pixel coordinates (0-based, fractional) */
	long peak_x, peak_y; /* the pixel holding the peak */
	double peak;         /* peak minus local background (Jy/beam) */
	double peak_err;     /* = local_rms */
	double snr;
	double local_rms, local_background;
	long annulus_pixels;
	int flags;
} sky_phot;

/* Measure one position. A position off the image or not projecting is not an
 * error: it returns 0 with SKY_PHOT_OUTSIDE set. STRATA_EINVAL without a WCS. */
int sky_forced_peak(const sky_fits_image *img, double ra, double dec, sky_phot *out);

/* The measurement as a JSON object: ra, dec, x, y, peak_flux, err_peak_flux,
 * snr, local_rms, local_background, flags (null numbers when outside). */
json_t *sky_phot_to_json(const sky_phot *p);

#endif
