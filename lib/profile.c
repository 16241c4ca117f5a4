/* profile.c - capture profiles: built-ins, config.json overrides, and the
 * controls of one shot; see profile.h.
 *
 * The file runs top to bottom as: the light-level curves of the earlier
 * stack (REFERENCE.md), the table of numeric controls shared by config.json
 * profiles and request overrides (one place for every key's type and range),
 * the built-in profiles a..h, loading, and turning a profile into controls.
 * Messages about bad input always name the key, because they end up in
 * `--check` output and in MQTT error answers.
 */
#include "profile.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Manual exposure asked for without a time or gain: 1/100 s at the sensor's
 * lowest-noise gain, a plain daylight exposure. */
#define DEFAULT_EXPOSURE_US 10000
#define DEFAULT_GAIN 1.0
#define DEFAULT_JPEG_QUALITY 92
#define EV_LIMIT 8.0
#define EXPOSURE_MAX_US 120000000

/* IMX477 analogue gain register: gain = 1024 / (1024 - code). */
#define GAIN_CODE_BASE 1024.0
#define GAIN_MIN 1.0
#define GAIN_MAX 16.0

#define CURVE_POINTS 11
static const double wb_lux[CURVE_POINTS] = {
	100, 300, 500, 700, 1000, 1500, 2000, 3000, 4000, 6000, 10000,
};
static const double wb_kelvin[][CURVE_POINTS] = {
	[WB_CURVE_BALANCED] = {3500, 3700, 3900, 4100, 4300, 4600, 4800, 5100, 5300, 5450, 5500},
	[WB_CURVE_CONSERVATIVE] = {3700, 3900, 4100, 4300, 4500, 4800, 5000, 5250, 5400, 5550, 5600},
	[WB_CURVE_WARM] = {3400, 3500, 3600, 3800, 4000, 4300, 4500, 4800, 5100, 5350, 5500},
};

#define EV_POINTS 10
static const double ev_lux[EV_POINTS] = {
	100, 500, 1000, 1500, 3000, 6000, 10000, 20000, 30000, 40000,
};
static const double ev_value[EV_POINTS] = {
	1.0, 1.0, 0.7, 0.5, 0.3, 0.0, 0.0, -0.3, -0.5, -0.7,
};

/* libcamera's AwbMode names, in libcamera's enum order. */
static const char *const awb_names[] = {
	"auto", "incandescent", "tungsten", "fluorescent", "indoor", "daylight", "cloudy", "custom", NULL,
};
static const char *const metering_names[] = {"centre", "spot", "matrix", NULL};
static const char *const af_names[] = {"manual", "auto", "continuous", NULL};
/* Index i names enum wb_curve value i + 1, under two spellings. */
static const char *const curve_names[] = {"balanced", "conservative", "warm", NULL};
static const char *const curve_awb_names[] = {
	"adaptive_balanced", "adaptive_conservative", "adaptive_warm", NULL,
};

/* A numeric control: its range, and where it lives in struct profile and
 * in struct camera_controls (NO_FIELD where it does not). Ranges are
 * libcamera's (sharpness 0..16, contrast and saturation 0..32). */
#define NO_FIELD ((size_t)-1)
struct num_field {
	const char *key;
	bool integer;
	double min, max;
	size_t in_profile;
	size_t in_controls;
};

