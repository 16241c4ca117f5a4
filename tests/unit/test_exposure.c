/* test_exposure.c - unit tests of skylapse-capture's exposure controller
 * (agents/capture/exposure.c) on a made-up camera: a frame's mean luma is
 * the sRGB curve of scene x exposure x gain, its highlight percentile a
 * fixed step brighter, times from a fake clock. */
#include <math.h>

#include "exposure.h"
#include "profile.h"
#include "testutil.h"

#define T0_MS 1774000000000LL

/* The made-up camera: a scene of `scene_ev` (log2 of linear light per
 * second x gain) taken with `s`. */
static double luma_of(double scene_ev, const struct exposure_setting *s)
{
	double v = exp2(scene_ev) * s->exposure_us * 1e-6 * s->analogue_gain;

	v = v >= 1 ? 1 : v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
	return 255 * v;
}

static double product_ev(const struct exposure_setting *s)
{
	return log2(s->exposure_us * 1e-6 * s->analogue_gain);
}

/* One shot of the scene with `s` at `at_ms`, measured. */
static struct exposure_frame shoot(double scene_ev, const struct exposure_setting *s, int64_t at_ms)
{
	double l = luma_of(scene_ev, s);

	return (struct exposure_frame){at_ms, l, fmin(255, l * 1.4), s->exposure_us,
				       s->analogue_gain};
}

struct rig {
	struct exposure_state st;
	struct exposure_limits lim;
	struct exposure_setting cur;
	int interval_ms;
	int64_t now;
};

/* A controller at a 5 s interval, settled on a scene of `scene_ev` with the
 * sun at `sun_deg`. */
static void rig_settle(struct rig *r, int interval_ms, double scene_ev, double sun_deg)
{
	struct exposure_frame f;

	r->interval_ms = interval_ms;
	r->now = T0_MS;
	exposure_limits_for(interval_ms, 1000, 0, &r->lim);
	exposure_state_init(&r->st, 10000, 1.0, sun_deg, &r->cur);
	for (int i = 0; i < 400; i++) {
		f = shoot(scene_ev, &r->cur, r->now);
		r->now += interval_ms;
		exposure_next(&r->st, &r->lim, &f, sun_deg, interval_ms, &r->cur);
	}
}

static void rig_step(struct rig *r, const struct exposure_frame *f, double sun_deg)
{
	r->now += r->interval_ms;
	exposure_next(&r->st, &r->lim, f, sun_deg, r->interval_ms, &r->cur);
}

static void test_limits_for(void **state)
{
	struct exposure_limits l;

	(void)state;
	exposure_limits_for(5000, 1000, 0, &l);
	assert_int_equal(l.exposure_max_us, 4000000);
	exposure_limits_for(60000, 1000, 0, &l);
	assert_int_equal(l.exposure_max_us, EXPOSURE_MAX_DEFAULT_US);
	exposure_limits_for(60000, 1000, 8000000, &l);
	assert_int_equal(l.exposure_max_us, 8000000);
	exposure_limits_for(500, 1000, 0, &l); /* no room at all: the shortest */
	assert_int_equal(l.exposure_max_us, EXPOSURE_MIN_US);
	assert_true(l.gain_max == EXPOSURE_GAIN_MAX);
}

static void test_target_follows_sun(void **state)
{
	(void)state;
	assert_true(exposure_target_luma(30) > 100);
	assert_true(exposure_target_luma(-6) < exposure_target_luma(0));
	assert_true(exposure_target_luma(-12) < exposure_target_luma(-6));
	/* night darker than day, never black */
	assert_true(exposure_target_luma(-20) >= 25 && exposure_target_luma(-20) <= 80);
}

/* A scene darkening at a steady rate and faster: the exposure never
 * shortens, and it keeps the frame near its target. */
static void test_monotonic_darkening(void **state)
{
	struct rig r;
	struct exposure_frame f;
	double scene = 8, prev, rates[] = {-0.001, -0.005, -0.002};

	(void)state;
	rig_settle(&r, 5000, scene, 20);
	prev = product_ev(&r.cur);
	for (int phase = 0; phase < 3; phase++) {
		for (int i = 0; i < 300; i++) {
			f = shoot(scene, &r.cur, r.now);
			scene += rates[phase] * r.interval_ms / 1000.0;
			rig_step(&r, &f, 20);
			assert_true(product_ev(&r.cur) >= prev - 1e-9);
			prev = product_ev(&r.cur);
		}
	}
	/* 10.5 stops darker, followed: the frame is still near 108 */
	f = shoot(scene, &r.cur, r.now);
	assert_true(fabs(f.mean_luma - exposure_target_luma(20)) < 15);
}

