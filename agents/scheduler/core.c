/* core.c - skylapse-scheduler's decisions; see core.h for the diagram.
 *
 * In order: the messages to send (sched_out), the tables, a runner's
 * windows and slots, then one function per event, then the answers to
 * relayed requests. Nothing here publishes, reads a clock or writes a file.
 */
#include "core.h"
#include "err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "log.h"
#include "mqtt.h"
#include "plan.h"

#define HOUR_MS 3600000LL
#define CLOSE_RETRY_MS 1000 /* real: the broker is back in real time */

/* Appends a message to out; steals `text` (freed on failure too). */
static int sched_out_add(struct sched_out *out, enum sched_msg_kind kind, const char *topic,
			 char *text)
{
	struct sched_msg *m;

	if (text == NULL)
		return SL_ERR_NOMEM;
	if (out->n == out->cap) {
		int cap = out->cap ? out->cap * 2 : 16;
		struct sched_msg *grown = realloc(out->msg, (size_t)cap * sizeof(*grown));

		if (grown == NULL) {
			free(text);
			return SL_ERR_NOMEM;
		}
		out->msg = grown;
		out->cap = cap;
	}
	m = &out->msg[out->n++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	snprintf(m->topic, sizeof(m->topic), "%s", topic);
	m->text = text;
	return SL_OK;
}

int sched_out_json(struct sched_out *out, enum sched_msg_kind kind, const char *topic,
		   const json_t *obj)
{
	return obj ? sched_out_add(out, kind, topic, jx_dump(obj)) : SL_ERR_NOMEM;
}

void sched_out_clear(struct sched_out *out)
{
	for (int i = 0; i < out->n; i++) {
		free(out->msg[i].text);
		mqtt_reply_to_free(&out->msg[i].reply_to);
	}
	free(out->msg);
	memset(out, 0, sizeof(*out));
}

int64_t core_real_wait_ms(const struct sched_core *c, int64_t real_ms)
{
	return c->speed > 0 ? (int64_t)((double)real_ms * c->speed) : real_ms;
}

long core_date_key(int64_t ms)
{
	int y, m, d;

	window_local_date(ms, &y, &m, &d);
	return (long)y * 10000 + m * 100 + d;
}

struct runner *core_runner(struct sched_core *c, const char *name)
{
	for (int i = 0; i < c->nruns; i++)
		if (strcmp(c->runs[i].name, name) == 0)
			return &c->runs[i];
	return NULL;
}

int core_build(struct sched_core *c, const bool *runs)
{
	int n = c->cfg->nschedules;
	struct runner *fresh = calloc((size_t)(n > 0 ? n : 1), sizeof(*fresh));

	if (fresh == NULL)
		return SL_ERR_NOMEM;
	for (int i = 0; i < n; i++) {
		const struct schedule *s = &c->cfg->schedules[i];
		struct runner *old = core_runner(c, s->name), *r = &fresh[i];

		if (old) {
			/* counters and the window's progress carry over; the
			 * window itself is checked again against the new timing */
			*r = *old;
			r->reeval = true;
		}
		snprintf(r->name, sizeof(r->name), "%s", s->name);
		r->s = s;
		r->runs = runs[i];
		r->today_key = 0;
		r->next_key = -1;
	}
	free(c->runs);
	c->runs = fresh;
	c->nruns = n;
	cameras_configure(c);
	return SL_OK;
}

struct pending *core_pending_new(struct sched_core *c)
{
	struct pending *p;

	if (c->npend == PENDING_MAX)
		return NULL;
	p = &c->pend[c->npend++];
	memset(p, 0, sizeof(*p));
	return p;
}

void core_pending_drop(struct sched_core *c, struct pending *p)
{
	free(p->client_request_id);
	mqtt_reply_to_free(&p->reply_to);
	*p = c->pend[--c->npend];
}

static struct pending *pending_find(struct sched_core *c, const char *id)
{
	for (int i = 0; i < c->npend; i++)
		if (strcmp(c->pend[i].id, id) == 0)
			return &c->pend[i];
	return NULL;
}

static bool busy(const struct sched_core *c, const char *schedule, const char *camera)
{
	for (int i = 0; i < c->npend; i++)
		if (strcmp(c->pend[i].schedule, schedule) == 0 &&
		    strcmp(c->pend[i].camera, camera) == 0)
			return true;
	return false;
}

void core_free(struct sched_core *c)
{
	while (c->npend > 0)
		core_pending_drop(c, &c->pend[0]);
	free(c->runs);
	c->runs = NULL;
	ha_jobs_free(&c->jobs);
}

/* Adds camera to the window's cameras; true when it is new there. */
static bool remember_camera(struct runner *r, const char *camera)
{
	for (int i = 0; i < r->ncams; i++)
		if (strcmp(r->cams[i], camera) == 0)
			return false;
	if (r->ncams == CAMERAS_MAX)
		return false;
	snprintf(r->cams[r->ncams++], ID_MAX + 1, "%s", camera);
	return true;
}

/* Expiry = the interval: a request the camera cannot start before the
 * next slot is dropped by the broker or the agent, never run late. */
static int send_request(struct sched_core *c, struct runner *r, const char *camera, char profile,
			int64_t slot_ms, struct sched_out *out)
{
	char topic[TOPIC_MAX], pid[2] = {profile, '\0'}, slot[TIME_ISO_MAX];
	int64_t interval_ms = (int64_t)r->s->interval_seconds * 1000;
	int64_t timeout_ms = core_real_wait_ms(c, (int64_t)c->cfg->pi_timeout_seconds * 1000);
	struct pending *p;
	json_t *req;
	int rc, expiry_s;

	if (topic_fmt(topic, c->cfg->topic_root, "%s/capture/request", camera) != SL_OK)
		return SL_ERR_RANGE;
	if ((p = core_pending_new(c)) == NULL)
		return SL_ERR_BUSY;
	snprintf(p->id, sizeof(p->id), "%s-%lld-%ld", r->name, (long long)slot_ms, ++c->seq);
	snprintf(p->camera, sizeof(p->camera), "%s", camera);
	snprintf(p->schedule, sizeof(p->schedule), "%s", r->name);
	/* from the slot, not from when it went out: the next slot then finds
	 * the same answer whatever the tick's own lateness */
	p->deadline_ms = slot_ms + (interval_ms > timeout_ms ? interval_ms : timeout_ms);
	time_format_utc(slot_ms, slot); /* the camera takes each slot once (by it or its plan) */
	req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "backend_name", c->cfg->backend_name,
			"schedule", r->name, "profile", pid, "request_id", p->id, "slot", slot);
	rc = sched_out_json(out, MSG_CAPTURE, topic, req);
	json_decref(req);
	if (rc) {
		core_pending_drop(c, p);
		return rc;
	}
	/* the broker counts real seconds: a simulated interval is shorter */
	expiry_s = (int)ceil((double)interval_ms / (c->speed > 0 ? c->speed : 1) / 1000);
	out->msg[out->n - 1].expiry_s = expiry_s > 0 ? expiry_s : 1;
	snprintf(out->msg[out->n - 1].request_id, REQUEST_ID_MAX + 1, "%s", p->id);
	return SL_OK;
}

