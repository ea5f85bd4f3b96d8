/* fits_qa.c - read a FITS radio image and measure its quality (fits_qa.h). */
#include "sky/fits_qa.h"

#include "strata/cmd.h"
#include "strata/error.h"

#include <fitsio.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wcshdr.h>
#include <wcslib.h>

#define MAX_AXES 10

/* Set a strata error from a cfitsio status. */
static int fits_fail(int code, int status, const char *what, const char *name)
{
	char text[FLEN_STATUS] = "";
	fits_get_errstatus(status, text);
	fits_clear_errmsg();
	return strata_error_set(code, "%s: %s: %s (cfitsio status %d)", name, what, text, status);
}

/* Move to the HDU holding the image: the primary, or the first image
 * extension with data when the primary has NAXIS=0. */
static int find_image_hdu(fitsfile *f, const char *name)
{
	int status = 0, naxis = 0, nhdu = 0, type = 0, tables = 0;
	if (fits_get_img_dim(f, &naxis, &status))
		return fits_fail(STRATA_EPARSE, status, "primary header", name);
	if (naxis > 0)
		return 0;
	if (fits_get_num_hdus(f, &nhdu, &status))
		return fits_fail(STRATA_EPARSE, status, "counting HDUs", name);
	for (int i = 2; i <= nhdu; i++) {
		if (fits_movabs_hdu(f, i, &type, &status))
			return fits_fail(STRATA_EPARSE, status, "moving to an extension", name);
		if (type != IMAGE_HDU) {
			tables++;
			continue;
		}
		if (fits_get_img_dim(f, &naxis, &status))
			return fits_fail(STRATA_EPARSE, status, "extension header", name);
		if (naxis > 0)
			return 0;
	}
	if (tables)
		return strata_error_set(STRATA_ESCHEMA,
		                        "%s: not an image: the primary HDU has NAXIS=0 and the "
		                        "file holds only %d table HDU(s)",
		                        name, tables);
	return strata_error_set(STRATA_ESCHEMA, "%s: no image: the primary HDU has NAXIS=0", name);
}

/* Check the axes: two real ones, extra ones (planes) of any length, a sane
 * pixel count per plane and in all (the data must be in the file). */
static int check_axes(sky_fits_image *img, int naxis, const long long *naxes, const char *name)
{
	long long planes = 1;

	if (naxis < 2)
		return strata_error_set(STRATA_ESCHEMA, "%s: NAXIS=%d: an image needs 2 axes", name,
		                        naxis);
	for (int i = 0; i < naxis; i++)
		if (naxes[i] < 1)
			return strata_error_set(STRATA_ESCHEMA, "%s: NAXIS%d=%lld: empty axis",
			                        name, i + 1, naxes[i]);
	for (int i = 2; i < naxis; i++) {
		if (naxes[i] > SKY_FITS_MAX_PIXELS / planes)
			return strata_error_set(STRATA_ELIMIT, "%s: NAXIS%d=%lld: too many planes",
			                        name, i + 1, naxes[i]);
		planes *= naxes[i];
	}
	img->planes = planes;
	if (naxes[0] > SKY_FITS_MAX_PIXELS || naxes[1] > SKY_FITS_MAX_PIXELS / naxes[0])
		return strata_error_set(STRATA_ELIMIT,
		                        "%s: %lld x %lld pixels: more than the limit of %ld", name,
		                        naxes[0], naxes[1], (long)SKY_FITS_MAX_PIXELS);
	img->nx = (long)naxes[0];
	img->ny = (long)naxes[1];
	img->naxis = naxis;
	return 0;
}

/* The data must lie inside the file: a truncated file is refused before any
 * pixel buffer is allocated from the (possibly absurd) header sizes. */
