/* sun.c - solar position and the times of the day's sun events.
 *
 * The model follows Meeus, "Astronomical Algorithms" (2nd ed., 1998):
 *   - the Earth's heliocentric coordinates from the VSOP87D theory
 *     (Bretagnon & Francou 1988), truncated as in Meeus' appendix III, which
 *     keeps the Sun within about 1 arcsecond over several centuries (ch. 32);
 *   - the FK5 frame correction, nutation (the short series of ch. 22, good to
 *     0.5"), annual aberration and the true obliquity of the ecliptic (ch. 25);
 *   - Delta-T (TT - UT) from the Espenak & Meeus polynomials, since the
 *     series run on dynamical time while the caller's clock is UT;
 *   - apparent sidereal time (ch. 12) and topocentric parallax (ch. 40).
 * The elevation is geometric (no refraction): refraction is folded into the
 * -0.833 deg altitude of sunrise and sunset instead.
 *
 * Events are found by searching the altitude itself rather than by the
 * classic one-shot hour-angle formula: the day is cut at the sun's highest
 * and lowest points (found near the meridian transits), so that altitude is
 * monotonic between cuts, and each crossing is then bracketed and refined to
 * the millisecond. That keeps polar day and night, near-grazing days and
 * events a minute after midnight right without special cases.
 */
#include "sun.h"

#include <math.h>
#include <string.h>

#include "err.h"

#define DEG	      (M_PI / 180.0)
#define ARCSEC	      (DEG / 3600.0)
#define MS_PER_DAY    86400000.0
#define J2000_UNIX_MS 946728000000.0 /* 2000-01-01 12:00 UT, epoch J2000.0 */
#define COUNT_OF(a)   ((int)(sizeof(a) / sizeof((a)[0])))

/* One periodic term A cos(B + C tau) of VSOP87D, A in 1e-8 rad or au,
 * tau in Julian millennia of TT from J2000.0. */
struct vsop_term {
	double a, b, c;
};

