/* test_config.c - config.json + environment loading and --check messages. */
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "fsutil.h"
#include "testutil.h"

static const char *write_config(const char *text)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/config.json", test_dir);
	assert_int_equal(file_write_atomic(path, text, strlen(text)), 0);
	return path;
}

static int setup(void **state)
{
	if (dir_setup(state) != 0)
		return -1;
	unsetenv("SKYLAPSE_CONFIG");
	unsetenv("MQTT_URL");
	unsetenv("BACKEND_PORT");
	unsetenv("PRIMARY_BACKEND");
	unsetenv("SKYLAPSE_CLOCK");
	unsetenv("HA_DISCOVERY_PREFIX");
	unsetenv("HA_DISCOVERY");
	return 0;
}

static void test_seed_example_loads(void **state)
{
	struct config c;
	struct config_problems p;
	const struct schedule *s;
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/config/config.json", SOURCE_ROOT);
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	assert_int_equal(p.errors, 0);
	assert_int_equal(c.nschedules, 3);
	assert_true(c.latitude > 39.6 && c.latitude < 39.7);
	assert_string_equal(c.timezone, "America/Denver");
	s = config_schedule(&c, "sunrise");
	assert_non_null(s);
	assert_int_equal(s->type, SCHEDULE_SOLAR);
	assert_int_equal(s->anchor, SUN_SUNRISE);
	assert_int_equal(s->offset_minutes, -30);
	assert_int_equal(s->duration_minutes, 60);
	assert_int_equal(s->interval_seconds, 5);
	assert_string_equal(s->profiles, "d"); /* "D" is profile d */
	assert_true(s->timelapse_auto);	       /* no "timelapse": each window is encoded */
	s = config_schedule(&c, "all_day");
	assert_int_equal(s->type, SCHEDULE_TIME_OF_DAY);
	assert_int_equal(s->start_minute, 6 * 60 + 30);
	assert_int_equal(s->end_minute, 21 * 60 + 30);
	assert_string_equal(c.pi_host, "192.168.0.124");
	assert_int_equal(c.pi_timeout_seconds, 10);
	assert_string_equal(c.mqtt_url, "mqtt://localhost:1883");
	assert_string_equal(c.topic_root, "skylapse");
	config_free(&c);
}

