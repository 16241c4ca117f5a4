/* test_capture.c - the capture agent's logic without MQTT: request parsing,
 * authorization, frame paths, atomic frame + sidecar writes, previews, and
 * whole requests run the way the daemon runs them (request_take, shoot, the
 * writer thread on a real loop, account, result) against the sim and dir
 * cameras, with the error_kind of every way a request fails. */
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "camera.h"
#include "err.h"
#include "capture.h"
#include "cli.h"
#include "config.h"
#include "frame_store.h"
#include "fsutil.h"
#include "jsonx.h"
#include "loop.h"
#include "mqtt.h"
#include "preview.h"
#include "request.h"
#include "sha256.h"
#include "status.h"
#include "writer.h"
#include "testutil.h"

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
		{"{\"slot\":\"2026-06-21T18:00:01.000Z\"}", NULL},
		{"{\"slot\":\"soon\"}", "'slot' must be an ISO 8601 date-time"},
		{"{\"slot\":1781000000}", "'slot' must be a string"},
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
		rc = request_parse(obj, &req, why);
		if (cases[i].error == NULL && rc != 0)
			fail_msg("case %zu: unexpected error %s", i, why);
		if (cases[i].error && (rc == 0 || strcmp(why, cases[i].error) != 0))
			fail_msg("case %zu: got '%s', want '%s'", i, why, cases[i].error);
		if (rc == 0 && strstr(cases[i].payload, "slot"))
			assert_true(req.slot_ms == 1782064801000LL);
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
		int rc = request_authorize(cases[i].primary, cases[i].backend, why);

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
	char why[ERRMSG_MAX], path[PATH_MAX], sha_disk[SHA256_HEX_LEN], sha_mem[SHA256_HEX_LEN];
	struct stat st;
	json_error_t jerr;

	(void)state;
	assert_int_equal(frame_store_write(test_dir, "profile-a/2026-11-27/f.jpg", jpeg, size, side,
					   why),
			 0);
	snprintf(path, sizeof(path), "%s/profile-a/2026-11-27/f.jpg", test_dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((unsigned long)st.st_size, size);
	assert_int_equal(sha256_file_hex(path, sha_disk), 0);
	sha256_hex(jpeg, size, sha_mem);
	assert_string_equal(sha_disk, sha_mem);
	snprintf(path, sizeof(path), "%s/profile-a/2026-11-27/f.json", test_dir);
	back = json_load_file(path, 0, &jerr);
	assert_non_null(back);
	assert_string_equal(jstr(back, "camera"), "helios");
	assert_string_equal(jstr(back, "sha256"), sha_mem);
	json_decref(back);
	/* hostile relative paths are refused and write nothing */
	assert_int_equal(frame_store_write(test_dir, "../escape.jpg", jpeg, size, side, why),
			 SL_ERR_INVAL);
	snprintf(path, sizeof(path), "%s/../escape.jpg", test_dir);
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

/* From the camera's planes: luma dark left and bright right, red (Cr) in
 * the top half only; rows padded past the frame's width. */
static void test_preview_from_planes(void **state)
{
	enum { W = 4056, H = 3040, PAD = 24 };
	const int strides[3] = {W + PAD, W / 2 + PAD, W / 2 + PAD};
	unsigned char *y = malloc((size_t)strides[0] * H), *u = malloc((size_t)strides[1] * H / 2),
		      *v = malloc((size_t)strides[2] * H / 2), *rgb;
	const unsigned char *planes[3] = {y, u, v};
	struct jpeg_preview pv;
	char why[ERRMSG_MAX];
	tjhandle dec = tjInitDecompress();

	(void)state;
	for (int r = 0; r < H; r++)
		for (int c = 0; c < strides[0]; c++)
			y[(size_t)r * strides[0] + c] = c < W / 2 ? 40 : c < W ? 200 : 0;
	memset(u, 128, (size_t)strides[1] * H / 2);
	for (int r = 0; r < H / 2; r++)
		memset(v + (size_t)r * strides[2], r < H / 4 ? 220 : 128, (size_t)strides[2]);
	assert_int_equal(preview_from_yuv420(planes, strides, W, H, 640, 90, &pv, why), SL_OK);
	assert_int_equal(pv.width, 507); /* the even factor 8 */
	assert_int_equal(pv.height, 380);
	/* every eighth pixel of every eighth row: 254 columns at 40, 253 at 200 */
	assert_true(fabs(pv.mean_luma - (254 * 40 + 253 * 200) / 507.0) < 1e-9);
	rgb = malloc((size_t)pv.width * pv.height * 3);
	assert_int_equal(tjDecompress2(dec, pv.jpeg, pv.size, rgb, pv.width, 0, pv.height, TJPF_RGB,
				       0),
			 0);
	for (int r = 20; r < pv.height; r += 340) {
		const unsigned char *left = rgb + ((size_t)r * pv.width + 100) * 3,
				    *right = rgb + ((size_t)r * pv.width + 400) * 3;

		assert_true(left[1] < right[1] - 100); /* green follows the luma */
		if (r < pv.height / 2)
			assert_true(left[0] > left[2] + 80); /* red above, none below */
		else
			assert_true(abs(left[0] - left[2]) < 8);
	}
	free(rgb);
	preview_clear(&pv);
	/* a sliver: the caller decodes the JPEG instead */
	assert_int_equal(preview_from_yuv420(planes, strides, 3, H, 640, 90, &pv, why),
			 SL_ERR_RANGE);
	tjDestroy(dec);
	free(y);
	free(u);
	free(v);
}

/* The agent as the daemon wires it: config, camera, a loop and the writer. */
struct fixture {
	struct config cfg;
	struct capture_settings set;
	struct camera *cam;
	struct capture_agent a;
	struct loop *loop;
	struct writer *writer;
	json_t *result; /* the last job's result */
};

/* What the daemon does once a job is over, minus MQTT. */
static void close_job(struct fixture *fx, struct capture_job *job)
{
	capture_account(&fx->a, job);
	json_decref(fx->result);
	fx->result = capture_result(job);
	capture_job_free(&job);
}

static void finish_job(struct capture_job *job, void *arg)
{
	struct fixture *fx = arg;

	close_job(fx, job);
	loop_stop(fx->loop);
}

static int64_t too_long(struct loop *l, long id, void *arg)
{
	(void)l;
	(void)id;
	(void)arg;
	fail_msg("the writer never handed the job back");
	return -1;
}

static void fixture_open(struct fixture *fx, const char *source)
{
	struct config_problems p;
	struct camera_env env = {39.6333, -105.3167, 640, 480};
	char why[ERRMSG_MAX];

	memset(fx, 0, sizeof(*fx));
	assert_int_equal(config_load(&fx->cfg, SOURCE_ROOT "/config/config.json", NULL, &p), 0);
	capture_settings_load(&fx->cfg, &fx->set, &p);
	fx->set.min_free_pct = 0;
	fx->set.primary_backend[0] = '\0';
	assert_int_equal(camera_open(source, &env, &fx->cam, why), 0);
	fx->a.cfg = &fx->cfg;
	fx->a.set = &fx->set;
	fx->a.cam = fx->cam;
	snprintf(fx->a.images_root, sizeof(fx->a.images_root), "%s/exec", test_dir);
	assert_int_equal(mkdir_p(fx->a.images_root, 0755), 0);
	assert_int_equal(loop_new(&fx->loop), 0);
	assert_int_equal(writer_start(fx->loop, finish_job, fx, &fx->writer), 0);
}

static void fixture_close(struct fixture *fx)
{
	writer_stop(&fx->writer);
	loop_free(&fx->loop);
	json_decref(fx->result);
	json_decref(fx->a.last_frame);
	camera_close(&fx->cam);
	config_free(&fx->cfg);
}

/* One request message through the daemon's path; returns its result
 * (borrowed from fx). `expires` is the message's MQTT 5 deadline (0: none). */
static const json_t *run_request(struct fixture *fx, const char *payload, int64_t when_ms,
				 int64_t expires)
{
	struct mqtt_message m = {.topic = "skylapse/helios/capture/request",
				 .payload = (const unsigned char *)payload,
				 .len = strlen(payload),
				 .expires_at_ms = expires};
	struct capture_job *job = request_take(&fx->a, &m);
	long timer;

	assert_non_null(job);
	if (job->rc != SL_OK) {
		close_job(fx, job); /* refused: answered at once */
		return fx->result;
	}
	assert_string_equal(status_state(&fx->a), "capturing");
	capture_shoot(&fx->a, job, when_ms);
	writer_push(fx->writer, job);
	timer = loop_add_timer(fx->loop, 20000, too_long, NULL);
	assert_int_equal(loop_run(fx->loop), 0);
	loop_del_timer(fx->loop, timer);
	return fx->result;
}

static void test_requests_single_and_bracket(void **state)
{
	struct fixture fx;
	const json_t *r, *frames, *f;
	char path[PATH_MAX], sha[SHA256_HEX_LEN];
	int64_t noon = 1782928800000LL; /* 2026-07-01T18:00:00Z, mid-day in Denver */
	double e0, e1, e2;

	(void)state;
	fixture_open(&fx, "sim");
	assert_string_equal(status_state(&fx.a), "idle");
	r = run_request(&fx, "{\"profile\":\"A\",\"backend_name\":\"dagon\",\"request_id\":\"r1\"}",
			noon, 0);
	assert_string_equal(jstr(r, "status"), "ok");
	assert_null(json_object_get(r, "error_kind"));
	frames = json_object_get(r, "frames");
	assert_int_equal(json_array_size(frames), 1);
	f = json_array_get(frames, 0);
	assert_string_equal(jstr(f, "profile"), "a");
	assert_string_equal(jstr(f, "captured_at"), "2026-07-01T18:00:00.000Z");
	assert_string_equal(jstr(f, "path"),
			    "profile-a/2026-07-01/capture_20260701_180000_000.jpg");
	assert_string_equal(jstr(f, "request_id"), "r1");
	snprintf(path, sizeof(path), "%s/%s", fx.a.images_root, jstr(f, "path"));
	assert_int_equal(sha256_file_hex(path, sha), 0);
	assert_string_equal(sha, jstr(f, "sha256"));
	assert_true(json_equal((json_t *)f, fx.a.last_frame)); /* what status shows */
	assert_int_equal(fx.a.captures_total, 1);
	assert_string_equal(status_state(&fx.a), "idle");

	/* three brackets at EV -2, 0, +2 */
	r = run_request(&fx, "{\"profile\":\"d\"}", noon + 5000, 0);
	frames = json_object_get(r, "frames");
	assert_int_equal(json_array_size(frames), 3);
	e0 = json_number_value(json_object_get(json_array_get(frames, 0), "exposure_us"));
	e1 = json_number_value(json_object_get(json_array_get(frames, 1), "exposure_us"));
	e2 = json_number_value(json_object_get(json_array_get(frames, 2), "exposure_us"));
	assert_true(e0 < e1 && e1 < e2); /* brackets really differ in exposure */
	assert_true(e2 / e0 > 10 && e2 / e0 < 20);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_array_get(frames, 2), "bracket"), "count")),
			 3);
	assert_non_null(strstr(jstr(json_array_get(frames, 1), "path"), "_bracket1.jpg"));
	assert_int_equal(fx.a.captures_total, 2);
	fixture_close(&fx);
}

