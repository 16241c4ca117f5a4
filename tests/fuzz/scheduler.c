/* scheduler.c - fuzzes what skylapse-scheduler reads from MQTT messages, in
 * sequence, on its real core (agents/scheduler: core.c, relay.c,
 * switches.c, ha_backend.c) with a fake clock, as daemon.c hands them over.
 *
 * The input is lines, each one event: its first byte says which, the rest
 * is the message (a camera or schedule name, a space, then the payload):
 *
 *   a<camera> <state>     R/<camera>/availability
 *   c<camera> <json>      R/<camera>/capture/response
 *   C<k><json>            the answer to pending request k (its camera, its id set)
 *   r<json>               R/backend/<name>/capture/request (relayed)
 *   e<json>               the same, expired before it came
 *   s<schedule> <ON|OFF>  R/backend/<name>/schedules/<schedule>/set
 *   p<camera> <profile>   R/backend/<name>/cameras/<camera>/profile/set
 *   j<job id> <json>      R/encoder/jobs/<job id>
 *   d                     R/backend/<name>/timelapse/today
 *   t<seconds>            a tick that far after noon (2026-06-21, Denver)
 *
 * Then the retained states are listed. The schedules are times of day and
 * the status is not built: the sun's arithmetic (fuzzed through config.c)
 * would take most of the time here. */
#include "fuzz.h"

#include <ctype.h>

#include "cameras.h"
#include "core.h"
#include "jsonx.h"
#include "relay.h"
#include "timeutil.h"

#define S 1000LL

static struct config cfg;
static int64_t noon;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	fuzz_config(&cfg,
		    "{\"location\": {\"latitude\": 39.6333, \"longitude\": -105.3167,"
		    "  \"timezone\": \"America/Denver\"},"
		    " \"pi\": {\"timeout_seconds\": 3},"
		    " \"schedules\": {"
		    "  \"noon\": {\"type\": \"time_of_day\", \"start_time\": \"12:00\","
		    "    \"end_time\": \"12:01\", \"interval_seconds\": 10, \"profiles\": [\"A\", \"B\"],"
		    "    \"timelapse\": {\"auto\": true}},"
		    "  \"quiet\": {\"type\": \"time_of_day\", \"start_time\": \"14:00\","
		    "    \"end_time\": \"14:01\", \"interval_seconds\": 5, \"profile\": \"D\"}}}");
	if (time_set_zone(cfg.timezone) != 0 ||
	    time_parse_iso("2026-06-21T12:00:00-06:00", &noon) != 0)
		abort();
	snprintf(cfg.backend_name, sizeof(cfg.backend_name), "dagon");
	snprintf(cfg.topic_root, sizeof(cfg.topic_root), "sky");
	return 0;
}

/* Splits "name rest" at the first space: name (at most ID_MAX + 1 bytes, as
 * the daemon's topic buffers hold) and a pointer to rest. */
static const char *split(const char *line, char name[ID_MAX + 2])
{
	const char *sp = strchr(line, ' ');
	size_t n = sp ? (size_t)(sp - line) : strlen(line);

	snprintf(name, ID_MAX + 2, "%.*s", (int)n, line);
	return sp ? sp + 1 : line + n;
}

static void result(struct sched_core *c, const char *camera, const char *text, int64_t now,
		   struct sched_out *out, int pending)
{
	char why[ERRMSG_MAX], cam[ID_MAX + 1];
	json_t *obj = jsonx_parse_object("payload", text, strlen(text), 256 * 1024, why);

	if (obj == NULL)
		return;
	if (pending >= 0 && c->npend > 0) {
		const struct pending *p = &c->pend[pending % c->npend];

		json_object_set_new(obj, "request_id", json_string(p->id));
		snprintf(cam, sizeof(cam), "%s", p->camera);
		camera = cam;
	}
	core_result(c, camera, obj, now, out);
	json_decref(obj);
}

static void event(struct sched_core *c, struct switches *sw, const char *line, int64_t *now,
		  struct sched_out *out)
{
	struct relay_ask ask = {.response_topic = "reply/here",
				.correlation = (const unsigned char *)"c1",
				.correlation_len = 2};
	char name[ID_MAX + 2], id;
	const char *rest = split(line + 1, name);
	struct runner *r;
	bool on;

	switch (line[0]) {
	case 'a':
		core_availability(c, name, rest, out);
		break;
	case 'c':
		result(c, name, rest, *now, out, -1);
		break;
	case 'C':
		if (line[1])
			result(c, NULL, line + 2, *now, out, (unsigned char)line[1]);
		break;
	case 'e':
		ask.expires = true;
		ask.expires_in_ms = -1;
		/* fall through */
	case 'r':
		ask.payload = line + 1;
		ask.len = strlen(line + 1);
		relay_request(c, &ask, *now, out);
		break;
	case 's':
		r = id_is_valid(name) ? core_runner(c, name) : NULL;
		if (r && switch_parse(rest, strlen(rest), &on) == SL_OK) {
			switches_set(sw, r->s, on);
			core_switch(c, r, on, out);
		}
		break;
	case 'p':
		if (!id_is_valid(name) || cameras_reserved_id(name))
			break;
		if (switch_parse_profile(&cfg.profiles, rest, strlen(rest), &id) == SL_OK &&
		    switches_set_profile(sw, name, id) == SL_ERR_RANGE)
			break;
		core_profile_states(c, name, out);
		break;
	case 'j':
		if (strchr(name, '/') == NULL)
			ha_jobs_update(&c->jobs, name, rest, strlen(rest));
		break;
	case 'd':
		core_today(c, *now, out);
		break;
	case 't':
		*now = noon + strtoll(line + 1, NULL, 10) % (400LL * 86400) * S;
		core_tick(c, *now, out);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *line, *save = NULL;
	static struct switches sw; /* path "": kept in memory only */
	static struct sched_core c;
	struct sched_out out = {0};
	bool runs[2] = {true, true};
	int64_t now = noon;

	memset(&sw, 0, sizeof(sw));
	memset(&c, 0, sizeof(c));
	c.cfg = &cfg;
	c.sw = &sw;
	c.connected = true;
	if (core_build(&c, runs) != SL_OK)
		abort();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		event(&c, &sw, line, &now, &out);
		if (out.n > 256)
			sched_out_clear(&out);
	}
	core_switch_states(&c, &out);
	core_profile_states(&c, NULL, &out);
	sched_out_clear(&out);
	core_free(&c);
	free(text);
	return 0;
}
