/* state.c - the cache of retained MQTT state; see state.h.
 *
 * Topics are split as R/<first>/<rest>: <first> is a camera id unless it
 * is one of the server's names (backend, encoder, transfer). Each table is a
 * jansson object keyed by id, so lookups are hashed and answers can embed
 * entries directly.
 */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonx.h"
#include "topics.h"

int state_init(struct bridge_state *st)
{
	memset(st, 0, sizeof(*st));
	st->cameras = json_object();
	st->backends = json_object();
	st->jobs = json_object();
	st->workers = json_object();
	st->transfer = json_null();
	st->transfer_availability = json_null();
	if (!st->cameras || !st->backends || !st->jobs || !st->workers) {
		state_free(st);
		return SL_ERR_NOMEM;
	}
	return SL_OK;
}

static void previews_clear(struct bridge_state *st)
{
	for (int i = 0; i < st->npreviews; i++)
		free(st->previews[i].jpeg);
	free(st->previews);
	st->previews = NULL;
	st->npreviews = 0;
}

void state_free(struct bridge_state *st)
{
	if (st == NULL)
		return;
	json_decref(st->cameras);
	json_decref(st->backends);
	json_decref(st->jobs);
	json_decref(st->workers);
	json_decref(st->transfer);
	json_decref(st->transfer_availability);
	previews_clear(st);
	memset(st, 0, sizeof(*st));
}

void state_clear_retained(struct bridge_state *st)
{
	const char *id;
	json_t *job, *tmp;

	json_object_clear(st->cameras);
	json_object_clear(st->backends);
	json_object_clear(st->workers);
	json_decref(st->transfer);
	st->transfer = json_null();
	json_decref(st->transfer_availability);
	st->transfer_availability = json_null();
	json_object_foreach_safe(st->jobs, tmp, id, job)
		if (!json_is_string(json_object_get(job, "source")))
			json_object_del(st->jobs, id);
	previews_clear(st);
	st->version++;
}

void state_change_clear(struct state_change *c)
{
	json_decref(c->data);
	memset(c, 0, sizeof(*c));
}

json_t *state_camera(const struct bridge_state *st, const char *id)
{
	return json_object_get(st->cameras, id);
}

bool state_camera_known(const struct bridge_state *st, const char *id)
{
	json_t *cam = state_camera(st, id);

	return cam && (json_is_string(json_object_get(cam, "availability")) ||
		       json_is_object(json_object_get(cam, "status")));
}

const struct preview *state_preview(const struct bridge_state *st, const char *id)
{
	for (int i = 0; i < st->npreviews; i++)
		if (strcmp(st->previews[i].camera, id) == 0)
			return &st->previews[i];
	return NULL;
}

int state_job_local(struct bridge_state *st, const char *job_id, json_t *job)
{
	json_t *known = json_object_get(st->jobs, job_id);

	if (known && !json_is_string(json_object_get(known, "source"))) {
		json_decref(job); /* the encoder already spoke: its word stands */
		return SL_OK;
	}
	json_object_set_new(job, "source", json_string("bridge"));
	return json_object_set_new(st->jobs, job_id, job) ? SL_ERR_NOMEM : SL_OK;
}

int frame_server_path(const char *camera, const char *agent_path, char *out, size_t outlen)
{
	size_t cl = strlen(camera);
	int n;

	/* an agent whose root already is the server layout keeps its path */
	if (strncmp(agent_path, camera, cl) == 0 && agent_path[cl] == '/')
		n = snprintf(out, outlen, "%s", agent_path);
	else
		n = snprintf(out, outlen, "%s/%s", camera, agent_path);
	return n < 0 || (size_t)n >= outlen ? SL_ERR_RANGE : SL_OK;
}

void frame_to_server(json_t *ann, const char *camera)
{
	const char *path = json_string_value(json_object_get(ann, "path"));
	char server[1024], url[1100];

	if (path == NULL || frame_server_path(camera, path, server, sizeof(server)) != SL_OK)
		return;
	snprintf(url, sizeof(url), "/images/%s", server);
	json_object_set_new(ann, "camera_path", json_string(path));
	json_object_set_new(ann, "path", json_string(server));
	json_object_set_new(ann, "url", json_string(url));
}

/* The entry of `id` in table, created as {key: id} when missing. */
static json_t *entry(json_t *table, const char *key, const char *id)
{
	json_t *e = json_object_get(table, id);

	if (e == NULL) {
		e = json_pack("{s:s}", key, id);
		if (e == NULL || json_object_set_new(table, id, e))
			return NULL;
	}
	return e;
}

/* A payload that must be a JSON object; NULL when it is not. */
static json_t *parse_object(const void *payload, size_t len)
{
	char why[ERRMSG_MAX];

	return jsonx_parse_object("payload", payload, len, 1024 * 1024, why);
}

