/* status.c - the retained backend status, R/backend/<name>/status (SPEC 4).
 *
 * Built whole from the scheduler's state each time it is published (at
 * most once a second, and at least every 30 s): the clock and the sun of
 * today, every schedule with today's and the next window and its counters,
 * and the cameras with whether they accept this backend's requests. The
 * bridge serves it as GET /status; `sun_times` {sunrise, sunset} is there
 * so it can pass it through as the seed's API did. Home Assistant's
 * sensors read it too (ha_backend.c): `next_sunrise`, `next_sunset` and
 * `encoder_queue` are there for them.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "plan.h"
#include "scheduler.h"
#include "sun.h"
#include "timeutil.h"

/* Sunrise and sunset are where the centre is at -50' (sun.h). */
#define DAYTIME_ELEVATION_DEG (-50.0 / 60.0)
/* polar night and day last at most half a year */
#define SUN_SEARCH_DAYS 200
#define HOUR_MS 3600000LL

static json_t *iso_local(int64_t ms)
{
	char buf[TIME_ISO_MAX];

	if (ms <= 0)
		return json_null();
	time_format_local(ms, buf);
	return json_string(buf);
}

static json_t *sun_today(struct scheduler *sch, int64_t now)
{
	long key = sched_date_key(now);

	if (sch->sun_today == NULL || sch->sun_key != key) {
		int y, m, d;

		window_local_date(now, &y, &m, &d);
		json_decref(sch->sun_today);
		sch->sun_today = plan_sun_json(&sch->cfg, y, m, d);
		sch->sun_key = key;
	}
	return sch->sun_today;
}

/* The next sunrise or sunset: a year of sun is searched only when the
 * last one found has passed (or, in polar day or night, once an hour). */
static json_t *next_sun(struct scheduler *sch, int slot, enum sun_event ev, int64_t now)
{
	struct sun_next *n = &sch->sun_next[slot];

	if (now >= n->recheck_ms) {
		if (plan_next_sun(&sch->cfg, ev, now, SUN_SEARCH_DAYS, &n->at_ms) == SL_OK) {
			n->recheck_ms = n->at_ms;
		} else {
			n->at_ms = -1;
			n->recheck_ms = now + HOUR_MS;
		}
	}
	return iso_local(n->at_ms);
}

static json_t *profiles_json(const struct config *c, const struct schedule *s)
{
	char ids[PROFILE_MAX + 1];
	json_t *a = json_array();

	plan_schedule_profiles(c, s, ids);
	for (int i = 0; ids[i]; i++) {
		char id[2] = {ids[i], '\0'};

		json_array_append_new(a, json_string(id));
	}
	return a;
}

static json_t *timing_json(const struct schedule *s)
{
	char start[16], end[16];

	if (s->type == SCHEDULE_SOLAR)
		return json_pack("{s:s, s:s, s:i, s:i}", "type", "solar_relative", "anchor",
				 sun_event_name(s->anchor), "offset_minutes", s->offset_minutes,
				 "duration_minutes", s->duration_minutes);
	snprintf(start, sizeof(start), "%02d:%02d", s->start_minute / 60, s->start_minute % 60);
	snprintf(end, sizeof(end), "%02d:%02d", s->end_minute / 60, s->end_minute % 60);
	return json_pack("{s:s, s:s, s:s}", "type", "time_of_day", "start_time", start,
			 "end_time", end);
}

static bool runner_active(const struct runner *r, int64_t now)
{
	return r->runs && r->have_window && r->w.start_ms <= now && now < r->w.end_ms;
}

static json_t *schedule_json(struct scheduler *sch, struct runner *r, int64_t now)
{
	json_t *o = timing_json(r->s);
	json_t *counters = json_pack("{s:I, s:I, s:I, s:I, s:I}", "requests",
				     (json_int_t)r->n.requests, "ok", (json_int_t)r->n.ok, "errors",
				     (json_int_t)r->n.errors, "missed", (json_int_t)r->n.missed,
				     "unsent", (json_int_t)r->n.unsent);

	if (o == NULL) {
		json_decref(counters);
		return NULL;
	}
	runner_refresh_windows(sch, r, now);
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "enabled", json_boolean(r->runs));
	json_object_set_new(o, "state", json_string(r->runs ? "ON" : "OFF"));
	json_object_set_new(o, "config_enabled", json_boolean(r->s->enabled));
	json_object_set_new(o, "interval_seconds", json_integer(r->s->interval_seconds));
	json_object_set_new(o, "profiles", profiles_json(&sch->cfg, r->s));
	json_object_set_new(o, "timelapse_auto", json_boolean(r->s->timelapse_auto));
	json_object_set_new(o, "active", json_boolean(runner_active(r, now)));
	json_object_set_new(o, "today", r->today_ok ? plan_span_json(&r->today) : json_null());
	json_object_set_new(o, "next", r->next_ok ? plan_span_json(&r->next) : json_null());
	json_object_set_new(o, "counters", counters);
	json_object_set_new(o, "last_error", r->last_error[0] ? json_string(r->last_error)
							    : json_null());
	json_object_set_new(o, "last_request_at", iso_local(r->last_request_ms));
	json_object_set_new(o, "last_ok_at", iso_local(r->last_ok_ms));
	return o;
}

