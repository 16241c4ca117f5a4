/* test_bridge.c - unit tests of skylapse-bridge's pure parts: routing,
 * percent-decoding, Range headers, token and CORS decisions, the
 * retained-state cache, the sky figures of /status, the /system report, and the HTTP status of
 * a result's error_kind. Tables of inputs and expected answers, no network,
 * no sleeps. */
#include <unistd.h>

#include "../../bridge-http/auth_cors.h"
#include "../../bridge-http/result_status.h"
#include "../../bridge-http/router.h"
#include "../../bridge-http/settings.h"
#include "../../bridge-http/sky.h"
#include "../../bridge-http/state.h"
#include "../../bridge-http/system.h"
#include "../../bridge-http/urlparse.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "testutil.h"
#include "timeutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- router ------------------------------------------------------------------ */

static int h_a(struct bridge *b, struct request *rq)
{
	(void)b;
	(void)rq;
	return 0;
}

static const struct route table[] = {
	{HTTP_GET, "/", h_a, "index", 0},
	{HTTP_GET, "/status", h_a, "status", 0},
	{HTTP_GET, "/cameras/{id}", h_a, "camera", 0},
	{HTTP_GET, "/cameras/{id}/latest.jpg", h_a, "latest", 0},
	{HTTP_POST, "/capture", h_a, "capture", 0},
	{HTTP_GET | HTTP_POST, "/timelapses", h_a, "timelapses", 0},
	{HTTP_GET, "/images/{path*}", h_a, "image", 0},
	{HTTP_GET, "/{path*}", h_a, "static", ROUTE_FALLBACK},
};

static int match(unsigned method, const char *path, struct route_match *m, unsigned *allowed)
{
	static char buf[ROUTE_PATH_MAX];

	m->buf = buf;
	m->buflen = strlen(path) + 2;
	return router_match(table, N(table), method, path, m, allowed);
}

static void test_router_table(void **state)
{
	static const struct {
		unsigned method;
		const char *path;
		int rc;
		const char *summary, *p0;
	} cases[] = {
		{HTTP_GET, "/", SL_OK, "index", NULL},
		{HTTP_GET, "/status", SL_OK, "status", NULL},
		{HTTP_HEAD, "/status", SL_OK, "status", NULL},
		{HTTP_GET, "/status/", SL_OK, "static", "status/"},
		{HTTP_GET, "/statusx", SL_OK, "static", "statusx"},
		{HTTP_GET, "/cameras/helios", SL_OK, "camera", "helios"},
		{HTTP_GET, "/cameras/hel%69os", SL_OK, "camera", "helios"},
		{HTTP_GET, "/cameras/a%2Fb", SL_OK, "camera", "a/b"},
		{HTTP_GET, "/cameras/", SL_OK, "static", "cameras/"},
		{HTTP_GET, "/cameras//latest.jpg", SL_OK, "static", "cameras//latest.jpg"},
		{HTTP_GET, "/cameras/helios/latest.jpg", SL_OK, "latest", "helios"},
		{HTTP_GET, "/cameras/helios/latest%2Ejpg", SL_OK, "latest", "helios"},
		{HTTP_POST, "/capture", SL_OK, "capture", NULL},
		{HTTP_POST, "/timelapses", SL_OK, "timelapses", NULL},
		{HTTP_GET, "/images/helios/profile-a/x.jpg", SL_OK, "image",
		 "helios/profile-a/x.jpg"},
		{HTTP_GET, "/images/%2e%2e/%2e%2e/etc/passwd", SL_OK, "image", "../../etc/passwd"},
		{HTTP_GET, "/images/a%2f..%2fb", SL_OK, "image", "a/../b"},
		{HTTP_GET, "/images/", SL_OK, "static", "images/"},
		{HTTP_GET, "/images/%zz", SL_ERR_PARSE, NULL, NULL},
		{HTTP_GET, "/images/a%00b", SL_ERR_PARSE, NULL, NULL},
		{HTTP_GET, "/cameras/%4", SL_ERR_PARSE, NULL, NULL},
		{HTTP_GET, "", SL_ERR_NOTFOUND, NULL, NULL},
		{HTTP_GET, "status", SL_ERR_NOTFOUND, NULL, NULL},
		{HTTP_POST, "/cameras/helios", SL_ERR_UNSUPPORTED, NULL, NULL},
		{HTTP_GET, "/nothing", SL_OK, "static", "nothing"},
		{HTTP_GET, "/js/app.js", SL_OK, "static", "js/app.js"},
		{HTTP_POST, "/nothing", SL_ERR_UNSUPPORTED, NULL, NULL},
	};
	struct route_match m;
	unsigned allowed;

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		int rc = match(cases[i].method, cases[i].path, &m, &allowed);

		if (rc != cases[i].rc)
			fail_msg("%s: rc %d, want %d", cases[i].path, rc, cases[i].rc);
		if (rc != SL_OK)
			continue;
		assert_string_equal(m.route->summary, cases[i].summary);
		if (cases[i].p0)
			assert_string_equal(m.params[0], cases[i].p0);
		else
			assert_int_equal(m.nparams, 0);
	}
}

