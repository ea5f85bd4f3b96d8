/* plot.c - PNG line charts and heatmaps (see plot.h). */
#include "strata/plot.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/time.h"

#define SCALE     2                            /* font pixels per glyph pixel */
#define CHAR_W    ((PLOT_GLYPH_W + 1) * SCALE) /* advance per character */
#define CHAR_H    (PLOT_GLYPH_H * SCALE)
#define MAX_TICKS 64
#define MAX_SIDE  8192

typedef struct rgb {
	unsigned char r, g, b;
} rgb;

static const rgb black = {0, 0, 0}, white = {255, 255, 255}, grid_grey = {225, 225, 225},
                 nan_grey = {200, 200, 200};

/* matplotlib's tab10 colours for the series. */
static const rgb series_colours[10] = {
    {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};

/* ---------------------------------------------------------------- canvas -- */

typedef struct canvas {
	int w, h;
	unsigned char *px; /* w * h * 3 */
} canvas;

static int canvas_init(canvas *c, int w, int h)
{
	if (w < 200 || h < 150 || w > MAX_SIDE || h > MAX_SIDE)
		return strata_error_set(STRATA_EINVAL, "plot: size %d x %d out of range", w, h);
	c->w = w;
	c->h = h;
	if (!(c->px = malloc((size_t)w * (size_t)h * 3)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	memset(c->px, 255, (size_t)w * (size_t)h * 3);
	return 0;
}

static void put(canvas *c, int x, int y, rgb col)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return;
	unsigned char *p = c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 3;
	p[0] = col.r;
	p[1] = col.g;
	p[2] = col.b;
}

static void fill_rect(canvas *c, int x0, int y0, int x1, int y1, rgb col)
{
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++)
			put(c, x, y, col);
}

/* A line of the given thickness (square brush), clipped to the canvas. */
static void draw_line(canvas *c, double x0, double y0, double x1, double y1, rgb col, int thick)
{
	double dx = x1 - x0, dy = y1 - y0;
	double len = fmax(fabs(dx), fabs(dy));
	int steps = len > 4 * MAX_SIDE ? 4 * MAX_SIDE : (int)ceil(len);

	for (int i = 0; i <= steps; i++) {
		double t = steps ? (double)i / steps : 0;
		int x = (int)lround(x0 + t * dx), y = (int)lround(y0 + t * dy);
		for (int a = -(thick - 1) / 2; a <= thick / 2; a++)
			for (int b = -(thick - 1) / 2; b <= thick / 2; b++)
				put(c, x + a, y + b, col);
	}
}

static int text_width(const char *s)
{
	int n = (int)strlen(s);
	return n ? n * CHAR_W - SCALE : 0;
}

/* Text with its top at y; align -1 left of x, 0 centred on x, 1 right of x. */
static void draw_text(canvas *c, int x, int y, const char *s, int align, rgb col)
{
	int x0 = align < 0 ? x : align == 0 ? x - text_width(s) / 2 : x - text_width(s);

	for (size_t i = 0; s[i]; i++)
		for (int row = 0; row < PLOT_GLYPH_H; row++)
			for (int cl = 0; cl < PLOT_GLYPH_W; cl++)
				if (plot_glyph_pixel(s[i], cl, row))
					fill_rect(c, x0 + (int)i * CHAR_W + cl * SCALE,
					          y + row * SCALE,
					          x0 + (int)i * CHAR_W + cl * SCALE + SCALE - 1,
					          y + row * SCALE + SCALE - 1, col);
}

/* Text rotated a quarter turn anticlockwise, centred vertically on y, its
 * glyph tops at x. */
static void draw_text_up(canvas *c, int x, int y, const char *s, rgb col)
{
	int y0 = y + text_width(s) / 2;

	for (size_t i = 0; s[i]; i++)
		for (int row = 0; row < PLOT_GLYPH_H; row++)
			for (int cl = 0; cl < PLOT_GLYPH_W; cl++)
				if (plot_glyph_pixel(s[i], cl, row)) {
					int px = x + row * SCALE,
					    py = y0 - (int)i * CHAR_W - cl * SCALE;
					fill_rect(c, px, py - SCALE + 1, px + SCALE - 1, py, col);
				}
}

/* Write the canvas as an 8-bit RGB PNG, atomically. */
static int write_png(const char *path, const canvas *c)
{
	strata_atomic_file f;
	png_structp png = NULL;
	png_infop info = NULL;
	int rc = strata_atomic_open(&f, path, 0644);

	if (rc)
		return rc;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		png_destroy_write_struct(&png, &info);
		strata_atomic_abort(&f);
		return strata_error_set(STRATA_ENOMEM, "%s: libpng could not start", path);
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		strata_atomic_abort(&f);
		return strata_error_set(STRATA_EIO, "%s: libpng failed to write the image", path);
	}
	png_init_io(png, f.fp);
	png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB,
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < c->h; y++)
		png_write_row(png, c->px + (size_t)y * (size_t)c->w * 3);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return strata_atomic_commit(&f);
}

