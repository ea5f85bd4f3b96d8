/*
 * version.h - strata's version and the versions of the libraries it runs with.
 */
#ifndef STRATA_VERSION_H
#define STRATA_VERSION_H

#include "strata/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

const char *strata_version(void);

/* Append "name version" lines for each Debian library linked at run time. */
int strata_library_versions(strata_buf *out);

#ifdef __cplusplus
}
#endif
#endif
