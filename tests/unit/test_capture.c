/* test_capture.c - the capture agent's logic without MQTT: request parsing,
 * authorization, frame paths, atomic frame + sidecar writes, previews, and a
 * whole request executed against the sim camera. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "camera.h"
#include "capture.h"
#include "config.h"
#include "frame_store.h"
#include "fsutil.h"
#include "jsonx.h"
#include "preview.h"
#include "sha256.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl-capture-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

/* Regressions as data: a payload and the error it must give (NULL: ok). */
static void test_request_parse_table(void **state)
{
	static const struct {
		const char *payload;
		const char *error;
	} cases[] = {
		{"{\"profile\":\"A\",\"backend_name\":\"dagon\",\"request_id\":\"r1\"}", NULL},
		{"{}", NULL},
		{"", NULL},
		{"{\"profile\":5}", "'profile' must be a string"},
		{"{\"backend_name\":[\"dagon\"]}", "'backend_name' must be a string"},
		{"{\"request_id\":{}}", "'request_id' must be a string"},
		{"{\"schedule\":true}", "'schedule' must be a string"},
		{"{\"overrides\":\"fast\"}", "'overrides' must be an object"},
		{"{\"profile\":\"abcdefghijk\"}", "'profile' is longer than 8 characters"},
		{"{\"profile\":null}", NULL},
	};
	char why[ERRMSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct capture_request req;
		json_t *obj = jsonx_parse_object("payload", cases[i].payload,
						 strlen(cases[i].payload), PAYLOAD_MAX, why);
		int rc;

		assert_non_null(obj);
		why[0] = '\0';
		rc = capture_request_parse(obj, &req, why);
		if (cases[i].error == NULL && rc != 0)
			fail_msg("case %zu: unexpected error %s", i, why);
		if (cases[i].error && (rc == 0 || strcmp(why, cases[i].error) != 0))
			fail_msg("case %zu: got '%s', want '%s'", i, why, cases[i].error);
		json_decref(obj);
	}
}

static void test_authorize_table(void **state)
{
	static const struct {
		const char *primary, *backend;
		bool ok;
	} cases[] = {
		{"dagon", "dagon", true},   {"dagon", "dev", false}, {"dagon", NULL, false},
		{"dagon", "", false},	    {"dagon", "Dagon", false}, {"", "anyone", true},
		{"", NULL, true},	    {NULL, NULL, true},
	};
	char why[ERRMSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = capture_authorize(cases[i].primary, cases[i].backend, why);

		assert_int_equal(rc == 0, cases[i].ok);
		if (!cases[i].ok)
			assert_string_equal(
				why, "Backend not authorized: only 'dagon' can trigger captures");
	}
}

static void test_frame_rel_path(void **state)
{
	char out[PATH_MAX];

	(void)state;
	/* 2026-11-27T01:35:47.123Z */
	assert_int_equal(frame_rel_path(out, sizeof(out), 'a', 1795743347123LL, -1), 0);
	assert_string_equal(out, "profile-a/2026-11-27/capture_20261127_013547_123.jpg");
	assert_int_equal(frame_rel_path(out, sizeof(out), 'd', 1795743347000LL, 2), 0);
	assert_string_equal(out, "profile-d/2026-11-27/capture_20261127_013547_000_bracket2.jpg");
	assert_int_equal(frame_rel_path(out, 10, 'a', 0, -1), SL_ERR_RANGE);
}

static unsigned char *make_jpeg(int w, int h, unsigned char value, unsigned long *size)
{
	tjhandle tj = tjInitCompress();
	unsigned char *rgb = malloc((size_t)w * (size_t)h * 3), *jpeg = NULL, *copy;

	memset(rgb, value, (size_t)w * (size_t)h * 3);
	*size = 0;
	assert_int_equal(tjCompress2(tj, rgb, w, 0, h, TJPF_RGB, &jpeg, size, TJSAMP_420, 90, 0),
			 0);
	copy = malloc(*size);
	memcpy(copy, jpeg, *size);
	tjFree(jpeg);
	tjDestroy(tj);
	free(rgb);
	return copy;
}