static void send_slot(struct sched_core *c, struct runner *r, int64_t slot_ms, const char *cams[],
		      int ncams, struct sched_out *out)
{
	char ids[PROFILE_MAX + 1];

	plan_schedule_profiles(c->cfg, r->s, ids);
	if (ncams == 0 || !c->connected || ids[0] == '\0') {
		r->n.unsent += ncams > 0 ? ncams : 1;
		return;
	}
	for (int i = 0; i < ncams; i++) {
		if (busy(c, r->name, cams[i])) {
			r->n.missed++;
			log_debug("%s: camera '%s' still busy with the last slot; slot skipped",
				  r->name, cams[i]);
			continue;
		}
		if (remember_camera(r, cams[i]))
			out->windows = true;
		for (int j = 0; ids[j]; j++) {
			if (send_request(c, r, cams[i], ids[j], slot_ms, out) == SL_OK) {
				r->n.requests++;
				r->last_request_ms = slot_ms;
			} else {
				r->n.unsent++;
			}
		}
	}
}

/* One job of a closing window (owned, may be NULL) to R/encoder/jobs. */
static void send_job(struct sched_out *out, const char *topic, const char *name, json_t *job)
{
	if (sched_out_json(out, MSG_JOB, topic, job) == SL_OK)
		log_info("%s: window closed; encode job %s", name,
			 json_string_value(json_object_get(job, "job_id")));
	json_decref(job);
}

