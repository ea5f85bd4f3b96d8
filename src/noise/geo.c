/*
 * geo.c - spherical distance and azimuths, Noiz's definitions.
 */
#include "noise/geo.h"

#include <math.h>

#include "strata/error.h"

static double deg2rad(double d)
{
	return d * (M_PI / 180.0);
}

static double rad2deg(double r)
{
	return r * (180.0 / M_PI);
}

static double clip1(double v)
{
	return v < -1.0 ? -1.0 : (v > 1.0 ? 1.0 : v);
}

/* Azimuth (radians, [0, 2pi)) at a point from its sine and cosine, resolved
 * as Noiz does: asin(sin), mirrored when cos < 0. */
static double azimuth_from(double sin_az, double cos_az)
{
	double az = asin(clip1(sin_az));

	if (cos_az < 0.0)
		az = M_PI - az;
	az = fmod(az, 2.0 * M_PI);
	if (az < 0.0)
		az += 2.0 * M_PI;
	return az;
}

int noise_distaz_compute(double lat_a, double lon_a, double lat_b, double lon_b, noise_distaz *out)
{
	double la = deg2rad(lat_a), oa = deg2rad(lon_a);
	double lb = deg2rad(lat_b), ob = deg2rad(lon_b);
	double arc, cosa, sina, cosb, sinb;

	if (!isfinite(lat_a) || !isfinite(lon_a) || !isfinite(lat_b) || !isfinite(lon_b))
		return strata_error_set(STRATA_EINVAL, "distance: coordinates not finite");
	if (lat_a == lat_b && lon_a == lon_b)
		return strata_error_set(STRATA_EINVAL, "distance: the two points coincide");
	arc = acos(sin(lb) * sin(la) + cos(lb) * cos(la) * cos(ob - oa));
	if (!isfinite(arc) || arc == 0.0)
		return strata_error_set(STRATA_EINVAL, "distance: the two points coincide");
	cosa = (sin(lb) - sin(la) * cos(arc)) / (cos(la) * sin(arc));
	sina = cos(lb) * sin(ob - oa) / sin(arc);
	sina = clip1(sina);
	cosb = (sin(la) - sin(lb) * cos(arc)) / (cos(lb) * sin(arc));
	sinb = -cos(la) * sina / cos(lb);
	out->backazimuth = rad2deg(azimuth_from(sina, cosa));
	out->azimuth = rad2deg(azimuth_from(sinb, cosb));
	out->arcdistance = rad2deg(arc);
	out->distance_m = arc * NOISE_EARTH_RADIUS_KM * 1000.0;
	return 0;
}

int noise_is_east_to_west(double lat_a, double lon_a, double lat_b, double lon_b)
{
	if (lon_a == lon_b)
		return lat_a > lat_b;
	return lon_a > lon_b;
}