/* Each bad configuration and the key its message must name. */
static void test_check_rejections(void **state)
{
	static const struct {
		const char *json;
		const char *needle;
	} cases[] = {
		{"{}", "location: missing"},
		{"{\"location\":{\"latitude\":91,\"longitude\":0,\"timezone\":\"UTC\"}}",
		 "location.latitude: 91 is outside -90..90"},
		{"{\"location\":{\"latitude\":\"north\",\"longitude\":0,\"timezone\":\"UTC\"}}",
		 "location.latitude: must be a number"},
		{"{\"location\":{\"latitude\":0,\"longitude\":-181,\"timezone\":\"UTC\"}}",
		 "location.longitude: -181 is outside -180..180"},
		{"{\"location\":{\"latitude\":0,\"longitude\":0,\"timezone\":\"Mars/Base\"}}",
		 "location.timezone: 'Mars/Base' is not in the IANA"},
		{"{\"location\":{\"latitude\":0,\"longitude\":0,\"timezone\":5}}",
		 "location.timezone: must be a string"},
#define X(sched)                                                                      \
	"{\"location\":{\"latitude\":0,\"longitude\":0,\"timezone\":\"UTC\"},"        \
	"\"schedules\":{\"x\":{" sched "}}}"
#define TL(obj)                                                                       \
	X("\"type\":\"time_of_day\",\"start_time\":\"06:30\",\"end_time\":\"07:00\"," \
	  "\"timelapse\":" obj)
		{X("\"type\":\"lunar\""), "schedules.x.type: unknown schedule type 'lunar'"},
		{X("\"type\":\"solar_relative\",\"anchor\":\"moonrise\",\"duration_minutes\":5"),
		 "schedules.x.anchor: unknown anchor 'moonrise'"},
		{X("\"type\":\"solar_relative\",\"anchor\":\"sunset\""),
		 "schedules.x.duration_minutes: missing"},
		{X("\"type\":\"solar_relative\",\"anchor\":\"sunset\",\"duration_minutes\":0"),
		 "schedules.x.duration_minutes: 0 is outside 1..1440"},
		{X("\"type\":\"time_of_day\",\"start_time\":\"6:30\",\"end_time\":\"21:30\""),
		 "schedules.x.start_time: must be \"HH:MM\""},
		{X("\"type\":\"time_of_day\",\"start_time\":\"06:30\",\"end_time\":\"25:00\""),
		 "schedules.x.end_time: must be \"HH:MM\""},
		{X("\"type\":\"time_of_day\",\"start_time\":\"06:30\",\"end_time\":\"07:00\","
		   "\"interval_seconds\":-5"),
		 "schedules.x.interval_seconds: -5 is outside 1..86400"},
		{X("\"type\":\"time_of_day\",\"start_time\":\"06:30\",\"end_time\":\"07:00\","
		   "\"profile\":\"Q\""),
		 "schedules.x.profile: unknown profile Q"},
		{TL("[]"), "schedules.x.timelapse: must be an object"},
		{TL("{\"auto\":\"yes\"}"), "schedules.x.timelapse.auto: must be true or false"},
		{TL("{\"startrails\":1}"),
		 "schedules.x.timelapse.startrails: must be true or false"},
		{TL("{\"codec\":\"divx\"}"), "schedules.x.timelapse.codec: must be one of h264, h265"},
		{TL("{\"fps\":-1}"), "schedules.x.timelapse.fps: must be an integer in 1..120"},
		{TL("{\"fps\":24,\"duration_seconds\":10}"),
		 "schedules.x.timelapse: give fps or duration_seconds, not both"},
		{TL("{\"crf\":99}"), "schedules.x.timelapse.crf: must be an integer in 0..63"},
		{TL("{\"preset\":\"instant\"}"), "schedules.x.timelapse.preset: must be one of"},
		{TL("{\"quality_tier\":\"best\"}"),
		 "schedules.x.timelapse.quality_tier: must be one of preview, archive"},
		{TL("{\"width\":1e4}"), "schedules.x.timelapse.width: must be an integer"},
		{TL("{\"deflicker\":3}"), "schedules.x.timelapse.deflicker: must be true, false"},
#undef TL
#undef X
		{"{\"location\":{\"latitude\":0,\"longitude\":0,\"timezone\":\"UTC\"},"
		 "\"pi\":{\"port\":70000}}",
		 "pi.port: 70000 is outside 1..65535"},
		{"{\"location\":", "invalid JSON"},
		{"[1]", "must hold one JSON object"},
	};
	struct config c;
	struct config_problems p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = write_config(cases[i].json);
		int rc = config_load(&c, path, NULL, &p);

		if (rc != SL_ERR_INVAL || !has_problem(&p, cases[i].needle)) {
			for (int k = 0; k < p.count; k++)
				fprintf(stderr, "  got: %s\n", p.lines[k]);
			fail_msg("case %zu: want '%s'", i, cases[i].needle);
		}
		/* every line starts with the file's path */
		assert_int_equal(strncmp(p.lines[0], path, strlen(path)), 0);
		config_free(&c);
	}
}

/* Every schedule makes its video unless "auto" is false; the encoder's
 * fields ride along, anything else is a warning. */
static void test_timelapse_auto_by_default(void **state)
{
	const char *path = write_config(
		"{\"location\":{\"latitude\":0,\"longitude\":0,\"timezone\":\"UTC\"},"
		"\"schedules\":{"
		"\"plain\":{\"type\":\"time_of_day\",\"start_time\":\"06:30\",\"end_time\":\"07:00\"},"
		"\"fields\":{\"type\":\"time_of_day\",\"start_time\":\"06:30\",\"end_time\":\"07:00\","
		"  \"timelapse\":{\"fps\":24,\"width\":1280,\"codec\":\"h265\",\"crf\":20,"
		"  \"preset\":\"slow\",\"deflicker\":{\"window\":9},\"quality_tier\":\"archive\","
		"  \"name\":\"x\"}},"
		"\"off\":{\"type\":\"time_of_day\",\"start_time\":\"06:30\",\"end_time\":\"07:00\","
		"  \"timelapse\":{\"auto\":false}}}}");
	struct config_problems p;
	struct config c;

	(void)state;
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	assert_true(config_schedule(&c, "plain")->timelapse_auto);
	assert_true(config_schedule(&c, "fields")->timelapse_auto);
	assert_false(config_schedule(&c, "off")->timelapse_auto);
	assert_true(has_problem(&p, "warning: schedules.fields.timelapse.name: not an encoder field"));
	assert_int_equal(p.count, 1);
	config_free(&c);
}

