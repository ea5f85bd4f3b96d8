/*
 * complex.h - <complex.h> plus CMPLX where the C library leaves it out:
 * glibc defines CMPLX only for gcc >= 4.7, so clang builds (the fuzz
 * targets) need this fallback.
 */
#ifndef STRATA_NOISE_COMPLEX_H
#define STRATA_NOISE_COMPLEX_H

#include <complex.h>

#ifndef CMPLX
#define CMPLX(x, y) ((double)(x) + I * (double)(y))
#endif

#endif
