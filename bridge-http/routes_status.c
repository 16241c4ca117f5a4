/* routes_status.c - /health, /status, /schedules, /sun, /cameras, /system.
 *
 * /status prefers the scheduler's retained backend status (SPEC 4) when
 * that backend is online, and otherwise computes the same figures from the
 * configuration (sky.h) in the same shape (schema/backend-status.json), so
 * `curl :8082/status | jq .active_schedules` answers with or without a
 * scheduler. Each camera's availability and status are added under
 * "camera_status". Its body is kept ready in memory
 * and rebuilt only when the state changes or the second turns: it is the
 * route dashboards and monitors poll.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "http.h"
#include "jsonx.h"
#include "routes.h"
#include "sky.h"
#include "sse.h"
#include "system.h"
#include "timeutil.h"

/* The most cameras one GET /cameras answers (its largest ?limit=). */
#define CAMERAS_LIMIT_MAX 10000
/* A server folder with less free space than this is shown as low, the
 * capture agent's default minimum (capture.min_free_pct). */
#define SERVER_DISK_LOW_PCT 5.0

static json_t *backend_entry(const struct bridge *b)
{
	return json_object_get(b->state.backends, b->cfg.backend_name);
}

static json_t *schedule_states(const struct bridge *b)
{
	return json_object_get(backend_entry(b), "schedules");
}

/* {"helios": {"availability", "status"}, ...} */
static json_t *cameras_brief(const struct bridge *b)
{
	json_t *out = json_object(), *cam;
	const char *id;

	json_object_foreach(b->state.cameras, id, cam)
		if (state_camera_known(&b->state, id))
			json_object_set_new(out, id,
					    json_pack("{s:O?, s:O?}", "availability",
						      json_object_get(cam, "availability"), "status",
						      json_object_get(cam, "status")));
	return out;
}

/* "ok" (200); "starting" until the retained state is in, "degraded" while
 * the broker is away (503). */
static const char *health(const struct bridge *b, unsigned *code)
{
	bool ready = bridge_state_ready(b) && b->was_synced;

	*code = bridge_broker_up(b) && ready ? 200 : 503;
	return *code == 200 ? "ok" : b->was_synced ? "degraded" : "starting";
}

int route_health(struct bridge *b, struct request *rq)
{
	bool up = bridge_broker_up(b);
	unsigned code;
	const char *status = health(b, &code);
	json_t *cams = json_object(), *cam;
	const char *id;

	json_object_foreach(b->state.cameras, id, cam)
		if (state_camera_known(&b->state, id))
			json_object_set(cams, id, json_object_get(cam, "availability")
							  ? json_object_get(cam, "availability")
							  : json_null());
	return http_reply_json(
		rq, code,
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:I, s:I, s:s?}", "status", status,
			  "mqtt", up ? "connected" : "disconnected", "broker",
			  mqtt_session_url(b->mqtt), "backend_name", b->cfg.backend_name, "version",
			  SKYLAPSE_VERSION, "uptime_seconds",
			  (json_int_t)((time_now_ms() - b->started_ms) / 1000), "cameras", cams,
			  "events_clients", (json_int_t)sse_clients(b->sse), "http_connections",
			  (json_int_t)http_connections(b->http), "config_error",
			  b->config_error[0] ? b->config_error : NULL));
}

/* SPEC 4's "cameras" of a backend status, for a status the bridge computes:
 * [{id, online, authorized, error}] from what the cameras retained. */
static json_t *cameras_list(const struct bridge *b)
{
	json_t *out = json_array(), *cam;
	const char *id;

	json_object_foreach(b->state.cameras, id, cam) {
		const char *av = json_string_value(json_object_get(cam, "availability"));

		if (!state_camera_known(&b->state, id))
			continue;
		json_array_append_new(
		    out, json_pack("{s:s, s:o, s:n, s:n, s:n}", "id", id, "online",
				   av ? json_boolean(strcmp(av, "online") == 0) : json_null(),
				   "authorized", "error", "error_kind"));
	}
	return out;
}