/* The auto timelapse: one job per camera asked during the window (or
 * online now) and profile; for a night window also its keogram and star
 * trails (plan_wants_picture). */
static void close_window(struct sched_core *c, struct runner *r, struct sched_out *out)
{
	static const char *const pictures[] = {"keogram", "startrails"};
	const char *targets[CAMERAS_MAX];
	char ids[PROFILE_MAX + 1], topic[TOPIC_MAX];
	bool video = r->s->timelapse_auto, want[2];
	int n = cameras_targets(c, r, targets);

	out->windows = true; /* no longer one to encode */
	for (int k = 0; k < 2; k++)
		want[k] = plan_wants_picture(c->cfg, r->s, &r->w, pictures[k]);
	if (!video && !want[0] && !want[1])
		return;
	for (int i = 0; i < n; i++)
		remember_camera(r, targets[i]);
	if (topic_fmt(topic, c->cfg->topic_root, "encoder/jobs") != SL_OK)
		return;
	plan_schedule_profiles(c->cfg, r->s, ids);
	for (int i = 0; i < r->ncams; i++) {
		for (int j = 0; ids[j]; j++) {
			if (video)
				send_job(out, topic, r->name,
					 plan_encode_job(r->s, &r->w, r->cams[i], ids[j]));
			for (int k = 0; k < 2; k++)
				if (want[k])
					send_job(out, topic, r->name,
						 plan_picture_job(r->s, &r->w, r->cams[i], ids[j],
								  pictures[k]));
		}
	}
}

/* Whether the frames of r's ended window are on the server (arrival.h),
 * or it is time to encode what is there. */
static bool frames_in(struct sched_core *c, struct runner *r, int64_t now,
		      struct sched_out *out)
{
	const struct sched_camera *cam;
	const char *late = NULL;
	struct window next;
	bool active;

	if (r->close_by_ms == 0) {
		r->close_by_ms = r->w.end_ms + ARRIVAL_WAIT_MS;
		if (window_current_or_next(c->cfg, r->s, r->w.end_ms, &next, &active) == SL_OK &&
		    next.start_ms < r->close_by_ms)
			r->close_by_ms = next.start_ms;
	}
	for (int i = 0; i < r->ncams && late == NULL; i++)
		if ((cam = cameras_find(c, r->cams[i], false)) != NULL &&
		    !arrival_ready(&cam->arrival, r->w.end_ms))
			late = cam->id;
	if (late == NULL)
		return true;
	if (now >= r->close_by_ms) {
		log_warn("%s: camera '%s''s last frames are not on the server yet; its video is "
			 "made of those that are", r->name, late);
		return true;
	}
	if (!r->waiting) {
		log_info("%s: window ended; its video waits for camera '%s''s last frames to "
			 "reach the server", r->name, late);
		out->status = true;
	}
	r->waiting = true;
	return false;
}

/* Takes the window containing now, else the next one. The same window as
 * before (a reload that changed nothing of it) keeps its cadence, so no
 * slot is sent twice. */
static void set_window(struct sched_core *c, struct runner *r, int64_t now)
{
	int64_t interval_ms = (int64_t)r->s->interval_seconds * 1000;
	struct window w;
	bool active, same;

	if (window_current_or_next(c->cfg, r->s, now, &w, &active) != SL_OK) {
		if (r->retry_ms == 0)
			log_info("%s: no window in the next 400 days", r->name);
		/* the search costs a year of sun: not on every tick */
		r->retry_ms = now + HOUR_MS;
		r->have_window = false;
		r->ran = false;
		return;
	}
	r->retry_ms = 0;
	same = r->have_window && w.start_ms == r->w.start_ms && w.end_ms == r->w.end_ms;
	if (same && r->cad.interval_ms == interval_ms)
		return;
	if (!same) {
		/* a new window; the same one (a new interval, or restored from
		 * the journal) keeps what it ran and for which cameras */
		r->ran = false;
		r->ncams = 0;
		r->close_by_ms = 0;
		r->waiting = false;
	}
	r->w = w;
	r->have_window = true;
	r->next_key = -1;
	cadence_start(&r->cad, w.start_ms, w.end_ms, interval_ms, now);
}