static void test_router_405_allow(void **state)
{
	struct route_match m;
	unsigned allowed;
	char allow[96];

	(void)state;
	assert_int_equal(match(HTTP_DELETE, "/status", &m, &allowed), SL_ERR_UNSUPPORTED);
	router_allow_list(allowed, allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD, OPTIONS");
	/* an API path with the wrong method: 405, never the fallback */
	assert_int_equal(match(HTTP_GET, "/capture", &m, &allowed), SL_ERR_UNSUPPORTED);
	router_allow_list(allowed, allow, sizeof(allow));
	assert_string_equal(allow, "POST, OPTIONS");
	assert_int_equal(match(HTTP_PUT, "/timelapses", &m, &allowed), SL_ERR_UNSUPPORTED);
	router_allow_list(allowed, allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD, POST, OPTIONS");
	assert_int_equal(match(HTTP_OPTIONS, "/capture", &m, &allowed), SL_ERR_UNSUPPORTED);
	assert_true(allowed & HTTP_POST);
	assert_int_equal(http_method_parse("GET"), HTTP_GET);
	assert_int_equal(http_method_parse("get"), HTTP_OTHER);
	assert_int_equal(http_method_parse("BREW"), HTTP_OTHER);
}

static void test_router_small_buffer(void **state)
{
	struct route_match m;
	unsigned allowed;
	char small[4];

	(void)state;
	m.buf = small;
	m.buflen = sizeof(small);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/cameras/helios", &m, &allowed),
			 SL_ERR_RANGE);
}

/* --- percent-decoding of paths ------------------------------------------------- */

static void test_url_decode(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} cases[] = {
		{"abc", 3, "abc"},	    {"a%20b", 3, "a b"},	   {"a+b", 3, "a+b"},
		{"%2e%2E", 2, ".."},	    {"%2F", 1, "/"},		   {"%", SL_ERR_PARSE, NULL},
		{"%4", SL_ERR_PARSE, NULL}, {"%g0", SL_ERR_PARSE, NULL}, {"%00", SL_ERR_PARSE, NULL},
		{"", 0, ""},		    {"%C3%A9", 2, "\xc3\xa9"},
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		int rc = url_decode(cases[i].in, strlen(cases[i].in), out, sizeof(out));

		assert_int_equal(rc, cases[i].rc);
		if (rc >= 0)
			assert_string_equal(out, cases[i].out);
	}
	assert_int_equal(url_decode("abcdef", 6, out, 4), SL_ERR_RANGE);
}

static void test_url_path_len(void **state)
{
	(void)state;
	assert_int_equal(url_path_len("/images?camera=helios&limit=5"), 7);
	assert_int_equal(url_path_len("/status"), 7);
	assert_int_equal(url_path_len("/a#frag?x=1"), 2);
	assert_int_equal(url_path_len("/a?x=1#frag"), 2);
}

/* --- Range ------------------------------------------------------------------------ */

