/* profile.h - capture profiles: what the camera is asked to do for one id.
 *
 * Built-in profiles `a`..`g` carry the meaning of the earlier stack (see
 * ../shared/REFERENCE.md), `h` ("Day to night") the agent's own exposure
 * control (`"exposure": "agent"`, which any profile may set: exposure time,
 * gain and colour temperature are then decided by skylapse-capture from the
 * recent frames and the sun, agents/capture/exposure.h); config.json's
 * optional "profiles" section adds profiles or overrides fields of built-in
 * ones. Ids are one letter,
 * case-insensitive, stored in lower case. profile_controls() turns a profile,
 * the metered light level and a request's overrides into the control values
 * of one shot (camera_controls below), which every camera source applies.
 */
#ifndef SKYLAPSE_LIB_PROFILE_H
#define SKYLAPSE_LIB_PROFILE_H

#include <jansson.h>
#include <stdbool.h>

#include "err.h"

#define PROFILE_MAX 26
#define BRACKET_MAX 7

enum wb_curve { WB_CURVE_NONE, WB_CURVE_BALANCED, WB_CURVE_CONSERVATIVE, WB_CURVE_WARM };

/* Control values for one exposure. Negative numbers (or empty strings) mean
 * "leave the camera's default". AWB modes are libcamera's names: auto,
 * incandescent, tungsten, fluorescent, indoor, daylight, cloudy, custom
 * (custom = fixed colour_temp_k). Metering: centre, spot, matrix. AF: manual,
 * auto, continuous. */
struct camera_controls {
	bool ae_enable;        /* camera's auto exposure (and auto gain) */
	int exposure_us;       /* manual exposure time when !ae_enable */
	double analogue_gain;  /* manual gain when !ae_enable; a valid sensor step */
	double ev;             /* EV compensation, applies only with ae_enable */
	char awb_mode[16];
	int colour_temp_k;     /* with awb_mode "custom" */
	char metering[12];
	char af_mode[12];
	double lens_position;  /* dioptres, with af_mode "manual" */
	double sharpness, contrast, saturation;
	int jpeg_quality;      /* 1..100 */
	int width, height;     /* 0: full sensor size */
};

struct profile {
	char id;               /* 'a'..'z' */
	char name[48];
	bool enabled;
	bool ae_enable;
	int exposure_us;       /* manual, when !ae_enable */
	double analogue_gain;  /* manual, when !ae_enable */
	double ev;             /* fixed EV compensation */
	bool ev_adaptive;      /* EV follows lux (REFERENCE.md curve) */
	char awb_mode[16];     /* used when wb_curve == WB_CURVE_NONE */
	int colour_temp_k;     /* with awb_mode "custom"; -1 otherwise */
	enum wb_curve wb_curve; /* adaptive white balance: lux -> Kelvin */
	char metering[12];
	char af_mode[12];
	double lens_position;
	double sharpness, contrast, saturation;
	int jpeg_quality;
	int bracket_count;     /* 0 or 1: single shot */
	double bracket_ev[BRACKET_MAX];
	char video_filter[128]; /* encoder hint, e.g. "unsharp" */
	bool agent_exposure;   /* "exposure": "agent": the agent's controller decides
				  exposure, gain and colour temperature */
	int max_exposure_us;   /* its longest shutter; -1: the controller's default (20 s) */
};

struct profile_set {
	struct profile items[PROFILE_MAX];
	int count;
};

/* Fills `set` with the built-in profiles a..h. */
void profile_set_builtin(struct profile_set *set);

/* Fills `set` with the built-ins, then applies config.json's "profiles"
 * object (borrowed; may be NULL) on top of them. On a problem, fills `why`
 * with "profiles.x.key: message", leaves `set` unchanged and returns
 * SL_ERR_INVAL. Unknown keys are ignored with no error. */
int profile_set_load(struct profile_set *set, const json_t *profiles, char why[ERRMSG_MAX]);

/* Finds a profile by id, case-insensitive ("A" == "a"); borrowed pointer
 * into `set`, or NULL. */
const struct profile *profile_find(const struct profile_set *set, const char *id);

/* The first enabled profile (request default), or NULL when none is. */
const struct profile *profile_first_enabled(const struct profile_set *set);

/* Colour temperature (K) for a lux level on a curve, linear between the
 * table's points, clamped at its ends. */
int profile_wb_kelvin(enum wb_curve curve, double lux);
/* Adaptive EV for a lux level (REFERENCE.md), linear, clamped. */
double profile_adaptive_ev(double lux);
/* The nearest gain a sensor accepts (IMX477-style steps: 1024/(1024-code)),
 * clamped to 1..16. Smoothing or arithmetic may produce any value; only
 * this one goes to the camera. */
double profile_gain_valid(double gain);

/* Controls for one shot of `p` at light level `lux` (< 0: unknown). `overrides`
 * (borrowed, may be NULL) is a request's "overrides" object: exposure_us,
 * analogue_gain, ev, awb_mode, colour_temp_k, metering, af_mode,
 * lens_position, sharpness, contrast, saturation, jpeg_quality, width,
 * height. Wrong types or values fill `why` ("overrides.ev must be a number
 * between -8 and 8") and return SL_ERR_INVAL. */
int profile_controls(const struct profile *p, double lux, const json_t *overrides,
		     struct camera_controls *out, char why[ERRMSG_MAX]);

/* Shifts the controls of one shot by `ev_offset` stops, for shot i of a
 * bracket (p->bracket_ev[i]): EV compensation under auto exposure, the
 * exposure time under manual exposure, where libcamera ignores EV. */
void profile_controls_bracket(struct camera_controls *c, double ev_offset);

#endif