static double frame_num(const json_t *frames, size_t i, const char *key)
{
	return json_number_value(json_object_get(json_array_get(frames, i), key));
}

/* Profile h through the daemon's path over a simulated sunset in Denver, a
 * frame a minute: every frame is the agent's, the output's luma moves
 * little from frame to frame while exposure and gain have room, the dusk
 * stays exposed; then a bracketed profile with "exposure": "agent" brackets
 * around the controlled exposure. */
static void test_agent_exposure_over_a_sunset(void **state)
{
	struct fixture fx;
	struct exposure_run run = {{{0}}};
	struct profile *d = NULL;
	const json_t *r, *frames;
	int64_t t0 = 1782956700000LL; /* 2026-07-02T01:45Z, sun ~ +5 deg in Denver */
	double prev = -1, worst = 0, luma = 0, product[3];
	bool prev_room = false;

	(void)state;
	fixture_open(&fx, "sim");
	fx.a.expo = &run;
	for (int i = 0; i < 100; i++) {
		int64_t at = t0 + i * 60000LL;
		double e, g;
		bool room;

		r = run_request(&fx, "{\"profile\":\"h\"}", at, 0);
		assert_string_equal(jstr(r, "status"), "ok");
		frames = json_object_get(r, "frames");
		assert_string_equal(jstr(json_array_get(frames, 0), "exposure_control"), "agent");
		assert_string_equal(jstr(json_array_get(frames, 0), "awb"), "custom");
		e = frame_num(frames, 0, "exposure_us");
		g = frame_num(frames, 0, "analogue_gain");
		assert_true(g == profile_gain_valid(g));
		assert_true(e <= EXPOSURE_MAX_DEFAULT_US);
		luma = frame_num(frames, 0, "mean_luma");
		room = !(e >= EXPOSURE_MAX_DEFAULT_US - 1000 && g >= 15.9);
		if (i >= 3 && room && prev_room)
			worst = fmax(worst, fabs(luma - prev) / fmax(prev, 1));
		prev = luma;
		prev_room = room;
	}
	if (!(worst < 0.08 && luma > 20))
		fail_msg("largest step with room %.1f %%, last luma %.1f", 100 * worst, luma);
	assert_int_equal(exposure_run_find(&run, 'h')->interval_ms, 60000);

	for (int i = 0; i < fx.cfg.profiles.count; i++)
		if (fx.cfg.profiles.items[i].id == 'd')
			d = &fx.cfg.profiles.items[i];
	assert_non_null(d);
	d->agent_exposure = true;
	for (int i = 0; i < 3; i++)
		r = run_request(&fx, "{\"profile\":\"d\"}", t0 + i * 30000LL, 0);
	frames = json_object_get(r, "frames");
	assert_int_equal(json_array_size(frames), 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(jstr(json_array_get(frames, i), "exposure_control"), "agent");
		product[i] =
		    frame_num(frames, i, "exposure_us") * frame_num(frames, i, "analogue_gain");
	}
	/* -2, 0, +2 EV around the controlled one: factors of 4, gain steps aside */
	assert_true(fabs(product[1] / product[0] - 4) < 0.1);
	assert_true(fabs(product[2] / product[1] - 4) < 0.1);
	fixture_close(&fx);
}

