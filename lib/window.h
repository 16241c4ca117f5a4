/* window.h - when a schedule captures: its window on a local date.
 *
 * A solar_relative schedule's window starts at the anchor event of that
 * local date plus offset_minutes and lasts duration_minutes; when the event
 * does not happen that date (polar day or night) there is no window. A
 * time_of_day window runs from start_time to end_time in the location's
 * time zone; an end before the start wraps past midnight into the next
 * date. Dates are local dates of location.timezone, which must be the
 * process zone (time_set_zone) when these are called.
 */
#ifndef SL_WINDOW_H
#define SL_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct window {
	int64_t start_ms, end_ms; /* [start, end) */
};

/* The window of `s` that belongs to local date y-m-d. Returns 0,
 * SL_ERR_NOTFOUND when the schedule has no window that date. */
int window_for_date(const struct config *c, const struct schedule *s, int year, int month,
		    int day, struct window *out);

/* The window of `s` containing `now_ms`, else the next one to start (looking
 * up to 400 days ahead). Returns 0 with *active telling which, or
 * SL_ERR_NOTFOUND when there is none. */
int window_current_or_next(const struct config *c, const struct schedule *s, int64_t now_ms,
			   struct window *out, bool *active);

#endif
