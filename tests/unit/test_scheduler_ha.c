/* test_scheduler_ha.c - the backend's Home Assistant side without a broker.
 *
 * The device discovery payload (every component keyed, platformed and
 * uniquely identified; a switch per schedule on its set/state topics;
 * technical sensors diagnostic), the
 * table of unfinished encode jobs behind the encoder queue sensor, profile
 * selections (parsing, keeping them in the state file beside the schedule
 * switches, the profile a request naming none gets), today's timelapse job
 * and the next sunrise and sunset.
 */
#include <unistd.h>

#include "../../agents/scheduler/ha_backend.h"
#include "../../agents/scheduler/plan.h"
#include "../../agents/scheduler/switches.h"
#include "config.h"
#include "err.h"
#include "fsutil.h"
#include "testutil.h"
#include "timeutil.h"

static const char *const seed_like =
	"{\"location\": {\"latitude\": 39.6333, \"longitude\": -105.3167,"
	"  \"timezone\": \"America/Denver\"},"
	" \"schedules\": {"
	"  \"sunrise\": {\"type\": \"solar_relative\", \"anchor\": \"sunrise\","
	"    \"offset_minutes\": -30, \"duration_minutes\": 60, \"profile\": \"B\"},"
	"  \"a-b\": {\"type\": \"time_of_day\", \"start_time\": \"10:00\", \"end_time\": \"11:00\"},"
	"  \"a_b\": {\"type\": \"time_of_day\", \"start_time\": \"12:00\", \"end_time\": \"13:00\","
	"    \"profiles\": [\"D\", \"g\"]}}}";

static void load(struct config *c, const char *json)
{
	struct config_problems p;

	assert_int_equal(test_config_load(c, json, &p), 0);
	assert_int_equal(time_set_zone(c->timezone), 0);
	snprintf(c->backend_name, sizeof(c->backend_name), "dagon-1");
	snprintf(c->topic_root, sizeof(c->topic_root), "sky/test");
}

/* --- discovery ------------------------------------------------------------ */