/* SKYLAPSE_CLOCK is read with the environment: a bad one is an error that
 * names it, like any bad variable. */
static void test_clock_from_the_environment(void **state)
{
	const char *path = write_config(
		"{\"location\":{\"latitude\":0,\"longitude\":0,\"timezone\":\"UTC\"}}");
	struct config_problems p;
	struct config c;

	(void)state;
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	assert_false(c.have_clock);
	config_free(&c);
	setenv("SKYLAPSE_CLOCK", "2026-06-21T18:00:00Z,speed=60", 1);
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	assert_true(c.have_clock && c.clock.speed == 60.0);
	config_free(&c);
	setenv("SKYLAPSE_CLOCK", "2026-06-21T18:00:00,speed=60", 1);
	assert_int_equal(config_load(&c, path, NULL, &p), SL_ERR_INVAL);
	assert_true(has_problem(&p, "env SKYLAPSE_CLOCK: '2026-06-21T18:00:00' is not an ISO"));
	config_free(&c);
	unsetenv("SKYLAPSE_CLOCK");
}

/* Home Assistant discovery: on under "homeassistant" by default; the
 * prefix and the switch come from the environment, checked like the rest. */
static void test_home_assistant_settings(void **state)
{
	const char *path = write_config(
		"{\"location\":{\"latitude\":0,\"longitude\":0,\"timezone\":\"UTC\"}}");
	struct config_problems p;
	struct config c;

	(void)state;
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	assert_string_equal(c.ha_prefix, "homeassistant");
	assert_true(c.ha_discovery);
	config_free(&c);
	setenv("HA_DISCOVERY_PREFIX", "home/ha", 1);
	setenv("HA_DISCOVERY", "false", 1);
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	assert_string_equal(c.ha_prefix, "home/ha");
	assert_false(c.ha_discovery);
	config_free(&c);
	setenv("HA_DISCOVERY_PREFIX", "ha/#", 1);
	setenv("HA_DISCOVERY", "perhaps", 1);
	assert_int_equal(config_load(&c, path, NULL, &p), SL_ERR_INVAL);
	assert_true(has_problem(&p, "env HA_DISCOVERY_PREFIX: 'ha/#' must be a plain topic prefix"));
	assert_true(has_problem(&p, "env HA_DISCOVERY: 'perhaps' is not true or false"));
	config_free(&c);
	setenv("HA_DISCOVERY_PREFIX", "ha/", 1);
	unsetenv("HA_DISCOVERY");
	assert_int_equal(config_load(&c, path, NULL, &p), SL_ERR_INVAL);
	config_free(&c);
	unsetenv("HA_DISCOVERY_PREFIX");
}

static void test_legacy_is_accepted(void **state)
{
	const char *path = write_config(
		"{\"location\":{\"latitude\":10,\"longitude\":20,\"timezone\":\"UTC\"},"
		"\"storage\":{\"x\":1},\"processing\":{},\"smoothing\":{},\"video_debug\":true,"
		"\"schedules\":{\"m\":{\"type\":\"solar_relative\",\"anchor\":\"noon\","
		"\"duration_minutes\":10,\"stack_images\":true},"
		"\"d\":{\"type\":\"solar_relative\",\"anchor\":\"dawn\",\"duration_minutes\":10,"
		"\"profiles\":[\"a\",\"G\"]}}}");
	struct config c;
	struct config_problems p;

	(void)state;
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	assert_int_equal(p.errors, 0);
	assert_true(has_problem(&p, "storage: section of the earlier stack"));
	assert_int_equal(config_schedule(&c, "m")->anchor, SUN_SOLAR_NOON);
	assert_int_equal(config_schedule(&c, "d")->anchor, SUN_CIVIL_DAWN);
	assert_string_equal(config_schedule(&c, "d")->profiles, "ag");
	assert_int_equal(config_schedule(&c, "m")->interval_seconds, 30);
	config_free(&c);
}

