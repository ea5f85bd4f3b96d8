/*
 * dsp.h - ObsPy 1.4 signal processing transcribed to C: trace taper, Butterworth
 * IIR filters (iirfilter -> zpk2sos -> sosfilt, zero-phase as forward + reversed
 * pass), Fourier resampling and instrument-response removal. docs/noise-dsp.md
 * gives each function's exact definition.
 */
#ifndef STRATA_NOISE_DSP_H
#define STRATA_NOISE_DSP_H

#include <stddef.h>

#include "noise/complex.h"

enum dsp_taper_type { DSP_TAPER_HANN, DSP_TAPER_COSINE };
enum dsp_taper_side { DSP_SIDE_BOTH, DSP_SIDE_LEFT, DSP_SIDE_RIGHT };

/* obspy.signal.invsim.cosine_taper(npts, p, halfcosine=..) into w[npts]. */
int dsp_cosine_taper(size_t npts, double p, int halfcosine, double *w);

/*
 * Trace.taper(max_percentage, type, max_length, side): half-length
 * min(int(p*N), int(L*fs), N/2); max_percentage or max_length < 0 = not given.
 */
int dsp_taper(double *x, size_t n, double fs, double max_percentage, double max_length,
              enum dsp_taper_type type, enum dsp_taper_side side);

/* Second-order sections (b0 b1 b2 a0 a1 a2 each), as scipy's sos arrays. */
struct dsp_sos {
	size_t n;
	double (*s)[6];
};

/* scipy iirfilter(N, Wn, btype, ftype='butter', output='sos'), Wn normalised to Nyquist. */
int dsp_butter_lowpass(int order, double wn, struct dsp_sos *sos);
int dsp_butter_highpass(int order, double wn, struct dsp_sos *sos);
int dsp_butter_bandpass(int order, double wn_low, double wn_high, struct dsp_sos *sos);
void dsp_sos_free(struct dsp_sos *sos);

/* scipy cheb2ord(wp, ws, gpass, gstop) for a digital low-pass (wp < ws). */
int dsp_cheb2ord(double wp, double ws, double gpass, double gstop, int *order, double *wn);

/* scipy cheby2(order, rs, wn, btype='low', output='sos'), wn normalised to Nyquist. */
int dsp_cheby2_lowpass(int order, double rs, double wn, struct dsp_sos *sos);

/*
 * obspy.signal.filter.lowpass_cheby_2(data, freq, df, maxorder): rp 1 dB,
 * rs 96 dB, the pass band lowered by 1 % until cheb2ord's order <= maxorder;
 * causal. *passband (may be NULL) gets the final pass-band edge in Hz.
 */
int dsp_lowpass_cheby_2(double *x, size_t n, double fs, double freq, int maxorder,
                        double *passband);

/* scipy.signal.sosfilt with zero initial state, in place. */
void dsp_sosfilt(const struct dsp_sos *sos, double *x, size_t n);

/* obspy.signal.filter.lowpass/highpass/bandpass(data, freq(s), df, corners, zerophase). */
int dsp_lowpass(double *x, size_t n, double fs, double freq, int corners, int zerophase);
int dsp_highpass(double *x, size_t n, double fs, double freq, int corners, int zerophase);
int dsp_bandpass(double *x, size_t n, double fs, double fmin, double fmax, int corners,
                 int zerophase);

/*
 * Trace.resample(fs_out, window='hann', no_filter=True): *out (malloc'd) gets
 * int(n / (fs_in / fs_out)) samples.
 */
int dsp_resample(const double *x, size_t n, double fs_in, double fs_out, double **out,
                 size_t *n_out);

/*
 * dsp_resample computing only the first min(keep, its length) samples (keep 0:
 * all of them), which costs less when the output length has a large prime
 * factor (Bluestein's algorithm instead of FFTW's generic one).
 */
int dsp_resample_keep(const double *x, size_t n, double fs_in, double fs_out, size_t keep,
                      double **out, size_t *n_out);

/*
 * Noiz's resampling: zero-pad to the next power of two, then with antialias
 * Trace.resample's no_filter=False step (lowpass_cheby_2 at fs_in/2/factor,
 * maxorder 12; factors above 16 refused), resample, keep int(n*fs_out/fs_in).
 */
int dsp_resample_padded(const double *x, size_t n, double fs_in, double fs_out, int antialias,
                        double **out, size_t *n_out);

/*
 * The lock under which FFTW plans are made and destroyed (FFTW's planner is
 * not thread-safe): code planning its own transforms must hold it too.
 */
void dsp_fftw_lock(void);
void dsp_fftw_unlock(void);

/* obspy.signal.util._npts2nfft(npts) (smart=True). */
size_t dsp_npts2nfft(size_t npts);

/* Evaluates the response at n frequencies (all > 0) into h; 0 or STRATA_E*. */
typedef int (*dsp_response_fn)(void *ctx, const double *freqs, size_t n, double complex *h);

/*
 * Trace.remove_response(water_level, pre_filt=None, zero_mean=True, taper,
 * taper_fraction) with the response given by eval (in the output units).
 */
int dsp_remove_response(double *x, size_t n, double fs, dsp_response_fn eval, void *ctx,
                        double water_level_db, int taper, double taper_fraction);

#endif
