/*
 * stationxml.h - FDSN StationXML inventories (Network/Station/Channel and
 * full instrument responses), parsed with libxml2.
 *
 * Parsing never fetches from the network and never expands entities. Errors
 * are STRATA_EPARSE / STRATA_ESCHEMA / STRATA_ELIMIT with a message naming
 * the file, line and element, e.g. "x.xml:57: Pole/Real: expected a number".
 */
#ifndef STRATA_NOISE_STATIONXML_H
#define STRATA_NOISE_STATIONXML_H

#include <stddef.h>

#include "noise/complex.h"
#include "strata/time.h"

/* Limits on hostile input. */
#define SX_MAX_COEFFS 1000000 /* numerator/denominator/list entries per stage */
#define SX_MAX_POLES  10000   /* poles or zeros per stage */
#define SX_MAX_STAGES 1000
#define SX_MAX_ITEMS  1000000   /* networks, stations or channels per parent */
#define SX_TIME_OPEN  INT64_MAX /* end dates beyond strata_time's range */

enum sx_stage_kind {
	SX_STAGE_GAIN_ONLY,
	SX_STAGE_PZ,
	SX_STAGE_COEFFS,
	SX_STAGE_FIR,
	SX_STAGE_LIST,
	SX_STAGE_UNSUPPORTED /* Polynomial, analog Coefficients: not evaluated */
};
enum sx_pz_type { SX_PZ_LAPLACE_RAD, SX_PZ_LAPLACE_HZ, SX_PZ_DIGITAL };
enum sx_symmetry { SX_SYM_NONE, SX_SYM_EVEN, SX_SYM_ODD };

struct sx_stage {
	int number;
	enum sx_stage_kind kind;
	char input_units[32];
	char output_units[32];
	/* PolesZeros */
	enum sx_pz_type pz_type;
	double norm_factor; /* A0 */
	double norm_freq;   /* Hz */
	size_t nzeros, npoles;
	double complex *zeros, *poles;
	/* Coefficients (num/den) and FIR (num only, symmetry) */
	int digital; /* Coefficients: CfTransferFunctionType DIGITAL */
	enum sx_symmetry symmetry;
	size_t nnum, nden;
	double *num, *den;
	/* ResponseList */
	size_t nlist;
	double *list_freq, *list_amp, *list_phase; /* Hz, amplitude, degrees */
	/* Decimation */
	int has_decimation;
	double input_rate; /* Hz */
	int factor, offset;
	double delay, correction; /* seconds */
	/* StageGain */
	int has_gain;
	double gain, gain_freq;
};

struct sx_response {
	int has_sensitivity;
	double sensitivity, sensitivity_freq;
	char input_units[32];
	char output_units[32];
	size_t nstages;
	struct sx_stage *stages;
};

struct sx_channel {
	char code[16];
	char location[16];
	strata_time start, end; /* end SX_TIME_OPEN when absent or far future */
	double latitude, longitude, elevation, depth, azimuth, dip, sample_rate;
	int has_response;
	struct sx_response response;
};

struct sx_station {
	char code[16];
	strata_time start, end;
	double latitude, longitude, elevation;
	size_t nchannels;
	struct sx_channel *channels;
};

struct sx_network {
	char code[16];
	strata_time start, end;
	size_t nstations;
	struct sx_station *stations;
};

struct sx_inventory {
	size_t nnetworks;
	struct sx_network *networks;
};

/* Parse a StationXML file into inv (zeroed first). On error inv is empty. */
int sx_parse_file(const char *path, struct sx_inventory *inv);

/* Parse from memory; name is used in error messages. */
int sx_parse_memory(const char *data, size_t len, const char *name, struct sx_inventory *inv);

void sx_inventory_free(struct sx_inventory *inv);

/* The channel network.station.location.channel whose epoch covers t
 * (start <= t < end), or NULL. */
const struct sx_channel *sx_find_channel(const struct sx_inventory *inv, const char *network,
                                         const char *station, const char *location,
                                         const char *channel, strata_time t);

#endif
