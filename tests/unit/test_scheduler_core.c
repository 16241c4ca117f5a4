/* test_scheduler_core.c - the scheduler's decisions (core.c, relay.c) with
 * a fake clock and no broker.
 *
 * Each test feeds events - ticks at chosen times, availability, results,
 * switches, relayed requests - and asserts on the messages the core
 * returns and on the counters the status shows: windows opening and
 * closing, slots taken, missed and unsent, answers and their absence, the
 * auto timelapse at a window's end, the decision on error_kind.
 */
#include <unistd.h>

#include "../../agents/scheduler/core.h"
#include "../../agents/scheduler/plan.h"
#include "../../agents/scheduler/relay.h"
#include "../../agents/scheduler/status.h"
#include "mqtt.h"
#include "config.h"
#include "err.h"
#include "testutil.h"
#include "timeutil.h"

#define S 1000LL

/* 12:00-12:01 local, a slot every 10 s, profiles a, b, its video made at
 * the end by default; "quiet" says timelapse.auto false; "night" (23:00,
 * the sun near -17 degrees in June) its keogram too, not its star trails. */
static const char *const config_json =
	"{\"location\": {\"latitude\": 39.6333, \"longitude\": -105.3167,"
	"  \"timezone\": \"America/Denver\"},"
	" \"pi\": {\"timeout_seconds\": 3},"
	" \"schedules\": {"
	"  \"noon\": {\"type\": \"time_of_day\", \"start_time\": \"12:00\","
	"    \"end_time\": \"12:01\", \"interval_seconds\": 10, \"profiles\": [\"A\", \"B\"]},"
	"  \"quiet\": {\"type\": \"time_of_day\", \"start_time\": \"14:00\","
	"    \"end_time\": \"14:01\", \"interval_seconds\": 10, \"profile\": \"A\","
	"    \"timelapse\": {\"auto\": false}},"
	"  \"night\": {\"type\": \"time_of_day\", \"start_time\": \"23:00\","
	"    \"end_time\": \"23:01\", \"interval_seconds\": 10, \"profile\": \"A\","
	"    \"timelapse\": {\"startrails\": false}}}}";

struct fixture {
	struct config cfg;
	struct switches sw;
	struct sched_core core;
	struct sched_out out;
	int64_t noon; /* 2026-06-21 12:00 in Denver */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct config_problems p;
	bool runs[3] = {true, true, true};

