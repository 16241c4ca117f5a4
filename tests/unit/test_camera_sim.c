/* test_camera_sim.c - unit tests of the simulated camera (camera_sim.c,
 * camera_sim_sky.c) through camera.h.
 *
 * Frames are judged after a real TurboJPEG decode: their size, mean luma and
 * mean colour. The place is 47 N 8 E; instants are chosen by the sun's
 * elevation there, which the tests check with sun_position_at() first so a
 * wrong instant fails loudly rather than passing by accident.
 */
#include <math.h>
#include <time.h>

#include <turbojpeg.h>

#include "camera.h"
#include "camera_sim.h"
#include "profile.h"
#include "sun.h"
#include "testutil.h"

#define LAT 47.0
#define LON 8.0
#define W   320
#define H   240

struct rgb_mean {
	double r, g, b, luma;
};

static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) * 1000;
}

static double elevation(int64_t when_ms)
{
	struct sun_position p;

	sun_position_at(LAT, LON, when_ms, &p);
	return p.elevation_deg;
}

static void controls_default(struct camera_controls *c)
{
	memset(c, 0, sizeof(*c));
	c->ae_enable = true;
	c->exposure_us = -1;
	c->analogue_gain = -1;
	c->colour_temp_k = -1;
	c->lens_position = -1;
	c->sharpness = c->contrast = c->saturation = -1;
	c->jpeg_quality = 92;
}

static void controls_manual(struct camera_controls *c, int exposure_us, double gain)
{
	controls_default(c);
	c->ae_enable = false;
	c->exposure_us = exposure_us;
	c->analogue_gain = gain;
}

static struct camera *open_sim(int w, int h)
{
	struct camera_env env = {LAT, LON, w, h};
	struct camera *cam = NULL;
	char why[ERRMSG_MAX] = "";

	if (camera_open("sim", &env, &cam, why) != 0)
		fail_msg("open sim: %s", why);
	return cam;
}

static void capture(struct camera *cam, const struct camera_controls *c, int64_t when,
		    struct camera_frame *f)
{
	char why[ERRMSG_MAX] = "";
	int rc = camera_capture(cam, c, when, f, why);

	if (rc != 0)
		fail_msg("capture: %d %s", rc, why);
	assert_non_null(f->jpeg);
	assert_true(f->jpeg_size > 100);
}

/* Decodes the frame (checking its size) and averages the pixels of a
 * rectangle given in fractions of the frame. */
static struct rgb_mean decode_region(const struct camera_frame *f, double fx0, double fy0,
				     double fx1, double fy1)
{
	tjhandle tj = tjInitDecompress();
	int w, h, ss, cs, x, y, x0, y0, x1, y1;
	unsigned char *px, *p;
	double r = 0, g = 0, b = 0, n;
	struct rgb_mean m;

	assert_non_null(tj);
	assert_int_equal(tjDecompressHeader3(tj, f->jpeg, f->jpeg_size, &w, &h, &ss, &cs), 0);
	assert_int_equal(w, f->width);
	assert_int_equal(h, f->height);
	assert_int_equal(ss, TJSAMP_420);
	px = malloc((size_t)w * h * 3);
	assert_non_null(px);
	assert_int_equal(tjDecompress2(tj, f->jpeg, f->jpeg_size, px, w, 0, h, TJPF_RGB, 0), 0);
	x0 = (int)(fx0 * w);
	x1 = (int)(fx1 * w);
	y0 = (int)(fy0 * h);
	y1 = (int)(fy1 * h);
	for (y = y0; y < y1; y++) {
		for (x = x0; x < x1; x++) {
			p = px + 3 * ((size_t)y * w + x);
			r += p[0];
			g += p[1];
			b += p[2];
		}
	}
	n = (double)(x1 - x0) * (y1 - y0);
	m.r = r / n;
	m.g = g / n;
	m.b = b / n;
	m.luma = 0.299 * m.r + 0.587 * m.g + 0.114 * m.b;
	free(px);
	tjDestroy(tj);
	return m;
}