static void test_range_parse(void **state)
{
	static const struct {
		const char *header;
		uint64_t size;
		int rc;
		uint64_t first, last;
	} cases[] = {
		{"bytes=0-99", 1000, SL_OK, 0, 99},
		{"bytes=100-", 1000, SL_OK, 100, 999},
		{"bytes=-100", 1000, SL_OK, 900, 999},
		{"bytes=-5000", 1000, SL_OK, 0, 999},
		{"bytes=0-5000", 1000, SL_OK, 0, 999},
		{"bytes=999-999", 1000, SL_OK, 999, 999},
		{" bytes = 5-9 ", 1000, SL_OK, 5, 9},
		{"BYTES=0-0", 10, SL_OK, 0, 0},
		{"bytes=1000-", 1000, SL_ERR_RANGE, 0, 0},
		{"bytes=5000-6000", 1000, SL_ERR_RANGE, 0, 0},
		{"bytes=-0", 1000, SL_ERR_RANGE, 0, 0},
		{"bytes=0-", 0, SL_ERR_RANGE, 0, 0},
		{"bytes=9-5", 1000, SL_ERR_NOTFOUND, 0, 0},
		{"bytes=0-1,5-6", 1000, SL_ERR_NOTFOUND, 0, 0},
		{"bytes=a-b", 1000, SL_ERR_NOTFOUND, 0, 0},
		{"items=0-5", 1000, SL_ERR_NOTFOUND, 0, 0},
		{"bytes=", 1000, SL_ERR_NOTFOUND, 0, 0},
		{"bytes=-", 1000, SL_ERR_NOTFOUND, 0, 0},
		{"bytes=99999999999999999999999-", 1000, SL_ERR_NOTFOUND, 0, 0},
		{NULL, 1000, SL_ERR_NOTFOUND, 0, 0},
	};
	struct byte_range r;

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		int rc = range_parse(cases[i].header, cases[i].size, &r);

		if (rc != cases[i].rc)
			fail_msg("'%s' (%llu bytes): rc %d, want %d",
				 cases[i].header ? cases[i].header : "(null)",
				 (unsigned long long)cases[i].size, rc, cases[i].rc);
		if (rc == SL_OK) {
			assert_int_equal(r.first, cases[i].first);
			assert_int_equal(r.last, cases[i].last);
		}
	}
}

/* --- token and CORS -------------------------------------------------------------- */