static void test_precedence(void **state)
{
	const char *path = write_config(
		"{\"location\":{\"latitude\":10,\"longitude\":20,\"timezone\":\"UTC\"},"
		"\"pi\":{\"host\":\"file-host\",\"port\":8080}}");
	struct config_flags flags = {1, {"MQTT_URL"}, {"mqtt://flag-host:2000"}};
	struct config c;
	struct config_problems p;

	(void)state;
	setenv("MQTT_URL", "mqtt://env-host:1999", 1);
	setenv("PI_HOST", "env-host", 1);
	setenv("PI_PORT", "9000", 1);
	assert_int_equal(config_load(&c, path, &flags, &p), 0);
	assert_string_equal(c.mqtt_url, "mqtt://flag-host:2000");
	assert_string_equal(c.pi_host, "env-host");
	assert_int_equal(c.pi_port, 9000);
	config_free(&c);
	assert_int_equal(config_load(&c, path, NULL, &p), 0);
	assert_string_equal(c.mqtt_url, "mqtt://env-host:1999");
	config_free(&c);
	setenv("PI_PORT", "99999", 1);
	assert_int_equal(config_load(&c, path, NULL, &p), SL_ERR_INVAL);
	assert_true(has_problem(&p, "env PI_PORT: '99999' is not an integer in 1..65535"));
	config_free(&c);
	unsetenv("MQTT_URL");
	unsetenv("PI_HOST");
	unsetenv("PI_PORT");
	unsetenv("PRIMARY_BACKEND");
}

/* Flags reach the configuration one way: recorded by cli_common() and
 * cli_flag() under the variable they stand for, beating the environment,
 * and checked as the environment is. */
static void test_flags(void **state)
{
	const char *path = write_config(
		"{\"location\":{\"latitude\":10,\"longitude\":20,\"timezone\":\"UTC\"},"
		"\"pi\":{\"host\":\"file-host\"}}");
	struct cli cli = {.config_path = path};
	struct config c;
	struct config_problems p;

	(void)state;
	setenv("CAMERA_ID", "env-cam", 1);
	setenv("IMAGES_DIR", "/env/images", 1);
	assert_true(cli_common(&cli, CLI_BROKER, "mqtt://flag-host:2000"));
	cli_flag(&cli, "CAMERA_ID", "first-cam");
	cli_flag(&cli, "CAMERA_ID", "flag-cam"); /* the later one wins */
	cli_flag(&cli, "PI_HOST", "flag-host");
	assert_int_equal(cli.flags.count, 3);
	assert_int_equal(config_load(&c, cli.config_path, &cli.flags, &p), 0);
	assert_string_equal(c.mqtt_url, "mqtt://flag-host:2000");
	assert_string_equal(c.camera_id, "flag-cam");
	assert_string_equal(c.pi_host, "flag-host");                /* flag > file */
	assert_string_equal(c.images_dir, "/env/images");           /* env without a flag */
	assert_string_equal(config_value(&c, "CAMERA_ID"), "flag-cam");
	assert_null(config_value(&c, "SKYLAPSE_NOT_SET_ANYWHERE"));
	config_free(&c);
	/* a bad flag is refused as the variable would be */
	cli_flag(&cli, "CAMERA_ID", "Bad Cam");
	cli_flag(&cli, "MQTT_URL", "http://x");
	assert_int_equal(cli_check_id(&cli, "prog", "--camera", "CAMERA_ID"), SL_ERR_INVAL);
	assert_int_equal(config_load(&c, cli.config_path, &cli.flags, &p), SL_ERR_INVAL);
	assert_true(has_problem(&p, "env CAMERA_ID: 'Bad Cam' must match"));
	assert_true(has_problem(&p, "broker URL 'http://x' must start with mqtt://"));
	config_free(&c);
	unsetenv("CAMERA_ID");
	unsetenv("IMAGES_DIR");
}

