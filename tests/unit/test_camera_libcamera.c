/* test_camera_libcamera.c - unit tests of the Pi camera source without a
 * camera: opening it fails cleanly where there is none (or where libcamera
 * support is not built), and the control mapping of camera_controls_map.c
 * gives libcamera's values.
 *
 * The expected AWB numbers are libcamera's AwbModeEnum as REFERENCE.md lists
 * it (0 auto .. 7 custom), written out here rather than read from the
 * module, so a wrong table fails.
 */
#include "camera.h"
#include "camera_controls_map.h"
#include "testutil.h"

static void test_open_fails_cleanly(void **state)
{
	struct camera *cam = (struct camera *)1;
	char why[ERRMSG_MAX] = "";
	int rc;

	(void)state;
	setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0); /* no IPA warnings here */
	rc = camera_open("libcamera", NULL, &cam, why);
	if (rc == 0) { /* a machine with a camera: nothing to check here */
		camera_close(&cam);
		skip();
	}
	assert_int_equal(rc, SL_ERR_CAMERA);
	assert_null(cam);
#ifdef HAVE_LIBCAMERA
	assert_string_equal(why, "libcamera: no camera found");
#else
	assert_non_null(strstr(why, "libcamera support not built"));
#endif
	/* and again: the camera manager was stopped and freed the first time */
	why[0] = '\0';
	assert_int_equal(camera_open("libcamera", NULL, &cam, why), SL_ERR_CAMERA);
	assert_true(why[0] != '\0');
	assert_null(cam);
}

static void test_unknown_source(void **state)
{
	struct camera *cam = NULL;
	char why[ERRMSG_MAX] = "";

	(void)state;
	assert_int_equal(camera_open("webcam", NULL, &cam, why), SL_ERR_INVAL);
	assert_non_null(strstr(why, "webcam"));
}

static void test_awb_table(void **state)
{
	static const struct {
		const char *name;
		int value;
		const char *libcamera_name;
	} want[] = {
	    {"auto", 0, "AwbAuto"},	    {"incandescent", 1, "AwbIncandescent"},
	    {"tungsten", 2, "AwbTungsten"}, {"fluorescent", 3, "AwbFluorescent"},
	    {"indoor", 4, "AwbIndoor"},	    {"daylight", 5, "AwbDaylight"},
	    {"cloudy", 6, "AwbCloudy"},	    {"custom", 7, "AwbCustom"},
	};
	const struct camera_awb_entry *table = camera_map_awb_table();
	enum camera_awb v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(camera_map_awb(want[i].name, &v), 0);
		assert_int_equal(v, want[i].value);
		assert_string_equal(table[want[i].value].name, want[i].name);
		assert_string_equal(table[want[i].value].libcamera_name, want[i].libcamera_name);
	}
	assert_int_equal(camera_map_awb("Daylight", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(camera_map_awb("sunny", &v), SL_ERR_NOTFOUND);
	assert_int_equal(camera_map_awb("", &v), SL_ERR_NOTFOUND);
	assert_int_equal(camera_map_awb(NULL, &v), SL_ERR_NOTFOUND);
}

static void test_metering_and_af_tables(void **state)
{
	static const struct {
		const char *name;
		int value;
	} metering[] =
	    {
		{"centre", 0}, {"center", 0}, {"centre-weighted", 0},
		{"spot", 1},   {"matrix", 2}, {"Matrix", 2},
	    },
	  af[] = {
	      {"manual", 0},
	      {"auto", 1},
	      {"continuous", 2},
	  };
	enum camera_metering m;
	enum camera_af a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(metering) / sizeof(metering[0]); i++) {
		assert_int_equal(camera_map_metering(metering[i].name, &m), 0);
		assert_int_equal(m, metering[i].value);
	}
	for (i = 0; i < sizeof(af) / sizeof(af[0]); i++) {
		assert_int_equal(camera_map_af(af[i].name, &a), 0);
		assert_int_equal(a, af[i].value);
	}
	assert_int_equal(camera_map_metering("evaluative", &m), SL_ERR_NOTFOUND);
	assert_int_equal(camera_map_af("macro", &a), SL_ERR_NOTFOUND);
}

static void test_awb_kelvin(void **state)
{
	(void)state;
	assert_int_equal(camera_map_awb_kelvin("tungsten", -1, 4000), 3250);
	assert_int_equal(camera_map_awb_kelvin("daylight", -1, 4000), 6000);
	assert_int_equal(camera_map_awb_kelvin("cloudy", -1, 4000), 7800);
	assert_int_equal(camera_map_awb_kelvin("custom", 4100, 4000), 4100);
	assert_int_equal(camera_map_awb_kelvin("custom", 0, 4000), 5500);
	assert_int_equal(camera_map_awb_kelvin("auto", 3000, 4321), 4321);
	assert_int_equal(camera_map_awb_kelvin("", 3000, 4321), 4321);
	/* warmer modes stand for lower temperatures */
	assert_true(camera_map_awb_kelvin("incandescent", 0, 0) <
		    camera_map_awb_kelvin("tungsten", 0, 0));
	assert_true(camera_map_awb_kelvin("fluorescent", 0, 0) <
		    camera_map_awb_kelvin("daylight", 0, 0));
}

static void test_kelvin_gains_monotonic(void **state)
{
	double r, b, prev_r = 0, prev_b = 1e9, r0, b0;
	int k;

	(void)state;
	for (k = 2000; k <= 12000; k += 100) {
		camera_map_kelvin_gains(k, &r, &b);
		if (!(r > prev_r && b < prev_b))
			fail_msg("%d K: gains %.4f %.4f after %.4f %.4f", k, r, b, prev_r, prev_b);
		prev_r = r;
		prev_b = b;
	}
	/* daylight on an IMX477-like sensor: red about 2.9, blue about 1.5 */
	camera_map_kelvin_gains(5600, &r, &b);
	assert_true(r > 2.6 && r < 3.2);
	assert_true(b > 1.3 && b < 1.7);
	/* clamped outside 1500..15000 K */
	camera_map_kelvin_gains(1500, &r0, &b0);
	camera_map_kelvin_gains(500, &r, &b);
	assert_true(r == r0 && b == b0);
	camera_map_kelvin_gains(15000, &r0, &b0);
	camera_map_kelvin_gains(40000, &r, &b);
	assert_true(r == r0 && b == b0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_fails_cleanly),
	    cmocka_unit_test(test_unknown_source),
	    cmocka_unit_test(test_awb_table),
	    cmocka_unit_test(test_metering_and_af_tables),
	    cmocka_unit_test(test_awb_kelvin),
	    cmocka_unit_test(test_kelvin_gains_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
