/* exposure.h - the agent's own exposure control (profile h, "Day to night"):
 * a pure controller, free of I/O and clocks, so tests and bench/exposure
 * drive it with made-up frames and times.
 *
 * Each frame taken is measured (mean luma and the highlight percentile of
 * its Y plane) and handed to exposure_next() with the sun's elevation; it
 * returns the next shot's exposure time, analogue gain and colour
 * temperature, applied as manual controls.
 *
 *   frame --measure--> scene estimate (level + trend, EV)  --+
 *   sun elevation ---> target luma (day 108 .. night 45) ----+--> output
 *   output: hold inside the hysteresis band, else move a share of the error,
 *   at most EXPOSURE_CAP_EV a frame (fewer at short intervals), then
 *   exposure = output - predicted scene, split shutter first, then gain.
 *
 * In words: the scene's brightness (what one unit of exposure gives) is
 * tracked with its rate of change, so a sunset's steady darkening is
 * followed without the output moving. The output brightness itself only
 * moves toward the target when it is off by more than EXPOSURE_HYST_OUT_EV
 * and stops within EXPOSURE_HYST_IN_EV, a limited step per frame. A frame
 * whose scene jumps against the prediction (headlights, a flash) is held as
 * an outlier for up to EXPOSURE_OUTLIER_FRAMES; a jump that stays is real.
 * The brightest EXPOSURE_HIGHLIGHT_SHARE of the frame (a sun in frame) is
 * taken out of the mean before it is used.
 *
 * A fresh state, or one whose last frame is older than a gap
 * (EXPOSURE_GAP_S or five intervals), is off by an unknown amount: more
 * than EXPOSURE_CATCHUP_EV is caught up in full steps until the output is
 * within the hysteresis band; less glides there like any correction.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_EXPOSURE_H
#define SKYLAPSE_AGENTS_CAPTURE_EXPOSURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "profile.h"

#define EXPOSURE_MAX_DEFAULT_US	 20000000 /* the configurable maximum shutter */
#define EXPOSURE_MIN_US		 10	  /* the sensor's shortest, about */
#define EXPOSURE_GAIN_MAX	 16.0
#define EXPOSURE_HIGHLIGHT_SHARE 0.02 /* libcamera's AGC watches the same Q98 */

/* Tuning (EV = stops of exposure, log2). See exposure.c for the reasons. */
#define EXPOSURE_HYST_OUT_EV	0.15
#define EXPOSURE_HYST_IN_EV	0.04
#define EXPOSURE_RATE_EV_S	0.005 /* largest move of the output per second */
#define EXPOSURE_CAP_EV		0.10  /* and per frame */
#define EXPOSURE_OUTLIER_EV	0.35
#define EXPOSURE_OUTLIER_FRAMES 2
#define EXPOSURE_GAP_S		600
#define EXPOSURE_CATCHUP_EV	0.5

/* What the controller may choose from. */
struct exposure_limits {
	int exposure_min_us;
	int exposure_max_us; /* see exposure_limits_for() */
	double gain_max;     /* the sensor's largest analogue gain */
};

/* One frame as taken and measured. */
struct exposure_frame {
	int64_t at_ms;	  /* when it was taken, Unix ms (compared with a saved state) */
	double mean_luma; /* 0..255, whole frame */
	double
	    highlight_luma; /* 0..255: the brightest EXPOSURE_HIGHLIGHT_SHARE is at or above it */
	int exposure_us;    /* what the frame was actually taken with */
	double analogue_gain;
};

/* What survives a restart (exposure_state_to_json()). Start from zero
 * (exposure_state_init()). */
struct exposure_state {
	bool have_frame;   /* a frame was seen: the fields below mean something */
	bool settled;	   /* within the hysteresis band since the last gap */
	bool correcting;   /* outside EXPOSURE_HYST_OUT_EV, not yet within IN */
	int outliers;	   /* consecutive frames held as outliers */
	int64_t last_ms;   /* the last frame's at_ms */
	double ev;	   /* controlled exposure, log2(s x gain), unrounded */
	double scene_ev;   /* scene level: log2(linear luma) - ev of the frame */
	double scene_rate; /* its trend, EV per second */
	double wb_mired;   /* colour temperature, smoothed, in mired */
	int exposure_us;   /* the last settings given out */
	double analogue_gain;
	int colour_temp_k;
};

/* The next shot. */
struct exposure_setting {
	int exposure_us;
	double analogue_gain; /* a step profile_gain_valid() accepts */
	int colour_temp_k;
};

/* Measures a frame's luma plane (borrowed: `width` x `height` bytes, rows
 * `stride` apart) into f->mean_luma and f->highlight_luma; the other fields
 * are the caller's. */
void exposure_measure_plane(const unsigned char *y, int width, int height, int stride,
			    struct exposure_frame *f);

/* The limits for a schedule: the shutter at most the interval minus
 * what a capture needs besides its exposure (`capture_ms`), and at most
 * `max_us` (<= 0: EXPOSURE_MAX_DEFAULT_US); gain up to EXPOSURE_GAIN_MAX. */
void exposure_limits_for(int interval_ms, int capture_ms, int max_us, struct exposure_limits *out);

/* A fresh state starting from `exposure_us` and `gain` (what the camera's
 * own metering chose, say), white balance from the sun at `sun_deg`; `first`
 * gets the first shot's settings. */
void exposure_state_init(struct exposure_state *st, int exposure_us, double gain, double sun_deg,
			 struct exposure_setting *first);

/* The target mean luma for a sun elevation: 108 by day, 45 below -15 deg,
 * log-linear between 0 and -15. */
double exposure_target_luma(double sun_deg);

/* Takes `f`, the frame just taken, and gives the settings of the next shot,
 * `interval_ms` later, with the sun at `sun_deg`. Updates `st`. */
void exposure_next(struct exposure_state *st, const struct exposure_limits *lim,
		   const struct exposure_frame *f, double sun_deg, int interval_ms,
		   struct exposure_setting *out);

/* Shot `ev` stops away from `base` (a bracket's offset), shutter first and
 * then gain within `lim`, gain on a valid step. profile_controls_bracket()
 * does not fit here: it moves the time alone, past the interval's limit and
 * keeping a night's high gain in the dark shots. */
void exposure_bracket(const struct exposure_limits *lim, const struct exposure_setting *base,
		      double ev, struct exposure_setting *out);

/* The state as JSON: a new reference, NULL when out of memory. */
json_t *exposure_state_to_json(const struct exposure_state *st);
/* Reads a state written by exposure_state_to_json() from `obj` (borrowed).
 * 0, or SL_ERR_INVAL with `why` filled and `st` unchanged. */
int exposure_state_from_json(struct exposure_state *st, const json_t *obj, char why[ERRMSG_MAX]);

#endif