static int check_data_present(fitsfile *f, long long file_size, const char *name)
{
	int status = 0;
	long long head = 0, data = 0, end = 0;
	if (fits_get_hduaddrll(f, &head, &data, &end, &status))
		return fits_fail(STRATA_EPARSE, status, "HDU address", name);
	/* The last block's padding may be missing; the data itself may not. */
	(void)head;
	if (file_size >= 0 && end > (file_size + 2879) / 2880 * 2880)
		return strata_error_set(STRATA_EPARSE,
		                        "%s: truncated: the header promises data up to byte %lld, "
		                        "the file has %lld",
		                        name, end, file_size);
	return 0;
}

/* Read a double keyword; 0 when absent or not a number. */
static double key_double(fitsfile *f, const char *key)
{
	int status = 0;
	double v = 0;
	if (fits_read_key(f, TDOUBLE, key, &v, NULL, &status) || !isfinite(v)) {
		fits_clear_errmsg();
		return 0;
	}
	return v;
}

/* Header facts: beam, unit, frequency keywords, the header text. */
static int read_header_facts(fitsfile *f, sky_fits_image *img, const char *name)
{
	int status = 0, nkeys = 0;
	char *hdr = NULL;
	img->bmaj = fabs(key_double(f, "BMAJ"));
	img->bmin = fabs(key_double(f, "BMIN"));
	img->bpa = key_double(f, "BPA");
	if (fits_read_key(f, TSTRING, "BUNIT", img->bunit, NULL, &status)) {
		img->bunit[0] = '\0';
		fits_clear_errmsg();
		status = 0;
	}
	img->freq_hz = key_double(f, "RESTFRQ");
	if (img->freq_hz <= 0)
		img->freq_hz = key_double(f, "RESTFREQ");
	if (img->freq_hz <= 0)
		img->freq_hz = key_double(f, "FREQ");
	if (fits_hdr2str(f, 1, NULL, 0, &hdr, &nkeys, &status))
		return fits_fail(STRATA_EPARSE, status, "reading the header", name);
	img->header = strdup(hdr);
	img->ncards = nkeys;
	fits_free_memory(hdr, &status);
	return img->header ? 0 : strata_error_set(STRATA_ENOMEM, "%s: header copy", name);
}

/* Angular distance between two positions in degrees (haversine). */
static double angular_distance(double ra1, double dec1, double ra2, double dec2)
{
	const double d2r = M_PI / 180.0;
	double sd = sin((dec2 - dec1) * d2r / 2), sr = sin((ra2 - ra1) * d2r / 2);
	double h = sd * sd + cos(dec1 * d2r) * cos(dec2 * d2r) * sr * sr;
	return 2 * asin(sqrt(fmin(1.0, h))) / d2r;
}

/* Whether a card's string value, if it has one, has its closing quote. */
static int string_value_closed(const char *card)
{
	if (strncmp(card + 8, "= ", 2) != 0)
		return 1;
	int i = 10;
	while (i < 80 && card[i] == ' ')
		i++;
	if (i >= 80 || card[i] != '\'')
		return 1;
	for (i++; i < 80; i++) {
		if (card[i] != '\'')
			continue;
		if (i + 1 < 80 && card[i + 1] == '\'')
			i++; /* '' is a quote inside the string */
		else
			return 1;
	}
	return 0;
}

/* A copy of the header for wcslib with every card that is not plain
 * printable ASCII or whose value cfitsio cannot parse (an unterminated
 * string, say) blanked: wcslib 7's header parser overruns a buffer on such
 * cards (found by fuzz_fits_qa). */
static char *header_for_wcslib(const sky_fits_image *img)
{
	char *h = malloc((size_t)img->ncards * 80 + 1);
	if (!h)
		return NULL;
	for (int i = 0; i < img->ncards; i++) {
		char card[81], value[FLEN_VALUE], comment[FLEN_COMMENT];
		int status = 0, clean = 1;
		memcpy(card, img->header + (size_t)i * 80, 80);
		card[80] = '\0';
		for (int c = 0; c < 80; c++)
			clean &= card[c] >= 0x20 && card[c] <= 0x7e;
		if (clean &&
		    (fits_parse_value(card, value, comment, &status) || !string_value_closed(card)))
			clean = 0;
		fits_clear_errmsg();
		if (clean)
			memcpy(h + (size_t)i * 80, card, 80);
		else
			memset(h + (size_t)i * 80, ' ', 80);
	}
	h[(size_t)img->ncards * 80] = '\0';
	return h;
}