static void test_frame_store_write(void **state)
{
	unsigned long size;
	unsigned char *jpeg = make_jpeg(64, 48, 128, &size);
	json_t *side = json_pack("{s:s}", "camera", "helios"), *back;
	char why[256], path[PATH_MAX], sha_disk[SHA256_HEX_LEN], sha_mem[SHA256_HEX_LEN];
	struct stat st;
	json_error_t jerr;

	(void)state;
	assert_int_equal(frame_store_write(tmpdir, "profile-a/2026-11-27/f.jpg", jpeg, size, side,
					   why),
			 0);
	snprintf(path, sizeof(path), "%s/profile-a/2026-11-27/f.jpg", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((unsigned long)st.st_size, size);
	assert_int_equal(sha256_file_hex(path, sha_disk), 0);
	sha256_hex(jpeg, size, sha_mem);
	assert_string_equal(sha_disk, sha_mem);
	snprintf(path, sizeof(path), "%s/profile-a/2026-11-27/f.json", tmpdir);
	back = json_load_file(path, 0, &jerr);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "camera")), "helios");
	json_decref(back);
	/* hostile relative paths are refused and write nothing */
	assert_int_equal(frame_store_write(tmpdir, "../escape.jpg", jpeg, size, side, why),
			 SL_ERR_INVAL);
	snprintf(path, sizeof(path), "%s/../escape.jpg", tmpdir);
	assert_int_not_equal(stat(path, &st), 0);
	json_decref(side);
	free(jpeg);
}

static void test_preview(void **state)
{
	unsigned long size;
	unsigned char *jpeg = make_jpeg(4056, 3040, 200, &size);
	struct jpeg_preview pv;
	char why[ERRMSG_MAX];

	(void)state;
	assert_int_equal(preview_make(jpeg, size, 640, 80, &pv, why), 0);
	assert_int_equal(pv.width, 507); /* 1/8 of 4056 */
	assert_int_equal(pv.height, 380);
	assert_true(pv.mean_luma > 195 && pv.mean_luma < 205);
	assert_true(pv.size > 100 && pv.size < size);
	preview_clear(&pv);
	free(jpeg);
	jpeg = make_jpeg(1920, 1080, 30, &size);
	assert_int_equal(preview_make(jpeg, size, 640, 80, &pv, why), 0);
	assert_true(pv.width <= 640 && pv.width >= 320);
	assert_true(pv.mean_luma > 25 && pv.mean_luma < 35);
	preview_clear(&pv);
	free(jpeg);
	assert_int_equal(preview_make((const unsigned char *)"nope", 4, 640, 80, &pv, why),
			 SL_ERR_PARSE);
	assert_non_null(strstr(why, "not a JPEG"));
}

static void setup_agent(struct capture_agent *a, struct config *cfg, struct camera **cam)
{
	struct config_problems p;
	struct camera_env env = {39.6333, -105.3167, 640, 480};
	char why[ERRMSG_MAX];

	assert_int_equal(config_load(cfg, SOURCE_ROOT "/config/config.json", NULL, &p), 0);
	cfg->min_free_pct = 0;
	assert_int_equal(camera_open("sim", &env, cam, why), 0);
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->cam = *cam;
	snprintf(a->images_root, sizeof(a->images_root), "%s/exec", tmpdir);
	assert_int_equal(mkdir_p(a->images_root, 0755), 0);
}