static struct rgb_mean decode_mean(const struct camera_frame *f)
{
	return decode_region(f, 0, 0, 1, 1);
}

static double shot_luma(struct camera *cam, const struct camera_controls *c, int64_t when)
{
	struct camera_frame f = {0};
	struct rgb_mean m;

	capture(cam, c, when, &f);
	m = decode_mean(&f);
	camera_frame_clear(&f);
	return m.luma;
}

/* ---- determinism ---- */

static void test_same_inputs_same_bytes(void **state)
{
	struct camera *a = open_sim(W, H), *b = open_sim(W, H);
	struct camera_frame fa = {0}, fb = {0}, fc = {0}, other = {0};
	struct camera_controls c, manual;
	int64_t t = utc_ms(2024, 3, 20, 16, 30);

	(void)state;
	controls_default(&c);
	controls_manual(&manual, 40000, 8.0);
	capture(a, &c, t, &fa);
	/* different time, gain, contrast in between: no state may leak */
	manual.contrast = 1.5;
	capture(a, &manual, t + 3600000, &other);
	capture(a, &c, t, &fc);
	capture(b, &c, t, &fb);
	assert_int_equal(fa.jpeg_size, fb.jpeg_size);
	assert_memory_equal(fa.jpeg, fb.jpeg, fa.jpeg_size);
	assert_int_equal(fa.jpeg_size, fc.jpeg_size);
	assert_memory_equal(fa.jpeg, fc.jpeg, fa.jpeg_size);
	assert_true(other.jpeg_size != fa.jpeg_size ||
		    memcmp(other.jpeg, fa.jpeg, fa.jpeg_size) != 0);
	camera_frame_clear(&fa);
	camera_frame_clear(&fb);
	camera_frame_clear(&fc);
	camera_frame_clear(&other);
	assert_null(fa.jpeg);
	camera_close(&a);
	camera_close(&b);
	assert_null(a);
}

/* ---- the sensor model ---- */

static void test_brightness_rises_with_exposure_and_gain(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct camera_controls c;
	int64_t t = utc_ms(2024, 3, 20, 10, 0);
	static const int exposures[] = {50, 100, 200, 400, 800};
	static const double gains[] = {1.0, 2.0, 4.0, 8.0};
	double prev = -1, y;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(exposures) / sizeof(exposures[0]); i++) {
		controls_manual(&c, exposures[i], 1.0);
		y = shot_luma(cam, &c, t);
		if (!(y > prev + 3))
			fail_msg("exposure %d us: luma %.1f, not above %.1f", exposures[i], y,
				 prev);
		prev = y;
	}
	prev = -1;
	for (i = 0; i < sizeof(gains) / sizeof(gains[0]); i++) {
		controls_manual(&c, 50, gains[i]);
		y = shot_luma(cam, &c, t);
		if (!(y > prev + 3))
			fail_msg("gain %.1f: luma %.1f, not above %.1f", gains[i], y, prev);
		prev = y;
	}
	/* exposure x gain is what counts: 400 us x 1 ~ 100 us x 4 */
	controls_manual(&c, 400, 1.0);
	y = shot_luma(cam, &c, t);
	controls_manual(&c, 100, 4.0);
	assert_true(fabs(shot_luma(cam, &c, t) - y) < 3);
	camera_close(&cam);
}