/* World coordinate `axis` of the first plane's central pixel (FITS pixel 1
 * on every extra axis); NaN when it does not convert. */
static double first_plane_world(const sky_fits_image *img, int axis)
{
	struct wcsprm *wcs = img->wcs;
	int n = wcs->naxis, st = 0;
	double *buf = calloc((size_t)n * 5 + 2, sizeof *buf), v = NAN;

	if (!buf)
		return NAN;
	double *pix = buf, *imgc = buf + n, *world = buf + 2 * n, *phi = buf + 3 * n;
	double *theta = buf + 4 * n;
	for (int i = 0; i < n; i++)
		pix[i] = 1.0;
	pix[0] = (double)(img->nx + 1) / 2;
	pix[1] = (double)(img->ny + 1) / 2;
	if (!wcsp2s(wcs, 1, n, pix, imgc, phi, theta, world, &st) && !st)
		v = world[axis];
	free(buf);
	return v;
}

/* Parse the WCS from the header; an image without one still gets QA. */
static void read_wcs(sky_fits_image *img)
{
	int nreject = 0, nwcs = 0, rc;
	struct wcsprm *wcs = NULL;
	char *hdr = header_for_wcslib(img);
	if (!hdr)
		return;
	rc = wcspih(hdr, img->ncards, WCSHDR_all, 0, &nreject, &nwcs, &wcs);
	free(hdr);
	if (rc || nwcs < 1)
		return;
	img->wcs = wcs;
	img->nwcs = nwcs;
	if (wcsset(wcs) || wcs->lng < 0 || wcs->lat < 0 || wcs->naxis < 2) {
		wcsvfree(&img->nwcs, (struct wcsprm **)&img->wcs);
		img->wcs = NULL;
		return;
	}
	img->lng = wcs->lng;
	img->lat = wcs->lat;
	double cx = (double)(img->nx - 1) / 2, cy = (double)(img->ny - 1) / 2;
	double r0, d0, r1, d1;
	if (!sky_fits_pix2world(img, cx, cy, &r0, &d0) &&
	    !sky_fits_pix2world(img, cx + 1, cy, &r1, &d1))
		img->cdelt1 = angular_distance(r0, d0, r1, d1);
	if (!sky_fits_pix2world(img, cx, cy, &r0, &d0) &&
	    !sky_fits_pix2world(img, cx, cy + 1, &r1, &d1))
		img->cdelt2 = angular_distance(r0, d0, r1, d1);
	/* A spectral FREQ axis gives the observing frequency: the first
	 * plane's (its reference value when that plane is the reference). */
	if (wcs->spec >= 0 && !strncmp(wcs->ctype[wcs->spec], "FREQ", 4)) {
		double f = first_plane_world(img, wcs->spec);
		if (!isfinite(f))
			f = wcs->crval[wcs->spec];
		if (isfinite(f) && f > 0)
			img->freq_hz = f;
	}
}

/* Read the first plane's pixels as floats (the first NAXIS1 x NAXIS2 values
 * of the data: index 1 of every extra axis); NaN for blanks. */
static int read_pixels(fitsfile *f, sky_fits_image *img, const char *name)
{
	int status = 0, anynul = 0;
	long long first[MAX_AXES];
	float nan_value = NAN;
	size_t npix = (size_t)img->nx * (size_t)img->ny;
	for (int i = 0; i < MAX_AXES; i++)
		first[i] = 1;
	img->pix = malloc(npix * sizeof *img->pix);
	if (!img->pix)
		return strata_error_set(STRATA_ENOMEM, "%s: %zu pixels", name, npix);
	if (fits_read_pixll(f, TFLOAT, first, (long long)npix, &nan_value, img->pix, &anynul,
	                    &status))
		return fits_fail(STRATA_EPARSE, status, "reading pixels", name);
	return 0;
}

