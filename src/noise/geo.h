/*
 * geo.h - great-circle distance and azimuths between two stations, as Noiz
 * computes them for component pairs.
 *
 * Noiz (processing/component_pair.py, _calculate_distance_backazimuth) uses
 * a sphere of radius 6371 km and the IRIS distaz naming: for station A and
 * point B, "backazimuth" is the direction from A towards B and "azimuth" the
 * direction from B towards A, both in degrees clockwise from north in
 * [0, 360). An inter-station pair is kept in the east-to-west order: A east
 * of B (or, at equal longitude, A north of B), so its backazimuth is >= 180.
 */
#ifndef STRATA_NOISE_GEO_H
#define STRATA_NOISE_GEO_H

#define NOISE_EARTH_RADIUS_KM 6371.0

typedef struct noise_distaz {
	double distance_m;  /* great-circle distance, metres */
	double arcdistance; /* degrees of arc */
	double azimuth;     /* degrees, from B towards A */
	double backazimuth; /* degrees, from A towards B */
} noise_distaz;

/* Distance and azimuths from A (lat_a, lon_a) to B, in degrees. Returns 0,
 * or STRATA_EINVAL when the points coincide or a value is not finite (the
 * azimuths are undefined). */
int noise_distaz_compute(double lat_a, double lon_a, double lat_b, double lon_b, noise_distaz *out);

/* Whether A lies east of B (at equal longitude: north of B), Noiz's order. */
int noise_is_east_to_west(double lat_a, double lon_a, double lat_b, double lon_b);

#endif
