/*
 * datachunk.c - Noiz's datachunk computation (noiz/processing/datachunk.py).
 */
#include "noise/datachunk.h"

#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

int noise_datachunk_params_parse(const char *params_json, noise_datachunk_params *p)
{
	(void)params_json;
	(void)p;
	return strata_error_set(STRATA_EUNSUPPORTED, "datachunk parameters: not implemented yet");
}

int noise_datachunk_prepare(const noise_datachunk_params *p, strata_time ts_start,
                            strata_time ts_end, const noise_raw_segment *segs, size_t nsegs,
                            dsp_response_fn resp, void *resp_ctx, noise_datachunk *out)
{
	(void)p;
	(void)ts_start;
	(void)ts_end;
	(void)segs;
	(void)nsegs;
	(void)resp;
	(void)resp_ctx;
	if (out)
		memset(out, 0, sizeof *out);
	return strata_error_set(STRATA_EUNSUPPORTED, "datachunk: not implemented yet");
}

void noise_datachunk_free(noise_datachunk *c)
{
	if (!c)
		return;
	free(c->x);
	memset(c, 0, sizeof *c);
}
