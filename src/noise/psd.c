/* psd.c - Noiz's PSD of a datachunk (see psd.h and docs/noise-psd.md). */
#include "noise/psd.h"

#include <complex.h>
#include <fftw3.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise/dsp.h"
#include "strata/error.h"
#include "strata/npy.h"

/* Limits that keep hostile parameter sets from asking for absurd work. */
#define PSD_MAX_SAMPLES ((size_t)1 << 28)
#define PSD_MAX_WINDOWS ((size_t)1 << 22)
#define PSD_MAX_FREQS   ((size_t)1 << 24)

/* ------------------------------------------------------------ parameters -- */

/* A number field of obj into *v; absent leaves *v. */
static int json_number(const json_t *obj, const char *key, int required, double *v)
{
	const json_t *j = json_object_get(obj, key);

	if (!j || json_is_null(j)) {
		if (required)
			return strata_error_set(STRATA_ESCHEMA, "PPSDParams: %s is required", key);
		return 0;
	}
	if (!json_is_number(j))
		return strata_error_set(STRATA_ESCHEMA, "PPSDParams: %s must be a number", key);
	*v = json_number_value(j);
	if (!isfinite(*v))
		return strata_error_set(STRATA_ESCHEMA, "PPSDParams: %s must be finite", key);
	return 0;
}

/* A flag: a JSON boolean or the strings "True"/"False" Noiz's files use. */
static int json_flag(const json_t *obj, const char *key, int *v)
{
	const json_t *j = json_object_get(obj, key);

	if (!j || json_is_null(j))
		return 0;
	if (json_is_boolean(j))
		*v = json_is_true(j);
	else if (json_is_string(j) && !strcmp(json_string_value(j), "True"))
		*v = 1;
	else if (json_is_string(j) && !strcmp(json_string_value(j), "False"))
		*v = 0;
	else
		return strata_error_set(STRATA_ESCHEMA, "PPSDParams: %s must be true or false",
		                        key);
	return 0;
}

/* taper_type and taper_max_percentage (Noiz: a percentage needs a type). */
static int parse_taper(const json_t *obj, noise_psd_params *p)
{
	const json_t *t = json_object_get(obj, "taper_type");
	int rc = json_number(obj, "taper_max_percentage", 0, &p->taper_max_percentage);

	if (rc)
		return rc;
	if (!t || json_is_null(t)) {
		if (p->taper_max_percentage >= 0)
			return strata_error_set(
			    STRATA_ESCHEMA, "PPSDParams: taper_max_percentage needs taper_type");
		return 0;
	}
	if (!json_is_string(t))
		return strata_error_set(STRATA_ESCHEMA, "PPSDParams: taper_type must be a string");
	p->taper = 1;
	if (!strcmp(json_string_value(t), "hann"))
		p->taper_type = DSP_TAPER_HANN;
	else if (!strcmp(json_string_value(t), "cosine"))
		p->taper_type = DSP_TAPER_COSINE;
	else
		return strata_error_set(STRATA_EUNSUPPORTED,
		                        "PPSDParams: taper_type %s not supported (hann, cosine)",
		                        json_string_value(t));
	return 0;
}

/* Noiz's PPSDParams constructor checks, plus positive lengths. */
static int check_params(const noise_psd_params *p)
{
	if (!(p->segment_length > 0) || !(p->segment_step > 0))
		return strata_error_set(STRATA_ESCHEMA,
		                        "PPSDParams: segment_length and segment_step must be > 0");
	if (!(p->rejected_windows_quantile >= 0 && p->rejected_windows_quantile <= 1))
		return strata_error_set(STRATA_ESCHEMA,
		                        "PPSDParams: rejected_windows_quantile must be in [0, 1]");
	if (!p->resample)
		return 0;
	if (isnan(p->resampled_start) || isnan(p->resampled_stop) || isnan(p->resampled_step))
		return strata_error_set(STRATA_ESCHEMA,
		                        "PPSDParams: resample needs "
		                        "resampled_frequency_start, _stop and _step");
	if (p->resampled_start < p->freq_min || p->resampled_stop > p->freq_max)
		return strata_error_set(STRATA_ESCHEMA,
		                        "PPSDParams: the resampled frequencies must "
		                        "lie within [freq_min, freq_max]");
	if (!(p->resampled_step > 0))
		return strata_error_set(STRATA_ESCHEMA,
		                        "PPSDParams: resampled_frequency_step must be > 0");
	return 0;
}

