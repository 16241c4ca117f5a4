/* test_focus.c - the focus aid's pure parts (focus_measure.c): Tenengrad on
 * synthetic images, sharp against the same image blurred; requests as a
 * table; the crop's place; the rule that keeps focus frames off planned
 * slots; the plan's slots around an instant; base64; and the sim camera's
 * defocus, so that the figure falls as its lens turns away from sharp. */
#include <math.h>

#include "base64.h"
#include "camera.h"
#include "camera_sim.h"
#include "camera_sim_sky.h"
#include "focus_measure.h"
#include "plan.h"
#include "profile.h"
#include "testutil.h"

#define W 200
#define H 150

/* A scene with detail at every scale: edges, a grid of small dots (stars)
 * and mild deterministic noise. */
static void scene(unsigned char *img, unsigned noise)
{
	uint32_t r = 12345;

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int v = x < W / 2 ? 40 : 160;

			if (y > H * 3 / 4)
				v = 20;
			if (x % 17 == 5 && y % 13 == 6)
				v = 250;
			r = r * 1103515245u + 12345u;
			v += noise ? (int)((r >> 16) % (2 * noise + 1)) - (int)noise : 0;
			img[y * W + x] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
}

/* Box blur of radius r, as a lens out of focus spreads a point. */
static void blur(const unsigned char *in, unsigned char *out, int r)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int sum = 0, n = 0;

			for (int dy = -r; dy <= r; dy++)
				for (int dx = -r; dx <= r; dx++) {
					int yy = y + dy, xx = x + dx;

					if (yy < 0 || yy >= H || xx < 0 || xx >= W)
						continue;
					sum += in[yy * W + xx];
					n++;
				}
			out[y * W + x] = (unsigned char)((sum + n / 2) / n);
		}
}

static void test_tenengrad_sharp_beats_blurred(void **state)
{
	unsigned char *img = malloc(W * H), *b = malloc(W * H);
	double last;

	(void)state;
	for (unsigned noise = 0; noise <= 8; noise += 4) {
		scene(img, noise);
		last = focus_tenengrad(img, W, W, H);
		assert_true(last > 0);
		/* more blur, lower figure, at every step */
		for (int r = 1; r <= 4; r++) {
			double f;

			blur(img, b, r);
			f = focus_tenengrad(b, W, W, H);
			assert_true(f < last);
			last = f;
		}
	}
	free(img);
	free(b);
}

static void test_tenengrad_values(void **state)
{
	unsigned char img[8 * 8];

	(void)state;
	memset(img, 90, sizeof(img));
	assert_true(focus_tenengrad(img, 8, 8, 8) == 0.0); /* flat: nothing to focus on */
	/* a ramp of 1 level a pixel: Sobel/4 gives a gradient of 2, squared 4 */
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++)
			img[y * 8 + x] = (unsigned char)(10 + x);
	assert_true(fabs(focus_tenengrad(img, 8, 8, 8) - 4.0) < 1e-9);
	/* the stride is honoured: the same ramp inside a wider buffer */
	assert_true(fabs(focus_tenengrad(img, 8, 4, 8) - 4.0) < 1e-9);
	assert_true(focus_tenengrad(img, 8, 2, 8) == 0.0);
}