/* Regressions as data: every way a request fails, the machine word it
 * answers with and the sentence for people. */
static void test_error_kinds(void **state)
{
	static char big[PAYLOAD_MAX + 64];
	static const struct {
		const char *payload;
		const char *primary; /* PRIMARY_BACKEND */
		double min_free_pct;
		bool no_camera, expired;
		const char *request_id, *kind, *error;
	} cases[] = {
		{"{\"backend_name\":\"dev\",\"request_id\":\"d1\"}", "dagon", 0, false, false, "d1",
		 "denied", "Backend not authorized: only 'dagon' can trigger captures"},
		{"{\"request_id\":\"d2\"}", "dagon", 0, false, false, "d2", "denied",
		 "Backend not authorized: only 'dagon' can trigger captures"},
		{"{\"profile\":\"A\",\"request_id\":\"j1\"", "", 0, false, false, NULL, "invalid",
		 "payload is not valid JSON"},
		{"[1,2]", "", 0, false, false, NULL, "invalid", "payload must be a JSON object"},
		{"{\"profile\":5,\"request_id\":\"t1\"}", "", 0, false, false, "t1", "invalid",
		 "'profile' must be a string"},
		{"{\"overrides\":\"fast\",\"request_id\":\"t2\"}", "", 0, false, false, "t2",
		 "invalid", "'overrides' must be an object"},
		{"{\"profile\":\"q\",\"request_id\":\"p1\"}", "", 0, false, false, "p1", "invalid",
		 "unknown profile 'q'"},
		{"{\"overrides\":{\"ev\":\"bright\"},\"request_id\":\"o1\"}", "", 0, false, false, "o1",
		 "invalid", "overrides.ev"},
		{"{\"request_id\":\"c1\"}", "", 0, true, false, "c1", "camera", "camera not ready: "},
		{"{\"request_id\":\"s1\"}", "", 100, false, false, "s1", "no_space",
		 "disk nearly full"},
		{"{\"request_id\":\"e1\"}", "", 0, false, true, "e1", "timeout",
		 "request expired before it could run"},
		{NULL, "", 0, false, false, NULL, "too_big", "limit"},
	};
	struct fixture fx;

	(void)state;
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	fixture_open(&fx, "sim");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const json_t *r;

		snprintf(fx.set.primary_backend, sizeof(fx.set.primary_backend), "%s",
			 cases[i].primary);
		fx.set.min_free_pct = cases[i].min_free_pct;
		fx.a.cam = cases[i].no_camera ? NULL : fx.cam;
		r = run_request(&fx, cases[i].payload ? cases[i].payload : big, 1782928800000LL,
				cases[i].expired ? 1 : 0);
		if (strcmp(jstr(r, "status"), "error") != 0 ||
		    strcmp(jstr(r, "error_kind"), cases[i].kind) != 0)
			fail_msg("case %zu: got %s / %s, want %s", i, jstr(r, "status"),
				 jstr(r, "error_kind"), cases[i].kind);
		if (strstr(jstr(r, "error"), cases[i].error) == NULL)
			fail_msg("case %zu: error '%s' lacks '%s'", i, jstr(r, "error"),
				 cases[i].error);
		if (cases[i].request_id)
			assert_string_equal(jstr(r, "request_id"), cases[i].request_id);
		else
			assert_true(json_is_null(json_object_get(r, "request_id")));
		assert_int_equal(json_array_size(json_object_get(r, "frames")), 0);
		assert_int_equal(fx.a.errors_total, (long)i + 1);
		assert_string_equal(fx.a.last_error, jstr(r, "error"));
		assert_string_equal(status_state(&fx.a), cases[i].no_camera ? "error" : "idle");
	}
	assert_int_equal(fx.a.captures_total, 0);
	assert_int_equal(fx.a.jobs_open, 0);
	fixture_close(&fx);
}

