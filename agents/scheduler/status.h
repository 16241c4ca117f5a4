/* status.h - the retained backend status, R/backend/<name>/status (SPEC 4).
 *
 * Built whole from the core each time it is published (the daemon's pace:
 * at most once a second, at least every 30 s): the clock and the sun of
 * today, every schedule with today's and the next window and its counters,
 * the cameras with whether they accept this backend's requests. What costs
 * a year of sun to find is kept in a struct status_cache. The bridge serves
 * it as GET /status (`sun_times` passes through as the seed's API had it);
 * Home Assistant's sensors read `next_sunrise`, `next_sunset` and
 * `encoder_queue` (ha_backend.c).
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_STATUS_H
#define SKYLAPSE_AGENTS_SCHEDULER_STATUS_H

#include <jansson.h>
#include <stdint.h>

#include "core.h"

struct status_cache {
	long sun_key;    /* local date of sun_today */
	json_t *sun_today; /* owned */
	struct sun_next {
		int64_t at_ms;      /* -1: none within the search */
		int64_t recheck_ms; /* look again from then (0: now) */
	} next[2];         /* the next sunrise, sunset */
};

/* The status at `now` (a new reference, NULL when out of memory); fills
 * the caches of c's runners and of k. */
json_t *status_json(struct sched_core *c, struct status_cache *k, int64_t now,
		    int64_t started_ms, int64_t clock_offset_ms);

/* Forgets what k holds (after a reload); frees it. */
void status_cache_clear(struct status_cache *k);

#endif