static void test_backend_discovery(void **state)
{
	static const char *const keys[] = {
		"active_schedules", "next_sunrise",	 "next_sunset",	   "encoder_queue",
		"schedule_sunrise", "schedule_a_b",	 "schedule_a_b_2", "timelapse_today",
		"version",
	};
	char dev_id[HA_DEVICE_ID_MAX];
	struct config c;
	json_t *d, *cmps, *cmp, *removed, *ids = json_object();
	const char *key;

	(void)state;
	load(&c, seed_like);
	ha_backend_device_id(c.backend_name, dev_id);
	assert_string_equal(dev_id, "skylapse_backend_dagon_1");
	d = ha_backend_discovery(&c, "http://server:8082", NULL);
	assert_non_null(d);
	assert_string_equal(jstr(json_object_get(d, "device"), "configuration_url"),
			    "http://server:8082");
	assert_string_equal(jstr(json_object_get(d, "device"), "model"), "Skylapse backend");
	assert_string_equal(jstr(json_array_get(json_object_get(d, "availability"), 0), "topic"),
			    "sky/test/backend/dagon-1/availability");
	assert_string_equal(jstr(d, "availability_mode"), "all");
	cmps = json_object_get(d, "components");
	assert_int_equal(json_object_size(cmps), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(json_object_get(cmps, keys[i]));
	json_object_foreach(cmps, key, cmp) {
		char eid[256];

		snprintf(eid, sizeof(eid), "%s.%s", jstr(cmp, "platform"), jstr(cmp, "unique_id"));
		assert_string_equal(jstr(cmp, "default_entity_id"), eid);
		assert_null(json_object_get(cmp, "object_id"));
		assert_null(json_object_get(ids, jstr(cmp, "unique_id"))); /* unique */
		json_object_set_new(ids, jstr(cmp, "unique_id"), json_true());
		assert_true(strncmp(jstr(cmp, "unique_id"), dev_id, strlen(dev_id)) == 0);
	}
	/* the technical sensors are diagnostic entities, the others primary */
	assert_string_equal(jstr(json_object_get(cmps, "encoder_queue"), "entity_category"),
			    "diagnostic");
	assert_string_equal(jstr(json_object_get(cmps, "version"), "entity_category"),
			    "diagnostic");
	assert_null(json_object_get(json_object_get(cmps, "next_sunset"), "entity_category"));
	assert_null(json_object_get(json_object_get(cmps, "schedule_a_b"), "entity_category"));
	/* the two schedules that differ by '-' and '_' keep their own topics */
	cmp = json_object_get(cmps, "schedule_a_b");
	assert_string_equal(jstr(cmp, "platform"), "switch");
	assert_string_equal(jstr(cmp, "command_topic"),
			    "sky/test/backend/dagon-1/schedules/a-b/set");
	assert_string_equal(jstr(cmp, "state_topic"),
			    "sky/test/backend/dagon-1/schedules/a-b/state");
	assert_string_equal(jstr(cmp, "payload_on"), "ON");
	assert_string_equal(jstr(cmp, "payload_off"), "OFF");
	cmp = json_object_get(cmps, "schedule_a_b_2");
	assert_string_equal(jstr(cmp, "command_topic"),
			    "sky/test/backend/dagon-1/schedules/a_b/set");
	cmp = json_object_get(cmps, "timelapse_today");
	assert_string_equal(jstr(cmp, "platform"), "button");
	assert_string_equal(jstr(cmp, "command_topic"), "sky/test/backend/dagon-1/timelapse/today");
	cmp = json_object_get(cmps, "next_sunset");
	assert_string_equal(jstr(cmp, "device_class"), "timestamp");
	assert_string_equal(jstr(cmp, "state_topic"), "sky/test/backend/dagon-1/status");
	json_decref(d);
	/* without BACKEND_URL there is no dashboard to point at; a schedule a
	 * reload dropped is sent with its platform only (Home Assistant then
	 * removes that entity), unless a schedule still there has its key */
	removed = json_pack("[s,s,s]", "gone-one", "a_b", "Bad Name");
	d = ha_backend_discovery(&c, NULL, removed);
	assert_null(json_object_get(json_object_get(d, "device"), "configuration_url"));
	assert_null(json_object_get(json_object_get(d, "origin"), "support_url"));
	cmps = json_object_get(d, "components");
	assert_int_equal(json_object_size(cmps), sizeof(keys) / sizeof(keys[0]) + 1);
	cmp = json_object_get(cmps, "schedule_gone_one");
	assert_int_equal(json_object_size(cmp), 1);
	assert_string_equal(jstr(cmp, "platform"), "switch");
	assert_non_null(json_object_get(json_object_get(cmps, "schedule_a_b"), "command_topic"));
	json_decref(removed);
	json_decref(d);
	json_decref(ids);
	config_free(&c);
}

/* --- encoder queue ---------------------------------------------------------- */

static bool update(struct ha_jobs *q, const char *id, const char *payload)
{
	return ha_jobs_update(q, id, payload, strlen(payload));
}

static void test_jobs_table(void **state)
{
	struct ha_jobs q = {0};
	char id[32];

	(void)state;
	assert_true(update(&q, "j1", "{\"job_id\":\"j1\",\"state\":\"queued\"}"));
	assert_false(update(&q, "j1", "{\"state\":\"running\",\"progress\":0.5}")); /* still one */
	assert_true(update(&q, "j2", "{\"state\":\"running\"}"));
	assert_int_equal(q.n, 2);
	assert_true(update(&q, "j1", "{\"state\":\"done\"}"));
	assert_int_equal(q.n, 1);
	assert_false(update(&q, "j1", "{\"state\":\"failed\"}")); /* already gone */
	/* not a job state: nothing changes */
	assert_false(update(&q, "j2", "not json"));
	assert_false(update(&q, "j2", "{\"progress\":1}"));
	assert_false(update(&q, "j2", "{\"state\":7}"));
	assert_false(update(&q, "Bad Id", "{\"state\":\"queued\"}"));
	assert_int_equal(q.n, 1);
	/* a cleared retained state forgets the job */
	assert_true(ha_jobs_update(&q, "j2", "", 0));
	assert_int_equal(q.n, 0);
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "job-%d", i);
		assert_true(update(&q, id, "{\"state\":\"queued\"}"));
	}
	assert_int_equal(q.n, 100);
	assert_true(update(&q, "job-0", "{\"state\":\"cancelled\"}"));
	assert_true(update(&q, "job-99", "{\"state\":\"done\"}"));
	assert_int_equal(q.n, 98);
	ha_jobs_free(&q);
	assert_int_equal(q.n, 0);
	assert_null(q.ids);
	ha_jobs_free(&q);
}

/* --- profile selections ----------------------------------------------------- */