static json_t *build_status(struct bridge *b, int64_t now)
{
	json_t *be = backend_entry(b);
	const char *avail = json_string_value(json_object_get(be, "availability"));
	json_t *theirs = json_object_get(be, "status");
	char now_iso[TIME_ISO_MAX];
	json_t *st, *sun;

	if (avail && strcmp(avail, "online") == 0 && json_is_object(theirs)) {
		st = json_deep_copy(theirs);
		json_object_set_new(st, "source", json_string("scheduler"));
	} else {
		if (b->sky == NULL)
			b->sky = sky_cache_new();
		st = b->sky ? sky_status_cached(b->sky, &b->cfg, now, schedule_states(b)) : NULL;
		if (st) {
			json_object_set_new(st, "source", json_string("bridge"));
			json_object_set_new(st, "cameras", cameras_list(b));
		}
	}
	if (st == NULL)
		return NULL;
	sun = json_object_get(st, "sun");
	if (json_object_get(st, "sun_times") == NULL && json_is_object(sun))
		json_object_set_new(st, "sun_times",
				    json_pack("{s:O?, s:O?}", "sunrise", json_object_get(sun, "sunrise"),
					      "sunset", json_object_get(sun, "sunset")));
	/* the scheduler publishes on changes and once a minute: the time is
	 * the bridge's own, so it is always now */
	time_format_local(now, now_iso);
	json_object_set_new(st, "current_time", json_string(now_iso));
	json_object_set_new(st, "backend_name", json_string(b->cfg.backend_name));
	json_object_set_new(st, "backend_availability", json_string(avail ? avail : "unknown"));
	json_object_set_new(st, "mqtt",
			    json_string(bridge_broker_up(b) ? "connected" : "disconnected"));
	json_object_set_new(st, "camera_status", cameras_brief(b));
	if (json_is_object(b->state.transfer))
		json_object_set(st, "transfer", b->state.transfer);
	return st;
}

int route_status(struct bridge *b, struct request *rq)
{
	int64_t now = time_now_ms();
	json_t *st;
	char *text;

	if (b->status_cache == NULL || b->status_cache_version != b->state.version ||
	    b->status_cache_second != now / 1000) {
		st = build_status(b, now);
		text = st ? jx_dump(st) : NULL;
		json_decref(st);
		if (text == NULL)
			return http_reply_error(rq, 500, SL_ERR_NOMEM, "out of memory");
		http_cached_free(&b->status_cache);
		b->status_cache = http_cached_new(b->http, 200, "application/json", text,
						  strlen(text));
		free(text);
		if (b->status_cache == NULL)
			return http_reply_error(rq, 500, SL_ERR_NOMEM, "out of memory");
		b->status_cache_version = b->state.version;
		b->status_cache_second = now / 1000;
	}
	return http_reply_cached(rq, b->status_cache);
}

static int date_param(struct bridge *b, struct request *rq, struct local_date *d)
{
	char buf[16];
	int rc = query_str(rq, "date", buf, sizeof(buf));

	(void)b;
	if (rc == SL_ERR_INVAL)
		return rc;
	if (sky_date_parse(rc == SL_OK ? buf : NULL, time_now_ms(), d) != SL_OK) {
		http_reply_error(rq, 400, SL_ERR_INVAL,
				 "query parameter 'date' must be a date YYYY-MM-DD");
		return SL_ERR_INVAL;
	}
	return SL_OK;
}

int route_schedules(struct bridge *b, struct request *rq)
{
	struct local_date d;
	char date[16];

	if (date_param(b, rq, &d))
		return SL_OK;
	snprintf(date, sizeof(date), "%04d-%02d-%02d", d.year % 10000, d.month % 100,
		 d.day % 100);
	return http_reply_json(rq, 200,
			       json_pack("{s:s, s:s, s:o}", "date", date, "timezone",
					 b->cfg.timezone, "schedules",
					 sky_schedules(&b->cfg, &d, time_now_ms(),
						       schedule_states(b))));
}

int route_sun(struct bridge *b, struct request *rq)
{
	struct local_date d;

	if (date_param(b, rq, &d))
		return SL_OK;
	return http_reply_json(rq, 200, sky_sun_day(&b->cfg, &d));
}

/* The REST view of a camera entry: a copy with links. New reference. */
static json_t *camera_view(struct bridge *b, const char *id, json_t *entry, bool with_plan)
{
	json_t *v = json_object();
	char url[128];
	static const char *keys[] = {"availability", "status", "last_frame", "last_frames"};

	json_object_set_new(v, "camera", json_string(id));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *x = json_object_get(entry, keys[i]);

		json_object_set(v, keys[i], x ? x : json_null());
	}
	if (with_plan) {
		json_t *plan = json_object_get(entry, "plan");

		json_object_set(v, "plan", plan ? plan : json_null());
	}
	snprintf(url, sizeof(url), "/cameras/%s/latest.jpg", id);
	json_object_set_new(v, "latest_url", json_string(url));
	if (state_preview(&b->state, id)) {
		snprintf(url, sizeof(url), "/cameras/%s/preview.jpg", id);
		json_object_set_new(v, "preview_url", json_string(url));
	} else {
		json_object_set_new(v, "preview_url", json_null());
	}
	return v;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ?limit=&offset= page through the cameras sorted by id; without them, all. */