static void test_auth_bearer(void **state)
{
	static const struct {
		const char *token, *header;
		bool ok;
	} cases[] = {
		{"", NULL, true},
		{NULL, "anything", true},
		{"s3cret", NULL, false},
		{"s3cret", "Bearer s3cret", true},
		{"s3cret", "bearer s3cret", true},
		{"s3cret", "Bearer  s3cret ", true},
		{"s3cret", "Bearer s3cre", false},
		{"s3cret", "Bearer s3cret2", false},
		{"s3cret", "Bearer S3CRET", false},
		{"s3cret", "Basic s3cret", false},
		{"s3cret", "Bearers3cret", false},
		{"s3cret", "Bearer s3cret extra", false},
		{"s3cret", "Bearer ", false},
		{"s3cret", "s3cret", false},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		if (auth_bearer_ok(cases[i].token, cases[i].header) != cases[i].ok)
			fail_msg("token '%s', header '%s': want %d", cases[i].token,
				 cases[i].header ? cases[i].header : "(null)", cases[i].ok);
	assert_false(auth_method_needs_token(HTTP_GET));
	assert_false(auth_method_needs_token(HTTP_HEAD));
	assert_false(auth_method_needs_token(HTTP_OPTIONS));
	assert_true(auth_method_needs_token(HTTP_POST));
	assert_true(auth_method_needs_token(HTTP_DELETE));
	assert_true(auth_method_needs_token(HTTP_OTHER));
}

static void test_cors(void **state)
{
	struct cors_policy p;

	(void)state;
	assert_int_equal(cors_parse(NULL, &p), SL_OK);
	assert_true(p.any);
	assert_string_equal(cors_allow_origin(&p, "http://x"), "*");
	assert_string_equal(cors_allow_origin(&p, NULL), "*");
	assert_int_equal(cors_parse(" * ", &p), SL_OK);
	assert_true(p.any);
	assert_int_equal(cors_parse("http://192.168.0.51:3000, https://sky.example/", &p), SL_OK);
	assert_false(p.any);
	assert_int_equal(p.count, 2);
	assert_string_equal(cors_allow_origin(&p, "http://192.168.0.51:3000"),
			    "http://192.168.0.51:3000");
	assert_string_equal(cors_allow_origin(&p, "https://sky.example"), "https://sky.example");
	assert_null(cors_allow_origin(&p, "https://evil.example"));
	assert_null(cors_allow_origin(&p, NULL));
	assert_int_equal(cors_parse("ftp://x", &p), SL_ERR_INVAL);
	assert_int_equal(cors_parse("http://a/b", &p), SL_ERR_INVAL);
	assert_int_equal(cors_parse("helios.local", &p), SL_ERR_INVAL);
}

/* --- the retained-state cache --------------------------------------------------------- */

static enum state_kind apply(struct bridge_state *st, const char *topic, const char *payload)
{
	struct state_change ch;
	enum state_kind k;

	assert_int_equal(state_apply(st, "sky", topic, payload, strlen(payload), &ch), SL_OK);
	k = ch.kind;
	state_change_clear(&ch);
	return k;
}

static void test_state_cameras(void **state)
{
	struct bridge_state st;
	struct state_change ch;
	const char *ann = "{\"camera\":\"helios\",\"profile\":\"a\","
			  "\"path\":\"profile-a/2026-11-27/capture_20261127_013547_123.jpg\"}";
	json_t *cam;
	uint64_t v0;

	(void)state;
	assert_int_equal(state_init(&st), SL_OK);
	v0 = st.version;
	assert_int_equal(apply(&st, "sky/helios/availability", "online"), STATE_CAMERA);
	assert_true(state_camera_known(&st, "helios"));
	assert_true(st.version > v0);
	/* the edge broker's link lost: offline, whatever the agent said last */
	assert_int_equal(apply(&st, "sky/helios/edge", "0"), STATE_CAMERA);
	assert_string_equal(jstr(state_camera(&st, "helios"), "availability"), "offline");
	assert_int_equal(apply(&st, "sky/helios/edge", "1"), STATE_CAMERA);
	assert_string_equal(jstr(state_camera(&st, "helios"), "availability"), "offline");
	assert_int_equal(apply(&st, "sky/helios/availability", "online"), STATE_CAMERA);
	assert_string_equal(jstr(state_camera(&st, "helios"), "availability"), "online");
	assert_int_equal(apply(&st, "sky/helios/status", "{\"state\":\"idle\"}"), STATE_CAMERA);
	cam = state_camera(&st, "helios");
	assert_string_equal(jstr(json_object_get(cam, "status"), "state"), "idle");
	/* a status that is not an object is not kept */
	assert_int_equal(apply(&st, "sky/helios/status", "[1]"), STATE_NONE);
	assert_int_equal(state_apply(&st, "sky", "sky/helios/frames", ann, strlen(ann), &ch),
			 SL_OK);
	assert_int_equal(ch.kind, STATE_FRAME);
	assert_string_equal(jstr(ch.data, "path"),
			    "helios/profile-a/2026-11-27/capture_20261127_013547_123.jpg");
	assert_string_equal(jstr(ch.data, "url"),
			    "/images/helios/profile-a/2026-11-27/capture_20261127_013547_123.jpg");
	assert_string_equal(jstr(ch.data, "camera_path"),
			    "profile-a/2026-11-27/capture_20261127_013547_123.jpg");
	state_change_clear(&ch);
	assert_non_null(json_object_get(json_object_get(cam, "last_frames"), "a"));
	assert_int_equal(apply(&st, "sky/helios/capture/response",
			       "{\"request_id\":\"r1\",\"status\":\"ok\"}"),
			 STATE_CAPTURE_RESPONSE);
	assert_int_equal(apply(&st, "sky/helios/capture/request", "{}"), STATE_NONE);
	assert_int_equal(apply(&st, "other/helios/status", "{}"), STATE_NONE);
	assert_int_equal(apply(&st, "sky/Bad/status", "{}"), STATE_NONE);
	/* retained messages cleared: the camera goes */
	assert_int_equal(apply(&st, "sky/helios/availability", ""), STATE_CAMERA);
	assert_true(state_camera_known(&st, "helios"));
	assert_int_equal(apply(&st, "sky/helios/status", ""), STATE_CAMERA);
	assert_false(state_camera_known(&st, "helios"));
	/* previews are bytes */
	assert_int_equal(state_apply(&st, "sky", "sky/helios/preview", "\xff\xd8\xff", 3, &ch),
			 SL_OK);
	assert_int_equal(ch.kind, STATE_PREVIEW);
	assert_non_null(state_preview(&st, "helios"));
	assert_int_equal(state_preview(&st, "helios")->len, 3);
	assert_int_equal(state_apply(&st, "sky", "sky/helios/preview", "", 0, &ch), SL_OK);
	assert_null(state_preview(&st, "helios"));
	state_free(&st);
}

static void test_state_server_topics(void **state)
{
	struct bridge_state st;
	json_t *be;

	(void)state;
	assert_int_equal(state_init(&st), SL_OK);
	assert_int_equal(apply(&st, "sky/backend/dagon/availability", "online"), STATE_BACKEND);
	assert_int_equal(apply(&st, "sky/backend/dagon/status", "{\"is_daytime\":true}"),
			 STATE_BACKEND);
	assert_int_equal(apply(&st, "sky/backend/dagon/schedules/sunrise/state", "OFF"),
			 STATE_BACKEND);
	be = json_object_get(st.backends, "dagon");
	assert_string_equal(jstr(json_object_get(be, "schedules"), "sunrise"), "OFF");
	assert_int_equal(apply(&st, "sky/backend/dagon/capture/request", "{}"), STATE_NONE);
	assert_int_equal(apply(&st, "sky/encoder/jobs/j1", "{\"state\":\"running\"}"), STATE_JOB);
	assert_string_equal(jstr(json_object_get(st.jobs, "j1"), "job_id"), "j1");
	assert_int_equal(apply(&st, "sky/encoder/jobs/j1/cancel", "{}"), STATE_NONE);
	assert_int_equal(apply(&st, "sky/encoder/jobs", "{\"camera\":\"x\"}"), STATE_NONE);
	assert_int_equal(apply(&st, "sky/encoder/w1/availability", "online"), STATE_WORKER);
	assert_string_equal(jstr(json_object_get(st.workers, "w1"), "availability"), "online");
	assert_int_equal(apply(&st, "sky/encoder/w1/status", "{\"running\":2}"), STATE_WORKER);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(json_object_get(st.workers, "w1"), "status"), "running")),
			 2);
	assert_int_equal(apply(&st, "sky/encoder/w1/other", "{}"), STATE_NONE);
	assert_int_equal(apply(&st, "sky/encoder/w1/status", ""), STATE_WORKER);
	assert_int_equal(apply(&st, "sky/encoder/w1/availability", ""), STATE_WORKER);
	assert_null(json_object_get(st.workers, "w1")); /* both gone: the worker too */
	assert_int_equal(apply(&st, "sky/transfer/status", "{\"files\":3}"), STATE_TRANSFER);
	assert_int_equal(json_integer_value(json_object_get(st.transfer, "files")), 3);
	assert_int_equal(apply(&st, "sky/transfer/availability", "online"), STATE_TRANSFER);
	assert_string_equal(json_string_value(st.transfer_availability), "online");
	assert_int_equal(json_integer_value(json_object_get(st.transfer, "files")), 3);
	/* a job the bridge sent stays through a reconnect, the rest goes */
	assert_int_equal(state_job_local(&st, "mine", json_pack("{s:s}", "state", "queued")),
			 SL_OK);
	state_clear_retained(&st);
	assert_null(json_object_get(st.jobs, "j1"));
	assert_non_null(json_object_get(st.jobs, "mine"));
	assert_int_equal(json_object_size(st.backends), 0);
	/* the encoder's word replaces the bridge's */
	assert_int_equal(apply(&st, "sky/encoder/jobs/mine", "{\"state\":\"done\"}"), STATE_JOB);
	assert_null(json_object_get(json_object_get(st.jobs, "mine"), "source"));
	assert_int_equal(apply(&st, "sky/encoder/jobs/mine", ""), STATE_JOB);
	assert_null(json_object_get(st.jobs, "mine"));
	state_free(&st);
}

