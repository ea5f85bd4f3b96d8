/*
 * cutout.h - FITS cutouts around a sky position.
 *
 * The cutout is the square of side size_arcmin centred on the pixel nearest
 * to (RA, Dec), clipped to the image; the header is the source's with NAXIS1/2
 * set to the cutout, CRPIX1/2 shifted by the cutout's origin (so every pixel
 * keeps its sky position) and BITPIX -32 (BSCALE/BZERO/BLANK removed, blanks
 * are NaN). A position off the image is STRATA_EINVAL with a message naming it.
 */
#ifndef STRATA_SKY_CUTOUT_H
#define STRATA_SKY_CUTOUT_H

#include "sky/fits_qa.h"

#include <stddef.h>

/* The pixel box of a cutout: x0..x0+nx-1, y0..y0+ny-1 (0-based). */
typedef struct sky_box {
	long x0, y0, nx, ny;
} sky_box;

/* The box of side size_arcmin around (ra, dec), clipped to the image. */
int sky_cutout_box(const sky_fits_image *img, double ra, double dec, double size_arcmin,
                   sky_box *box);

/* Write the cutout as a FITS file into memory (*data malloc'd, *len bytes). */
int sky_cutout_fits(const sky_fits_image *img, const sky_box *box, void **data, size_t *len);

/* Write the cutout to path (atomically). */
int sky_cutout_write(const sky_fits_image *img, double ra, double dec, double size_arcmin,
                     const char *path);

#endif
