/* exposure_run.h - the exposure controller (exposure.h) run for the agent:
 * one controller per profile that sets "exposure": "agent" (profile h), the
 * schedule's interval and the camera's own time per capture learned from the
 * shots, all kept in a file so that a restart continues where it left off.
 *
 * Per shot of such a profile, in order (capture.c; bench/exposure does the
 * same with the sim camera):
 *
 *   exposure_run_plan()    the shot's exposure, gain and colour temperature,
 *                          and the limits they keep (a fresh or stale state
 *                          starts from what the camera metered, unless the
 *                          camera's auto exposure is at full gain and the
 *                          stale state darker: a night's pause);
 *   exposure_run_controls() as the camera's manual controls;
 *   exposure_bracket()     each bracket around it, within the same limits;
 *   exposure_run_taken()   the reference frame measured (exposure_measure_
 *                          plane) goes to the controller, which decides the
 *                          next shot; with the camera's time for the shot;
 *   exposure_run_save()    the states to the file.
 *
 * The interval is the time between two shots of the profile, at least
 * EXPOSURE_RUN_MIN_INTERVAL_MS (a burst of requests would leave a shutter of
 * nothing; they wait in line instead), and a shot after longer than
 * EXPOSURE_GAP_S keeps the one known; before the second shot it is
 * EXPOSURE_RUN_FIRST_INTERVAL_MS, short so that a first shot never outlasts
 * its slot. A restart keeps the interval known and learns no new one from
 * its first shot (the restart's pause is not an interval). The camera's
 * time is what a shot took beyond its exposure, as measured by the caller:
 * it grows at once and shrinks only when it falls by more than
 * EXPOSURE_RUN_JITTER_MS, so that timing noise does not move a shutter held
 * at its limit (that would flicker).
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_EXPOSURE_RUN_H
#define SKYLAPSE_AGENTS_CAPTURE_EXPOSURE_RUN_H

#include <jansson.h>
#include <stdint.h>

#include "camera.h"
#include "err.h"
#include "exposure.h"
#include "profile.h"

#define EXPOSURE_RUN_FIRST_INTERVAL_MS 5000 /* the seed's interval */
#define EXPOSURE_RUN_MIN_INTERVAL_MS   2000 /* shots closer than this (a burst of requests) */
#define EXPOSURE_RUN_FIRST_CAPTURE_MS  1000 /* until measured */
#define EXPOSURE_RUN_MARGIN_MS	       250  /* for the loop and the broker */
#define EXPOSURE_RUN_JITTER_MS	       500

/* One profile's controller and what was learned about its shots. */
struct exposure_track {
	char profile; /* 0: unused */
	struct exposure_state st;
	int64_t last_plan_ms; /* when the last shot was planned, 0 never */
	int interval_ms;      /* between the profile's shots; 0 unknown */
	int capture_ms;	      /* the camera's time for a shot beyond its exposure; 0 unknown */
	int shots;	      /* exposures per shot (brackets), from the last plan */
	int max_exposure_us;  /* the profile's longest shutter, from the last plan */
};

struct exposure_run {
	struct exposure_track t[PROFILE_MAX];
};

/* Plans the shot of `p` (borrowed) at `now_ms` with the sun at `sun_deg`:
 * `out` the settings of the reference exposure, `lim` the limits of every
 * exposure of the shot. `m` is the camera's metering of now (its auto
 * exposure's choice starts a fresh state). */
void exposure_run_plan(struct exposure_run *r, const struct profile *p,
		       const struct camera_meter *m, int64_t now_ms, double sun_deg,
		       struct exposure_limits *lim, struct exposure_setting *out);

/* The shot of `profile` planned last is taken: `f` its reference frame,
 * measured, with the exposure and gain it was taken with; `camera_ms` the
 * time the camera took for the whole shot beyond the exposures (< 0:
 * unknown). Decides the next shot's settings. */
void exposure_run_taken(struct exposure_run *r, char profile, const struct exposure_frame *f,
			double sun_deg, int camera_ms);

/* Sets `c` to shoot `s`: manual exposure and gain, and the colour
 * temperature unless `keep_wb` (a request that names its white balance). */
void exposure_run_controls(const struct exposure_setting *s, bool keep_wb,
			   struct camera_controls *c);

/* The track of `profile` (borrowed), or NULL when it has none. */
const struct exposure_track *exposure_run_find(const struct exposure_run *r, char profile);

/* The states as JSON {"h": {"state": {...}, "interval_ms", "capture_ms"}}: a
 * new reference, NULL when out of memory. */
json_t *exposure_run_to_json(const struct exposure_run *r);
/* Reads what exposure_run_to_json() wrote (borrowed). 0, or SL_ERR_INVAL
 * with `why` naming the part, `r` then unchanged. */
int exposure_run_from_json(struct exposure_run *r, const json_t *obj, char why[ERRMSG_MAX]);

/* Writes the states to `path`, synced (fsutil.h). 0 or a negative code. */
int exposure_run_save(const struct exposure_run *r, const char *path, char why[ERRMSG_MAX]);
/* Loads `path` into `r`: 0 (also when there is no file: `r` left empty), or
 * a negative code with `why` when the file is unreadable or corrupt (then
 * `r` is left empty: a fresh state). */
int exposure_run_load(struct exposure_run *r, const char *path, char why[ERRMSG_MAX]);

#endif