/* What the programs' own sections read with: file < environment < flag, a
 * bad value an error naming the key or the variable. */
static void test_section_helpers(void **state)
{
	const char *path = write_config(
		"{\"location\":{\"latitude\":10,\"longitude\":20,\"timezone\":\"UTC\"},"
		"\"capture\":{\"n\":7,\"x\":0.5,\"bad\":\"seven\"},\"pi\":3}");
	struct config_flags flags = {1, {"SKYLAPSE_T_FLAGGED"}, {"42"}};
	struct config c;
	struct config_problems p;
	const json_t *sec;
	int n = 1, m = 1, k = 1;
	double x = 0, d = 0;
	bool b = false;

	(void)state;
	setenv("SKYLAPSE_T_INT", "12", 1);
	setenv("SKYLAPSE_T_FLAGGED", "13", 1);
	setenv("SKYLAPSE_T_NUM", "2.5", 1);
	setenv("SKYLAPSE_T_BOOL", "yes", 1);
	config_load(&c, path, &flags, &p);
	assert_true(has_problem(&p, "pi: must be an object"));
	sec = config_section(&c, &p, "capture");
	assert_non_null(sec);
	assert_true(config_file_int(&c, &p, sec, "capture", "n", 1, 10, &n));
	assert_int_equal(n, 7);
	assert_false(config_file_int(&c, &p, sec, "capture", "absent", 1, 10, &m));
	assert_int_equal(m, 1);
	assert_true(config_file_number(&c, &p, sec, "capture", "x", 0, 1, &x));
	assert_true(x == 0.5);
	assert_false(config_file_int(&c, &p, sec, "capture", "bad", 1, 10, &k));
	assert_true(has_problem(&p, "capture.bad: must be an integer"));
	assert_false(config_file_int(&c, &p, sec, "capture", "n", 8, 10, &k));
	assert_true(has_problem(&p, "capture.n: 7 is outside 8..10"));
	config_env_int(&c, &p, "SKYLAPSE_T_INT", 1, 100, &n);
	assert_int_equal(n, 12);                             /* env > file */
	config_env_int(&c, &p, "SKYLAPSE_T_FLAGGED", 1, 100, &n);
	assert_int_equal(n, 42);                             /* flag > env */
	config_env_number(&c, &p, "SKYLAPSE_T_NUM", 0, 10, &d);
	assert_true(d == 2.5);
	config_env_bool(&c, &p, "SKYLAPSE_T_BOOL", &b);
	assert_true(b);
	setenv("SKYLAPSE_T_INT", "101", 1);
	setenv("SKYLAPSE_T_NUM", "2.5x", 1);
	setenv("SKYLAPSE_T_BOOL", "perhaps", 1);
	config_env_int(&c, &p, "SKYLAPSE_T_INT", 1, 100, &n);
	config_env_number(&c, &p, "SKYLAPSE_T_NUM", 0, 10, &d);
	config_env_bool(&c, &p, "SKYLAPSE_T_BOOL", &b);
	assert_int_equal(n, 42);
	assert_true(d == 2.5 && b);
	assert_true(has_problem(&p, "env SKYLAPSE_T_INT: '101' is not an integer in 1..100"));
	assert_true(has_problem(&p, "env SKYLAPSE_T_NUM: '2.5x' is not a number in 0..10"));
	assert_true(has_problem(&p, "env SKYLAPSE_T_BOOL: 'perhaps' is not true or false"));
	config_free(&c);
	unsetenv("SKYLAPSE_T_INT");
	unsetenv("SKYLAPSE_T_FLAGGED");
	unsetenv("SKYLAPSE_T_NUM");
	unsetenv("SKYLAPSE_T_BOOL");
}