/* --- the /system report ------------------------------------------------------ */

static json_t *find_line(json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(json_object_get(v, key));

		if (s && strcmp(s, val) == 0)
			return v;
	}
	return NULL;
}

static void test_system_report(void **state)
{
	struct bridge_state st;
	struct system_disk disks[] = {{"images", "/srv/images", true, 2, 100},
				      {"timelapses", "/srv/tl", false, 0, 0}};
	struct system_self self = {"dagon", "1.2.3", "mqtt://b:1883", "", true, 42, disks, 2, 5.0};
	json_t *r, *cam, *d, *errs;

	(void)state;
	assert_int_equal(state_init(&st), SL_OK);
	apply(&st, "sky/zeta/availability", "offline");
	apply(&st, "sky/alpha/availability", "online");
	apply(&st, "sky/alpha/status",
	      "{\"version\":\"1.2.3\",\"state\":\"error\",\"last_error\":\"sensor gone\","
	      "\"last_error_at\":\"2026-12-06T10:00:00.000Z\",\"disk_low\":true,"
	      "\"disk\":{\"free_bytes\":1,\"total_bytes\":100,\"free_pct\":1.0}}");
	apply(&st, "sky/backend/dagon/availability", "online");
	apply(&st, "sky/backend/dagon/status", "{\"version\":\"1.2.3\",\"config_error\":\"bad\"}");
	apply(&st, "sky/encoder/w1/availability", "online");
	apply(&st, "sky/encoder/w1/status",
	      "{\"running\":1,\"queued\":2,\"last_error\":\"no frames\",\"error_kind\":"
	      "\"not_found\",\"last_error_at\":\"2026-12-06T12:00:00-06:00\"}");
	apply(&st, "sky/encoder/jobs/j1", "{\"state\":\"queued\"}");
	apply(&st, "sky/encoder/jobs/j2", "{\"state\":\"running\"}");
	apply(&st, "sky/encoder/jobs/j3", "{\"state\":\"done\"}");
	apply(&st, "sky/transfer/status", "{\"backlog\":7,\"state\":\"idle\"}");

	r = system_report(&st, &self);
	assert_non_null(r);
	assert_true(json_is_true(json_object_get(json_object_get(r, "broker"), "connected")));
	/* bridge, scheduler, cameras by id, encoder, transfer */
	assert_int_equal(json_array_size(json_object_get(r, "agents")), 6);
	assert_string_equal(jstr(json_array_get(json_object_get(r, "agents"), 2), "id"), "alpha");
	cam = find_line(json_object_get(r, "agents"), "id", "alpha");
	assert_string_equal(jstr(cam, "version"), "1.2.3");
	/* the transfer said no availability: null, not missing */
	assert_true(json_is_null(json_object_get(
	    find_line(json_object_get(r, "agents"), "kind", "transfer"), "availability")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "summary"), "offline")),
			 1);
	d = find_line(json_object_get(r, "disks"), "id", "alpha");
	assert_true(json_is_true(json_object_get(d, "low")));
	d = find_line(json_object_get(r, "disks"), "id", "images");
	assert_string_equal(jstr(d, "where"), "server");
	assert_true(json_is_true(json_object_get(d, "low"))); /* 2 % < 5 % */
	d = find_line(json_object_get(r, "disks"), "id", "timelapses");
	assert_true(json_is_null(json_object_get(d, "free_pct")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "encoder"), "queued")),
			 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "encoder"), "running")),
			 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "transfer"), "backlog")),
			 7);
	/* newest first whatever the offset (18:00Z before 10:00Z), undated last */
	errs = json_object_get(r, "errors");
	assert_int_equal(json_array_size(errs), 3);
	assert_string_equal(jstr(json_array_get(errs, 0), "id"), "w1");
	assert_string_equal(jstr(json_array_get(errs, 1), "id"), "alpha");
	assert_string_equal(jstr(json_array_get(errs, 2), "error_kind"), "invalid");
	json_decref(r);
	state_free(&st);
}