	assert_int_equal(test_config_load(&f->cfg, config_json, &p), 0);
	assert_int_equal(time_set_zone(f->cfg.timezone), 0);
	snprintf(f->cfg.backend_name, sizeof(f->cfg.backend_name), "dagon");
	snprintf(f->cfg.topic_root, sizeof(f->cfg.topic_root), "sky");
	assert_int_equal(time_parse_iso("2026-06-21T12:00:00-06:00", &f->noon), 0);
	f->core.cfg = &f->cfg;
	f->core.sw = &f->sw;
	f->core.connected = true;
	assert_int_equal(core_build(&f->core, runs), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sched_out_clear(&f->out);
	core_free(&f->core);
	config_free(&f->cfg);
	free(f);
	return 0;
}

/* The messages of one kind; their count. */
static int count(const struct sched_out *o, enum sched_msg_kind kind)
{
	int n = 0;

	for (int i = 0; i < o->n; i++)
		n += o->msg[i].kind == kind;
	return n;
}

static const struct sched_msg *nth(const struct sched_out *o, enum sched_msg_kind kind, int k)
{
	for (int i = 0; i < o->n; i++)
		if (o->msg[i].kind == kind && k-- == 0)
			return &o->msg[i];
	fail_msg("no message %d of kind %d", k, kind);
	return NULL;
}

static const char *field(const struct sched_msg *m, const char *key, char buf[256])
{
	json_t *o = jparse(m->text);
	const char *v;

	v = json_string_value(json_object_get(o, key));
	snprintf(buf, 256, "%s", v ? v : "(none)");
	json_decref(o);
	return buf;
}

static int64_t tick(struct fixture *f, int64_t at)
{
	sched_out_clear(&f->out);
	return core_tick(&f->core, at, &f->out);
}

static void online(struct fixture *f, const char *camera)
{
	core_availability(&f->core, camera, "online", &f->out);
	sched_out_clear(&f->out);
}

static void answer(struct fixture *f, const char *camera, const char *rid, const char *extra,
		   int64_t at)
{
	char text[512];
	json_t *o;

	snprintf(text, sizeof(text), "{\"request_id\": \"%s\", %s}", rid, extra);
	o = jparse(text);
	sched_out_clear(&f->out);
	core_result(&f->core, camera, o, at, &f->out);
	json_decref(o);
}

static void test_window_opens_sends_and_closes_with_jobs(void **state)
{
	struct fixture *f = *state;
	struct runner *r = core_runner(&f->core, "noon");
	char buf[256], when[TIME_ISO_MAX];

	online(f, "helios");
	assert_int_equal(tick(f, f->noon - 5 * S), f->noon); /* sleeps until the start */
	assert_int_equal(count(&f->out, MSG_CAPTURE), 0);
	assert_true(r->have_window && r->w.start_ms == f->noon);
	/* a plan for the camera, retained */
	assert_string_equal(nth(&f->out, MSG_STATE, 0)->topic, "sky/helios/plan");

	assert_int_equal(tick(f, f->noon), f->noon + 10 * S);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 2); /* profiles a and b */
	assert_string_equal(nth(&f->out, MSG_CAPTURE, 0)->topic, "sky/helios/capture/request");
	assert_string_equal(field(nth(&f->out, MSG_CAPTURE, 0), "profile", buf), "a");
	assert_string_equal(field(nth(&f->out, MSG_CAPTURE, 1), "profile", buf), "b");
	assert_string_equal(field(nth(&f->out, MSG_CAPTURE, 0), "backend_name", buf), "dagon");
	assert_string_equal(field(nth(&f->out, MSG_CAPTURE, 0), "schedule", buf), "noon");
	time_format_utc(f->noon, when); /* the slot it is for: the camera takes it once */
	assert_string_equal(field(nth(&f->out, MSG_CAPTURE, 1), "slot", buf), when);
	assert_int_equal(nth(&f->out, MSG_CAPTURE, 0)->expiry_s, 10);
	assert_true(f->out.status);
	assert_int_equal(r->n.requests, 2);
	assert_int_equal(f->core.npend, 2);

	/* both answered: the next slot goes out */
	answer(f, "helios", f->core.pend[1].id, "\"status\": \"ok\"", f->noon + 2 * S);
	answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", f->noon + 2 * S);
	assert_int_equal(r->n.ok, 2);
	assert_int_equal(r->last_ok_ms, f->noon + 2 * S);
	for (int64_t t = f->noon + 10 * S; t < f->noon + 60 * S; t += 10 * S) {
		tick(f, t);
		assert_int_equal(count(&f->out, MSG_CAPTURE), 2);
		while (f->core.npend)
			answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", t + S);
	}
	assert_int_equal(r->n.requests, 12);
	assert_int_equal(r->n.missed + r->n.unsent + r->n.errors, 0);

	/* the end: one job per camera and profile, for this window */
	tick(f, f->noon + 60 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 2);
	assert_string_equal(nth(&f->out, MSG_JOB, 0)->topic, "sky/encoder/jobs");
	assert_string_equal(field(nth(&f->out, MSG_JOB, 0), "camera", buf), "helios");
	assert_string_equal(field(nth(&f->out, MSG_JOB, 1), "profile", buf), "b");
	/* and the next window is tomorrow's */
	assert_true(r->have_window && r->w.start_ms == f->noon + 86400 * S);
}

/* An unanswered request keeps its camera busy: the next slot is missed,
 * not doubled; with no answer by its deadline it is an error. */
