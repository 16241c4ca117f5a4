/* test_scheduler.c - skylapse-scheduler's logic without a broker.
 *
 * The cadence (slot k at start + k x interval; late slots skipped and
 * counted, never bunched, never doubled; each schedule its own rhythm), the
 * JSON of --plan, of the retained camera plan and of auto encode jobs, the
 * schedule switches and their state file, and the scheduler's extra
 * configuration checks.
 */
#include <unistd.h>

#include "slots.h"
#include "../../agents/scheduler/check.h"
#include "../../agents/scheduler/plan.h"
#include "../../agents/scheduler/switches.h"
#include "config.h"
#include "err.h"
#include "testutil.h"
#include "timeutil.h"

/* --- cadence ------------------------------------------------------------ */

static void test_slot_arithmetic(void **state)
{
	struct cadence c;

	(void)state;
	cadence_start(&c, 1000, 61000, 1000, 0);
	assert_true(cadence_slot_count(&c) == 60);
	assert_true(cadence_slot_ms(&c, 0) == 1000 && cadence_slot_ms(&c, 59) == 60000);
	assert_true(cadence_next_ms(&c) == 1000);
	/* a window that is not a whole number of intervals: the last slot is
	 * the last one before the end */
	cadence_start(&c, 0, 10500, 1000, 0);
	assert_true(cadence_slot_count(&c) == 11);
	assert_true(cadence_late_ms(1000) == 500);
	assert_true(cadence_late_ms(5000) == 2500);
	assert_true(cadence_late_ms(600000) == 10000);
}

static void test_every_slot_once_on_time(void **state)
{
	struct cadence c;
	int64_t slot, k, expect = 0;
	long missed = 0;
	unsigned seed = 12345;
	int taken = 0;

	(void)state;
	cadence_start(&c, 0, 60000, 1000, -5000);
	/* wake at each slot plus up to 400 ms of jitter, sometimes twice */
	for (int i = 0; i < 60; i++) {
		int64_t now = i * 1000 + (seed = seed * 1103515245 + 12345) % 400;

		assert_true(cadence_take(&c, now, &slot, &k, &missed));
		assert_true(slot == expect && k == i);
		assert_false(cadence_take(&c, now + 1, &slot, &k, &missed));
		assert_true(cadence_next_ms(&c) == (i < 59 ? (i + 1) * 1000 : INT64_MAX));
		expect += 1000;
		taken++;
	}
	assert_int_equal(taken, 60);
	assert_int_equal(missed, 0);
	/* past the end nothing more */
	assert_false(cadence_take(&c, 61000, &slot, &k, &missed));
	assert_int_equal(missed, 0);
}

static void test_late_slots_are_counted_not_bunched(void **state)
{
	struct cadence c;
	int64_t slot = -1;
	long missed = 0;

	(void)state;
	cadence_start(&c, 0, 100000, 1000, 0);
	assert_true(cadence_take(&c, 0, &slot, NULL, &missed));
	/* asleep until 3.5 s: slots 1 and 2 are gone, 3 is 500 ms late: sent */
	assert_true(cadence_take(&c, 3500, &slot, NULL, &missed));
	assert_true(slot == 3000);
	assert_int_equal(missed, 2);
	/* 600 ms late is too late for a 1 s interval: counted with the rest */
	missed = 0;
	assert_false(cadence_take(&c, 5600, &slot, NULL, &missed));
	assert_int_equal(missed, 2); /* slots 4 and 5 */
	assert_true(cadence_next_ms(&c) == 6000);
	/* the cadence keeps its phase: the next slot is still on the grid */
	assert_true(cadence_take(&c, 6001, &slot, NULL, &missed));
	assert_true(slot == 6000);
}

static void test_start_mid_window(void **state)
{
	struct cadence c;
	int64_t slot;
	long missed = 0;

	(void)state;
	/* started 200 ms after slot 10: slot 10 is still ours */
	cadence_start(&c, 0, 60000, 1000, 10200);
	assert_true(cadence_take(&c, 10200, &slot, NULL, &missed));
	assert_true(slot == 10000);
	assert_int_equal(missed, 0);
	/* started 600 ms after: slot 10 was no one's, not a miss */
	cadence_start(&c, 0, 60000, 1000, 10600);
	assert_false(cadence_take(&c, 10600, &slot, NULL, &missed));
	assert_int_equal(missed, 0);
	assert_true(cadence_next_ms(&c) == 11000);
	/* before the window: the first slot is the start */
	cadence_start(&c, 5000, 60000, 1000, 0);
	assert_true(cadence_next_ms(&c) == 5000);
	assert_false(cadence_take(&c, 4999, &slot, NULL, &missed));
}