static void test_execute_single_and_bracket(void **state)
{
	struct config cfg;
	struct camera *cam = NULL;
	struct capture_agent a;
	struct capture_request req = {.profile = "A", .backend_name = "dagon", .request_id = "r1"};
	struct jpeg_preview pv;
	json_t *frames = NULL, *f;
	char why[ERRMSG_MAX], path[PATH_MAX], sha[SHA256_HEX_LEN];
	int64_t noon = 1782928800000LL; /* 2026-07-01T18:00:00Z, mid-day in Denver */
	double e0, e1, e2;

	(void)state;
	setup_agent(&a, &cfg, &cam);
	assert_int_equal(capture_execute(&a, &req, noon, &frames, &pv, why), 0);
	assert_int_equal(json_array_size(frames), 1);
	f = json_array_get(frames, 0);
	assert_string_equal(json_string_value(json_object_get(f, "profile")), "a");
	assert_string_equal(json_string_value(json_object_get(f, "captured_at")),
			    "2026-07-01T18:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(f, "path")),
			    "profile-a/2026-07-01/capture_20260701_180000_000.jpg");
	assert_string_equal(json_string_value(json_object_get(f, "request_id")), "r1");
	snprintf(path, sizeof(path), "%s/%s", a.images_root,
		 json_string_value(json_object_get(f, "path")));
	assert_int_equal(sha256_file_hex(path, sha), 0);
	assert_string_equal(sha, json_string_value(json_object_get(f, "sha256")));
	assert_non_null(pv.jpeg);
	preview_clear(&pv);
	json_decref(frames);

	req.profile = "d"; /* three brackets at EV -2, 0, +2 */
	assert_int_equal(capture_execute(&a, &req, noon + 5000, &frames, &pv, why), 0);
	assert_int_equal(json_array_size(frames), 3);
	e0 = json_number_value(json_object_get(json_array_get(frames, 0), "exposure_us"));
	e1 = json_number_value(json_object_get(json_array_get(frames, 1), "exposure_us"));
	e2 = json_number_value(json_object_get(json_array_get(frames, 2), "exposure_us"));
	assert_true(e0 < e1 && e1 < e2); /* brackets really differ in exposure */
	assert_true(e2 / e0 > 10 && e2 / e0 < 20);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_array_get(frames, 2), "bracket"), "count")),
			 3);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(frames, 1), "path")),
			       "_bracket1.jpg"));
	preview_clear(&pv);
	json_decref(frames);

	req.profile = "z";
	assert_int_equal(capture_execute(&a, &req, noon, &frames, &pv, why), SL_ERR_NOTFOUND);
	assert_string_equal(why, "unknown profile 'z'");
	json_decref(frames);

	cfg.min_free_pct = 100.0; /* no disk is that empty: the guard must refuse */
	req.profile = "a";
	assert_int_equal(capture_execute(&a, &req, noon, &frames, &pv, why), SL_ERR_NOSPACE);
	assert_non_null(strstr(why, "disk nearly full"));
	assert_int_equal(json_array_size(frames), 0);
	json_decref(frames);
	camera_close(&cam);
	config_free(&cfg);
}

static void test_result_payload(void **state)
{
	json_t *r = capture_result("r9", SL_ERR_CAMERA, "boom", NULL);
	char *text = jx_dump(r);

	(void)state;
	assert_string_equal(text, "{\"request_id\":\"r9\",\"status\":\"error\",\"error\":\"boom\","
				  "\"error_kind\":\"camera\",\"frames\":[]}");
	free(text);
	json_decref(r);
	r = capture_result(NULL, SL_OK, NULL, json_array());
	text = jx_dump(r);
	assert_string_equal(text, "{\"request_id\":null,\"status\":\"ok\",\"frames\":[]}");
	free(text);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_parse_table),
		cmocka_unit_test(test_authorize_table),
		cmocka_unit_test(test_frame_rel_path),
		cmocka_unit_test(test_frame_store_write),
		cmocka_unit_test(test_preview),
		cmocka_unit_test(test_execute_single_and_bracket),
		cmocka_unit_test(test_result_payload),
	};

	return cmocka_run_group_tests_name("capture", tests, setup, teardown);
}
