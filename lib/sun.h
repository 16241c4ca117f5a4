/* sun.h - where the sun is, and when it crosses the altitudes that matter.
 *
 * Positions come from an ephemeris good to about 1 arcsecond for 1950-2100
 * (see sun.c for the model and its sources), so the events below are within
 * seconds of a high-precision ephemeris up to latitude 70 deg (tests/unit/
 * test_sun.c holds them to 30 s of PyEphem; they agree within about 1 s).
 * Times are Unix milliseconds (UTC). Latitude north positive, longitude east
 * positive, in degrees.
 */
#ifndef SKYLAPSE_LIB_SUN_H
#define SKYLAPSE_LIB_SUN_H

#include <stdbool.h>
#include <stdint.h>

struct sun_position {
	double elevation_deg; /* geometric altitude of the centre, no refraction */
	double azimuth_deg;   /* from north, clockwise (east = 90) */
};

/* The anchors of a schedule (SPEC section 3), in the order of a day. */
enum sun_event {
	SUN_ASTRONOMICAL_DAWN, /* centre at -18 deg, rising */
	SUN_NAUTICAL_DAWN,     /* -12 deg, rising */
	SUN_CIVIL_DAWN,	       /* -6 deg, rising */
	SUN_SUNRISE,	       /* centre at -0.833 deg (-50': 34' refraction + 16'
				* radius), i.e. the upper limb appears */
	SUN_SOLAR_NOON,	       /* upper transit (also in polar night) */
	SUN_SUNSET,
	SUN_CIVIL_DUSK,
	SUN_NAUTICAL_DUSK,
	SUN_ASTRONOMICAL_DUSK,
	SUN_EVENT_COUNT
};

struct sun_day {
	/* Unix ms of each event, or -1 (with `happens` false) when the sun
	 * does not cross that altitude during the day asked for. */
	int64_t at_ms[SUN_EVENT_COUNT];
	bool happens[SUN_EVENT_COUNT];
};

/* Topocentric position of the sun's centre for an observer at sea level. */
void sun_position_at(double lat, double lon, int64_t unix_ms, struct sun_position *out);

/* Events whose instants fall in [day_start_ms, day_start_ms + day_len_ms),
 * the caller's local day (midnight to midnight in its time zone, so 23 or 25
 * hours around a DST change). When the sun crosses an altitude twice in that
 * window (a day whose midnight drifts past the event), the first is given.
 * Never fails: polar day and night give events that do not happen, and so
 * does every event for a bad latitude or longitude, a window not in
 * (0, 48 h] or a start more than ~3000 years from 1970. */
void sun_day_events(double lat, double lon, int64_t day_start_ms, int64_t day_len_ms,
		    struct sun_day *out);

/* "sunrise", "civil_dawn", ... (SPEC names); NULL for an out-of-range value. */
const char *sun_event_name(enum sun_event ev);
/* Parses a SPEC name or an earlier-stack alias ("noon", "dawn", "dusk" for
 * solar_noon and civil twilight), exactly as spelt; returns 0 and sets *out
 * (when not NULL), or SL_ERR_NOTFOUND leaving *out alone. */
int sun_event_parse(const char *name, enum sun_event *out);

#endif