static void test_paused_schedule_skips_silently(void **state)
{
	struct cadence c;
	int64_t slot;
	long missed = 0;

	(void)state;
	cadence_start(&c, 0, 60000, 1000, 0);
	cadence_skip(&c, 20500);
	assert_true(cadence_next_ms(&c) == 21000);
	assert_false(cadence_take(&c, 20900, &slot, NULL, &missed));
	assert_true(cadence_take(&c, 21000, &slot, NULL, &missed));
	assert_true(slot == 21000);
	assert_int_equal(missed, 0);
}

/* Two schedules over the same minutes, 5 s and 3 s: driven by one clock
 * that wakes for whichever is due first, each keeps its own grid. */
static void test_overlapping_schedules_keep_their_cadence(void **state)
{
	struct cadence a, b;
	int64_t now = 0, slot;
	long missed = 0;
	int na = 0, nb = 0;

	(void)state;
	cadence_start(&a, 0, 60000, 5000, 0);
	cadence_start(&b, 1000, 31000, 3000, 0);
	while (now < 60000) {
		int64_t na_ms = cadence_next_ms(&a), nb_ms = cadence_next_ms(&b);

		now = na_ms < nb_ms ? na_ms : nb_ms;
		if (now == INT64_MAX)
			break;
		if (cadence_take(&a, now, &slot, NULL, &missed)) {
			assert_true(slot % 5000 == 0);
			na++;
		}
		if (cadence_take(&b, now, &slot, NULL, &missed)) {
			assert_true((slot - 1000) % 3000 == 0);
			nb++;
		}
	}
	assert_int_equal(na, 12);
	assert_int_equal(nb, 10);
	assert_int_equal(missed, 0);
}

/* --- configuration helpers ---------------------------------------------- */

static void load(struct config *c, const char *json)
{
	struct config_problems p;

	assert_int_equal(test_config_load(c, json, &p), 0);
	assert_int_equal(time_set_zone(c->timezone), 0);
}

static void assert_keys(const json_t *o, const char *const *keys)
{
	size_t n = 0;

	assert_true(json_is_object(o));
	for (; keys[n]; n++)
		assert_non_null(json_object_get(o, keys[n]));
	assert_int_equal(json_object_size(o), n);
}

/* --- plan JSON ---------------------------------------------------------- */

static void test_plan_json_seed_config(void **state)
{
	static const char *const top[] = {"date", "timezone", "location", "sun", "windows", NULL};
	static const char *const win[] = {"schedule", "start", "end", "interval_seconds",
					  "profiles", NULL};
	struct config c;
	struct config_problems p;
	const json_t *sun, *w;
	json_t *plan, *cam;
	int64_t now;
	size_t i;

	(void)state;
	assert_int_equal(config_load(&c, SOURCE_ROOT "/config/config.json", NULL, &p), 0);
	assert_int_equal(time_set_zone(c.timezone), 0);
	plan = plan_date_json(&c, 2025, 6, 21);
	assert_keys(plan, top);
	assert_string_equal(jstr(plan, "date"), "2025-06-21");
	assert_string_equal(jstr(plan, "timezone"), "America/Denver");
	sun = json_object_get(plan, "sun");
	assert_int_equal(json_object_size(sun), 9);
	/* PyEphem, data/sun_reference.h: sunrise 05:33:53.219, sunset 20:32:28.648 */
	assert_string_equal(jstr(sun, "sunrise"), "2025-06-21T05:33:53-06:00");
	assert_string_equal(jstr(sun, "sunset"), "2025-06-21T20:32:28-06:00");
	w = json_object_get(plan, "windows");
	assert_int_equal(json_array_size(w), 3);
	json_array_foreach(w, i, sun) assert_keys(sun, win);
	assert_string_equal(jstr(json_array_get(w, 0), "schedule"), "sunrise");
	assert_string_equal(jstr(json_array_get(w, 0), "start"), "2025-06-21T05:03:53-06:00");
	assert_string_equal(jstr(json_array_get(w, 0), "end"), "2025-06-21T06:03:53-06:00");
	/* the camera's plan to the millisecond: its slots must fall on the scheduler's */
	assert_int_equal(time_parse_iso("2025-06-21T03:00:00-06:00", &now), 0);
	cam = plan_camera_json(&c, NULL, "dagon", "helios", now);
	assert_string_equal(jstr(json_array_get(json_object_get(cam, "windows"), 0), "start"),
			    "2025-06-21T05:03:53.233-06:00");
	assert_int_equal(
	    time_parse_iso(jstr(json_array_get(json_object_get(cam, "windows"), 0), "start"), &now),
	    0);
	assert_true(now % 1000 == 233);
	json_decref(cam);
	assert_string_equal(jstr(json_array_get(w, 1), "schedule"), "all_day");
	assert_string_equal(jstr(json_array_get(w, 1), "start"), "2025-06-21T06:30:00-06:00");
	assert_string_equal(jstr(json_array_get(w, 2), "schedule"), "sunset");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(w, 2),
							    "interval_seconds")), 5);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_array_get(w, 2), "profiles"), 0)), "d");
	json_decref(plan);
	config_free(&c);
}

