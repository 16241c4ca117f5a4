/* test_encoder_job.c - skylapse-encoder's job rules: parsing and validation
 * (a table of payloads), quality tiers, output names and ids, the state
 * message, and the registry's take-over decisions. */
#include "fsutil.h"
#include "job.h"
#include "registry.h"
#include "settings.h"
#include "state.h"
#include "testutil.h"
#include "timeutil.h"

#define RANGE                                                                                      \
	"\"camera\":\"helios\",\"from\":\"2026-11-27T06:00:00Z\",\"to\":\"2026-11-27T07:00:00Z\""

/* Payloads that must fail, and a piece of the message that names the problem. */
static void test_bad_jobs(void **state)
{
	static const struct {
		const char *json;
		const char *why;
	} cases[] = {
	    {"{\"from\":\"2026-11-27T06:00:00Z\",\"to\":\"2026-11-27T07:00:00Z\"}",
	     "'camera' is required"},
	    {"{" RANGE ",\"dark\":\"helios/dark.jpg\"}", "only for kind startrails"},
	    {"{" RANGE ",\"kind\":\"startrails\",\"dark\":\"../etc/passwd\"}",
	     "relative path under the images root"},
	    {"{" RANGE ",\"kind\":\"startrails\",\"dark\":\"/etc/passwd\"}",
	     "relative path under the images root"},
	    {"{\"camera\":\"Helios\",\"from\":\"2026-11-27T06:00:00Z\",\"to\":\"2026-11-27T07:00:"
	     "00Z\"}",
	     "'camera' must match"},
	    {"{" RANGE ",\"fps\":0}", "'fps' must be between 1 and 120"},
	    {"{" RANGE ",\"fps\":500}", "'fps' must be between 1 and 120"},
	    {"{" RANGE ",\"fps\":\"30\"}", "'fps' must be an integer"},
	    {"{" RANGE ",\"fps\":29.5}", "'fps' must be an integer"},
	    {"{" RANGE ",\"fps\":30,\"duration_seconds\":10}", "not both"},
	    {"{" RANGE ",\"duration_seconds\":-1}", "'duration_seconds' must be between"},
	    {"{" RANGE ",\"width\":100000}", "'width' must be between 0 and 7680"},
	    {"{" RANGE ",\"width\":8}", "'width' must be 0 (source size) or 16..7680"},
	    {"{" RANGE ",\"width\":\"1920\"}", "'width' must be an integer"},
	    {"{" RANGE ",\"codec\":\"mpeg2\"}", "unknown codec 'mpeg2'"},
	    {"{" RANGE ",\"codec\":264}", "'codec' must be a string"},
	    {"{" RANGE ",\"crf\":70}", "'crf' must be between 0 and 63"},
	    {"{" RANGE ",\"crf\":60}", "'crf' must be between 0 and 51 for h264"},
	    {"{" RANGE ",\"preset\":\"warp\"}", "unknown preset 'warp'"},
	    {"{" RANGE ",\"kind\":\"gif\"}", "unknown kind 'gif'"},
	    {"{" RANGE ",\"quality_tier\":\"gold\"}", "unknown quality_tier 'gold'"},
	    {"{" RANGE ",\"deflicker\":\"yes\"}", "'deflicker' must be true, false"},
	    {"{" RANGE ",\"deflicker\":{\"window\":1}}", "'deflicker.window' must be"},
	    {"{" RANGE ",\"profile\":\"ab\"}", "'profile' must be one letter"},
	    {"{" RANGE ",\"profile\":7}", "'profile' must be a string"},
	    {"{" RANGE ",\"bracket\":-1}", "'bracket' must be between 0 and 99"},
	    {"{" RANGE ",\"name\":\"../x\"}", "'name' must match"},
	    {"{\"camera\":\"helios\"}", "a frame range is required"},
	    {"{\"camera\":\"helios\",\"from\":\"2026-11-27T07:00:00Z\",\"to\":\"2026-11-27T06:00:"
	     "00Z\"}",
	     "empty range"},
	    {"{\"camera\":\"helios\",\"from\":\"2026-11-27T06:00:00Z\",\"to\":\"2026-11-27T06:00:"
	     "00Z\"}",
	     "empty range"},
	    {"{\"camera\":\"helios\",\"from\":\"yesterday\",\"to\":\"2026-11-27T06:00:00Z\"}",
	     "'from' is not an ISO 8601 time"},
	    {"{\"camera\":\"helios\",\"from\":\"2026-11-27T06:00:00Z\"}",
	     "a frame range is required"},
	    {"{\"camera\":\"helios\",\"date\":\"2026-13-01\"}", "'date' must be YYYY-MM-DD"},
	    {"{" RANGE ",\"date\":\"2026-11-27\"}", "not both"},
	    {"{\"camera\":\"helios\",\"schedule\":\"sunrise\",\"from\":\"2026-11-27T06:00:00Z\","
	     "\"to\":\"2026-11-27T07:00:00Z\"}",
	     "'schedule' needs a 'date'"},
	    {"{\"job_id\":\"Bad Id\"," RANGE "}", "'job_id' must be a string"},
	    {"{\"job_id\":42," RANGE "}", "'job_id' must be a string"},
	    {"{" RANGE ",\"framerate\":30}", "unknown field 'framerate'"},
	};
	struct encode_job job;
	char why[ERRMSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = jparse(cases[i].json);

		why[0] = '\0';
		if (job_parse(o, NULL, &job, why) == SL_OK)
			fail_msg("accepted: %s", cases[i].json);
		if (strstr(why, cases[i].why) == NULL)
			fail_msg("%s: got \"%s\", expected \"%s\"", cases[i].json, why,
				 cases[i].why);
		assert_true(id_is_valid(job.job_id)); /* a failure can be reported under it */
		json_decref(o);
	}
}