/* Everything after the file is open. */
static int load_image(fitsfile *f, long long file_size, const char *name, sky_fits_image *img)
{
	int status = 0, bitpix = 0, naxis = 0, rc;
	long long naxes[MAX_AXES] = {0};
	if ((rc = find_image_hdu(f, name)))
		return rc;
	if (fits_get_img_dim(f, &naxis, &status))
		return fits_fail(STRATA_EPARSE, status, "image header", name);
	if (naxis > MAX_AXES)
		return strata_error_set(STRATA_EUNSUPPORTED, "%s: NAXIS=%d: at most %d axes", name,
		                        naxis, MAX_AXES);
	if (fits_get_img_paramll(f, MAX_AXES, &bitpix, &naxis, naxes, &status))
		return fits_fail(STRATA_EPARSE, status, "image header", name);
	if ((rc = check_axes(img, naxis, naxes, name)) ||
	    (rc = check_data_present(f, file_size, name)))
		return rc;
	if ((rc = read_header_facts(f, img, name)))
		return rc;
	read_wcs(img);
	return read_pixels(f, img, name);
}

/* Common tail of both open functions. */
static int finish_open(fitsfile *f, int status, long long size, const char *name,
                       sky_fits_image **out)
{
	int rc;
	sky_fits_image *img;
	*out = NULL;
	if (status)
		return fits_fail(STRATA_EPARSE, status, "not a readable FITS file", name);
	img = calloc(1, sizeof *img);
	if (!img) {
		fits_close_file(f, &status);
		return strata_error_set(STRATA_ENOMEM, "%s: image", name);
	}
	rc = load_image(f, size, name, img);
	status = 0;
	fits_close_file(f, &status);
	fits_clear_errmsg();
	if (rc) {
		sky_fits_free(img);
		return rc;
	}
	*out = img;
	return 0;
}

int sky_fits_open(const char *path, sky_fits_image **out)
{
	fitsfile *f = NULL;
	int status = 0;
	struct stat st;
	*out = NULL;
	if (stat(path, &st))
		return strata_error_set_errno("%s", path);
	if (!S_ISREG(st.st_mode))
		return strata_error_set(STRATA_EINVAL, "%s: not a regular file", path);
	/* fits_open_diskfile: brackets in the name are not read as cfitsio filters. */
	fits_open_diskfile(&f, path, READONLY, &status);
	return finish_open(f, status, (long long)st.st_size, path, out);
}

int sky_fits_open_memory(const void *data, size_t len, sky_fits_image **out)
{
	fitsfile *f = NULL;
	int status = 0, rc;
	/* cfitsio reads whole 2880-byte blocks: pad the copy with zeros so a
	 * short last block is never read past the end of the buffer. */
	size_t size = (len + 2879) / 2880 * 2880;
	void *copy = calloc(size ? size : 1, 1);
	*out = NULL;
	if (!copy)
		return strata_error_set(STRATA_ENOMEM, "memory FITS of %zu bytes", len);
	if (len)
		memcpy(copy, data, len);
	fits_open_memfile(&f, "memory.fits", READONLY, &copy, &size, 0, NULL, &status);
	rc = finish_open(f, status, (long long)len, "memory FITS", out);
	free(copy);
	return rc;
}

void sky_fits_free(sky_fits_image *img)
{
	if (!img)
		return;
	if (img->wcs)
		wcsvfree(&img->nwcs, (struct wcsprm **)&img->wcs);
	free(img->pix);
	free(img->header);
	free(img);
}