/* Make the parent directory of path, then write. */
static int save(const char *path, const canvas *c)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int rc;

	if (slash && slash != path && (size_t)(slash - path) < sizeof dir) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if ((rc = strata_mkdir_p(dir, 0755)))
			return rc;
	}
	return write_png(path, c);
}

/* ------------------------------------------------------------------ axes -- */

typedef struct axis {
	double lo, hi;
	int log;
	double p0, p1; /* pixels of lo and hi */
} axis;

static double axis_px(const axis *a, double v)
{
	double t = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
	                  : (v - a->lo) / (a->hi - a->lo);
	return a->p0 + t * (a->p1 - a->p0);
}

/* The data value at pixel p (inverse of axis_px). */
static double axis_value(const axis *a, double p)
{
	double t = (p - a->p0) / (a->p1 - a->p0);
	return a->log ? pow(10, log10(a->lo) + t * (log10(a->hi) - log10(a->lo)))
	              : a->lo + t * (a->hi - a->lo);
}

static int usable(double v, int log)
{
	return isfinite(v) && (!log || v > 0);
}

/* Widen [*lo, *hi] (NaN when no data) into a range an axis can show. */
static void finish_range(double *lo, double *hi, int log)
{
	if (isnan(*lo)) {
		*lo = log ? 1 : 0;
		*hi = log ? 10 : 1;
	} else if (*lo == *hi) {
		double d = log ? 2 : (*lo ? fabs(*lo) * 0.1 : 1);
		*lo = log ? *lo / d : *lo - d;
		*hi = log ? *hi * d : *hi + d;
	} else if (log) {
		double pad = pow(10, 0.03 * (log10(*hi) - log10(*lo)));
		*lo /= pad;
		*hi *= pad;
	} else {
		double pad = 0.05 * (*hi - *lo);
		*lo -= pad;
		*hi += pad;
	}
}

/* Major ticks of a linear axis: 1, 2 or 5 times a power of ten, about 6. */
static size_t linear_ticks(double lo, double hi, double *t, size_t max)
{
	double raw = (hi - lo) / 6, mag = pow(10, floor(log10(raw))), step = mag;
	size_t n = 0;

	if (!(raw > 0) || !isfinite(raw))
		return 0;
	if (raw / mag > 5)
		step = 10 * mag;
	else if (raw / mag > 2)
		step = 5 * mag;
	else if (raw / mag > 1)
		step = 2 * mag;
	double first = ceil(lo / step);
	for (int k = 0; k < MAX_TICKS && n < max; k++) {
		double v = (first + k) * step;
		if (v > hi + step * 1e-9)
			break;
		t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
	}
	return n;
}

/* Decades (major) and 2..9 multiples (minor) within a log axis. */
static void log_ticks(double lo, double hi, double *major, size_t *nmajor, double *minor,
                      size_t *nminor)
{
	*nmajor = *nminor = 0;
	int k0 = (int)floor(log10(lo)), k1 = (int)ceil(log10(hi));
	for (int k = k0; k <= k1 && *nminor < MAX_TICKS; k++)
		for (int m = 1; m <= 9; m++) {
			double v = m * pow(10, k);
			if (v < lo || v > hi)
				continue;
			if (m == 1 && *nmajor < MAX_TICKS)
				major[(*nmajor)++] = v;
			else if (*nminor < MAX_TICKS)
				minor[(*nminor)++] = v;
		}
}

static void tick_label(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%g", v);
}