#define IN_P(f) offsetof(struct profile, f)
#define IN_C(f) offsetof(struct camera_controls, f)
static const struct num_field num_fields[] = {
	{"exposure_us", true, 1, EXPOSURE_MAX_US, IN_P(exposure_us), IN_C(exposure_us)},
	{"analogue_gain", false, GAIN_MIN, GAIN_MAX, IN_P(analogue_gain), IN_C(analogue_gain)},
	{"ev", false, -EV_LIMIT, EV_LIMIT, IN_P(ev), IN_C(ev)},
	{"colour_temp_k", true, 1000, 15000, IN_P(colour_temp_k), IN_C(colour_temp_k)},
	{"lens_position", false, 0, 15, IN_P(lens_position), IN_C(lens_position)},
	{"sharpness", false, 0, 16, IN_P(sharpness), IN_C(sharpness)},
	{"contrast", false, 0, 32, IN_P(contrast), IN_C(contrast)},
	{"saturation", false, 0, 32, IN_P(saturation), IN_C(saturation)},
	{"jpeg_quality", true, 1, 100, IN_P(jpeg_quality), IN_C(jpeg_quality)},
	{"max_exposure_us", true, 1000, EXPOSURE_MAX_US, IN_P(max_exposure_us), NO_FIELD},
	{"width", true, 0, 16384, NO_FIELD, IN_C(width)},
	{"height", true, 0, 16384, NO_FIELD, IN_C(height)},
};
#define NUM_FIELDS (sizeof(num_fields) / sizeof(num_fields[0]))

/* Override keys that are not numbers. */
static const char *const override_other_keys[] = {"ae", "awb_mode", "metering", "af_mode", NULL};

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcasecmp(names[i], s) == 0)
			return i;
	return -1;
}

/* "one of a, b, c" for messages. */
static void names_join(const char *const *names, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "one of");

	for (int i = 0; names[i] != NULL && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "", names[i]);
}

static const struct num_field *num_field_find(const char *key)
{
	for (size_t i = 0; i < NUM_FIELDS; i++)
		if (strcmp(num_fields[i].key, key) == 0)
			return &num_fields[i];
	return NULL;
}

/* Checks `v` against `f`; on failure writes the end of a sentence ("must be
 * ...") into `tail`. */
static int num_check(const struct num_field *f, const json_t *v, double *out, char tail[ERRMSG_MAX])
{
	double x = json_number_value(v); /* 0 for a non-number */

	if (json_is_number(v) && (!f->integer || x == floor(x)) && x >= f->min && x <= f->max) {
		*out = x;
		return 0;
	}
	if (f->integer)
		err_why(tail, "must be an integer between %.0f and %.0f", f->min, f->max);
	else
		err_why(tail, "must be a number between %g and %g", f->min, f->max);
	return SL_ERR_INVAL;
}

/* Checks and stores each numeric key of `obj` that has a field in `base`, a
 * struct profile or (`to_profile` false) a struct camera_controls. `field`
 * gets the failing key. */
static int num_fields_apply(const json_t *obj, void *base, bool to_profile, const char **field,
			    char tail[ERRMSG_MAX])
{
	for (size_t i = 0; i < NUM_FIELDS; i++) {
		const struct num_field *f = &num_fields[i];
		size_t offset = to_profile ? f->in_profile : f->in_controls;
		const json_t *v = json_object_get(obj, f->key);
		double x;
		int rc;

		if (offset == NO_FIELD || v == NULL)
			continue;
		*field = f->key;
		if ((rc = num_check(f, v, &x, tail)) < 0)
			return rc;
		if (f->integer) {
			int n = (int)x;
			memcpy((char *)base + offset, &n, sizeof(n));
		} else {
			memcpy((char *)base + offset, &x, sizeof(x));
		}
	}
	return 0;
}

/* Checks a string against `names`; stores the canonical spelling. */
static int name_check(const char *const *names, const json_t *v, char *out, size_t len,
		      char tail[ERRMSG_MAX])
{
	char list[160];
	int i = json_is_string(v) ? name_index(names, json_string_value(v)) : -1;

	if (i < 0) {
		names_join(names, list, sizeof(list));
		err_why(tail, "must be %s", list);
		return SL_ERR_INVAL;
	}
	snprintf(out, len, "%s", names[i]);
	return 0;
}

/* name_check() of metering, which also answers to the American and long
 * spellings users type. */