static const char *polar_json =
	"{\"location\": {\"latitude\": 78.2, \"longitude\": 15.6, \"timezone\": "
	"\"Arctic/Longyearbyen\"},"
	" \"schedules\": {"
	"  \"dawn_glow\": {\"type\": \"solar_relative\", \"anchor\": \"sunrise\", "
	"\"offset_minutes\": -30, \"duration_minutes\": 60},"
	"  \"noon\": {\"type\": \"solar_relative\", \"anchor\": \"noon\", \"duration_minutes\": 30, "
	"\"profiles\": [\"A\", \"g\"]},"
	"  \"night\": {\"type\": \"time_of_day\", \"start_time\": \"22:00\", \"end_time\": \"02:00\", "
	"\"interval_seconds\": 60, \"profile\": \"b\","
	"   \"timelapse\": {\"auto\": true, \"fps\": 24, \"codec\": \"h265\", \"job_id\": \"x\"}}}}";

static void test_plan_json_polar_day(void **state)
{
	struct config c;
	const json_t *sun, *w;
	json_t *plan;

	(void)state;
	load(&c, polar_json);
	plan = plan_date_json(&c, 2026, 6, 21);
	sun = json_object_get(plan, "sun");
	assert_true(json_is_null(json_object_get(sun, "sunrise")));
	assert_true(json_is_null(json_object_get(sun, "sunset")));
	assert_true(json_is_null(json_object_get(sun, "civil_dusk")));
	assert_true(json_is_string(json_object_get(sun, "solar_noon")));
	w = json_object_get(plan, "windows");
	/* no sunrise window; noon and the night window */
	assert_int_equal(json_array_size(w), 2);
	assert_string_equal(jstr(json_array_get(w, 0), "schedule"), "noon");
	assert_int_equal(json_array_size(json_object_get(json_array_get(w, 0), "profiles")), 2);
	assert_string_equal(jstr(json_array_get(w, 1), "schedule"), "night");
	assert_string_equal(jstr(json_array_get(w, 1), "end"), "2026-06-22T02:00:00+02:00");
	json_decref(plan);
	/* polar night: sunrise null too, nautical dawn there */
	plan = plan_date_json(&c, 2026, 12, 21);
	sun = json_object_get(plan, "sun");
	assert_true(json_is_null(json_object_get(sun, "sunrise")));
	assert_true(json_is_null(json_object_get(sun, "civil_dawn")));
	assert_true(json_is_string(json_object_get(sun, "nautical_dawn")));
	json_decref(plan);
	config_free(&c);
}

