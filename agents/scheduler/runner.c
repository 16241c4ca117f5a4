/* runner.c - one schedule at work: its windows, its slots, its requests.
 *
 * A runner holds the schedule's current (or next) window and the cadence of
 * its slots. runner_step() is called by the daemon's tick whenever a slot,
 * a window start or a window end is due: it opens and closes windows,
 * sends one request per camera and profile for a slot that is on time,
 * and counts what it could not send. A window that ran and closes publishes
 * the schedule's auto encode jobs, whatever the schedule is called.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "log.h"
#include "plan.h"
#include "scheduler.h"
#include "timeutil.h"

#define HOUR_MS 3600000LL

struct runner *runner_find(struct scheduler *sch, const char *name)
{
	for (int i = 0; i < sch->nruns; i++)
		if (strcmp(sch->runs[i].name, name) == 0)
			return &sch->runs[i];
	return NULL;
}

int runner_build(struct scheduler *sch)
{
	int n = sch->cfg.nschedules;
	struct runner *fresh = calloc((size_t)(n > 0 ? n : 1), sizeof(*fresh));

	if (fresh == NULL)
		return SL_ERR_NOMEM;
	for (int i = 0; i < n; i++) {
		const struct schedule *s = &sch->cfg.schedules[i];
		struct runner *old = runner_find(sch, s->name), *r = &fresh[i];

		if (old) {
			/* counters and the window's progress carry over; the
			 * window itself is checked again against the new timing */
			*r = *old;
			r->reeval = true;
		}
		snprintf(r->name, sizeof(r->name), "%s", s->name);
		r->s = s;
		r->runs = switches_runs(&sch->sw, s);
		r->today_key = 0;
		r->next_key = -1;
	}
	free(sch->runs);
	sch->runs = fresh;
	sch->nruns = n;
	return SL_OK;
}

static void remember_camera(struct runner *r, const char *camera)
{
	for (int i = 0; i < r->ncams; i++)
		if (strcmp(r->cams[i], camera) == 0)
			return;
	if (r->ncams < RUN_CAMERAS_MAX)
		snprintf(r->cams[r->ncams++], ID_MAX + 1, "%s", camera);
}

/* Expiry = the interval: a request the camera cannot start before the
 * next slot is dropped by the broker or the agent, never run late. */
static int send_request(struct scheduler *sch, struct runner *r, const char *camera, char profile,
			int64_t slot_ms)
{
	struct mqtt_pub_props props = {.expiry_seconds = r->s->interval_seconds};
	char topic[TOPIC_MAX], pid[2] = {profile, '\0'};
	int timeout_s = sch->cfg.pi_timeout_seconds;
	struct pending *p = sched_pending_new(sch);
	json_t *req;
	int rc;

	if (p == NULL)
		return SL_ERR_BUSY;
	snprintf(p->id, sizeof(p->id), "%s-%lld-%ld", r->name, (long long)slot_ms, ++sch->seq);
	snprintf(p->camera, sizeof(p->camera), "%s", camera);
	snprintf(p->schedule, sizeof(p->schedule), "%s", r->name);
	if (r->s->interval_seconds > timeout_s)
		timeout_s = r->s->interval_seconds;
	/* from the slot, not from when it went out: the next slot then finds
	 * the same answer whatever the tick's own lateness */
	p->deadline_ms = slot_ms + (int64_t)timeout_s * 1000;
	req = json_pack("{s:s, s:s, s:s, s:s}", "backend_name", sch->cfg.backend_name, "schedule",
			r->name, "profile", pid, "request_id", p->id);
	rc = topic_fmt(topic, sch->cfg.topic_root, "%s/capture/request", camera);
	if (rc == SL_OK)
		rc = req ? sched_publish_json(sch, topic, req, &props) : SL_ERR_NOMEM;
	json_decref(req);
	if (rc)
		sched_pending_drop(sch, p);
	return rc;
}

static void send_slot(struct scheduler *sch, struct runner *r, int64_t slot_ms,
		      const char *cams[], int ncams)
{
	char ids[PROFILE_MAX + 1];

	plan_schedule_profiles(&sch->cfg, r->s, ids);
	if (ncams == 0 || !mqtt_is_connected(sch->mqtt) || ids[0] == '\0') {
		r->n.unsent += ncams > 0 ? ncams : 1;
		return;
	}
	for (int i = 0; i < ncams; i++) {
		if (sched_busy(sch, r->name, cams[i])) {
			r->n.missed++;
			log_debug("%s: camera '%s' still busy with the last slot; slot skipped",
				  r->name, cams[i]);
			continue;
		}
		remember_camera(r, cams[i]);
		for (int j = 0; ids[j]; j++) {
			if (send_request(sch, r, cams[i], ids[j], slot_ms) == SL_OK) {
				r->n.requests++;
				r->last_request_ms = slot_ms;
			} else {
				r->n.unsent++;
			}
		}
	}
}