static int metering_check(const json_t *v, char *out, size_t len, char tail[ERRMSG_MAX])
{
	static const char *const centre[] = {"center", "centre-weighted", "center-weighted",
					     "centre_weighted", "center_weighted", NULL};

	if (json_is_string(v) && name_index(centre, json_string_value(v)) >= 0) {
		snprintf(out, len, "centre");
		return 0;
	}
	return name_check(metering_names, v, out, len, tail);
}

static void profile_defaults(struct profile *p, char id)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	snprintf(p->name, sizeof(p->name), "Profile %c", toupper((unsigned char)id));
	p->enabled = true;
	p->ae_enable = true;
	p->exposure_us = -1;
	p->analogue_gain = -1;
	snprintf(p->awb_mode, sizeof(p->awb_mode), "auto");
	p->colour_temp_k = -1;
	p->lens_position = -1;
	p->sharpness = -1;
	p->contrast = -1;
	p->saturation = -1;
	p->jpeg_quality = DEFAULT_JPEG_QUALITY;
	p->max_exposure_us = -1;
}

/* Manual focus at 2.45 dioptres (about 40 cm, hyperfocal-ish for the lens the
 * earlier stack used), as its b and d profiles set. */
static void lens_fixed(struct profile *p)
{
	snprintf(p->af_mode, sizeof(p->af_mode), "manual");
	p->lens_position = 2.45;
}

void profile_set_builtin(struct profile_set *set)
{
	struct profile *p;

	memset(set, 0, sizeof(*set));
	for (char id = 'a'; id <= 'h'; id++)
		profile_defaults(&set->items[set->count++], id);

	p = &set->items[0];
	snprintf(p->name, sizeof(p->name), "Pure Auto");
	snprintf(p->metering, sizeof(p->metering), "centre");

	/* "High" sharpness/contrast/saturation: sharpness 1.5, contrast 1.2,
	 * saturation 1.2 (libcamera's neutral value is 1.0 for all three). */
	p = &set->items[1];
	snprintf(p->name, sizeof(p->name), "Warm vivid");
	p->wb_curve = WB_CURVE_WARM;
	lens_fixed(p);
	p->sharpness = 1.5;
	p->contrast = 1.2;
	p->saturation = 1.2;

	p = &set->items[2];
	snprintf(p->name, sizeof(p->name), "Conservative Adaptive");
	p->enabled = false;
	p->wb_curve = WB_CURVE_CONSERVATIVE;
	p->ev = -0.3;

	p = &set->items[3];
	snprintf(p->name, sizeof(p->name), "Warm Dramatic + HDR");
	p->wb_curve = WB_CURVE_WARM;
	lens_fixed(p);
	p->bracket_count = 3;
	p->bracket_ev[0] = -2.0;
	p->bracket_ev[1] = 0.0;
	p->bracket_ev[2] = 2.0;

	p = &set->items[4];
	snprintf(p->name, sizeof(p->name), "Balanced Adaptive");
	p->enabled = false;
	p->wb_curve = WB_CURVE_BALANCED;

	p = &set->items[5];
	snprintf(p->name, sizeof(p->name), "Spot metering");
	p->enabled = false;
	p->ev = 0.7;
	snprintf(p->awb_mode, sizeof(p->awb_mode), "daylight");
	snprintf(p->metering, sizeof(p->metering), "spot");

	/* The video filter is an FFmpeg filter chain for the encoder: a mild
	 * unsharp mask and a slight contrast/saturation lift. */
	p = &set->items[6];
	snprintf(p->name, sizeof(p->name), "Adaptive EV + balanced WB");
	p->ev_adaptive = true;
	p->wb_curve = WB_CURVE_BALANCED;
	p->sharpness = 1.5;
	p->contrast = 1.15;
	p->saturation = 1.05;
	snprintf(p->video_filter, sizeof(p->video_filter),
		 "unsharp=5:5:0.5:5:5:0.0,eq=contrast=1.05:saturation=1.1");

	/* Off by default like c, e and f, so that schedules naming no profile
	 * shoot what they always did; a schedule names it to use it. */
	p = &set->items[7];
	snprintf(p->name, sizeof(p->name), "Day to night");
	p->enabled = false;
	p->agent_exposure = true;
	snprintf(p->metering, sizeof(p->metering), "centre");
}

