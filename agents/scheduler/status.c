/* status.c - the retained backend status; see status.h. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "plan.h"
#include "status.h"
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

void status_cache_clear(struct status_cache *k)
{
	json_decref(k->sun_today);
	memset(k, 0, sizeof(*k));
}

static json_t *sun_today(const struct config *c, struct status_cache *k, int64_t now)
{
	long key = core_date_key(now);

	if (k->sun_today == NULL || k->sun_key != key) {
		int y, m, d;

		window_local_date(now, &y, &m, &d);
		json_decref(k->sun_today);
		k->sun_today = window_sun_json(c, y, m, d);
		k->sun_key = key;
	}
	return k->sun_today;
}

/* The next sunrise or sunset: a year of sun is searched only when the
 * last one found has passed (or, in polar day or night, once an hour). */
static json_t *next_sun(const struct config *c, struct status_cache *k, int slot,
		       enum sun_event ev, int64_t now)
{
	struct sun_next *n = &k->next[slot];

	if (now >= n->recheck_ms) {
		if (plan_next_sun(c, ev, now, SUN_SEARCH_DAYS, &n->at_ms) == SL_OK) {
			n->recheck_ms = n->at_ms;
		} else {
			n->at_ms = -1;
			n->recheck_ms = now + HOUR_MS;
		}
	}
	return iso_local(n->at_ms);
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

/* Today's window and the one after the current (or the current, before
 * it opens): computed once per date and once per window. */
static void refresh_windows(const struct config *c, struct runner *r, int64_t now)
{
	long key = core_date_key(now);
	bool active;

	if (r->today_key != key) {
		int y, m, d;

		window_local_date(now, &y, &m, &d);
		r->today_ok = window_for_date(c, r->s, y, m, d, &r->today) == SL_OK;
		r->today_key = key;
	}
	if (!r->have_window) {
		r->next_ok = false;
	} else if (now < r->w.start_ms) {
		r->next = r->w;
		r->next_ok = true;
	} else if (r->next_key != r->w.end_ms) {
		r->next_ok = window_current_or_next(c, r->s, r->w.end_ms, &r->next, &active) ==
			     SL_OK;
		r->next_key = r->w.end_ms;
	}
}

static json_t *schedule_json(const struct config *c, struct runner *r, int64_t now)
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
	refresh_windows(c, r, now);
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "enabled", json_boolean(r->runs));
	json_object_set_new(o, "state", json_string(r->runs ? "ON" : "OFF"));
	json_object_set_new(o, "config_enabled", json_boolean(r->s->enabled));
	json_object_set_new(o, "interval_seconds", json_integer(r->s->interval_seconds));
	json_object_set_new(o, "profiles", plan_profiles_json(c, r->s));
	json_object_set_new(o, "timelapse_auto", json_boolean(r->s->timelapse_auto));
	json_object_set_new(o, "video_waits_for_frames", json_boolean(r->waiting));
	json_object_set_new(o, "active", json_boolean(runner_active(r, now)));
	json_object_set_new(o, "today", r->today_ok ? window_span_json(&r->today) : json_null());
	json_object_set_new(o, "next", r->next_ok ? window_span_json(&r->next) : json_null());
	json_object_set_new(o, "counters", counters);
	json_object_set_new(o, "last_error", r->last_error[0] ? json_string(r->last_error)
							    : json_null());
	json_object_set_new(o, "last_request_at", iso_local(r->last_request_ms));
	json_object_set_new(o, "last_ok_at", iso_local(r->last_ok_ms));
	return o;
}

static json_t *camera_json(const struct sched_core *core, const struct sched_camera *c)
{
	char id[2] = {ha_capture_profile(core->cfg, switches_profile(core->sw, c->id)), '\0'};
	json_t *o = json_object(), *scheds = json_array();

	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "online", c->known ? json_boolean(c->online) : json_null());
	json_object_set_new(o, "authorized", c->auth == AUTH_UNKNOWN ? json_null()
								      : json_boolean(c->auth == AUTH_OK));
	json_object_set_new(o, "error", c->auth == AUTH_DENIED ? json_string(c->auth_error)
								: json_null());
	json_object_set_new(o, "error_kind", c->auth == AUTH_DENIED
						     ? json_string(err_kind(SL_ERR_DENIED))
						     : json_null());
	/* what "Capture now" through this backend takes */
	json_object_set_new(o, "profile", id[0] ? json_string(id) : json_null());
	for (int i = 0; scheds && i < core->nruns; i++)
		if (cameras_follows(core, c, &core->runs[i]))
			json_array_append_new(scheds, json_string(core->runs[i].name));
	json_object_set_new(o, "schedules", scheds ? scheds : json_array());
	return o;
}

json_t *status_json(struct sched_core *core, struct status_cache *k, int64_t now,
		    int64_t started_ms, int64_t clock_offset_ms)
{
	const struct config *c = core->cfg;
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
	sun = sun_today(c, k, now);
	sun_position_at(c->latitude, c->longitude, now, &pos);
	for (int i = 0; i < core->nruns; i++) {
		struct runner *r = &core->runs[i];

		json_object_set_new(scheds, r->name, schedule_json(c, r, now));
		if (runner_active(r, now))
			json_array_append_new(active, json_string(r->name));
	}
	for (int i = 0; i < core->ncams; i++) {
		json_array_append_new(cams, camera_json(core, &core->cams[i]));
		if (core->cams[i].auth == AUTH_DENIED && json_is_null(auth_error)) {
			json_decref(auth_error);
			auth_error = json_string(core->cams[i].auth_error);
		}
	}
	time_format_utc(started_ms, started);
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
	json_object_set_new(o, "next_sunrise", next_sun(c, k, 0, SUN_SUNRISE, now));
	json_object_set_new(o, "next_sunset", next_sun(c, k, 1, SUN_SUNSET, now));
	json_object_set_new(o, "sun_elevation_deg", json_real(pos.elevation_deg));
	json_object_set_new(o, "is_daytime", json_boolean(pos.elevation_deg > DAYTIME_ELEVATION_DEG));
	json_object_set_new(o, "active_schedules", active);
	json_object_set_new(o, "schedules", scheds);
	json_object_set_new(o, "pi_host", json_string(c->pi_host));
	json_object_set_new(o, "cameras", cams);
	json_object_set_new(o, "authorization_error", auth_error);
	json_object_set_new(o, "encoder_queue", json_integer(core->jobs.n));
	json_object_set_new(o, "started_at", json_string(started));
	json_object_set_new(o, "version", json_string(SKYLAPSE_VERSION));
	if (clock_offset_ms)
		json_object_set_new(o, "clock_offset_ms", json_integer(clock_offset_ms));
	if (core->speed > 0 && core->speed != 1)
		json_object_set_new(o, "clock_speed", json_real(core->speed));
	return o;
}