int noise_psd_params_parse(const char *ppsd_json, noise_psd_params *p)
{
	json_error_t err;
	json_t *obj = json_loads(ppsd_json ? ppsd_json : "", 0, &err);
	double dc = 0;
	int rc = 0;

	memset(p, 0, sizeof *p);
	p->taper_max_percentage = -1;
	p->resampled_start = p->resampled_stop = p->resampled_step = NAN;
	p->rejected_windows_quantile = 0.1;
	p->save_compressed = 1;
	if (!json_is_object(obj)) {
		json_decref(obj);
		return strata_error_set(STRATA_EPARSE, "PPSDParams: not a JSON object");
	}
	rc = json_number(obj, "datachunk_params_id", 1, &dc);
	if (rc || (rc = json_number(obj, "segment_length", 1, &p->segment_length)) ||
	    (rc = json_number(obj, "segment_step", 1, &p->segment_step)) ||
	    (rc = json_number(obj, "freq_min", 1, &p->freq_min)) ||
	    (rc = json_number(obj, "freq_max", 1, &p->freq_max)) || (rc = parse_taper(obj, p)) ||
	    (rc = json_flag(obj, "resample", &p->resample)) ||
	    (rc = json_number(obj, "resampled_frequency_start", 0, &p->resampled_start)) ||
	    (rc = json_number(obj, "resampled_frequency_stop", 0, &p->resampled_stop)) ||
	    (rc = json_number(obj, "resampled_frequency_step", 0, &p->resampled_step)) ||
	    (rc =
	         json_number(obj, "rejected_windows_quantile", 0, &p->rejected_windows_quantile)) ||
	    (rc = json_flag(obj, "save_all_windows", &p->save_all_windows)) ||
	    (rc = json_flag(obj, "save_compressed", &p->save_compressed))) {
		json_decref(obj);
		return rc;
	}
	json_decref(obj);
	p->datachunk_params_number = (long long)dc;
	return check_params(p);
}

int noise_psd_sampling_rate(const char *datachunk_json, double *fs)
{
	json_error_t err;
	json_t *obj = json_loads(datachunk_json ? datachunk_json : "", 0, &err);
	const json_t *j = json_object_get(obj, "sampling_rate");
	int rc = 0;

	if (!json_is_number(j) || !(json_number_value(j) > 0) || !isfinite(json_number_value(j)))
		rc = strata_error_set(STRATA_ESCHEMA,
		                      "DatachunkParams: sampling_rate missing or not positive");
	else
		*fs = json_number_value(j);
	json_decref(obj);
	return rc;
}

/* ------------------------------------------------------------------ plan -- */

/* numpy.arange(start, stop, step) of doubles: n = ceil((stop-start)/step),
 * a[i] = start + i * ((start + step) - start) (numpy's fill). */
static size_t np_arange(double start, double stop, double step, double *out, size_t max)
{
	double len = ceil((stop - start) / step), d = (start + step) - start;
	size_t n = len > 0 ? (len < (double)SIZE_MAX ? (size_t)len : SIZE_MAX) : 0;

	for (size_t i = 0; out && i < n && i < max; i++)
		out[i] = i == 0 ? start : i == 1 ? start + step : start + (double)i * d;
	return n;
}

/* Kept FFT bins: scipy.fft.fftfreq(N, 1/fs) in [freq_min, freq_max], in
 * index order (negative frequencies map to their mirrored r2c bin). */
static int plan_bins(noise_psd_plan *pl)
{
	size_t n = pl->nsamples, npos = (n - 1) / 2 + 1;
	double val = 1.0 / ((double)n * (1.0 / pl->p.sampling_rate));

	pl->bins = calloc(n, sizeof *pl->bins);
	pl->bin_freqs = calloc(n, sizeof *pl->bin_freqs);
	if (!pl->bins || !pl->bin_freqs)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t k = 0; k < n; k++) {
		double f = k < npos ? (double)k * val : -(double)(n - k) * val;
		if (f >= pl->p.freq_min && f <= pl->p.freq_max) {
			pl->bins[pl->nbins] = k < npos ? k : n - k;
			pl->bin_freqs[pl->nbins++] = f;
		}
	}
	if (!pl->nbins)
		return strata_error_set(
		    STRATA_ESCHEMA,
		    "PPSDParams: no FFT frequency of a %zu-sample window lies in "
		    "[%g, %g] Hz",
		    n, pl->p.freq_min, pl->p.freq_max);
	return 0;
}