static void test_profile_payloads(void **state)
{
	static const struct {
		const char *payload;
		int rc;
		char id;
	} cases[] = {
		{"g", 0, 'g'}, {"G", 0, 'g'}, {" a\n", 0, 'a'}, {"C", 0, 'c'}, /* disabled, but exists */
		{"z", SL_ERR_INVAL, 0},	 {"ab", SL_ERR_INVAL, 0}, {"", SL_ERR_INVAL, 0},
		{"1", SL_ERR_INVAL, 0},	 {"\"g\"", SL_ERR_INVAL, 0},
	};
	struct profile_set set;

	(void)state;
	profile_set_builtin(&set);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char id = 'x';

		assert_int_equal(switch_parse_profile(&set, cases[i].payload,
						      strlen(cases[i].payload), &id),
				 cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(id, cases[i].id);
	}
}

static void test_profiles_kept_with_switches(void **state)
{
	const char *dir = *state;
	char path[256];
	struct schedule s = {.name = "sunset", .enabled = true};
	struct switches sw;

	snprintf(path, sizeof(path), "%s/switches.json", dir);
	assert_int_equal(switches_load(&sw, path), 0);
	assert_int_equal(switches_profile(&sw, "helios"), '\0');
	assert_int_equal(switches_set_profile(&sw, "helios", 'G'), 0);
	assert_int_equal(switches_set_profile(&sw, "apollo", 'b'), 0);
	assert_int_equal(switches_set_profile(&sw, "helios", 'd'), 0); /* replaces */
	assert_int_equal(switches_set(&sw, &s, false), 0);
	/* a restart reads both back */
	assert_int_equal(switches_load(&sw, path), 0);
	assert_int_equal(sw.ncam, 2);
	assert_int_equal(switches_profile(&sw, "helios"), 'd');
	assert_int_equal(switches_profile(&sw, "apollo"), 'b');
	assert_false(switches_runs(&sw, &s));
	/* forgetting a stale switch rewrites the file: the selections stay */
	s.enabled = false;
	assert_false(switches_runs(&sw, &s));
	assert_int_equal(switches_load(&sw, path), 0);
	assert_int_equal(sw.n, 0);
	assert_int_equal(switches_profile(&sw, "helios"), 'd');
	/* an older file has no selections; bad entries are skipped */
	assert_int_equal(file_write_atomic(path, "{\"schedules\":{}}", 16), 0);
	assert_int_equal(switches_load(&sw, path), 0);
	assert_int_equal(sw.ncam, 0);
	{
		const char *bad = "{\"schedules\":{},\"camera_profiles\":{\"helios\":\"G\","
				  "\"Apollo\":\"a\",\"zeus\":\"ab\",\"hera\":1,\"ok\":\"g\"}}";

		assert_int_equal(file_write_atomic(path, bad, strlen(bad)), 0);
	}
	assert_int_equal(switches_load(&sw, path), 0);
	assert_int_equal(sw.ncam, 1);
	assert_int_equal(switches_profile(&sw, "ok"), 'g');
	/* a fleet: every camera keeps its own selection, also across a restart */
	for (int i = 0; i < 400; i++) {
		char cam[16];

		snprintf(cam, sizeof(cam), "cam%03d", i);
		assert_int_equal(switches_set_profile(&sw, cam, i % 2 ? 'b' : 'g'), 0);
	}
	assert_int_equal(switches_load(&sw, path), 0);
	assert_int_equal(sw.ncam, 401);
	assert_int_equal(switches_profile(&sw, "cam399"), 'b');
}

static void test_default_profiles(void **state)
{
	bool runs[3] = {true, true, true};
	struct config c;

	(void)state;
	load(&c, seed_like);
	/* capture: the selection while it exists, else the first enabled */
	assert_int_equal(ha_capture_profile(&c, 'g'), 'g');
	assert_int_equal(ha_capture_profile(&c, 'c'), 'c');
	assert_int_equal(ha_capture_profile(&c, 'z'), 'a');
	assert_int_equal(ha_capture_profile(&c, '\0'), 'a');
	/* today: the first running schedule's first profile */
	assert_int_equal(ha_today_profile(&c, runs), 'b');
	runs[0] = false; /* "a-b" names none: every enabled profile, the first */
	assert_int_equal(ha_today_profile(&c, runs), 'a');
	runs[1] = false;
	assert_int_equal(ha_today_profile(&c, runs), 'd');
	runs[2] = false;
	assert_int_equal(ha_today_profile(&c, runs), 'a');
	/* nothing enabled anywhere */
	for (int i = 0; i < c.profiles.count; i++)
		c.profiles.items[i].enabled = false;
	assert_int_equal(ha_capture_profile(&c, '\0'), '\0');
	assert_int_equal(ha_today_profile(&c, runs), '\0');
	config_free(&c);
}

