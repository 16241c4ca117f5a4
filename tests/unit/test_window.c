/* test_window.c - lib/window.c: schedule windows on local dates.
 *
 * Days when the clocks change (America/Denver, 2026-03-08 and 2026-11-01):
 * a daytime window keeps its wall-clock times, and a 01:30-03:30 window
 * lasts one hour across the gap and three across the overlap (window.h
 * states the rule). Windows that wrap midnight, polar day and night at
 * latitude 78, and the seed configuration's three windows against the
 * PyEphem table of data/sun_reference.h.
 */
#include "config.h"
#include "err.h"
#include "testutil.h"
#include "timeutil.h"
#include "window.h"

#include "data/sun_reference.h"

#define HOUR_MS 3600000LL

static void place(struct config *c, double lat, double lon, const char *zone)
{
	memset(c, 0, sizeof(*c));
	c->latitude = lat;
	c->longitude = lon;
	snprintf(c->timezone, sizeof(c->timezone), "%s", zone);
	assert_int_equal(time_set_zone(zone), 0);
}

static struct schedule clock_sched(const char *start, const char *end)
{
	struct schedule s = {.type = SCHEDULE_TIME_OF_DAY, .enabled = true, .interval_seconds = 5};

	assert_int_equal(time_parse_hhmm(start, &s.start_minute), 0);
	assert_int_equal(time_parse_hhmm(end, &s.end_minute), 0);
	return s;
}

static struct schedule solar_sched(enum sun_event anchor, int offset, int duration)
{
	struct schedule s = {.type = SCHEDULE_SOLAR, .enabled = true, .interval_seconds = 5};

	s.anchor = anchor;
	s.offset_minutes = offset;
	s.duration_minutes = duration;
	return s;
}

static void assert_window(const struct window *w, const char *start, const char *end)
{
	char a[TIME_ISO_MAX], b[TIME_ISO_MAX];

	time_format_local(w->start_ms, a);
	time_format_local(w->end_ms, b);
	assert_string_equal(a, start);
	assert_string_equal(b, end);
}

static int64_t iso(const char *s)
{
	int64_t ms;

	assert_int_equal(time_parse_iso(s, &ms), 0);
	return ms;
}

static void test_daytime_window_on_clock_change_days(void **state)
{
	struct config c;
	struct schedule s = clock_sched("06:30", "21:30");
	struct window w;

	(void)state;
	place(&c, 39.6333, -105.3167, "America/Denver");
	assert_int_equal(window_for_date(&c, &s, 2026, 3, 8, &w), 0);
	assert_window(&w, "2026-03-08T06:30:00-06:00", "2026-03-08T21:30:00-06:00");
	assert_true(w.end_ms - w.start_ms == 15 * HOUR_MS);
	assert_int_equal(window_for_date(&c, &s, 2026, 11, 1, &w), 0);
	assert_window(&w, "2026-11-01T06:30:00-07:00", "2026-11-01T21:30:00-07:00");
	assert_true(w.end_ms - w.start_ms == 15 * HOUR_MS);
	/* the day before each change too (other offset) */
	assert_int_equal(window_for_date(&c, &s, 2026, 3, 7, &w), 0);
	assert_window(&w, "2026-03-07T06:30:00-07:00", "2026-03-07T21:30:00-07:00");
}