/* Linear between points of an ascending `x`, clamped at both ends. */
static double curve_at(const double *x, const double *y, int n, double v)
{
	if (v <= x[0])
		return y[0];
	for (int i = 1; i < n; i++)
		if (v <= x[i])
			return y[i - 1] + (y[i] - y[i - 1]) * (v - x[i - 1]) / (x[i] - x[i - 1]);
	return y[n - 1];
}

int profile_wb_kelvin(enum wb_curve curve, double lux)
{
	if (curve <= WB_CURVE_NONE || curve > WB_CURVE_WARM || isnan(lux))
		return -1;
	return (int)lround(curve_at(wb_lux, wb_kelvin[curve], CURVE_POINTS, lux));
}

double profile_adaptive_ev(double lux)
{
	if (isnan(lux))
		return 0.0;
	return curve_at(ev_lux, ev_value, EV_POINTS, lux);
}

static double gain_of_code(double code)
{
	return GAIN_CODE_BASE / (GAIN_CODE_BASE - code);
}

/* Gain is not linear in the code, so the nearest gain is that of whichever
 * of the two codes around the exact one lands closer. */
double profile_gain_valid(double gain)
{
	double exact, lo, hi;

	if (!(gain >= GAIN_MIN))
		gain = GAIN_MIN;
	if (gain > GAIN_MAX)
		gain = GAIN_MAX;
	exact = GAIN_CODE_BASE - GAIN_CODE_BASE / gain;
	lo = floor(exact);
	hi = ceil(exact);
	if (fabs(gain_of_code(hi) - gain) < fabs(gain_of_code(lo) - gain))
		return gain_of_code(hi);
	return gain_of_code(lo);
}

/* Parses awb_mode of a config profile: a libcamera name, or an adaptive
 * curve under either spelling. */
static int awb_field(struct profile *p, const json_t *v, char tail[ERRMSG_MAX])
{
	const char *s = json_string_value(v);
	int i;

	if (s != NULL &&
	    ((i = name_index(curve_awb_names, s)) >= 0 || (i = name_index(curve_names, s)) >= 0)) {
		p->wb_curve = (enum wb_curve)(i + 1);
		return 0;
	}
	if (s != NULL && (i = name_index(awb_names, s)) >= 0) {
		p->wb_curve = WB_CURVE_NONE;
		snprintf(p->awb_mode, sizeof(p->awb_mode), "%s", awb_names[i]);
		return 0;
	}
	err_why(tail, "must be a libcamera AWB mode (auto, incandescent, tungsten, fluorescent, "
		  "indoor, daylight, cloudy, custom) or adaptive_balanced, adaptive_conservative, "
		  "adaptive_warm");
	return SL_ERR_INVAL;
}

static int bracket_field(struct profile *p, const json_t *v, char tail[ERRMSG_MAX])
{
	size_t n = json_array_size(v);

	if (!json_is_array(v) || n > BRACKET_MAX)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);
		double x = json_number_value(e);

		if (!json_is_number(e) || !(x >= -EV_LIMIT && x <= EV_LIMIT))
			goto bad;
		p->bracket_ev[i] = x;
	}
	p->bracket_count = (int)n;
	return 0;
bad:
	err_why(tail, "must be an array of at most %d numbers between -8 and 8", BRACKET_MAX);
	return SL_ERR_INVAL;
}

