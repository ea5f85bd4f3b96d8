/*
 * psd.h - power spectral densities of datachunks, the way Noiz computes them
 * (noiz/processing/ppsd.py; its own periodogram, not McNamara's PPSD).
 *
 * A datachunk is cut into windows of segment_length seconds stepping by
 * segment_step (ObsPy's Trace.slide without partial windows, with its exact
 * sample arithmetic); a window of int(fs * segment_length) + 1 samples loses
 * its last sample, one of any other length than int(fs * segment_length) is
 * skipped. Each window is optionally tapered (Trace.taper), Fourier
 * transformed, and its amplitude |FFT| kept at the frequencies in
 * [freq_min, freq_max] (optionally interpolated linearly onto the grid
 * arange(resampled_frequency_start, _stop, _step)); the power is
 * P = 2 dt^2 / T |FFT|^2. Windows whose energy (sum of P) is strictly
 * between the q and 1-q quantiles (numpy's linear quantiles,
 * q = rejected_windows_quantile) are kept; fft_mean and fft_std are the
 * mean and population standard deviation of the kept windows.
 * docs/noise-psd.md has the details and where strata differs from Noiz.
 */
#ifndef STRATA_NOISE_PSD_H
#define STRATA_NOISE_PSD_H

#include <stddef.h>
#include <stdint.h>

#include "noise/dsp.h"
#include "strata/time.h"

/* Noiz's PPSDParams, with the sampling rate of its DatachunkParams. */
typedef struct noise_psd_params {
	long long datachunk_params_number;   /* Noiz's datachunk_params_id */
	double segment_length, segment_step; /* s */
	double freq_min, freq_max;           /* Hz */
	int taper;                           /* taper_type given */
	enum dsp_taper_type taper_type;
	double taper_max_percentage; /* < 0: not given */
	int resample;
	double resampled_start, resampled_stop, resampled_step; /* Hz */
	double rejected_windows_quantile;
	int save_all_windows, save_compressed;
	double sampling_rate; /* Hz, DatachunkParams.sampling_rate */
} noise_psd_params;

/* Parse a PPSDParams param_set JSON; sampling_rate stays 0 (set it from the
 * DatachunkParams, e.g. with noise_psd_sampling_rate). Checks Noiz's rules
 * (resampled_* all given, inside [freq_min, freq_max], taper type known). */
int noise_psd_params_parse(const char *ppsd_json, noise_psd_params *p);

/* The sampling_rate of a DatachunkParams param_set JSON. */
int noise_psd_sampling_rate(const char *datachunk_json, double *fs);

/* What every chunk shares: frequencies, FFT bins, the FFTW plan. Made once
 * in one thread; then read-only and usable from any number of threads. */
typedef struct noise_psd_plan {
	noise_psd_params p;
	size_t nsamples;   /* samples per window: int(fs * segment_length) */
	size_t nbins;      /* FFT bins kept: fftfreq in [freq_min, freq_max] */
	size_t *bins;      /* r2c index of each kept bin */
	double *bin_freqs; /* their frequencies (Noiz's expected_fft_freq) */
	size_t nfreqs;     /* output frequencies */
	double *freqs;     /* bin_freqs, or the resampled grid */
	size_t *interp_lo; /* resample: index of the bin below each output frequency */
	void *fftw_plan;   /* fftw_plan of nsamples, r2c, planned on fftw_malloc'd arrays */
} noise_psd_plan;

int noise_psd_plan_init(const noise_psd_params *p, noise_psd_plan *plan);
void noise_psd_plan_free(noise_psd_plan *plan);

/* The PSD of one chunk. */
typedef struct noise_psd_result {
	size_t nwindows;  /* windows Trace.slide gives (Noiz's windows_count) */
	size_t ncomputed; /* of them, windows of the expected length */
	size_t nkept;     /* windows kept by the energy quantiles */
	size_t nfreqs;
	double *all_windows;   /* ncomputed x nfreqs, P of each computed window */
	double *energy;        /* ncomputed */
	unsigned char *kept;   /* ncomputed: 1 when kept */
	int64_t *window_start; /* ncomputed: first sample of each window, ns */
	int64_t *midtimes;     /* ncomputed: start (to the microsecond) + step/2, ns */
	double *mean, *std;    /* nfreqs: fft_mean, fft_std (NaN when none kept) */
} noise_psd_result;

/*
 * Compute the PSD of x[0..n-1] sampled at fs from start (ns, first sample).
 * fs must equal the plan's sampling rate. STRATA_ENOTFOUND when no window
 * of the expected length fits in the chunk.
 */
int noise_psd_compute(const noise_psd_plan *plan, strata_time start, double fs, const double *x,
                      size_t n, noise_psd_result *out);
void noise_psd_result_free(noise_psd_result *r);

/* Write r as Noiz's npz: fft_mean, fft_std and, with save_all_windows,
 * all_windows and window_midtimes (datetime64[ns]); deflated when
 * save_compressed (Noiz's default). */
int noise_psd_write_npz(const char *path, const noise_psd_plan *plan, const noise_psd_result *r);

/* Windows of Trace.slide(L, step, nearest_sample=False): for a trace of n
 * samples from start, the first sample, sample count and start (ns) of
 * each window, at most max of them; *count gets how many there are. */
typedef struct noise_psd_window {
	size_t first, npts;
	int64_t start_ns;
} noise_psd_window;
int noise_psd_windows(strata_time start, double fs, size_t n, double length, double step,
                      noise_psd_window *w, size_t max, size_t *count);

#endif