/* Twilight at a 60 s interval: the sky's darkening speeds up over ten
 * minutes to 0.3 EV a minute, as at a tropical dusk. The trend is followed,
 * so the frames hold their brightness, steps under 5 %. */
static void test_twilight_ramp_smooth(void **state)
{
	struct rig r;
	struct exposure_frame f;
	double scene = 8, prev = -1;

	(void)state;
	rig_settle(&r, 60000, scene, 20);
	for (int i = 0; i < 60; i++) {
		f = shoot(scene, &r.cur, r.now);
		if (prev > 0)
			assert_true(fabs(f.mean_luma - prev) / prev < 0.05);
		if (i >= 30) /* the trend learnt: near the target */
			assert_true(fabs(f.mean_luma - exposure_target_luma(20)) < 8);
		prev = f.mean_luma;
		scene -= 0.3 * fmin(1, i / 10.0);
		rig_step(&r, &f, 20);
	}
}

/* Headlights or the sun entering the frame: the highlights clip, the mean
 * barely moves. The exposure does not pump. */
static void test_highlight_jump_does_not_pump(void **state)
{
	struct rig r;
	struct exposure_frame f;
	double before;

	(void)state;
	rig_settle(&r, 5000, 8, 20);
	before = product_ev(&r.cur);
	for (int i = 0; i < 60; i++) {
		f = shoot(8, &r.cur, r.now);
		f.mean_luma *= 1.01;
		f.highlight_luma = 255;
		rig_step(&r, &f, 20);
		assert_true(fabs(product_ev(&r.cur) - before) < 0.02);
	}
}

/* A short bright spike (a car's lights on the foreground for a frame or
 * two) changes nothing; a change that stays is followed, smoothly. */
static void test_spike_ignored_step_followed(void **state)
{
	struct rig r;
	struct exposure_frame f;
	double before, prev;

	(void)state;
	rig_settle(&r, 60000, 8, 20);
	before = product_ev(&r.cur);
	for (int spike = 1; spike <= 2; spike++) {
		for (int i = 0; i < spike; i++) {
			f = shoot(9.5, &r.cur, r.now); /* 1.5 EV brighter */
			rig_step(&r, &f, 20);
			assert_true(fabs(product_ev(&r.cur) - before) < 0.01);
		}
		for (int i = 0; i < 10; i++) {
			f = shoot(8, &r.cur, r.now);
			rig_step(&r, &f, 20);
			assert_true(fabs(product_ev(&r.cur) - before) < 0.01);
		}
	}
	/* the scene stays 1.5 EV brighter: after the outlier frames, followed
	 * without a frame-to-frame jump of the output over 5 % */
	prev = luma_of(9.5, &r.cur);
	for (int i = 0; i < 60; i++) {
		f = shoot(9.5, &r.cur, r.now);
		if (i > EXPOSURE_OUTLIER_FRAMES)
			assert_true(fabs(f.mean_luma - prev) / prev < 0.05);
		prev = f.mean_luma;
		rig_step(&r, &f, 20);
	}
	assert_true(fabs(product_ev(&r.cur) - (before - 1.5)) < 0.2);
}

/* From noon to a night darker than the limits: exposure within the limits,
 * the shutter at its longest before any gain, gain on the sensor's steps. */
static void test_limits_and_gain_steps(void **state)
{
	struct rig r;
	struct exposure_frame f;
	double scene = 10;
	bool saw_gain = false, saw_max = false;

	(void)state;
	rig_settle(&r, 5000, scene, 20);
	for (int i = 0; i < 3000; i++) {
		f = shoot(scene, &r.cur, r.now);
		scene -= 0.01;
		rig_step(&r, &f, 20 - i * 0.02);
		assert_true(r.cur.exposure_us >= r.lim.exposure_min_us);
		assert_true(r.cur.exposure_us <= r.lim.exposure_max_us);
		assert_true(r.cur.analogue_gain >= 1.0 && r.cur.analogue_gain <= 16.0);
		assert_true(r.cur.analogue_gain == profile_gain_valid(r.cur.analogue_gain));
		if (r.cur.analogue_gain > 1.0) {
			saw_gain = true;
			assert_true(r.cur.exposure_us >= 0.98 * r.lim.exposure_max_us);
		}
		saw_max |=
		    r.cur.exposure_us == r.lim.exposure_max_us && r.cur.analogue_gain == 16.0;
	}
	assert_true(saw_gain);
	assert_true(saw_max);
}