/* A camera that fails while shooting (the dir source's frame stops being a
 * JPEG after it was opened) answers error_kind "camera". */
static void test_camera_failure_kind(void **state)
{
	char dir[PATH_MAX], file[PATH_MAX + 16], spec[PATH_MAX + 8];
	unsigned long size;
	unsigned char *jpeg = make_jpeg(64, 48, 100, &size);
	struct fixture fx;
	const json_t *r;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/replay", test_dir);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	snprintf(file, sizeof(file), "%s/0001.jpg", dir);
	assert_int_equal(file_write_atomic(file, jpeg, size), 0);
	free(jpeg);
	snprintf(spec, sizeof(spec), "dir:%s", dir);
	fixture_open(&fx, spec);
	/* same name, same folder: only the content changes */
	assert_int_equal(file_write_atomic(file, "this is no JPEG", 15), 0);
	r = run_request(&fx, "{\"request_id\":\"broken\"}", 1782928800000LL, 0);
	assert_string_equal(jstr(r, "status"), "error");
	assert_string_equal(jstr(r, "error_kind"), "camera");
	assert_non_null(strstr(jstr(r, "error"), "not a valid JPEG"));
	assert_string_equal(jstr(r, "request_id"), "broken");
	assert_int_equal(fx.a.errors_total, 1);
	fixture_close(&fx);
}