static void test_frame_server_path(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(frame_server_path("helios", "profile-a/x.jpg", out, sizeof(out)), SL_OK);
	assert_string_equal(out, "helios/profile-a/x.jpg");
	assert_int_equal(frame_server_path("helios", "helios/profile-a/x.jpg", out, sizeof(out)),
			 SL_OK);
	assert_string_equal(out, "helios/profile-a/x.jpg");
	assert_int_equal(frame_server_path("helios", "heliosx/a.jpg", out, sizeof(out)), SL_OK);
	assert_string_equal(out, "helios/heliosx/a.jpg");
	assert_int_equal(frame_server_path("helios", "profile-a/x.jpg", out, 8), SL_ERR_RANGE);
}

/* --- sky figures from the seed guide's configuration ---------------------------------- */

static const char seed_config[] =
	"{\"schedules\": {"
	"\"sunrise\": {\"enabled\": true, \"type\": \"solar_relative\", \"anchor\": \"sunrise\","
	" \"offset_minutes\": -30, \"duration_minutes\": 60, \"interval_seconds\": 5,"
	" \"profile\": \"D\"},"
	"\"all_day\": {\"enabled\": true, \"type\": \"time_of_day\", \"start_time\": \"06:30\","
	" \"end_time\": \"21:30\", \"interval_seconds\": 5, \"profile\": \"A\"}},"
	"\"location\": {\"latitude\": 39.6333, \"longitude\": -105.3167,"
	" \"timezone\": \"America/Denver\"}}";

/* The status from a cache of its own, as on the bridge's first request. */
static json_t *fresh_status(const struct config *c, int64_t now_ms, const json_t *states)
{
	struct sky_cache *sc = sky_cache_new();
	json_t *out = sc ? sky_status_cached(sc, c, now_ms, states) : NULL;

	sky_cache_free(&sc);
	return out;
}