static void test_defaults_and_fields(void **state)
{
	struct encode_job job;
	char why[ERRMSG_MAX] = "";
	json_t *o = jparse("{\"job_id\":\"j1\"," RANGE ",\"profile\":\"A\",\"width\":1281,"
			  "\"deflicker\":true,\"bracket\":2,\"name\":\"my-video\"}");

	(void)state;
	assert_int_equal(job_parse(o, NULL, &job, why), SL_OK);
	assert_string_equal(job.job_id, "j1");
	assert_false(job.id_generated);
	assert_int_equal(job.kind, JOB_VIDEO);
	assert_string_equal(job.camera, "helios");
	assert_int_equal(job.profile, 'a');
	assert_int_equal(job.fps, 30);
	assert_int_equal(job.width, 1280);
	assert_int_equal(job.codec, CODEC_H264);
	assert_int_equal(job.crf, 23);
	assert_string_equal(job.preset, "medium");
	assert_int_equal(job.deflicker_window, JOB_WINDOW_DEFAULT);
	assert_int_equal(job.bracket, 2);
	assert_string_equal(job.name, "my-video");
	assert_int_equal(job.from_ms, 1795759200000LL);
	assert_int_equal(job.to_ms, 1795759200000LL + 3600000);
	json_decref(o);

	o = jparse("{" RANGE ",\"kind\":\"keogram\",\"duration_seconds\":12.5,"
		  "\"deflicker\":{\"window\":8},\"width\":0}");
	assert_int_equal(job_parse(o, NULL, &job, why), SL_OK);
	assert_true(job.id_generated);
	assert_true(id_is_valid(job.job_id));
	assert_int_equal(job.kind, JOB_KEOGRAM);
	assert_int_equal(job.fps, 0);
	assert_true(job.duration_seconds == 12.5);
	assert_int_equal(job.deflicker_window, 9);
	assert_int_equal(job.width, 0);
	assert_int_equal(job.bracket, -1);
	json_decref(o);

	o = jparse("{" RANGE ",\"kind\":\"startrails\",\"dark\":\"helios/darks/30s.jpg\"}");
	assert_int_equal(job_parse(o, NULL, &job, why), SL_OK);
	assert_int_equal(job.kind, JOB_STARTRAILS);
	assert_string_equal(job.dark, "helios/darks/30s.jpg");
	assert_string_equal(job_kind_name(job.kind), "startrails");
	json_decref(o);

	o = jparse("{\"camera\":\"helios\",\"date\":\"2026-06-21\",\"schedule\":\"sunrise\"}");
	assert_int_equal(job_parse(o, NULL, &job, why), SL_OK);
	assert_int_equal(job.year, 2026);
	assert_int_equal(job.month, 6);
	assert_int_equal(job.day, 21);
	assert_string_equal(job.schedule, "sunrise");
	assert_int_equal(job.from_ms, 0);
	json_decref(o);
}