/* A night the limits can reach (60 s interval: 20 s at gain 16) is shown at
 * the night's target: darker than day, never black. */
static void test_night_exposed(void **state)
{
	struct rig r;
	struct exposure_frame f;

	(void)state;
	rig_settle(&r, 60000, -11.3, -18);
	f = shoot(-11.3, &r.cur, r.now);
	assert_true(f.mean_luma >= 25 && f.mean_luma < exposure_target_luma(20));
	assert_true(fabs(f.mean_luma - exposure_target_luma(-18)) < 5);
	assert_true(r.cur.analogue_gain > 1.0 && r.cur.analogue_gain < 16.0);
}

/* A steady scene, even a little noisy, keeps the same settings. */
static void test_hysteresis_holds_steady(void **state)
{
	struct rig r;
	struct exposure_frame f;
	struct exposure_setting held;

	(void)state;
	rig_settle(&r, 5000, 8, 20);
	held = r.cur;
	for (int i = 0; i < 500; i++) {
		f = shoot(8 + 0.03 * sin(i * 1.7), &r.cur, r.now);
		rig_step(&r, &f, 20);
		assert_int_equal(r.cur.exposure_us, held.exposure_us);
		assert_true(r.cur.analogue_gain == held.analogue_gain);
		assert_int_equal(r.cur.colour_temp_k, held.colour_temp_k);
	}
}

/* White balance follows the sun slowly: no jump from one frame to the next
 * (3 mired a frame at most, under what an eye tells apart). */
static void test_white_balance_smooth(void **state)
{
	struct rig r;
	struct exposure_frame f;
	int prev;

	(void)state;
	rig_settle(&r, 60000, 8, 10);
	prev = r.cur.colour_temp_k;
	assert_int_equal(prev, 5500);
	for (int i = 0; i < 200; i++) {
		f = shoot(8, &r.cur, r.now);
		rig_step(&r, &f, 10 - i * 0.15);
		assert_true(abs(r.cur.colour_temp_k - prev) <= 30);
		prev = r.cur.colour_temp_k;
	}
	assert_true(prev < 4700);
	/* even when the light changes at once, the colour does not jump */
	for (int i = 0; i < 20; i++) {
		f = shoot(8, &r.cur, r.now);
		rig_step(&r, &f, 10);
		assert_true(fabs(1e6 / r.cur.colour_temp_k - 1e6 / prev) <=
			    3.05); /* 3, and the rounding to 1 K */
		prev = r.cur.colour_temp_k;
	}
}

static void test_state_json_roundtrip(void **state)
{
	struct rig r;
	struct exposure_state back;
	struct exposure_setting a, b;
	struct exposure_frame f;
	char why[ERRMSG_MAX] = "", *text;
	json_t *j, *parsed;

	(void)state;
	rig_settle(&r, 5000, 8, 20);
	for (int i = 0; i < 50; i++) {
		f = shoot(8 - 0.02 * i, &r.cur, r.now);
		rig_step(&r, &f, 20);
	}
	j = exposure_state_to_json(&r.st);
	assert_non_null(j);
	text = json_dumps(j, 0);
	parsed = jparse(text);
	assert_int_equal(exposure_state_from_json(&back, parsed, why), 0);
	assert_int_equal(back.exposure_us, r.st.exposure_us);
	assert_true(back.analogue_gain == r.st.analogue_gain);
	assert_int_equal(back.colour_temp_k, r.st.colour_temp_k);
	assert_true(back.last_ms == r.st.last_ms);
	assert_true(fabs(back.ev - r.st.ev) < 1e-9);
	assert_true(fabs(back.scene_rate - r.st.scene_rate) < 1e-12);
	assert_true(back.settled == r.st.settled);
	/* the reloaded controller goes on exactly as the original */
	f = shoot(7, &r.cur, r.now);
	exposure_next(&r.st, &r.lim, &f, 20, 5000, &a);
	exposure_next(&back, &r.lim, &f, 20, 5000, &b);
	assert_int_equal(a.exposure_us, b.exposure_us);
	assert_true(a.analogue_gain == b.analogue_gain);
	assert_int_equal(a.colour_temp_k, b.colour_temp_k);
	free(text);
	json_decref(parsed);
	json_decref(j);

	/* a state without the three settings, or with bad ones, is refused */
	j = json_pack("{s:i}", "exposure_us", 1000);
	assert_int_equal(exposure_state_from_json(&back, j, why), SL_ERR_INVAL);
	assert_non_null(strstr(why, "analogue_gain"));
	json_decref(j);
	j = json_pack("{s:i, s:f, s:s}", "exposure_us", 1000, "analogue_gain", 2.0, "colour_temp_k",
		      "warm");
	assert_int_equal(exposure_state_from_json(&back, j, why), SL_ERR_INVAL);
	json_decref(j);
}