/* The result payload exactly, as it goes on the wire. */
static void test_result_payload(void **state)
{
	struct fixture fx;
	char *text;

	(void)state;
	fixture_open(&fx, "sim");
	snprintf(fx.set.primary_backend, sizeof(fx.set.primary_backend), "dagon");
	text = jx_dump(run_request(&fx, "{\"request_id\":\"r9\",\"backend_name\":\"x\"}", 0, 0));
	assert_string_equal(text, "{\"request_id\":\"r9\",\"status\":\"error\",\"error\":\"Backend not "
				  "authorized: only 'dagon' can trigger captures\",\"error_kind\":"
				  "\"denied\",\"frames\":[]}");
	free(text);
	fx.a.cam = NULL;
	snprintf(fx.a.camera_error, sizeof(fx.a.camera_error), "no camera found");
	fx.set.primary_backend[0] = '\0';
	text = jx_dump(run_request(&fx, "{}", 0, 0));
	assert_string_equal(text, "{\"request_id\":null,\"status\":\"error\",\"error\":\"camera not "
				  "ready: no camera found\",\"error_kind\":\"camera\",\"frames\":[]}");
	free(text);
	fixture_close(&fx);
}

/* The agent's own settings: the file's "capture" section, CAMERA_SOURCE,
 * then --source; bad values refused naming the key. */
