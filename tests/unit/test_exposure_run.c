/* test_exposure_run.c - unit tests of the exposure controller as the agent
 * runs it (agents/capture/exposure_run.c): the interval and the camera's
 * time learned from the shots, where a shot's settings start, brackets
 * within the limits, and the state file (kept across a restart, a corrupt
 * one refused). Times come from a fake clock; the scene is a made-up one. */
#include <limits.h>
#include <math.h>
#include <unistd.h>

#include "exposure_run.h"
#include "fsutil.h"
#include "profile.h"
#include "testutil.h"

#define T0_MS 1774000000000LL

static const struct camera_meter meter = {
    .lux = 5, .exposure_us = 400000, .analogue_gain = 4.0, .colour_temp_k = 6000};

/* A frame of a scene of `scene_ev` taken with `s` at `at_ms`, as measured. */
static struct exposure_frame shoot(double scene_ev, const struct exposure_setting *s, int64_t at_ms)
{
	double v = exp2(scene_ev) * s->exposure_us * 1e-6 * s->analogue_gain;

	v = v >= 1 ? 1 : v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
	return (struct exposure_frame){at_ms, 255 * v, fmin(255, 255 * v * 1.3), s->exposure_us,
				       s->analogue_gain};
}

static const struct profile *profile_h(struct profile_set *set)
{
	profile_set_builtin(set);
	return profile_find(set, "h");
}

/* `n` shots of `p` every `interval_ms` on a scene darkening by `rate` EV a
 * second from `scene_ev`; returns the last setting, r keeps the rest. */
static struct exposure_setting run_shots(struct exposure_run *r, const struct profile *p,
					 int64_t *now, int n, int interval_ms, double *scene_ev,
					 double rate, double sun_deg)
{
	struct exposure_limits lim;
	struct exposure_setting s = {0};
	struct exposure_frame f;

	for (int i = 0; i < n; i++) {
		exposure_run_plan(r, p, &meter, *now, sun_deg, &lim, &s);
		assert_true(s.exposure_us <= lim.exposure_max_us);
		assert_true(s.analogue_gain == profile_gain_valid(s.analogue_gain));
		f = shoot(*scene_ev, &s, *now);
		exposure_run_taken(r, p->id, &f, sun_deg, 300);
		*now += interval_ms;
		*scene_ev += rate * interval_ms / 1000.0;
	}
	return s;
}

static void test_first_shot_from_meter_and_short_interval(void **state)
{
	struct exposure_run r = {{{0}}};
	struct profile_set set;
	const struct profile *p = profile_h(&set);
	struct exposure_limits lim;
	struct exposure_setting s;

	(void)state;
	exposure_run_plan(&r, p, &meter, T0_MS, -5, &lim, &s);
	/* the camera's choice, and limits for the first guess of the interval */
	assert_int_equal(s.exposure_us, 400000);
	assert_true(fabs(s.analogue_gain - 4.0) < 0.01);
	assert_int_equal(lim.exposure_max_us,
			 (EXPOSURE_RUN_FIRST_INTERVAL_MS - EXPOSURE_RUN_FIRST_CAPTURE_MS -
			  EXPOSURE_RUN_MARGIN_MS) *
			     1000);
	assert_non_null(exposure_run_find(&r, 'h'));
	assert_null(exposure_run_find(&r, 'a'));
}

static void test_interval_and_camera_time_learned(void **state)
{
	struct exposure_run r = {{{0}}};
	struct profile_set set;
	const struct profile *p = profile_h(&set);
	const struct exposure_track *t;
	struct exposure_limits lim;
	struct exposure_setting s;
	struct exposure_frame f;
	double scene = -2;
	int64_t now = T0_MS;

	(void)state;
	run_shots(&r, p, &now, 3, 60000, &scene, 0, -20);
	t = exposure_run_find(&r, 'h');
	assert_int_equal(t->interval_ms, 60000);
	assert_int_equal(t->capture_ms, 300);
	/* a night scene at 60 s: the shutter goes to the configurable maximum */
	run_shots(&r, p, &now, 200, 60000, &scene, 0, -20);
	exposure_run_plan(&r, p, &meter, now, -20, &lim, &s);
	assert_int_equal(lim.exposure_max_us, EXPOSURE_MAX_DEFAULT_US);
	/* the camera's time: up at once, down only past the jitter */
	f = shoot(scene, &s, now);
	exposure_run_taken(&r, 'h', &f, -20, 900);
	assert_int_equal(t->capture_ms, 900);
	exposure_run_plan(&r, p, &meter, now + 60000, -20, &lim, &s);
	exposure_run_taken(&r, 'h', &f, -20, 700);
	assert_int_equal(t->capture_ms, 900);
	exposure_run_plan(&r, p, &meter, now + 120000, -20, &lim, &s);
	exposure_run_taken(&r, 'h', &f, -20, 200);
	assert_int_equal(t->capture_ms, 200);
	/* a pause of hours is not an interval */
	exposure_run_plan(&r, p, &meter, now + 6 * 3600000LL, -20, &lim, &s);
	assert_int_equal(t->interval_ms, 60000);
}

/* Over a sunset's darkening the agent's settings change little shot to
 * shot, and the limits of a 5 s interval hold the shutter. */