/* The resampled grid and, for each of its frequencies, the bin below it
 * (scipy interp1d: searchsorted left, clipped to [1, nbins-1], minus one). */
static int plan_grid(noise_psd_plan *pl)
{
	const noise_psd_params *p = &pl->p;
	size_t n = np_arange(p->resampled_start, p->resampled_stop, p->resampled_step, NULL, 0);

	if (n > PSD_MAX_FREQS)
		return strata_error_set(STRATA_ELIMIT,
		                        "PPSDParams: resampled grid of %zu frequencies", n);
	pl->nfreqs = n;
	pl->freqs = calloc(n ? n : 1, sizeof *pl->freqs);
	pl->interp_lo = calloc(n ? n : 1, sizeof *pl->interp_lo);
	if (!pl->freqs || !pl->interp_lo)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	np_arange(p->resampled_start, p->resampled_stop, p->resampled_step, pl->freqs, n);
	if (pl->nbins < 2)
		return strata_error_set(STRATA_ESCHEMA,
		                        "PPSDParams: interpolation needs two FFT bins");
	for (size_t i = 0; i < n; i++) {
		double f = pl->freqs[i];
		size_t lo = 0, hi = pl->nbins;
		if (f < pl->bin_freqs[0] || f > pl->bin_freqs[pl->nbins - 1])
			return strata_error_set(
			    STRATA_ESCHEMA,
			    "PPSDParams: resampled frequency %.17g Hz outside the FFT "
			    "frequencies [%.17g, %.17g] Hz (interp1d would refuse it)",
			    f, pl->bin_freqs[0], pl->bin_freqs[pl->nbins - 1]);
		while (lo < hi) { /* first bin with frequency >= f */
			size_t mid = lo + (hi - lo) / 2;
			if (pl->bin_freqs[mid] < f)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < 1)
			lo = 1;
		if (lo > pl->nbins - 1)
			lo = pl->nbins - 1;
		pl->interp_lo[i] = lo - 1;
	}
	return 0;
}

int noise_psd_plan_init(const noise_psd_params *p, noise_psd_plan *pl)
{
	double nsamp = p->sampling_rate * p->segment_length;
	int rc;

	memset(pl, 0, sizeof *pl);
	pl->p = *p;
	if (!(p->sampling_rate > 0) || !(nsamp >= 2) || nsamp > (double)PSD_MAX_SAMPLES)
		return strata_error_set(
		    STRATA_ESCHEMA, "PPSDParams: %g s windows at %g Hz give no usable sample count",
		    p->segment_length, p->sampling_rate);
	pl->nsamples = (size_t)nsamp;
	if ((rc = plan_bins(pl)) || (p->resample && (rc = plan_grid(pl)))) {
		noise_psd_plan_free(pl);
		return rc;
	}
	if (!p->resample) {
		pl->nfreqs = pl->nbins;
		pl->freqs = pl->bin_freqs;
	}
	double *in = fftw_malloc(pl->nsamples * sizeof(double));
	fftw_complex *out = fftw_malloc((pl->nsamples / 2 + 1) * sizeof(fftw_complex));
	dsp_fftw_lock(); /* FFTW's planner is shared with the datachunk code */
	if (in && out)
		pl->fftw_plan = fftw_plan_dft_r2c_1d((int)pl->nsamples, in, out, FFTW_ESTIMATE);
	dsp_fftw_unlock();
	fftw_free(in);
	fftw_free(out);
	if (!pl->fftw_plan) {
		noise_psd_plan_free(pl);
		return strata_error_set(STRATA_ENOMEM, "PSD: FFTW plan of %zu samples failed",
		                        (size_t)nsamp);
	}
	return 0;
}

void noise_psd_plan_free(noise_psd_plan *pl)
{
	dsp_fftw_lock();
	if (pl->fftw_plan)
		fftw_destroy_plan(pl->fftw_plan);
	dsp_fftw_unlock();
	if (pl->freqs != pl->bin_freqs)
		free(pl->freqs);
	free(pl->bins);
	free(pl->bin_freqs);
	free(pl->interp_lo);
	memset(pl, 0, sizeof *pl);
}

