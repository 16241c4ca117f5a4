/* relay.c - capture requests for a camera, sent through this backend.
 *
 * A client publishes on R/backend/<name>/capture/request with a `camera`
 * field; the backend forwards the request to R/<camera>/capture/request as
 * the primary backend (its own backend_name, its own request id, so answers
 * of different askers never mix) and passes the camera's answer back on
 * R/backend/<name>/capture/response, and to the asker's MQTT 5 Response
 * Topic with its Correlation Data, with the asker's request_id. No answer
 * within pi.timeout_seconds is answered with an error. A request naming no
 * profile (Home Assistant's "Capture now") gets the camera's selected one;
 * `source` (who pressed, for the log) is not passed on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "log.h"
#include "scheduler.h"
#include "timeutil.h"

static void publish_answer(struct scheduler *sch, const struct pending *p, json_t *body)
{
	struct mqtt_pub_props props = {0};

	if (p->client_request_id)
		json_object_set_new(body, "request_id", json_string(p->client_request_id));
	else
		json_object_set_new(body, "request_id", json_null());
	if (p->camera[0])
		json_object_set_new(body, "camera", json_string(p->camera));
	sched_publish_json(sch, sch->t_relay_response, body, NULL);
	if (p->response_topic) {
		props.correlation = p->correlation;
		props.correlation_len = p->correlation_len;
		sched_publish_json(sch, p->response_topic, body, &props);
	}
}

static void answer_error(struct scheduler *sch, const struct pending *p, const char *why)
{
	json_t *body = json_pack("{s:s, s:s, s:[]}", "status", "error", "error", why, "frames");

	log_warn("capture request through the backend: %s", why);
	if (body)
		publish_answer(sch, p, body);
	json_decref(body);
}

void relay_answer(struct scheduler *sch, const struct pending *p, json_t *answer)
{
	char why[ERRMSG_MAX];
	json_t *body;

	if (answer == NULL) {
		snprintf(why, sizeof(why), "no answer from camera '%s' within %d s", p->camera,
			 sch->cfg.pi_timeout_seconds);
		answer_error(sch, p, why);
		return;
	}
	body = json_copy(answer);
	if (body)
		publish_answer(sch, p, body);
	json_decref(body);
}

/* The camera asked for, else the only camera there is. */
static int pick_camera(struct scheduler *sch, const json_t *obj, struct pending *p,
		       char why[ERRMSG_MAX])
{
	const char *targets[CAMERAS_MAX], *camera = NULL;
	int rc = jx_get_string(obj, "camera", &camera, why), n;

	if (rc == SL_ERR_NOTFOUND) {
		n = sched_targets(sch, targets);
		if (n != 1) {
			snprintf(why, ERRMSG_MAX, "'camera' is required (%d cameras online)", n);
			return SL_ERR_INVAL;
		}
		camera = targets[0];
	} else if (rc) {
		return rc;
	}
	if (!id_is_valid(camera) || sched_reserved_id(camera)) {
		snprintf(why, ERRMSG_MAX,
			 "'camera' must be a camera id ([a-z0-9_-], not backend, encoder or "
			 "transfer)");
		return SL_ERR_INVAL;
	}
	snprintf(p->camera, sizeof(p->camera), "%s", camera);
	return SL_OK;
}

static int read_request_id(const json_t *obj, struct pending *p, char why[ERRMSG_MAX])
{
	const json_t *v = json_object_get(obj, "request_id");

	if (v == NULL || json_is_null(v))
		return SL_OK;
	if (!json_is_string(v) || strlen(json_string_value(v)) > REQUEST_ID_MAX) {
		snprintf(why, ERRMSG_MAX, "'request_id' must be a string of at most %d characters",
			 REQUEST_ID_MAX);
		return SL_ERR_INVAL;
	}
	p->client_request_id = strdup(json_string_value(v));
	return p->client_request_id ? SL_OK : SL_ERR_NOMEM;
}

/* `source` names who asked (homeassistant, ...) for the log: an id. */
static int check_source(const json_t *obj, char why[ERRMSG_MAX])
{
	const json_t *v = json_object_get(obj, "source");

	if (v == NULL || json_is_null(v) || id_is_valid(json_string_value(v)))
		return SL_OK;
	snprintf(why, ERRMSG_MAX, "'source' must be an id ([a-z0-9_-], at most %d characters)",
		 ID_MAX);
	return SL_ERR_INVAL;
}

static void free_asker(struct pending *p)
{
	free(p->client_request_id);
	free(p->response_topic);
	free(p->correlation);
}

