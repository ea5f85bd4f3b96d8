/* fuzz_fits_qa.c - FITS bytes through the whole QA path: open from memory
 * (cfitsio memfile), robust statistics, islands, WCS, JSON, forced photometry,
 * a cutout and a thumbnail. Any input must give 0 or a strata error, never a
 * crash, leak or sanitizer report. */
#include "sky/cutout.h"
#include "sky/fits_qa.h"
#include "sky/photometry.h"
#include "sky/thumbnail.h"

#include <stdint.h>
#include <stdlib.h>

/* Keep the fuzzer inside its memory limit: header sizes are checked against
 * the input length before allocation, so only small images get here. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sky_fits_image *img = NULL;
	sky_qa qa;
	if (sky_fits_open_memory(data, size, &img))
		return 0;
	if (!sky_fits_qa(img, &qa)) {
		json_decref(sky_qa_to_json(&qa));
		sky_phot p;
		if (img->wcs && !sky_forced_peak(img, qa.peak_ra, qa.peak_dec, &p))
			json_decref(sky_phot_to_json(&p));
		sky_box box;
		void *out = NULL;
		size_t len = 0;
		if (img->wcs && !sky_cutout_box(img, qa.centre_ra, qa.centre_dec, 30.0, &box) &&
		    !sky_cutout_fits(img, &box, &out, &len))
			free(out);
		if (!sky_thumbnail_png(img, 32, SKY_STRETCH_ZSCALE, &out, &len))
			free(out);
	}
	sky_fits_free(img);
	return 0;
}