/* Advances r to `now`; returns when it is due again. */
static int64_t runner_step(struct sched_core *c, struct runner *r, int64_t now,
			   struct sched_out *out)
{
	const char *cams[CAMERAS_MAX];
	int64_t slot, next;
	long missed = 0;
	int ncams;

	if (r->have_window && now >= r->w.end_ms) {
		/* the jobs wait for the broker: a closed window is not lost */
		if (r->ran && !c->connected)
			return now + core_real_wait_ms(c, CLOSE_RETRY_MS);
		if (r->ran && !frames_in(c, r, now, out))
			return r->close_by_ms; /* a transfer's status kicks the tick */
		if (r->ran)
			close_window(c, r, out);
		r->close_by_ms = 0;
		r->waiting = false;
		r->have_window = false;
		out->status = true;
	}
	if (r->reeval || (!r->have_window && now >= r->retry_ms)) {
		r->reeval = false;
		set_window(c, r, now);
		out->status = true;
	}
	if (!r->have_window)
		return r->retry_ms; /* none to come; a reload may bring one */
	if (now < r->w.start_ms)
		return r->w.start_ms;
	if (!r->runs) {
		cadence_skip(&r->cad, now);
	} else {
		r->ran = true;
		ncams = cameras_targets(c, r, cams);
		if (cadence_take(&r->cad, now, &slot, NULL, &missed)) {
			log_debug("%s: slot %lld, %lld ms late", r->name, (long long)slot,
				  (long long)(now - slot));
			send_slot(c, r, slot, cams, ncams, out);
		}
		if (missed) {
			if (ncams > 0)
				r->n.missed += missed * ncams;
			else
				r->n.unsent += missed;
			log_debug("%s: %ld slot(s) passed while the scheduler was late", r->name,
				  missed);
		}
		out->status = true;
	}
	next = cadence_next_ms(&r->cad);
	return next < r->w.end_ms ? next : r->w.end_ms;
}

static void runner_result(struct runner *r, bool ok, const char *error, int64_t now,
			  struct sched_out *out)
{
	if (ok) {
		r->n.ok++;
		r->last_ok_ms = now;
	} else {
		r->n.errors++;
		snprintf(r->last_error, sizeof(r->last_error), "%s", error ? error : "error");
	}
	out->status = true;
}

/* Requests with no answer in time: an error for their schedule, or the
 * "no answer" reply to whoever asked through the backend. */
static void expire_pending(struct sched_core *c, int64_t now, struct sched_out *out)
{
	for (int i = 0; i < c->npend;) {
		struct pending *p = &c->pend[i];
		struct runner *r;
		char why[ERRMSG_MAX];

		if (p->deadline_ms > now) {
			i++;
			continue;
		}
		if (p->schedule[0] == '\0') {
			core_relay_answer(c, p, NULL, out);
		} else if ((r = core_runner(c, p->schedule)) != NULL) {
			err_why(why, "no answer from camera '%s' in time", p->camera);
			runner_result(r, false, why, now, out);
		}
		core_pending_drop(c, p); /* the last entry moved into slot i */
	}
}

/* Whether each schedule runs now, as plan.h and ha_backend.h take it; a
 * new array, NULL when out of memory. */
static bool *runs_now(const struct sched_core *c)
{
	bool *runs = calloc((size_t)c->nruns + 1, sizeof(*runs));

	for (int i = 0; runs && i < c->nruns; i++)
		runs[i] = c->runs[i].runs;
	return runs;
}

/* The plan goes to every camera of ours whose plan is due (all of them
 * when c->plans_dirty), with the schedules it follows, except one that
 * refuses us: its retained plan may be its primary backend's, not ours to
 * replace. */
static void publish_plans(struct sched_core *c, int64_t now, struct sched_out *out)
{
	bool *runs = runs_now(c), *mine = calloc((size_t)c->nruns + 1, sizeof(*mine));
	char topic[TOPIC_MAX];

	if (runs == NULL || mine == NULL)
		goto out;
	for (int i = 0; i < c->ncams; i++) {
		struct sched_camera *cam = &c->cams[i];
		json_t *plan;

		if (!c->plans_dirty && !cam->plan_due)
			continue;
		cam->plan_due = false;
		if (cam->auth == AUTH_DENIED || !cameras_follows(c, cam, NULL) ||
		    topic_fmt(topic, c->cfg->topic_root, "%s/plan", cam->id) != SL_OK)
			continue;
		for (int k = 0; k < c->nruns; k++)
			mine[k] = runs[k] && cameras_follows(c, cam, &c->runs[k]);
		plan = plan_camera_json(c->cfg, mine, c->cfg->backend_name, cam->id, now);
		sched_out_json(out, MSG_STATE, topic, plan);
		json_decref(plan);
	}
	c->plans_dirty = false;
	c->plans_key = core_date_key(now);
out:
	free(mine);
	free(runs);
}