static int string_field(const json_t *v, size_t min, char *out, size_t len, char tail[ERRMSG_MAX])
{
	size_t n = json_string_length(v);

	if (!json_is_string(v) || n < min || n >= len || strlen(json_string_value(v)) != n) {
		err_why(tail, "must be a string of %zu to %zu characters", min, len - 1);
		return SL_ERR_INVAL;
	}
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

static int bool_field(const json_t *v, bool *out, char tail[ERRMSG_MAX])
{
	if (!json_is_boolean(v)) {
		err_why(tail, "must be true or false");
		return SL_ERR_INVAL;
	}
	*out = json_is_true(v);
	return 0;
}

/* Applies one config.json profile object to `p`. Fields imply others where
 * a user would expect it: a manual exposure time or gain turns auto exposure
 * off, and with "ae" they turn the agent's exposure control off unless
 * "exposure" says "agent" (then they are an error), a lens position selects
 * manual focus, a colour temperature selects the "custom" AWB mode, and a
 * fixed "ev" ends adaptive EV unless ev_mode says "adaptive" (then "ev" is a
 * bias added to the curve). `field` gets the failing key. */
static int profile_apply(struct profile *p, const json_t *obj, const char **field,
			 char tail[ERRMSG_MAX])
{
	bool manual = json_object_get(obj, "exposure_us") || json_object_get(obj, "analogue_gain");
	const json_t *v, *ae;
	int rc;

	if ((rc = num_fields_apply(obj, p, true, field, tail)) < 0)
		return rc;

	ae = json_object_get(obj, "ae");
	*field = "ae";
	if (ae == NULL) {
		ae = json_object_get(obj, "auto_exposure");
		*field = "auto_exposure";
	}
	if (ae != NULL && (rc = bool_field(ae, &p->ae_enable, tail)) < 0)
		return rc;
	if (ae == NULL && manual)
		p->ae_enable = false;

	if ((v = json_object_get(obj, "name")) != NULL) {
		*field = "name";
		if ((rc = string_field(v, 1, p->name, sizeof(p->name), tail)) < 0)
			return rc;
	}
	if ((v = json_object_get(obj, "enabled")) != NULL) {
		*field = "enabled";
		if ((rc = bool_field(v, &p->enabled, tail)) < 0)
			return rc;
	}
	if ((v = json_object_get(obj, "ev_mode")) != NULL) {
		static const char *const modes[] = {"fixed", "adaptive", NULL};
		char mode[12];

		*field = "ev_mode";
		if ((rc = name_check(modes, v, mode, sizeof(mode), tail)) < 0)
			return rc;
		p->ev_adaptive = strcmp(mode, "adaptive") == 0;
	} else if (json_object_get(obj, "ev") != NULL) {
		p->ev_adaptive = false;
	}

	if ((v = json_object_get(obj, "awb_mode")) != NULL) {
		*field = "awb_mode";
		if ((rc = awb_field(p, v, tail)) < 0)
			return rc;
	}
	if ((v = json_object_get(obj, "wb_curve")) != NULL) {
		static const char *const curves[] = {"none", "balanced", "conservative", "warm", NULL};
		char curve[16];

		*field = "wb_curve";
		if ((rc = name_check(curves, v, curve, sizeof(curve), tail)) < 0)
			return rc;
		p->wb_curve = (enum wb_curve)name_index(curves, curve);
	}
	if (json_object_get(obj, "colour_temp_k") != NULL && json_object_get(obj, "awb_mode") == NULL) {
		p->wb_curve = WB_CURVE_NONE;
		snprintf(p->awb_mode, sizeof(p->awb_mode), "custom");
	}
	if (p->wb_curve == WB_CURVE_NONE && strcmp(p->awb_mode, "custom") == 0 && p->colour_temp_k <= 0) {
		*field = "awb_mode";
		err_why(tail, "\"custom\" needs colour_temp_k");
		return SL_ERR_INVAL;
	}

	if ((v = json_object_get(obj, "metering")) != NULL) {
		*field = "metering";
		if ((rc = metering_check(v, p->metering, sizeof(p->metering), tail)) < 0)
			return rc;
	}
	if ((v = json_object_get(obj, "af_mode")) != NULL) {
		*field = "af_mode";
		if ((rc = name_check(af_names, v, p->af_mode, sizeof(p->af_mode), tail)) < 0)
			return rc;
	} else if (json_object_get(obj, "lens_position") != NULL) {
		snprintf(p->af_mode, sizeof(p->af_mode), "manual");
	}

	if ((v = json_object_get(obj, "exposure")) != NULL) {
		static const char *const modes[] = {"camera", "agent", NULL};
		char mode[8];

		*field = "exposure";
		if ((rc = name_check(modes, v, mode, sizeof(mode), tail)) < 0)
			return rc;
		p->agent_exposure = strcmp(mode, "agent") == 0;
		if (p->agent_exposure && (ae || manual)) {
			err_why(tail, "\"agent\" decides exposure and gain: it takes no ae, "
				      "exposure_us or analogue_gain (max_exposure_us sets its longest "
				      "shutter)");
			return SL_ERR_INVAL;
		}
	} else if (ae || manual) {
		p->agent_exposure = false; /* an exposure of its own: the camera's or manual */
	}
	if ((v = json_object_get(obj, "bracket_ev")) != NULL) {
		*field = "bracket_ev";
		if ((rc = bracket_field(p, v, tail)) < 0)
			return rc;
	}
	if ((v = json_object_get(obj, "video_filter")) != NULL) {
		*field = "video_filter";
		if ((rc = string_field(v, 0, p->video_filter, sizeof(p->video_filter), tail)) < 0)
			return rc;
	}
	return 0;
}

/* The slot for `id` in `set`, kept sorted by id so that "the first enabled
 * profile" is the alphabetically first; a new slot gets the defaults. */
static struct profile *profile_slot(struct profile_set *set, char id)
{
	int i = 0;

	while (i < set->count && set->items[i].id < id)
		i++;
	if (i < set->count && set->items[i].id == id)
		return &set->items[i];
	if (set->count >= PROFILE_MAX)
		return NULL;
	memmove(&set->items[i + 1], &set->items[i], (size_t)(set->count - i) * sizeof(set->items[0]));
	set->count++;
	profile_defaults(&set->items[i], id);
	return &set->items[i];
}

int profile_set_load(struct profile_set *set, const json_t *profiles, char why[ERRMSG_MAX])
{
	struct profile_set next;
	bool seen[26] = {false};
	char tail[ERRMSG_MAX];
	const char *key;
	json_t *value;
	int rc = 0;

	profile_set_builtin(&next);
	if (profiles == NULL || json_is_null(profiles))
		goto done;
	if (!json_is_object(profiles)) {
		err_why(why, "profiles: must be an object of profile id to profile");
		return SL_ERR_INVAL;
	}
	/* jansson's iterators take a non-const object; they do not change it. */
	json_object_foreach((json_t *)profiles, key, value) {
		const char *field = NULL;
		struct profile *p;
		char id;

		if (strlen(key) != 1 || !isalpha((unsigned char)key[0])) {
			err_why(why, "profiles.%.40s: profile ids are single letters", key);
			return SL_ERR_INVAL;
		}
		id = (char)tolower((unsigned char)key[0]);
		if (seen[id - 'a']) {
			err_why(why, "profiles.%s: profile \"%c\" is given twice (ids ignore case)", key, id);
			return SL_ERR_INVAL;
		}
		seen[id - 'a'] = true;
		if (!json_is_object(value)) {
			err_why(why, "profiles.%s: must be an object", key);
			return SL_ERR_INVAL;
		}
		p = profile_slot(&next, id);
		if (p == NULL)
			return SL_ERR_INVAL; /* cannot happen: 26 letters, 26 slots */
		rc = profile_apply(p, value, &field, tail);
		if (rc < 0) {
			err_why(why, "profiles.%s.%s: %s", key, field, tail);
			return rc;
		}
	}
done:
	*set = next;
	return 0;
}

const struct profile *profile_find(const struct profile_set *set, const char *id)
{
	if (set == NULL || id == NULL || strlen(id) != 1)
		return NULL;
	for (int i = 0; i < set->count; i++)
		if (set->items[i].id == tolower((unsigned char)id[0]))
			return &set->items[i];
	return NULL;
}

const struct profile *profile_first_enabled(const struct profile_set *set)
{
	for (int i = 0; set != NULL && i < set->count; i++)
		if (set->items[i].enabled)
			return &set->items[i];
	return NULL;
}

/* The controls a profile asks for before any override. */
static void controls_from_profile(const struct profile *p, double lux, struct camera_controls *c)
{
	bool lux_known = lux >= 0; /* false for NaN too */

	memset(c, 0, sizeof(*c));
	c->ae_enable = p->ae_enable;
	c->exposure_us = p->exposure_us > 0 ? p->exposure_us : DEFAULT_EXPOSURE_US;
	c->analogue_gain = p->analogue_gain > 0 ? p->analogue_gain : DEFAULT_GAIN;
	c->ev = p->ev + (p->ev_adaptive && lux_known ? profile_adaptive_ev(lux) : 0.0);

	c->colour_temp_k = -1;
	if (p->wb_curve != WB_CURVE_NONE && lux_known) {
		snprintf(c->awb_mode, sizeof(c->awb_mode), "custom");
		c->colour_temp_k = profile_wb_kelvin(p->wb_curve, lux);
	} else if (p->wb_curve != WB_CURVE_NONE) {
		snprintf(c->awb_mode, sizeof(c->awb_mode), "auto");
	} else {
		snprintf(c->awb_mode, sizeof(c->awb_mode), "%s", p->awb_mode);
		if (strcmp(p->awb_mode, "custom") == 0)
			c->colour_temp_k = p->colour_temp_k;
	}

	snprintf(c->metering, sizeof(c->metering), "%s", p->metering);
	snprintf(c->af_mode, sizeof(c->af_mode), "%s", p->af_mode);
	c->lens_position = p->lens_position;
	c->sharpness = p->sharpness;
	c->contrast = p->contrast;
	c->saturation = p->saturation;
	c->jpeg_quality = p->jpeg_quality > 0 ? p->jpeg_quality : DEFAULT_JPEG_QUALITY;
}

/* Every key must be known before any is applied, so a typo is never
 * silently a default shot. */
static int overrides_known(const json_t *ov, char why[ERRMSG_MAX])
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)ov, key, value) {
		const struct num_field *f = num_field_find(key);

		if ((f != NULL && f->in_controls != NO_FIELD) || name_index(override_other_keys, key) >= 0)
			continue;
		err_why(why, "overrides.%.40s is not a known control (exposure_us, analogue_gain, ev, "
			 "awb_mode, colour_temp_k, metering, af_mode, lens_position, sharpness, "
			 "contrast, saturation, jpeg_quality, width, height, ae)", key);
		return SL_ERR_INVAL;
	}
	return 0;
}

