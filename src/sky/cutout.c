/* cutout.c - FITS cutouts with a shifted WCS (cutout.h). */
#include "sky/cutout.h"

#include "strata/error.h"
#include "strata/file.h"

#include <fitsio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CUTOUT_ARCMIN (180.0 * 60.0)

int sky_cutout_box(const sky_fits_image *img, double ra, double dec, double size_arcmin,
                   sky_box *box)
{
	double x, y;
	if (!(size_arcmin > 0) || size_arcmin > MAX_CUTOUT_ARCMIN)
		return strata_error_set(STRATA_EINVAL,
		                        "cutout size %g arcmin: expected 0 < size <= %g",
		                        size_arcmin, MAX_CUTOUT_ARCMIN);
	if (!(img->cdelt2 > 0))
		return strata_error_set(STRATA_EINVAL, "the image has no celestial WCS");
	if (sky_fits_world2pix(img, ra, dec, &x, &y) || x < -0.5 || y < -0.5 ||
	    x >= (double)img->nx - 0.5 || y >= (double)img->ny - 0.5)
		return strata_error_set(STRATA_EINVAL,
		                        "RA %.6f Dec %.6f is outside the image (%ld x %ld pixels)",
		                        ra, dec, img->nx, img->ny);
	long half = lround(size_arcmin / 60.0 / img->cdelt2 / 2.0);
	long cx = lround(x), cy = lround(y);
	long x0 = cx - half > 0 ? cx - half : 0, y0 = cy - half > 0 ? cy - half : 0;
	long x1 = cx + half < img->nx - 1 ? cx + half : img->nx - 1;
	long y1 = cy + half < img->ny - 1 ? cy + half : img->ny - 1;
	box->x0 = x0;
	box->y0 = y0;
	box->nx = x1 - x0 + 1;
	box->ny = y1 - y0 + 1;
	return 0;
}

/* The source header with the cutout's size, a float BITPIX and shifted CRPIX. */
static int write_header(fitsfile *f, const sky_fits_image *img, const sky_box *box, int *status)
{
	char card[FLEN_CARD];
	long naxes[2] = {box->nx, box->ny};
	fits_create_img(f, FLOAT_IMG, 2, naxes, status);
	/* Copy every non-structural card of the source header. */
	for (int i = 0; i < img->ncards && !*status; i++) {
		memcpy(card, img->header + (size_t)i * 80, 80);
		card[80] = '\0';
		if (!strncmp(card, "SIMPLE ", 7) || !strncmp(card, "BITPIX ", 7) ||
		    !strncmp(card, "NAXIS", 5) || !strncmp(card, "EXTEND ", 7) ||
		    !strncmp(card, "BSCALE ", 7) || !strncmp(card, "BZERO ", 6) ||
		    !strncmp(card, "BLANK ", 6) || !strncmp(card, "END ", 4) ||
		    !strncmp(card, "XTENSION", 8) || !strncmp(card, "PCOUNT ", 7) ||
		    !strncmp(card, "GCOUNT ", 7) || !strncmp(card, "WCSAXES", 7))
			continue;
		fits_write_record(f, card, status);
	}
	for (int axis = 1; axis <= 2 && !*status; axis++) {
		char key[16];
		double crpix = 0;
		snprintf(key, sizeof key, "CRPIX%d", axis);
		fits_read_key(f, TDOUBLE, key, &crpix, NULL, status);
		if (*status == KEY_NO_EXIST) {
			*status = 0;
			crpix = 0;
		}
		crpix -= (double)(axis == 1 ? box->x0 : box->y0);
		fits_update_key(f, TDOUBLE, key, &crpix, "shifted to the cutout", status);
	}
	return *status;
}

/* Write the pixels of the box, row by row. */
static int write_pixels(fitsfile *f, const sky_fits_image *img, const sky_box *box, int *status)
{
	for (long row = 0; row < box->ny && !*status; row++) {
		float *src = img->pix + (size_t)(box->y0 + row) * (size_t)img->nx + (size_t)box->x0;
		long first[2] = {1, row + 1};
		fits_write_pix(f, TFLOAT, first, box->nx, src, status);
	}
	return *status;
}

int sky_cutout_fits(const sky_fits_image *img, const sky_box *box, void **data, size_t *len)
{
	fitsfile *f = NULL;
	int status = 0;
	size_t size = 2880 * 4;
	void *buf = malloc(size);
	*data = NULL;
	*len = 0;
	if (!buf)
		return strata_error_set(STRATA_ENOMEM, "cutout buffer");
	fits_create_memfile(&f, &buf, &size, 2880 * 4, realloc, &status);
	if (!status) {
		write_header(f, img, box, &status);
		write_pixels(f, img, box, &status);
	}
	long long used = 0;
	if (!status)
		fits_flush_file(f, &status);
	if (!status) {
		long long head = 0, dstart = 0;
		fits_get_hduaddrll(f, &head, &dstart, &used, &status);
	}
	int close_status = 0;
	if (f)
		fits_close_file(f, &close_status);
	if (status) {
		char text[FLEN_STATUS] = "";
		fits_get_errstatus(status, text);
		fits_clear_errmsg();
		free(buf);
		return strata_error_set(STRATA_ERR, "writing the cutout: %s", text);
	}
	*data = buf;
	*len = (size_t)used;
	return 0;
}

int sky_cutout_write(const sky_fits_image *img, double ra, double dec, double size_arcmin,
                     const char *path)
{
	sky_box box = {0, 0, 0, 0};
	void *data = NULL;
	size_t len = 0;
	int rc = sky_cutout_box(img, ra, dec, size_arcmin, &box);
	if (!rc)
		rc = sky_cutout_fits(img, &box, &data, &len);
	if (!rc)
		rc = strata_file_write_atomic(path, data, len, 0644);
	free(data);
	return rc;
}
