/* window.h - when a schedule captures: its window on a local date.
 *
 * A solar_relative schedule's window starts at the anchor event of that
 * local date plus offset_minutes and lasts duration_minutes; when the event
 * does not happen that date (polar day or night) there is no window. A
 * time_of_day window runs from start_time to end_time in the location's
 * time zone; an end before the start wraps past midnight into the next
 * date, and an end equal to the start makes a whole day. Dates are local
 * dates of location.timezone, which must be the process zone
 * (time_set_zone) when these are called.
 *
 * Days when the clocks change: a time_of_day window follows the wall clock,
 * so 06:30-21:30 starts at 06:30 and ends at 21:30 local time whatever the
 * day's length. A start or end the clocks skip (02:30 in a spring-forward
 * gap) reads as the instant they jump (03:00 new time); a time the clocks
 * show twice (01:30 on a fall-back night) reads as its first occurrence.
 * So 01:30-03:30 lasts one hour on a spring-forward day and three hours on
 * a fall-back day, and a window wholly inside a gap is empty (no window).
 */
#ifndef SKYLAPSE_LIB_WINDOW_H
#define SKYLAPSE_LIB_WINDOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "sun.h"

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

/* Moves a date by `days` (proleptic Gregorian calendar, no time zone). */
void window_date_add(int *year, int *month, int *day, int days);

/* The local date (process zone) of the instant `ms`. */
void window_local_date(int64_t ms, int *year, int *month, int *day);

/* [start, end) of local date y-m-d in Unix ms: its midnight to the next
 * (23 to 25 hours long), the one local day that windows, plans and the
 * bridge's /sun share. */
void window_date_bounds(int year, int month, int day, int64_t *start_ms, int64_t *end_ms);

/* The sun events of local date y-m-d (sun_day_events over its bounds). */
void window_sun_day(const struct config *c, int year, int month, int day, struct sun_day *out);

/* {"sunrise": ISO|null, "sunset", "solar_noon", then the twilights} with
 * every anchor of the local date, times local (jx_time_local); a new
 * reference, NULL when out of memory. */
json_t *window_sun_json(const struct config *c, int year, int month, int day);

/* {"start", "end"} of a window, local ISO times; a new reference, NULL
 * when out of memory. */
json_t *window_span_json(const struct window *w);

#endif
