/* science.c - one-call science entry points for the catalog and API (science.h). */
#include "sky/science.h"

#include "sky/cutout.h"
#include "sky/thumbnail.h"
#include "strata/error.h"

#include <math.h>
#include <string.h>

int sky_fits_qa_file(const char *path, sky_qa *qa, json_t **out)
{
	sky_fits_image *img = NULL;
	sky_qa local;
	memset(&local, 0, sizeof local);
	sky_qa *q = qa ? qa : &local;
	int rc = sky_fits_open(path, &img);
	*out = NULL;
	if (!rc && img)
		rc = sky_fits_qa(img, q);
	sky_fits_free(img);
	if (rc)
		return rc;
	*out = sky_qa_to_json(q);
	return *out ? 0 : strata_error_set(STRATA_ENOMEM, "%s: QA JSON", path);
}

void sky_qa_fill_image(const sky_qa *qa, sky_image *im)
{
	im->beam_major_arcsec = qa->bmaj_arcsec;
	im->beam_minor_arcsec = qa->bmin_arcsec;
	im->beam_pa_deg = qa->bpa_deg;
	im->noise_jy = qa->rms;
	im->dynamic_range = qa->dynamic_range;
	im->size_x = (int)qa->nx;
	im->size_y = (int)qa->ny;
	im->ra_deg = qa->has_wcs ? qa->centre_ra : NAN;
	im->dec_deg = qa->has_wcs ? qa->centre_dec : NAN;
	im->cell_arcsec = qa->cell_arcsec;
	im->freq_hz = qa->freq_hz;
	im->qa_grade = sky_grade_name(qa->grade);
}

int sky_thumbnail_file(const char *path, int size, const char *stretch, void **png, size_t *len)
{
	sky_stretch st = SKY_STRETCH_ASINH;
	sky_fits_image *img = NULL;
	int rc = stretch ? sky_stretch_parse(stretch, &st) : 0;
	*png = NULL;
	*len = 0;
	if (!rc)
		rc = sky_fits_open(path, &img);
	if (!rc && img)
		rc = sky_thumbnail_png(img, size, st, png, len);
	sky_fits_free(img);
	return rc;
}

int sky_cutout_file(const char *path, double ra, double dec, double size_arcmin, void **fits,
                    size_t *len)
{
	sky_fits_image *img = NULL;
	sky_box box = {0, 0, 0, 0};
	int rc = sky_fits_open(path, &img);
	*fits = NULL;
	*len = 0;
	if (!rc && img)
		rc = sky_cutout_box(img, ra, dec, size_arcmin, &box);
	if (!rc && img)
		rc = sky_cutout_fits(img, &box, fits, len);
	sky_fits_free(img);
	return rc;
}

int sky_science_http_status(int rc)
{
	switch (rc) {
	case STRATA_EINVAL: return 400;
	case STRATA_ENOTFOUND: return 404;
	case STRATA_EPARSE:
	case STRATA_ESCHEMA:
	case STRATA_EUNSUPPORTED: return 422;
	case STRATA_ELIMIT: return 413;
	default: return 500;
	}
}
