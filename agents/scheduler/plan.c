/* plan.c - schedule windows and sun events of dates, as JSON; see plan.h.
 *
 * Built from lib/window.c and lib/sun.c only, so `--plan` needs no broker
 * and the daemon, the plan on R/<camera>/plan and --plan always agree.
 */
#include "plan.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "jsonx.h"
#include "sha256.h"
#include "sun.h"
#include "timeutil.h"

void plan_schedule_profiles(const struct config *c, const struct schedule *s,
			    char out[PROFILE_MAX + 1])
{
	int n = 0;

	if (s->profiles[0]) {
		for (int i = 0; s->profiles[i] && n < PROFILE_MAX; i++)
			out[n++] = (char)tolower((unsigned char)s->profiles[i]);
	} else {
		for (int i = 0; i < c->profiles.count && n < PROFILE_MAX; i++)
			if (c->profiles.items[i].enabled)
				out[n++] = c->profiles.items[i].id;
	}
	out[n] = '\0';
}

int plan_add_date(const struct config *c, const bool *runs, int y, int m, int d, int64_t after_ms,
		  struct plan_entry *out, int n, int max)
{
	for (int i = 0; i < c->nschedules && n < max; i++) {
		const struct schedule *s = &c->schedules[i];
		struct window w;
		int j;

		if (!(runs ? runs[i] : s->enabled))
			continue;
		if (window_for_date(c, s, y, m, d, &w) != SL_OK || w.end_ms <= after_ms)
			continue;
		/* insertion keeps the order; ties keep the configuration's order */
		for (j = n; j > 0 && out[j - 1].w.start_ms > w.start_ms; j--)
			out[j] = out[j - 1];
		out[j].s = s;
		out[j].w = w;
		n++;
	}
	return n;
}

json_t *plan_profiles_json(const struct config *c, const struct schedule *s)
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

/* Local time; `exact`: with its milliseconds when it has some (a sun
 * window's edges in a camera's plan, whose slots, start + k x interval,
 * must fall exactly on the scheduler's, or a slot would be taken twice). */
static json_t *edge_json(int64_t ms, bool exact)
{
	char s[TIME_ISO_MAX], out[TIME_ISO_MAX + 4];
	int frac = (int)(((ms % 1000) + 1000) % 1000);

	time_format_local(ms, s);
	if (!exact || frac == 0 || strlen(s) < 19)
		return json_string(s);
	snprintf(out, sizeof(out), "%.19s.%03d%s", s, frac, s + 19);
	return json_string(out);
}

static json_t *window_json(const struct config *c, const struct plan_entry *e, bool exact)
{
	json_t *o = json_object();

	json_object_set_new(o, "schedule", json_string(e->s->name));
	json_object_set_new(o, "start", edge_json(e->w.start_ms, exact));
	json_object_set_new(o, "end", edge_json(e->w.end_ms, exact));
	json_object_set_new(o, "interval_seconds", json_integer(e->s->interval_seconds));
	json_object_set_new(o, "profiles", plan_profiles_json(c, e->s));
	return o;
}

static json_t *windows_json(const struct config *c, const struct plan_entry *e, int n, bool exact)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, window_json(c, &e[i], exact));
	return a;
}

json_t *plan_date_json(const struct config *c, int y, int m, int d)
{
	struct plan_entry e[PLAN_WINDOWS_MAX];
	json_t *o = json_object(), *loc = json_object();
	char date[16];
	int n;

	if (o == NULL || loc == NULL) {
		json_decref(o);
		json_decref(loc);
		return NULL;
	}
	snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
	n = plan_add_date(c, NULL, y, m, d, INT64_MIN, e, 0, PLAN_WINDOWS_MAX);
	json_object_set_new(o, "date", json_string(date));
	json_object_set_new(o, "timezone", json_string(c->timezone));
	json_object_set_new(loc, "latitude", json_real(c->latitude));
	json_object_set_new(loc, "longitude", json_real(c->longitude));
	json_object_set_new(loc, "timezone", json_string(c->timezone));
	if (c->location_name[0])
		json_object_set_new(loc, "name", json_string(c->location_name));
	json_object_set_new(o, "location", loc);
	json_object_set_new(o, "sun", window_sun_json(c, y, m, d));
	json_object_set_new(o, "windows", windows_json(c, e, n, false));
	return o;
}

json_t *plan_camera_json(const struct config *c, const bool *runs, const char *backend_name,
			 const char *camera, int64_t now_ms)
{
	struct plan_entry e[PLAN_WINDOWS_MAX];
	char now[TIME_ISO_MAX], date[16];
	json_t *o = json_object();
	int y, m, d, n;

	if (o == NULL)
		return NULL;
	window_local_date(now_ms, &y, &m, &d);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
	window_date_add(&y, &m, &d, -1);
	n = plan_add_date(c, runs, y, m, d, now_ms, e, 0, PLAN_WINDOWS_MAX);
	window_date_add(&y, &m, &d, 1);
	n = plan_add_date(c, runs, y, m, d, INT64_MIN, e, n, PLAN_WINDOWS_MAX);
	window_date_add(&y, &m, &d, 1);
	n = plan_add_date(c, runs, y, m, d, INT64_MIN, e, n, PLAN_WINDOWS_MAX);
	if (n > PLAN_CAMERA_WINDOWS_MAX)
		n = PLAN_CAMERA_WINDOWS_MAX; /* the latest go: tomorrow evening can wait */
	time_format_utc(now_ms, now);
	json_object_set_new(o, "backend_name", json_string(backend_name));
	json_object_set_new(o, "camera", json_string(camera));
	json_object_set_new(o, "date", json_string(date));
	json_object_set_new(o, "generated_at", json_string(now));
	json_object_set_new(o, "timezone", json_string(c->timezone));
	json_object_set_new(o, "windows", windows_json(c, e, n, true));
	return o;
}

