/*
 * datachunk.h - Noiz's datachunk computation: one component's raw samples
 * over one timespan sliced, merged, padded, detrended, resampled, tapered,
 * band-passed and corrected for the instrument response
 * (noiz/processing/datachunk.py). docs/noise-datachunks.md gives the exact
 * processing sequence and where it differs from Noiz.
 */
#ifndef STRATA_NOISE_DATACHUNK_H
#define STRATA_NOISE_DATACHUNK_H

#include <complex.h>
#include <pthread.h>
#include <stddef.h>

#include "noise/dsp.h"
#include "strata/time.h"

/* One contiguous run of raw samples; start = first sample, ns UTC. */
typedef struct noise_raw_segment {
	strata_time start;
	double fs;
	const double *x;
	size_t n;
} noise_raw_segment;

/* A prepared datachunk; start keeps the raw data's sub-sample offset, x malloc'd. */
typedef struct noise_datachunk {
	strata_time start;
	double fs;
	double *x;
	size_t n;
	size_t padded_npts; /* samples added by padding (Noiz's padded_npts) */
} noise_datachunk;

/* Noiz's ZeroPaddingMethod. */
enum noise_padding_method {
	NOISE_PADDING_INTERPOLATED,  /* "interpolated": fill by linear interpolation */
	NOISE_PADDING_PADDED,        /* "padded": fill with zeros */
	NOISE_PADDING_TAPERED_PADDED /* "tapered_padded": taper each piece, then zeros */
};

/* Every field of Noiz's DatachunkParams (models/processing_params.py). */
typedef struct noise_datachunk_params {
	double sampling_rate;                       /* Hz of the output chunk */
	double prefiltering_low, prefiltering_high; /* Hz, Butterworth band-pass corners */
	int prefiltering_order;
	enum dsp_taper_type preprocessing_taper_type;
	enum dsp_taper_side preprocessing_taper_side;
	double preprocessing_taper_max_length;     /* s */
	double preprocessing_taper_max_percentage; /* fraction of the trace */
	int remove_response;                       /* remove the full response (velocity) */
	int has_response_constant_coefficient;     /* response_constant_coefficient given */
	double response_constant_coefficient;      /* divide by this instead (0: by sensitivity) */
	double datachunk_sample_tolerance;         /* fraction of missing samples tolerated */
	int max_gap_for_merging;                   /* samples; Noiz's default 10 */
	enum noise_padding_method zero_padding_method;
	enum dsp_taper_type padding_taper_type;
	double padding_taper_max_length;     /* s */
	double padding_taper_max_percentage; /* as in the parameter file */
} noise_datachunk_params;

/*
 * Fill p from a DatachunkParams param_set.params_json (Noiz's defaults for
 * the missing keys); refuses the ambiguous response_constant_coefficient case.
 */
int noise_datachunk_params_parse(const char *params_json, noise_datachunk_params *p);

/*
 * Prepare the datachunk of timespan [ts_start, ts_end] from segs (sorted by
 * start, every segment of the component that overlaps the window, possibly
 * from two day files). resp/resp_ctx evaluate the instrument response in
 * velocity (unused when the params don't remove the response).
 * STRATA_ENOTFOUND with a message saying why when the data do not make a
 * chunk (nothing in the window, too few samples against
 * datachunk_sample_tolerance, gaps too long to merge); other negative codes
 * are errors.
 */
int noise_datachunk_prepare(const noise_datachunk_params *p, strata_time ts_start,
                            strata_time ts_end, const noise_raw_segment *segs, size_t nsegs,
                            dsp_response_fn resp, void *resp_ctx, noise_datachunk *out);

/*
 * The same, with the instrument sensitivity (StationXML InstrumentSensitivity
 * value) that response_constant_coefficient = 0 divides by, as ObsPy's
 * remove_sensitivity; noise_datachunk_prepare passes NAN (such params then fail).
 */
int noise_datachunk_prepare_sens(const noise_datachunk_params *p, strata_time ts_start,
                                 strata_time ts_end, const noise_raw_segment *segs, size_t nsegs,
                                 dsp_response_fn resp, void *resp_ctx, double sensitivity,
                                 noise_datachunk *out);

/*
 * A response function memoized on the last frequency grid asked for: every
 * chunk of a component asks for the same grid, and evaluating a StationXML
 * response with FIR stages costs more than the rest of the chunk. Safe to
 * share between threads; pass noise_response_cached with the cache as ctx.
 */
typedef struct noise_response_cache {
	dsp_response_fn fn;
	void *ctx;
	pthread_mutex_t lock;
	double *freqs;
	double complex *h;
	size_t n;
} noise_response_cache;

int noise_response_cache_init(noise_response_cache *c, dsp_response_fn fn, void *ctx);
int noise_response_cached(void *cache, const double *freqs, size_t n, double complex *h);
void noise_response_cache_free(noise_response_cache *c);

/* Free c->x and zero c. */
void noise_datachunk_free(noise_datachunk *c);

#endif