/* Quality tiers (REFERENCE.md) and codec defaults. */
static void test_quality(void **state)
{
	static const struct {
		const char *fields;
		int crf;
		const char *preset;
		enum job_codec codec;
	} cases[] = {
	    {"", 23, "medium", CODEC_H264},
	    {",\"quality_tier\":\"preview\"", 18, "medium", CODEC_H264},
	    {",\"quality_tier\":\"preview\",\"quality\":\"low\"", 28, "fast", CODEC_H264},
	    {",\"quality_tier\":\"preview\",\"quality\":\"medium\"", 23, "medium", CODEC_H264},
	    {",\"quality_tier\":\"archive\"", 12, "slow", CODEC_H264},
	    {",\"quality_tier\":\"archive\",\"quality\":\"low\"", 20, "medium", CODEC_H264},
	    {",\"quality_tier\":\"archive\",\"crf\":30", 30, "slow", CODEC_H264},
	    {",\"quality_tier\":\"archive\",\"preset\":\"veryfast\"", 12, "veryfast", CODEC_H264},
	    {",\"crf\":19,\"preset\":\"slower\"", 19, "slower", CODEC_H264},
	    {",\"codec\":\"h265\"", 28, "medium", CODEC_H265},
	    {",\"codec\":\"hevc\"", 28, "medium", CODEC_H265},
	    {",\"codec\":\"vp9\"", 31, "medium", CODEC_VP9},
	    {",\"codec\":\"av1\"", 35, "medium", CODEC_AV1},
	    {",\"codec\":\"av1\",\"crf\":50", 50, "medium", CODEC_AV1},
	};
	struct encode_job job;
	char why[ERRMSG_MAX], text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o;

		snprintf(text, sizeof(text), "{" RANGE "%s}", cases[i].fields);
		o = jparse(text);
		if (job_parse(o, NULL, &job, why))
			fail_msg("%s: %s", text, why);
		assert_int_equal(job.crf, cases[i].crf);
		assert_string_equal(job.preset, cases[i].preset);
		assert_int_equal(job.codec, cases[i].codec);
		json_decref(o);
	}
}

/* config.json's encoder section: defaults the job can override. */
static void test_config_defaults(void **state)
{
	json_t *defaults = jparse("{\"fps\":24,\"width\":1280,\"quality_tier\":\"archive\","
				 "\"deflicker\":{\"window\":21},\"concurrency\":2,\"threads\":3}");
	json_t *o = jparse("{" RANGE ",\"crf\":25}");
	json_t *bad = jparse("{\"fps\":\"fast\"}");
	struct encode_job job;
	char why[ERRMSG_MAX] = "";

	(void)state;
	assert_int_equal(job_check_defaults(defaults, why), SL_OK);
	assert_int_equal(job_parse(o, defaults, &job, why), SL_OK);
	assert_int_equal(job.fps, 24);
	assert_int_equal(job.width, 1280);
	assert_int_equal(job.crf, 25);
	assert_string_equal(job.preset, "slow");
	assert_int_equal(job.deflicker_window, 21);
	json_decref(o);
	/* a job's tier replaces a default crf */
	o = jparse("{" RANGE ",\"quality_tier\":\"preview\",\"fps\":60}");
	json_object_set_new(defaults, "crf", json_integer(30));
	assert_int_equal(job_parse(o, defaults, &job, why), SL_OK);
	assert_int_equal(job.crf, 18);
	assert_int_equal(job.fps, 60);
	json_decref(o);
	assert_int_not_equal(job_check_defaults(bad, why), SL_OK);
	assert_non_null(strstr(why, "encoder defaults: 'fps' must be an integer"));
	o = jparse("{" RANGE "}");
	assert_int_not_equal(job_parse(o, bad, &job, why), SL_OK);
	json_decref(o);
	json_decref(bad);
	json_decref(defaults);
}

static void test_settings_only(void **state)
{
	json_t *o = jparse("{\"fps\":25,\"width\":640,\"deflicker\":{\"window\":5}}");
	struct encode_job job;
	char why[ERRMSG_MAX] = "";

	(void)state;
	assert_int_equal(job_parse_settings(o, NULL, &job, why), SL_OK);
	assert_int_equal(job.fps, 25);
	assert_int_equal(job.width, 640);
	assert_int_equal(job.deflicker_window, 5);
	json_decref(o);
}