/* clang-format off */
static const struct vsop_term earth_l0[] = {
	{175347046, 0, 0}, {3341656, 4.6692568, 6283.07585}, {34894, 4.6261, 12566.1517},
	{3497, 2.7441, 5753.3849}, {3418, 2.8289, 3.5231}, {3136, 3.6277, 77713.7715},
	{2676, 4.4181, 7860.4194}, {2343, 6.1352, 3930.2097}, {1324, 0.7425, 11506.7698},
	{1273, 2.0371, 529.691}, {1199, 1.1096, 1577.3435}, {990, 5.233, 5884.927},
	{902, 2.045, 26.298}, {857, 3.508, 398.149}, {780, 1.179, 5223.694}, {753, 2.533, 5507.553},
	{505, 4.583, 18849.228}, {492, 4.205, 775.523}, {357, 2.92, 0.067}, {317, 5.849, 11790.629},
	{284, 1.899, 796.298}, {271, 0.315, 10977.079}, {243, 0.345, 5486.778},
	{206, 4.806, 2544.314}, {205, 1.869, 5573.143}, {202, 2.458, 6069.777}, {156, 0.833, 213.299},
	{132, 3.411, 2942.463}, {126, 1.083, 20.775}, {115, 0.645, 0.98}, {103, 0.636, 4694.003},
	{102, 0.976, 15720.839}, {102, 4.267, 7.114}, {99, 6.21, 2146.17}, {98, 0.68, 155.42},
	{86, 5.98, 161000.69}, {85, 1.3, 6275.96}, {85, 3.67, 71430.7}, {80, 1.81, 17260.15},
	{79, 3.04, 12036.46}, {75, 1.76, 5088.63}, {74, 3.5, 3154.69}, {74, 4.68, 801.82},
	{70, 0.83, 9437.76}, {62, 3.98, 8827.39}, {61, 1.82, 7084.9}, {57, 2.78, 6286.6},
	{56, 4.39, 14143.5}, {56, 3.47, 6279.55}, {52, 0.19, 12139.55}, {52, 1.33, 1748.02},
	{51, 0.28, 5856.48}, {49, 0.49, 1194.45}, {41, 5.37, 8429.24}, {41, 2.4, 19651.05},
	{39, 6.17, 10447.39}, {37, 6.04, 10213.29}, {37, 2.57, 1059.38}, {36, 1.71, 2352.87},
	{36, 1.78, 6812.77}, {33, 0.59, 17789.85}, {30, 0.44, 83996.85}, {30, 2.74, 1349.87},
	{25, 3.16, 4690.48}
};
static const struct vsop_term earth_l1[] = {
	{628331966747, 0, 0}, {206059, 2.678235, 6283.07585}, {4303, 2.6351, 12566.1517},
	{425, 1.59, 3.523}, {119, 5.796, 26.298}, {109, 2.966, 1577.344}, {93, 2.59, 18849.23},
	{72, 1.14, 529.69}, {68, 1.87, 398.15}, {67, 4.41, 5507.55}, {59, 2.89, 5223.69},
	{56, 2.17, 155.42}, {45, 0.4, 796.3}, {36, 0.47, 775.52}, {29, 2.65, 7.11}, {21, 5.34, 0.98},
	{19, 1.85, 5486.78}, {19, 4.97, 213.3}, {17, 2.99, 6275.96}, {16, 0.03, 2544.31},
	{16, 1.43, 2146.17}, {15, 1.21, 10977.08}, {12, 2.83, 1748.02}, {12, 3.26, 5088.63},
	{12, 5.27, 1194.45}, {12, 2.08, 4694}, {11, 0.77, 553.57}, {10, 1.3, 6286.6},
	{10, 4.24, 1349.87}, {9, 2.7, 242.73}, {9, 5.64, 951.72}, {8, 5.3, 2352.87},
	{6, 2.65, 9437.76}, {6, 4.67, 4690.48}
};
static const struct vsop_term earth_l2[] = {
	{52919, 0, 0}, {8720, 1.0721, 6283.0758}, {309, 0.867, 12566.152}, {27, 0.05, 3.52},
	{16, 5.19, 26.3}, {16, 3.68, 155.42}, {10, 0.76, 18849.23}, {9, 2.06, 77713.77},
	{7, 0.83, 775.52}, {5, 4.66, 1577.34}, {4, 1.03, 7.11}, {4, 3.44, 5573.14}, {3, 5.14, 796.3},
	{3, 6.05, 5507.55}, {3, 1.19, 242.73}, {3, 6.12, 529.69}, {3, 0.31, 398.15},
	{3, 2.28, 553.57}, {2, 4.38, 5223.69}, {2, 3.75, 0.98}
};
static const struct vsop_term earth_l3[] = {
	{289, 5.844, 6283.076}, {35, 0, 0}, {17, 5.49, 12566.15}, {3, 5.2, 155.42}, {1, 4.72, 3.52},
	{1, 5.3, 18849.23}, {1, 5.97, 242.73}
};
static const struct vsop_term earth_l4[] = {
	{114, 3.142, 0}, {8, 4.13, 6283.08}, {1, 3.84, 12566.15}
};
static const struct vsop_term earth_l5[] = {
	{1, 3.14, 0}
};
static const struct vsop_term earth_b0[] = {
	{280, 3.199, 84334.662}, {102, 5.422, 5507.553}, {80, 3.88, 5223.69}, {44, 3.7, 2352.87},
	{32, 4, 1577.34}
};
static const struct vsop_term earth_b1[] = {
	{9, 3.9, 5507.55}, {6, 1.73, 5223.69}
};
static const struct vsop_term earth_r0[] = {
	{100013989, 0, 0}, {1670700, 3.0984635, 6283.07585}, {13956, 3.05525, 12566.1517},
	{3084, 5.1985, 77713.7715}, {1628, 1.1739, 5753.3849}, {1576, 2.8469, 7860.4194},
	{925, 5.453, 11506.77}, {542, 4.564, 3930.21}, {472, 3.661, 5884.927}, {346, 0.964, 5507.553},
	{329, 5.9, 5223.694}, {307, 0.299, 5573.143}, {243, 4.273, 11790.629}, {212, 5.847, 1577.344},
	{186, 5.022, 10977.079}, {175, 3.012, 18849.228}, {110, 5.055, 5486.778}, {98, 0.89, 6069.78},
	{86, 5.69, 15720.84}, {86, 1.27, 161000.69}, {65, 0.27, 17260.15}, {63, 0.92, 529.69},
	{57, 2.01, 83996.85}, {56, 5.24, 71430.7}, {49, 3.25, 2544.31}, {47, 2.58, 775.52},
	{45, 5.54, 9437.76}, {43, 6.01, 6275.96}, {39, 5.36, 4694}, {38, 2.39, 8827.39},
	{37, 0.83, 19651.05}, {37, 4.9, 12139.55}, {36, 1.67, 12036.46}, {35, 1.84, 2942.46},
	{33, 0.24, 7084.9}, {32, 0.18, 5088.63}, {32, 1.78, 398.15}, {28, 1.21, 6286.6},
	{28, 1.9, 6279.55}, {26, 4.59, 10447.39}
};
static const struct vsop_term earth_r1[] = {
	{103019, 1.10749, 6283.07585}, {1721, 1.0644, 12566.1517}, {702, 3.142, 0},
	{32, 1.02, 18849.23}, {31, 2.84, 5507.55}, {25, 1.32, 5223.69}, {18, 1.42, 1577.34},
	{10, 5.91, 10977.08}, {9, 1.42, 6275.96}, {9, 0.27, 5486.78}
};
static const struct vsop_term earth_r2[] = {
	{4359, 5.7846, 6283.0758}, {124, 5.579, 12566.152}, {12, 3.14, 0}, {9, 3.63, 77713.77},
	{6, 1.87, 5573.14}, {3, 5.47, 18849.23}
};
static const struct vsop_term earth_r3[] = {
	{145, 4.273, 6283.076}, {7, 3.92, 12566.15}
};
static const struct vsop_term earth_r4[] = {
	{4, 2.56, 6283.08}
};

