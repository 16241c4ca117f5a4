/* routes.c - the route tables, and the small helpers every handler uses to
 * read queries and bodies (answering 400 themselves on bad input).
 *
 * "/{path*}" serves the dashboard's files: a fallback, so it only gets
 * the paths no API route claims (a wrong method on an API path is a 405).
 */
#include "routes.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonx.h"
#include "sse.h"

const struct route bridge_routes[] = {
    {HTTP_GET, "/", route_index, "the dashboard", 0},
    {HTTP_GET, "/health", route_health, "liveness and broker connection", 0},
    {HTTP_GET, "/status", route_status, "backend status, sun, active schedules, cameras",
     ROUTE_STATE},
    {HTTP_GET | HTTP_PUT, "/config", route_config,
     "the configuration file; PUT checks, saves (keeping .prev) and applies it", ROUTE_TOKEN},
    {HTTP_GET, "/schedules", route_schedules, "schedules with their windows (?date=)", 0},
    {HTTP_GET, "/sun", route_sun, "sun times of a date (?date=)", 0},
    {HTTP_GET, "/cameras", route_cameras, "cameras seen on the broker, by id (?limit=&offset=)",
     ROUTE_STATE},
    {HTTP_GET, "/system", route_system,
     "system health: agents, versions, broker, disks, transfer, encoder queue, errors",
     ROUTE_STATE},
    {HTTP_GET, "/cameras/{id}", route_camera, "one camera", ROUTE_STATE},
    {HTTP_GET, "/cameras/{id}/latest.jpg", route_camera_latest, "the newest frame", ROUTE_STATE},
    {HTTP_GET, "/cameras/{id}/preview.jpg", route_camera_preview, "the retained preview",
     ROUTE_STATE},
    {HTTP_GET | HTTP_POST, "/cameras/{id}/focus", route_focus,
     "the focus aid's state and newest frame; POST starts, renews or stops it", ROUTE_STATE},
    {HTTP_GET, "/cameras/{id}/focus.jpg", route_focus_jpeg, "the newest focus crop", ROUTE_STATE},
    {HTTP_POST, "/capture", route_capture, "capture now", ROUTE_STATE},
    {HTTP_GET, "/images", route_images, "frames, newest first, with metadata", 0},
    {HTTP_GET, "/images/{path*}", route_image, "one frame (JPEG) or its sidecar (JSON)", 0},
    {HTTP_GET | HTTP_POST, "/timelapses", route_timelapses, "encode jobs and videos; new job",
     ROUTE_STATE},
    {HTTP_GET, "/timelapses/{id}", route_timelapse, "one job", ROUTE_STATE},
    {HTTP_GET, "/timelapses/{id}/video", route_timelapse_video, "the output (Range)", ROUTE_STATE},
    {HTTP_GET, "/timelapses/{id}/thumbnail.jpg", route_timelapse_thumbnail, "its thumbnail",
     ROUTE_STATE},
    {HTTP_POST, "/timelapses/{id}/cancel", route_timelapse_cancel, "cancel a job", ROUTE_STATE},
    {HTTP_GET, "/events", route_events, "Server-Sent Events", 0},
    {HTTP_GET, "/openapi.json", route_openapi, "this API, OpenAPI 3.1", 0},
    {HTTP_GET, "/{path*}", route_static, "the dashboard's files", ROUTE_FALLBACK},
};
const size_t bridge_nroutes = sizeof(bridge_routes) / sizeof(bridge_routes[0]);

const struct route pi_routes[] = {
    {HTTP_GET, "/status", route_pi_status, "the camera's status (earlier Pi API)", ROUTE_STATE},
    {HTTP_GET, "/health", route_pi_health, "liveness and broker connection", 0},
    {HTTP_POST, "/capture", route_capture, "capture, the request passed through as-is",
     ROUTE_STATE},
};
const size_t pi_nroutes = sizeof(pi_routes) / sizeof(pi_routes[0]);

int route_events(struct bridge *b, struct request *rq)
{
	return sse_attach(b->sse, rq);
}

int query_str(struct request *rq, const char *key, char *out, size_t outlen)
{
	int rc = req_query_arg(rq, key, out, outlen);

	if (rc == SL_ERR_PARSE) {
		http_reply_error(rq, 400, SL_ERR_INVAL, "query parameter '%s' holds an encoded NUL",
				 key);
		return SL_ERR_INVAL;
	}
	if (rc == SL_ERR_RANGE) {
		http_reply_error(rq, 400, SL_ERR_INVAL, "query parameter '%s' is too long", key);
		return SL_ERR_INVAL;
	}
	return rc;
}

int query_int(struct request *rq, const char *key, long lo, long hi, long *out)
{
	char buf[32], *end;
	long v;
	int rc = query_str(rq, key, buf, sizeof(buf));

	if (rc == SL_ERR_NOTFOUND)
		return SL_OK;
	if (rc)
		return rc;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (buf[0] == '\0' || *end || errno || v < lo || v > hi) {
		http_reply_error(rq, 400, SL_ERR_INVAL,
				 "query parameter '%s' must be an integer in %ld..%ld", key, lo,
				 hi);
		return SL_ERR_INVAL;
	}
	*out = v;
	return SL_OK;
}

int query_profile(struct request *rq, char *out)
{
	char buf[8];
	int rc = query_str(rq, "profile", buf, sizeof(buf));

	*out = 0;
	if (rc == SL_ERR_NOTFOUND || (rc == SL_OK && buf[0] == '\0'))
		return SL_OK;
	if (rc)
		return rc;
	if (strlen(buf) != 1 || !isalpha((unsigned char)buf[0])) {
		http_reply_error(rq, 400, SL_ERR_INVAL,
				 "query parameter 'profile' must be one letter (a..z)");
		return SL_ERR_INVAL;
	}
	*out = (char)tolower((unsigned char)buf[0]);
	return SL_OK;
}

int query_id(struct request *rq, const char *key, char out[ID_MAX + 1])
{
	char buf[ID_MAX + 2];
	int rc = query_str(rq, key, buf, sizeof(buf));

	out[0] = '\0';
	if (rc == SL_ERR_NOTFOUND || (rc == SL_OK && buf[0] == '\0'))
		return SL_OK;
	if (rc)
		return rc;
	if (!id_is_valid(buf)) {
		http_reply_error(rq, 400, SL_ERR_INVAL,
				 "query parameter '%s' must match [a-z0-9_-]{1,64}", key);
		return SL_ERR_INVAL;
	}
	memcpy(out, buf, strlen(buf) + 1);
	return SL_OK;
}

json_t *body_json(struct request *rq)
{
	char why[ERRMSG_MAX];
	size_t len;
	const char *body = req_body(rq, &len);
	json_t *v = jsonx_parse_object("body", body, len, HTTP_BODY_MAX, why);

	/* Any Content-Type is read as JSON: `curl -d` sends a form type by
	 * default, and refusing it would help nobody. */
	if (v == NULL)
		http_reply_error(rq, 400, SL_ERR_INVAL, "%s", why);
	return v;
}