/* The major and minor tick values of an axis. */
typedef struct axis_ticks {
	double major[MAX_TICKS], minor[MAX_TICKS];
	size_t nmajor, nminor;
} axis_ticks;

static void ticks_of(const axis *a, axis_ticks *t)
{
	t->nmajor = t->nminor = 0;
	if (a->log)
		log_ticks(a->lo, a->hi, t->major, &t->nmajor, t->minor, &t->nminor);
	else
		t->nmajor = linear_ticks(a->lo, a->hi, t->major, MAX_TICKS);
}

/* Whether minor tick v gets a label: 2 and 5 when fewer than two decades show. */
static int minor_labelled(const axis_ticks *t, double v)
{
	double m = v / pow(10, floor(log10(v) + 1e-9));

	return t->nmajor < 2 && (fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6);
}

/* Ticks, grid and labels of a horizontal (bottom) axis over [top, bottom]. */
static void draw_x_axis(canvas *c, const axis *a, int top, int bottom, int grid)
{
	axis_ticks t;
	char label[64];

	ticks_of(a, &t);
	for (size_t i = 0; i < t.nminor; i++) {
		int x = (int)lround(axis_px(a, t.minor[i]));
		draw_line(c, x, bottom, x, bottom + 4, black, 1);
		if (minor_labelled(&t, t.minor[i])) {
			tick_label(t.minor[i], label, sizeof label);
			draw_text(c, x, bottom + 12, label, 0, black);
		}
	}
	for (size_t i = 0; i < t.nmajor; i++) {
		int x = (int)lround(axis_px(a, t.major[i]));
		if (grid)
			draw_line(c, x, top + 1, x, bottom - 1, grid_grey, 1);
		draw_line(c, x, bottom, x, bottom + 8, black, 2);
		tick_label(t.major[i], label, sizeof label);
		draw_text(c, x, bottom + 12, label, 0, black);
	}
}

/* Ticks, grid and labels of a vertical (left) axis over [left, right]. */
static void draw_y_axis(canvas *c, const axis *a, int left, int right, int grid)
{
	axis_ticks t;
	char label[64];

	ticks_of(a, &t);
	for (size_t i = 0; i < t.nminor; i++) {
		int y = (int)lround(axis_px(a, t.minor[i]));
		draw_line(c, left - 4, y, left, y, black, 1);
		if (minor_labelled(&t, t.minor[i])) {
			tick_label(t.minor[i], label, sizeof label);
			draw_text(c, left - 12, y - CHAR_H / 2, label, 1, black);
		}
	}
	for (size_t i = 0; i < t.nmajor; i++) {
		int y = (int)lround(axis_px(a, t.major[i]));
		if (grid)
			draw_line(c, left + 1, y, right - 1, y, grid_grey, 1);
		draw_line(c, left - 8, y, left, y, black, 2);
		tick_label(t.major[i], label, sizeof label);
		draw_text(c, left - 12, y - CHAR_H / 2, label, 1, black);
	}
}

static void draw_frame(canvas *c, int left, int top, int right, int bottom)
{
	draw_line(c, left, top, right, top, black, 2);
	draw_line(c, left, bottom, right, bottom, black, 2);
	draw_line(c, left, top, left, bottom, black, 2);
	draw_line(c, right, top, right, bottom, black, 2);
}

/* Title above, x label below, y label rotated on the left. */
static void draw_labels(canvas *c, const char *title, const char *xlabel, const char *ylabel,
                        int left, int right, int bottom, int xlabel_gap)
{
	if (title)
		draw_text(c, (left + right) / 2, 18, title, 0, black);
	if (xlabel)
		draw_text(c, (left + right) / 2, bottom + xlabel_gap, xlabel, 0, black);
	if (ylabel)
		draw_text_up(c, 12, (60 + bottom) / 2, ylabel, black);
}

/* ------------------------------------------------------------ line chart -- */

/* The range of the usable values of one coordinate over all series. */
static void series_range(const strata_line_chart *ch, int want_x, double *lo, double *hi)
{
	*lo = *hi = NAN;
	for (size_t s = 0; s < ch->nseries; s++)
		for (size_t i = 0; i < ch->series[s].n; i++) {
			double x = ch->series[s].x[i], y = ch->series[s].y[i];
			double v = want_x ? x : y;
			if (!usable(x, ch->logx) || !usable(y, ch->logy))
				continue;
			if (isnan(*lo) || v < *lo)
				*lo = v;
			if (isnan(*hi) || v > *hi)
				*hi = v;
		}
}