static void test_camera_plan_today_and_tomorrow(void **state)
{
	struct config c;
	bool runs[3];
	const json_t *w;
	json_t *plan;
	int64_t now;
	int night = 0;
	size_t i;
	const json_t *e;

	(void)state;
	load(&c, polar_json);
	for (int k = 0; k < c.nschedules; k++)
		runs[k] = strcmp(c.schedules[k].name, "noon") != 0; /* noon switched OFF */
	assert_int_equal(time_parse_iso("2026-06-21T01:00:00+02:00", &now), 0);
	plan = plan_camera_json(&c, runs, "dagon", "helios", now);
	assert_string_equal(jstr(plan, "backend_name"), "dagon");
	assert_string_equal(jstr(plan, "camera"), "helios");
	assert_string_equal(jstr(plan, "generated_at"), "2026-06-20T23:00:00.000Z");
	w = json_object_get(plan, "windows");
	json_array_foreach(w, i, e) {
		assert_string_not_equal(jstr(e, "schedule"), "noon");
		if (strcmp(jstr(e, "schedule"), "night") == 0)
			night++;
	}
	/* the night still running from yesterday, tonight's and tomorrow's */
	assert_int_equal(night, 3);
	assert_string_equal(jstr(json_array_get(w, 0), "start"), "2026-06-20T22:00:00+02:00");
	assert_string_equal(jstr(json_array_get(w, 2), "start"), "2026-06-22T22:00:00+02:00");
	json_decref(plan);
	config_free(&c);
}

static void test_encode_job(void **state)
{
	struct config c;
	struct window w;
	struct schedule s;
	json_t *job;

	(void)state;
	load(&c, polar_json);
	assert_int_equal(window_for_date(&c, config_schedule(&c, "night"), 2026, 1, 10, &w), 0);
	job = plan_encode_job(config_schedule(&c, "night"), &w, "helios", 'b');
	assert_string_equal(jstr(job, "job_id"), "helios-night-2026-01-10-b");
	assert_string_equal(jstr(job, "kind"), "video");
	assert_string_equal(jstr(job, "camera"), "helios");
	assert_string_equal(jstr(job, "profile"), "b");
	assert_string_equal(jstr(job, "from"), "2026-01-10T22:00:00+01:00");
	assert_string_equal(jstr(job, "to"), "2026-01-11T02:00:00+01:00");
	assert_int_equal(json_integer_value(json_object_get(job, "fps")), 24);
	assert_string_equal(jstr(job, "codec"), "h265");
	assert_null(json_object_get(job, "auto"));
	json_decref(job);
	/* a long schedule name still gives a valid, distinct id */
	s = *config_schedule(&c, "night");
	memset(s.name, 'n', ID_MAX);
	s.name[ID_MAX] = '\0';
	job = plan_encode_job(&s, &w, "helios", 'b');
	assert_true(id_is_valid(jstr(job, "job_id")));
	json_decref(job);
	config_free(&c);
}

static void test_default_profiles(void **state)
{
	struct config c;
	char ids[PROFILE_MAX + 1];

	(void)state;
	load(&c, polar_json);
	plan_schedule_profiles(&c, config_schedule(&c, "dawn_glow"), ids);
	assert_string_equal(ids, "abdg"); /* the built-ins enabled by default */
	plan_schedule_profiles(&c, config_schedule(&c, "noon"), ids);
	assert_string_equal(ids, "ag");
	config_free(&c);
}

/* --- switches ----------------------------------------------------------- */