/* Applies request overrides to `c`; `field` gets the failing key. */
static int overrides_apply(const json_t *ov, struct camera_controls *c, const char **field,
			   char tail[ERRMSG_MAX])
{
	bool manual = json_object_get(ov, "exposure_us") || json_object_get(ov, "analogue_gain");
	const json_t *v;
	int rc;

	if ((rc = num_fields_apply(ov, c, false, field, tail)) < 0)
		return rc;
	if ((v = json_object_get(ov, "ae")) != NULL) {
		*field = "ae";
		if ((rc = bool_field(v, &c->ae_enable, tail)) < 0)
			return rc;
	} else if (manual) {
		c->ae_enable = false;
	}
	if (json_object_get(ov, "ev") != NULL && !c->ae_enable) {
		*field = "ev";
		err_why(tail, "needs auto exposure (libcamera ignores EV with a manual exposure)");
		return SL_ERR_INVAL;
	}

	if ((v = json_object_get(ov, "awb_mode")) != NULL) {
		*field = "awb_mode";
		if ((rc = name_check(awb_names, v, c->awb_mode, sizeof(c->awb_mode), tail)) < 0)
			return rc;
		if (strcmp(c->awb_mode, "custom") != 0 && json_object_get(ov, "colour_temp_k") == NULL)
			c->colour_temp_k = -1;
	} else if (json_object_get(ov, "colour_temp_k") != NULL) {
		snprintf(c->awb_mode, sizeof(c->awb_mode), "custom");
	}
	if (strcmp(c->awb_mode, "custom") == 0 && c->colour_temp_k <= 0) {
		*field = "awb_mode";
		err_why(tail, "\"custom\" needs overrides.colour_temp_k");
		return SL_ERR_INVAL;
	}
	if (strcmp(c->awb_mode, "custom") != 0 && json_object_get(ov, "colour_temp_k") != NULL) {
		*field = "colour_temp_k";
		err_why(tail, "needs awb_mode \"custom\"");
		return SL_ERR_INVAL;
	}

	if ((v = json_object_get(ov, "metering")) != NULL) {
		*field = "metering";
		if ((rc = metering_check(v, c->metering, sizeof(c->metering), tail)) < 0)
			return rc;
	}
	if ((v = json_object_get(ov, "af_mode")) != NULL) {
		*field = "af_mode";
		if ((rc = name_check(af_names, v, c->af_mode, sizeof(c->af_mode), tail)) < 0)
			return rc;
	} else if (json_object_get(ov, "lens_position") != NULL) {
		snprintf(c->af_mode, sizeof(c->af_mode), "manual");
	}
	if (json_object_get(ov, "lens_position") != NULL && strcmp(c->af_mode, "manual") != 0) {
		*field = "lens_position";
		err_why(tail, "needs af_mode \"manual\"");
		return SL_ERR_INVAL;
	}
	return 0;
}