static void test_brightness_follows_sun_elevation(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct camera_controls c;
	struct camera_meter m;
	char why[ERRMSG_MAX];
	static const int hours[][2] = {{3, 30}, {4, 45}, {5, 30}, {6, 30}, {8, 0}, {10, 0}};
	double prev_y = -1, prev_e = -90, prev_lux = -1, y, e;
	int64_t t;
	size_t i;

	(void)state;
	controls_manual(&c, 2000, 1.0);
	for (i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
		t = utc_ms(2024, 3, 20, hours[i][0], hours[i][1]);
		e = elevation(t);
		assert_true(e > prev_e); /* the morning: the sun rises */
		assert_int_equal(camera_meter(cam, t, &m, why), 0);
		if (!(m.lux > prev_lux))
			fail_msg("sun %.1f deg: %g lux, not above %g", e, m.lux, prev_lux);
		y = shot_luma(cam, &c, t);
		if (!(y > prev_y + 1) && !(y < 1 && prev_y < 1)) /* black stays black */
			fail_msg("sun %.1f deg: luma %.1f, not above %.1f", e, y, prev_y);
		prev_y = y;
		prev_e = e;
		prev_lux = m.lux;
	}
	if (!(prev_y > 180)) /* 2 ms at gain 1 in full sun: 2 stops over */
		fail_msg("full sun at 2 ms: luma %.1f", prev_y);
	camera_close(&cam);
}

/* Pixels of the frame's luma brighter than `level`. */
static int count_bright(const struct camera_frame *f, int level)
{
	tjhandle tj = tjInitDecompress();
	unsigned char *px = malloc((size_t)f->width * f->height);
	int i, n = 0;

	assert_non_null(tj);
	assert_non_null(px);
	assert_int_equal(
	    tjDecompress2(tj, f->jpeg, f->jpeg_size, px, f->width, 0, f->height, TJPF_GRAY, 0), 0);
	for (i = 0; i < f->width * f->height; i++)
		n += px[i] > level;
	free(px);
	tjDestroy(tj);
	return n;
}

static void test_night_darker_than_day(void **state)
{
	struct camera *cam = open_sim(640, 480);
	struct camera_controls c;
	struct camera_frame f = {0};
	int64_t night = utc_ms(2024, 6, 21, 23, 30), noon = utc_ms(2024, 6, 21, 11, 30);
	double yn, yd;
	int stars;

	(void)state;
	assert_true(elevation(night) < -18);
	assert_true(elevation(noon) > 60);
	controls_default(&c);
	capture(cam, &c, night, &f);
	yn = decode_mean(&f).luma;
	stars = count_bright(&f, 60); /* a few bright dots on a dark sky */
	camera_frame_clear(&f);
	yd = shot_luma(cam, &c, noon);
	if (!(yn < 20 && yd > 90))
		fail_msg("auto exposure: night luma %.1f, day %.1f", yn, yd);
	if (!(stars >= 4 && stars < 2000))
		fail_msg("night: %d bright pixels", stars);
	capture(cam, &c, noon, &f);
	assert_int_equal(count_bright(&f, 250), 0); /* no stars by day, no sun in view */
	camera_frame_clear(&f);
	camera_close(&cam);
}

static void test_ae_reaches_target(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct camera_controls c;
	static const int hours[][2] = {{6, 30}, {9, 0}, {12, 0}, {15, 0}, {17, 0}, {17, 55}};
	double y;
	size_t i;

	(void)state;
	controls_default(&c);
	strcpy(c.metering, "matrix");
	for (i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
		y = shot_luma(cam, &c, utc_ms(2024, 3, 20, hours[i][0], hours[i][1]));
		if (fabs(y - 110) > 12)
			fail_msg("%02d:%02d UTC: mean luma %.1f, want 110 +- 12", hours[i][0],
				 hours[i][1], y);
	}
	camera_close(&cam);
}