struct vsop_series {
	const struct vsop_term *terms;
	int count;
};

#define SERIES(t) { t, COUNT_OF(t) }
static const struct vsop_series earth_l[] = {
	SERIES(earth_l0), SERIES(earth_l1), SERIES(earth_l2),
	SERIES(earth_l3), SERIES(earth_l4), SERIES(earth_l5),
};
static const struct vsop_series earth_b[] = { SERIES(earth_b0), SERIES(earth_b1) };
static const struct vsop_series earth_r[] = {
	SERIES(earth_r0), SERIES(earth_r1), SERIES(earth_r2), SERIES(earth_r3), SERIES(earth_r4),
};
/* clang-format on */

/* Altitudes of the centre that define the crossings, in degrees. Sunrise
 * and sunset use -50': 34' of standard refraction plus 16' of mean radius,
 * the convention of almanacs (USNO, NOAA) and of sun.h. */
static const struct {
	double altitude;
	enum sun_event rising, setting;
} levels[] = {
    {-50.0 / 60.0, SUN_SUNRISE, SUN_SUNSET},
    {-6.0, SUN_CIVIL_DAWN, SUN_CIVIL_DUSK},
    {-12.0, SUN_NAUTICAL_DAWN, SUN_NAUTICAL_DUSK},
    {-18.0, SUN_ASTRONOMICAL_DAWN, SUN_ASTRONOMICAL_DUSK},
};