static void test_sky_status(void **state)
{
	struct config_problems probs;
	struct config c;
	struct local_date d;
	int64_t noon, night;
	json_t *st, *active, *scheds;

	(void)state;
	assert_int_equal(test_config_load(&c, seed_config, &probs), SL_OK);
	assert_int_equal(time_set_zone("America/Denver"), SL_OK);
	/* 2026-06-21 12:00 and 23:00 local (MDT, -06:00) */
	assert_int_equal(time_parse_iso("2026-06-21T12:00:00-06:00", &noon), SL_OK);
	assert_int_equal(time_parse_iso("2026-06-21T23:00:00-06:00", &night), SL_OK);
	st = fresh_status(&c, noon, NULL);
	assert_non_null(st);
	assert_true(json_is_true(json_object_get(st, "is_daytime")));
	active = json_object_get(st, "active_schedules");
	assert_int_equal(json_array_size(active), 1);
	assert_string_equal(json_string_value(json_array_get(active, 0)), "all_day");
	assert_non_null(json_object_get(json_object_get(st, "sun_times"), "sunrise"));
	assert_string_equal(jstr(st, "timezone"), "America/Denver");
	json_decref(st);
	st = fresh_status(&c, night, NULL);
	assert_false(json_is_true(json_object_get(st, "is_daytime")));
	assert_int_equal(json_array_size(json_object_get(st, "active_schedules")), 0);
	json_decref(st);
	/* switched OFF by the scheduler: not active */
	{
		json_t *switches = json_pack("{s:s}", "all_day", "OFF");

		st = fresh_status(&c, noon, switches);
		assert_int_equal(json_array_size(json_object_get(st, "active_schedules")), 0);
		json_decref(st);
		json_decref(switches);
	}
	/* /schedules for a date: windows in local time */
	assert_int_equal(sky_date_parse("2026-06-21", noon, &d), SL_OK);
	scheds = sky_schedules(&c, &d, noon, NULL);
	assert_int_equal(json_array_size(scheds), 2);
	assert_string_equal(jstr(json_object_get(json_array_get(scheds, 1), "window"), "start"),
			    "2026-06-21T06:30:00-06:00");
	json_decref(scheds);
	assert_int_equal(sky_date_parse("2026-02-30", noon, &d), SL_ERR_PARSE);
	assert_int_equal(sky_date_parse("yesterday", noon, &d), SL_ERR_PARSE);
	assert_int_equal(sky_date_parse(NULL, noon, &d), SL_OK);
	assert_int_equal(d.day, 21);
	config_free(&c);
}

/* The cache /status uses gives what a fresh computation gives, at every
 * half hour of two days (windows opening and closing, midnight). */
static void test_sky_cache_agrees(void **state)
{
	struct config_problems probs;
	struct config c;
	struct sky_cache *sc = sky_cache_new();
	int64_t t0;

	(void)state;
	assert_non_null(sc);
	assert_int_equal(test_config_load(&c, seed_config, &probs), SL_OK);
	assert_int_equal(time_set_zone("America/Denver"), SL_OK);
	assert_int_equal(time_parse_iso("2026-06-21T00:10:00-06:00", &t0), SL_OK);
	for (int64_t t = t0; t < t0 + 48 * 3600000LL; t += 1800000) {
		json_t *a = sky_status_cached(sc, &c, t, NULL), *b = fresh_status(&c, t, NULL);

		assert_non_null(a);
		assert_true(json_equal(a, b));
		json_decref(a);
		json_decref(b);
	}
	sky_cache_free(&sc);
	assert_null(sc);
	config_free(&c);
}

/* --- the HTTP status of a result ------------------------------------------- */