static void test_ev_compensation(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct camera_controls c;
	struct camera_frame f0 = {0}, fp = {0}, fm = {0};
	int64_t t = utc_ms(2024, 3, 20, 12, 0);
	double p0, pp, pm;

	(void)state;
	controls_default(&c);
	capture(cam, &c, t, &f0);
	c.ev = 1.0;
	capture(cam, &c, t, &fp);
	c.ev = -1.0;
	capture(cam, &c, t, &fm);
	p0 = f0.exposure_us * f0.analogue_gain;
	pp = fp.exposure_us * fp.analogue_gain;
	pm = fm.exposure_us * fm.analogue_gain;
	/* the same instant, the same error: 2x apart but for whole lines */
	assert_true(fabs(pp - 2 * p0) < 0.05 * pp + 2 * SIM_LINE_US);
	assert_true(fabs(p0 - 2 * pm) < 0.05 * p0 + 2 * SIM_LINE_US);
	assert_true(decode_mean(&fp).luma > decode_mean(&f0).luma + 10);
	assert_true(decode_mean(&fm).luma < decode_mean(&f0).luma - 10);
	/* EV has no effect on a manual exposure */
	controls_manual(&c, 1000, 1.0);
	c.ev = 2.0;
	camera_frame_clear(&fp);
	capture(cam, &c, t, &fp);
	assert_int_equal(fp.exposure_us, 1000);
	camera_frame_clear(&f0);
	camera_frame_clear(&fp);
	camera_frame_clear(&fm);
	camera_close(&cam);
}

/* ---- auto exposure as a real camera's (camera_sim.h) ---- */

#define SPREAD_SHOTS 300