static void test_switch_payloads(void **state)
{
	static const struct {
		const char *payload;
		int rc;
		bool on;
	} cases[] = {
		{"ON", 0, true},     {"on", 0, true},	  {" On\n", 0, true}, {"OFF", 0, false},
		{"off", 0, false},   {"oFf ", 0, false}, {"", SL_ERR_INVAL, 0},
		{"onn", SL_ERR_INVAL, 0}, {"1", SL_ERR_INVAL, 0}, {"true", SL_ERR_INVAL, 0},
		{"{\"state\":\"ON\"}", SL_ERR_INVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool on = !cases[i].on;

		assert_int_equal(switch_parse(cases[i].payload, strlen(cases[i].payload), &on),
				 cases[i].rc);
		if (cases[i].rc == 0)
			assert_true(on == cases[i].on);
	}
}

static void test_switches_kept_across_restarts(void **state)
{
	const char *dir = *state;
	char path[256];
	struct switches sw;
	struct schedule s = {.name = "sunset", .enabled = true};

	snprintf(path, sizeof(path), "%s/switches.json", dir);
	assert_int_equal(switches_load(&sw, path), 0);
	assert_true(switches_runs(&sw, &s));
	assert_int_equal(switches_set(&sw, &s, false), 0);
	assert_false(switches_runs(&sw, &s));
	/* a restart reads it back */
	assert_int_equal(switches_load(&sw, path), 0);
	assert_int_equal(sw.n, 1);
	assert_false(switches_runs(&sw, &s));
	/* the configuration changed since: its newer decision wins */
	s.enabled = false;
	assert_false(switches_runs(&sw, &s));
	s.enabled = true;
	assert_true(switches_runs(&sw, &s));
	assert_int_equal(switches_load(&sw, path), 0);
	assert_int_equal(sw.n, 0);
	/* a file that is not ours is no switch */
	assert_int_equal(file_write_atomic(path, "[1]", 3), 0);
	assert_int_equal(switches_load(&sw, path), SL_ERR_PARSE);
	assert_int_equal(sw.n, 0);
}

/* --- checks ------------------------------------------------------------- */

static bool has_line(const struct config_problems *p, const char *text, bool error)
{
	for (int i = 0; i < p->count; i++)
		if (strstr(p->lines[i], text) && p->is_error[i] == error)
			return true;
	return false;
}

static void test_extra_checks(void **state)
{
	const char *json =
		"{\"location\": {\"latitude\": 40, \"longitude\": -105, \"timezone\": \"UTC\"},"
		" \"profiles\": {\"a\": {\"enabled\": false}, \"b\": {\"enabled\": false},"
		"   \"d\": {\"enabled\": false}, \"g\": {\"enabled\": false}},"
		" \"schedules\": {"
		"  \"x\": {\"type\": \"time_of_day\", \"start_time\": \"05:00\", \"end_time\": \"05:00\","
		"         \"profile\": \"c\", \"intervall\": 3},"
		"  \"y\": {\"type\": \"solar_relative\", \"anchor\": \"sunset\", \"duration_minutes\": 1,"
		"         \"interval_seconds\": 120}},"
		" \"cameras\": {\"helios\": {}, \"selene\": {\"schedules\": [\"x\", \"z\"]},"
		"   \"encoder\": {}, \"io\": {\"location\": {}}, \"eos\": {\"schedules\": \"x\"}}}";
	char path[] = "/tmp/skylapse-test-check-XXXXXX";
	struct config_problems p;
	struct config c;
	int fd = mkstemp(path), errors;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	errors = check_schedules(&c, &p);
	assert_int_equal(errors, 4);
	assert_true(has_line(&p, "cameras.selene.schedules[1]: no such schedule", true));
	assert_true(has_line(&p, "cameras.encoder: not a camera id", true));
	assert_true(has_line(&p, "cameras.eos.schedules: must be a list", true));
	assert_true(has_line(&p, "cameras.io.location: unknown key, ignored (one scheduler per", false));
	assert_true(has_line(&p, "schedules.x: profile 'c' is disabled", false));
	assert_true(has_line(&p, "schedules.x: start_time equals end_time", false));
	assert_true(has_line(&p, "schedules.x.intervall: unknown key", false));
	assert_true(has_line(&p, "schedules.y: no 'profile' given and no profile is enabled", true));
	assert_true(has_line(&p, "schedules.y.interval_seconds: 120 s is longer", false));
	assert_non_null(strstr(p.lines[0], path));
	config_free(&c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_arithmetic),
		cmocka_unit_test(test_every_slot_once_on_time),
		cmocka_unit_test(test_late_slots_are_counted_not_bunched),
		cmocka_unit_test(test_start_mid_window),
		cmocka_unit_test(test_paused_schedule_skips_silently),
		cmocka_unit_test(test_overlapping_schedules_keep_their_cadence),
		cmocka_unit_test(test_plan_json_seed_config),
		cmocka_unit_test(test_plan_json_polar_day),
		cmocka_unit_test(test_camera_plan_today_and_tomorrow),
		cmocka_unit_test(test_encode_job),
		cmocka_unit_test(test_default_profiles),
		cmocka_unit_test(test_switch_payloads),
		cmocka_unit_test_setup_teardown(test_switches_kept_across_restarts, dir_setup,
						dir_teardown),
		cmocka_unit_test(test_extra_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
