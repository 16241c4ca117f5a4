/* relay.c - a capture request through the backend, checked and forwarded;
 * see relay.h. The answers are the core's (core_relay_answer). */
#include "relay.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "log.h"
#include "mqtt.h"

/* The camera asked for, else the only camera there is. */
static int pick_camera(struct sched_core *c, const json_t *obj, struct pending *p,
		       char why[ERRMSG_MAX])
{
	const char *targets[CAMERAS_MAX], *camera = NULL;
	int rc = jx_get_string(obj, "camera", &camera, why), n;

	if (rc == SL_ERR_NOTFOUND) {
		n = cameras_targets(c, NULL, targets);
		if (n != 1) {
			err_why(why, "'camera' is required (%d cameras online)", n);
			return SL_ERR_INVAL;
		}
		camera = targets[0];
	} else if (rc) {
		return rc;
	}
	if (!id_is_valid(camera) || cameras_reserved_id(camera)) {
		err_why(why, "'camera' must be a camera id ([a-z0-9_-], not backend, encoder or "
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
		err_why(why, "'request_id' must be a string of at most %d characters",
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
	err_why(why, "'source' must be an id ([a-z0-9_-], at most %d characters)",
		 ID_MAX);
	return SL_ERR_INVAL;
}

/* What the camera is sent: obj without the backend's own fields, with this
 * backend's name and request id, and a profile when obj names none. */
static json_t *camera_request(struct sched_core *c, const json_t *obj, const struct pending *p)
{
	json_t *fwd = json_deep_copy(obj), *prof;
	char id[2] = {0};

	if (fwd == NULL)
		return NULL;
	json_object_del(fwd, "camera");
	json_object_del(fwd, "source");
	prof = json_object_get(fwd, "profile");
	if (prof == NULL || json_is_null(prof)) {
		id[0] = ha_capture_profile(c->cfg, switches_profile(c->sw, p->camera));
		if (id[0])
			json_object_set_new(fwd, "profile", json_string(id));
	}
	json_object_set_new(fwd, "backend_name", json_string(c->cfg->backend_name));
	json_object_set_new(fwd, "request_id", json_string(p->id));
	return fwd;
}

/* Forwards obj (borrowed) for the asker described by `ask`; on success the
 * table entry takes what `ask` owns. */
static int forward(struct sched_core *c, const struct relay_ask *a, const json_t *obj,
		   struct pending *ask, int64_t now, struct sched_out *out, char why[ERRMSG_MAX])
{
	struct sched_msg *m;
	char topic[TOPIC_MAX];
	struct pending *p;
	const char *src;
	json_t *fwd;
	int rc;

	if (topic_fmt(topic, c->cfg->topic_root, "%s/capture/request", ask->camera) != SL_OK) {
		err_why(why, "topic too long");
		return SL_ERR_RANGE;
	}
	if ((p = core_pending_new(c)) == NULL) {
		err_why(why, "too many requests waiting for an answer; try again");
		return SL_ERR_BUSY;
	}
	*p = *ask;
	snprintf(p->id, sizeof(p->id), "relay-%lld-%ld", (long long)now, ++c->seq);
	p->deadline_ms = now + core_real_wait_ms(c, (int64_t)c->cfg->pi_timeout_seconds * 1000);
	fwd = camera_request(c, obj, p);
	rc = sched_out_json(out, MSG_CAPTURE, topic, fwd);
	json_decref(fwd);
	if (rc) {
		/* the asker's strings go back to `ask`, which the caller frees */
		memset(p, 0, sizeof(*p));
		core_pending_drop(c, p);
		err_why(why, "could not forward to camera '%s': %s", ask->camera,
			 err_str(rc));
		return rc;
	}
	m = &out->msg[out->n - 1];
	snprintf(m->request_id, sizeof(m->request_id), "%s", p->id);
	m->expiry_s = c->cfg->pi_timeout_seconds;
	if (a->expires)
		m->expiry_s = a->expires_in_ms < 1000 ? 1 : (int)((a->expires_in_ms + 999) / 1000);
	memset(ask, 0, sizeof(*ask));
	src = json_string_value(json_object_get(obj, "source"));
	log_info("capture request%s%s forwarded to camera '%s' as %s", src ? " from " : "",
		 src ? src : "", p->camera, p->id);
	return SL_OK;
}

void relay_request(struct sched_core *c, const struct relay_ask *a, int64_t now,
		   struct sched_out *out)
{
	struct pending ask = {0};
	char why[ERRMSG_MAX] = "";
	json_t *obj = NULL;
	int rc = SL_ERR_INVAL;

	if (mqtt_reply_to_new(a->response_topic, a->correlation, a->correlation_len,
			      &ask.reply_to) != SL_OK) {
		err_why(why, "out of memory");
		rc = SL_ERR_NOMEM;
		goto fail;
	}
	if (a->expires && a->expires_in_ms < 0) {
		err_why(why, "request expired before it could be forwarded");
		rc = SL_ERR_TIMEOUT;
		goto fail;
	}
	obj = jsonx_parse_object("payload", (const char *)a->payload, a->len, PAYLOAD_MAX, why);
	if (obj == NULL)
		goto fail;
	if ((rc = read_request_id(obj, &ask, why)) || (rc = check_source(obj, why)) ||
	    (rc = pick_camera(c, obj, &ask, why)))
		goto fail;
	if ((rc = forward(c, a, obj, &ask, now, out, why)) == SL_OK)
		goto out;
fail:
	core_relay_error(c, &ask, rc, why[0] ? why : "invalid request", out);
out:
	free(ask.client_request_id);
	mqtt_reply_to_free(&ask.reply_to);
	json_decref(obj);
}