static double stddev(const double *v, int n, double *mean)
{
	double m = 0, ss = 0;
	int i;

	for (i = 0; i < n; i++)
		m += v[i];
	m /= n;
	for (i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	*mean = m;
	return sqrt(ss / (n - 1));
}

/* Shots a millisecond apart see the same sky: auto exposure's products
 * spread by the documented error, and the frames flicker; manual frames of
 * the same instants do not. */
static void test_ae_error_spread(void **state)
{
	struct camera *cam = open_sim(64, 48);
	struct camera_controls ae, manual;
	struct camera_frame f = {0};
	static double ev[SPREAD_SHOTS], luma[SPREAD_SHOTS], mluma[SPREAD_SHOTS];
	int64_t t = utc_ms(2024, 3, 20, 16, 30);
	double mean, sd, lsd, mlsd, lmean;
	int i;

	(void)state;
	assert_true(elevation(t) > 5 && elevation(t) < 20);
	controls_default(&ae);
	controls_manual(&manual, 4000, 1.0);
	for (i = 0; i < SPREAD_SHOTS; i++) {
		capture(cam, &ae, t + i, &f);
		assert_true(f.exposure_us > 1000); /* whole lines weigh < 3% */
		ev[i] = log2(f.exposure_us * f.analogue_gain);
		luma[i] = decode_mean(&f).luma;
		camera_frame_clear(&f);
		capture(cam, &manual, t + i, &f);
		mluma[i] = decode_mean(&f).luma;
		camera_frame_clear(&f);
	}
	sd = stddev(ev, SPREAD_SHOTS, &mean);
	if (sd < 0.8 * SIM_AE_ERROR_EV || sd > 1.2 * SIM_AE_ERROR_EV)
		fail_msg("auto exposure's spread %.3f EV, want %.2f +- 20%%", sd, SIM_AE_ERROR_EV);
	for (i = 0; i < SPREAD_SHOTS; i++)
		assert_true(fabs(ev[i] - mean) < 3 * SIM_AE_ERROR_EV + 0.1);
	lsd = stddev(luma, SPREAD_SHOTS, &lmean);
	mlsd = stddev(mluma, SPREAD_SHOTS, &mean);
	assert_true(fabs(lmean - 110) < 12);
	if (lsd < 1.0 || mlsd > 0.2)
		fail_msg("luma spread: auto %.2f (want >= 1), manual %.2f (want <= 0.2)", lsd,
			 mlsd);
	camera_close(&cam);
}

static bool on_line_step(int exposure_us)
{
	double lines = round(exposure_us / SIM_LINE_US);

	return lines >= 1 && fabs(exposure_us - lines * SIM_LINE_US) <= 0.5 + 1e-6;
}

/* Auto exposure's shutter is whole sensor lines, day to night, in meter()
 * and in frames; a manual one is exactly what was asked. */
static void test_shutter_steps(void **state)
{
	struct camera *cam = open_sim(64, 48);
	struct camera_controls ae, manual;
	struct camera_frame f = {0};
	struct camera_meter m;
	char why[ERRMSG_MAX];
	int64_t t0 = utc_ms(2024, 3, 20, 12, 0), t;
	int lines_seen = 0;

	(void)state;
	controls_default(&ae);
	for (t = t0; t < t0 + 10 * 3600000LL; t += 600000) {
		assert_int_equal(camera_meter(cam, t, &m, why), 0);
		assert_true(on_line_step(m.exposure_us));
		capture(cam, &ae, t, &f);
		assert_true(on_line_step(f.exposure_us));
		lines_seen += f.exposure_us < 500000;
		camera_frame_clear(&f);
	}
	assert_true(lines_seen > 10);
	for (int us = 1000; us < 20000; us += 777) {
		controls_manual(&manual, us, 2.0);
		capture(cam, &manual, t0, &f);
		assert_int_equal(f.exposure_us, us);
		assert_true(f.analogue_gain == 2.0);
		camera_frame_clear(&f);
	}
	camera_close(&cam);
}

/* The seed decides auto exposure's errors: the same seed gives the same
 * frames, another seed other exposures; manual frames ignore it. */
static void test_seed(void **state)
{
	struct camera *a = open_sim(W, H), *b = open_sim(W, H), *c = open_sim(W, H);
	struct camera_controls ae, manual;
	struct camera_frame fa = {0}, fb = {0}, fc = {0};
	int64_t t = utc_ms(2024, 3, 20, 16, 30);
	int i, differ = 0;

	(void)state;
	controls_default(&ae);
	controls_manual(&manual, 3000, 1.0);
	camera_sim_seed(a, 7);
	camera_sim_seed(b, 7);
	camera_sim_seed(c, 8);
	for (i = 0; i < 20; i++) {
		capture(a, &ae, t + i * 5000, &fa);
		capture(b, &ae, t + i * 5000, &fb);
		capture(c, &ae, t + i * 5000, &fc);
		assert_int_equal(fa.jpeg_size, fb.jpeg_size);
		assert_memory_equal(fa.jpeg, fb.jpeg, fa.jpeg_size);
		differ += fa.exposure_us != fc.exposure_us;
		camera_frame_clear(&fa);
		camera_frame_clear(&fb);
		camera_frame_clear(&fc);
	}
	assert_true(differ >= 15);
	capture(a, &manual, t, &fa);
	capture(c, &manual, t, &fc);
	assert_int_equal(fa.jpeg_size, fc.jpeg_size);
	assert_memory_equal(fa.jpeg, fc.jpeg, fa.jpeg_size);
	camera_frame_clear(&fa);
	camera_frame_clear(&fc);
	camera_close(&a);
	camera_close(&b);
	camera_close(&c);
}

/* ---- what meter() and the frame report ---- */

static void test_meter(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct camera_meter day, night;
	char why[ERRMSG_MAX];

	(void)state;
	assert_int_equal(camera_meter(cam, utc_ms(2024, 6, 21, 11, 30), &day, why), 0);
	assert_int_equal(camera_meter(cam, utc_ms(2024, 6, 21, 23, 30), &night, why), 0);
	assert_true(day.lux > 50000 && day.lux < 150000);
	assert_true(night.lux > 0 && night.lux < 0.05);
	assert_true(day.exposure_us >= 10 && day.exposure_us < 2000);
	assert_true(day.analogue_gain == 1.0);
	/* night: everything at its limit */
	assert_int_equal(night.exposure_us, 500000);
	assert_true(night.analogue_gain > 15.9 && night.analogue_gain <= 16.0);
	assert_true(night.analogue_gain == profile_gain_valid(night.analogue_gain));
	assert_true(day.colour_temp_k >= 5000 && day.colour_temp_k <= 6500);
	assert_true(night.colour_temp_k >= 2500 && night.colour_temp_k <= 8000);
	camera_close(&cam);
}

static void test_frame_fields(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct camera_controls c;
	struct camera_frame f = {0};
	struct camera_meter m;
	char why[ERRMSG_MAX];
	int64_t t = utc_ms(2024, 3, 20, 12, 0);

	(void)state;
	assert_int_equal(camera_meter(cam, t, &m, why), 0);
	controls_manual(&c, 2000, 2.3);
	capture(cam, &c, t, &f);
	assert_int_equal(f.exposure_us, 2000);
	assert_true(f.analogue_gain == profile_gain_valid(2.3));
	assert_true(f.lux == m.lux);
	assert_string_equal(f.awb_mode, "auto");
	assert_int_equal(f.colour_temp_k, m.colour_temp_k);
	camera_frame_clear(&f);
	strcpy(c.awb_mode, "daylight");
	capture(cam, &c, t, &f);
	assert_string_equal(f.awb_mode, "daylight");
	assert_int_equal(f.colour_temp_k, 6000);
	camera_frame_clear(&f);
	strcpy(c.awb_mode, "custom");
	c.colour_temp_k = 4100;
	capture(cam, &c, t, &f);
	assert_int_equal(f.colour_temp_k, 4100);
	camera_frame_clear(&f);
	strcpy(c.awb_mode, "sunny");
	assert_int_equal(camera_capture(cam, &c, t, &f, why), SL_ERR_INVAL);
	assert_non_null(strstr(why, "sunny"));
	assert_null(f.jpeg);
	camera_close(&cam);
}

static void test_jpeg_sizes(void **state)
{
	struct camera *cam = open_sim(0, 0);
	const struct camera_info *info = camera_info(cam);
	struct camera_controls c;
	struct camera_frame f = {0};
	int64_t t = utc_ms(2024, 3, 20, 16, 45);
	static const int sizes[][4] = {
	    /* asked w, h -> got w, h */
	    {0, 0, 4056, 3040},	  {1920, 1080, 1920, 1080}, {1014, 0, 1014, 760},
	    {333, 257, 333, 257}, {64, 48, 64, 48},
	};
	size_t i;

	(void)state;
	assert_string_equal(info->model, "sim");
	assert_string_equal(info->source, "sim");
	assert_int_equal(info->width, 4056);
	assert_int_equal(info->height, 3040);
	controls_default(&c);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		c.width = sizes[i][0];
		c.height = sizes[i][1];
		capture(cam, &c, t, &f);
		assert_int_equal(f.width, sizes[i][2]);
		assert_int_equal(f.height, sizes[i][3]);
		if (fabs(decode_mean(&f).luma - 110) > 20) /* decode_mean checks the size */
			fail_msg("%dx%d: exposure off", f.width, f.height);
		camera_frame_clear(&f);
	}
	c.width = 8;
	c.height = 8;
	assert_int_equal(camera_capture(cam, &c, t, &f, (char[ERRMSG_MAX]){0}), SL_ERR_RANGE);
	camera_close(&cam);
}