static void test_ramp_smooth_within_interval(void **state)
{
	struct exposure_run r = {{{0}}};
	struct profile_set set;
	const struct profile *p = profile_h(&set);
	struct exposure_limits lim;
	struct exposure_setting s, prev;
	struct exposure_frame f;
	double scene = 8, worst = 0;
	int64_t now = T0_MS;

	(void)state;
	prev = run_shots(&r, p, &now, 60, 5000, &scene, 0, 0);
	for (int i = 0; i < 600; i++) {
		exposure_run_plan(&r, p, &meter, now, 0, &lim, &s);
		assert_true(s.exposure_us <= 5000000 - 300000 - EXPOSURE_RUN_MARGIN_MS * 1000);
		worst = fmax(worst, fabs(log2((double)s.exposure_us * s.analogue_gain /
					      ((double)prev.exposure_us * prev.analogue_gain))));
		f = shoot(scene, &s, now);
		exposure_run_taken(&r, 'h', &f, 0, 300);
		prev = s;
		now += 5000;
		scene -= 0.005 * 5; /* 0.3 EV a minute: a fast twilight */
	}
	assert_true(worst < 0.2);
}

/* Brackets split the shot's room; each bracket keeps within the limits. */
static void test_brackets_share_the_interval(void **state)
{
	struct exposure_run r = {{{0}}};
	struct profile_set set;
	struct profile p;
	struct exposure_limits lim;
	struct exposure_setting base, b;
	double scene = -8;
	int64_t now = T0_MS;

	(void)state;
	p = *profile_h(&set);
	p.id = 'k';
	p.bracket_count = 3;
	p.bracket_ev[0] = -2;
	p.bracket_ev[2] = 2;
	run_shots(&r, &p, &now, 5, 30000, &scene, 0, -18);
	exposure_run_plan(&r, &p, &meter, now, -18, &lim, &base);
	assert_int_equal(lim.exposure_max_us, (30000 - 300 - EXPOSURE_RUN_MARGIN_MS) / 3 * 1000);
	exposure_bracket(&lim, &base, 2, &b);
	assert_true(b.exposure_us <= lim.exposure_max_us);
	assert_true(b.exposure_us * b.analogue_gain >= base.exposure_us * base.analogue_gain);
}

static void test_restart_continues(void **state)
{
	struct exposure_run r = {{{0}}}, back;
	struct profile_set set;
	const struct profile *p = profile_h(&set);
	struct exposure_limits lim;
	struct exposure_setting before, after;
	const char *dir = *state;
	char path[PATH_MAX], why[ERRMSG_MAX] = "";
	double scene = -6;
	int64_t now = T0_MS;

	snprintf(path, sizeof(path), "%s/exposure.json", dir);
	/* no file yet: empty, no error */
	assert_int_equal(exposure_run_load(&back, path, why), 0);
	assert_null(exposure_run_find(&back, 'h'));

	run_shots(&r, p, &now, 40, 60000, &scene, -0.003, -10);
	assert_int_equal(exposure_run_save(&r, path, why), 0);
	assert_int_equal(exposure_run_load(&back, path, why), 0);
	assert_int_equal(exposure_run_find(&back, 'h')->interval_ms, 60000);
	/* the next shot, 10 s after a restart: the saved settings, and the
	 * restart's pause learned as no interval */
	exposure_run_plan(&r, p, &meter, now, -10, &lim, &before);
	exposure_run_plan(&back, p, &meter, now + 10000, -10, &lim, &after);
	assert_int_equal(after.exposure_us, before.exposure_us);
	assert_true(after.analogue_gain == before.analogue_gain);
	assert_int_equal(after.colour_temp_k, before.colour_temp_k);
	assert_int_equal(exposure_run_find(&back, 'h')->interval_ms, 60000);

	/* a corrupt file: refused with a reason, and a fresh state */
	assert_int_equal(file_write_atomic(path, "{\"h\": {\"state\": 3}}", 19), 0);
	assert_true(exposure_run_load(&back, path, why) < 0);
	assert_non_null(strstr(why, "profile h"));
	assert_null(exposure_run_find(&back, 'h'));
	assert_int_equal(file_write_atomic(path, "{\"h\": ", 6), 0);
	assert_true(exposure_run_load(&back, path, why) < 0);
	assert_non_null(strstr(why, path));
	assert_int_equal(file_write_atomic(path, "{\"hh\": {}}", 10), 0);
	assert_true(exposure_run_load(&back, path, why) < 0);
}

/* A state left overnight starts again from the camera's metering, unless
 * that is at its limit and the state darker. */
static void test_stale_state_starts_from_meter(void **state)
{
	struct exposure_run r = {{{0}}};
	struct profile_set set;
	const struct profile *p = profile_h(&set);
	struct exposure_limits lim;
	struct exposure_setting s;
	double scene = -12;
	int64_t now = T0_MS;

	(void)state;
	struct camera_meter capped = {.lux = 0.01, .exposure_us = 500000, .analogue_gain = 16.0};
	struct exposure_setting night;

	s = run_shots(&r, p, &now, 100, 60000, &scene, 0, -18);
	assert_true(s.exposure_us > 1000000); /* a night's long shutter */
	night = s;
	/* the camera's auto exposure at full gain cannot say how dark it is:
	 * after a night's pause the night's settings are the better start */
	exposure_run_plan(&r, p, &capped, now + 10 * 3600000LL, -17, &lim, &s);
	assert_int_equal(s.exposure_us, night.exposure_us);
	assert_true(s.analogue_gain == night.analogue_gain);
	/* by day the camera's metering */
	exposure_run_plan(&r, p, &meter, now + 11 * 3600000LL, 5, &lim, &s);
	assert_int_equal(s.exposure_us, meter.exposure_us);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_shot_from_meter_and_short_interval),
	    cmocka_unit_test(test_interval_and_camera_time_learned),
	    cmocka_unit_test(test_ramp_smooth_within_interval),
	    cmocka_unit_test(test_brackets_share_the_interval),
	    cmocka_unit_test_setup_teardown(test_restart_continues, dir_setup, dir_teardown),
	    cmocka_unit_test(test_stale_state_starts_from_meter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