static void test_busy_camera_misses_and_silence_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct runner *r = core_runner(&f->core, "noon");
	char first[REQUEST_ID_MAX + 1];

	online(f, "helios");
	tick(f, f->noon);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 2);
	snprintf(first, sizeof(first), "%s", f->core.pend[0].id);
	/* deadline = slot + max(interval, pi timeout) = 10 s: still waiting at 9 s */
	tick(f, f->noon + 9 * S);
	assert_int_equal(r->n.errors, 0);
	tick(f, f->noon + 10 * S);
	assert_int_equal(r->n.errors, 2); /* expired first ... */
	assert_int_equal(count(&f->out, MSG_CAPTURE), 2); /* ... so the slot goes out */
	assert_string_equal(r->last_error, "no answer from camera 'helios' in time");
	/* an answer that comes too late is for no request of ours */
	answer(f, "helios", first, "\"status\": \"ok\"", f->noon + 11 * S);
	assert_int_equal(r->n.ok, 0);
	assert_int_equal(f->core.npend, 2);
	/* the second slot still unanswered at the third: missed, not doubled */
	tick(f, f->noon + 20 * S - 1);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 0);
	assert_int_equal(r->n.missed, 0);
}

static void test_late_scheduler_counts_missed_slots(void **state)
{
	struct fixture *f = *state;
	struct runner *r = core_runner(&f->core, "noon");

	online(f, "helios");
	online(f, "selene");
	tick(f, f->noon - S);
	/* the tick comes 31 s late: slots 0-2 passed (two cameras each), slot 3 is on time */
	tick(f, f->noon + 31 * S);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 4);
	assert_int_equal(r->n.missed, 6);
	assert_int_equal(r->last_request_ms, f->noon + 30 * S);
	/* past the 5 s grace of a 10 s slot: missed too, never sent late */
	tick(f, f->noon + 46 * S);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 0);
	assert_int_equal(r->n.missed, 8);
}

static void test_no_camera_or_no_broker_is_unsent(void **state)
{
	struct fixture *f = *state;
	struct runner *r = core_runner(&f->core, "noon");

	tick(f, f->noon);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 0);
	assert_int_equal(r->n.unsent, 1);
	online(f, "helios");
	f->core.connected = false;
	tick(f, f->noon + 10 * S);
	assert_int_equal(r->n.unsent, 2);
	f->core.connected = true;
	tick(f, f->noon + 20 * S);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 2);
	/* publishing one failed: unsent after all */
	sched_out_clear(&f->out);
	core_send_failed(&f->core, f->core.pend[0].id, SL_ERR_BROKER, &f->out);
	assert_int_equal(r->n.requests, 1);
	assert_int_equal(r->n.unsent, 3);
	assert_int_equal(f->core.npend, 1);
}

/* OFF: no request, nothing counted, no auto timelapse for a window that
 * never ran; the state is published retained and the tick runs again. */
static void test_switch_off_pauses_silently(void **state)
{
	struct fixture *f = *state;
	struct runner *r = core_runner(&f->core, "noon");

	online(f, "helios");
	tick(f, f->noon - S);
	sched_out_clear(&f->out);
	core_switch(&f->core, r, false, &f->out);
	assert_true(f->out.kick && f->out.status && f->core.plans_dirty);
	assert_string_equal(nth(&f->out, MSG_STATE, 0)->topic,
			    "sky/backend/dagon/schedules/noon/state");
	assert_string_equal(nth(&f->out, MSG_STATE, 0)->text, "OFF");
	for (int64_t t = f->noon; t <= f->noon + 60 * S; t += 10 * S) {
		tick(f, t);
		assert_int_equal(count(&f->out, MSG_CAPTURE) + count(&f->out, MSG_JOB), 0);
	}
	assert_int_equal(r->n.requests + r->n.missed + r->n.unsent, 0);
	/* ON again mid-window: from the next slot on */
	tick(f, f->noon + 86400 * S + 5 * S);
	core_switch(&f->core, r, true, &f->out);
	tick(f, f->noon + 86400 * S + 10 * S);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 2);
}

static void test_no_auto_timelapse_when_auto_is_false(void **state)
{
	struct fixture *f = *state;
	int64_t two = f->noon + 2 * 3600 * S;

	online(f, "helios");
	tick(f, two);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 1);
	tick(f, two + 60 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	assert_false(core_runner(&f->core, "quiet")->have_window &&
		     core_runner(&f->core, "quiet")->w.start_ms == two);
}

/* A night window's close: its video, then its keogram with a stable id;
 * no star trails, as its timelapse says. */