/* ---- white balance and colour ---- */

static struct rgb_mean awb_shot(struct camera *cam, const char *awb, int kelvin)
{
	struct camera_controls c;
	struct camera_frame f = {0};
	struct rgb_mean m;

	controls_manual(&c, 300, 1.0);
	strcpy(c.awb_mode, awb);
	c.colour_temp_k = kelvin;
	capture(cam, &c, utc_ms(2024, 3, 20, 12, 0), &f);
	m = decode_mean(&f);
	camera_frame_clear(&f);
	return m;
}

static void test_awb_tints(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct rgb_mean tungsten, daylight, cloudy, k3000, k8000;

	(void)state;
	tungsten = awb_shot(cam, "tungsten", -1);
	daylight = awb_shot(cam, "daylight", -1);
	cloudy = awb_shot(cam, "cloudy", -1);
	k3000 = awb_shot(cam, "custom", 3000);
	k8000 = awb_shot(cam, "custom", 8000);
	/* a camera set for warm light renders daylight blue, and the reverse */
	assert_true(tungsten.b - tungsten.r > daylight.b - daylight.r + 10);
	assert_true(cloudy.r - cloudy.b > daylight.r - daylight.b + 5);
	assert_true(k3000.b / k3000.r > 1.2 * (k8000.b / k8000.r));
	camera_close(&cam);
}