json_t *core_windows_json(const struct sched_core *c)
{
	json_t *o = json_object();

	for (int i = 0; o && i < c->nruns; i++) {
		const struct runner *r = &c->runs[i];
		json_t *cams = json_array();

		if (!r->have_window || !r->ran || r->ncams == 0) {
			json_decref(cams);
			continue;
		}
		for (int k = 0; k < r->ncams; k++)
			json_array_append_new(cams, json_string(r->cams[k]));
		json_object_set_new(o, r->name,
				    json_pack("{s:I, s:I, s:o}", "start_ms", (json_int_t)r->w.start_ms,
					      "end_ms", (json_int_t)r->w.end_ms, "cameras", cams));
	}
	return o;
}

int core_windows_restore(struct sched_core *c, const json_t *windows)
{
	const char *name;
	json_t *e;
	int n = 0;

	json_object_foreach((json_t *)windows, name, e) {
		struct runner *r = core_runner(c, name);
		json_t *start = json_object_get(e, "start_ms"), *end = json_object_get(e, "end_ms");
		json_t *cams = json_object_get(e, "cameras"), *cam;
		size_t k;

		if (r == NULL || r->have_window || !json_is_integer(start) ||
		    !json_is_integer(end) || json_integer_value(end) <= json_integer_value(start))
			continue;
		r->w.start_ms = json_integer_value(start);
		r->w.end_ms = json_integer_value(end);
		r->have_window = true;
		r->ran = true;
		r->reeval = true; /* its cadence starts again if it is still open */
		r->ncams = 0;
		json_array_foreach(cams, k, cam)
			if (json_is_string(cam) && id_is_valid(json_string_value(cam)) &&
			    !cameras_reserved_id(json_string_value(cam)))
				remember_camera(r, json_string_value(cam));
		n++;
	}
	return n;
}

int64_t core_tick(struct sched_core *c, int64_t now, struct sched_out *out)
{
	int64_t next = INT64_MAX;

	expire_pending(c, now, out);
	for (int i = 0; i < c->nruns; i++) {
		int64_t t = runner_step(c, &c->runs[i], now, out);

		if (t < next)
			next = t;
	}
	if (core_date_key(now) != c->plans_key)
		c->plans_dirty = true;
	publish_plans(c, now, out);
	return next;
}

void core_availability(struct sched_core *c, const char *id, const char *state,
		       struct sched_out *out)
{
	bool online = strcmp(state, "online") == 0, known = state[0] != '\0';
	struct sched_camera *cam;

	if (!id_is_valid(id) || cameras_reserved_id(id))
		return;
	if (!online && known && strcmp(state, "offline") != 0) {
		log_debug("availability of '%s': '%.16s' is neither online nor offline", id, state);
		return;
	}
	cam = cameras_find(c, id, online);
	if (cam == NULL || (cam->known == known && cam->online == online))
		return;
	log_info("camera '%s' %s", id, online ? "online" : known ? "offline" : "forgotten");
	cam->known = known;
	cam->online = online;
	if (online) {
		cam->plan_due = true;
		core_profile_states(c, id, out);
	}
	out->status = true;
	out->kick = true;
}

/* Records the camera's answer to this backend: logs once when it changes
 * between authorized and not. The capture agent says `denied` in
 * error_kind; the sentence is for people and never read. */
static void camera_answer(struct sched_core *c, const char *camera, bool ok, const char *error,
			  const char *kind, struct sched_out *out)
{
	struct sched_camera *cam = cameras_find(c, camera, true);
	bool denied = kind && err_from_kind(kind) == SL_ERR_DENIED;

	if (cam == NULL)
		return;
	if (!ok && denied) {
		if (cam->auth != AUTH_DENIED || strcmp(cam->auth_error, error) != 0)
			log_error("camera '%s' refuses backend '%s': %s", camera,
				  c->cfg->backend_name, error);
		cam->auth = AUTH_DENIED;
		snprintf(cam->auth_error, sizeof(cam->auth_error), "%s", error);
		out->status = true;
	} else if (ok && cam->auth != AUTH_OK) {
		if (cam->auth == AUTH_DENIED)
			log_info("camera '%s' accepts backend '%s' again", camera,
				 c->cfg->backend_name);
		cam->auth = AUTH_OK;
		cam->auth_error[0] = '\0';
		cam->plan_due = true;
		out->status = true;
	}
}