/*
 * One wcslib transform of the celestial pair: to_world converts 0-based
 * pixel (a, b) to (RA, Dec) with wcsp2s, else (RA, Dec) to 0-based pixels
 * with wcss2p; the other axes sit on their first pixel (reference value).
 * -1 when the position has no finite image, 0 otherwise.
 */
static int wcs_convert(const sky_fits_image *img, int to_world, double a, double b, double *out_a,
                       double *out_b)
{
	struct wcsprm *wcs = img->wcs;
	int n = wcs->naxis, st = 0, rc;
	double *buf = calloc((size_t)n * 5 + 2, sizeof *buf);
	if (!buf)
		return strata_error_set(STRATA_ENOMEM, "wcs buffers");
	double *pix = buf, *imgc = buf + n, *world = buf + 2 * n, *phi = buf + 3 * n;
	double *theta = buf + 4 * n;
	if (to_world) {
		for (int i = 0; i < n; i++)
			pix[i] = 1.0;
		pix[0] = a + 1.0;
		pix[1] = b + 1.0;
		rc = wcsp2s(wcs, 1, n, pix, imgc, phi, theta, world, &st);
		*out_a = world[img->lng];
		*out_b = world[img->lat];
	} else {
		for (int i = 0; i < n; i++)
			world[i] = wcs->crval[i];
		world[img->lng] = a;
		world[img->lat] = b;
		rc = wcss2p(wcs, 1, n, world, phi, theta, imgc, pix, &st);
		*out_a = pix[0] - 1.0;
		*out_b = pix[1] - 1.0;
	}
	free(buf);
	return !rc && !st && isfinite(*out_a) && isfinite(*out_b) ? 0 : -1;
}

int sky_fits_pix2world(const sky_fits_image *img, double x, double y, double *ra, double *dec)
{
	double w[2] = {0.0, 0.0};

	if (!img->wcs)
		return strata_error_set(STRATA_EINVAL, "the image has no celestial WCS");
	int rc = wcs_convert(img, 1, x, y, &w[0], &w[1]);
	if (rc == STRATA_ENOMEM)
		return rc;
	if (rc)
		return strata_error_set(STRATA_EINVAL, "pixel (%g, %g) has no sky position", x, y);
	*ra = w[0];
	*dec = w[1];
	return 0;
}

int sky_fits_world2pix(const sky_fits_image *img, double ra, double dec, double *x, double *y)
{
	double p[2] = {0.0, 0.0};

	if (!img->wcs)
		return strata_error_set(STRATA_EINVAL, "the image has no celestial WCS");
	int rc = wcs_convert(img, 0, ra, dec, &p[0], &p[1]);
	if (rc == STRATA_ENOMEM)
		return rc;
	if (rc)
		return strata_error_set(
		    STRATA_EINVAL, "RA %.6f Dec %.6f does not project onto the image", ra, dec);
	*x = p[0];
	*y = p[1];
	return 0;
}

/* Quickselect: the k-th smallest of v[0..n-1], partially reordering v. */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			/* The pivot is an element of v[lo..hi]: both scans stop inside. */
			// NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult)
			while (v[i] < pivot)
				i++;
			// NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult)
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