static void test_night_window_across_gap_and_overlap(void **state)
{
	struct config c;
	struct schedule s = clock_sched("01:30", "03:30");
	struct schedule in_gap = clock_sched("02:10", "02:50");
	struct schedule from_gap = clock_sched("02:30", "04:00");
	struct window w;

	(void)state;
	place(&c, 39.6333, -105.3167, "America/Denver");
	/* spring forward: 02:00-03:00 does not exist, one hour of real time */
	assert_int_equal(window_for_date(&c, &s, 2026, 3, 8, &w), 0);
	assert_window(&w, "2026-03-08T01:30:00-07:00", "2026-03-08T03:30:00-06:00");
	assert_true(w.end_ms - w.start_ms == 1 * HOUR_MS);
	/* fall back: 01:00-02:00 happens twice; from its first 01:30, three hours */
	assert_int_equal(window_for_date(&c, &s, 2026, 11, 1, &w), 0);
	assert_window(&w, "2026-11-01T01:30:00-06:00", "2026-11-01T03:30:00-07:00");
	assert_true(w.end_ms - w.start_ms == 3 * HOUR_MS);
	/* wholly skipped: no window; starting in the gap: from the jump */
	assert_int_equal(window_for_date(&c, &in_gap, 2026, 3, 8, &w), SL_ERR_NOTFOUND);
	assert_int_equal(window_for_date(&c, &from_gap, 2026, 3, 8, &w), 0);
	assert_window(&w, "2026-03-08T03:00:00-06:00", "2026-03-08T04:00:00-06:00");
	/* the same answer whatever was computed before (mktime keeps a cache) */
	assert_int_equal(window_for_date(&c, &s, 2026, 7, 1, &w), 0);
	assert_int_equal(window_for_date(&c, &s, 2026, 11, 1, &w), 0);
	assert_window(&w, "2026-11-01T01:30:00-06:00", "2026-11-01T03:30:00-07:00");
	assert_int_equal(window_for_date(&c, &s, 2026, 12, 1, &w), 0);
	assert_int_equal(window_for_date(&c, &s, 2026, 11, 1, &w), 0);
	assert_window(&w, "2026-11-01T01:30:00-06:00", "2026-11-01T03:30:00-07:00");
}

static void test_window_wraps_midnight(void **state)
{
	struct config c;
	struct schedule s = clock_sched("22:00", "02:00");
	struct schedule whole = clock_sched("00:00", "00:00");
	struct window w;
	bool active;

	(void)state;
	place(&c, 39.6333, -105.3167, "America/Denver");
	assert_int_equal(window_for_date(&c, &s, 2026, 6, 15, &w), 0);
	assert_window(&w, "2026-06-15T22:00:00-06:00", "2026-06-16T02:00:00-06:00");
	/* the night the clocks go back: five hours */
	assert_int_equal(window_for_date(&c, &s, 2026, 10, 31, &w), 0);
	assert_window(&w, "2026-10-31T22:00:00-06:00", "2026-11-01T02:00:00-07:00");
	assert_true(w.end_ms - w.start_ms == 5 * HOUR_MS);
	/* end of a month and a year */
	assert_int_equal(window_for_date(&c, &s, 2026, 12, 31, &w), 0);
	assert_window(&w, "2026-12-31T22:00:00-07:00", "2027-01-01T02:00:00-07:00");
	/* after midnight the window of the day before is the current one */
	assert_int_equal(window_current_or_next(&c, &s, iso("2026-06-16T01:00:00-06:00"), &w,
						&active), 0);
	assert_true(active);
	assert_window(&w, "2026-06-15T22:00:00-06:00", "2026-06-16T02:00:00-06:00");
	/* [start, end): at the end it is over, the next one is that evening */
	assert_int_equal(window_current_or_next(&c, &s, iso("2026-06-16T02:00:00-06:00"), &w,
						&active), 0);
	assert_false(active);
	assert_window(&w, "2026-06-16T22:00:00-06:00", "2026-06-17T02:00:00-06:00");
	/* an end equal to the start is the whole day, 23 hours when it is short */
	assert_int_equal(window_for_date(&c, &whole, 2026, 3, 8, &w), 0);
	assert_window(&w, "2026-03-08T00:00:00-07:00", "2026-03-09T00:00:00-06:00");
	assert_true(w.end_ms - w.start_ms == 23 * HOUR_MS);
}

