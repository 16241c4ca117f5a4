/* request.c - capture requests: parse, authorize, and turn a message into a
 * job (see request.h for the order of the checks). */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonx.h"
#include "log.h"
#include "loop.h"
#include "timeutil.h"

static int get_short_string(const json_t *obj, const char *key, size_t max, const char **out,
			    char why[ERRMSG_MAX])
{
	int rc = jx_get_string(obj, key, out, why);

	if (rc == SL_ERR_NOTFOUND)
		return SL_OK;
	if (rc)
		return rc;
	if (strlen(*out) > max) {
		err_why(why, "'%s' is longer than %zu characters", key, max);
		return SL_ERR_INVAL;
	}
	return SL_OK;
}

int request_parse(const json_t *obj, struct capture_request *req, char why[ERRMSG_MAX])
{
	static const char *known[] = {"profile",   "backend_name", "request_id", "schedule",
				      "overrides", "camera",	   "slot",	 NULL};
	const char *slot = NULL;
	const char *key;
	json_t *v;
	int rc;

	memset(req, 0, sizeof(*req));
	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;

		for (int i = 0; known[i]; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok)
			log_debug("capture request: ignoring unknown field '%s'", key);
	}
	if ((rc = get_short_string(obj, "request_id", REQUEST_ID_MAX, &req->request_id, why)) ||
	    (rc = get_short_string(obj, "profile", 8, &req->profile, why)) ||
	    (rc = get_short_string(obj, "backend_name", ID_MAX, &req->backend_name, why)) ||
	    (rc = get_short_string(obj, "schedule", ID_MAX, &req->schedule, why)) ||
	    (rc = get_short_string(obj, "slot", TIME_ISO_MAX, &slot, why)))
		return rc;
	if (slot && (time_parse_iso(slot, &req->slot_ms) != SL_OK || req->slot_ms <= 0)) {
		err_why(why, "'slot' must be an ISO 8601 date-time");
		return SL_ERR_INVAL;
	}
	v = json_object_get(obj, "overrides");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			err_why(why, "'overrides' must be an object");
			return SL_ERR_INVAL;
		}
		req->overrides = v;
	}
	return SL_OK;
}

int request_authorize(const char *primary, const char *backend_name, char why[ERRMSG_MAX])
{
	if (primary == NULL || *primary == '\0')
		return SL_OK;
	if (backend_name && strcmp(backend_name, primary) == 0)
		return SL_OK;
	err_why(why, "Backend not authorized: only '%s' can trigger captures", primary);
	return SL_ERR_DENIED;
}

/* The checks of request.h, in order; fills req (borrowing from *obj). */
static int check(const struct capture_agent *a, const struct mqtt_message *m, json_t **obj,
		 struct capture_request *req, char why[ERRMSG_MAX])
{
	const char *rid = NULL;
	int rc;

	*obj = jsonx_parse_object("payload", (const char *)m->payload, m->len, PAYLOAD_MAX, why);
	if (*obj == NULL)
		return m->len > PAYLOAD_MAX ? SL_ERR_TOOBIG : SL_ERR_PARSE;
	/* a refused request is answered with its request_id when it has one,
	 * so that the sender can match the answer */
	if (json_is_string(json_object_get(*obj, "request_id")))
		rid = json_string_value(json_object_get(*obj, "request_id"));
	if (m->expires_at_ms && loop_now_ms() > m->expires_at_ms) {
		err_why(why, "request expired before it could run");
		rc = SL_ERR_TIMEOUT;
		goto refused;
	}
	if ((rc = request_parse(*obj, req, why)) != SL_OK)
		goto refused;
	rc = request_authorize(a->set->primary_backend, req->backend_name, why);
	if (rc != SL_OK) {
		log_warn("%s (request from '%s')", why, req->backend_name ? req->backend_name : "");
		goto refused;
	}
	if (a->cam == NULL) {
		err_why(why, "camera not ready: %.200s", a->camera_error);
		rc = SL_ERR_CAMERA;
		goto refused;
	}
	return SL_OK;
refused:
	memset(req, 0, sizeof(*req));
	req->request_id = rid;
	return rc;
}

struct capture_job *request_take(struct capture_agent *a, const struct mqtt_message *m)
{
	struct capture_request req = {0};
	struct capture_job *job = NULL;
	char why[ERRMSG_MAX] = "";
	json_t *obj = NULL;
	int rc;

	if (m->retained) {
		log_warn("ignoring a retained capture request (commands are never retained)");
		return NULL;
	}
	rc = check(a, m, &obj, &req, why);
	job = capture_job_new(a, &req);
	if (job == NULL) {
		log_error("capture request dropped: out of memory");
		goto out;
	}
	if (mqtt_reply_to_new(m->response_topic, m->correlation, m->correlation_len,
			      &job->reply_to) != SL_OK &&
	    rc == SL_OK) {
		rc = SL_ERR_NOMEM;
		err_why(why, "out of memory");
	}
	job->rc = rc;
	snprintf(job->why, sizeof(job->why), "%s", why);
out:
	json_decref(obj);
	return job;
}