static const char *const event_names[SUN_EVENT_COUNT] = {
    [SUN_ASTRONOMICAL_DAWN] = "astronomical_dawn",
    [SUN_NAUTICAL_DAWN] = "nautical_dawn",
    [SUN_CIVIL_DAWN] = "civil_dawn",
    [SUN_SUNRISE] = "sunrise",
    [SUN_SOLAR_NOON] = "solar_noon",
    [SUN_SUNSET] = "sunset",
    [SUN_CIVIL_DUSK] = "civil_dusk",
    [SUN_NAUTICAL_DUSK] = "nautical_dusk",
    [SUN_ASTRONOMICAL_DUSK] = "astronomical_dusk",
};

/* Where the sun is, seen from the centre of the Earth, at one instant. */
struct sun_apparent {
	double ra, dec; /* apparent right ascension and declination, rad */
	double dist_au;
	double gast; /* Greenwich apparent sidereal time, rad */
};

/* An observer on the WGS84 ellipsoid at sea level, with the terms that every
 * evaluation needs worked out once. */
struct site {
	double lon; /* rad, east positive */
	double sin_lat, cos_lat;
	double rho_sin, rho_cos; /* geocentric position in Earth radii (Meeus ch. 11) */
};

static double vsop_sum(const struct vsop_series *series, int count, double tau)
{
	double result = 0.0, power = 1.0;

	for (int k = 0; k < count; k++) {
		double sum = 0.0;

		for (int i = 0; i < series[k].count; i++) {
			const struct vsop_term *t = &series[k].terms[i];
			sum += t->a * cos(t->b + t->c * tau);
		}
		result += sum * power;
		power *= tau;
	}
	return result * 1e-8;
}

/* TT - UT in seconds (Espenak & Meeus, "Five millennium canon of solar
 * eclipses", NASA TP-2006-214141). An error of a minute here moves the sun
 * by only 2.5", so the extrapolation beyond today is harmless. */
static double delta_t_seconds(double year)
{
	double t, u = (year - 1820.0) / 100.0;

	if (year < 1941.0 || year >= 2150.0)
		return -20.0 + 32.0 * u * u;
	if (year < 1961.0) {
		t = year - 1950.0;
		return 29.07 + 0.407 * t - t * t / 233.0 + t * t * t / 2547.0;
	}
	if (year < 1986.0) {
		t = year - 1975.0;
		return 45.45 + 1.067 * t - t * t / 260.0 - t * t * t / 718.0;
	}
	if (year < 2005.0) {
		t = year - 2000.0;
		return 63.86 +
		       t * (0.3345 + t * (-0.060374 +
					  t * (0.0017275 + t * (0.000651814 + t * 0.00002373599))));
	}
	if (year < 2050.0) {
		t = year - 2000.0;
		return 62.92 + 0.32217 * t + 0.005589 * t * t;
	}
	return -20.0 + 32.0 * u * u - 0.5628 * (2150.0 - year);
}

static void sun_apparent_at(double unix_ms, struct sun_apparent *out)
{
	double d_ut = (unix_ms - J2000_UNIX_MS) / MS_PER_DAY;
	double d_tt = d_ut + delta_t_seconds(2000.0 + d_ut / 365.25) / 86400.0;
	double t = d_tt / 36525.0, t_ut = d_ut / 36525.0;
	double tau = t / 10.0;

	/* The series give the Earth seen from the Sun; turn it round. */
	double lon = vsop_sum(earth_l, COUNT_OF(earth_l), tau) + M_PI;
	double lat = -vsop_sum(earth_b, COUNT_OF(earth_b), tau);
	double dist = vsop_sum(earth_r, COUNT_OF(earth_r), tau);

	/* VSOP87's dynamical ecliptic to FK5 (Meeus 32.3). */
	double lon_fk5 = lon - (1.397 * t + 0.00031 * t * t) * DEG;
	lon += -0.09033 * ARCSEC;
	lat += 0.03916 * ARCSEC * (cos(lon_fk5) - sin(lon_fk5));

	double omega = (125.04452 - 1934.136261 * t) * DEG;
	double l_sun = (280.4665 + 36000.7698 * t) * DEG;
	double l_moon = (218.3165 + 481267.8813 * t) * DEG;
	double nut_lon = (-17.20 * sin(omega) - 1.32 * sin(2 * l_sun) - 0.23 * sin(2 * l_moon) +
			  0.21 * sin(2 * omega)) *
			 ARCSEC;
	double nut_obl = (9.20 * cos(omega) + 0.57 * cos(2 * l_sun) + 0.10 * cos(2 * l_moon) -
			  0.09 * cos(2 * omega)) *
			 ARCSEC;
	double eps =
	    (84381.448 + t * (-46.8150 + t * (-0.00059 + t * 0.001813))) * ARCSEC + nut_obl;

	double lambda = lon + nut_lon - 20.4898 * ARCSEC / dist;
	double sin_eps = sin(eps), cos_eps = cos(eps);
	double sin_lambda = sin(lambda);

	out->ra = atan2(sin_lambda * cos_eps - tan(lat) * sin_eps, cos(lambda));
	out->dec = asin(sin(lat) * cos_eps + cos(lat) * sin_eps * sin_lambda);
	out->dist_au = dist;

	double gmst =
	    280.46061837 + 360.98564736629 * d_ut + t_ut * t_ut * (0.000387933 - t_ut / 38710000.0);
	out->gast = fmod(gmst, 360.0) * DEG + nut_lon * cos_eps;
}

