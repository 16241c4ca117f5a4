/* focus.c - the focus aid through the bridge: the cache of focus.h, then
 * its routes (routes.h): GET /cameras/{id}/focus, POST the same (start,
 * renew or stop, sent as R/<camera>/focus/request with this backend's
 * name), and GET /cameras/{id}/focus.jpg.
 */
#include "focus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "bridge.h"
#include "err.h"
#include "focus_request.h"
#include "jsonx.h"
#include "log.h"
#include "routes.h"
#include "topics.h"

const struct focus_view *focus_cache_get(const struct focus_cache *c, const char *camera)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->views[i].camera, camera) == 0)
			return &c->views[i];
	return NULL;
}

static struct focus_view *view_of(struct focus_cache *c, const char *camera)
{
	struct focus_view *v = (struct focus_view *)focus_cache_get(c, camera), *n;

	if (v)
		return v;
	n = realloc(c->views, (size_t)(c->n + 1) * sizeof(*n));
	if (n == NULL)
		return NULL;
	c->views = n;
	v = &n[c->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->camera, sizeof(v->camera), "%s", camera);
	return v;
}

/* The frame's JPEG decoded into the view, the frame kept without it. */
static int take_frame(struct focus_view *v, json_t *frame)
{
	const char *b64 = json_string_value(json_object_get(frame, "jpeg"));
	unsigned char *jpeg;
	char url[128];
	size_t len;
	int rc;

	if (b64 == NULL)
		return SL_ERR_PARSE;
	rc = base64_decode(b64, strlen(b64), &jpeg, &len);
	if (rc)
		return rc;
	json_object_del(frame, "jpeg");
	snprintf(url, sizeof(url), "/cameras/%s/focus.jpg?seq=%lld", v->camera,
		 (long long)json_integer_value(json_object_get(frame, "seq")));
	json_object_set_new(frame, "url", json_string(url));
	free(v->jpeg);
	v->jpeg = jpeg;
	v->len = len;
	json_decref(v->frame);
	v->frame = json_incref(frame);
	return SL_OK;
}

int focus_cache_apply(struct focus_cache *c, const char *root, const char *topic,
		      const void *payload, size_t len, json_t **event)
{
	char camera[ID_MAX + 1], why[ERRMSG_MAX];
	const char *rest = topic_split(topic, root, camera, sizeof(camera));
	bool is_frame;
	struct focus_view *v;
	json_t *obj;
	int rc;

	*event = NULL;
	if (rest == NULL || !id_is_valid(camera) ||
	    (strcmp(rest, "focus/state") != 0 && strcmp(rest, "focus/frame") != 0))
		return SL_OK;
	is_frame = strcmp(rest, "focus/frame") == 0;
	obj = jsonx_parse_object("payload", payload, len, FOCUS_FRAME_MAX, why);
	if (obj == NULL)
		return SL_OK; /* an empty state or a broken payload: nothing to show */
	v = view_of(c, camera);
	if (v == NULL) {
		json_decref(obj);
		return SL_ERR_NOMEM;
	}
	if (is_frame) {
		rc = take_frame(v, obj);
		if (rc) {
			json_decref(obj);
			return rc == SL_ERR_NOMEM ? rc : SL_OK;
		}
	} else {
		json_decref(v->state);
		v->state = json_incref(obj);
	}
	*event = json_pack("{s:s, s:o}", "camera", camera, is_frame ? "frame" : "state", obj);
	return *event ? SL_OK : SL_ERR_NOMEM;
}

void focus_cache_free(struct focus_cache *c)
{
	for (int i = 0; i < c->n; i++) {
		json_decref(c->views[i].state);
		json_decref(c->views[i].frame);
		free(c->views[i].jpeg);
	}
	free(c->views);
	c->views = NULL;
	c->n = 0;
}

/* --- routes ---------------------------------------------------------------- */

/* POST: the body checked as the camera will check it, sent with this
 * backend's name; 202 with what was sent (the camera's answer shows in its
 * focus state). */
static int focus_post(struct bridge *b, struct request *rq, const char *camera)
{
	json_t *body = body_json(rq);
	struct focus_request fr;
	char why[ERRMSG_MAX], topic[TOPIC_MAX], *text = NULL;
	int rc = SL_OK;

	if (body == NULL)
		return SL_OK;
	if (json_object_get(body, "backend_name"))
		json_object_del(body, "backend_name");
	if (focus_request_parse(body, &fr, why) != SL_OK) {
		http_reply_error(rq, 400, SL_ERR_INVAL, "%s", why);
		goto out;
	}
	if (!bridge_broker_up(b)) {
		http_reply_error(rq, 503, SL_ERR_BROKER, "the MQTT broker is not connected");
		goto out;
	}
	if (!state_camera_known(&b->state, camera)) {
		http_reply_error(rq, 404, SL_ERR_NOTFOUND, "camera '%s' has not been seen", camera);
		goto out;
	}
	json_object_set_new(body, "backend_name", json_string(b->cfg.backend_name));
	text = jx_dump(body);
	if (text == NULL || topic_fmt(topic, b->cfg.topic_root, "%s/focus/request", camera)) {
		rc = SL_ERR_NOMEM;
		goto out;
	}
	if (mqtt_publish(b->mqtt, topic, text, strlen(text), 1, false) != SL_OK) {
		http_reply_error(rq, 503, SL_ERR_BROKER, "could not publish the request to the broker");
		goto out;
	}
	log_info("focus %s sent to %s", fr.action == FOCUS_STOP ? "stop" : "start", camera);
	rc = http_reply_json(rq, 202, json_pack("{s:s, s:O}", "camera", camera, "sent", body));
out:
	free(text);
	json_decref(body);
	return rc;
}

int route_focus(struct bridge *b, struct request *rq)
{
	const char *camera = req_param(rq, 0);
	const struct focus_view *v;

	if (req_method(rq) == HTTP_POST)
		return focus_post(b, rq, camera);
	v = focus_cache_get(&b->focus, camera);
	if (v == NULL && !state_camera_known(&b->state, camera))
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "camera '%.64s' has not been seen",
					camera);
	return http_reply_json(rq, 200,
			       json_pack("{s:s, s:O?, s:O?}", "camera", camera, "state",
					 v ? v->state : NULL, "frame", v ? v->frame : NULL));
}

int route_focus_jpeg(struct bridge *b, struct request *rq)
{
	const struct focus_view *v = focus_cache_get(&b->focus, req_param(rq, 0));

	if (v == NULL || v->jpeg == NULL)
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "no focus frame from camera '%.64s'",
					req_param(rq, 0));
	return http_reply_bytes(rq, 200, "image/jpeg", v->jpeg, v->len, "no-store");
}
