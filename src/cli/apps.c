/* apps.c - the table of the five apps, as `strata --help` lists them. */
#include "strata/app.h"

#include <stddef.h>

const strata_app strata_apps[] = {
    {"store", "time-series store on Parquet (PyStore)", strata_store_main},
    {"noise", "ambient seismic noise processing (Noiz)", strata_noise_main},
    {"drill", "drilling depth estimation over MQTT", strata_drill_main},
    {"relays", "Tor relay statistics site (Allium)", strata_relays_main},
    {"sky", "radio continuum-imaging catalog and API (DSA-110)", strata_sky_main},
    {NULL, NULL, NULL},
};