static void site_init(struct site *s, double lat_deg, double lon_deg)
{
	const double b_over_a = 1.0 - 1.0 / 298.257223563;
	double lat = lat_deg * DEG;
	double u = atan2(b_over_a * sin(lat), cos(lat));

	s->lon = lon_deg * DEG;
	s->sin_lat = sin(lat);
	s->cos_lat = cos(lat);
	s->rho_sin = b_over_a * sin(u);
	s->rho_cos = cos(u);
}

static double wrap_pi(double a)
{
	a = fmod(a, 2.0 * M_PI);
	if (a > M_PI)
		a -= 2.0 * M_PI;
	else if (a <= -M_PI)
		a += 2.0 * M_PI;
	return a;
}

/* Geocentric hour angle; the topocentric one agrees with it on the meridian,
 * which is all that transits need. */
static double hour_angle(const struct site *s, double unix_ms)
{
	struct sun_apparent sa;

	sun_apparent_at(unix_ms, &sa);
	return wrap_pi(sa.gast + s->lon - sa.ra);
}

static void horizon_at(const struct site *s, double unix_ms, struct sun_position *out)
{
	struct sun_apparent sa;

	sun_apparent_at(unix_ms, &sa);
	double ha = sa.gast + s->lon - sa.ra;

	/* Parallax shifts the sun by up to 8.8" as seen from the surface. */
	double sin_par = sin(8.794 * ARCSEC / sa.dist_au);
	double cos_dec = cos(sa.dec);
	double den = cos_dec - s->rho_cos * sin_par * cos(ha);
	double d_ra = atan2(-s->rho_cos * sin_par * sin(ha), den);
	double dec = atan2((sin(sa.dec) - s->rho_sin * sin_par) * cos(d_ra), den);
	ha -= d_ra;

	double sin_dec = sin(dec), cos_dec_t = cos(dec), cos_ha = cos(ha);
	double sin_alt = s->sin_lat * sin_dec + s->cos_lat * cos_dec_t * cos_ha;
	if (sin_alt > 1.0)
		sin_alt = 1.0;
	else if (sin_alt < -1.0)
		sin_alt = -1.0;
	out->elevation_deg = asin(sin_alt) / DEG;

	double az =
	    atan2(-cos_dec_t * sin(ha), sin_dec * s->cos_lat - cos_dec_t * cos_ha * s->sin_lat) /
	    DEG;
	out->azimuth_deg = az < 0.0 ? az + 360.0 : az;
}

static double altitude_at(const struct site *s, double unix_ms)
{
	struct sun_position p;

	horizon_at(s, unix_ms, &p);
	return p.elevation_deg;
}