int profile_controls(const struct profile *p, double lux, const json_t *overrides,
		     struct camera_controls *out, char why[ERRMSG_MAX])
{
	struct camera_controls c;
	const char *field = NULL;
	char tail[ERRMSG_MAX];
	int rc;

	if (p == NULL || out == NULL) {
		err_why(why, "no profile");
		return SL_ERR_INVAL;
	}
	controls_from_profile(p, lux, &c);
	if (overrides != NULL && !json_is_null(overrides)) {
		if (!json_is_object(overrides)) {
			err_why(why, "overrides must be an object");
			return SL_ERR_INVAL;
		}
		if ((rc = overrides_known(overrides, why)) < 0)
			return rc;
		if ((rc = overrides_apply(overrides, &c, &field, tail)) < 0) {
			err_why(why, "overrides.%s %s", field, tail);
			return rc;
		}
	}

	/* Only controls the camera will act on leave here: EV only with auto
	 * exposure, exposure and gain only without, gain on a sensor step, a
	 * lens position only under manual focus. */
	if (c.ae_enable) {
		c.exposure_us = -1;
		c.analogue_gain = -1;
		c.ev = fmax(-EV_LIMIT, fmin(EV_LIMIT, c.ev));
	} else {
		c.analogue_gain = profile_gain_valid(c.analogue_gain);
		c.ev = 0.0;
	}
	if (strcmp(c.af_mode, "manual") != 0)
		c.lens_position = -1;
	*out = c;
	return 0;
}

void profile_controls_bracket(struct camera_controls *c, double ev_offset)
{
	if (c->ae_enable) {
		c->ev = fmax(-EV_LIMIT, fmin(EV_LIMIT, c->ev + ev_offset));
		return;
	}
	/* One stop is a factor of two in exposure time; the gain stays on its
	 * valid step. */
	c->exposure_us = (int)fmax(1.0, fmin((double)EXPOSURE_MAX_US,
					     round(c->exposure_us * exp2(ev_offset))));
}