/* --------------------------------------------------- ObsPy's arithmetic -- */

/* Python's int(round(x)): to nearest, ties to even. */
static int64_t py_round(double x)
{
	return (int64_t)nearbyint(x);
}

/* Python's round(x, digits) for floats: correctly rounded via its decimal
 * string, as CPython does it. */
static double py_round_digits(double x, int digits)
{
	char s[512];

	if (!isfinite(x) || fabs(x) > 1e300)
		return x;
	snprintf(s, sizeof s, "%.*f", digits, x);
	return strtod(s, NULL);
}

/* UTCDateTime difference a - b in seconds: round((a_ns - b_ns) / 1e9, 6). */
static double utc_diff(int64_t a_ns, int64_t b_ns)
{
	return py_round_digits((double)(a_ns - b_ns) / 1e9, 6);
}

/* A trace being trimmed as ObsPy's Trace._ltrim/_rtrim(nearest_sample=False) do. */
typedef struct trimmed {
	int64_t start_ns;
	size_t first, npts;
	double fs, dt;
} trimmed;

static int64_t trimmed_end(const trimmed *t)
{
	return t->start_ns + (t->npts ? py_round((double)(t->npts - 1) * t->dt * 1e9) : 0);
}

static void ltrim(trimmed *t, int64_t s_ns)
{
	double d = -floor(py_round_digits(utc_diff(t->start_ns, s_ns) * t->fs, 7));

	if (!(d > 0))
		return;
	t->start_ns += py_round(d * t->dt * 1e9);
	if (s_ns > trimmed_end(t) || d >= (double)t->npts) {
		t->npts = 0;
		return;
	}
	t->first += (size_t)d;
	t->npts -= (size_t)d;
}

static void rtrim(trimmed *t, int64_t e_ns)
{
	double d = floor(py_round_digits(utc_diff(e_ns, trimmed_end(t)) * t->fs, 7));
	double total;

	if (!(d < 0))
		return;
	if (e_ns < t->start_ns) {
		t->npts = 0;
		return;
	}
	total = (double)t->npts + d;
	if (e_ns == t->start_ns)
		total = 1;
	if (total < 0) /* data[:total] with a negative total counts from the end */
		total = fmax(0.0, (double)t->npts + total);
	t->npts = (size_t)fmin(total, (double)t->npts);
}

int noise_psd_windows(strata_time start, double fs, size_t n, double length, double step,
                      noise_psd_window *w, size_t max, size_t *count)
{
	*count = 0;
	if (!(fs > 0) || !(length > 0) || !(step > 0) || !n)
		return 0;
	double dt = 1.0 / fs;
	int64_t end_ns = start + py_round((double)(n - 1) * dt * 1e9);
	double t0 = (double)start / 1e9, te = (double)end_ns / 1e9;
	size_t nstarts = np_arange(t0, te - 0.001 * step, step, NULL, 0);
	double d = (t0 + step) - t0;

	if (nstarts > PSD_MAX_WINDOWS)
		return strata_error_set(STRATA_ELIMIT, "PSD: %zu windows in one chunk", nstarts);
	for (size_t i = 0; i < nstarts; i++) {
		double s = i == 0 ? t0 : i == 1 ? t0 + step : t0 + (double)i * d;
		double e = fmin(s + length, te);
		if (!(fabs(e - s) > 0.999 * length))
			continue; /* a partial window */
		trimmed t = {start, 0, n, fs, dt};
		ltrim(&t, py_round(s * 1e9));
		rtrim(&t, py_round(e * 1e9));
		if (w && *count < max)
			w[*count] = (noise_psd_window){t.first, t.npts, t.start_ns};
		(*count)++;
	}
	return 0;
}

/* ------------------------------------------------------------- compute -- */