static void test_result_http_status(void **state)
{
	static const struct {
		const char *json;
		unsigned status;
	} cases[] = {
		{"{\"status\":\"ok\",\"frames\":[]}", 200},
		{"{\"status\":\"error\",\"error_kind\":\"denied\"}", 403},
		{"{\"status\":\"error\",\"error_kind\":\"invalid\"}", 400},
		{"{\"status\":\"error\",\"error_kind\":\"not_found\"}", 400},
		{"{\"status\":\"error\",\"error_kind\":\"too_big\"}", 413},
		{"{\"status\":\"error\",\"error_kind\":\"busy\"}", 503},
		{"{\"status\":\"error\",\"error_kind\":\"timeout\"}", 504},
		{"{\"status\":\"error\",\"error_kind\":\"camera\"}", 502},
		{"{\"status\":\"error\",\"error_kind\":\"no_space\"}", 502},
		{"{\"status\":\"error\",\"error_kind\":\"io\"}", 502},
		{"{\"status\":\"error\",\"error_kind\":\"internal\"}", 502},
		{"{\"status\":\"error\",\"error_kind\":\"martian\"}", 502},
		{"{\"status\":\"error\",\"error_kind\":7}", 502},
		{"{\"status\":\"error\"}", 502},
		/* the sentence decides nothing */
		{"{\"status\":\"error\",\"error\":\"Backend not authorized: x\"}", 502},
		{"{\"status\":\"error\",\"error\":\"'a' must be\",\"error_kind\":\"camera\"}",
		 502},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		json_t *r = jparse(cases[i].json);

		if (result_http_status(r) != cases[i].status)
			fail_msg("%s: %u, not %u", cases[i].json, result_http_status(r),
				 cases[i].status);
		json_decref(r);
	}
}

/* The bridge's own settings: defaults, environment, flag; bad ports refused. */
static void test_settings(void **state)
{
	struct cli cli = {.config_path = SOURCE_ROOT "/config/config.json"};
	struct bridge_settings s, old;
	struct config c;

	(void)state;
	unsetenv("API_TOKEN");
	unsetenv("FRONTEND_PORT");
	setenv("BACKEND_PORT", "9000", 1);
	assert_int_equal(cli_load_config(&cli, "t", &c, bridge_settings_load, &s), 0);
	assert_int_equal(s.backend_port, 9000);
	assert_int_equal(s.frontend_port, 3000);
	assert_string_equal(s.api_token, "");
	assert_string_equal(s.dashboard_dir, "");
	config_free(&c);
	old = s;
	cli_flag(&cli, "BACKEND_PORT", "9100");
	setenv("API_TOKEN", "sesame", 1);
	setenv("DASHBOARD_DIR", "/env/dashboard", 1);
	cli_flag(&cli, "DASHBOARD_DIR", "/flag/dashboard");
	assert_int_equal(cli_load_config(&cli, "t", &c, bridge_settings_load, &s), 0);
	assert_int_equal(s.backend_port, 9100);
	assert_string_equal(s.api_token, "sesame");
	assert_string_equal(s.dashboard_dir, "/flag/dashboard");
	/* a new token applies live; a new port or dashboard needs a restart */
	assert_int_equal(bridge_settings_restart_needed(&old, &s), 2);
	config_free(&c);
	/* CORS origins: a list, and a bad one refused like any bad setting */
	setenv("CORS_ORIGINS", "http://ok.example, https://sky.example", 1);
	assert_int_equal(cli_load_config(&cli, "t", &c, bridge_settings_load, &s), 0);
	assert_false(s.cors.any);
	assert_int_equal(s.cors.count, 2);
	config_free(&c);
	setenv("CORS_ORIGINS", "ftp://nope", 1);
	assert_int_equal(cli_load_config(&cli, "t", &c, bridge_settings_load, &s), 1);
	config_free(&c);
	unsetenv("CORS_ORIGINS");
	assert_int_equal(cli_load_config(&cli, "t", &c, bridge_settings_load, &s), 0);
	assert_true(s.cors.any);
	config_free(&c);
	cli_flag(&cli, "BACKEND_PORT", "99999");
	assert_int_equal(cli_load_config(&cli, "t", &c, bridge_settings_load, &s), 1);
	config_free(&c);
	unsetenv("API_TOKEN");
	unsetenv("BACKEND_PORT");
	unsetenv("DASHBOARD_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_router_table),
		cmocka_unit_test(test_router_405_allow),
		cmocka_unit_test(test_router_small_buffer),
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_url_path_len),
		cmocka_unit_test(test_range_parse),
		cmocka_unit_test(test_auth_bearer),
		cmocka_unit_test(test_cors),
		cmocka_unit_test(test_state_cameras),
		cmocka_unit_test(test_state_server_topics),
		cmocka_unit_test(test_system_report),
		cmocka_unit_test(test_frame_server_path),
		cmocka_unit_test(test_sky_status),
		cmocka_unit_test(test_sky_cache_agrees),
		cmocka_unit_test(test_result_http_status),
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