void sun_position_at(double lat, double lon, int64_t unix_ms, struct sun_position *out)
{
	struct site s;

	if (!out)
		return;
	site_init(&s, lat, lon);
	horizon_at(&s, (double)unix_ms, out);
}

/* First instant at or after about `from` when the hour angle is `target`
 * (0: upper transit, pi: lower). The hour angle grows by 2 pi a solar day
 * to within half a percent, so Newton steps with that rate converge fast. */
static double next_hour_angle(const struct site *s, double from, double target)
{
	const double rate = 2.0 * M_PI / MS_PER_DAY;
	double gap = fmod(target - hour_angle(s, from), 2.0 * M_PI);
	double t = from + (gap < 0.0 ? gap + 2.0 * M_PI : gap) / rate;

	for (int i = 0; i < 6; i++) {
		double step = wrap_pi(target - hour_angle(s, t)) / rate;
		t += step;
		if (fabs(step) < 0.5)
			break;
	}
	return t;
}

/* Golden-section search for the highest (sign 1) or lowest (sign -1)
 * altitude in [a, b]. A few seconds of slack are plenty: near its extreme
 * the altitude is flat to a fraction of an arcsecond. */
static double altitude_extreme(const struct site *s, double a, double b, double sign)
{
	const double g = 0.381966011250105; /* 2 - golden ratio */
	double x1 = a + g * (b - a), x2 = b - g * (b - a);
	double f1 = sign * altitude_at(s, x1), f2 = sign * altitude_at(s, x2);

	while (b - a > 2000.0) {
		if (f1 > f2) {
			b = x2;
			x2 = x1;
			f2 = f1;
			x1 = a + g * (b - a);
			f1 = sign * altitude_at(s, x1);
		} else {
			a = x1;
			x1 = x2;
			f1 = f2;
			x2 = b - g * (b - a);
			f2 = sign * altitude_at(s, x2);
		}
	}
	return f1 > f2 ? x1 : x2;
}

/* The instant in [a, b] where the altitude is `level`, given that it is
 * monotonic there and ga = alt(a) - level, gb = alt(b) - level differ in
 * sign. Regula falsi with the Illinois tweak, falling back to bisection. */
static double altitude_crossing(const struct site *s, double level, double a, double ga, double b,
				double gb)
{
	int side = 0;

	/* Converging far below the millisecond makes the rounded answer the
	 * same whatever window brought the bracket. */
	for (int i = 0; i < 100 && b - a > 0.01; i++) {
		double t = a + (b - a) * ga / (ga - gb);
		if (!(t > a && t < b))
			t = 0.5 * (a + b);
		double gt = altitude_at(s, t) - level;
		if (gt == 0.0)
			return t;
		if ((gt < 0.0) == (ga < 0.0)) {
			a = t;
			ga = gt;
			if (side == -1)
				gb *= 0.5;
			side = -1;
		} else {
			b = t;
			gb = gt;
			if (side == 1)
				ga *= 0.5;
			side = 1;
		}
	}
	return 0.5 * (a + b);
}

/* Rounds before judging the window, so that the window stays half-open in
 * whole milliseconds as the caller sees it. */
static void record(struct sun_day *out, enum sun_event ev, double t, double start, double end)
{
	double ms = round(t);

	if (out->happens[ev] || ms < start || ms >= end)
		return;
	out->happens[ev] = true;
	out->at_ms[ev] = (int64_t)ms;
}

#define MAX_CUTS 16

/* Cuts [start, end] at the altitude's extremes and records, for each piece,
 * the levels it crosses. Pieces come in time order, so each event keeps the
 * first of its occurrences. */
static void find_crossings(const struct site *s, const double *cuts, int ncuts, struct sun_day *out,
			   double start, double end)
{
	double alt[MAX_CUTS];

	for (int i = 0; i < ncuts; i++)
		alt[i] = altitude_at(s, cuts[i]);
	for (int i = 0; i + 1 < ncuts; i++) {
		for (int k = 0; k < COUNT_OF(levels); k++) {
			double ga = alt[i] - levels[k].altitude;
			double gb = alt[i + 1] - levels[k].altitude;
			if ((ga < 0.0) == (gb < 0.0))
				continue;
			double t =
			    altitude_crossing(s, levels[k].altitude, cuts[i], ga, cuts[i + 1], gb);
			record(out, gb > ga ? levels[k].rising : levels[k].setting, t, start, end);
		}
	}
}