static void test_request_table(void **state)
{
	static const struct {
		const char *json;
		const char *error; /* a word of the sentence; NULL: accepted */
	} cases[] = {
	    {"{}", NULL},
	    {"{\"action\": \"stop\"}", NULL},
	    {"{\"action\": \"pause\"}", "action"},
	    {"{\"action\": 3}", "action"},
	    {"{\"duration_s\": 0}", "duration_s"},
	    {"{\"duration_s\": 601}", "duration_s"},
	    {"{\"crop\": 0.6}", "crop"},
	    {"{\"crop\": 0.01}", "crop"},
	    {"{\"x\": 1.5}", "x"},
	    {"{\"y\": \"top\"}", "y"},
	    {"{\"exposure_us\": 5}", "exposure_us"},
	    {"{\"analogue_gain\": 40}", "analogue_gain"},
	    {"{\"lens_position\": -1}", "lens_position"},
	    {"{\"backend_name\": 7}", "backend_name"},
	    {"{\"duration_s\": 30, \"crop\": 0.1, \"x\": 0.2, \"y\": 0.8, \"exposure_us\": 20000,"
	     " \"analogue_gain\": 2, \"lens_position\": 3.5, \"backend_name\": \"dagon\"}",
	     NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = jparse(cases[i].json);
		struct focus_request r;
		char why[ERRMSG_MAX] = "";
		int rc;

		rc = focus_request_parse(o, &r, why);
		if (cases[i].error) {
			assert_string_equal(err_kind(rc), "invalid"); /* INVAL or RANGE */
			assert_non_null(strstr(why, cases[i].error));
		} else {
			assert_int_equal(rc, SL_OK);
		}
		json_decref(o);
	}
}

static void test_request_defaults_and_fields(void **state)
{
	json_t *o = jparse("{\"duration_s\": 30, \"crop\": 0.1, \"x\": 0.2, \"lens_position\": "
			   "3.5, \"backend_name\": \"dagon\", \"action\": \"start\"}");
	struct focus_request r;
	char why[ERRMSG_MAX];

	(void)state;
	assert_int_equal(focus_request_parse(o, &r, why), SL_OK);
	assert_int_equal(r.action, FOCUS_START);
	assert_int_equal(r.duration_s, 30);
	assert_true(r.crop == 0.1 && r.x == 0.2 && r.y == 0.5 && r.lens_position == 3.5);
	assert_int_equal(r.exposure_us, -1);
	assert_true(r.analogue_gain < 0);
	assert_string_equal(r.backend_name, "dagon");
	json_decref(o);
	o = json_object();
	assert_int_equal(focus_request_parse(o, &r, why), SL_OK);
	assert_int_equal(r.duration_s, FOCUS_DURATION_DEFAULT_S);
	assert_true(r.crop == FOCUS_CROP_DEFAULT && r.lens_position < 0);
	json_decref(o);
}

static void test_crop_rect(void **state)
{
	struct focus_rect r;

	(void)state;
	focus_crop_rect(4056, 3040, 0.25, 0.5, 0.5, &r); /* the centre quarter */
	assert_int_equal(r.width, 1014);
	assert_int_equal(r.height, 760);
	assert_int_equal(r.x, 1520);
	assert_int_equal(r.y, 1140);
	focus_crop_rect(4056, 3040, 0.25, 0.0, 1.0, &r); /* moved inside the frame */
	assert_int_equal(r.x, 0);
	assert_int_equal(r.y, 3040 - 760);
	focus_crop_rect(641, 481, 0.25, 0.37, 0.61, &r); /* even, for 4:2:0 */
	assert_int_equal(r.x % 2, 0);
	assert_int_equal(r.y % 2, 0);
	assert_int_equal(r.width % 2, 0);
	assert_int_equal(r.height % 2, 0);
	assert_true(r.x + r.width <= 641 && r.y + r.height <= 481);
	focus_crop_rect(40, 30, 0.05, 0.5, 0.5, &r); /* never under 16 pixels */
	assert_int_equal(r.width, 40);
	assert_int_equal(r.height, 30);
}

static void test_may_shoot(void **state)
{
	static const struct {
		int jobs;
		int64_t now, prev, next, expected, shot;
		bool ok;
	} cases[] = {
	    {0, 100000, 0, 0, 500, 0, true},		   /* no plan */
	    {1, 100000, 0, 0, 500, 0, false},		   /* a capture is open */
	    {0, 100000, 90000, 130000, 500, 0, true},	   /* between slots */
	    {0, 100000, 0, 101000, 500, 0, false},	   /* a slot within the frame + margin */
	    {0, 100000, 0, 102100, 500, 0, true},	   /* just clear of it */
	    {0, 100000, 0, 105000, 4000, 0, false},	   /* a long exposure reaches it */
	    {0, 100000, 99000, 0, 500, 80000, false},	   /* a slot passed, its request not yet in */
	    {0, 100000, 99000, 0, 500, 99050, true},	   /* ... and once it was shot */
	    {0, 100000, 99000, 0, 500, 98500, true},	   /* shot a little early counts */
	    {0, 100000, 100000 - FOCUS_SLOT_AFTER_MS, 0, 500, 0, true}, /* waited long enough */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(focus_may_shoot(cases[i].jobs, cases[i].now, cases[i].prev,
						 cases[i].next, cases[i].expected, cases[i].shot),
				 cases[i].ok);
}

static void test_plan_slots_around(void **state)
{
	struct plan p = {.n = 2};
	int64_t prev, next;

	(void)state;
	p.w[0] = (struct plan_window){.start_ms = 10000, .end_ms = 40000, .interval_s = 10};
	p.w[1] = (struct plan_window){.start_ms = 100000, .end_ms = 130000, .interval_s = 5};
	plan_slots_around(&p, 5000, &prev, &next);
	assert_true(prev == 0 && next == 10000);
	plan_slots_around(&p, 21000, &prev, &next);
	assert_true(prev == 20000 && next == 30000);
	plan_slots_around(&p, 35000, &prev, &next); /* the last slot; the next window */
	assert_true(prev == 30000 && next == 100000);
	plan_slots_around(&p, 200000, &prev, &next);
	assert_true(prev == 125000 && next == 0);
}

static void test_base64(void **state)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"",	    "Zg==",	"Zm8=",	    "Zm9v",
					    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	static const char *const bad[] = {"Zg=", "Z===", "Zm9v!A==", "=Zg=", "Zg==Zg=="};
	unsigned char *out, bytes[256];
	size_t len;
	char *text;

	(void)state;
	for (int i = 0; i < 7; i++) { /* RFC 4648's vectors */
		text = base64_encode((const unsigned char *)plain[i], strlen(plain[i]));
		assert_string_equal(text, coded[i]);
		assert_int_equal(base64_decode(text, strlen(text), &out, &len), SL_OK);
		assert_int_equal(len, strlen(plain[i]));
		assert_memory_equal(out, plain[i], len);
		free(text);
		free(out);
	}
	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)(255 - i);
	text = base64_encode(bytes, sizeof(bytes));
	assert_int_equal(base64_decode(text, strlen(text), &out, &len), SL_OK);
	assert_int_equal(len, sizeof(bytes));
	assert_memory_equal(out, bytes, len);
	free(text);
	free(out);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(base64_decode(bad[i], strlen(bad[i]), &out, &len), SL_ERR_PARSE);
		assert_null(out);
	}
}