/* What the camera is sent: obj without the backend's own fields, with this
 * backend's name and request id, and a profile when obj names none. */
static json_t *camera_request(struct scheduler *sch, const json_t *obj, const struct pending *p)
{
	json_t *fwd = json_deep_copy(obj), *prof;
	char id[2] = {0};

	if (fwd == NULL)
		return NULL;
	json_object_del(fwd, "camera");
	json_object_del(fwd, "source");
	prof = json_object_get(fwd, "profile");
	if (prof == NULL || json_is_null(prof)) {
		id[0] = ha_capture_profile(&sch->cfg, switches_profile(&sch->sw, p->camera));
		if (id[0])
			json_object_set_new(fwd, "profile", json_string(id));
	}
	json_object_set_new(fwd, "backend_name", json_string(sch->cfg.backend_name));
	json_object_set_new(fwd, "request_id", json_string(p->id));
	return fwd;
}

/* Forwards obj (borrowed) for the asker described by `ask`; on success the
 * table entry takes what `ask` owns. */
static int forward(struct scheduler *sch, const struct mqtt_message *m, const json_t *obj,
		   struct pending *ask, char why[ERRMSG_MAX])
{
	struct mqtt_pub_props props = {.expiry_seconds = sch->cfg.pi_timeout_seconds};
	char topic[TOPIC_MAX];
	struct pending *p;
	const char *src;
	json_t *fwd;
	int rc;

	if (m->expires_at_ms) {
		int64_t left = m->expires_at_ms - loop_now_ms();

		props.expiry_seconds = (int)((left + 999) / 1000);
		if (props.expiry_seconds < 1)
			props.expiry_seconds = 1;
	}
	if (topic_fmt(topic, sch->cfg.topic_root, "%s/capture/request", ask->camera) != SL_OK) {
		snprintf(why, ERRMSG_MAX, "topic too long");
		return SL_ERR_RANGE;
	}
	p = sched_pending_new(sch);
	if (p == NULL) {
		snprintf(why, ERRMSG_MAX, "too many requests waiting for an answer; try again");
		return SL_ERR_BUSY;
	}
	*p = *ask;
	snprintf(p->id, sizeof(p->id), "relay-%lld-%ld", (long long)sched_now(sch), ++sch->seq);
	p->deadline_ms = sched_now(sch) + (int64_t)sch->cfg.pi_timeout_seconds * 1000;
	fwd = camera_request(sch, obj, p);
	rc = fwd ? sched_publish_json(sch, topic, fwd, &props) : SL_ERR_NOMEM;
	json_decref(fwd);
	if (rc) {
		/* the asker's strings go back to `ask`, which the caller frees */
		memset(p, 0, sizeof(*p));
		sched_pending_drop(sch, p);
		snprintf(why, ERRMSG_MAX, "could not forward to camera '%s': %s", ask->camera,
			 err_str(rc));
		return rc;
	}
	memset(ask, 0, sizeof(*ask));
	src = json_string_value(json_object_get(obj, "source"));
	log_info("capture request%s%s forwarded to camera '%s' as %s", src ? " from " : "",
		 src ? src : "", p->camera, p->id);
	return SL_OK;
}

void relay_request(struct scheduler *sch, const struct mqtt_message *m)
{
	struct pending ask = {0};
	char why[ERRMSG_MAX] = "";
	json_t *obj = NULL;

	if (m->retained) {
		log_warn("ignoring a retained capture request on %s (commands are never retained)",
			 m->topic);
		return;
	}
	if (m->response_topic && *m->response_topic) {
		ask.response_topic = strdup(m->response_topic);
		if (m->correlation && m->correlation_len > 0 &&
		    (ask.correlation = malloc(m->correlation_len)) != NULL) {
			memcpy(ask.correlation, m->correlation, m->correlation_len);
			ask.correlation_len = m->correlation_len;
		}
	}
	if (m->expires_at_ms && loop_now_ms() > m->expires_at_ms) {
		snprintf(why, sizeof(why), "request expired before it could be forwarded");
		goto fail;
	}
	obj = jsonx_parse_object("payload", (const char *)m->payload, m->len, PAYLOAD_MAX, why);
	if (obj == NULL)
		goto fail;
	if (read_request_id(obj, &ask, why) || check_source(obj, why) ||
	    pick_camera(sch, obj, &ask, why))
		goto fail;
	if (forward(sch, m, obj, &ask, why) == SL_OK)
		goto out;
fail:
	answer_error(sch, &ask, why[0] ? why : "invalid request");
out:
	free_asker(&ask);
	json_decref(obj);
}