double sky_median_inplace(double *v, size_t n)
{
	double hi = select_kth(v, n, n / 2);
	if (n % 2)
		return hi;
	/* The lower middle is the largest value of the lower half. */
	double lo = v[0];
	for (size_t i = 1; i < n / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	return (lo + hi) / 2;
}

/* Population standard deviation about the mean. */
static double std_dev(const double *v, size_t n)
{
	double mean = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		mean += v[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	return sqrt(ss / (double)n);
}

/* Iterative 3-sigma clipping about the median (fits_qa.h); v is reused. */
static void sigma_clip(double *v, size_t n, sky_robust_stats *out)
{
	size_t kept = n;
	out->clip_converged = 0;
	for (out->clip_iterations = 0; out->clip_iterations < SKY_CLIP_MAX_ITER;) {
		double m = sky_median_inplace(v, kept), s = std_dev(v, kept),
		       bound = SKY_CLIP_SIGMA * s;
		size_t k = 0;
		out->clip_iterations++;
		for (size_t i = 0; i < kept; i++)
			if (fabs(v[i] - m) <= bound)
				v[k++] = v[i];
		if (k == kept) {
			out->clip_converged = 1;
			out->clip_median = m;
			out->clip_rms = s;
			break;
		}
		kept = k;
	}
	if (!out->clip_converged) {
		out->clip_median = sky_median_inplace(v, kept);
		out->clip_rms = std_dev(v, kept);
	}
	out->clip_n = kept;
}

int sky_robust_stats_compute(const float *v, size_t n, sky_robust_stats *out)
{
	size_t k = 0;
	memset(out, 0, sizeof *out);
	double *buf = malloc((n ? n : 1) * sizeof *buf);
	if (!buf)
		return strata_error_set(STRATA_ENOMEM, "statistics of %zu values", n);
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			buf[k++] = v[i];
	if (!k) {
		free(buf);
		return strata_error_set(STRATA_EINVAL, "no finite pixel (all blank or NaN)");
	}
	out->n = k;
	out->median = sky_median_inplace(buf, k);
	for (size_t i = 0; i < k; i++)
		buf[i] = fabs(buf[i] - out->median);
	out->mad_rms = SKY_MAD_TO_SIGMA * sky_median_inplace(buf, k);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			buf[k++] = v[i];
	sigma_clip(buf, k, out);
	free(buf);
	return 0;
}

/* Flood one island from seed, marking visited pixels. */
static void flood_island(const sky_fits_image *img, double threshold, long seed, uint8_t *seen,
                         long *stack)
{
	long top = 0;
	stack[top++] = seed;
	seen[seed] = 1;
	while (top > 0) {
		long p = stack[--top], px = p % img->nx, py = p / img->nx;
		for (long dy = -1; dy <= 1; dy++)
			for (long dx = -1; dx <= 1; dx++) {
				long qx = px + dx, qy = py + dy;
				if (qx < 0 || qy < 0 || qx >= img->nx || qy >= img->ny)
					continue;
				long q = qy * img->nx + qx;
				if (!seen[q] && img->pix[q] > threshold) {
					seen[q] = 1;
					stack[top++] = q;
				}
			}
	}
}

int sky_count_islands(const sky_fits_image *img, double threshold, long *count)
{
	long npix = img->nx * img->ny;
	uint8_t *seen = calloc((size_t)npix, 1);
	long *stack = malloc((size_t)npix * sizeof *stack);
	*count = 0;
	if (!seen || !stack) {
		free(seen);
		free(stack);
		return strata_error_set(STRATA_ENOMEM, "island search of %ld pixels", npix);
	}
	/* Each pixel enters the stack at most once, so npix entries suffice. */
	for (long p = 0; p < npix; p++)
		if (!seen[p] && img->pix[p] > threshold) {
			flood_island(img, threshold, p, seen, stack);
			(*count)++;
		}
	free(seen);
	free(stack);
	return 0;
}

const char *sky_grade_name(sky_grade g)
{
	static const char *const names[] = {"poor", "marginal", "good", "excellent"};
	return g >= SKY_GRADE_POOR && g <= SKY_GRADE_EXCELLENT ? names[g] : "unknown";
}

/* Largest finite pixel. */
static void find_peak(const sky_fits_image *img, sky_qa *qa)
{
	long npix = img->nx * img->ny, best = -1;
	for (long p = 0; p < npix; p++)
		if (isfinite(img->pix[p]) && (best < 0 || img->pix[p] > img->pix[best]))
			best = p;
	qa->peak = img->pix[best];
	qa->peak_x = best % img->nx;
	qa->peak_y = best / img->nx;
}

/* Geometry, beam and frequency from the image header and WCS. */
static void fill_geometry(const sky_fits_image *img, sky_qa *qa)
{
	qa->nx = img->nx;
	qa->ny = img->ny;
	qa->cell_arcsec = img->cdelt2 * 3600.0;
	qa->freq_hz = img->freq_hz;
	qa->bmaj_arcsec = img->bmaj * 3600.0;
	qa->bmin_arcsec = img->bmin * 3600.0;
	qa->bpa_deg = img->bmaj > 0 ? img->bpa : 0;
	snprintf(qa->bunit, sizeof qa->bunit, "%s", img->bunit);
	qa->has_wcs = img->wcs &&
	              !sky_fits_pix2world(img, (double)(img->nx - 1) / 2, (double)(img->ny - 1) / 2,
	                                  &qa->centre_ra, &qa->centre_dec);
}

int sky_fits_qa(const sky_fits_image *img, sky_qa *qa)
{
	int rc;
	memset(qa, 0, sizeof *qa);
	qa->planes = img->planes;
	if ((rc =
	         sky_robust_stats_compute(img->pix, (size_t)img->nx * (size_t)img->ny, &qa->stats)))
		return rc;
	fill_geometry(img, qa);
	qa->rms = qa->stats.clip_rms;
	qa->background = qa->stats.clip_median;
	find_peak(img, qa);
	if (qa->has_wcs && sky_fits_pix2world(img, (double)qa->peak_x, (double)qa->peak_y,
	                                      &qa->peak_ra, &qa->peak_dec))
		qa->peak_ra = qa->peak_dec = NAN;
	qa->dynamic_range = qa->rms > 0 ? qa->peak / qa->rms : 0;
	if (qa->rms > 0 && (rc = sky_count_islands(img, qa->background + SKY_DETECT_SIGMA * qa->rms,
	                                           &qa->sources)))
		return rc;
	qa->grade = qa->dynamic_range > 1000  ? SKY_GRADE_EXCELLENT
	            : qa->dynamic_range > 100 ? SKY_GRADE_GOOD
	            : qa->dynamic_range > 10  ? SKY_GRADE_MARGINAL
	                                      : SKY_GRADE_POOR;
	qa->warn_noise = qa->rms > 0.010;
	qa->warn_dr = qa->dynamic_range < 100;
	strata_error_clear();
	return 0;
}

/* A number, or null when not finite. */
static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The beam object, or null without BMAJ. */
static json_t *beam_json(const sky_qa *qa)
{
	if (qa->bmaj_arcsec <= 0)
		return json_null();
	return json_pack("{s:o,s:o,s:o}", "major_arcsec", jnum(qa->bmaj_arcsec), "minor_arcsec",
	                 jnum(qa->bmin_arcsec), "pa_deg", jnum(qa->bpa_deg));
}

/* The warnings array. */
static json_t *warnings_json(const sky_qa *qa)
{
	json_t *w = json_array();
	if (w && qa->warn_noise)
		json_array_append_new(w, json_string("noise above 10 mJy/beam"));
	if (w && qa->warn_dr)
		json_array_append_new(w, json_string("dynamic range below 100"));
	return w;
}

json_t *sky_qa_to_json(const sky_qa *qa)
{
	json_t *o =
	    json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:i,s:b}", "nx",
	              (json_int_t)qa->nx, "ny", (json_int_t)qa->ny, "cell_arcsec",
	              qa->cell_arcsec > 0 ? jnum(qa->cell_arcsec) : json_null(), "centre_ra",
	              qa->has_wcs ? jnum(qa->centre_ra) : json_null(), "centre_dec",
	              qa->has_wcs ? jnum(qa->centre_dec) : json_null(), "freq_hz",
	              qa->freq_hz > 0 ? jnum(qa->freq_hz) : json_null(), "bunit", qa->bunit, "beam",
	              beam_json(qa), "rms", jnum(qa->rms), "mad_rms", jnum(qa->stats.mad_rms),
	              "background", jnum(qa->background), "median", jnum(qa->stats.median), "peak",
	              jnum(qa->peak), "n_pixels", (json_int_t)qa->stats.n, "clip_iterations",
	              qa->stats.clip_iterations, "clip_converged", qa->stats.clip_converged);
	if (!o)
		return NULL;
	json_object_set_new(o, "peak_pixel",
	                    json_pack("[I,I]", (json_int_t)qa->peak_x, (json_int_t)qa->peak_y));
	json_object_set_new(o, "peak_ra", qa->has_wcs ? jnum(qa->peak_ra) : json_null());
	json_object_set_new(o, "peak_dec", qa->has_wcs ? jnum(qa->peak_dec) : json_null());
	json_object_set_new(o, "planes", json_integer((json_int_t)qa->planes));
	json_object_set_new(o, "dynamic_range", jnum(qa->dynamic_range));
	json_object_set_new(o, "sources", json_integer(qa->sources));
	json_object_set_new(o, "grade", json_string(sky_grade_name(qa->grade)));
	json_object_set_new(o, "warnings", warnings_json(qa));
	return o;
}