/* After a long stop (a day state meeting a night), the first frames catch
 * up in whole steps instead of crawling. */
static void test_gap_catches_up(void **state)
{
	struct rig r;
	struct exposure_frame f;

	(void)state;
	rig_settle(&r, 5000, 8, 20);
	r.now += 8 * 3600 * 1000LL;
	for (int i = 0; i < 4; i++) {
		f = shoot(-1, &r.cur, r.now);
		rig_step(&r, &f, -4);
	}
	f = shoot(-1, &r.cur, r.now);
	assert_true(fabs(f.mean_luma - exposure_target_luma(-4)) < 0.2 * exposure_target_luma(-4));
}

/* The meter: 1999 pixels at 100 and 41 at 250 (just over 2 %), a row beyond
 * the frame's height that is not counted. */
static void test_measure_plane(void **state)
{
	unsigned char plane[20 * 103];
	struct exposure_frame f = {0};

	(void)state;
	memset(plane, 100, sizeof(plane));
	memset(plane + 20 * 100 - 1, 250, 41); /* the end of the frame */
	memset(plane + 20 * 102, 7, 20);       /* row 102: outside */
	exposure_measure_plane(plane, 20, 102, 20, &f);
	assert_true(fabs(f.mean_luma - (100.0 * 1999 + 250.0 * 41) / 2040) < 1e-9);
	assert_true(f.highlight_luma == 250);
	plane[20 * 100] = 100; /* one fewer, under 2 %: they now reach 100 */
	exposure_measure_plane(plane, 20, 102, 20, &f);
	assert_true(f.highlight_luma == 100);
}

static void test_bracket(void **state)
{
	struct exposure_limits lim;
	struct exposure_setting base = {10000, 1.0, 5500}, out;

	(void)state;
	exposure_limits_for(5000, 1000, 0, &lim);
	exposure_bracket(&lim, &base, 2, &out);
	assert_int_equal(out.exposure_us, 40000);
	assert_true(out.analogue_gain == 1.0);
	assert_int_equal(out.colour_temp_k, 5500);
	exposure_bracket(&lim, &base, -2, &out);
	assert_int_equal(out.exposure_us, 2500);
	/* at night, +2 EV goes to gain (the shutter has no room), -2 EV takes
	 * the gain off first */
	base = (struct exposure_setting){4000000, 4.0, 4500};
	exposure_bracket(&lim, &base, 2, &out);
	assert_int_equal(out.exposure_us, 4000000);
	assert_true(out.analogue_gain == profile_gain_valid(16));
	exposure_bracket(&lim, &base, -2, &out);
	assert_int_equal(out.exposure_us, 4000000);
	assert_true(out.analogue_gain == 1.0);
	/* beyond the limits, clamped */
	exposure_bracket(&lim, &base, 4, &out);
	assert_int_equal(out.exposure_us, 4000000);
	assert_true(out.analogue_gain == 16.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limits_for),
	    cmocka_unit_test(test_target_follows_sun),
	    cmocka_unit_test(test_monotonic_darkening),
	    cmocka_unit_test(test_twilight_ramp_smooth),
	    cmocka_unit_test(test_highlight_jump_does_not_pump),
	    cmocka_unit_test(test_spike_ignored_step_followed),
	    cmocka_unit_test(test_limits_and_gain_steps),
	    cmocka_unit_test(test_night_exposed),
	    cmocka_unit_test(test_hysteresis_holds_steady),
	    cmocka_unit_test(test_white_balance_smooth),
	    cmocka_unit_test(test_state_json_roundtrip),
	    cmocka_unit_test(test_gap_catches_up),
	    cmocka_unit_test(test_measure_plane),
	    cmocka_unit_test(test_bracket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
