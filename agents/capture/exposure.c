/* exposure.c - the agent's own exposure control; see exposure.h.
 *
 * In order: the curves (luma <-> linear light, target and white balance by
 * sun elevation), the frame's meter, the scene tracker, the output's
 * hysteresis and step, the split into shutter and gain, brackets, JSON.
 *
 * Everything runs in EV (log2 of linear light). A frame's luma is taken
 * back through the sRGB curve to linear light, so a step in EV means the
 * same whatever the brightness. Why the constants are what they are:
 *
 * - The steps that matter are those of the output's luma between frames.
 *   Mid-tone luma moves about 0.35 x ln 2 per EV (sRGB's slope there; 0.4
 *   at night's darker luma), so 0.025 EV a frame at 5 s (RATE x 5 s) is
 *   under 1 % and 0.10 EV a frame (CAP) under 3.5 %, leaving room under
 *   the 2 % and 5 % targets for what the tracker mispredicts.
 * - Twilight darkens the sky by up to ~0.3 EV a minute (a decade of light
 *   per 3 deg of sun, the sun sinking 0.25 deg a minute in the tropics):
 *   the scene's trend, not the output's step, absorbs that, so the step
 *   limit can stay small at every interval.
 * - Hysteresis of 0.15 EV out (about 5 % of luma) and 0.04 EV in: a steady
 *   scene never moves the exposure; the target's own drift with the sun
 *   (2.5 EV over 15 deg) is followed in short, limited corrections.
 * - An outlier is a scene 0.35 EV off the prediction: above what twilight
 *   does in a minute, below a car's headlights on the foreground.
 */
#include "exposure.h"

#include <math.h>
#include <string.h>

#include "jsonx.h"

#define TAU_SCENE_S	60.0  /* the scene tracker's memory */
#define TAU_CORRECT_S	60.0  /* the output's approach to the target */
#define TAU_WB_S	120.0 /* white balance's approach to its curve */
#define WB_RATE_MIRED_S 0.05
#define RATE_MAX_EV_S	0.02 /* no sky changes faster than this */
#define MIN_STEP_EV	0.01 /* smaller changes keep the settings as they are */
#define LUMA_FLOOR	0.5
#define LUMA_CEIL	250.0 /* above: clipped, the frame only says "brighter" */
#define DAY_LUMA	108.0 /* the middle (geometric) of 90..130 */
#define NIGHT_LUMA	45.0  /* of 25..80: dark, never black */
#define NIGHT_DEG	-15.0

struct point {
	double x, y;
};

/* The camera's colour temperature by sun elevation: daylight while the sun
 * is up, so a sunset keeps its warmth and the blue hour its blue, then
 * toward the sky glow's warmer light at night, so it does not turn orange. */
static const struct point wb_table[] = {
    {-12, 4500},
    {-6, 5000},
    {0, 5300},
    {6, 5500},
};