static void test_night_window_makes_its_pictures(void **state)
{
	struct fixture *f = *state;
	int64_t eleven = f->noon + 11 * 3600 * S;
	struct runner *r = core_runner(&f->core, "night");
	char buf[256], video_from[256];

	online(f, "helios");
	tick(f, eleven);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 1);
	assert_true(plan_window_is_night(&f->cfg, &r->w));
	assert_false(plan_window_is_night(&f->cfg, &core_runner(&f->core, "noon")->w));
	while (f->core.npend)
		answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", eleven + S);
	tick(f, eleven + 60 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 2);
	assert_string_equal(field(nth(&f->out, MSG_JOB, 0), "job_id", buf),
			    "helios-night-2026-06-21-a");
	assert_string_equal(field(nth(&f->out, MSG_JOB, 1), "job_id", buf),
			    "helios-night-2026-06-21-a-keogram");
	assert_string_equal(field(nth(&f->out, MSG_JOB, 1), "kind", buf), "keogram");
	assert_string_equal(field(nth(&f->out, MSG_JOB, 1), "from", buf),
			    field(nth(&f->out, MSG_JOB, 0), "from", video_from));
	assert_true(plan_wants_picture(&f->cfg, r->s, &r->w, "keogram"));
	assert_false(plan_wants_picture(&f->cfg, r->s, &r->w, "startrails"));
}

/* The scheduler "restarts": a new core from the same configuration, given
 * the journal the old one left. */
static void restart(struct fixture *f, const json_t *journal)
{
	bool runs[3] = {true, true, true};

	sched_out_clear(&f->out);
	core_free(&f->core);
	memset(&f->core, 0, sizeof(f->core));
	f->core.cfg = &f->cfg;
	f->core.sw = &f->sw;
	f->core.connected = true;
	assert_int_equal(core_build(&f->core, runs), 0);
	assert_int_equal(core_windows_restore(&f->core, journal), 1);
}

/* Killed in the window, back after its end (the camera not seen again):
 * the window's jobs go out on the first tick, with the ids they would have
 * had; then the journal is empty and nothing is sent twice. */
static void test_restart_over_the_close_still_encodes(void **state)
{
	struct fixture *f = *state;
	json_t *journal, *e;
	char buf[256];

	tick(f, f->noon);
	assert_false(f->out.windows); /* it runs, but asks no camera: no frame to encode */
	journal = core_windows_json(&f->core);
	assert_int_equal(json_object_size(journal), 0);
	json_decref(journal);
	online(f, "helios");
	tick(f, f->noon + 10 * S);
	assert_true(f->out.windows);
	journal = core_windows_json(&f->core);
	e = json_object_get(journal, "noon");
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "start_ms")), f->noon);
	assert_int_equal(json_integer_value(json_object_get(e, "end_ms")), f->noon + 60 * S);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "cameras"), 0)),
			    "helios");
	assert_null(json_object_get(journal, "quiet"));
	/* a schedule gone from the configuration is ignored */
	json_object_set_new(journal, "gone", json_deep_copy(e));
	tick(f, f->noon + 20 * S);
	assert_false(f->out.windows); /* the same camera: the journal holds */

	restart(f, journal);
	json_decref(journal);
	tick(f, f->noon + 3600 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 2);
	assert_string_equal(field(nth(&f->out, MSG_JOB, 0), "job_id", buf),
			    "helios-noon-2026-06-21-a");
	assert_string_equal(field(nth(&f->out, MSG_JOB, 1), "job_id", buf),
			    "helios-noon-2026-06-21-b");
	assert_string_equal(field(nth(&f->out, MSG_JOB, 0), "to", buf),
			    "2026-06-21T12:01:00-06:00");
	assert_true(f->out.windows);
	journal = core_windows_json(&f->core);
	assert_int_equal(json_object_size(journal), 0);
	json_decref(journal);
	tick(f, f->noon + 3601 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
}

/* Back while the window is still open: it carries on and closes once,
 * with its cameras from before. */