static void close_window(struct scheduler *sch, struct runner *r)
{
	const char *targets[CAMERAS_MAX];
	char ids[PROFILE_MAX + 1], topic[TOPIC_MAX];
	int n = sched_targets(sch, targets);

	if (!r->s->timelapse_auto)
		return;
	for (int i = 0; i < n; i++)
		remember_camera(r, targets[i]);
	if (topic_fmt(topic, sch->cfg.topic_root, "encoder/jobs") != SL_OK)
		return;
	plan_schedule_profiles(&sch->cfg, r->s, ids);
	for (int i = 0; i < r->ncams; i++) {
		for (int j = 0; ids[j]; j++) {
			json_t *job = plan_encode_job(r->s, &r->w, r->cams[i], ids[j]);

			if (job && sched_publish_json(sch, topic, job, NULL) == SL_OK)
				log_info("%s: window closed; encode job %s published", r->name,
					 json_string_value(json_object_get(job, "job_id")));
			else
				log_error("%s: window closed; could not publish its encode job",
					  r->name);
			json_decref(job);
		}
	}
}

/* Takes the window containing now, else the next one. The same window as
 * before (a reload that changed nothing of it) keeps its cadence, so no
 * slot is sent twice. */
static void set_window(struct scheduler *sch, struct runner *r, int64_t now)
{
	int64_t interval_ms = (int64_t)r->s->interval_seconds * 1000;
	struct window w;
	bool active;

	if (window_current_or_next(&sch->cfg, r->s, now, &w, &active) != SL_OK) {
		if (r->retry_ms == 0)
			log_info("%s: no window in the next 400 days", r->name);
		/* the search costs a year of sun: not on every tick */
		r->retry_ms = now + HOUR_MS;
		r->have_window = false;
		r->ran = false;
		return;
	}
	r->retry_ms = 0;
	if (r->have_window && w.start_ms == r->w.start_ms && w.end_ms == r->w.end_ms &&
	    r->cad.interval_ms == interval_ms)
		return;
	r->w = w;
	r->have_window = true;
	r->ran = false;
	r->ncams = 0;
	r->next_key = -1;
	cadence_start(&r->cad, w.start_ms, w.end_ms, interval_ms, now);
}

int64_t runner_step(struct scheduler *sch, struct runner *r, int64_t now)
{
	const char *cams[CAMERAS_MAX];
	int64_t slot, next;
	long missed = 0;
	int ncams;

	if (r->have_window && now >= r->w.end_ms) {
		if (r->ran)
			close_window(sch, r);
		r->have_window = false;
		sched_touch_status(sch);
	}
	if (r->reeval || (!r->have_window && now >= r->retry_ms)) {
		r->reeval = false;
		set_window(sch, r, now);
		sched_touch_status(sch);
	}
	if (!r->have_window)
		return r->retry_ms; /* none to come; a reload may bring one */
	if (now < r->w.start_ms)
		return r->w.start_ms;
	if (!r->runs) {
		cadence_skip(&r->cad, now);
	} else {
		r->ran = true;
		ncams = sched_targets(sch, cams);
		if (cadence_take(&r->cad, now, &slot, NULL, &missed)) {
			log_debug("%s: slot %lld, %lld ms late", r->name, (long long)slot,
				  (long long)(sched_now(sch) - slot));
			send_slot(sch, r, slot, cams, ncams);
		}
		if (missed) {
			if (ncams > 0)
				r->n.missed += missed * ncams;
			else
				r->n.unsent += missed;
			log_debug("%s: %ld slot(s) passed while the scheduler was late", r->name,
				  missed);
		}
		sched_touch_status(sch);
	}
	next = cadence_next_ms(&r->cad);
	return next < r->w.end_ms ? next : r->w.end_ms;
}

void runner_result(struct scheduler *sch, struct runner *r, const struct pending *p, bool ok,
		   const char *error)
{
	(void)p;
	if (ok) {
		r->n.ok++;
		r->last_ok_ms = sched_now(sch);
	} else {
		r->n.errors++;
		snprintf(r->last_error, sizeof(r->last_error), "%s", error ? error : "error");
	}
	sched_touch_status(sch);
}

void runner_refresh_windows(struct scheduler *sch, struct runner *r, int64_t now)
{
	long key = sched_date_key(now);
	bool active;

	if (r->today_key != key) {
		int y, m, d;

		window_local_date(now, &y, &m, &d);
		r->today_ok = window_for_date(&sch->cfg, r->s, y, m, d, &r->today) == SL_OK;
		r->today_key = key;
	}
	if (!r->have_window) {
		r->next_ok = false;
	} else if (now < r->w.start_ms) {
		r->next = r->w;
		r->next_ok = true;
	} else if (r->next_key != r->w.end_ms) {
		/* the one after the current window; computed once per window */
		r->next_ok = window_current_or_next(&sch->cfg, r->s, r->w.end_ms, &r->next,
						    &active) == SL_OK;
		r->next_key = r->w.end_ms;
	}
}
