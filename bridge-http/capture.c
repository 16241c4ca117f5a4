/* capture.c - POST /capture and the matching of results; see capture.h.
 *
 * Pending captures are a short list (one per HTTP client waiting, at most
 * WAITING_MAX per camera). Each
 * ends exactly once: by its result, by its timeout timer, or by its HTTP
 * request ending first (server stopping), whichever comes first; the other
 * two then find nothing to do.
 */
#include "capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "bridge.h"
#include "err.h"
#include "http.h"
#include "jsonx.h"
#include "log.h"
#include "result_status.h"
#include "routes.h"
#include "topics.h"

#define RID_MAX 128
/* Captures waiting per camera: the camera takes one at a time, so more
 * would only queue up behind each other until they time out; the next
 * one is refused with 429 */
#define WAITING_MAX 4

struct pending {
	struct capture_hub *hub;
	struct request *rq;
	char camera[ID_MAX + 1];
	char request_id[RID_MAX];
	long timer;
	struct pending *next;
};

struct capture_hub {
	struct bridge *b;
	struct pending *list;
	unsigned long counter;
};

int capture_hub_new(struct bridge *b, struct capture_hub **out)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return SL_ERR_NOMEM;
	(*out)->b = b;
	return SL_OK;
}

void capture_hub_free(struct capture_hub **h)
{
	if (h == NULL || *h == NULL)
		return;
	while ((*h)->list) {
		struct pending *p = (*h)->list;

		(*h)->list = p->next;
		loop_del_timer((*h)->b->loop, p->timer);
		req_on_end(p->rq, NULL, NULL);
		free(p);
	}
	free(*h);
	*h = NULL;
}

/* Unlinks p and cancels its timer; p is freed by the caller. */
static void forget(struct pending *p)
{
	struct pending **pp = &p->hub->list;

	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
	if (p->timer > 0)
		loop_del_timer(p->hub->b->loop, p->timer);
	req_on_end(p->rq, NULL, NULL);
}

static void on_request_end(void *arg)
{
	struct pending *p = arg;

	forget(p);
	free(p);
}

static int64_t on_timeout(struct loop *l, long id, void *arg)
{
	struct pending *p = arg;
	struct request *rq = p->rq;

	(void)l;
	(void)id;
	p->timer = 0;
	forget(p);
	log_warn("capture %s on %s: no answer in %d s", p->request_id, p->camera,
		 p->hub->b->cfg.pi_timeout_seconds);
	http_complete_error(rq, 504, SL_ERR_TIMEOUT, "no answer from camera '%s' within %d s",
			    p->camera, p->hub->b->cfg.pi_timeout_seconds);
	free(p);
	return -1;
}

void capture_on_response(struct capture_hub *h, const char *camera, const json_t *result)
{
	const char *rid = json_string_value(json_object_get(result, "request_id"));
	struct pending *p;
	struct request *rq;
	json_t *body, *frame;
	unsigned status;
	size_t i;

	if (rid == NULL)
		return;
	for (p = h->list; p; p = p->next)
		if (strcmp(p->camera, camera) == 0 && strcmp(p->request_id, rid) == 0)
			break;
	if (p == NULL)
		return; /* someone else's request, or one that timed out */
	rq = p->rq;
	forget(p);
	free(p);
	body = json_deep_copy(result);
	if (!h->b->pi_compat)
		json_array_foreach(json_object_get(body, "frames"), i, frame)
			frame_to_server(frame, camera);
	status = result_http_status(result);
	if (h->b->pi_compat && status == 403)
		/* the earlier Pi service answered FastAPI's {"detail": ...} */
		json_object_set(body, "detail", json_object_get(body, "error"));
	http_complete_json(rq, status, body);
}

static int waiting_for(const struct capture_hub *h, const char *camera)
{
	int n = 0;

	for (const struct pending *p = h->list; p; p = p->next)
		n += strcmp(p->camera, camera) == 0;
	return n;
}

static void new_request_id(struct capture_hub *h, char out[RID_MAX])
{
	unsigned int r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (unsigned int)(uintptr_t)h ^ (unsigned int)h->counter;
	snprintf(out, RID_MAX, "bridge-%08x-%lu", r, ++h->counter);
}

