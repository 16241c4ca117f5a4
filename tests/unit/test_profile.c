/* test_profile.c - unit tests of lib/profile.c: light-level curves, gain
 * steps, built-in profiles, config.json "profiles" and request overrides.
 *
 * Expected curve values are transcribed from REFERENCE.md, not from the
 * module, so a wrong table in profile.c fails here. Payload checks are
 * tables: a JSON text and the answer (or message substring) it must give.
 */
#include <math.h>

#include "profile.h"
#include "testutil.h"

#define EPS 1e-9

#define assert_near(a, b)                                                               \
	do {                                                                            \
		double a_ = (a), b_ = (b);                                              \
		if (!(fabs(a_ - b_) < EPS))                                            \
			fail_msg("%s = %.12g, want %.12g", #a, a_, b_);                 \
	} while (0)

/* ---- adaptive white balance ---- */

static const double ref_lux[] = {10000, 6000, 4000, 3000, 2000, 1500, 1000, 700, 500, 300, 100};
static const int ref_kelvin[][11] = {
	[WB_CURVE_BALANCED] = {5500, 5450, 5300, 5100, 4800, 4600, 4300, 4100, 3900, 3700, 3500},
	[WB_CURVE_CONSERVATIVE] = {5600, 5550, 5400, 5250, 5000, 4800, 4500, 4300, 4100, 3900, 3700},
	[WB_CURVE_WARM] = {5500, 5350, 5100, 4800, 4500, 4300, 4000, 3800, 3600, 3500, 3400},
};

static void test_wb_curve_points(void **state)
{
	(void)state;
	for (int c = WB_CURVE_BALANCED; c <= WB_CURVE_WARM; c++)
		for (int i = 0; i < 11; i++) {
			int k = profile_wb_kelvin((enum wb_curve)c, ref_lux[i]);

			if (k != ref_kelvin[c][i])
				fail_msg("curve %d at %g lux: %d K, want %d K", c, ref_lux[i], k,
					 ref_kelvin[c][i]);
		}
}

static void test_wb_curve_between_and_clamped(void **state)
{
	static const struct {
		enum wb_curve curve;
		double lux;
		int kelvin;
	} cases[] = {
		/* halfway between neighbours, and a quarter of the way */
		{WB_CURVE_BALANCED, 200, 3600},
		{WB_CURVE_BALANCED, 8000, 5475},
		{WB_CURVE_BALANCED, 1250, 4450},
		{WB_CURVE_BALANCED, 2500, 4950},
		{WB_CURVE_CONSERVATIVE, 850, 4400},
		{WB_CURVE_CONSERVATIVE, 5000, 5475},
		{WB_CURVE_CONSERVATIVE, 3200, 5280},
		{WB_CURVE_WARM, 400, 3550},
		{WB_CURVE_WARM, 1750, 4400},
		{WB_CURVE_WARM, 8000, 5425},
		/* clamped at both ends */
		{WB_CURVE_BALANCED, 0, 3500},
		{WB_CURVE_BALANCED, 50, 3500},
		{WB_CURVE_BALANCED, 120000, 5500},
		{WB_CURVE_CONSERVATIVE, 1, 3700},
		{WB_CURVE_CONSERVATIVE, 1e9, 5600},
		{WB_CURVE_WARM, 0, 3400},
		{WB_CURVE_WARM, 20000, 5500},
		{WB_CURVE_NONE, 1000, -1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int k = profile_wb_kelvin(cases[i].curve, cases[i].lux);

		if (k != cases[i].kelvin)
			fail_msg("case %zu: curve %d at %g lux: %d K, want %d K", i, cases[i].curve,
				 cases[i].lux, k, cases[i].kelvin);
	}
}

/* ---- adaptive EV ---- */

static void test_adaptive_ev(void **state)
{
	static const struct {
		double lux, ev;
	} cases[] = {
		/* REFERENCE.md points */
		{40000, -0.7}, {30000, -0.5}, {20000, -0.3}, {10000, 0.0}, {6000, 0.0},
		{3000, 0.3}, {1500, 0.5}, {1000, 0.7}, {500, 1.0}, {100, 1.0},
		/* between */
		{35000, -0.6}, {25000, -0.4}, {15000, -0.15}, {8000, 0.0}, {4500, 0.15},
		{2250, 0.4}, {1250, 0.6}, {750, 0.85}, {300, 1.0},
		/* clamped */
		{0, 1.0}, {10, 1.0}, {50000, -0.7}, {1e7, -0.7},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!(fabs(profile_adaptive_ev(cases[i].lux) - cases[i].ev) < EPS))
			fail_msg("EV at %g lux: %g, want %g", cases[i].lux,
				 profile_adaptive_ev(cases[i].lux), cases[i].ev);
}

/* ---- gain steps ---- */

static double code_gain(int code)
{
	return 1024.0 / (1024 - code);
}

/* The code whose gain is exactly `g`, or -1. */
static int gain_code(double g)
{
	int code = (int)lround(1024.0 - 1024.0 / g);

	return code >= 0 && code <= 1008 && code_gain(code) == g ? code : -1;
}

static void test_gain_known_steps(void **state)
{
	static const struct {
		double in;
		int code;
	} cases[] = {
		{1.08, 76},   /* ISO 108 of the earlier stack: 1024/948 = 1.08017 */
		{1.16, 141},  /* ISO 116: 1024/883 = 1.15968 beats 1024/882 = 1.16100 */
		{1.0, 0},
		{2.0, 512},
		{4.0, 768},
		{8.0, 896},
		{16.0, 960},
		{0.5, 0},     /* clamped up to 1 */
		{-3, 0},
		{40.0, 960},  /* clamped down to 16 */
		{NAN, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double out = profile_gain_valid(cases[i].in);

		if (out != code_gain(cases[i].code))
			fail_msg("gain %g -> %.9g, want code %d = %.9g", cases[i].in, out,
				 cases[i].code, code_gain(cases[i].code));
	}
}

static void test_gain_always_a_step(void **state)
{
	(void)state;
	for (double g = 0.25; g < 20.0; g += 0.0037) {
		double out = profile_gain_valid(g);
		double want = fmin(16.0, fmax(1.0, g));
		int code = gain_code(out);

		if (code < 0)
			fail_msg("gain %g -> %.12g is not 1024/(1024-code)", g, out);
		assert_true(out >= 1.0 && out <= 16.0);
		/* no neighbouring step is closer to the asked-for gain */
		if (code > 0)
			assert_true(fabs(out - want) <= fabs(code_gain(code - 1) - want));
		if (code < 960)
			assert_true(fabs(out - want) <= fabs(code_gain(code + 1) - want));
	}
}

/* ---- built-ins and lookup ---- */

static bool awb_name_valid(const char *s)
{
	static const char *const names[] = {"auto", "incandescent", "tungsten", "fluorescent",
					    "indoor", "daylight", "cloudy", "custom"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

static void test_builtins(void **state)
{
	static const struct {
		char id;
		const char *name;
		bool enabled;
		enum wb_curve curve;
		double ev;
	} want[] = {
		{'a', "Pure Auto", true, WB_CURVE_NONE, 0.0},
		{'b', "Warm vivid", true, WB_CURVE_WARM, 0.0},
		{'c', "Conservative Adaptive", false, WB_CURVE_CONSERVATIVE, -0.3},
		{'d', "Warm Dramatic + HDR", true, WB_CURVE_WARM, 0.0},
		{'e', "Balanced Adaptive", false, WB_CURVE_BALANCED, 0.0},
		{'f', "Spot metering", false, WB_CURVE_NONE, 0.7},
		{'g', "Adaptive EV + balanced WB", true, WB_CURVE_BALANCED, 0.0},
		{'h', "Day to night", false, WB_CURVE_NONE, 0.0},
	};
	struct profile_set set;
	const struct profile *p;

	(void)state;
	profile_set_builtin(&set);
	assert_int_equal(set.count, 8);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		p = &set.items[i];
		assert_int_equal(p->id, want[i].id);
		assert_string_equal(p->name, want[i].name);
		assert_int_equal(p->enabled, want[i].enabled);
		assert_int_equal(p->wb_curve, want[i].curve);
		assert_near(p->ev, want[i].ev);
		assert_true(p->ae_enable);
		assert_true(awb_name_valid(p->awb_mode));
		assert_int_equal(p->jpeg_quality, 92);
	}

	p = profile_find(&set, "a");
	assert_string_equal(p->awb_mode, "auto");
	assert_string_equal(p->metering, "centre");
	assert_int_equal(p->bracket_count, 0);

	for (const char *id = "bd"; *id; id++) {
		char s[2] = {*id, 0};

		p = profile_find(&set, s);
		assert_string_equal(p->af_mode, "manual");
		assert_near(p->lens_position, 2.45);
	}
	p = profile_find(&set, "b");
	assert_near(p->sharpness, 1.5);
	assert_near(p->contrast, 1.2);
	assert_near(p->saturation, 1.2);

	p = profile_find(&set, "d");
	assert_int_equal(p->bracket_count, 3);
	assert_near(p->bracket_ev[0], -2.0);
	assert_near(p->bracket_ev[1], 0.0);
	assert_near(p->bracket_ev[2], 2.0);

	p = profile_find(&set, "f");
	assert_string_equal(p->awb_mode, "daylight");
	assert_string_equal(p->metering, "spot");

	p = profile_find(&set, "g");
	assert_true(p->ev_adaptive);
	assert_near(p->sharpness, 1.5);
	assert_near(p->contrast, 1.15);
	assert_near(p->saturation, 1.05);
	assert_non_null(strstr(p->video_filter, "unsharp"));
	assert_non_null(strstr(p->video_filter, "contrast"));
	assert_non_null(strstr(p->video_filter, "saturation"));

	for (int i = 0; i < set.count; i++)
		assert_int_equal(set.items[i].agent_exposure, set.items[i].id == 'h');
	p = profile_find(&set, "h");
	assert_int_equal(p->bracket_count, 0);
	assert_int_equal(p->max_exposure_us, -1);
}

static void test_find(void **state)
{
	struct profile_set set;

	(void)state;
	profile_set_builtin(&set);
	assert_int_equal(profile_find(&set, "a")->id, 'a');
	assert_int_equal(profile_find(&set, "A")->id, 'a');
	assert_int_equal(profile_find(&set, "G")->id, 'g');
	assert_ptr_equal(profile_find(&set, "D"), profile_find(&set, "d"));
	assert_int_equal(profile_find(&set, "H")->id, 'h');
	assert_null(profile_find(&set, "i"));
	assert_null(profile_find(&set, ""));
	assert_null(profile_find(&set, "ab"));
	assert_null(profile_find(&set, "1"));
	assert_null(profile_find(&set, NULL));
	assert_int_equal(profile_first_enabled(&set)->id, 'a');
}

/* ---- config.json "profiles" ---- */

static void test_load_none(void **state)
{
	struct profile_set set, builtin;
	char why[ERRMSG_MAX] = "";
	json_t *null = json_null();

	(void)state;
	profile_set_builtin(&builtin);
	assert_int_equal(profile_set_load(&set, NULL, why), 0);
	assert_int_equal(set.count, builtin.count);
	for (int i = 0; i < set.count; i++) {
		assert_int_equal(set.items[i].id, builtin.items[i].id);
		assert_string_equal(set.items[i].name, builtin.items[i].name);
		assert_int_equal(set.items[i].enabled, builtin.items[i].enabled);
		assert_int_equal(set.items[i].wb_curve, builtin.items[i].wb_curve);
	}
	assert_int_equal(profile_set_load(&set, null, why), 0);
	assert_int_equal(set.count, 8);
	assert_int_equal(profile_set_load(&set, NULL, why), 0);
	json_decref(null);
}

static void test_load_good(void **state)
{
	struct profile_set set;
	const struct profile *p;
	char why[ERRMSG_MAX] = "";
	json_t *cfg = jparse("{"
		"\"A\": {\"name\": \"Alpha\", \"enabled\": false, \"metering\": \"center\", \"iso\": 100},"
		"\"c\": {\"enabled\": true, \"ev\": 1.5},"
		"\"z\": {\"name\": \"Zulu\", \"exposure_us\": 20000, \"analogue_gain\": 2.0},"
		"\"h\": {\"auto_exposure\": false, \"exposure_us\": 5000},"
		"\"g\": {\"awb_mode\": \"daylight\", \"ev_mode\": \"fixed\"},"
		"\"e\": {\"awb_mode\": \"adaptive_warm\"},"
		"\"f\": {\"wb_curve\": \"conservative\", \"ev_mode\": \"adaptive\", \"ev\": 0.5},"
		"\"b\": {\"bracket_ev\": [-1, 0, 1, 2.5], \"video_filter\": \"eq=gamma=1.1\"},"
		"\"d\": {\"lens_position\": 3.0, \"jpeg_quality\": 80, \"awb_mode\": \"warm\"},"
		"\"i\": {\"colour_temp_k\": 4800, \"sharpness\": 2, \"contrast\": 0, \"saturation\": 32},"
		"\"j\": {\"af_mode\": \"continuous\", \"awb_mode\": \"Cloudy\", \"bracket_ev\": []},"
		"\"k\": {\"exposure\": \"Agent\", \"max_exposure_us\": 8000000, \"bracket_ev\": [-1, 0]}"
		"}");

	(void)state;
	assert_int_equal(profile_set_load(&set, cfg, why), 0);
	assert_int_equal(set.count, 12);
	for (int i = 1; i < set.count; i++)
		assert_true(set.items[i - 1].id < set.items[i].id);

	p = profile_find(&set, "a");
	assert_string_equal(p->name, "Alpha");
	assert_false(p->enabled);
	assert_string_equal(p->metering, "centre");
	assert_int_equal(profile_first_enabled(&set)->id, 'b');

	p = profile_find(&set, "c");
	assert_true(p->enabled);
	assert_near(p->ev, 1.5);
	assert_false(p->ev_adaptive);
	assert_int_equal(p->wb_curve, WB_CURVE_CONSERVATIVE);

	p = profile_find(&set, "Z");
	assert_string_equal(p->name, "Zulu");
	assert_true(p->enabled);
	assert_false(p->ae_enable);
	assert_int_equal(p->exposure_us, 20000);
	assert_near(p->analogue_gain, 2.0);
	assert_int_equal(p->jpeg_quality, 92);
	assert_string_equal(p->awb_mode, "auto");

	p = profile_find(&set, "h"); /* a manual exposure of its own ends the agent's */
	assert_string_equal(p->name, "Day to night");
	assert_false(p->ae_enable);
	assert_false(p->agent_exposure);
	assert_int_equal(p->exposure_us, 5000);

	p = profile_find(&set, "g");
	assert_int_equal(p->wb_curve, WB_CURVE_NONE);
	assert_string_equal(p->awb_mode, "daylight");
	assert_false(p->ev_adaptive);
	assert_near(p->sharpness, 1.5); /* untouched fields keep the built-in */

	assert_int_equal(profile_find(&set, "e")->wb_curve, WB_CURVE_WARM);
	p = profile_find(&set, "f");
	assert_int_equal(p->wb_curve, WB_CURVE_CONSERVATIVE);
	assert_true(p->ev_adaptive);
	assert_near(p->ev, 0.5);

	p = profile_find(&set, "b");
	assert_int_equal(p->bracket_count, 4);
	assert_near(p->bracket_ev[3], 2.5);
	assert_string_equal(p->video_filter, "eq=gamma=1.1");

	p = profile_find(&set, "d");
	assert_near(p->lens_position, 3.0);
	assert_string_equal(p->af_mode, "manual");
	assert_int_equal(p->jpeg_quality, 80);
	assert_int_equal(p->wb_curve, WB_CURVE_WARM);
	assert_int_equal(p->bracket_count, 3);

	p = profile_find(&set, "i");
	assert_string_equal(p->awb_mode, "custom");
	assert_int_equal(p->colour_temp_k, 4800);
	assert_near(p->sharpness, 2.0);
	assert_near(p->contrast, 0.0);
	assert_near(p->saturation, 32.0);

	p = profile_find(&set, "j");
	assert_string_equal(p->af_mode, "continuous");
	assert_string_equal(p->awb_mode, "cloudy");
	assert_int_equal(p->bracket_count, 0);
	assert_false(p->agent_exposure);

	p = profile_find(&set, "k");
	assert_true(p->agent_exposure);
	assert_int_equal(p->max_exposure_us, 8000000);
	assert_int_equal(p->bracket_count, 2);
	json_decref(cfg);
}

static void test_load_bad(void **state)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
		{"[]", "profiles: must be an object"},
		{"\"abc\"", "profiles: must be an object"},
		{"{\"ab\": {}}", "profiles.ab: profile ids are single letters"},
		{"{\"1\": {}}", "profiles.1: profile ids are single letters"},
		{"{\"\": {}}", "profiles.: profile ids are single letters"},
		{"{\"a\": {}, \"A\": {}}", "profiles.A: profile \"a\" is given twice"},
		{"{\"a\": 3}", "profiles.a: must be an object"},
		{"{\"a\": {\"ev\": 9}}", "profiles.a.ev: must be a number between -8 and 8"},
		{"{\"A\": {\"ev\": \"1\"}}", "profiles.A.ev: must be a number between -8 and 8"},
		{"{\"a\": {\"enabled\": \"yes\"}}", "profiles.a.enabled: must be true or false"},
		{"{\"a\": {\"ae\": 1}}", "profiles.a.ae: must be true or false"},
		{"{\"a\": {\"auto_exposure\": null}}", "profiles.a.auto_exposure: must be true or false"},
		{"{\"a\": {\"exposure_us\": 0}}",
		 "profiles.a.exposure_us: must be an integer between 1 and 120000000"},
		{"{\"a\": {\"exposure_us\": 1000.5}}", "profiles.a.exposure_us: must be an integer"},
		{"{\"a\": {\"exposure_us\": 120000001}}", "profiles.a.exposure_us: must be an integer"},
		{"{\"a\": {\"analogue_gain\": 0.5}}",
		 "profiles.a.analogue_gain: must be a number between 1 and 16"},
		{"{\"a\": {\"ev_mode\": \"sometimes\"}}", "profiles.a.ev_mode: must be one of fixed, adaptive"},
		{"{\"a\": {\"awb_mode\": \"sunny\"}}", "profiles.a.awb_mode: must be a libcamera AWB mode"},
		{"{\"a\": {\"awb_mode\": 5}}", "profiles.a.awb_mode: must be a libcamera AWB mode"},
		{"{\"a\": {\"awb_mode\": \"custom\"}}", "profiles.a.awb_mode: \"custom\" needs colour_temp_k"},
		{"{\"a\": {\"colour_temp_k\": 100}}", "profiles.a.colour_temp_k: must be an integer between 1000"},
		{"{\"a\": {\"wb_curve\": \"hot\"}}", "profiles.a.wb_curve: must be one of none, balanced"},
		{"{\"a\": {\"metering\": \"average\"}}",
		 "profiles.a.metering: must be one of centre, spot, matrix"},
		{"{\"a\": {\"af_mode\": \"fixed\"}}", "profiles.a.af_mode: must be one of manual, auto, continuous"},
		{"{\"a\": {\"lens_position\": -1}}", "profiles.a.lens_position: must be a number between 0 and 15"},
		{"{\"a\": {\"sharpness\": 17}}", "profiles.a.sharpness: must be a number between 0 and 16"},
		{"{\"a\": {\"contrast\": -0.5}}", "profiles.a.contrast: must be a number between 0 and 32"},
		{"{\"a\": {\"saturation\": \"high\"}}", "profiles.a.saturation: must be a number between 0 and 32"},
		{"{\"a\": {\"jpeg_quality\": 0}}", "profiles.a.jpeg_quality: must be an integer between 1 and 100"},
		{"{\"a\": {\"jpeg_quality\": 90.5}}", "profiles.a.jpeg_quality: must be an integer"},
		{"{\"a\": {\"exposure\": \"auto\"}}", "profiles.a.exposure: must be one of camera, agent"},
		{"{\"a\": {\"exposure\": true}}", "profiles.a.exposure: must be one of camera, agent"},
		{"{\"a\": {\"exposure\": \"agent\", \"exposure_us\": 1000}}",
		 "profiles.a.exposure: \"agent\" decides exposure and gain: it takes no ae"},
		{"{\"h\": {\"exposure\": \"agent\", \"ae\": true}}", "profiles.h.exposure: \"agent\" decides"},
		{"{\"h\": {\"max_exposure_us\": 999}}",
		 "profiles.h.max_exposure_us: must be an integer between 1000 and 120000000"},
		{"{\"d\": {\"bracket_ev\": [0, 1, 2, 3, 4, 5, 6, 7]}}",
		 "profiles.d.bracket_ev: must be an array of at most 7 numbers between -8 and 8"},
		{"{\"d\": {\"bracket_ev\": [0, \"1\"]}}", "profiles.d.bracket_ev: must be an array"},
		{"{\"d\": {\"bracket_ev\": [0, 9]}}", "profiles.d.bracket_ev: must be an array"},
		{"{\"d\": {\"bracket_ev\": 2}}", "profiles.d.bracket_ev: must be an array"},
		{"{\"g\": {\"video_filter\": 5}}", "profiles.g.video_filter: must be a string of 0 to 127"},
		{"{\"a\": {\"name\": \"\"}}", "profiles.a.name: must be a string of 1 to 47 characters"},
		{"{\"a\": {\"name\": \"0123456789012345678901234567890123456789012345678\"}}",
		 "profiles.a.name: must be a string"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile_set set, before;
		char why[ERRMSG_MAX] = "";
		json_t *cfg = jparse(cases[i].json);
		int rc;

		profile_set_builtin(&set);
		set.items[0].ev = 3.25; /* a marker: a failed load must not touch the set */
		memcpy(&before, &set, sizeof(set));
		rc = profile_set_load(&set, cfg, why);
		if (rc != SL_ERR_INVAL || strstr(why, cases[i].why) == NULL)
			fail_msg("%s: rc %d, \"%s\"; want \"%s\"", cases[i].json, rc, why, cases[i].why);
		assert_memory_equal(&set, &before, sizeof(set));
		json_decref(cfg);
	}
}

/* ---- controls of one shot ---- */

struct want_controls {
	bool ae;
	int exposure_us;
	double gain, ev;
	const char *awb;
	int kelvin;
	const char *metering, *af;
	double lens;
	int quality, width, height;
};

static void check_controls(const char *label, const struct camera_controls *c,
			   const struct want_controls *w)
{
	if (c->ae_enable != w->ae || c->exposure_us != w->exposure_us ||
	    !(fabs(c->analogue_gain - w->gain) < 1e-6) || !(fabs(c->ev - w->ev) < EPS) ||
	    strcmp(c->awb_mode, w->awb) != 0 || c->colour_temp_k != w->kelvin ||
	    strcmp(c->metering, w->metering) != 0 || strcmp(c->af_mode, w->af) != 0 ||
	    !(fabs(c->lens_position - w->lens) < EPS) || c->jpeg_quality != w->quality ||
	    c->width != w->width || c->height != w->height)
		fail_msg("%s: got ae %d exp %d gain %.9g ev %g awb %s %d K metering '%s' af '%s' "
			 "lens %g q %d %dx%d", label, c->ae_enable, c->exposure_us,
			 c->analogue_gain, c->ev, c->awb_mode, c->colour_temp_k, c->metering,
			 c->af_mode, c->lens_position, c->jpeg_quality, c->width, c->height);
}

static void test_controls(void **state)
{
	static const struct {
		const char *id;
		double lux;
		const char *overrides; /* NULL: none */
		struct want_controls want;
	} cases[] = {
		{"a", 500, NULL, {true, -1, -1, 0.0, "auto", -1, "centre", "", -1, 92, 0, 0}},
		{"A", -1, "{}", {true, -1, -1, 0.0, "auto", -1, "centre", "", -1, 92, 0, 0}},
		{"b", 1000, NULL, {true, -1, -1, 0.0, "custom", 4000, "", "manual", 2.45, 92, 0, 0}},
		{"b", -1, NULL, {true, -1, -1, 0.0, "auto", -1, "", "manual", 2.45, 92, 0, 0}},
		{"c", 3000, NULL, {true, -1, -1, -0.3, "custom", 5250, "", "", -1, 92, 0, 0}},
		{"e", 200, NULL, {true, -1, -1, 0.0, "custom", 3600, "", "", -1, 92, 0, 0}},
		{"f", 800, NULL, {true, -1, -1, 0.7, "daylight", -1, "spot", "", -1, 92, 0, 0}},
		{"g", 1000, NULL, {true, -1, -1, 0.7, "custom", 4300, "", "", -1, 92, 0, 0}},
		{"g", 50000, NULL, {true, -1, -1, -0.7, "custom", 5500, "", "", -1, 92, 0, 0}},
		{"g", -1, NULL, {true, -1, -1, 0.0, "auto", -1, "", "", -1, 92, 0, 0}},
		{"g", NAN, NULL, {true, -1, -1, 0.0, "auto", -1, "", "", -1, 92, 0, 0}},
		/* overrides */
		{"a", 500, "{\"exposure_us\": 20000}",
		 {false, 20000, 1.0, 0.0, "auto", -1, "centre", "", -1, 92, 0, 0}},
		{"a", 500, "{\"exposure_us\": 20000, \"analogue_gain\": 1.08}",
		 {false, 20000, 1024.0 / 948, 0.0, "auto", -1, "centre", "", -1, 92, 0, 0}},
		{"f", 800, "{\"exposure_us\": 1000}", /* EV means nothing under manual exposure */
		 {false, 1000, 1.0, 0.0, "daylight", -1, "spot", "", -1, 92, 0, 0}},
		{"a", 500, "{\"analogue_gain\": 16}",
		 {false, 10000, 16.0, 0.0, "auto", -1, "centre", "", -1, 92, 0, 0}},
		{"g", 1000, "{\"ev\": -1.5}", {true, -1, -1, -1.5, "custom", 4300, "", "", -1, 92, 0, 0}},
		{"b", 1000, "{\"awb_mode\": \"daylight\"}",
		 {true, -1, -1, 0.0, "daylight", -1, "", "manual", 2.45, 92, 0, 0}},
		{"b", 1000, "{\"awb_mode\": \"custom\"}",
		 {true, -1, -1, 0.0, "custom", 4000, "", "manual", 2.45, 92, 0, 0}},
		{"a", 500, "{\"colour_temp_k\": 6500}",
		 {true, -1, -1, 0.0, "custom", 6500, "centre", "", -1, 92, 0, 0}},
		{"a", 500, "{\"awb_mode\": \"CUSTOM\", \"colour_temp_k\": 3000}",
		 {true, -1, -1, 0.0, "custom", 3000, "centre", "", -1, 92, 0, 0}},
		{"a", 500, "{\"metering\": \"spot\", \"lens_position\": 0}",
		 {true, -1, -1, 0.0, "auto", -1, "spot", "manual", 0.0, 92, 0, 0}},
		{"b", 1000, "{\"af_mode\": \"continuous\"}",
		 {true, -1, -1, 0.0, "custom", 4000, "", "continuous", -1, 92, 0, 0}},
		{"a", 500, "{\"jpeg_quality\": 75, \"width\": 1920, \"height\": 1080}",
		 {true, -1, -1, 0.0, "auto", -1, "centre", "", -1, 75, 1920, 1080}},
		{"a", 500, "{\"ae\": false}", {false, 10000, 1.0, 0.0, "auto", -1, "centre", "", -1, 92, 0, 0}},
		{"a", 500, "{\"ae\": true, \"exposure_us\": 5000}",
		 {true, -1, -1, 0.0, "auto", -1, "centre", "", -1, 92, 0, 0}},
		{"a", 500, "null", {true, -1, -1, 0.0, "auto", -1, "centre", "", -1, 92, 0, 0}},
	};
	struct profile_set set;

	(void)state;
	profile_set_builtin(&set);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *ov = cases[i].overrides ? jparse(cases[i].overrides) : NULL;
		struct camera_controls c;
		char why[ERRMSG_MAX] = "";
		char label[160];
		int rc;

		snprintf(label, sizeof(label), "%s at %g lux, %s", cases[i].id, cases[i].lux,
			 cases[i].overrides ? cases[i].overrides : "no overrides");
		rc = profile_controls(profile_find(&set, cases[i].id), cases[i].lux, ov, &c, why);
		if (rc != 0)
			fail_msg("%s: rc %d: %s", label, rc, why);
		check_controls(label, &c, &cases[i].want);
		json_decref(ov);
	}
}

static void test_controls_manual_profile(void **state)
{
	struct profile_set set;
	struct camera_controls c;
	char why[ERRMSG_MAX] = "";
	json_t *cfg = jparse("{\"m\": {\"exposure_us\": 4000, \"analogue_gain\": 1.16}}");

	(void)state;
	assert_int_equal(profile_set_load(&set, cfg, why), 0);
	assert_int_equal(profile_controls(profile_find(&set, "m"), 500, NULL, &c, why), 0);
	assert_false(c.ae_enable);
	assert_int_equal(c.exposure_us, 4000);
	assert_true(c.analogue_gain == 1024.0 / 883); /* 1.16 is not a step */
	assert_near(c.ev, 0.0);
	json_decref(cfg);
}

static void test_overrides_bad(void **state)
{
	static const struct {
		const char *id, *overrides, *why;
	} cases[] = {
		{"a", "[]", "overrides must be an object"},
		{"a", "5", "overrides must be an object"},
		{"a", "{\"iso\": 100}", "overrides.iso is not a known control"},
		{"a", "{\"ev\": 1, \"Exposure_us\": 100}", "overrides.Exposure_us is not a known control"},
		{"a", "{\"exposure_us\": 0}", "overrides.exposure_us must be an integer between 1 and 120000000"},
		{"a", "{\"exposure_us\": 120000001}", "overrides.exposure_us must be an integer between 1 and"},
		{"a", "{\"exposure_us\": \"100\"}", "overrides.exposure_us must be an integer"},
		{"a", "{\"exposure_us\": 1000.5}", "overrides.exposure_us must be an integer"},
		{"a", "{\"analogue_gain\": 17}", "overrides.analogue_gain must be a number between 1 and 16"},
		{"a", "{\"analogue_gain\": true}", "overrides.analogue_gain must be a number"},
		{"a", "{\"ev\": 8.5}", "overrides.ev must be a number between -8 and 8"},
		{"a", "{\"ev\": null}", "overrides.ev must be a number between -8 and 8"},
		{"a", "{\"ev\": 1, \"exposure_us\": 1000}", "overrides.ev needs auto exposure"},
		{"a", "{\"ev\": 1, \"ae\": false}", "overrides.ev needs auto exposure"},
		{"a", "{\"ae\": \"no\"}", "overrides.ae must be true or false"},
		{"a", "{\"awb_mode\": 5}", "overrides.awb_mode must be one of auto, incandescent, tungsten, "
					   "fluorescent, indoor, daylight, cloudy, custom"},
		{"a", "{\"awb_mode\": \"adaptive_warm\"}", "overrides.awb_mode must be one of auto"},
		{"a", "{\"awb_mode\": \"custom\"}", "overrides.awb_mode \"custom\" needs overrides.colour_temp_k"},
		{"b", "{\"awb_mode\": \"daylight\", \"colour_temp_k\": 5000}",
		 "overrides.colour_temp_k needs awb_mode \"custom\""},
		{"a", "{\"colour_temp_k\": 500}", "overrides.colour_temp_k must be an integer between 1000"},
		{"a", "{\"metering\": \"average\"}", "overrides.metering must be one of centre, spot, matrix"},
		{"a", "{\"af_mode\": 1}", "overrides.af_mode must be one of manual, auto, continuous"},
		{"a", "{\"lens_position\": 20}", "overrides.lens_position must be a number between 0 and 15"},
		{"b", "{\"af_mode\": \"auto\", \"lens_position\": 2}",
		 "overrides.lens_position needs af_mode \"manual\""},
		{"a", "{\"sharpness\": -0.1}", "overrides.sharpness must be a number between 0 and 16"},
		{"a", "{\"contrast\": 33}", "overrides.contrast must be a number between 0 and 32"},
		{"a", "{\"saturation\": \"high\"}", "overrides.saturation must be a number between 0 and 32"},
		{"a", "{\"jpeg_quality\": 0}", "overrides.jpeg_quality must be an integer between 1 and 100"},
		{"a", "{\"width\": -1}", "overrides.width must be an integer between 0 and 16384"},
		{"a", "{\"height\": 1.5}", "overrides.height must be an integer between 0 and 16384"},
	};
	struct profile_set set;

	(void)state;
	profile_set_builtin(&set);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *ov = jparse(cases[i].overrides);
		struct camera_controls c, before;
		char why[ERRMSG_MAX] = "";
		int rc;

		memset(&c, 0x5a, sizeof(c));
		memcpy(&before, &c, sizeof(c));
		rc = profile_controls(profile_find(&set, cases[i].id), 1000, ov, &c, why);
		if (rc != SL_ERR_INVAL || strstr(why, cases[i].why) == NULL)
			fail_msg("%s %s: rc %d, \"%s\"; want \"%s\"", cases[i].id, cases[i].overrides,
				 rc, why, cases[i].why);
		assert_memory_equal(&c, &before, sizeof(c)); /* untouched on error */
		json_decref(ov);
	}
}

static void test_bracket(void **state)
{
	struct profile_set set;
	struct camera_controls base, c;
	char why[ERRMSG_MAX] = "";
	const struct profile *d;
	json_t *manual = jparse("{\"exposure_us\": 10000, \"analogue_gain\": 2}");
	static const double want_ev[] = {-2.0, 0.0, 2.0};
	static const int want_us[] = {2500, 10000, 40000};

	(void)state;
	profile_set_builtin(&set);
	d = profile_find(&set, "d");
	assert_int_equal(profile_controls(d, 1000, NULL, &base, why), 0);
	for (int i = 0; i < d->bracket_count; i++) {
		c = base;
		profile_controls_bracket(&c, d->bracket_ev[i]);
		assert_true(c.ae_enable);
		assert_near(c.ev, want_ev[i]);
		assert_int_equal(c.exposure_us, -1);
	}

	/* manual exposure: the time moves, since libcamera ignores EV there */
	assert_int_equal(profile_controls(d, 1000, manual, &base, why), 0);
	for (int i = 0; i < d->bracket_count; i++) {
		c = base;
		profile_controls_bracket(&c, d->bracket_ev[i]);
		assert_false(c.ae_enable);
		assert_int_equal(c.exposure_us, want_us[i]);
		assert_near(c.analogue_gain, 2.0);
		assert_near(c.ev, 0.0);
	}

	/* clamped at the ends */
	c = base;
	c.exposure_us = 100000000;
	profile_controls_bracket(&c, 3);
	assert_int_equal(c.exposure_us, 120000000);
	c = base;
	c.ae_enable = true;
	c.ev = 7.0;
	profile_controls_bracket(&c, 2);
	assert_near(c.ev, 8.0);
	json_decref(manual);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wb_curve_points),
		cmocka_unit_test(test_wb_curve_between_and_clamped),
		cmocka_unit_test(test_adaptive_ev),
		cmocka_unit_test(test_gain_known_steps),
		cmocka_unit_test(test_gain_always_a_step),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_load_none),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_bad),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_controls_manual_profile),
		cmocka_unit_test(test_overrides_bad),
		cmocka_unit_test(test_bracket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
