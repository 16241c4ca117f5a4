/* sky.h - sun times and schedule windows computed from the configuration.
 *
 * What /sun and /schedules answer, and what /status answers when no
 * scheduler publishes a backend status: the same figures the scheduler
 * computes (lib/sun.h, lib/window.h), for a local date of
 * location.timezone. The process time zone must be the location's
 * (time_set_zone), as window.h requires. Times are ISO 8601 with the local
 * offset, null where an event does not happen.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_SKY_H
#define SKYLAPSE_BRIDGE_HTTP_SKY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct local_date {
	int year, month, day;
};

/* Parses "YYYY-MM-DD" (NULL or "": today); 0 or SL_ERR_PARSE. */
int sky_date_parse(const char *s, int64_t now_ms, struct local_date *d);

/* {"date", "timezone", "location": {...}, "sun": {...},
 *  "day_length_seconds"}; new reference. */
json_t *sky_sun_day(const struct config *c, const struct local_date *d);
/* The schedules with their window that date ("window") and the window
 * containing now or next ("next_window"): a list, in the order of the
 * configuration. `states` (borrowed, may be NULL) maps schedule -> "ON" or
 * "OFF" as the scheduler reported; `now_ms` marks "active" entries. New
 * reference. */
json_t *sky_schedules(const struct config *c, const struct local_date *d, int64_t now_ms,
		      const json_t *states);
/* True when the sun's centre is above the sunrise altitude now. */
bool sky_is_daytime(const struct config *c, int64_t now_ms);
/* The backend status of SPEC 4 as the bridge computes it when no scheduler
 * publishes one, in the shape of schema/backend-status.json (schedules
 * keyed by name with today/next windows, "active_schedules" those enabled,
 * not switched OFF and open now; cameras empty, for the caller to fill),
 * plus sun_times {sunrise, sunset}. New reference. It comes from a cache
 * that keeps the figures until they can change: the
 * day's sun and windows until local midnight, each schedule's current or
 * next window until it ends or starts. /status is rebuilt every second and
 * must not search windows each time. The configuration is borrowed and
 * must stay the same object (free the cache after a reload). */
struct sky_cache;
struct sky_cache *sky_cache_new(void);
void sky_cache_free(struct sky_cache **sc);
json_t *sky_status_cached(struct sky_cache *sc, const struct config *c, int64_t now_ms,
			  const json_t *states);

#endif