/* numpy's _lerp(a, b, t). */
static double np_lerp(double a, double b, double t)
{
	double d = b - a;
	return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* numpy.nanquantile(v[0..n-1] sorted, q), method 'linear'; NaN when empty. */
static double np_quantile(const double *v, size_t n, double q)
{
	if (!n)
		return NAN;
	double vi = (double)(n - 1) * q, prev = floor(vi);
	if (vi >= (double)(n - 1))
		return v[n - 1];
	if (vi < 0)
		return v[0];
	return np_lerp(v[(size_t)prev], v[(size_t)prev + 1], vi - prev);
}

/* Amplitudes |FFT| of the window at the plan's bins (interpolated onto the
 * resampled grid), turned into P = 2 dt^2 / T |FFT|^2 in row. */
static void window_power(const noise_psd_plan *pl, const fftw_complex *spec, double *amp,
                         double *row)
{
	const noise_psd_params *p = &pl->p;
	double c = 2 * pow(1 / p->sampling_rate, 2) * (1 / p->segment_length);

	for (size_t k = 0; k < pl->nbins; k++)
		amp[k] = hypot(creal(spec[pl->bins[k]]), cimag(spec[pl->bins[k]]));
	if (p->resample)
		for (size_t i = 0; i < pl->nfreqs; i++) {
			size_t lo = pl->interp_lo[i];
			double xl = pl->bin_freqs[lo], xh = pl->bin_freqs[lo + 1];
			double slope = (amp[lo + 1] - amp[lo]) / (xh - xl);
			double a = slope * (pl->freqs[i] - xl) + amp[lo];
			row[i] = c * (a * a);
		}
	else
		for (size_t k = 0; k < pl->nbins; k++)
			row[k] = c * (amp[k] * amp[k]);
}

/* Keep the windows whose energy lies strictly between the quantiles. */
static int select_windows(const noise_psd_plan *pl, noise_psd_result *r)
{
	double *sorted = malloc((r->ncomputed ? r->ncomputed : 1) * sizeof *sorted);
	size_t m = 0;

	if (!sorted)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->ncomputed; i++)
		if (!isnan(r->energy[i]))
			sorted[m++] = r->energy[i];
	qsort(sorted, m, sizeof *sorted, cmp_double);
	double q = pl->p.rejected_windows_quantile;
	double hi = np_quantile(sorted, m, 1 - q), lo = np_quantile(sorted, m, q);
	free(sorted);
	for (size_t i = 0; i < r->ncomputed; i++) {
		r->kept[i] = r->energy[i] < hi && r->energy[i] > lo;
		r->nkept += r->kept[i];
	}
	return 0;
}

/* numpy.nanmean / nanstd (ddof 0) over the kept rows, per frequency. */
static void mean_std(noise_psd_result *r)
{
	for (size_t j = 0; j < r->nfreqs; j++) {
		double sum = 0, sq = 0;
		size_t cnt = 0;
		for (size_t i = 0; i < r->ncomputed; i++) {
			double v = r->all_windows[i * r->nfreqs + j];
			if (r->kept[i] && !isnan(v)) {
				sum += v;
				cnt++;
			}
		}
		double mean = cnt ? sum / (double)cnt : NAN;
		for (size_t i = 0; cnt && i < r->ncomputed; i++) {
			double v = r->all_windows[i * r->nfreqs + j];
			if (r->kept[i] && !isnan(v))
				sq += (v - mean) * (v - mean);
		}
		r->mean[j] = mean;
		r->std[j] = cnt ? sqrt(sq / (double)cnt) : NAN;
	}
}

/* Allocate the result arrays for ncomputed windows. */
static int result_alloc(noise_psd_result *r, size_t ncomputed, size_t nfreqs)
{
	size_t rows = ncomputed ? ncomputed : 1;

	r->nfreqs = nfreqs;
	r->all_windows = calloc(rows * nfreqs, sizeof(double));
	r->energy = calloc(rows, sizeof(double));
	r->kept = calloc(rows, 1);
	r->window_start = malloc(rows * sizeof(int64_t));
	r->midtimes = malloc(rows * sizeof(int64_t));
	r->mean = malloc(nfreqs * sizeof(double));
	r->std = malloc(nfreqs * sizeof(double));
	if (!r->all_windows || !r->energy || !r->kept || !r->window_start || !r->midtimes ||
	    !r->mean || !r->std)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	return 0;
}

/* Window start rounded to the microsecond (UTCDateTime.datetime, ties to
 * even) plus half the step (pandas Timedelta / 2), in ns. */
static int64_t window_midtime(int64_t start_ns, double step)
{
	int64_t q = start_ns / 1000, rem = start_ns % 1000;

	if (rem < 0) {
		q--;
		rem += 1000;
	}
	if (rem > 500 || (rem == 500 && (q & 1)))
		q++;
	return q * 1000 + py_round(step * 1e9) / 2;
}