/* The camera a REST capture is for; 0, or an error after answering. */
static int pick_camera(struct bridge *b, struct request *rq, const json_t *req, char *out)
{
	const char *cam = NULL, *id, *only = NULL;
	char why[ERRMSG_MAX];
	json_t *e;
	int known = 0;

	if (jx_get_string(req, "camera", &cam, why) == SL_ERR_INVAL) {
		http_reply_error(rq, 400, SL_ERR_INVAL, "%s", why);
		return SL_ERR_INVAL;
	}
	if (cam) {
		if (!state_camera_known(&b->state, cam)) {
			http_reply_error(rq, 404, SL_ERR_NOTFOUND, "unknown camera '%.64s'", cam);
			return SL_ERR_NOTFOUND;
		}
		snprintf(out, ID_MAX + 1, "%s", cam);
		return SL_OK;
	}
	json_object_foreach(b->state.cameras, id, e)
		if (state_camera_known(&b->state, id)) {
			known++;
			only = id;
		}
	if (known == 0) {
		http_reply_error(rq, 404, SL_ERR_NOTFOUND, "no camera has been seen on the broker");
		return SL_ERR_NOTFOUND;
	}
	if (known > 1) {
		http_reply_error(rq, 400, SL_ERR_INVAL,
				 "'camera' is required: %d cameras are known", known);
		return SL_ERR_INVAL;
	}
	snprintf(out, ID_MAX + 1, "%s", only);
	return SL_OK;
}

/* The request to publish for a REST capture (new reference) or NULL after
 * answering 400. */
static json_t *rest_request(struct request *rq, const json_t *body, const char *backend)
{
	const char *profile = NULL;
	char why[ERRMSG_MAX];
	json_t *req = json_pack("{s:s}", "backend_name", backend), *ov;

	if (jx_get_string(body, "profile", &profile, why) == SL_ERR_INVAL) {
		http_reply_error(rq, 400, SL_ERR_INVAL, "%s", why);
		json_decref(req);
		return NULL;
	}
	if (profile)
		json_object_set_new(req, "profile", json_string(profile));
	ov = json_object_get(body, "overrides");
	if (ov && !json_is_object(ov) && !json_is_null(ov)) {
		http_reply_error(rq, 400, SL_ERR_INVAL, "'overrides' must be an object");
		json_decref(req);
		return NULL;
	}
	if (json_is_object(ov))
		json_object_set(req, "overrides", ov);
	return req;
}

int route_capture(struct bridge *b, struct request *rq)
{
	struct capture_hub *h = b->capture;
	json_t *body = body_json(rq), *req = NULL;
	char topic[TOPIC_MAX], why[ERRMSG_MAX], camera[ID_MAX + 1];
	const char *rid = NULL, *avail;
	struct mqtt_pub_props props = {0};
	struct pending *p = NULL;
	char *text = NULL;
	int rc = SL_OK;

	if (body == NULL)
		return SL_OK;
	if (b->pi_compat) {
		snprintf(camera, sizeof(camera), "%s", b->camera);
		req = json_incref(body);
	} else {
		if (pick_camera(b, rq, body, camera) != SL_OK)
			goto out;
		req = rest_request(rq, body, b->cfg.backend_name);
		if (req == NULL)
			goto out;
	}
	if (!bridge_broker_up(b)) {
		http_reply_error(rq, 503, SL_ERR_BROKER, "the MQTT broker is not connected");
		goto out;
	}
	avail = json_string_value(json_object_get(state_camera(&b->state, camera), "availability"));
	if (avail && strcmp(avail, "offline") == 0) {
		http_reply_error(rq, 503, SL_ERR_CAMERA, "camera '%s' is offline", camera);
		goto out;
	}
	if (waiting_for(h, camera) >= WAITING_MAX) {
		http_reply_error(rq, 429, SL_ERR_BUSY,
				 "camera '%s' already has %d captures waiting; try again when one "
				 "is done", camera, WAITING_MAX);
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		rc = SL_ERR_NOMEM;
		goto out;
	}
	if (jx_get_string(req, "request_id", &rid, why) == SL_OK && strlen(rid) < RID_MAX) {
		snprintf(p->request_id, sizeof(p->request_id), "%s", rid);
	} else {
		new_request_id(h, p->request_id);
		json_object_set_new(req, "request_id", json_string(p->request_id));
	}
	text = jx_dump(req);
	if (text == NULL || topic_fmt(topic, b->cfg.topic_root, "%s/capture/request", camera)) {
		rc = SL_ERR_NOMEM;
		goto out;
	}
	props.expiry_seconds = b->cfg.pi_timeout_seconds;
	if (mqtt_publish_props(b->mqtt, topic, text, strlen(text), 1, false, &props) != SL_OK) {
		http_reply_error(rq, 503, SL_ERR_BROKER,
				 "could not publish the request to the broker");
		goto out;
	}
	snprintf(p->camera, sizeof(p->camera), "%s", camera);
	p->hub = h;
	p->rq = rq;
	p->timer = loop_add_timer(b->loop, (int64_t)b->cfg.pi_timeout_seconds * 1000, on_timeout,
				  p);
	p->next = h->list;
	h->list = p;
	req_on_end(rq, on_request_end, p);
	req_suspend(rq);
	log_info("capture %s sent to %s", p->request_id, camera);
	p = NULL;
out:
	free(p);
	free(text);
	json_decref(req);
	json_decref(body);
	return rc;
}
