/* plot_internal.h - what plot.c and plot_font.c share. */
#ifndef STRATA_PLOT_INTERNAL_H
#define STRATA_PLOT_INTERNAL_H

#define PLOT_GLYPH_W 5
#define PLOT_GLYPH_H 7

/* Whether pixel (col, row) of the glyph of c is lit ('?' for unknown c). */
int plot_glyph_pixel(char c, int col, int row);

#endif
