/*
 * plot.h - small PNG charts without a plotting library: a line chart and a
 * heatmap, drawn on an RGB canvas with a built-in 5x7 bitmap font and
 * written with libpng (atomically: temporary file + rename).
 *
 * Line chart: several series over linear or log-10 axes (decade ticks with
 * minor ticks at 2..9, plain number labels), title, axis labels, legend.
 * Points that are NaN, infinite or not positive on a log axis are left out
 * (the line breaks there). Heatmap: a grid of cells z[ix * ny + iy] with
 * cell centres x[] (seconds or nanoseconds since 1970 for a time axis) and
 * y[] (log-10 or linear), coloured with viridis between vmin and vmax (NaN
 * cells grey), with a labelled colour bar. Both accept constant or all-NaN
 * input and draw an empty or flat chart instead of failing.
 */
#ifndef STRATA_PLOT_H
#define STRATA_PLOT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_plot_series {
	const char *label; /* legend text; NULL for none */
	const double *x, *y;
	size_t n;
} strata_plot_series;

typedef struct strata_line_chart {
	const char *title, *xlabel, *ylabel; /* any may be NULL */
	int logx, logy;
	const strata_plot_series *series;
	size_t nseries;
	int legend;
	int width, height; /* pixels; 0 picks 960 x 640 */
} strata_line_chart;

/* Draw c and write it as a PNG at path. */
int strata_plot_line_png(const char *path, const strata_line_chart *c);

typedef struct strata_heatmap {
	const char *title, *xlabel, *ylabel, *cbar_label; /* any may be NULL */
	size_t nx, ny;
	const double *x; /* nx cell centres, increasing */
	int x_is_time;   /* x are nanoseconds since 1970: date/time tick labels */
	const double *y; /* ny cell centres, increasing */
	int logy;
	const double *z;   /* nx * ny values, z[ix * ny + iy]; NaN = no data */
	double vmin, vmax; /* colour limits; NaN picks the data's range */
	int width, height; /* pixels; 0 picks 1040 x 640 */
} strata_heatmap;

/* Draw h and write it as a PNG at path. */
int strata_plot_heatmap_png(const char *path, const strata_heatmap *h);

/* The viridis colour of t in [0, 1] (clamped) into rgb[3]. */
void strata_plot_viridis(double t, unsigned char rgb[3]);

#ifdef __cplusplus
}
#endif

#endif
