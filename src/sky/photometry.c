/* photometry.c - forced peak photometry (photometry.h). */
#include "sky/photometry.h"

#include "strata/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Beam FWHM in pixels (1 without a beam or a pixel scale). */
static double beam_pixels(const sky_fits_image *img)
{
	if (img->bmaj > 0 && img->cdelt2 > 0)
		return img->bmaj / img->cdelt2;
	return 1.0;
}

/* The largest finite pixel within radius r of (cx, cy); 0 when none. */
static int beam_peak(const sky_fits_image *img, long cx, long cy, double r, sky_phot *p)
{
	long ri = (long)ceil(r);
	int found = 0;
	for (long y = cy - ri; y <= cy + ri; y++)
		for (long x = cx - ri; x <= cx + ri; x++) {
			if (x < 0 || y < 0 || x >= img->nx || y >= img->ny)
				continue;
			double d2 = (double)((x - cx) * (x - cx) + (y - cy) * (y - cy));
			float v = img->pix[y * img->nx + x];
			if (d2 > r * r || !isfinite(v))
				continue;
			if (!found || v > p->peak) {
				p->peak = v;
				p->peak_x = x;
				p->peak_y = y;
				found = 1;
			}
		}
	return found;
}

/* Median and MAD rms of the finite pixels in the annulus r_in < d <= r_out. */
static int annulus_stats(const sky_fits_image *img, long cx, long cy, double r_in, double r_out,
                         sky_phot *p)
{
	long ro = (long)ceil(r_out), n = 0, cap = (2 * ro + 1) * (2 * ro + 1);
	double *v = malloc((size_t)cap * sizeof *v);
	if (!v)
		return strata_error_set(STRATA_ENOMEM, "annulus of %ld pixels", cap);
	for (long y = cy - ro; y <= cy + ro; y++)
		for (long x = cx - ro; x <= cx + ro; x++) {
			double d2 = (double)((x - cx) * (x - cx) + (y - cy) * (y - cy));
			if (d2 <= r_in * r_in || d2 > r_out * r_out)
				continue;
			if (x < 0 || y < 0 || x >= img->nx || y >= img->ny ||
			    !isfinite(img->pix[y * img->nx + x])) {
				p->flags |= SKY_PHOT_EDGE;
				continue;
			}
			v[n++] = img->pix[y * img->nx + x];
		}
	p->annulus_pixels = n;
	if (n > 0) {
		p->local_background = sky_median_inplace(v, (size_t)n);
		for (long i = 0; i < n; i++)
			v[i] = fabs(v[i] - p->local_background);
		p->local_rms = SKY_MAD_TO_SIGMA * sky_median_inplace(v, (size_t)n);
	}
	free(v);
	return 0;
}

int sky_forced_peak(const sky_fits_image *img, double ra, double dec, sky_phot *p)
{
	memset(p, 0, sizeof *p);
	p->ra = ra;
	p->dec = dec;
	if (!img->wcs)
		return strata_error_set(STRATA_EINVAL, "forced photometry needs a celestial WCS");
	if (sky_fits_world2pix(img, ra, dec, &p->x, &p->y) || p->x < -0.5 || p->y < -0.5 ||
	    p->x >= (double)img->nx - 0.5 || p->y >= (double)img->ny - 0.5) {
		strata_error_clear();
		p->flags = SKY_PHOT_OUTSIDE;
		return 0;
	}
	long cx = lround(p->x), cy = lround(p->y);
	double beam = beam_pixels(img);
	if (!beam_peak(img, cx, cy, fmax(1.0, beam / 2), p)) {
		p->flags |= SKY_PHOT_BLANK;
		return 0;
	}
	int rc = annulus_stats(img, cx, cy, fmax(3.0, 2 * beam), fmax(6.0, 4 * beam), p);
	if (rc)
		return rc;
	p->peak -= p->local_background;
	p->peak_err = p->local_rms;
	p->snr = p->local_rms > 0 ? p->peak / p->local_rms : 0;
	return 0;
}

/* A number or null. */
static json_t *num_or_null(int ok, double v)
{
	return ok && isfinite(v) ? json_real(v) : json_null();
}

json_t *sky_phot_to_json(const sky_phot *p)
{
	int ok = !(p->flags & (SKY_PHOT_OUTSIDE | SKY_PHOT_BLANK));
	int on = !(p->flags & SKY_PHOT_OUTSIDE);
	return json_pack("{s:f,s:f,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i}", "ra", p->ra, "dec", p->dec,
	                 "x", num_or_null(on, p->x), "y", num_or_null(on, p->y), "peak_flux",
	                 num_or_null(ok, p->peak), "err_peak_flux", num_or_null(ok, p->peak_err),
	                 "snr", num_or_null(ok, p->snr), "local_rms", num_or_null(ok, p->local_rms),
	                 "local_background", num_or_null(ok, p->local_background), "flags",
	                 p->flags);
}