static json_t *camera_json(struct scheduler *sch, const struct sched_camera *c)
{
	char id[2] = {ha_capture_profile(&sch->cfg, switches_profile(&sch->sw, c->id)), '\0'};
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "online", c->known ? json_boolean(c->online) : json_null());
	json_object_set_new(o, "authorized", c->auth == AUTH_UNKNOWN ? json_null()
								      : json_boolean(c->auth == AUTH_OK));
	json_object_set_new(o, "error", c->auth == AUTH_DENIED ? json_string(c->auth_error)
								: json_null());
	/* what "Capture now" through this backend takes */
	json_object_set_new(o, "profile", id[0] ? json_string(id) : json_null());
	return o;
}

json_t *status_json(struct scheduler *sch, int64_t now)
{
	const struct config *c = &sch->cfg;
	json_t *o = json_object(), *scheds = json_object(), *active = json_array();
	json_t *cams = json_array(), *sun, *auth_error = json_null();
	struct sun_position pos;
	char started[TIME_ISO_MAX];

	if (o == NULL || scheds == NULL || active == NULL || cams == NULL) {
		json_decref(o);
		json_decref(scheds);
		json_decref(active);
		json_decref(cams);
		return NULL;
	}
	sun = sun_today(sch, now);
	sun_position_at(c->latitude, c->longitude, now, &pos);
	for (int i = 0; i < sch->nruns; i++) {
		struct runner *r = &sch->runs[i];

		json_object_set_new(scheds, r->name, schedule_json(sch, r, now));
		if (runner_active(r, now))
			json_array_append_new(active, json_string(r->name));
	}
	for (int i = 0; i < sch->ncams; i++) {
		json_array_append_new(cams, camera_json(sch, &sch->cams[i]));
		if (sch->cams[i].auth == AUTH_DENIED && json_is_null(auth_error)) {
			json_decref(auth_error);
			auth_error = json_string(sch->cams[i].auth_error);
		}
	}
	time_format_utc(sch->started_ms, started);
	json_object_set_new(o, "backend_name", json_string(c->backend_name));
	json_object_set_new(o, "current_time", iso_local(now));
	json_object_set_new(o, "timezone", json_string(c->timezone));
	json_object_set_new(o, "location",
			    json_pack("{s:f, s:f, s:s?}", "latitude", c->latitude, "longitude",
				      c->longitude, "name",
				      c->location_name[0] ? c->location_name : NULL));
	json_object_set(o, "sun", sun);
	json_object_set_new(o, "sun_times",
			    json_pack("{s:O?, s:O?}", "sunrise", json_object_get(sun, "sunrise"),
				      "sunset", json_object_get(sun, "sunset")));
	json_object_set_new(o, "next_sunrise", next_sun(sch, 0, SUN_SUNRISE, now));
	json_object_set_new(o, "next_sunset", next_sun(sch, 1, SUN_SUNSET, now));
	json_object_set_new(o, "sun_elevation_deg", json_real(pos.elevation_deg));
	json_object_set_new(o, "is_daytime", json_boolean(pos.elevation_deg > DAYTIME_ELEVATION_DEG));
	json_object_set_new(o, "active_schedules", active);
	json_object_set_new(o, "schedules", scheds);
	json_object_set_new(o, "pi_host", json_string(c->pi_host));
	json_object_set_new(o, "cameras", cams);
	json_object_set_new(o, "authorization_error", auth_error);
	json_object_set_new(o, "encoder_queue", json_integer(sch->jobs.n));
	json_object_set_new(o, "started_at", json_string(started));
	json_object_set_new(o, "version", json_string(SKYLAPSE_VERSION));
	if (sch->clock_offset_ms)
		json_object_set_new(o, "clock_offset_ms", json_integer(sch->clock_offset_ms));
	return o;
}
