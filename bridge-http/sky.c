/* sky.c - sun and schedule figures for the REST API; see sky.h. */
#include "sky.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sun.h"
#include "timeutil.h"
#include "window.h"

/* The sun's centre at this altitude is "sunrise" (sun.h). */
#define SUNRISE_ALTITUDE_DEG (-0.833)

int sky_date_parse(const char *s, int64_t now_ms, struct local_date *d)
{
	if (s == NULL || *s == '\0') {
		window_local_date(now_ms, &d->year, &d->month, &d->day);
		return SL_OK;
	}
	if (time_parse_date(s, &d->year, &d->month, &d->day) != SL_OK)
		return SL_ERR_PARSE;
	/* the sun model is good for 1950-2100; keep well inside what the
	 * time functions handle */
	if (d->year < 1900 || d->year > 2200)
		return SL_ERR_PARSE;
	return SL_OK;
}

static void date_string(const struct local_date *d, char out[16])
{
	snprintf(out, 16, "%04d-%02d-%02d", d->year % 10000, d->month % 100, d->day % 100);
}

json_t *sky_sun_day(const struct config *c, const struct local_date *d)
{
	struct sun_day sd;
	char date[16];
	json_t *loc, *out;

	window_sun_day(c, d->year, d->month, d->day, &sd);
	date_string(d, date);
	loc = json_pack("{s:f, s:f}", "latitude", c->latitude, "longitude", c->longitude);
	if (loc && c->location_name[0])
		json_object_set_new(loc, "name", json_string(c->location_name));
	out = json_pack("{s:s, s:s, s:o, s:o}", "date", date, "timezone", c->timezone, "location",
			loc, "sun", window_sun_json(c, d->year, d->month, d->day));
	if (out == NULL)
		return NULL;
	if (sd.happens[SUN_SUNRISE] && sd.happens[SUN_SUNSET])
		json_object_set_new(out, "day_length_seconds",
				    json_integer((sd.at_ms[SUN_SUNSET] - sd.at_ms[SUN_SUNRISE]) /
						 1000));
	else
		json_object_set_new(out, "day_length_seconds", json_null());
	return out;
}

/* The window containing now or the next one, or null. */
static json_t *next_window(const struct config *c, const struct schedule *s, int64_t now_ms)
{
	struct window w;
	bool active;

	if (window_current_or_next(c, s, now_ms, &w, &active) != SL_OK)
		return json_null();
	return window_span_json(&w);
}

static json_t *profiles_json(const struct config *c, const struct schedule *s)
{
	json_t *a = json_array();
	char id[2] = {0, 0};

	if (a == NULL)
		return NULL;
	if (s->profiles[0]) {
		for (const char *p = s->profiles; *p; p++) {
			id[0] = *p;
			json_array_append_new(a, json_string(id));
		}
		return a;
	}
	for (int i = 0; i < c->profiles.count; i++)
		if (c->profiles.items[i].enabled) {
			id[0] = c->profiles.items[i].id;
			json_array_append_new(a, json_string(id));
		}
	return a;
}

static bool switched_on(const struct schedule *s, const json_t *states)
{
	const char *st = json_string_value(json_object_get(states, s->name));

	if (!s->enabled)
		return false;
	return st == NULL || strcmp(st, "OFF") != 0;
}

static bool active_now(const struct config *c, const struct schedule *s, int64_t now_ms,
		       const json_t *states)
{
	struct window w;
	bool active = false;

	if (!switched_on(s, states))
		return false;
	return window_current_or_next(c, s, now_ms, &w, &active) == SL_OK && active;
}

static json_t *schedule_json(const struct config *c, const struct schedule *s,
			     const struct local_date *d, int64_t now_ms, const json_t *states)
{
	char hhmm[8];
	struct window w;
	const char *state = json_string_value(json_object_get(states, s->name));
	json_t *o = json_pack("{s:s, s:s, s:b, s:i, s:o}", "name", s->name, "type",
			      s->type == SCHEDULE_SOLAR ? "solar_relative" : "time_of_day",
			      "enabled", s->enabled, "interval_seconds", s->interval_seconds,
			      "profiles", profiles_json(c, s));

	if (o == NULL)
		return NULL;
	if (s->type == SCHEDULE_SOLAR) {
		json_object_set_new(o, "anchor", json_string(sun_event_name(s->anchor)));
		json_object_set_new(o, "offset_minutes", json_integer(s->offset_minutes));
		json_object_set_new(o, "duration_minutes", json_integer(s->duration_minutes));
	} else {
		snprintf(hhmm, sizeof(hhmm), "%02d:%02d", s->start_minute / 60 % 100,
			 s->start_minute % 60);
		json_object_set_new(o, "start_time", json_string(hhmm));
		snprintf(hhmm, sizeof(hhmm), "%02d:%02d", s->end_minute / 60 % 100,
			 s->end_minute % 60);
		json_object_set_new(o, "end_time", json_string(hhmm));
	}
	if (window_for_date(c, s, d->year, d->month, d->day, &w) == SL_OK)
		json_object_set_new(o, "window", window_span_json(&w));
	else
		json_object_set_new(o, "window", json_null());
	json_object_set_new(o, "next_window", next_window(c, s, now_ms));
	json_object_set_new(o, "state", json_string(state ? state : s->enabled ? "ON" : "OFF"));
	json_object_set_new(o, "active", json_boolean(active_now(c, s, now_ms, states)));
	if (s->timelapse)
		json_object_set(o, "timelapse", (json_t *)s->timelapse);
	return o;
}