static void draw_series(canvas *c, const strata_plot_series *s, const axis *ax, const axis *ay,
                        rgb col)
{
	int have = 0;
	double px = 0, py = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!usable(s->x[i], ax->log) || !usable(s->y[i], ay->log)) {
			have = 0;
			continue;
		}
		double x = axis_px(ax, s->x[i]), y = axis_px(ay, s->y[i]);
		if (have)
			draw_line(c, px, py, x, y, col, 2);
		else
			put(c, (int)lround(x), (int)lround(y), col);
		px = x;
		py = y;
		have = 1;
	}
}

static void draw_legend(canvas *c, const strata_line_chart *ch, int right, int top)
{
	int width = 0, rows = 0;

	for (size_t s = 0; s < ch->nseries; s++)
		if (ch->series[s].label) {
			int w = text_width(ch->series[s].label);
			width = w > width ? w : width;
			rows++;
		}
	if (!rows)
		return;
	int x0 = right - width - 60, y0 = top + 10, row_h = CHAR_H + 8;
	fill_rect(c, x0, y0, right - 10, y0 + rows * row_h + 6, white);
	draw_frame(c, x0, y0, right - 10, y0 + rows * row_h + 6);
	int r = 0;
	for (size_t s = 0; s < ch->nseries; s++) {
		if (!ch->series[s].label)
			continue;
		int y = y0 + 8 + r * row_h;
		draw_line(c, x0 + 8, y + CHAR_H / 2.0, x0 + 36, y + CHAR_H / 2.0,
		          series_colours[s % 10], 3);
		draw_text(c, x0 + 44, y, ch->series[s].label, -1, black);
		r++;
	}
}

int strata_plot_line_png(const char *path, const strata_line_chart *ch)
{
	canvas c = {0, 0, NULL};
	int w = ch->width ? ch->width : 960, h = ch->height ? ch->height : 640;
	int rc = canvas_init(&c, w, h);
	int left = 120, right = w - 30, top = 50, bottom = h - 80;
	axis ax = {0, 0, ch->logx, left, right}, ay = {0, 0, ch->logy, bottom, top};

	if (rc)
		return rc;
	series_range(ch, 1, &ax.lo, &ax.hi);
	series_range(ch, 0, &ay.lo, &ay.hi);
	finish_range(&ax.lo, &ax.hi, ax.log);
	finish_range(&ay.lo, &ay.hi, ay.log);
	draw_x_axis(&c, &ax, top, bottom, 1);
	draw_y_axis(&c, &ay, left, right, 1);
	for (size_t s = 0; s < ch->nseries; s++)
		draw_series(&c, &ch->series[s], &ax, &ay, series_colours[s % 10]);
	/* Clear what the thick lines drew outside the plot area. */
	fill_rect(&c, left + 1, 0, right - 1, top - 1, white);
	fill_rect(&c, right + 1, top, w - 1, bottom, white);
	draw_x_axis(&c, &ax, top, bottom, 0);
	draw_frame(&c, left, top, right, bottom);
	if (ch->legend)
		draw_legend(&c, ch, right, top);
	draw_labels(&c, ch->title, ch->xlabel, ch->ylabel, left, right, bottom, 44);
	rc = save(path, &c);
	free(c.px);
	return rc;
}

/* --------------------------------------------------------------- heatmap -- */

void strata_plot_viridis(double t, unsigned char out[3])
{
	/* matplotlib's viridis sampled at i/9, interpolated linearly. */
	static const unsigned char v[10][3] = {
	    {0x44, 0x01, 0x54}, {0x48, 0x28, 0x78}, {0x3e, 0x4a, 0x89}, {0x31, 0x68, 0x8e},
	    {0x26, 0x82, 0x8e}, {0x1f, 0x9e, 0x89}, {0x35, 0xb7, 0x79}, {0x6d, 0xcd, 0x59},
	    {0xb4, 0xde, 0x2c}, {0xfd, 0xe7, 0x25}};
	double p = (isnan(t) ? 0 : fmin(1, fmax(0, t))) * 9;
	int i = p >= 9 ? 8 : (int)p;
	double f = p - i;

	for (int k = 0; k < 3; k++)
		out[k] = (unsigned char)lround(v[i][k] + f * (v[i + 1][k] - v[i][k]));
}

