/* test_camera_dir.c - unit tests of the "dir:PATH" camera source
 * (camera_dir.c) through camera.h.
 *
 * Each test makes its own temporary folder of JPEGs, encoded here with
 * TurboJPEG at sizes that tell the files apart, and removes it afterwards.
 */
#include <unistd.h>

#include <turbojpeg.h>

#include "camera.h"
#include "fsutil.h"
#include "testutil.h"

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(file_write_atomic(path, data, len), 0);
}

/* A grey w x h JPEG named `name` in `dir`. */
static void write_jpeg(const char *dir, const char *name, int w, int h)
{
	tjhandle tj = tjInitCompress();
	unsigned char *px = malloc((size_t)w * h), *jpeg = NULL;
	unsigned long len = 0;

	assert_non_null(tj);
	assert_non_null(px);
	memset(px, 100 + w % 100, (size_t)w * h);
	assert_int_equal(tjCompress2(tj, px, w, 0, h, TJPF_GRAY, &jpeg, &len, TJSAMP_GRAY, 90, 0),
			 0);
	write_file(dir, name, jpeg, len);
	tjFree(jpeg);
	free(px);
	tjDestroy(tj);
}

static void read_whole(const char *dir, const char *name, unsigned char **data, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(file_read_all(path, SIZE_MAX, (char **)data, len), 0);
	assert_true(*len > 0);
}

static struct camera *open_dir(const char *path)
{
	char spec[128], why[ERRMSG_MAX] = "";
	struct camera *cam = NULL;

	snprintf(spec, sizeof(spec), "dir:%s", path);
	if (camera_open(spec, NULL, &cam, why) != 0)
		fail_msg("open %s: %s", spec, why);
	return cam;
}

static const struct camera_controls no_controls = {.ae_enable = true, .jpeg_quality = 92};

static int next_width(struct camera *cam)
{
	struct camera_frame f = {0};
	char why[ERRMSG_MAX] = "";
	int w;

	if (camera_capture(cam, &no_controls, 0, &f, why) != 0)
		fail_msg("capture: %s", why);
	w = f.width;
	camera_frame_clear(&f);
	return w;
}

/* Widths identify files: a.jpg 16, b.jpg 32, c.JPEG 48, d.jpeg 64. */
static void make_abcd(const char *dir)
{
	write_jpeg(dir, "c.JPEG", 48, 8);
	write_jpeg(dir, "a.jpg", 16, 8);
	write_jpeg(dir, "d.jpeg", 64, 8);
	write_jpeg(dir, "b.jpg", 32, 8);
	write_file(dir, "notes.txt", "not a frame", 11);
	write_file(dir, "jpg", "no extension", 12);
}

static void test_name_order_and_wrap(void **state)
{
	const char *dir = *state;
	static const int want[] = {16, 32, 48, 64, 16, 32, 48, 64, 16};
	struct camera *cam;
	size_t i;

	make_abcd(dir);
	cam = open_dir(dir);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(next_width(cam), want[i]);
	camera_close(&cam);
}

static void test_bytes_unchanged(void **state)
{
	const char *dir = *state;
	struct camera_frame f = {0};
	char why[ERRMSG_MAX];
	unsigned char *data;
	size_t len;
	struct camera *cam;

	make_abcd(dir);
	read_whole(dir, "a.jpg", &data, &len);
	cam = open_dir(dir);
	assert_int_equal(camera_capture(cam, &no_controls, 0, &f, why), 0);
	assert_int_equal(f.jpeg_size, len);
	assert_memory_equal(f.jpeg, data, len);
	assert_int_equal(f.width, 16);
	assert_int_equal(f.height, 8);
	/* nothing is known of how the frame was taken */
	assert_int_equal(f.exposure_us, 0);
	assert_true(f.analogue_gain == 0);
	assert_true(f.lux == -1);
	camera_frame_clear(&f);
	free(data);
	camera_close(&cam);
}

static void test_info_and_meter(void **state)
{
	const char *dir = *state;
	const struct camera_info *info;
	struct camera_meter m;
	char why[ERRMSG_MAX], source[128];
	struct camera *cam;

	make_abcd(dir);
	cam = open_dir(dir);
	info = camera_info(cam);
	snprintf(source, sizeof(source), "dir:%s", dir);
	assert_string_equal(info->model, "dir");
	assert_string_equal(info->source, source);
	assert_int_equal(info->width, 16);
	assert_int_equal(info->height, 8);
	assert_int_equal(camera_meter(cam, 0, &m, why), 0);
	assert_true(m.lux == -1);
	assert_int_equal(m.exposure_us, 0);
	camera_close(&cam);
}

static void test_missing_folder(void **state)
{
	const char *dir = *state;
	struct camera *cam = (struct camera *)1;
	char spec[128], why[ERRMSG_MAX] = "";

	snprintf(spec, sizeof(spec), "dir:%s/nowhere", dir);
	assert_int_equal(camera_open(spec, NULL, &cam, why), SL_ERR_NOTFOUND);
	assert_null(cam);
	assert_non_null(strstr(why, "nowhere"));
	assert_non_null(strstr(why, "does not exist"));
	assert_int_equal(camera_open("dir:", NULL, &cam, why), SL_ERR_INVAL);
}

static void test_folder_without_jpegs(void **state)
{
	const char *dir = *state;
	struct camera *cam = NULL;
	char spec[128], why[ERRMSG_MAX] = "";

	write_file(dir, "notes.txt", "x", 1);
	snprintf(spec, sizeof(spec), "dir:%s", dir);
	assert_int_equal(camera_open(spec, NULL, &cam, why), SL_ERR_NOTFOUND);
	assert_null(cam);
	assert_non_null(strstr(why, "no .jpg or .jpeg files"));
}

static void test_corrupt_file(void **state)
{
	const char *dir = *state;
	struct camera_frame f = {0};
	char why[ERRMSG_MAX] = "";
	struct camera *cam;

	write_jpeg(dir, "a.jpg", 16, 8);
	write_file(dir, "b.jpg", "this is not a JPEG at all", 25);
	write_jpeg(dir, "c.jpg", 48, 8);
	cam = open_dir(dir);
	assert_int_equal(next_width(cam), 16);
	assert_int_equal(camera_capture(cam, &no_controls, 0, &f, why), SL_ERR_CAMERA);
	assert_null(f.jpeg);
	assert_non_null(strstr(why, "b.jpg"));
	/* one bad file does not stop the replay */
	assert_int_equal(next_width(cam), 48);
	assert_int_equal(next_width(cam), 16);
	camera_close(&cam);
}

static void test_new_files_join_in_order(void **state)
{
	const char *dir = *state;
	struct camera *cam;

	write_jpeg(dir, "a.jpg", 16, 8);
	write_jpeg(dir, "c.jpg", 48, 8);
	cam = open_dir(dir);
	assert_int_equal(next_width(cam), 16);
	write_jpeg(dir, "b.jpg", 32, 8);
	assert_int_equal(next_width(cam), 32);
	assert_int_equal(next_width(cam), 48);
	assert_int_equal(next_width(cam), 16);
	camera_close(&cam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_name_order_and_wrap, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_bytes_unchanged, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_info_and_meter, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_missing_folder, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_folder_without_jpegs, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_file, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_new_files_join_in_order, dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