void sun_day_events(double lat, double lon, int64_t day_start_ms, int64_t day_len_ms,
		    struct sun_day *out)
{
	/* Two days at most, so that the cut arrays always suffice; dates
	 * within about 3000 years of 1970, where the theory means something
	 * (and an instant always fits an int64_t). */
	const double max_len = 2.0 * MS_PER_DAY, max_abs_start = 1e14;
	const double reach = 20.0 * 60000.0; /* extremes lie within minutes of a culmination */
	double start = (double)day_start_ms, end = start + (double)day_len_ms;
	double culm[MAX_CUTS], cuts[MAX_CUTS];
	double sign[MAX_CUTS];
	int nculm = 0, ncuts = 0;
	struct site s;

	if (!out)
		return;
	for (int i = 0; i < SUN_EVENT_COUNT; i++) {
		out->at_ms[i] = -1;
		out->happens[i] = false;
	}
	if (!isfinite(lat) || !isfinite(lon) || lat < -90.0 || lat > 90.0 || day_len_ms <= 0 ||
	    (double)day_len_ms > max_len || fabs(start) > max_abs_start)
		return;
	site_init(&s, lat, lon);

	/* Upper and lower culminations inside the day, in time order. */
	for (int upper = 1; upper >= 0; upper--) {
		double target = upper ? 0.0 : M_PI;
		double t = next_hour_angle(&s, start - 0.25 * MS_PER_DAY, target);

		while (t < end && nculm < MAX_CUTS - 2) {
			if (t >= start) {
				int j = nculm++;
				for (; j > 0 && culm[j - 1] > t; j--) {
					culm[j] = culm[j - 1];
					sign[j] = sign[j - 1];
				}
				culm[j] = t;
				sign[j] = upper ? 1.0 : -1.0;
				if (upper)
					record(out, SUN_SOLAR_NOON, t, start, end);
			}
			t = next_hour_angle(&s, t + 0.25 * MS_PER_DAY, target);
		}
	}

	cuts[ncuts++] = start;
	for (int i = 0; i < nculm; i++) {
		double a = fmax(culm[i] - reach, cuts[ncuts - 1]);
		double b = fmin(culm[i] + reach, end);
		if (b - a < 4000.0)
			continue;
		cuts[ncuts++] = altitude_extreme(&s, a, b, sign[i]);
	}
	cuts[ncuts++] = end;
	find_crossings(&s, cuts, ncuts, out, start, end);
}

const char *sun_event_name(enum sun_event ev)
{
	if ((int)ev < 0 || ev >= SUN_EVENT_COUNT)
		return NULL;
	return event_names[ev];
}

int sun_event_parse(const char *name, enum sun_event *out)
{
	/* Aliases of the earlier stack's configurations (SPEC section 3). */
	static const struct {
		const char *name;
		enum sun_event ev;
	} aliases[] = {
	    {"noon", SUN_SOLAR_NOON},
	    {"dawn", SUN_CIVIL_DAWN},
	    {"dusk", SUN_CIVIL_DUSK},
	};

	if (!name)
		return SL_ERR_NOTFOUND;
	for (int i = 0; i < SUN_EVENT_COUNT; i++) {
		if (strcmp(name, event_names[i]) == 0) {
			if (out)
				*out = (enum sun_event)i;
			return 0;
		}
	}
	for (int i = 0; i < COUNT_OF(aliases); i++) {
		if (strcmp(name, aliases[i].name) == 0) {
			if (out)
				*out = aliases[i].ev;
			return 0;
		}
	}
	return SL_ERR_NOTFOUND;
}
