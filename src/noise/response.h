/*
 * response.h - evaluate a StationXML instrument response (evalresp/ObsPy
 * conventions) at arbitrary frequencies.
 *
 * H(f) = product over stages of (filter response x StageGain), with
 *   PolesZeros LAPLACE (RADIANS/SECOND): A0 * prod(s - z) / prod(s - p), s = 2*pi*i*f
 *   PolesZeros LAPLACE (HERTZ):          the same with s = i*f
 *   PolesZeros DIGITAL (Z-TRANSFORM):    A0 * prod(z - zk) / prod(z - pk), z = exp(2*pi*i*f*T)
 *   Coefficients (DIGITAL), FIR:         sum b_k z^-k / sum a_k z^-k, T = 1/InputSampleRate
 *   ResponseList:                        cubic-spline interpolation of amplitude and
 *                                        unwrapped phase (degrees) between the listed points
 * then converted from the response's input units (M, M/S, M/S**2) to the
 * requested ground-motion units by multiplying with (2*pi*i*f)^(k_in - k_out).
 */
#ifndef STRATA_NOISE_RESPONSE_H
#define STRATA_NOISE_RESPONSE_H

#include <complex.h>
#include <stddef.h>

#include "noise/stationxml.h"

enum resp_units {
	RESP_UNITS_INPUT = -1, /* leave in the response's own input units */
	RESP_UNITS_DIS = 0,    /* displacement, counts per metre */
	RESP_UNITS_VEL = 1,    /* velocity, counts per m/s */
	RESP_UNITS_ACC = 2     /* acceleration, counts per m/s**2 */
};

/* Ground-motion order of a unit name: M -> 0, M/S -> 1, M/S**2 -> 2, else -1. */
int resp_units_order(const char *name);

/*
 * Evaluate the complex response of r at n frequencies (Hz, > 0) into h.
 * Frequencies outside a ResponseList's range, unknown units with a
 * conversion requested, and Polynomial stages are errors.
 */
int resp_evaluate(const struct sx_response *r, const double *freqs, size_t n, enum resp_units units,
                  double complex *h);

/* Amplitude and phase in degrees, (-180, 180], as evalresp prints them. */
void resp_amp_phase(double complex h, double *amp, double *phase_deg);

/*
 * Overall sensitivity: the product of the stage gains (*gain_product) and the
 * evaluated |H| at InstrumentSensitivity/Frequency in the input units
 * (*evaluated). Fails with STRATA_ESCHEMA when r has no sensitivity.
 */
int resp_sensitivity(const struct sx_response *r, double *gain_product, double *evaluated);

#endif
