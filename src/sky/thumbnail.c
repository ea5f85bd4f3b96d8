/* thumbnail.c - PNG previews with asinh or zscale stretch (thumbnail.h). */
#include "sky/thumbnail.h"

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/file.h"

#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#define ASINH_SOFTENING 0.02
#define ZSCALE_SAMPLES  1000
#define ZSCALE_CONTRAST 0.25
#define ZSCALE_REJECT   2.5
#define ZSCALE_ROUNDS   3

int sky_stretch_parse(const char *name, sky_stretch *out)
{
	if (!strcmp(name, "asinh"))
		*out = SKY_STRETCH_ASINH;
	else if (!strcmp(name, "zscale"))
		*out = SKY_STRETCH_ZSCALE;
	else
		return strata_error_set(STRATA_EINVAL, "stretch '%s': expected asinh or zscale",
		                        name);
	return 0;
}

/* Block-mean reduction to tw x th (NaN when a block has no finite pixel). */
static float *reduce(const sky_fits_image *img, long tw, long th)
{
	float *out = malloc((size_t)tw * (size_t)th * sizeof *out);
	if (!out)
		return NULL;
	for (long ty = 0; ty < th; ty++)
		for (long tx = 0; tx < tw; tx++) {
			long x0 = tx * img->nx / tw, x1 = (tx + 1) * img->nx / tw;
			long y0 = ty * img->ny / th, y1 = (ty + 1) * img->ny / th;
			double sum = 0;
			long n = 0;
			for (long y = y0; y < y1; y++)
				for (long x = x0; x < x1; x++) {
					float v = img->pix[y * img->nx + x];
					if (isfinite(v)) {
						sum += v;
						n++;
					}
				}
			out[ty * tw + tx] = n ? (float)(sum / (double)n) : NAN;
		}
	return out;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Least-squares line through (i, s[i]) for the unmasked points; slope. */
static double fit_slope(const double *s, const unsigned char *rejected, long n, double *icept)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
	for (long i = 0; i < n; i++)
		if (!rejected[i]) {
			sx += (double)i;
			sy += s[i];
			sxx += (double)i * (double)i;
			sxy += (double)i * s[i];
			m++;
		}
	double den = m * sxx - sx * sx;
	double slope = den > 0 ? (m * sxy - sx * sy) / den : 0;
	*icept = m > 0 ? (sy - slope * sx) / m : 0;
	return slope;
}

/* zscale limits of the finite values in v (n > 0). */
static void zscale_limits(const float *v, long nv, double *z1, double *z2)
{
	double *s = malloc(ZSCALE_SAMPLES * sizeof *s);
	unsigned char *rej = calloc(ZSCALE_SAMPLES, 1);
	long n = 0, step = nv / ZSCALE_SAMPLES > 1 ? nv / ZSCALE_SAMPLES : 1;
	*z1 = *z2 = 0;
	for (long i = 0; s && rej && i < nv && n < ZSCALE_SAMPLES; i += step)
		if (isfinite(v[i]))
			s[n++] = v[i];
	if (n > 0) {
		qsort(s, (size_t)n, sizeof *s, compare_double);
		double icept = 0, slope = fit_slope(s, rej, n, &icept);
		for (int round = 0; round < ZSCALE_ROUNDS; round++) {
			double ss = 0;
			long m = 0;
			for (long i = 0; i < n; i++)
				if (!rej[i]) {
					double r = s[i] - (icept + slope * (double)i);
					ss += r * r;
					m++;
				}
			double sigma = m > 1 ? sqrt(ss / (double)m) : 0;
			for (long i = 0; i < n; i++)
				if (fabs(s[i] - (icept + slope * (double)i)) >
				    ZSCALE_REJECT * sigma)
					rej[i] = 1;
			slope = fit_slope(s, rej, n, &icept);
		}
		double median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
		double half = (double)n / 2 * slope / ZSCALE_CONTRAST;
		*z1 = fmax(s[0], median - half);
		*z2 = fmin(s[n - 1], median + half);
	}
	free(s);
	free(rej);
}