/* "<camera>-<schedule>-<date>-<profile><suffix>"; past the 64 characters of
 * an id, a prefix and a digest of the whole keep it unique and valid. */
static void job_id(const char *camera, const char *schedule, const char *date, char profile,
		   const char *suffix, char out[ID_MAX + 1])
{
	char full[5 * ID_MAX], hex[SHA256_HEX_LEN];

	snprintf(full, sizeof(full), "%s-%s-%s-%c%s", camera, schedule, date, profile, suffix);
	if (strlen(full) <= ID_MAX || sha256_hex(full, strlen(full), hex) != SL_OK) {
		snprintf(out, ID_MAX + 1, "%.64s", full);
		return;
	}
	snprintf(out, ID_MAX + 1, "%.47s-%.16s", full, hex);
}

/* A job of `kind` of camera's frames of one profile from from_ms to to_ms. */
static json_t *range_job(const char *id, const char *kind, const char *camera, char profile,
			 int64_t from_ms, int64_t to_ms)
{
	char pid[2] = {profile, '\0'};

	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "job_id", id, "kind", kind, "camera",
			 camera, "profile", pid, "from", jx_time_local(true, from_ms), "to",
			 jx_time_local(true, to_ms));
}

json_t *plan_encode_job(const struct schedule *s, const struct window *w, const char *camera,
			char profile)
{
	char date[16], id[ID_MAX + 1];
	json_t *o;
	int y, m, d;

	window_local_date(w->start_ms, &y, &m, &d);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
	job_id(camera, s->name, date, profile, "", id);
	o = range_job(id, "video", camera, profile, w->start_ms, w->end_ms);
	for (int i = 0; o && s->timelapse && config_timelapse_fields[i]; i++) {
		json_t *v = json_object_get(s->timelapse, config_timelapse_fields[i]);

		if (v)
			json_object_set(o, config_timelapse_fields[i], v);
	}
	return o;
}

bool plan_window_is_night(const struct config *c, const struct window *w)
{
	int below = 0;

	if (!c->have_location || w->end_ms <= w->start_ms)
		return false;
	for (int i = 0; i < PLAN_NIGHT_SAMPLES; i++) {
		int64_t at = w->start_ms + (w->end_ms - w->start_ms) * (2 * i + 1) /
						(2 * PLAN_NIGHT_SAMPLES);
		struct sun_position sp;

		sun_position_at(c->latitude, c->longitude, at, &sp);
		below += sp.elevation_deg < PLAN_NIGHT_DEG;
	}
	return 2 * below > PLAN_NIGHT_SAMPLES;
}

bool plan_wants_picture(const struct config *c, const struct schedule *s, const struct window *w,
			const char *kind)
{
	const json_t *flag = s->timelapse ? json_object_get(s->timelapse, kind) : NULL;
	const char *video_kind =
	    s->timelapse ? json_string_value(json_object_get(s->timelapse, "kind")) : NULL;

	if (video_kind && strcmp(video_kind, kind) == 0)
		return false; /* the window's own job makes it already */
	if (json_is_boolean(flag))
		return json_is_true(flag);
	return s->timelapse_auto && plan_window_is_night(c, w);
}

json_t *plan_picture_job(const struct schedule *s, const struct window *w, const char *camera,
			 char profile, const char *kind)
{
	char date[16], id[ID_MAX + 1], suffix[16];
	const json_t *bracket = s->timelapse ? json_object_get(s->timelapse, "bracket") : NULL;
	json_t *o;
	int y, m, d;

	window_local_date(w->start_ms, &y, &m, &d);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
	snprintf(suffix, sizeof(suffix), "-%s", kind);
	job_id(camera, s->name, date, profile, suffix, id);
	o = range_job(id, kind, camera, profile, w->start_ms, w->end_ms);
	if (o && bracket) /* the same exposure as the video's */
		json_object_set(o, "bracket", (json_t *)bracket);
	return o;
}

int plan_next_sun(const struct config *c, enum sun_event ev, int64_t now_ms, int max_days,
		  int64_t *at_ms)
{
	int y, m, d;

	window_local_date(now_ms, &y, &m, &d);
	for (int i = 0; i <= max_days; i++, window_date_add(&y, &m, &d, 1)) {
		struct sun_day sd;

		window_sun_day(c, y, m, d, &sd);
		if (sd.happens[ev] && sd.at_ms[ev] > now_ms) {
			*at_ms = sd.at_ms[ev];
			return SL_OK;
		}
	}
	return SL_ERR_NOTFOUND;
}

json_t *plan_today_job(const char *camera, char profile, int64_t now_ms)
{
	char stamp[32], id[ID_MAX + 1];
	int64_t day_start, day_len, secs;
	int y, m, d;

	window_local_date(now_ms, &y, &m, &d);
	time_local_day(now_ms, &day_start, &day_len);
	/* time elapsed since local midnight names the press: unlike the wall
	 * clock it never repeats, not even in the hour a fall-back shows twice */
	secs = (now_ms - day_start) / 1000;
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02d-%02lld%02lld%02lld", y, m, d,
		 (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60));
	job_id(camera, "today", stamp, profile, "", id);
	return range_job(id, "video", camera, profile, day_start, now_ms);
}
