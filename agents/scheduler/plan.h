/* plan.h - what the schedules mean on given dates, as JSON.
 *
 * The windows of a local date, the sun events of that date, the one object
 * `skylapse-scheduler --plan DATE` prints, the plan retained on
 * R/<camera>/plan (the windows of today and tomorrow, which the capture
 * agent follows when the broker is away) and the encode job published when
 * a window closes. Times are ISO 8601 with the local
 * offset, to the second (time_format_local); the process zone must be the
 * location's (time_set_zone).
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_PLAN_H
#define SKYLAPSE_AGENTS_SCHEDULER_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "window.h"

#define PLAN_WINDOWS_MAX 256
/* A night window: the sun's centre below PLAN_NIGHT_DEG (nautical night,
 * stars plain to a camera) at more than half of PLAN_NIGHT_SAMPLES
 * instants spread evenly over it. */
#define PLAN_NIGHT_DEG	   (-12.0)
#define PLAN_NIGHT_SAMPLES 15
/* what the capture agent keeps of a plan (schema/plan.json) */
#define PLAN_CAMERA_WINDOWS_MAX 64

struct plan_entry {
	const struct schedule *s; /* borrowed from the configuration */
	struct window w;
};

/* The profile ids a schedule captures, lower case: its own list, else
 * every enabled profile. */
void plan_schedule_profiles(const struct config *c, const struct schedule *s,
			    char out[PROFILE_MAX + 1]);
/* The same ids as a new JSON array of one-letter strings. */
json_t *plan_profiles_json(const struct config *c, const struct schedule *s);

/* Appends the windows belonging to local date y-m-d of every schedule that
 * runs (`runs[i]` for schedule i; NULL: the configuration's `enabled`) and
 * ends after `after_ms`, keeping `out` sorted by start. Returns the new
 * count (at most `max`). */
int plan_add_date(const struct config *c, const bool *runs, int y, int m, int d, int64_t after_ms,
		  struct plan_entry *out, int n, int max);

/* The --plan object: {"date", "timezone", "location", "sun", "windows"};
 * a new reference, or NULL when out of memory. */
json_t *plan_date_json(const struct config *c, int y, int m, int d);

/* The plan retained on R/<camera>/plan at `now_ms`: {"backend_name",
 * "camera", "date", "generated_at", "timezone", "windows"} with every
 * window of today and tomorrow, and of yesterday while it lasts (at most
 * PLAN_CAMERA_WINDOWS_MAX, the earliest); `runs` as in plan_add_date.
 * Window edges carry their milliseconds when they have some, so that the
 * camera's slots are the scheduler's. A new reference. */
json_t *plan_camera_json(const struct config *c, const bool *runs, const char *backend_name,
			 const char *camera, int64_t now_ms);

/* The encode job for the frames of one window, one camera and one profile
 * (SPEC 4): a job_id that is the same for the same window, so a restart
 * that publishes it again makes no second video; the schedule's timelapse
 * fields of config_timelapse_fields go along. A new reference. */
json_t *plan_encode_job(const struct schedule *s, const struct window *w, const char *camera,
			char profile);

/* True when window w is a night window (PLAN_NIGHT_DEG); false without a
 * location. */
bool plan_window_is_night(const struct config *c, const struct window *w);

/* Whether the close of schedule s's window w makes a picture job of `kind`
 * ("keogram" or "startrails"): the schedule's timelapse.<kind> when it is a
 * boolean, else timelapse.auto and a night window; never when the window's
 * own job (timelapse.kind) is that kind already. */
bool plan_wants_picture(const struct config *c, const struct schedule *s, const struct window *w,
			const char *kind);

/* The `kind` job of one window, camera and profile: job_id
 * <camera>-<schedule>-<date>-<profile>-<kind> (stable as the video's), the
 * window's range, and the timelapse's `bracket` if any. A new reference. */
json_t *plan_picture_job(const struct schedule *s, const struct window *w, const char *camera,
			 char profile, const char *kind);

/* The first `ev` (sunrise, sunset, ...) strictly after `now_ms`, looking
 * at most `max_days` local days ahead (polar night and day have none for
 * months). 0 and *at_ms, or SL_ERR_NOTFOUND. */
int plan_next_sun(const struct config *c, enum sun_event ev, int64_t now_ms, int max_days,
		  int64_t *at_ms);

/* The encode job for one camera's frames of today so far: from local
 * midnight to `now_ms`, as Home Assistant's "Timelapse of today" asks it.
 * The job_id, <camera>-today-<date>-<HHMMSS>-<profile>, is the same for
 * the same second, so a doubled press is one job. A new reference. */
json_t *plan_today_job(const char *camera, char profile, int64_t now_ms);

#endif