json_t *sky_schedules(const struct config *c, const struct local_date *d, int64_t now_ms,
		      const json_t *states)
{
	json_t *a = json_array();

	for (int i = 0; a && i < c->nschedules; i++)
		json_array_append_new(a, schedule_json(c, &c->schedules[i], d, now_ms, states));
	return a;
}

bool sky_is_daytime(const struct config *c, int64_t now_ms)
{
	struct sun_position p;

	sun_position_at(c->latitude, c->longitude, now_ms, &p);
	return p.elevation_deg > SUNRISE_ALTITUDE_DEG;
}

/* What a backend status needs of one schedule, valid until `until`. */
struct sky_sched {
	bool has_today, has_cur, active;
	struct window today, cur; /* today's window; the current or next one */
	int64_t until;
};

struct sky_cache {
	const struct config *cfg;
	int n;
	int64_t day_start, day_end; /* the local day `sun` and `today` are for */
	json_t *sun;
	struct sky_sched *s;
};

struct sky_cache *sky_cache_new(void)
{
	return calloc(1, sizeof(struct sky_cache));
}

void sky_cache_free(struct sky_cache **sc)
{
	if (sc == NULL || *sc == NULL)
		return;
	json_decref((*sc)->sun);
	free((*sc)->s);
	free(*sc);
	*sc = NULL;
}

/* Brings the cache up to `now_ms`: the day's figures when the local day
 * turned (or the configuration changed), a schedule's current-or-next
 * window when the instant it was valid until has passed. */
static int refresh(struct sky_cache *sc, const struct config *c, int64_t now_ms)
{
	bool new_day = sc->cfg != c || sc->n != c->nschedules || now_ms < sc->day_start ||
		       now_ms >= sc->day_end;
	struct local_date today;

	if (sc->cfg != c || sc->n != c->nschedules) {
		free(sc->s);
		sc->s = calloc((size_t)c->nschedules + 1, sizeof(*sc->s));
		if (sc->s == NULL)
			return SL_ERR_NOMEM;
		sc->cfg = c;
		sc->n = c->nschedules;
	}
	if (new_day) {
		window_local_date(now_ms, &today.year, &today.month, &today.day);
		window_date_bounds(today.year, today.month, today.day, &sc->day_start,
				   &sc->day_end);
		json_decref(sc->sun);
		sc->sun = window_sun_json(c, today.year, today.month, today.day);
		for (int i = 0; i < sc->n; i++) {
			sc->s[i].has_today = window_for_date(c, &c->schedules[i], today.year,
							     today.month, today.day,
							     &sc->s[i].today) == SL_OK;
			sc->s[i].until = 0;
		}
	}
	for (int i = 0; i < sc->n; i++) {
		struct sky_sched *e = &sc->s[i];

		if (e->until > now_ms)
			continue;
		e->has_cur = window_current_or_next(c, &c->schedules[i], now_ms, &e->cur,
						    &e->active) == SL_OK;
		/* the answer holds until the window ends (or starts); with no
		 * window at all, look again tomorrow */
		e->until = !e->has_cur ? sc->day_end : e->active ? e->cur.end_ms : e->cur.start_ms;
		if (e->until <= now_ms)
			e->until = now_ms + 1000;
	}
	return sc->sun ? SL_OK : SL_ERR_NOMEM;
}

/* SPEC 4's "schedules" of a backend status: {name: {type, enabled, today,
 * next, interval_seconds, profiles}}, as schema/backend-status.json. */
static json_t *status_schedules(const struct sky_cache *sc, const struct config *c,
				const json_t *states)
{
	json_t *o = json_object();

	for (int i = 0; o && i < sc->n; i++) {
		const struct schedule *s = &c->schedules[i];
		const struct sky_sched *e = &sc->s[i];
		json_t *j = json_pack("{s:s, s:b, s:i, s:o, s:o, s:o}", "type",
				      s->type == SCHEDULE_SOLAR ? "solar_relative" : "time_of_day",
				      "enabled", switched_on(s, states), "interval_seconds",
				      s->interval_seconds, "profiles", profiles_json(c, s), "today",
				      e->has_today ? window_span_json(&e->today) : json_null(),
				      "next", e->has_cur ? window_span_json(&e->cur) : json_null());

		if (j)
			json_object_set_new(o, s->name, j);
	}
	return o;
}

json_t *sky_status_cached(struct sky_cache *sc, const struct config *c, int64_t now_ms,
			  const json_t *states)
{
	char now[TIME_ISO_MAX];
	json_t *active = json_array();

	if (active == NULL || refresh(sc, c, now_ms) != SL_OK) {
		json_decref(active);
		return NULL;
	}
	for (int i = 0; i < sc->n; i++)
		if (switched_on(&c->schedules[i], states) && sc->s[i].has_cur && sc->s[i].active)
			json_array_append_new(active, json_string(c->schedules[i].name));
	time_format_local(now_ms, now);
	return json_pack("{s:s, s:s, s:O, s:{s:O, s:O}, s:b, s:o, s:o, s:o, s:[]}", "current_time",
			 now, "timezone", c->timezone, "sun", sc->sun, "sun_times", "sunrise",
			 json_object_get(sc->sun, "sunrise"), "sunset",
			 json_object_get(sc->sun, "sunset"), "is_daytime", sky_is_daytime(c, now_ms),
			 "active_schedules", active, "schedules", status_schedules(sc, c, states),
			 "pi_host", c->pi_host[0] ? json_string(c->pi_host) : json_null(), "cameras");
}

