/* window.c - schedule windows on local dates; see window.h.
 *
 * A date's window is computed from scratch each time (the sun for that
 * local day, or the wall clock through time_local_make), so nothing here
 * keeps state. window_current_or_next() scans dates around `now`: a few
 * before it, because a solar window may be shifted by up to a day and last
 * up to a day, and then forward until no later date can start sooner.
 */
#include "window.h"

#include <time.h>

#include "err.h"
#include "jsonx.h"
#include "timeutil.h"

#define MINUTE_MS 60000LL
#define DAY_MS 86400000LL
#define SCAN_BACK_DAYS 3
#define SCAN_AHEAD_DAYS 400

void window_date_add(int *year, int *month, int *day, int days)
{
	/* timegm() normalises day 32 into the next month, day 0 into the one before */
	struct tm tm = {.tm_year = *year - 1900, .tm_mon = *month - 1, .tm_mday = *day + days};

	timegm(&tm);
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
	*day = tm.tm_mday;
}

void window_local_date(int64_t ms, int *year, int *month, int *day)
{
	time_t sec = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	localtime_r(&sec, &tm);
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
	*day = tm.tm_mday;
}

void window_date_bounds(int year, int month, int day, int64_t *start_ms, int64_t *end_ms)
{
	int ny = year, nm = month, nd = day;

	window_date_add(&ny, &nm, &nd, 1);
	*start_ms = time_local_make(year, month, day, 0);
	*end_ms = time_local_make(ny, nm, nd, 0);
}

void window_sun_day(const struct config *c, int year, int month, int day, struct sun_day *out)
{
	int64_t start, end;

	window_date_bounds(year, month, day, &start, &end);
	sun_day_events(c->latitude, c->longitude, start, end - start, out);
}

json_t *window_sun_json(const struct config *c, int year, int month, int day)
{
	/* the day's edges first, twilights after */
	static const enum sun_event order[] = {
		SUN_SUNRISE,	   SUN_SUNSET,	       SUN_SOLAR_NOON,
		SUN_CIVIL_DAWN,	   SUN_CIVIL_DUSK,     SUN_NAUTICAL_DAWN,
		SUN_NAUTICAL_DUSK, SUN_ASTRONOMICAL_DAWN, SUN_ASTRONOMICAL_DUSK,
	};
	json_t *o = json_object();
	struct sun_day sd;

	window_sun_day(c, year, month, day, &sd);
	for (size_t i = 0; o && i < sizeof(order) / sizeof(order[0]); i++)
		json_object_set_new(o, sun_event_name(order[i]),
				    jx_time_local(sd.happens[order[i]], sd.at_ms[order[i]]));
	return o;
}

json_t *window_span_json(const struct window *w)
{
	return json_pack("{s:o, s:o}", "start", jx_time_local(true, w->start_ms), "end",
			 jx_time_local(true, w->end_ms));
}

static int solar_window(const struct config *c, const struct schedule *s, int y, int m, int d,
			struct window *out)
{
	struct sun_day sd;

	window_sun_day(c, y, m, d, &sd);
	if ((unsigned)s->anchor >= SUN_EVENT_COUNT || !sd.happens[s->anchor])
		return SL_ERR_NOTFOUND;
	out->start_ms = sd.at_ms[s->anchor] + s->offset_minutes * MINUTE_MS;
	out->end_ms = out->start_ms + s->duration_minutes * MINUTE_MS;
	return out->end_ms > out->start_ms ? SL_OK : SL_ERR_NOTFOUND;
}

/* Wall-clock readings come from time_local_make: a time the clocks skip
 * reads as the instant they jump, a time they repeat as its first
 * occurrence. An end equal to the start is the whole day (to the next
 * day's same wall time). */
static int clock_window(const struct schedule *s, int y, int m, int d, struct window *out)
{
	int ey = y, em = m, ed = d;

	if (s->end_minute <= s->start_minute)
		window_date_add(&ey, &em, &ed, 1);
	out->start_ms = time_local_make(y, m, d, s->start_minute);
	out->end_ms = time_local_make(ey, em, ed, s->end_minute);
	/* 02:30-03:00 on a day that skips 02:00-03:00 is empty */
	return out->end_ms > out->start_ms ? SL_OK : SL_ERR_NOTFOUND;
}

int window_for_date(const struct config *c, const struct schedule *s, int year, int month,
		    int day, struct window *out)
{
	if (s->type == SCHEDULE_SOLAR)
		return solar_window(c, s, year, month, day, out);
	return clock_window(s, year, month, day, out);
}

int window_current_or_next(const struct config *c, const struct schedule *s, int64_t now_ms,
			   struct window *out, bool *active)
{
	struct window w, best = {0, 0};
	bool have_best = false;
	int y, m, d;

	window_local_date(now_ms, &y, &m, &d);
	window_date_add(&y, &m, &d, -SCAN_BACK_DAYS);
	for (int i = -SCAN_BACK_DAYS; i <= SCAN_AHEAD_DAYS; i++) {
		/* a later date's window starts at most a day (offset) before its
		 * midnight: once that is past the best start, stop */
		if (have_best && time_local_make(y, m, d, 0) - 2 * DAY_MS > best.start_ms)
			break;
		if (window_for_date(c, s, y, m, d, &w) == SL_OK) {
			if (w.start_ms <= now_ms && now_ms < w.end_ms) {
				*out = w;
				*active = true;
				return SL_OK;
			}
			if (w.start_ms > now_ms && (!have_best || w.start_ms < best.start_ms)) {
				best = w;
				have_best = true;
			}
		}
		window_date_add(&y, &m, &d, 1);
	}
	if (!have_best)
		return SL_ERR_NOTFOUND;
	*out = best;
	*active = false;
	return SL_OK;
}