static void test_missing_files(void **state)
{
	const char *seed = "{\"location\": {\"latitude\": 10, \"longitude\": 20, "
			   "\"timezone\": \"UTC\"}}";
	struct config c;
	struct config_problems p;
	char cwd[PATH_MAX];

	(void)state;
	/* a named file that does not exist is an error */
	assert_int_equal(config_load(&c, "/nonexistent/config.json", NULL, &p), SL_ERR_INVAL);
	assert_true(has_problem(&p, "/nonexistent/config.json: cannot read"));
	config_free(&c);
	/* the default path missing is only a warning */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(test_dir), 0);
	unlink("config.json");
	assert_int_equal(config_load(&c, NULL, NULL, &p), 0);
	assert_true(has_problem(&p, "no configuration file"));
	config_free(&c);
	/* a seed installation: backend/config.json, read when config/ has none */
	assert_int_equal(mkdir("backend", 0755), 0);
	assert_int_equal(file_write_atomic("backend/config.json", seed, strlen(seed)), 0);
	assert_int_equal(config_load(&c, NULL, NULL, &p), 0);
	assert_string_equal(c.path, "backend/config.json");
	assert_true(c.have_file);
	assert_true(has_problem(&p, "no config/config.json; reading the seed installation's file"));
	assert_float_equal(c.latitude, 10, 1e-9);
	config_free(&c);
	/* ... and never when config/config.json is there */
	assert_int_equal(mkdir("config", 0755), 0);
	assert_int_equal(file_write_atomic("config/config.json", seed, strlen(seed)), 0);
	assert_int_equal(config_load(&c, NULL, NULL, &p), 0);
	assert_string_equal(c.path, "config/config.json");
	config_free(&c);
	assert_int_equal(chdir(cwd), 0);
}

/* Problems as fields and messages, for the dashboard's settings page. */
static void test_problems_json(void **state)
{
	const char *path = write_config(
	    "{\"location\": {\"latitude\": 95, \"longitude\": 0, \"timezone\": \"UTC\"},"
	    " \"schedules\": {\"n\": {\"type\": \"time_of_day\", \"start_time\": \"20:00\","
	    " \"end_time\": \"06:00\", \"interval_seconds\": 0, \"profiles\": [\"q\"]}},"
	    " \"storage\": {}}");
	struct config c;
	struct config_problems p;
	json_t *j, *e;
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(config_load(&c, path, NULL, &p), SL_ERR_INVAL);
	config_problem(&p, &c, true, "env MQTT_URL: not a URL");
	j = config_problems_json(&p, c.path);
	assert_int_equal(json_array_size(j), p.count);
	json_array_foreach(j, i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		const char *m = json_string_value(json_object_get(e, "message"));
		const char *sev = json_string_value(json_object_get(e, "severity"));

		assert_null(strstr(m, test_dir));
		if (strcmp(f, "location.latitude") == 0) {
			assert_string_equal(m, "95 is outside -90..90");
			assert_string_equal(sev, "error");
			seen |= 1;
		} else if (strcmp(f, "schedules.n.interval_seconds") == 0) {
			assert_string_equal(m, "0 is outside 1..86400");
			seen |= 2;
		} else if (strcmp(f, "schedules.n.profiles[0]") == 0) {
			assert_string_equal(m, "unknown profile q");
			seen |= 4;
		} else if (strcmp(f, "storage") == 0) {
			assert_string_equal(sev, "warning");
			assert_string_equal(m, "section of the earlier stack, ignored");
			seen |= 8;
		} else if (strcmp(f, "") == 0) {
			assert_string_equal(m, "env MQTT_URL: not a URL");
			seen |= 16;
		}
	}
	assert_int_equal(seen, 31);
	json_decref(j);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_example_loads),
		cmocka_unit_test(test_check_rejections),
		cmocka_unit_test(test_timelapse_auto_by_default),
		cmocka_unit_test(test_clock_from_the_environment),
		cmocka_unit_test(test_home_assistant_settings),
		cmocka_unit_test(test_legacy_is_accepted),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_section_helpers),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_problems_json),
	};

	return cmocka_run_group_tests_name("config", tests, setup, dir_teardown);
}