int route_cameras(struct bridge *b, struct request *rq)
{
	json_t *list = json_array(), *entry;
	const char **ids = malloc((json_object_size(b->state.cameras) + 1) * sizeof(*ids));
	const char *id;
	long limit = CAMERAS_LIMIT_MAX, offset = 0;
	size_t n = 0;

	if (ids == NULL || list == NULL) {
		free(ids);
		json_decref(list);
		return http_reply_error(rq, 500, SL_ERR_NOMEM, "out of memory");
	}
	if (query_int(rq, "limit", 1, CAMERAS_LIMIT_MAX, &limit) ||
	    query_int(rq, "offset", 0, CAMERAS_LIMIT_MAX, &offset)) {
		free(ids);
		json_decref(list);
		return SL_OK;
	}
	json_object_foreach(b->state.cameras, id, entry)
		if (state_camera_known(&b->state, id))
			ids[n++] = id;
	qsort(ids, n, sizeof(*ids), cmp_id);
	for (size_t i = (size_t)offset; i < n && i < (size_t)(offset + limit); i++)
		json_array_append_new(list, camera_view(b, ids[i], state_camera(&b->state, ids[i]),
							false));
	free(ids);
	return http_reply_json(rq, 200,
			       json_pack("{s:o, s:I, s:I, s:I}", "cameras", list, "total",
					 (json_int_t)n, "limit", (json_int_t)limit, "offset",
					 (json_int_t)offset));
}

/* GET /system: system.h's report with the bridge's own figures. */
int route_system(struct bridge *b, struct request *rq)
{
	struct system_disk disks[2] = {{.id = "images", .path = b->images_dir},
				       {.id = "timelapses", .path = b->timelapses_dir}};
	struct system_self self = {
	    .backend_name = b->cfg.backend_name,
	    .version = SKYLAPSE_VERSION,
	    .broker_url = mqtt_session_url(b->mqtt),
	    .config_error = b->config_error,
	    .broker_up = bridge_broker_up(b),
	    .uptime_seconds = (time_now_ms() - b->started_ms) / 1000,
	    .disks = disks,
	    .ndisks = 2,
	    .disk_low_pct = SERVER_DISK_LOW_PCT,
	};
	json_t *report;

	for (int i = 0; i < self.ndisks; i++)
		disks[i].known = disk_space(disks[i].path, &disks[i].free_bytes,
					    &disks[i].total_bytes) == 0;
	report = system_report(&b->state, &self);
	if (report == NULL)
		return http_reply_error(rq, 500, SL_ERR_NOMEM, "out of memory");
	return http_reply_json(rq, 200, report);
}

int route_camera(struct bridge *b, struct request *rq)
{
	const char *id = req_param(rq, 0);

	if (!state_camera_known(&b->state, id))
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "unknown camera '%.64s'", id);
	return http_reply_json(rq, 200, camera_view(b, id, state_camera(&b->state, id), true));
}

/* --- Pi compatibility ------------------------------------------------------ */

int route_pi_status(struct bridge *b, struct request *rq)
{
	json_t *cam = state_camera(&b->state, b->camera);
	json_t *st = json_object_get(cam, "status");
	json_t *av = json_object_get(cam, "availability");
	json_t *out;

	if (!json_is_object(st))
		return http_reply_error(
		    rq, 503, SL_ERR_CAMERA, "camera '%s' has not reported its status yet%s",
		    b->camera, bridge_broker_up(b) ? "" : " (the broker is not connected)");
	out = json_deep_copy(st);
	json_object_set_new(out, "camera", json_string(b->camera));
	json_object_set(out, "availability", av ? av : json_null());
	json_object_set_new(out, "mqtt",
			    json_string(bridge_broker_up(b) ? "connected" : "disconnected"));
	return http_reply_json(rq, 200, out);
}

int route_pi_health(struct bridge *b, struct request *rq)
{
	bool up = bridge_broker_up(b);
	json_t *av = json_object_get(state_camera(&b->state, b->camera), "availability");
	unsigned code;
	const char *status = health(b, &code);

	return http_reply_json(rq, code,
			       json_pack("{s:s, s:s, s:s, s:O, s:s}", "status", status, "mqtt",
					 up ? "connected" : "disconnected", "camera", b->camera,
					 "availability", av ? av : json_null(), "version",
					 SKYLAPSE_VERSION));
}