/* Cell edges around n centres (log: geometric midpoints); edges[n + 1]. */
static void cell_edges(const double *c, size_t n, int log, double one_cell, double *e)
{
	for (size_t i = 1; i < n; i++)
		e[i] = log ? sqrt(c[i - 1] * c[i]) : (c[i - 1] + c[i]) / 2;
	if (n == 1) {
		e[0] = log ? c[0] / 1.1 : c[0] - one_cell / 2;
		e[1] = log ? c[0] * 1.1 : c[0] + one_cell / 2;
		return;
	}
	e[0] = log ? c[0] * c[0] / e[1] : 2 * c[0] - e[1];
	e[n] = log ? c[n - 1] * c[n - 1] / e[n - 1] : 2 * c[n - 1] - e[n - 1];
}

/* Index of the cell of v between edges e[0..n], or n when outside. */
static size_t find_cell(const double *e, size_t n, double v)
{
	size_t lo = 0, hi = n;

	if (!(v >= e[0] && v <= e[n]))
		return n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (v < e[mid])
			hi = mid;
		else
			lo = mid;
	}
	return lo;
}

/* Tick step for a time axis of span ns: a round unit giving at most 7 ticks. */
static double time_step(double span)
{
	static const double hours[] = {1, 2, 3, 6, 12, 24, 48, 96, 168, 336, 720, 1440, 2880, 8760};
	for (size_t i = 0; i < sizeof hours / sizeof hours[0]; i++)
		if (span / (hours[i] * 3600e9) <= 7)
			return hours[i] * 3600e9;
	return ceil(span / 7 / (8760 * 3600e9)) * 8760 * 3600e9;
}

static void draw_time_axis(canvas *c, const axis *a, int bottom)
{
	double step = time_step(a->hi - a->lo);

	double first = ceil(a->lo / step);
	for (int k = 0; k < MAX_TICKS && (first + k) * step <= a->hi; k++) {
		double v = (first + k) * step;
		int x = (int)lround(axis_px(a, v));
		strata_civil cv;
		char day[32], hm[16];
		strata_time_to_civil((strata_time)v, &cv);
		snprintf(day, sizeof day, "%04d-%02d-%02d", cv.year, cv.month, cv.day);
		snprintf(hm, sizeof hm, "%02d:%02d", cv.hour, cv.minute);
		draw_line(c, x, bottom, x, bottom + 8, black, 2);
		draw_text(c, x, bottom + 12, day, 0, black);
		draw_text(c, x, bottom + 16 + CHAR_H, hm, 0, black);
	}
}

/* The colour range: given limits, else the finite values' range. */
static void colour_range(const strata_heatmap *hm, double *lo, double *hi)
{
	double dlo = NAN, dhi = NAN;

	for (size_t i = 0; i < hm->nx * hm->ny; i++)
		if (isfinite(hm->z[i])) {
			dlo = isnan(dlo) || hm->z[i] < dlo ? hm->z[i] : dlo;
			dhi = isnan(dhi) || hm->z[i] > dhi ? hm->z[i] : dhi;
		}
	*lo = isnan(hm->vmin) ? dlo : hm->vmin;
	*hi = isnan(hm->vmax) ? dhi : hm->vmax;
	if (isnan(*lo) || isnan(*hi)) {
		*lo = 0;
		*hi = 1;
	} else if (!(*hi > *lo)) {
		*lo -= 1;
		*hi += 1;
	}
}

/* Paint every pixel of the plot area with the colour of its cell. */
static void paint_cells(canvas *c, const strata_heatmap *hm, const axis *ax, const axis *ay,
                        const double *ex, const double *ey, double lo, double hi)
{
	for (int py = (int)ay->p1; py <= (int)ay->p0; py++) {
		size_t iy = find_cell(ey, hm->ny, axis_value(ay, py + 0.5));
		for (int px = (int)ax->p0; px <= (int)ax->p1; px++) {
			size_t ix = find_cell(ex, hm->nx, axis_value(ax, px + 0.5));
			rgb col = white;
			if (ix < hm->nx && iy < hm->ny) {
				double z = hm->z[ix * hm->ny + iy];
				unsigned char v[3];
				strata_plot_viridis((z - lo) / (hi - lo), v);
				col = isfinite(z) ? (rgb){v[0], v[1], v[2]} : nan_grey;
			}
			put(c, px, py, col);
		}
	}
}