static void drop_camera_if_empty(struct bridge_state *st, const char *id)
{
	if (!state_camera_known(st, id))
		json_object_del(st->cameras, id);
}

static int apply_preview(struct bridge_state *st, const char *cam, const void *payload,
			 size_t len)
{
	struct preview *p = (struct preview *)state_preview(st, cam);
	unsigned char *copy;

	if (len == 0) {
		if (p) {
			free(p->jpeg);
			*p = st->previews[--st->npreviews];
		}
		return SL_OK;
	}
	copy = malloc(len);
	if (copy == NULL)
		return SL_ERR_NOMEM;
	memcpy(copy, payload, len);
	if (p == NULL) {
		struct preview *n = realloc(st->previews, (size_t)(st->npreviews + 1) * sizeof(*n));

		if (n == NULL) {
			free(copy);
			return SL_ERR_NOMEM;
		}
		st->previews = n;
		p = &n[st->npreviews++];
		snprintf(p->camera, sizeof(p->camera), "%s", cam);
		p->jpeg = NULL;
	}
	free(p->jpeg);
	p->jpeg = copy;
	p->len = len;
	return SL_OK;
}

static int apply_camera(struct bridge_state *st, const char *cam, const char *rest,
			const void *payload, size_t len, struct state_change *out)
{
	json_t *e, *v;

	snprintf(out->id, sizeof(out->id), "%s", cam);
	if (strcmp(rest, "availability") == 0 || strcmp(rest, "status") == 0 ||
	    strcmp(rest, "plan") == 0) {
		if (len == 0) {
			e = json_object_get(st->cameras, cam);
			if (e)
				json_object_del(e, rest);
			drop_camera_if_empty(st, cam);
		} else {
			v = rest[0] == 'a' ? json_stringn(payload, len) : parse_object(payload, len);
			if (v == NULL)
				return SL_OK; /* not UTF-8 or not an object: not ours to keep */
			e = entry(st->cameras, "camera", cam);
			if (e == NULL || json_object_set_new(e, rest, v))
				return SL_ERR_NOMEM;
		}
		out->kind = strcmp(rest, "plan") == 0 ? STATE_PLAN : STATE_CAMERA;
		st->version++;
		return SL_OK;
	}
	if (strcmp(rest, "edge") == 0 && len > 0) {
		/* the Pi's edge broker's link ("1", its will "0"): a Pi that died
		 * whole cannot send its agent's will, so a lost link is offline */
		e = entry(st->cameras, "camera", cam);
		if (e == NULL || json_object_set_new(e, "edge", json_stringn(payload, len)))
			return SL_ERR_NOMEM;
		if (len == 1 && *(const char *)payload == '0' &&
		    json_object_set_new(e, "availability", json_string("offline")))
			return SL_ERR_NOMEM;
		out->kind = STATE_CAMERA;
		st->version++;
		return SL_OK;
	}
	if (strcmp(rest, "frames") == 0) {
		json_t *ann = parse_object(payload, len), *last;
		const char *prof;

		if (ann == NULL)
			return SL_OK;
		frame_to_server(ann, cam);
		e = entry(st->cameras, "camera", cam);
		if (e == NULL) {
			json_decref(ann);
			return SL_ERR_NOMEM;
		}
		json_object_set(e, "last_frame", ann);
		prof = json_string_value(json_object_get(ann, "profile"));
		if (prof) {
			last = json_object_get(e, "last_frames");
			if (last == NULL) {
				last = json_object();
				json_object_set_new(e, "last_frames", last);
			}
			if (last)
				json_object_set(last, prof, ann);
		}
		out->kind = STATE_FRAME;
		out->data = ann;
		return SL_OK;
	}
	if (strcmp(rest, "preview") == 0) {
		out->kind = STATE_PREVIEW;
		return apply_preview(st, cam, payload, len);
	}
	if (strcmp(rest, "capture/response") == 0) {
		out->data = parse_object(payload, len);
		out->kind = out->data ? STATE_CAPTURE_RESPONSE : STATE_NONE;
	}
	return SL_OK;
}

