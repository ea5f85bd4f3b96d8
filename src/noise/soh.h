/*
 * soh.h - state of health (SOH) of Nanometrics digitizers, as Noiz reads it.
 *
 * A format is one (station type, SOH type) pair of Noiz's
 * processing/soh/parsing_params.py: which files a directory search takes,
 * how a file is read (CSV columns or miniSEED channels) and how the values
 * become the catalog's quantities:
 *
 *   centaur  miniseed_gpstime     *SOH_*.miniseed   soh_gps        LCE
 *   centaur  miniseed_instrument  *SOH_*.miniseed   soh_instrument VEI VEC VDT
 *   centaur  gpstime              *GPSTime*.csv     soh_gps
 *   centaur  gnsstime             *GNSSTime*.csv    soh_gps
 *   centaur  instrument           *Instrument*.csv  soh_instrument
 *   taurus   gpstime              *GPSTime*.csv     soh_gps
 *   taurus   instrument           *Instrument*.csv  soh_instrument
 *
 * Units in the catalog: soh_gps.time_error and time_uncertainty in
 * microseconds for every source (Noiz labels them "ms" but stores
 * microseconds from CSV files and milliseconds from miniSEED: see
 * docs/noise-soh.md); soh_instrument voltage in V, current in A,
 * temperature in degrees C. A missing value is NaN here and NULL in the
 * catalog.
 */
#ifndef STRATA_NOISE_SOH_H
#define STRATA_NOISE_SOH_H

#include <stddef.h>

#include "noise/stage.h"
#include "strata/db.h"
#include "strata/time.h"

/* The catalog table a format fills. */
typedef enum noise_soh_table { NOISE_SOH_GPS = 1, NOISE_SOH_INSTRUMENT = 2 } noise_soh_table;

typedef struct noise_soh_format noise_soh_format;

/*
 * The format of station_type ("centaur", "taurus") and soh_type
 * ("instrument", "gpstime", "gnsstime", "miniseed_gpstime",
 * "miniseed_instrument"). An unknown name or an unsupported pair is
 * STRATA_EINVAL with a message listing the supported ones; Noiz's
 * "environment" type (parsed by Noiz but never stored) is
 * STRATA_EUNSUPPORTED.
 */
int noise_soh_format_find(const char *station_type, const char *soh_type,
                          const noise_soh_format **out);

/* The file-name pattern add-soh-dir searches for (Noiz's search_regex). */
const char *noise_soh_format_glob(const noise_soh_format *f);
/* The table the format fills. */
noise_soh_table noise_soh_format_table(const noise_soh_format *f);
/* "centaur gnsstime" and the like, for messages. */
const char *noise_soh_format_name(const noise_soh_format *f);

/* One SOH sample: soh_gps (time_error, time_uncertainty, unused) or
 * soh_instrument (voltage, current, temperature); NaN is missing. */
typedef struct noise_soh_sample {
	strata_time t;
	double v[3];
} noise_soh_sample;

typedef struct noise_soh_samples {
	noise_soh_sample *s;
	size_t n, cap;
} noise_soh_samples;

/*
 * Read one file of format f and append its samples to out. From miniSEED
 * only the records of station (and network when not NULL) are taken (NULL:
 * any); CSV files carry no station. A malformed file is an error naming the
 * file, the line and the column (CSV) or the byte offset (miniSEED) and
 * appends nothing. An empty file (or a header alone) appends nothing.
 */
int noise_soh_read_file(const noise_soh_format *f, const char *path, const char *network,
                        const char *station, noise_soh_samples *out);

/* Parse CSV text (name is the file name for messages) as noise_soh_read_file
 * does; f must be a CSV format. */
int noise_soh_parse_csv(const noise_soh_format *f, const char *name, const char *text, size_t len,
                        noise_soh_samples *out);

/* Sort by time, keeping for each time the sample appended last. */
void noise_soh_samples_finish(noise_soh_samples *s);
void noise_soh_samples_free(noise_soh_samples *s);

/*
 * The device id of station (with network, or NULL for any network). An
 * unknown station, or a station in several networks without network, is
 * STRATA_ENOTFOUND / STRATA_EINVAL with a message saying what to do.
 */
int noise_soh_find_device(strata_db *db, const char *network, const char *station,
                          char device_id[37]);

/* Upsert the samples of the device into the format's table (on device and
 * time), batch rows per transaction; *written gets the rows written. */
int noise_soh_write(strata_db *db, const noise_soh_format *f, const char *device_id,
                    const noise_soh_samples *s, size_t batch, size_t *written);

/*
 * Average the GPS SOH of the selected devices over every timespan with
 * start >= sel->start and end <= sel->end (Noiz's average_soh_gps): the
 * samples with timespan start <= t <= timespan end, mean of the non-missing
 * time errors and uncertainties, their count as nsamples. Devices are
 * selected by networks[0..nnetworks) and sel->stations (none: all); a
 * timespan without samples for a device makes no row. Rows are upserted
 * into averaged_soh_gps on (timespan, device). In *summary: selected is
 * timespan x device pairs, done rows written, no_data pairs without samples.
 */
int noise_soh_average_gps(strata_db *db, const noise_selection *sel, const char *const *networks,
                          size_t nnetworks, size_t batch, noise_stage_summary *summary);

#endif