static void test_settings(void **state)
{
	char path[PATH_MAX];
	const char *good = "{\"location\":{\"latitude\":1,\"longitude\":2,\"timezone\":\"UTC\"},"
			   "\"capture\":{\"min_free_pct\":12.5,\"sim_width\":320}}";
	const char *bad = "{\"location\":{\"latitude\":1,\"longitude\":2,\"timezone\":\"UTC\"},"
			  "\"capture\":{\"min_free_pct\":101,\"sim_height\":8}}";
	struct cli cli = {.config_path = path};
	struct capture_settings s, old;
	struct config_problems p;
	struct config c;

	(void)state;
	snprintf(path, sizeof(path), "%s/config.json", test_dir);
	assert_int_equal(file_write_atomic(path, good, strlen(good)), 0);
	unsetenv("CAMERA_SOURCE");
	setenv("PRIMARY_BACKEND", "dagon", 1);
	assert_int_equal(cli_load_config(&cli, "t", &c, capture_settings_load, &s), 0);
	assert_string_equal(s.camera_source, "libcamera");
	assert_string_equal(s.primary_backend, "dagon");
	assert_true(s.min_free_pct == 12.5);
	assert_int_equal(s.sim_width, 320);
	assert_int_equal(s.sim_height, 0);
	config_free(&c);
	old = s;
	setenv("CAMERA_SOURCE", "sim", 1);
	assert_int_equal(cli_load_config(&cli, "t", &c, capture_settings_load, &s), 0);
	assert_string_equal(s.camera_source, "sim");
	config_free(&c);
	cli_flag(&cli, "CAMERA_SOURCE", "dir:/frames");
	assert_int_equal(cli_load_config(&cli, "t", &c, capture_settings_load, &s), 0);
	assert_string_equal(s.camera_source, "dir:/frames");
	s.min_free_pct = 1; /* applies live: not counted */
	assert_int_equal(capture_settings_restart_needed(&old, &s), 1);
	config_free(&c);
	assert_int_equal(file_write_atomic(path, bad, strlen(bad)), 0);
	setenv("PRIMARY_BACKEND", "Bad Name", 1);
	assert_int_equal(config_load(&c, path, &cli.flags, &p), 0);
	capture_settings_load(&c, &s, &p);
	assert_int_equal(p.errors, 3);
	assert_true(has_problem(&p, "env PRIMARY_BACKEND: 'Bad Name' must match"));
	assert_true(has_problem(&p, "capture.min_free_pct: must be a number 0..100"));
	assert_true(has_problem(&p, "capture.sim_height: 8 is outside 16..16384"));
	config_free(&c);
	unsetenv("CAMERA_SOURCE");
	unsetenv("PRIMARY_BACKEND");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_parse_table),
		cmocka_unit_test(test_authorize_table),
		cmocka_unit_test(test_frame_rel_path),
		cmocka_unit_test(test_frame_store_write),
		cmocka_unit_test(test_preview),
		cmocka_unit_test(test_preview_from_planes),
		cmocka_unit_test(test_agent_exposure_over_a_sunset),
		cmocka_unit_test(test_requests_single_and_bracket),
		cmocka_unit_test(test_error_kinds),
		cmocka_unit_test(test_camera_failure_kind),
		cmocka_unit_test(test_result_payload),
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests_name("capture", tests, dir_setup, dir_teardown);
}