static void draw_colour_bar(canvas *c, const strata_heatmap *hm, int x0, int top, int bottom,
                            double lo, double hi)
{
	axis a = {lo, hi, 0, bottom, top};
	double t[MAX_TICKS];
	size_t n = linear_ticks(lo, hi, t, MAX_TICKS);
	char label[64];

	for (int y = top; y <= bottom; y++) {
		unsigned char v[3];
		strata_plot_viridis((double)(bottom - y) / (bottom - top), v);
		draw_line(c, x0, y, x0 + 20, y, (rgb){v[0], v[1], v[2]}, 1);
	}
	draw_frame(c, x0, top, x0 + 20, bottom);
	for (size_t i = 0; i < n; i++) {
		int y = (int)lround(axis_px(&a, t[i]));
		draw_line(c, x0 + 20, y, x0 + 26, y, black, 2);
		tick_label(t[i], label, sizeof label);
		draw_text(c, x0 + 30, y - CHAR_H / 2, label, -1, black);
	}
	if (hm->cbar_label)
		draw_text_up(c, c->w - 24, (top + bottom) / 2, hm->cbar_label, black);
}

/* The y axis range: the outer cell edges. */
static int heatmap_axes(const strata_heatmap *hm, double *ex, double *ey, axis *ax, axis *ay)
{
	cell_edges(hm->x, hm->nx, 0, hm->x_is_time ? 1800e9 : 1, ex);
	cell_edges(hm->y, hm->ny, hm->logy, 1, ey);
	ax->lo = ex[0];
	ax->hi = ex[hm->nx];
	ay->lo = ey[0];
	ay->hi = ey[hm->ny];
	if (!isfinite(ax->lo) || !isfinite(ax->hi) || !(ax->hi > ax->lo) || !isfinite(ay->lo) ||
	    !isfinite(ay->hi) || !(ay->hi > ay->lo) || (hm->logy && !(ay->lo > 0)))
		return strata_error_set(STRATA_EINVAL, "plot: heatmap coordinates not increasing "
		                                       "(or not positive on a log axis)");
	return 0;
}

int strata_plot_heatmap_png(const char *path, const strata_heatmap *hm)
{
	canvas c = {0, 0, NULL};
	int w = hm->width ? hm->width : 1040, h = hm->height ? hm->height : 640;
	int left = 120, right = w - 170, top = 50, bottom = h - 100;
	axis ax = {0, 0, 0, left, right}, ay = {0, 0, hm->logy, bottom, top};
	double *ex = NULL, *ey = NULL, lo, hi;
	int rc;

	if (!hm->nx || !hm->ny)
		return strata_error_set(STRATA_EINVAL, "plot: empty heatmap");
	ex = malloc((hm->nx + 1) * sizeof *ex);
	ey = malloc((hm->ny + 1) * sizeof *ey);
	if (!ex || !ey) {
		free(ex);
		free(ey);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	rc = heatmap_axes(hm, ex, ey, &ax, &ay);
	if (!rc)
		rc = canvas_init(&c, w, h);
	if (!rc) {
		colour_range(hm, &lo, &hi);
		paint_cells(&c, hm, &ax, &ay, ex, ey, lo, hi);
		if (hm->x_is_time)
			draw_time_axis(&c, &ax, bottom);
		else
			draw_x_axis(&c, &ax, top, bottom, 0);
		draw_y_axis(&c, &ay, left, right, 0);
		draw_frame(&c, left, top, right, bottom);
		draw_colour_bar(&c, hm, right + 30, top, bottom, lo, hi);
		draw_labels(&c, hm->title, hm->xlabel, hm->ylabel, left, right, bottom,
		            hm->x_is_time ? 60 : 44);
		rc = save(path, &c);
	}
	free(c.px);
	free(ex);
	free(ey);
	return rc;
}