/* Stretch limits for the chosen mapping. */
static int stretch_limits(const sky_fits_image *img, const float *t, long nt, sky_stretch st,
                          double *lo, double *hi)
{
	if (st == SKY_STRETCH_ZSCALE) {
		zscale_limits(t, nt, lo, hi);
		return 0;
	}
	sky_robust_stats rs;
	int rc = sky_robust_stats_compute(img->pix, (size_t)img->nx * (size_t)img->ny, &rs);
	if (rc)
		return rc;
	*lo = rs.median - 2 * rs.mad_rms;
	*hi = -INFINITY;
	for (long i = 0; i < nt; i++)
		if (isfinite(t[i]) && t[i] > *hi)
			*hi = t[i];
	return 0;
}

/* One grey level. */
static unsigned char grey(float v, double lo, double hi, sky_stretch st)
{
	if (!isfinite(v) || !(hi > lo))
		return 0;
	double t = ((double)v - lo) / (hi - lo);
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	if (st == SKY_STRETCH_ASINH)
		t = asinh(t / ASINH_SOFTENING) / asinh(1 / ASINH_SOFTENING);
	return (unsigned char)lround(255 * t);
}

/* libpng write callback into a strata_buf. */
static void png_to_buf(png_structp png, png_bytep data, png_size_t len)
{
	strata_buf *b = png_get_io_ptr(png);
	if (strata_buf_append(b, data, len))
		png_error(png, "out of memory");
}

static void png_flush_none(png_structp png)
{
	(void)png;
}

/* Encode grey rows (top first) as PNG into b. */
static int encode_png(const unsigned char *rows, long w, long h, strata_buf *b)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		png_destroy_write_struct(&png, NULL);
		return strata_error_set(STRATA_ENOMEM, "PNG encoder");
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return strata_error_set(STRATA_ERR, "PNG encoding failed");
	}
	png_set_write_fn(png, b, png_to_buf, png_flush_none);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_GRAY,
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (long y = 0; y < h; y++)
		png_write_row(png, rows + y * w);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int sky_thumbnail_png(const sky_fits_image *img, int size, sky_stretch stretch, void **png,
                      size_t *len)
{
	strata_buf b = {0};
	double lo = 0, hi = 0;
	int rc;
	*png = NULL;
	*len = 0;
	if (size < 1 || size > SKY_THUMB_MAX_SIZE)
		return strata_error_set(STRATA_EINVAL, "thumbnail size %d: expected 1..%d", size,
		                        SKY_THUMB_MAX_SIZE);
	double scale = fmin(1.0, (double)size / (double)(img->nx > img->ny ? img->nx : img->ny));
	long tw = lround((double)img->nx * scale), th = lround((double)img->ny * scale);
	tw = tw < 1 ? 1 : tw;
	th = th < 1 ? 1 : th;
	float *t = reduce(img, tw, th);
	unsigned char *rows = malloc((size_t)tw * (size_t)th);
	if (!t || !rows) {
		free(t);
		free(rows);
		return strata_error_set(STRATA_ENOMEM, "thumbnail of %ld x %ld", tw, th);
	}
	rc = stretch_limits(img, t, tw * th, stretch, &lo, &hi);
	/* North up: FITS row 0 is the bottom, PNG row 0 the top. */
	for (long y = 0; !rc && y < th; y++)
		for (long x = 0; x < tw; x++)
			rows[(th - 1 - y) * tw + x] = grey(t[y * tw + x], lo, hi, stretch);
	if (!rc)
		rc = encode_png(rows, tw, th, &b);
	free(t);
	free(rows);
	if (rc) {
		strata_buf_free(&b);
		return rc;
	}
	*len = b.len;
	*png = strata_buf_detach(&b);
	return 0;
}

int sky_thumbnail_write(const sky_fits_image *img, int size, sky_stretch stretch, const char *path)
{
	void *png = NULL;
	size_t len = 0;
	int rc = sky_thumbnail_png(img, size, stretch, &png, &len);
	if (!rc)
		rc = strata_file_write_atomic(path, png, len, 0644);
	free(png);
	return rc;
}