static void test_output_names_and_ids(void **state)
{
	struct encode_job job;
	char name[JOB_NAME_MAX], a[ID_MAX + 1], b[ID_MAX + 1];
	char why[ERRMSG_MAX];
	json_t *o = jparse("{\"job_id\":\"sunrise-1\"," RANGE "}");

	(void)state;
	assert_int_equal(job_parse(o, NULL, &job, why), SL_OK);
	job_output_name(&job, 1795759200123LL, 'a', name);
	assert_string_equal(name, "20261127_060000_a_sunrise-1");
	job.kind = JOB_KEOGRAM;
	job_output_name(&job, 1795759200123LL, 'd', name);
	assert_string_equal(name, "20261127_060000_d_sunrise-1_keogram");
	job.kind = JOB_STARTRAILS;
	job_output_name(&job, 1795759200123LL, 'd', name);
	assert_string_equal(name, "20261127_060000_d_sunrise-1_startrails");
	snprintf(job.name, sizeof(job.name), "custom");
	job_output_name(&job, 0, 'a', name);
	assert_string_equal(name, "custom");
	assert_true(id_is_valid(name));
	job_make_id(a);
	job_make_id(b);
	assert_true(id_is_valid(a));
	assert_true(id_is_valid(b));
	assert_string_not_equal(a, b);
	assert_memory_equal(a, "job-", 4);
	json_decref(o);
}

static void test_state_message(void **state)
{
	struct encode_job job;
	struct skip_list skipped = {0};
	char why[ERRMSG_MAX];
	json_t *req = jparse("{\"job_id\":\"s1\"," RANGE "}"), *st;
	struct job_view v = {0};
	enum job_state s;

	(void)state;
	assert_int_equal(job_parse(req, NULL, &job, why), SL_OK);
	assert_int_equal(skip_list_add(&skipped, "helios/x.jpg", SKIP_MISSING, "no sidecar"), 0);
	v = (struct job_view){.job_id = "s1",
			      .worker = "w1",
			      .spec = &job,
			      .profile = 'a',
			      .state = JOB_RUNNING,
			      .frames_total = 40,
			      .frames_done = 10,
			      .skipped = &skipped,
			      .created_ms = 1795759200000LL,
			      .started_ms = 1795759201000LL,
			      .attempts = 1,
			      .request = req};
	st = state_json(&v);
	assert_string_equal(jstr(st, "state"), "running");
	assert_true(json_real_value(json_object_get(st, "progress")) == 0.25);
	assert_int_equal(json_integer_value(json_object_get(st, "frames_skipped")), 1);
	assert_string_equal(jstr(json_array_get(json_object_get(st, "skipped"), 0), "reason"),
			    "missing");
	assert_true(json_is_null(json_object_get(st, "output")));
	assert_true(json_is_null(json_object_get(st, "finished_at")));
	assert_true(json_is_null(json_object_get(st, "error")));
	assert_true(json_is_null(json_object_get(st, "error_kind")));
	assert_string_equal(jstr(st, "started_at"), "2026-11-27T06:00:01.000Z");
	assert_string_equal(jstr(st, "profile"), "a");
	assert_true(json_equal(json_object_get(st, "request"), req));
	json_decref(st);
	/* a failure says its kind beside the sentence; no code is "internal" */
	v.state = JOB_FAILED;
	v.error = "cannot write x.mp4: No space left on device";
	v.error_code = SL_ERR_NOSPACE;
	st = state_json(&v);
	assert_string_equal(jstr(st, "error_kind"), "no_space");
	json_decref(st);
	v.error_code = SL_OK;
	st = state_json(&v);
	assert_string_equal(jstr(st, "error_kind"), "internal");
	json_decref(st);
	assert_int_equal(job_state_parse("cancelled", &s), SL_OK);
	assert_int_equal(s, JOB_CANCELLED);
	assert_int_equal(job_state_parse("paused", &s), SL_ERR_NOTFOUND);
	assert_true(job_state_active(JOB_QUEUED) && !job_state_active(JOB_DONE));
	skip_list_free(&skipped);
	json_decref(req);
}