static void test_polar_day_and_night(void **state)
{
	struct config c;
	struct schedule rise = solar_sched(SUN_SUNRISE, -30, 60);
	struct schedule noon = solar_sched(SUN_SOLAR_NOON, -60, 120);
	struct schedule civil = solar_sched(SUN_CIVIL_DAWN, 0, 30);
	struct schedule nautical = solar_sched(SUN_NAUTICAL_DAWN, 0, 30);
	struct window w, prev;
	bool active;
	int y = 2026, m = 6, d = 21;

	(void)state;
	place(&c, 78.2, 15.6, "Arctic/Longyearbyen");
	/* midnight sun: no sunrise, but a solar noon */
	assert_int_equal(window_for_date(&c, &rise, 2026, 6, 21, &w), SL_ERR_NOTFOUND);
	assert_int_equal(window_for_date(&c, &noon, 2026, 6, 21, &w), 0);
	assert_true(w.end_ms - w.start_ms == 2 * HOUR_MS);
	assert_true(w.start_ms >= iso("2026-06-21T11:00:00+02:00") &&
		    w.start_ms <= iso("2026-06-21T12:00:00+02:00"));
	/* polar night: the sun peaks near -11.4 deg: no civil dawn, a nautical one */
	assert_int_equal(window_for_date(&c, &rise, 2026, 12, 21, &w), SL_ERR_NOTFOUND);
	assert_int_equal(window_for_date(&c, &civil, 2026, 12, 21, &w), SL_ERR_NOTFOUND);
	assert_int_equal(window_for_date(&c, &nautical, 2026, 12, 21, &w), 0);
	assert_int_equal(window_for_date(&c, &noon, 2026, 12, 21, &w), 0);
	/* the next sunrise window from midsummer is the end of the midnight sun */
	assert_int_equal(window_current_or_next(&c, &rise, iso("2026-06-21T12:00:00+02:00"), &w,
						&active), 0);
	assert_false(active);
	assert_true(w.start_ms > iso("2026-08-15T00:00:00+02:00") &&
		    w.start_ms < iso("2026-09-01T00:00:00+02:00"));
	window_local_date(w.start_ms + 30 * 60000, &y, &m, &d);
	window_date_add(&y, &m, &d, -1);
	assert_int_equal(window_for_date(&c, &rise, y, m, d, &prev), SL_ERR_NOTFOUND);
}

static const struct sun_ref_day *seed_row(int64_t start_ms)
{
	for (size_t i = 0; i < sizeof(sun_ref_days) / sizeof(sun_ref_days[0]); i++)
		if (strcmp(sun_ref_days[i].what, "default location") == 0 &&
		    sun_ref_days[i].start_ms == start_ms)
			return &sun_ref_days[i];
	fail_msg("no seed row in the sun table");
	return NULL;
}

static void check_seed_day(const struct config *c, int y, int m, int d, int64_t day_start_ms)
{
	const struct sun_ref_day *row = seed_row(day_start_ms);
	struct window w;
	int64_t rise = row->at_ms[SUN_SUNRISE], set = row->at_ms[SUN_SUNSET];

	assert_true(time_local_make(y, m, d, 0) == day_start_ms);
	assert_int_equal(window_for_date(c, config_schedule(c, "sunrise"), y, m, d, &w), 0);
	assert_true(llabs(w.start_ms - (rise - 30 * 60000)) <= 30000);
	assert_true(w.end_ms - w.start_ms == 60 * 60000);
	assert_int_equal(window_for_date(c, config_schedule(c, "sunset"), y, m, d, &w), 0);
	assert_true(llabs(w.start_ms - (set - 30 * 60000)) <= 30000);
	assert_true(w.end_ms - w.start_ms == 60 * 60000);
	assert_int_equal(window_for_date(c, config_schedule(c, "all_day"), y, m, d, &w), 0);
	assert_true(w.start_ms == time_local_make(y, m, d, 6 * 60 + 30));
	assert_true(w.end_ms == time_local_make(y, m, d, 21 * 60 + 30));
}

static void test_seed_config_windows_against_sun_table(void **state)
{
	struct config c;
	struct config_problems p;
	struct window w;

	(void)state;
	assert_int_equal(config_load(&c, SOURCE_ROOT "/config/config.json", NULL, &p), 0);
	assert_int_equal(c.nschedules, 3);
	assert_int_equal(time_set_zone(c.timezone), 0);
	check_seed_day(&c, 2025, 6, 21, 1750485600000LL);
	check_seed_day(&c, 2025, 12, 21, 1766300400000LL);
	check_seed_day(&c, 2024, 3, 10, 1710054000000LL);  /* 23 hours */
	check_seed_day(&c, 2024, 11, 3, 1730613600000LL);  /* 25 hours */
	/* and the exact text of one, as --plan prints it */
	assert_int_equal(window_for_date(&c, config_schedule(&c, "all_day"), 2025, 6, 21, &w), 0);
	assert_window(&w, "2025-06-21T06:30:00-06:00", "2025-06-21T21:30:00-06:00");
	config_free(&c);
}