static void test_restart_mid_window_carries_on(void **state)
{
	struct fixture *f = *state;
	json_t *journal;
	int jobs = 0, captures = 0;

	online(f, "helios");
	tick(f, f->noon);
	journal = core_windows_json(&f->core);
	restart(f, journal);
	json_decref(journal);
	for (int64_t t = f->noon + 25 * S; t <= f->noon + 70 * S; t += 5 * S) {
		tick(f, t);
		captures += count(&f->out, MSG_CAPTURE);
		jobs += count(&f->out, MSG_JOB);
	}
	assert_int_equal(captures, 0); /* helios is not online for the new core */
	assert_int_equal(jobs, 2);     /* yet it was asked in this window: its video */
}

/* No broker at the window's end: the jobs wait for it, and go once. */
static void test_close_waits_for_the_broker(void **state)
{
	struct fixture *f = *state;

	online(f, "helios");
	tick(f, f->noon);
	f->core.connected = false;
	assert_int_equal(tick(f, f->noon + 60 * S), f->noon + 61 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	assert_int_equal(tick(f, f->noon + 300 * S), f->noon + 301 * S);
	f->core.connected = true;
	tick(f, f->noon + 301 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 2);
	tick(f, f->noon + 302 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
}

/* A status of helios's transfer, on R/transfer/status (it names the camera). */
static void transfer(struct fixture *f, const char *state, int backlog, int64_t started_ms)
{
	char started[TIME_ISO_MAX];
	json_t *o;

	time_format_utc(started_ms, started);
	o = json_pack("{s:s, s:s, s:i, s:s}", "camera", "helios", "state", state, "backlog",
		      backlog, "last_attempt_started_at", started);
	assert_non_null(o);
	sched_out_clear(&f->out);
	core_transfer(&f->core, NULL, o, &f->out);
	json_decref(o);
}

/* The window's video waits for its last frames to reach the server: until
 * the camera's transfer is idle with nothing left after a sync begun since
 * the last answer; each status kicks the tick. */
static void test_close_waits_for_the_frames(void **state)
{
	struct fixture *f = *state;
	int64_t end = f->noon + 60 * S;

	online(f, "helios");
	transfer(f, "idle", 0, f->noon - 3600 * S);
	for (int64_t t = f->noon; t < end; t += 10 * S) {
		tick(f, t);
		while (f->core.npend)
			answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", t + S);
	}
	/* the last answer came at 12:00:51: its frames are on the way */
	assert_int_equal(tick(f, end), end + ARRIVAL_WAIT_MS);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	transfer(f, "syncing", 1, end - 5 * S);
	assert_true(f->out.kick);
	tick(f, end + 2 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	transfer(f, "idle", 0, end - 9 * S - 1); /* began before the last answer */
	tick(f, end + 3 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	transfer(f, "idle", 1, end - 5 * S); /* an announcement it has not fetched */
	tick(f, end + 4 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	transfer(f, "idle", 0, end + 4 * S);
	assert_true(f->out.kick);
	tick(f, end + 6 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 2);
	tick(f, end + 7 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
}

/* It waits ARRIVAL_WAIT_MS at most (a Pi cut off: the transfer backs off);
 * a transfer that stopped, or whose status was emptied, is not waited for. */
static void test_close_waits_for_the_frames_bounded(void **state)
{
	struct fixture *f = *state;
	int64_t end = f->noon + 60 * S, tomorrow = end + 86400 * S;
	json_t *stopped = json_pack("{s:s, s:s}", "state", "stopped", "camera", "else");

	online(f, "helios");
	tick(f, f->noon);
	answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", f->noon + S);
	transfer(f, "backoff", 0, f->noon + 2 * S);
	assert_int_equal(tick(f, end), end + ARRIVAL_WAIT_MS);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	tick(f, end + ARRIVAL_WAIT_MS - 1);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	tick(f, end + ARRIVAL_WAIT_MS);
	assert_int_equal(count(&f->out, MSG_JOB), 2);

	/* tomorrow: the transfer stopped (on the per-camera topic: its name wins) */
	tick(f, tomorrow - 60 * S);
	answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", tomorrow - 59 * S);
	core_transfer(&f->core, "helios", stopped, &f->out);
	tick(f, tomorrow);
	assert_int_equal(count(&f->out, MSG_JOB), 2);
	json_decref(stopped);

	/* the day after: a backing-off transfer, then its status emptied (on
	 * R/transfer/status, which names no camera then) */
	transfer(f, "backoff", 0, tomorrow);
	tick(f, tomorrow + 86340 * S);
	answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", tomorrow + 86341 * S);
	tick(f, tomorrow + 86400 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 0);
	core_transfer(&f->core, NULL, NULL, &f->out);
	assert_true(f->out.kick);
	tick(f, tomorrow + 86401 * S);
	assert_int_equal(count(&f->out, MSG_JOB), 2);
}

/* The refusal is decided on error_kind, never on the sentence; a refusing
 * camera gets no plan from us. */
static void test_denied_is_decided_on_error_kind(void **state)
{
	struct fixture *f = *state;
	struct status_cache cache = {0};
	struct sched_camera *cam;
	json_t *st, *cams;

	online(f, "helios");
	tick(f, f->noon);
	answer(f, "helios", f->core.pend[0].id,
	       "\"status\": \"error\", \"error\": \"Backend not authorized: only 'x'\","
	       " \"error_kind\": \"camera\"", f->noon + S);
	cam = cameras_find(&f->core, "helios", false);
	assert_int_equal(cam->auth, AUTH_UNKNOWN); /* the word says camera, not denied */
	answer(f, "helios", f->core.pend[0].id,
	       "\"status\": \"error\", \"error\": \"no\", \"error_kind\": \"denied\"", f->noon + S);
	assert_int_equal(cam->auth, AUTH_DENIED);
	assert_string_equal(cam->auth_error, "no");
	assert_true(f->out.status);
	/* the status says it with the word beside the sentence */
	st = status_json(&f->core, &cache, f->noon + S, f->noon, 0);
	assert_non_null(st);
	cams = json_object_get(st, "cameras");
	assert_string_equal(jstr(json_array_get(cams, 0), "error"), "no");
	assert_string_equal(jstr(json_array_get(cams, 0), "error_kind"), "denied");
	assert_string_equal(jstr(st, "authorization_error"), "no");
	json_decref(st);
	status_cache_clear(&cache);
	f->core.plans_dirty = true;
	tick(f, f->noon + 10 * S);
	for (int i = 0; i < f->out.n; i++)
		assert_string_not_equal(f->out.msg[i].topic, "sky/helios/plan");
	answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", f->noon + 11 * S);
	assert_int_equal(cam->auth, AUTH_OK);
	assert_true(cam->plan_due);
	/* no error_kind: not a refusal, whatever the sentence says */
	answer(f, "helios", f->core.pend[0].id,
	       "\"status\": \"error\", \"error\": \"Backend not authorized: only 'x'\"",
	       f->noon + 11 * S);
	assert_int_equal(cam->auth, AUTH_OK);
	/* an answer from another camera than the one asked is ignored */
	tick(f, f->noon + 20 * S);
	answer(f, "selene", f->core.pend[0].id, "\"status\": \"ok\"", f->noon + 21 * S);
	assert_int_equal(core_runner(&f->core, "noon")->n.ok, 1);
}

static void relay(struct fixture *f, const char *payload, const char *response_topic)
{
	struct relay_ask a = {.payload = payload, .len = strlen(payload),
			      .response_topic = response_topic,
			      .correlation = (const unsigned char *)"c1", .correlation_len = 2};

	sched_out_clear(&f->out);
	relay_request(&f->core, &a, f->noon, &f->out);
}

static void test_relay_forwards_answers_and_times_out(void **state)
{
	struct fixture *f = *state;
	const struct sched_msg *m;
	char buf[256], rid[REQUEST_ID_MAX + 1];

	relay(f, "{\"request_id\": \"r1\"}", NULL); /* no camera online: which one? */
	m = nth(&f->out, MSG_ANSWER, 0);
	assert_string_equal(m->topic, "sky/backend/dagon/capture/response");
	assert_string_equal(field(m, "error_kind", buf), "invalid");
	assert_string_equal(field(m, "request_id", buf), "r1");

	online(f, "helios");
	relay(f, "{\"request_id\": \"r2\", \"source\": \"homeassistant\"}", "reply/here");
	m = nth(&f->out, MSG_CAPTURE, 0);
	assert_string_equal(m->topic, "sky/helios/capture/request");
	assert_string_equal(field(m, "profile", buf), "a"); /* the first enabled */
	assert_string_equal(field(m, "source", buf), "(none)");
	snprintf(rid, sizeof(rid), "%s", m->request_id);
	assert_string_equal(field(m, "request_id", buf), rid);
	answer(f, "helios", rid, "\"status\": \"ok\", \"frames\": []", f->noon + S);
	assert_int_equal(count(&f->out, MSG_ANSWER), 2);
	m = nth(&f->out, MSG_ANSWER, 1);
	assert_string_equal(m->topic, "reply/here");
	assert_memory_equal(m->reply_to->correlation, "c1", 2);
	assert_string_equal(field(m, "request_id", buf), "r2");
	assert_string_equal(field(m, "status", buf), "ok");

	relay(f, "{\"camera\": \"ghost\"}", NULL);
	tick(f, f->noon + 3 * S); /* pi.timeout_seconds */
	m = nth(&f->out, MSG_ANSWER, 0);
	assert_string_equal(field(m, "error_kind", buf), "timeout");
	assert_string_equal(field(m, "error", buf), "no answer from camera 'ghost' within 3 s");
	assert_int_equal(count(&f->out, MSG_ANSWER), 1);
	for (int i = 0; i < f->core.npend; i++)
		assert_string_not_equal(f->core.pend[i].camera, "ghost");
}

/* A reload keeps a schedule's counters and window; a dropped one goes. */
static void test_rebuild_keeps_progress(void **state)
{
	struct fixture *f = *state;
	bool runs[1] = {true};
	int n = f->cfg.nschedules;

	online(f, "helios");
	tick(f, f->noon);
	f->cfg.nschedules = 1; /* "quiet" and "night" are gone */
	assert_int_equal(core_build(&f->core, runs), 0);
	assert_int_equal(f->core.nruns, 1);
	assert_int_equal(core_runner(&f->core, "noon")->n.requests, 2);
	assert_null(core_runner(&f->core, "quiet"));
	while (f->core.npend)
		answer(f, "helios", f->core.pend[0].id, "\"status\": \"ok\"", f->noon + S);
	tick(f, f->noon + 5 * S); /* same window, same cadence: no second slot 0 */
	assert_int_equal(count(&f->out, MSG_CAPTURE), 0);
	f->cfg.nschedules = n; /* for config_free() */
}

/* A camera coming online gets its profile state and a new plan; "Timelapse
 * of today" makes one job per camera known, online or not. */
static void test_availability_and_today(void **state)
{
	struct fixture *f = *state;
	char buf[256];

	core_availability(&f->core, "helios", "online", &f->out);
	assert_true(f->out.kick && f->out.status && f->core.cams[0].plan_due);
	assert_string_equal(nth(&f->out, MSG_STATE, 0)->topic,
			    "sky/backend/dagon/cameras/helios/profile/state");
	assert_string_equal(nth(&f->out, MSG_STATE, 0)->text, "a");
	sched_out_clear(&f->out);
	core_availability(&f->core, "helios", "offline", &f->out);
	assert_int_equal(f->out.n, 0);
	assert_true(f->out.status);
	core_availability(&f->core, "backend", "online", &f->out); /* not a camera */
	core_availability(&f->core, "selene", "sleepy", &f->out);   /* neither word */
	assert_int_equal(f->core.ncams, 1);
	sched_out_clear(&f->out);
	core_today(&f->core, f->noon + 3600 * S, &f->out);
	assert_int_equal(count(&f->out, MSG_JOB), 1);
	assert_string_equal(field(nth(&f->out, MSG_JOB, 0), "camera", buf), "helios");
	assert_string_equal(field(nth(&f->out, MSG_JOB, 0), "profile", buf), "a");
}

/* The ids of a fleet for config.json's `cameras`: cam000 follows "quiet"
 * only, every other camera every schedule. */
static json_t *fleet(int n)
{
	json_t *cams = json_object();
	char id[16];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "cam%03d", i);
		json_object_set_new(cams, id, i == 0 ? json_pack("{s:[s]}", "schedules", "quiet")
						     : json_object());
	}
	return cams;
}

/* How many messages of `kind` went to `camera`'s topics. */
static int to_camera(const struct sched_out *o, enum sched_msg_kind kind, const char *camera)
{
	char prefix[64];
	int n = 0;

	snprintf(prefix, sizeof(prefix), "sky/%s/", camera);
	for (int i = 0; i < o->n; i++)
		n += o->msg[i].kind == kind && strncmp(o->msg[i].topic, prefix, strlen(prefix)) == 0;
	return n;
}

/* 300 cameras listed in the configuration, none seen yet: each gets its
 * plan (its own schedules) and one request per profile at every slot of
 * the same cadence, answers keep each stream going, a camera gone offline
 * or one not in the list is not asked, and the window closes with a job
 * per camera asked and profile. */
static void test_many_cameras_one_stream_each(void **state)
{
	struct fixture *f = *state;
	bool runs[3] = {true, true, true};
	struct runner *noon;
	char buf[256];
	json_t *plan;

	json_object_set_new(f->cfg.root, "cameras", fleet(300));
	assert_int_equal(core_build(&f->core, runs), 0);
	noon = core_runner(&f->core, "noon");
	assert_true(f->core.listed_only);
	assert_int_equal(f->core.ncams, 300);
	online(f, "stranger"); /* on the broker, not ours */

	tick(f, f->noon - 5 * S);
	assert_int_equal(count(&f->out, MSG_STATE), 300); /* a plan each, none for stranger */
	assert_int_equal(to_camera(&f->out, MSG_STATE, "stranger"), 0);
	plan = jparse(nth(&f->out, MSG_STATE, 0)->text);
	assert_string_equal(jstr(plan, "camera"), "cam000");
	for (size_t i = 0; i < json_array_size(json_object_get(plan, "windows")); i++)
		assert_string_equal(
		    jstr(json_array_get(json_object_get(plan, "windows"), i), "schedule"), "quiet");
	json_decref(plan);

	for (int64_t t = f->noon; t < f->noon + 60 * S; t += 10 * S) {
		assert_int_equal(tick(f, t), t + 10 * S); /* one cadence for all */
		assert_int_equal(count(&f->out, MSG_CAPTURE), (t == f->noon ? 299 : 298) * 2);
		assert_int_equal(to_camera(&f->out, MSG_CAPTURE, "cam000"), 0);
		assert_int_equal(to_camera(&f->out, MSG_CAPTURE, "cam150"), 2);
		assert_int_equal(to_camera(&f->out, MSG_CAPTURE, "stranger"), 0);
		while (f->core.npend)
			answer(f, f->core.pend[0].camera, f->core.pend[0].id,
			       "\"status\": \"ok\"", t + S);
		if (t == f->noon) {
			core_availability(&f->core, "cam007", "offline", &f->out);
			sched_out_clear(&f->out);
		}
	}
	assert_int_equal(noon->n.requests, (299 + 5 * 298) * 2);
	assert_int_equal(noon->n.ok, noon->n.requests);
	assert_int_equal(noon->n.missed + noon->n.unsent + noon->n.errors, 0);

	tick(f, f->noon + 60 * S); /* cam007 was asked in the window: its video too */
	assert_int_equal(count(&f->out, MSG_JOB), 299 * 2);
	assert_string_equal(field(nth(&f->out, MSG_JOB, 0), "camera", buf), "cam001");

	/* "quiet" asks cam000 too, with the others online or listed */
	tick(f, f->noon + 2 * 3600 * S);
	assert_int_equal(count(&f->out, MSG_CAPTURE), 299);
	assert_int_equal(to_camera(&f->out, MSG_CAPTURE, "cam000"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_window_opens_sends_and_closes_with_jobs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_camera_misses_and_silence_is_an_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_scheduler_counts_missed_slots, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_camera_or_no_broker_is_unsent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_switch_off_pauses_silently, setup, teardown),
		cmocka_unit_test_setup_teardown(test_night_window_makes_its_pictures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_auto_timelapse_when_auto_is_false, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart_over_the_close_still_encodes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart_mid_window_carries_on, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_waits_for_the_broker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_waits_for_the_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_waits_for_the_frames_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_denied_is_decided_on_error_kind, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_relay_forwards_answers_and_times_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_keeps_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_availability_and_today, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_cameras_one_stream_each, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