static int apply_backend(struct bridge_state *st, const char *rest, const void *payload,
			 size_t len, struct state_change *out)
{
	const char *slash = strchr(rest, '/');
	char name[ID_MAX + 1];
	json_t *e, *v, *scheds;

	if (slash == NULL || (size_t)(slash - rest) > ID_MAX)
		return SL_OK;
	snprintf(name, sizeof(name), "%.*s", (int)(slash - rest), rest);
	if (!id_is_valid(name))
		return SL_OK;
	rest = slash + 1;
	snprintf(out->id, sizeof(out->id), "%s", name);
	if (strcmp(rest, "availability") == 0 || strcmp(rest, "status") == 0) {
		e = entry(st->backends, "backend", name);
		if (e == NULL)
			return SL_ERR_NOMEM;
		if (len == 0) {
			json_object_del(e, rest);
		} else {
			v = rest[0] == 'a' ? json_stringn(payload, len) : parse_object(payload, len);
			if (v == NULL)
				return SL_OK;
			json_object_set_new(e, rest, v);
		}
	} else if (strncmp(rest, "schedules/", 10) == 0 && strlen(rest) > 16 &&
		   strcmp(rest + strlen(rest) - 6, "/state") == 0) {
		char sched[ID_MAX + 1];
		size_t n = strlen(rest) - 16;

		if (n > ID_MAX)
			return SL_OK;
		snprintf(sched, sizeof(sched), "%.*s", (int)n, rest + 10);
		e = entry(st->backends, "backend", name);
		if (e == NULL)
			return SL_ERR_NOMEM;
		scheds = json_object_get(e, "schedules");
		if (scheds == NULL) {
			scheds = json_object();
			json_object_set_new(e, "schedules", scheds);
		}
		if (len == 0)
			json_object_del(scheds, sched);
		else if ((v = json_stringn(payload, len)) != NULL)
			json_object_set_new(scheds, sched, v);
	} else {
		return SL_OK;
	}
	out->kind = STATE_BACKEND;
	st->version++;
	return SL_OK;
}

static int apply_encoder(struct bridge_state *st, const char *rest, const void *payload,
			 size_t len, struct state_change *out)
{
	const char *slash, *key;
	json_t *v, *e;

	if (strncmp(rest, "jobs/", 5) == 0 && id_is_valid(rest + 5)) {
		snprintf(out->id, sizeof(out->id), "%s", rest + 5);
		out->kind = STATE_JOB;
		if (len == 0) {
			json_object_del(st->jobs, out->id);
			return SL_OK;
		}
		v = parse_object(payload, len);
		if (v == NULL) {
			out->kind = STATE_NONE;
			return SL_OK;
		}
		if (json_object_get(v, "job_id") == NULL)
			json_object_set_new(v, "job_id", json_string(out->id));
		out->data = json_incref(v);
		return json_object_set_new(st->jobs, out->id, v) ? SL_ERR_NOMEM : SL_OK;
	}
	/* <worker>/availability (text) or <worker>/status (object) */
	slash = strchr(rest, '/');
	if (slash == NULL || (size_t)(slash - rest) > ID_MAX)
		return SL_OK;
	snprintf(out->id, sizeof(out->id), "%.*s", (int)(slash - rest), rest);
	key = slash + 1;
	if (!id_is_valid(out->id) || (strcmp(key, "availability") && strcmp(key, "status")))
		return SL_OK;
	if (len == 0) {
		e = json_object_get(st->workers, out->id);
		if (e)
			json_object_del(e, key);
		if (e && !json_object_get(e, "availability") && !json_object_get(e, "status"))
			json_object_del(st->workers, out->id);
	} else {
		v = key[0] == 'a' ? json_stringn(payload, len) : parse_object(payload, len);
		if (v == NULL)
			return SL_OK;
		e = entry(st->workers, "worker", out->id);
		if (e == NULL || json_object_set_new(e, key, v))
			return SL_ERR_NOMEM;
	}
	out->kind = STATE_WORKER;
	return SL_OK;
}

/* R/transfer/status (object) or R/transfer/availability (text). */
static int apply_transfer(struct bridge_state *st, const char *rest, const void *payload,
			  size_t len, struct state_change *out)
{
	bool avail = strcmp(rest, "availability") == 0;
	json_t *v;

	if (!avail && strcmp(rest, "status") != 0)
		return SL_OK;
	if (len == 0)
		v = json_null();
	else
		v = avail ? json_stringn(payload, len) : parse_object(payload, len);
	if (v == NULL)
		return SL_OK;
	if (avail) {
		json_decref(st->transfer_availability);
		st->transfer_availability = v;
	} else {
		json_decref(st->transfer);
		st->transfer = v;
	}
	out->kind = STATE_TRANSFER;
	out->data = json_is_object(st->transfer) ? json_copy(st->transfer) : json_object();
	if (out->data == NULL ||
	    json_object_set(out->data, "availability", st->transfer_availability))
		return SL_ERR_NOMEM;
	return SL_OK;
}

int state_apply(struct bridge_state *st, const char *root, const char *topic,
		const void *payload, size_t len, struct state_change *out)
{
	char first[ID_MAX + 1];
	const char *rest = topic_split(topic, root, first, sizeof(first));

	memset(out, 0, sizeof(*out));
	if (rest == NULL || !id_is_valid(first))
		return SL_OK;
	if (strcmp(first, "backend") == 0)
		return apply_backend(st, rest, payload, len, out);
	if (strcmp(first, "encoder") == 0)
		return apply_encoder(st, rest, payload, len, out);
	if (strcmp(first, "transfer") == 0)
		return apply_transfer(st, rest, payload, len, out);
	return apply_camera(st, first, rest, payload, len, out);
}