/* Day: a blue sky. Sunset: warm low on the sun's side (the camera looks
 * west-south-west), still blue high up on the other side. */
static void test_sky_colours(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct camera_controls c;
	struct camera_frame f = {0};
	struct rgb_mean sky, low_sun_side, high_far_side;
	int64_t noon = utc_ms(2024, 3, 20, 12, 0), sunset = utc_ms(2024, 3, 20, 17, 40);
	struct sun_position p;

	(void)state;
	sun_position_at(LAT, LON, sunset, &p);
	assert_true(p.elevation_deg > -2 && p.elevation_deg < 1);
	assert_true(p.azimuth_deg > 250 && p.azimuth_deg < 280); /* right half of the frame */
	controls_default(&c);
	strcpy(c.awb_mode, "daylight");
	capture(cam, &c, noon, &f);
	sky = decode_region(&f, 0, 0, 1, 0.6);
	camera_frame_clear(&f);
	if (!(sky.b > sky.r + 30))
		fail_msg("noon sky: r %.1f g %.1f b %.1f", sky.r, sky.g, sky.b);
	capture(cam, &c, sunset, &f);
	low_sun_side = decode_region(&f, 0.7, 0.62, 1, 0.7);
	high_far_side = decode_region(&f, 0, 0, 0.3, 0.2);
	camera_frame_clear(&f);
	if (!(low_sun_side.r > low_sun_side.b + 30))
		fail_msg("sunset glow: r %.1f g %.1f b %.1f", low_sun_side.r, low_sun_side.g,
			 low_sun_side.b);
	if (!(high_far_side.b > high_far_side.r))
		fail_msg("sunset upper sky: r %.1f b %.1f", high_far_side.r, high_far_side.b);
	camera_close(&cam);
}

static void test_saturation_and_contrast(void **state)
{
	struct camera *cam = open_sim(W, H);
	struct camera_controls c;
	struct camera_frame f = {0};
	struct rgb_mean grey;
	int64_t t = utc_ms(2024, 3, 20, 12, 0);
	double flat, normal;

	(void)state;
	controls_default(&c);
	c.saturation = 0;
	capture(cam, &c, t, &f);
	grey = decode_mean(&f);
	camera_frame_clear(&f);
	assert_true(fabs(grey.r - grey.g) < 2 && fabs(grey.b - grey.g) < 2);
	/* a contrast of 0 turns everything mid grey */
	controls_default(&c);
	c.contrast = 0;
	flat = shot_luma(cam, &c, t);
	assert_true(fabs(flat - 127.5) < 3);
	c.contrast = 1;
	normal = shot_luma(cam, &c, t);
	assert_true(fabs(normal - flat) > 5);
	camera_close(&cam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_inputs_same_bytes),
	    cmocka_unit_test(test_brightness_rises_with_exposure_and_gain),
	    cmocka_unit_test(test_brightness_follows_sun_elevation),
	    cmocka_unit_test(test_night_darker_than_day),
	    cmocka_unit_test(test_ae_reaches_target),
	    cmocka_unit_test(test_ev_compensation),
	    cmocka_unit_test(test_ae_error_spread),
	    cmocka_unit_test(test_shutter_steps),
	    cmocka_unit_test(test_seed),
	    cmocka_unit_test(test_meter),
	    cmocka_unit_test(test_frame_fields),
	    cmocka_unit_test(test_jpeg_sizes),
	    cmocka_unit_test(test_awb_tints),
	    cmocka_unit_test(test_sky_colours),
	    cmocka_unit_test(test_saturation_and_contrast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