static double interp(const struct point *t, size_t n, double x)
{
	size_t i;

	if (x <= t[0].x)
		return t[0].y;
	if (x >= t[n - 1].x)
		return t[n - 1].y;
	for (i = 1; x > t[i].x; i++)
		;
	return t[i - 1].y + (x - t[i - 1].x) / (t[i].x - t[i - 1].x) * (t[i].y - t[i - 1].y);
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* log2 of the linear light behind a luma (sRGB's curve, inverted). */
static double luma_ev(double luma)
{
	double v = clamp(luma, LUMA_FLOOR, LUMA_CEIL) / 255.0;

	v = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
	return log2(v);
}

double exposure_target_luma(double sun_deg)
{
	double f = clamp(sun_deg / NIGHT_DEG, 0, 1);

	return DAY_LUMA * pow(NIGHT_LUMA / DAY_LUMA, f);
}

static double wb_target_mired(double sun_deg)
{
	return 1e6 / interp(wb_table, sizeof(wb_table) / sizeof(wb_table[0]), sun_deg);
}

/* The mean without the frame's brightest share: everything at or above the
 * highlight percentile is counted at it (a lower bound, exact when clipped),
 * so a sun in frame weighs no more than the sky around it. */
static double meter_luma(const struct exposure_frame *f)
{
	double s = EXPOSURE_HIGHLIGHT_SHARE, q = f->highlight_luma;

	if (!(q > f->mean_luma))
		return f->mean_luma;
	return fmax(LUMA_FLOOR, (f->mean_luma - s * q) / (1 - s));
}

void exposure_measure_plane(const unsigned char *y, int width, int height, int stride,
			    struct exposure_frame *f)
{
	double sum = 0, n = (double)width * height, above = 0;
	long hist[256] = {0};
	int r, c, v;

	for (r = 0; r < height; r++) {
		const unsigned char *row = y + (size_t)r * stride;

		for (c = 0; c < width; c++)
			hist[row[c]]++;
	}
	for (v = 0; v < 256; v++)
		sum += (double)v * hist[v];
	for (v = 255; v > 0 && (above += hist[v]) < EXPOSURE_HIGHLIGHT_SHARE * n; v--)
		;
	f->mean_luma = n > 0 ? sum / n : 0;
	f->highlight_luma = v;
}

static double setting_ev(int exposure_us, double gain)
{
	return log2(fmax(exposure_us, 1) * 1e-6 * fmax(gain, 1.0));
}

void exposure_limits_for(int interval_ms, int capture_ms, int max_us, struct exposure_limits *out)
{
	long long room = ((long long)interval_ms - (capture_ms > 0 ? capture_ms : 0)) * 1000;
	int max = max_us > 0 ? max_us : EXPOSURE_MAX_DEFAULT_US;

	out->exposure_min_us = EXPOSURE_MIN_US;
	out->exposure_max_us = room < max ? (int)room : max;
	if (out->exposure_max_us < EXPOSURE_MIN_US)
		out->exposure_max_us = EXPOSURE_MIN_US;
	out->gain_max = EXPOSURE_GAIN_MAX;
}

/* Shutter first, then gain on a valid step; the product as near `ev` as the
 * limits and the gain's steps allow. */
static void split(const struct exposure_limits *lim, double ev, int *exposure_us, double *gain)
{
	double p = exp2(ev), tmin = lim->exposure_min_us * 1e-6, tmax = lim->exposure_max_us * 1e-6;
	double t = clamp(p, tmin, tmax), g;

	g = profile_gain_valid(clamp(p / t, 1.0, lim->gain_max));
	t = clamp(p / g, tmin, tmax);
	*exposure_us = (int)lround(t * 1e6);
	*gain = g;
}

void exposure_state_init(struct exposure_state *st, int exposure_us, double gain, double sun_deg,
			 struct exposure_setting *first)
{
	memset(st, 0, sizeof(*st));
	st->exposure_us = exposure_us > 0 ? exposure_us : 10000;
	st->analogue_gain = profile_gain_valid(gain);
	st->ev = setting_ev(st->exposure_us, st->analogue_gain);
	st->wb_mired = wb_target_mired(sun_deg);
	st->colour_temp_k = (int)lround(1e6 / st->wb_mired);
	*first = (struct exposure_setting){st->exposure_us, st->analogue_gain, st->colour_temp_k};
}

/* Feeds the frame's scene level to the tracker (level and trend, a
 * critically damped alpha-beta filter of memory TAU_SCENE_S); false when
 * the frame starts afresh (no state, or after a gap). */
static bool track_scene(struct exposure_state *st, double scene, double dt_s, double gap_s)
{
	double pred, e, theta;

	if (!st->have_frame || !(dt_s > 0) || dt_s > gap_s) {
		st->scene_ev = scene;
		st->scene_rate = 0;
		st->outliers = 0;
		return false;
	}
	pred = st->scene_ev + st->scene_rate * dt_s;
	e = scene - pred;
	if (fabs(e) > EXPOSURE_OUTLIER_EV) {
		if (st->outliers < EXPOSURE_OUTLIER_FRAMES) {
			st->outliers++;
			st->scene_ev = pred;
			return true;
		}
		/* it stayed: a new scene, not a trend */
		st->outliers = 0;
		st->scene_ev = scene;
		return true;
	}
	st->outliers = 0;
	theta = exp(-dt_s / TAU_SCENE_S);
	st->scene_ev = pred + (1 - theta * theta) * e;
	st->scene_rate += (1 - theta) * (1 - theta) * e / dt_s;
	st->scene_rate = clamp(st->scene_rate, -RATE_MAX_EV_S, RATE_MAX_EV_S);
	return true;
}

/* The output's move toward the target this frame, in EV. */
static double output_step(struct exposure_state *st, double err, double next_s)
{
	double cap = fmin(EXPOSURE_RATE_EV_S * next_s, EXPOSURE_CAP_EV);

	if (!st->settled && fabs(err) >= EXPOSURE_CATCHUP_EV) {
		st->correcting = false;
		return err;
	}
	if (!st->settled) {
		/* near enough: glide the rest of the way */
		st->settled = true;
		st->correcting = fabs(err) > EXPOSURE_HYST_IN_EV;
	}
	if (st->correcting && fabs(err) < EXPOSURE_HYST_IN_EV)
		st->correcting = false;
	else if (!st->correcting && fabs(err) > EXPOSURE_HYST_OUT_EV)
		st->correcting = true;
	if (!st->correcting)
		return 0;
	return clamp(err * (1 - exp(-next_s / TAU_CORRECT_S)), -cap, cap);
}

static void step_wb(struct exposure_state *st, double sun_deg, double next_s, bool fresh)
{
	double target = wb_target_mired(sun_deg), cap = WB_RATE_MIRED_S * next_s;

	if (fresh || !(st->wb_mired > 0))
		st->wb_mired = target;
	else
		st->wb_mired +=
		    clamp((target - st->wb_mired) * (1 - exp(-next_s / TAU_WB_S)), -cap, cap);
	st->colour_temp_k = (int)lround(1e6 / st->wb_mired);
}

void exposure_next(struct exposure_state *st, const struct exposure_limits *lim,
		   const struct exposure_frame *f, double sun_deg, int interval_ms,
		   struct exposure_setting *out)
{
	double next_s = fmax(interval_ms, 1) / 1000.0;
	double dt_s = (double)(f->at_ms - st->last_ms) / 1000.0;
	double frame_ev = f->exposure_us > 0 && f->analogue_gain > 0
			      ? setting_ev(f->exposure_us, f->analogue_gain)
			      : st->ev;
	double ev_lo = log2(lim->exposure_min_us * 1e-6),
	       ev_hi = log2(lim->exposure_max_us * 1e-6 * lim->gain_max);
	double err, ev;
	bool tracked;

	tracked = track_scene(st, luma_ev(meter_luma(f)) - frame_ev, dt_s,
			      fmax(EXPOSURE_GAP_S, 5 * next_s));
	if (!tracked) {
		st->settled = false;
		st->ev = frame_ev;
	}
	st->have_frame = true;
	st->last_ms = f->at_ms;
	/* the output the controlled exposure gives on the scene as it is now */
	err = luma_ev(exposure_target_luma(sun_deg)) - (st->ev + st->scene_ev);
	/* hold (or move) the output while the scene goes on as it trends */
	ev = st->ev + output_step(st, err, next_s) - st->scene_rate * next_s;
	ev = clamp(ev, ev_lo, ev_hi);
	st->ev = ev;
	/* at a limit, exactly there; elsewhere small changes keep the settings */
	if (!tracked || ev >= ev_hi || ev <= ev_lo ||
	    fabs(ev - setting_ev(st->exposure_us, st->analogue_gain)) >= MIN_STEP_EV ||
	    st->exposure_us > lim->exposure_max_us || st->exposure_us < lim->exposure_min_us)
		split(lim, ev, &st->exposure_us, &st->analogue_gain);
	step_wb(st, sun_deg, next_s, !tracked);
	out->exposure_us = st->exposure_us;
	out->analogue_gain = st->analogue_gain;
	out->colour_temp_k = st->colour_temp_k;
}

void exposure_bracket(const struct exposure_limits *lim, const struct exposure_setting *base,
		      double ev, struct exposure_setting *out)
{
	*out = *base;
	split(lim, setting_ev(base->exposure_us, base->analogue_gain) + ev, &out->exposure_us,
	      &out->analogue_gain);
}

json_t *exposure_state_to_json(const struct exposure_state *st)
{
	return json_pack("{s:i, s:f, s:i, s:f, s:f, s:f, s:f, s:I, s:b, s:b, s:b}", "exposure_us",
			 st->exposure_us, "analogue_gain", st->analogue_gain, "colour_temp_k",
			 st->colour_temp_k, "ev", st->ev, "scene_ev", st->scene_ev, "scene_rate",
			 st->scene_rate, "wb_mired", st->wb_mired, "last_ms",
			 (json_int_t)st->last_ms, "have_frame", st->have_frame, "settled",
			 st->settled, "correcting", st->correcting);
}

int exposure_state_from_json(struct exposure_state *st, const json_t *obj, char why[ERRMSG_MAX])
{
	struct exposure_state s;
	struct exposure_setting first;
	long long us = 0, k = 0, last = 0;
	double gain = 0;
	int rc;

	if (!json_is_object(obj)) {
		err_why(why, "exposure state must be a JSON object");
		return SL_ERR_INVAL;
	}
	rc = jx_get_int(obj, "exposure_us", 1, 600000000, &us, why);
	if (rc == 0)
		rc = jx_get_number(obj, "analogue_gain", 1, 64, &gain, why);
	if (rc == 0)
		rc = jx_get_int(obj, "colour_temp_k", 1000, 20000, &k, why);
	if (rc == SL_ERR_NOTFOUND)
		err_why(why, "exposure state needs exposure_us, analogue_gain and colour_temp_k");
	if (rc < 0)
		return SL_ERR_INVAL;
	exposure_state_init(&s, (int)us, gain, 0, &first);
	s.colour_temp_k = (int)k;
	s.wb_mired = 1e6 / (double)k;
	/* the rest is optional: without it the next frame catches up afresh */
	if ((rc = jx_get_number(obj, "ev", -40, 40, &s.ev, why)) == SL_ERR_NOTFOUND)
		rc = 0;
	if (rc == 0 &&
	    (rc = jx_get_number(obj, "scene_ev", -60, 60, &s.scene_ev, why)) == SL_ERR_NOTFOUND)
		rc = 0;
	if (rc == 0 &&
	    (rc = jx_get_number(obj, "scene_rate", -1, 1, &s.scene_rate, why)) == SL_ERR_NOTFOUND)
		rc = 0;
	if (rc == 0 &&
	    (rc = jx_get_number(obj, "wb_mired", 50, 1000, &s.wb_mired, why)) == SL_ERR_NOTFOUND)
		rc = 0;
	if (rc == 0 &&
	    (rc = jx_get_int(obj, "last_ms", 0, INT64_MAX, &last, why)) == SL_ERR_NOTFOUND)
		rc = 0;
	if (rc == 0 && (rc = jx_get_bool(obj, "have_frame", &s.have_frame, why)) == SL_ERR_NOTFOUND)
		rc = 0;
	if (rc == 0 && (rc = jx_get_bool(obj, "settled", &s.settled, why)) == SL_ERR_NOTFOUND)
		rc = 0;
	if (rc == 0 && (rc = jx_get_bool(obj, "correcting", &s.correcting, why)) == SL_ERR_NOTFOUND)
		rc = 0;
	if (rc < 0)
		return SL_ERR_INVAL;
	s.last_ms = last;
	*st = s;
	return 0;
}
