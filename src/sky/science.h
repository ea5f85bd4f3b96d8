/*
 * science.h - one-call entry points of the FITS science for the catalog and
 * the API (K1's routes): QA JSON of a file, catalog image fields from a QA,
 * a thumbnail or cutout of a file, and the HTTP status for an error code.
 */
#ifndef STRATA_SKY_SCIENCE_H
#define STRATA_SKY_SCIENCE_H

#include "sky/catalog.h"
#include "sky/fits_qa.h"

#include <jansson.h>
#include <stddef.h>

/* QA of the FITS file at path as the JSON of sky_qa_to_json (*out owned by
 * the caller); qa may be NULL, else it receives the figures too. */
int sky_fits_qa_file(const char *path, sky_qa *qa, json_t **out);

/* The catalog's image columns from a QA: beam, noise_jy (clipped rms),
 * dynamic_range, size, centre, cell, frequency, qa_grade (a static string).
 * Other fields of im are left as they are. */
void sky_qa_fill_image(const sky_qa *qa, sky_image *im);

/* PNG thumbnail of a file: size 1..4096, stretch "asinh" (NULL) or "zscale". */
int sky_thumbnail_file(const char *path, int size, const char *stretch, void **png, size_t *len);

/* FITS cutout of a file around (ra, dec) of side size_arcmin. */
int sky_cutout_file(const char *path, double ra, double dec, double size_arcmin, void **fits,
                    size_t *len);

/* HTTP status for a science error: 400 bad arguments or a position off the
 * image, 404 missing file, 422 a file that is not a usable image, 413 limits,
 * 500 otherwise. */
int sky_science_http_status(int rc);

#endif