void core_result(struct sched_core *c, const char *camera, const json_t *result, int64_t now,
		 struct sched_out *out)
{
	char why[ERRMSG_MAX];
	const char *rid = NULL, *status = NULL, *error = NULL, *kind = NULL;
	struct sched_camera *cam;
	struct pending *p;
	struct runner *r;
	bool ok;

	if (result == NULL || jx_get_string(result, "request_id", &rid, why) != SL_OK ||
	    (p = pending_find(c, rid)) == NULL)
		return; /* not an answer to us */
	if (strcmp(p->camera, camera) != 0) {
		log_warn("answer to %s came from camera '%s', not '%s'; ignored", rid, camera,
			 p->camera);
		return;
	}
	jx_get_string(result, "status", &status, why);
	jx_get_string(result, "error", &error, why);
	jx_get_string(result, "error_kind", &kind, why);
	ok = status && strcmp(status, "ok") == 0;
	if (!ok && error == NULL)
		error = "malformed answer (no status ok nor error)";
	camera_answer(c, camera, ok, error, kind, out);
	if ((cam = cameras_find(c, camera, false)) != NULL)
		cam->arrival.answered_ms = now;
	if (p->schedule[0] == '\0')
		core_relay_answer(c, p, result, out);
	else if ((r = core_runner(c, p->schedule)) != NULL)
		runner_result(r, ok, error, now, out);
	core_pending_drop(c, p);
}

void core_transfer(struct sched_core *c, const char *camera, const json_t *status,
		   struct sched_out *out)
{
	const char *named = camera ? camera : json_string_value(json_object_get(status, "camera"));
	struct sched_camera *cam;

	if (camera == NULL && status == NULL) {
		/* R/transfer/status emptied: whichever camera it served */
		for (int i = 0; i < c->ncams; i++)
			if (c->cams[i].arrival.shared && arrival_status(&c->cams[i].arrival, NULL))
				out->kick = true;
		return;
	}
	if (named == NULL || (cam = cameras_find(c, named, true)) == NULL)
		return;
	cam->arrival.shared = camera == NULL;
	if (arrival_status(&cam->arrival, status))
		out->kick = true; /* a window's video may be waiting for it */
}

void core_send_failed(struct sched_core *c, const char *request_id, int rc, struct sched_out *out)
{
	struct pending *p = pending_find(c, request_id);
	struct runner *r;
	char why[ERRMSG_MAX];

	if (p == NULL)
		return;
	if (p->schedule[0] == '\0') {
		err_why(why, "could not forward to camera '%s': %s", p->camera,
			 err_str(rc));
		core_relay_error(c, p, rc, why, out);
	} else if ((r = core_runner(c, p->schedule)) != NULL) {
		r->n.requests--;
		r->n.unsent++;
	}
	core_pending_drop(c, p);
}

static void switch_state(const struct sched_core *c, const struct runner *r, struct sched_out *out)
{
	char topic[TOPIC_MAX];

	if (topic_fmt(topic, c->cfg->topic_root, "backend/%s/schedules/%s/state",
		      c->cfg->backend_name, r->name) == SL_OK)
		sched_out_add(out, MSG_STATE, topic, strdup(r->runs ? "ON" : "OFF"));
}

void core_switch_states(const struct sched_core *c, struct sched_out *out)
{
	for (int i = 0; i < c->nruns; i++)
		switch_state(c, &c->runs[i], out);
}

void core_switch(struct sched_core *c, struct runner *r, bool on, struct sched_out *out)
{
	if (r->runs != on)
		log_info("schedule '%s' switched %s", r->name, on ? "ON" : "OFF");
	r->runs = on;
	switch_state(c, r, out);
	c->plans_dirty = true;
	out->status = true;
	out->kick = true;
}