/* Fourier transform and power of every window of the expected length. */
static int compute_windows(const noise_psd_plan *pl, const double *x, const noise_psd_window *w,
                           size_t nw, noise_psd_result *r)
{
	size_t n = pl->nsamples;
	double *in = fftw_malloc(n * sizeof(double)), *amp = malloc(pl->nbins * sizeof(double));
	fftw_complex *spec = fftw_malloc((n / 2 + 1) * sizeof(fftw_complex));
	int rc = 0;

	if (!in || !amp || !spec) {
		fftw_free(in);
		fftw_free(spec);
		free(amp);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	for (size_t i = 0; !rc && i < nw; i++) {
		if (w[i].npts != n && w[i].npts != n + 1)
			continue; /* Noiz skips windows of any other length */
		memcpy(in, x + w[i].first, n * sizeof(double));
		if (pl->p.taper)
			rc = dsp_taper(in, n, pl->p.sampling_rate, pl->p.taper_max_percentage, -1,
			               pl->p.taper_type, DSP_SIDE_BOTH);
		if (rc)
			break;
		fftw_execute_dft_r2c(pl->fftw_plan, in, spec);
		double *row = r->all_windows + r->ncomputed * r->nfreqs, e = 0;
		window_power(pl, spec, amp, row);
		for (size_t j = 0; j < r->nfreqs; j++)
			if (!isnan(row[j]))
				e += row[j];
		r->energy[r->ncomputed] = e;
		r->window_start[r->ncomputed] = w[i].start_ns;
		r->midtimes[r->ncomputed] = window_midtime(w[i].start_ns, pl->p.segment_step);
		r->ncomputed++;
	}
	fftw_free(in);
	fftw_free(spec);
	free(amp);
	return rc;
}

int noise_psd_compute(const noise_psd_plan *pl, strata_time start, double fs, const double *x,
                      size_t n, noise_psd_result *out)
{
	noise_psd_window *w = NULL;
	size_t nw = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (fabs(fs - pl->p.sampling_rate) > 1e-9 * pl->p.sampling_rate)
		return strata_error_set(
		    STRATA_EINVAL,
		    "chunk sampled at %.9g Hz, the PPSDParams' datachunks at %.9g Hz", fs,
		    pl->p.sampling_rate);
	if ((rc = noise_psd_windows(start, fs, n, pl->p.segment_length, pl->p.segment_step, NULL, 0,
	                            &nw)))
		return rc;
	if (!(w = calloc(nw ? nw : 1, sizeof *w)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	noise_psd_windows(start, fs, n, pl->p.segment_length, pl->p.segment_step, w, nw, &nw);
	out->nwindows = nw;
	rc = result_alloc(out, nw, pl->nfreqs);
	if (!rc)
		rc = compute_windows(pl, x, w, nw, out);
	free(w);
	if (!rc && !out->ncomputed)
		rc = strata_error_set(
		    STRATA_ENOTFOUND,
		    "no %g s window of %zu samples fits in the chunk (%zu samples)",
		    pl->p.segment_length, pl->nsamples, n);
	if (!rc)
		rc = select_windows(pl, out);
	if (!rc)
		mean_std(out);
	if (rc)
		noise_psd_result_free(out);
	return rc;
}

void noise_psd_result_free(noise_psd_result *r)
{
	free(r->all_windows);
	free(r->energy);
	free(r->kept);
	free(r->window_start);
	free(r->midtimes);
	free(r->mean);
	free(r->std);
	memset(r, 0, sizeof *r);
}

int noise_psd_write_npz(const char *path, const noise_psd_plan *pl, const noise_psd_result *r)
{
	strata_npy_array a[4] = {
	    {"fft_mean", STRATA_NPY_F8, 1, {r->nfreqs}, r->mean},
	    {"fft_std", STRATA_NPY_F8, 1, {r->nfreqs}, r->std},
	    {"all_windows", STRATA_NPY_F8, 2, {r->ncomputed, r->nfreqs}, r->all_windows},
	    {"window_midtimes", STRATA_NPY_DATETIME_NS, 1, {r->ncomputed}, r->midtimes},
	};

	return strata_npz_write(path, a, pl->p.save_all_windows ? 4 : 2, pl->p.save_compressed);
}