/* Who takes over a job whose worker went away. */
static void test_registry_decisions(void **state)
{
	static const struct {
		const char *state; /* job state */
		const char *owner;
		int attempts;
		bool request;
		bool owner_online;
		bool lower_online; /* a worker "a0" (lower id than "w2") is online */
		int64_t now;	   /* ms after the view became complete (0) */
		enum claim expect;
		int expect_attempts;
		bool published; /* "w2" itself published a state of the job */
	} cases[] = {
	    {"running", "w1", 0, true, true, false, 10000, CLAIM_NONE, 0, false},
	    {"running", "w1", 0, true, false, false, 1000, CLAIM_NONE, 0, false}, /* grace */
	    {"running", "w1", 0, true, false, false, 3000, CLAIM_TAKE, 1, false},
	    {"queued", "w1", 0, true, false, false, 3000, CLAIM_TAKE, 0, false},
	    {"running", "w1", 2, true, false, false, 3000, CLAIM_FAIL, 3, false},
	    {"running", "w1", 0, false, false, false, 3000, CLAIM_FAIL, 1, false},
	    {"running", "w1", 0, true, false, true, 3000, CLAIM_NONE, 0, false}, /* not elected */
	    {"done", "w1", 0, true, false, false, 3000, CLAIM_NONE, 0, false},
	    {"failed", "w1", 0, true, false, false, 3000, CLAIM_NONE, 0, false},
	    {"running", "w2", 0, true, true, true, 0, CLAIM_TAKE, 1, false}, /* our own, restarted */
	    /* our own, finished by this process; its last state's echo not back yet */
	    {"running", "w2", 0, true, true, true, 5000, CLAIM_NONE, 0, true},
	};
	char why[ERRMSG_MAX], text[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct registry r;
		const json_t *st;
		int attempts = 0;

		assert_int_equal(registry_init(&r), SL_OK);
		snprintf(text, sizeof(text),
			 "{\"job_id\":\"j\",\"state\":\"%s\",\"worker\":\"%s\",\"attempts\":%d%s}",
			 cases[i].state, cases[i].owner, cases[i].attempts,
			 cases[i].request ? ",\"request\":{\"camera\":\"helios\"}" : "");
		st = registry_note_state(&r, "j", text, strlen(text));
		assert_non_null(st);
		registry_note_worker(&r, cases[i].owner, cases[i].owner_online, 0);
		registry_note_worker(&r, "w2", true, 0);
		if (cases[i].lower_online)
			registry_note_worker(&r, "a0", true, 0);
		if (cases[i].published)
			registry_note_published(&r, "j", "{\"state\":\"done\"}");
		if (registry_decide(&r, "w2", st, cases[i].now, 0, &attempts, why) !=
		    cases[i].expect)
			fail_msg("case %zu: wrong decision", i);
		if (cases[i].expect != CLAIM_NONE)
			assert_int_equal(attempts, cases[i].expect_attempts);
		registry_free(&r);
	}
}

static void test_registry_bookkeeping(void **state)
{
	struct registry r;

	(void)state;
	assert_int_equal(registry_init(&r), SL_OK);
	assert_null(registry_note_state(&r, "j", "not json", 8));
	assert_non_null(registry_note_state(&r, "j", "{\"state\":\"queued\"}", 18));
	assert_non_null(registry_state(&r, "j"));
	assert_null(registry_note_state(&r, "j", "", 0));
	assert_null(registry_state(&r, "j"));
	registry_note_worker(&r, "w1", true, 5);
	assert_true(registry_worker_online(&r, "w1"));
	registry_note_worker(&r, "w1", false, 9);
	assert_false(registry_worker_online(&r, "w1"));
	assert_false(registry_worker_online(&r, "never-seen"));
	assert_true(registry_note_published(&r, "j", "a"));
	assert_false(registry_note_published(&r, "j", "a"));
	assert_true(registry_note_published(&r, "j", "b"));
	registry_free(&r);
}

/* The worker's own settings: read from the encoder section, defaults
 * without it, the whole section refused when one key is bad. */
static void test_worker_settings(void **state)
{
	struct config c = {.path = "config.json"};
	struct config_problems p = {0};
	struct encoder_settings s, old;
	json_t *sec = json_pack("{s:i, s:i, s:i}", "concurrency", 3, "threads", 2, "crf", 20);

	(void)state;
	encoder_settings_load(&c, &s, &p); /* no section */
	assert_int_equal(s.concurrency, 1);
	assert_int_equal(s.threads, 0);
	old = s;
	c.encoder = sec;
	encoder_settings_load(&c, &s, &p);
	assert_int_equal(p.errors, 0);
	assert_int_equal(s.concurrency, 3);
	assert_int_equal(s.threads, 2);
	assert_int_equal(encoder_settings_restart_needed(&old, &s), 2);
	json_object_set_new(sec, "concurrency", json_integer(65));
	encoder_settings_load(&c, &s, &p);
	assert_int_equal(p.errors, 1);
	assert_non_null(strstr(p.lines[0], "config.json: encoder: encoder defaults:"));
	assert_int_equal(s.concurrency, 1);
	json_decref(sec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_jobs),
	    cmocka_unit_test(test_defaults_and_fields),
	    cmocka_unit_test(test_quality),
	    cmocka_unit_test(test_config_defaults),
	    cmocka_unit_test(test_settings_only),
	    cmocka_unit_test(test_worker_settings),
	    cmocka_unit_test(test_output_names_and_ids),
	    cmocka_unit_test(test_state_message),
	    cmocka_unit_test(test_registry_decisions),
	    cmocka_unit_test(test_registry_bookkeeping),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