/* The sim's figure over its skyline (the hills against the sky, y = 0.78):
 * highest at the sharp lens position, falling either side of it. Over
 * featureless sky (the centre) only the sensor's noise is left to measure,
 * and it comes after the lens: the figure hardly moves. */
static double sim_figure(struct camera *cam, double lens, double y)
{
	struct camera_controls ctl = {.ae_enable = false, .exposure_us = 2000, .analogue_gain = 1,
				      .colour_temp_k = -1, .lens_position = lens,
				      .sharpness = -1, .contrast = -1, .saturation = -1,
				      .jpeg_quality = 50};
	struct camera_frame f = {0};
	struct focus_rect r;
	char why[ERRMSG_MAX];
	double v;

	snprintf(ctl.af_mode, sizeof(ctl.af_mode), "%s", lens >= 0 ? "manual" : "");
	/* noon at 47 N in June: a bright sky over dark hills */
	assert_int_equal(camera_capture(cam, &ctl, 1781863200000LL, &f, why), SL_OK);
	focus_crop_rect(f.width, f.height, 0.25, 0.5, y, &r);
	v = focus_tenengrad(f.yuv420[0] + (size_t)r.y * f.yuv420_strides[0] + r.x,
			    f.yuv420_strides[0], r.width, r.height);
	camera_frame_clear(&f);
	return v;
}

static void test_sim_defocus(void **state)
{
	struct camera_env env = {47, 8, 1014, 760};
	struct camera *cam = NULL;
	char why[ERRMSG_MAX];
	double sharp, by_hand, near1, near3, far2, flat_sharp, flat_blurred;

	(void)state;
	assert_int_equal(camera_open("sim", &env, &cam, why), SL_OK);
	sharp = sim_figure(cam, SIM_SHARP_DIOPTRES, 0.78);
	by_hand = sim_figure(cam, -1, 0.78);
	near1 = sim_figure(cam, SIM_SHARP_DIOPTRES + 1, 0.78);
	near3 = sim_figure(cam, SIM_SHARP_DIOPTRES + 3, 0.78);
	far2 = sim_figure(cam, SIM_SHARP_DIOPTRES - 2, 0.78);
	flat_sharp = sim_figure(cam, SIM_SHARP_DIOPTRES, 0.5);
	flat_blurred = sim_figure(cam, SIM_SHARP_DIOPTRES + 3, 0.5);
	assert_true(sharp > 0);
	assert_true(fabs(by_hand - sharp) < 1e-9); /* no lens control: focused at install */
	assert_true(near1 < sharp);
	assert_true(near3 < near1);
	assert_true(far2 < sharp);
	assert_true(near3 < 0.5 * sharp);
	assert_true(flat_sharp > 0);
	assert_true(fabs(flat_blurred - flat_sharp) < 0.3 * flat_sharp);
	camera_close(&cam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tenengrad_sharp_beats_blurred),
	    cmocka_unit_test(test_tenengrad_values),
	    cmocka_unit_test(test_request_table),
	    cmocka_unit_test(test_request_defaults_and_fields),
	    cmocka_unit_test(test_crop_rect),
	    cmocka_unit_test(test_may_shoot),
	    cmocka_unit_test(test_plan_slots_around),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_sim_defocus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