static void profile_state(const struct sched_core *c, const char *camera, struct sched_out *out)
{
	char topic[TOPIC_MAX];
	char id[2] = {ha_capture_profile(c->cfg, switches_profile(c->sw, camera)), '\0'};

	if (id[0] && topic_fmt(topic, c->cfg->topic_root, "backend/%s/cameras/%s/profile/state",
			       c->cfg->backend_name, camera) == SL_OK)
		sched_out_add(out, MSG_STATE, topic, strdup(id));
}

void core_profile_states(const struct sched_core *c, const char *camera, struct sched_out *out)
{
	if (camera) {
		profile_state(c, camera, out);
		return;
	}
	for (int i = 0; i < c->sw->ncam; i++)
		profile_state(c, c->sw->cam[i].camera, out);
	for (int i = 0; i < c->ncams; i++)
		if (switches_profile(c->sw, c->cams[i].id) == '\0')
			profile_state(c, c->cams[i].id, out);
}

/* One job per camera this backend knows, online or not: its frames of
 * today are on the server either way. */
void core_today(struct sched_core *c, int64_t now, struct sched_out *out)
{
	bool *runs = runs_now(c);
	char topic[TOPIC_MAX], profile;
	int sent = 0;

	if (runs == NULL || topic_fmt(topic, c->cfg->topic_root, "encoder/jobs") != SL_OK)
		goto out;
	profile = ha_today_profile(c->cfg, runs);
	if (profile == '\0') {
		log_warn("timelapse of today: no profile is enabled");
		goto out;
	}
	for (int i = 0; i < c->ncams; i++) {
		json_t *job;

		if ((!c->cams[i].known && !c->cams[i].pinned && !c->cams[i].listed) ||
		    !cameras_follows(c, &c->cams[i], NULL))
			continue;
		job = plan_today_job(c->cams[i].id, profile, now);
		if (sched_out_json(out, MSG_JOB, topic, job) == SL_OK) {
			log_info("timelapse of today: encode job %s",
				 json_string_value(json_object_get(job, "job_id")));
			sent++;
		}
		json_decref(job);
	}
	if (sent == 0)
		log_warn("timelapse of today: no camera known to this backend");
out:
	free(runs);
}

/* body (borrowed) to the backend's response topic, and to the asker's own
 * with its Correlation Data. */
static void answer(struct sched_core *c, const struct pending *p, json_t *body,
		   struct sched_out *out)
{
	struct mqtt_reply_to *copy;
	char topic[TOPIC_MAX];

	json_object_set_new(body, "request_id",
			    p->client_request_id ? json_string(p->client_request_id) : json_null());
	if (p->camera[0])
		json_object_set_new(body, "camera", json_string(p->camera));
	if (topic_fmt(topic, c->cfg->topic_root, "backend/%s/capture/response",
		      c->cfg->backend_name) == SL_OK)
		sched_out_json(out, MSG_ANSWER, topic, body);
	if (p->reply_to == NULL)
		return;
	if (mqtt_reply_to_new(p->reply_to->topic, p->reply_to->correlation,
			      p->reply_to->correlation_len, &copy) != SL_OK) {
		log_error("answer to %s dropped: out of memory", p->reply_to->topic);
		return;
	}
	if (sched_out_json(out, MSG_ANSWER, copy->topic, body) != SL_OK) {
		mqtt_reply_to_free(&copy);
		return;
	}
	out->msg[out->n - 1].reply_to = copy;
}

void core_relay_error(struct sched_core *c, const struct pending *p, int code, const char *why,
		      struct sched_out *out)
{
	json_t *body = json_pack("{s:s, s:s, s:s, s:[]}", "status", "error", "error", why,
				 "error_kind", err_kind(code), "frames");

	log_warn("capture request through the backend: %s", why);
	if (body)
		answer(c, p, body, out);
	json_decref(body);
}

void core_relay_answer(struct sched_core *c, const struct pending *p, const json_t *result,
		       struct sched_out *out)
{
	char why[ERRMSG_MAX];
	json_t *body;

	if (result == NULL) {
		err_why(why, "no answer from camera '%s' within %d s", p->camera,
			 c->cfg->pi_timeout_seconds);
		core_relay_error(c, p, SL_ERR_TIMEOUT, why, out);
		return;
	}
	body = json_copy((json_t *)result);
	if (body)
		answer(c, p, body, out);
	json_decref(body);
}