/* Human-readable QA. */
static void print_qa_text(const char *path, const sky_qa *qa)
{
	printf("file            %s\n", path);
	printf("size            %ld x %ld\n", qa->nx, qa->ny);
	if (qa->planes > 1)
		printf("planes          %lld (QA of the first)\n", qa->planes);
	printf("cell            %.3f arcsec\n", qa->cell_arcsec);
	if (qa->has_wcs)
		printf("centre          RA %.6f Dec %.6f deg\n", qa->centre_ra, qa->centre_dec);
	if (qa->freq_hz > 0)
		printf("frequency       %.6g Hz\n", qa->freq_hz);
	if (qa->bmaj_arcsec > 0)
		printf("beam            %.2f x %.2f arcsec, PA %.1f deg\n", qa->bmaj_arcsec,
		       qa->bmin_arcsec, qa->bpa_deg);
	printf("rms (clipped)   %.6g %s (%d iterations)\n", qa->rms, qa->bunit,
	       qa->stats.clip_iterations);
	printf("rms (MAD)       %.6g\n", qa->stats.mad_rms);
	printf("background      %.6g\n", qa->background);
	printf("peak            %.6g at pixel (%ld, %ld)", qa->peak, qa->peak_x, qa->peak_y);
	if (qa->has_wcs)
		printf(" RA %.6f Dec %.6f", qa->peak_ra, qa->peak_dec);
	printf("\ndynamic range   %.1f\n", qa->dynamic_range);
	printf("sources (>5sig) %ld\n", qa->sources);
	printf("grade           %s\n", sky_grade_name(qa->grade));
	if (qa->warn_noise)
		printf("warning         noise above 10 mJy/beam\n");
	if (qa->warn_dr)
		printf("warning         dynamic range below 100\n");
}

int sky_cmd_qa(int argc, char **argv)
{
	const char *path = NULL;
	int as_json = 0;
	sky_fits_image *img = NULL;
	sky_qa qa;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			as_json = 1;
		else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "usage: strata sky qa FILE.fits [--json]\n");
			return STRATA_EXIT_USAGE;
		} else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: strata sky qa FILE.fits [--json]\n");
		return STRATA_EXIT_USAGE;
	}
	if (sky_fits_open(path, &img) || !img || sky_fits_qa(img, &qa)) {
		fprintf(stderr, "strata sky qa: %s\n", strata_error_message());
		sky_fits_free(img);
		return STRATA_EXIT_FAILURE;
	}
	if (as_json) {
		json_t *o = sky_qa_to_json(&qa);
		json_object_set_new(o, "path", json_string(path));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		putchar('\n');
		json_decref(o);
	} else {
		print_qa_text(path, &qa);
	}
	sky_fits_free(img);
	return STRATA_EXIT_OK;
}
