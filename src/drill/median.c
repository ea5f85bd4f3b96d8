/* median.c - exact medians: selection, and a sliding-window median (see median.h). */
#include "drill/median.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

/* --- median of an array -------------------------------------------------- */

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

static void swap_double(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

/* The median of a[lo], a[mid], a[hi] (a pivot value present in the range). */
static double median_of_three(const double *a, size_t lo, size_t hi)
{
	double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi];

	if (x > y)
		swap_double(&x, &y);
	if (y > z)
		y = z;
	return x > y ? x : y;
}

/*
 * Reorder a[0..n) (no NaN) so that a[k] is the value a sort would put there,
 * with nothing larger before it: Hoare's partition around a value taken from
 * the range, narrowed to the side holding k. After 64 rounds (adversarial
 * input) the remaining range is sorted instead, so the worst case stays
 * O(n log n).
 */
static void select_kth(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	for (int rounds = 0; lo < hi; rounds++) {
		if (rounds == 64) {
			qsort(a + lo, hi - lo + 1, sizeof *a, cmp_double);
			return;
		}
		double pivot = median_of_three(a, lo, hi);
		size_t i = lo, j = hi;
		/* the pivot value lies in [lo, hi], so the scans stop inside the
		 * range before their bounds (kept for the reader and the analyzer) */
		while (i <= j) {
			while (i < hi && a[i] < pivot)
				i++;
			while (j > lo && a[j] > pivot)
				j--;
			if (i <= j) {
				swap_double(&a[i], &a[j]);
				i++;
				if (j-- == 0)
					break;
			}
		}
		/* now a[lo..j] <= pivot <= a[i..hi], and a[j+1..i-1] == pivot */
		if (k <= j && j != (size_t)-1)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

double drill_median(const double *a, size_t n)
{
	double *s = n ? malloc(n * sizeof(*s)) : NULL, m;

	if (s == NULL)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (isnan(a[i])) {
			free(s);
			return NAN;
		}
		s[i] = a[i];
	}
	select_kth(s, n, n / 2);
	m = s[n / 2];
	if (n % 2 == 0) {
		/* the lower middle value: the largest of those before n / 2 */
		double lower = s[0];
		for (size_t i = 1; i < n / 2; i++)
			if (s[i] > lower)
				lower = s[i];
		m = (lower + m) / 2.0;
	}
	free(s);
	return m;
}

/* --- sliding-window median ------------------------------------------------ */

/* A window value and the slot (position in the window, i % w) it came in. */
typedef struct entry {
	double value;
	size_t slot;
} entry;

/* A binary heap of entries: the largest on top (max) or the smallest. */
typedef struct heap {
	entry *e;
	size_t n;
	int max;
} heap;

/*
 * The window: `low` a max-heap of the smaller (w + 1) / 2 values, `high` a
 * min-heap of the larger w / 2, every low value <= every high value. A slot
 * keeps its heap and index, so the value that leaves the window is
 * overwritten in place by the one that enters.
 */
typedef struct window {
	heap low, high;
	size_t *where;       /* where[slot]: index in its heap */
	unsigned char *side; /* side[slot]: 1 in low, 0 in high */
} window;

/* Does a belong above b in h? */
static int above(const heap *h, double a, double b)
{
	return h->max ? a > b : a < b;
}

/* Put entry x at index j of h and record where its slot is. */
static void place(window *m, heap *h, size_t j, entry x)
{
	h->e[j] = x;
	m->where[x.slot] = j;
	m->side[x.slot] = h == &m->low;
}

/* Move the entry at j up or down until h is a heap again. */
static void sift(window *m, heap *h, size_t j)
{
	entry x = h->e[j];

	while (j > 0 && above(h, x.value, h->e[(j - 1) / 2].value)) {
		place(m, h, j, h->e[(j - 1) / 2]);
		j = (j - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * j + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && above(h, h->e[c + 1].value, h->e[c].value))
			c++;
		if (!above(h, h->e[c].value, x.value))
			break;
		place(m, h, j, h->e[c]);
		j = c;
	}
	place(m, h, j, x);
}

/* Overwrite the value of slot with v and restore both heaps and their order:
 * when the tops cross, swapping them suffices (only one value changed). */
static void window_replace(window *m, size_t slot, double v)
{
	heap *h = m->side[slot] ? &m->low : &m->high;

	h->e[m->where[slot]].value = v;
	sift(m, h, m->where[slot]);
	if (m->high.n > 0 && m->low.e[0].value > m->high.e[0].value) {
		entry top_low = m->low.e[0], top_high = m->high.e[0];
		place(m, &m->low, 0, top_high);
		place(m, &m->high, 0, top_low);
		sift(m, &m->low, 0);
		sift(m, &m->high, 0);
	}
}

/* A window of w slots, all holding 0 (equal values are valid heaps). */
static int window_init(window *m, size_t w)
{
	memset(m, 0, sizeof *m);
	m->low.e = malloc(w * sizeof(entry));
	m->where = malloc(w * sizeof(size_t));
	m->side = malloc(w);
	if (!m->low.e || !m->where || !m->side)
		return STRATA_ENOMEM;
	m->low.n = (w + 1) / 2;
	m->low.max = 1;
	m->high.e = m->low.e + m->low.n;
	m->high.n = w / 2;
	for (size_t s = 0; s < w; s++) {
		heap *h = s < m->low.n ? &m->low : &m->high;
		place(m, h, s < m->low.n ? s : s - m->low.n, (entry){0.0, s});
	}
	return 0;
}

static void window_free(window *m)
{
	free(m->low.e);
	free(m->where);
	free(m->side);
}

static double window_median(const window *m)
{
	if (m->low.n > m->high.n)
		return m->low.e[0].value;
	return (m->low.e[0].value + m->high.e[0].value) / 2.0;
}

int drill_rolling_median(const double *a, size_t n, size_t w, double *out)
{
	window m;
	size_t missing = w; /* slots without a finite value; the initial zeros count */

	if (w == 0)
		return strata_error_set(STRATA_EINVAL, "rolling median: window 0");
	if (w > n) {
		for (size_t i = 0; i < n; i++)
			out[i] = NAN;
		return 0;
	}
	if (window_init(&m, w) != 0) {
		window_free(&m);
		return strata_error_set(STRATA_ENOMEM, "rolling median: window %zu", w);
	}
	for (size_t i = 0; i < n; i++) {
		int finite = isfinite(a[i]);
		if (i < w || !isfinite(a[i - w]))
			missing--; /* a slot without a value leaves */
		missing += !finite;
		/* a non-finite value is held as 0: its windows give NaN anyway */
		window_replace(&m, i % w, finite ? a[i] : 0.0);
		out[i] = missing > 0 ? NAN : window_median(&m);
	}
	window_free(&m);
	return 0;
}