/* --- today's timelapse and the next sun ------------------------------------ */

static json_t *today(const char *camera, char profile, const char *iso)
{
	int64_t now;

	assert_int_equal(time_parse_iso(iso, &now), 0);
	return plan_today_job(camera, profile, now);
}

static void test_today_job(void **state)
{
	char longcam[ID_MAX + 1];
	json_t *a, *b;

	(void)state;
	assert_int_equal(time_set_zone("America/Denver"), 0);
	a = today("helios", 'g', "2026-06-21T12:01:30.250-06:00");
	assert_string_equal(jstr(a, "job_id"), "helios-today-2026-06-21-120130-g");
	assert_string_equal(jstr(a, "kind"), "video");
	assert_string_equal(jstr(a, "camera"), "helios");
	assert_string_equal(jstr(a, "profile"), "g");
	assert_string_equal(jstr(a, "from"), "2026-06-21T00:00:00-06:00");
	assert_string_equal(jstr(a, "to"), "2026-06-21T12:01:30-06:00");
	/* the same second is the same job; the next one another */
	b = today("helios", 'g', "2026-06-21T12:01:30.900-06:00");
	assert_string_equal(jstr(a, "job_id"), jstr(b, "job_id"));
	json_decref(b);
	b = today("helios", 'g', "2026-06-21T12:01:31-06:00");
	assert_string_not_equal(jstr(a, "job_id"), jstr(b, "job_id"));
	json_decref(b);
	json_decref(a);
	/* the hour shown twice when the clocks go back names two presses */
	a = today("helios", 'a', "2026-11-01T01:30:00-06:00");
	b = today("helios", 'a', "2026-11-01T01:30:00-07:00");
	assert_string_not_equal(jstr(a, "job_id"), jstr(b, "job_id"));
	assert_string_equal(jstr(a, "from"), jstr(b, "from"));
	json_decref(b);
	json_decref(a);
	/* a long camera id still makes a valid id */
	memset(longcam, 'x', ID_MAX);
	longcam[ID_MAX] = '\0';
	a = today(longcam, 'a', "2026-06-21T12:00:00-06:00");
	assert_true(id_is_valid(jstr(a, "job_id")));
	json_decref(a);
}

static void assert_next(const struct config *c, enum sun_event ev, const char *now_iso,
			const char *expect_date)
{
	int64_t now, at, start, len;
	int y, m, d;
	struct sun_day sd;
	char when[16];

	assert_int_equal(time_parse_iso(now_iso, &now), 0);
	assert_int_equal(plan_next_sun(c, ev, now, 2, &at), 0);
	assert_true(at > now);
	window_local_date(at, &y, &m, &d);
	snprintf(when, sizeof(when), "%04d-%02d-%02d", y, m, d);
	assert_string_equal(when, expect_date);
	/* the very event of that day */
	time_local_day(at, &start, &len);
	sun_day_events(c->latitude, c->longitude, start, len, &sd);
	assert_true(sd.happens[ev] && sd.at_ms[ev] == at);
}

static void test_next_sun(void **state)
{
	struct config c;
	int64_t now, at;

	(void)state;
	load(&c, seed_like);
	assert_next(&c, SUN_SUNRISE, "2026-06-21T03:00:00-06:00", "2026-06-21");
	assert_next(&c, SUN_SUNRISE, "2026-06-21T12:00:00-06:00", "2026-06-22");
	assert_next(&c, SUN_SUNSET, "2026-06-21T12:00:00-06:00", "2026-06-21");
	assert_next(&c, SUN_SUNSET, "2026-06-21T23:00:00-06:00", "2026-06-22");
	/* polar night: no sunrise for weeks, then one */
	c.latitude = 78.2;
	c.longitude = 15.6;
	assert_int_equal(time_parse_iso("2026-12-01T12:00:00-07:00", &now), 0);
	assert_int_equal(plan_next_sun(&c, SUN_SUNRISE, now, 10, &at), SL_ERR_NOTFOUND);
	assert_int_equal(plan_next_sun(&c, SUN_SUNRISE, now, 200, &at), 0);
	assert_true(at > now + 60LL * 86400000);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_discovery),
		cmocka_unit_test(test_jobs_table),
		cmocka_unit_test(test_profile_payloads),
		cmocka_unit_test_setup_teardown(test_profiles_kept_with_switches, dir_setup,
						dir_teardown),
		cmocka_unit_test(test_default_profiles),
		cmocka_unit_test(test_today_job),
		cmocka_unit_test(test_next_sun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