static void test_current_or_next_solar(void **state)
{
	struct config c;
	struct config_problems p;
	const struct schedule *rise;
	struct window today, w;
	bool active;

	(void)state;
	assert_int_equal(config_load(&c, SOURCE_ROOT "/config/config.json", NULL, &p), 0);
	assert_int_equal(time_set_zone(c.timezone), 0);
	rise = config_schedule(&c, "sunrise");
	assert_int_equal(window_for_date(&c, rise, 2025, 6, 21, &today), 0);
	assert_int_equal(window_current_or_next(&c, rise, today.start_ms - 1, &w, &active), 0);
	assert_false(active);
	assert_true(w.start_ms == today.start_ms && w.end_ms == today.end_ms);
	assert_int_equal(window_current_or_next(&c, rise, today.start_ms, &w, &active), 0);
	assert_true(active && w.start_ms == today.start_ms);
	assert_int_equal(window_current_or_next(&c, rise, today.end_ms, &w, &active), 0);
	assert_false(active);
	assert_true(w.start_ms > today.end_ms + 20 * HOUR_MS);
	assert_true(w.start_ms < today.start_ms + 25 * HOUR_MS);
	config_free(&c);
}

static void test_date_arithmetic(void **state)
{
	int y = 2024, m = 2, d = 28;

	(void)state;
	window_date_add(&y, &m, &d, 1);
	assert_true(y == 2024 && m == 2 && d == 29);
	window_date_add(&y, &m, &d, 1);
	assert_true(y == 2024 && m == 3 && d == 1);
	window_date_add(&y, &m, &d, -61);
	assert_true(y == 2023 && m == 12 && d == 31);
	y = 2100, m = 2, d = 28;
	window_date_add(&y, &m, &d, 1);
	assert_true(m == 3 && d == 1);
	assert_int_equal(time_set_zone("America/Denver"), 0);
	window_local_date(iso("2026-01-01T06:59:59Z"), &y, &m, &d);
	assert_true(y == 2025 && m == 12 && d == 31);
	window_local_date(iso("2026-01-01T07:00:00Z"), &y, &m, &d);
	assert_true(y == 2026 && m == 1 && d == 1);
}

/* One local day for windows, plans and /sun: midnight to midnight, 23
 * and 25 hours on the days the clocks change; its sun as JSON, null for
 * the events that do not happen. */
static void test_date_bounds_and_sun_json(void **state)
{
	static const struct {
		int y, m, d;
		int64_t len_ms;
	} days[] = {
	    {2026, 3, 8, 23 * HOUR_MS}, {2026, 3, 9, 24 * HOUR_MS}, {2026, 11, 1, 25 * HOUR_MS}};
	struct config c;
	struct window w;
	int64_t start, end;
	json_t *sun, *span;

	(void)state;
	place(&c, 39.74, -104.99, "America/Denver");
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		char want[32];

		snprintf(want, sizeof(want), "%04d-%02d-%02dT00:00:00", days[i].y, days[i].m,
			 days[i].d);
		window_date_bounds(days[i].y, days[i].m, days[i].d, &start, &end);
		assert_true(end - start == days[i].len_ms);
		assert_true(start == iso(want));
	}
	sun = window_sun_json(&c, 2026, 6, 21);
	assert_int_equal(json_object_size(sun), SUN_EVENT_COUNT);
	assert_true(strncmp(jstr(sun, "sunrise"), "2026-06-21T05:", 14) == 0);
	assert_true(strstr(jstr(sun, "sunset"), "-06:00") != NULL);
	json_decref(sun);
	place(&c, 78.2, 15.6, "Arctic/Longyearbyen");
	sun = window_sun_json(&c, 2026, 6, 21);
	assert_true(json_is_null(json_object_get(sun, "sunrise")));
	assert_true(json_is_string(json_object_get(sun, "solar_noon")));
	json_decref(sun);
	w.start_ms = iso("2026-06-21T10:00:00Z");
	w.end_ms = w.start_ms + HOUR_MS;
	span = window_span_json(&w);
	assert_string_equal(jstr(span, "start"), "2026-06-21T12:00:00+02:00");
	assert_string_equal(jstr(span, "end"), "2026-06-21T13:00:00+02:00");
	json_decref(span);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daytime_window_on_clock_change_days),
		cmocka_unit_test(test_night_window_across_gap_and_overlap),
		cmocka_unit_test(test_window_wraps_midnight),
		cmocka_unit_test(test_polar_day_and_night),
		cmocka_unit_test(test_seed_config_windows_against_sun_table),
		cmocka_unit_test(test_current_or_next_solar),
		cmocka_unit_test(test_date_arithmetic),
		cmocka_unit_test(test_date_bounds_and_sun_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
