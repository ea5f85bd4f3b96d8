/*
 * thumbnail.h - PNG previews of FITS images (libpng).
 *
 * The image is reduced to at most size x size pixels (the mean of each block
 * of whole pixels, NaN ignored; never enlarged), north up (FITS row 1 at the
 * bottom), and mapped to 8-bit grey:
 *  - SKY_STRETCH_ASINH: lo = median - 2 MAD rms, hi = the largest pixel;
 *    t = (v - lo) / (hi - lo) clipped to [0, 1]; grey = 255 asinh(t / a) / asinh(1 / a)
 *    with a = 0.02 (faint emission lifted, bright sources not saturated).
 *  - SKY_STRETCH_ZSCALE: IRAF-style zscale: up to 1000 evenly spaced finite
 *    pixels sorted; a line fitted to value against rank with 3 rounds of
 *    2.5-sigma rejection; z1/z2 = median -/+ (n/2) slope / 0.25, clipped to
 *    the sample's range; linear between z1 and z2.
 * Blank (NaN) blocks are black.
 */
#ifndef STRATA_SKY_THUMBNAIL_H
#define STRATA_SKY_THUMBNAIL_H

#include "sky/fits_qa.h"

#include <stddef.h>

typedef enum sky_stretch { SKY_STRETCH_ASINH, SKY_STRETCH_ZSCALE } sky_stretch;

#define SKY_THUMB_MAX_SIZE 4096

/* Parse "asinh" or "zscale"; STRATA_EINVAL otherwise. */
int sky_stretch_parse(const char *name, sky_stretch *out);

/* A PNG of the image in memory (*png malloc'd, *len bytes), size in
 * 1..SKY_THUMB_MAX_SIZE. */
int sky_thumbnail_png(const sky_fits_image *img, int size, sky_stretch stretch, void **png,
                      size_t *len);

/* The same into a file (atomically). */
int sky_thumbnail_write(const sky_fits_image *img, int size, sky_stretch stretch, const char *path);

#endif
