/* offline.c - the kept plan and the captures it calls for while the broker
 * is away; see offline.h. */
#include "offline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "jsonx.h"
#include "log.h"
#include "loop.h"
#include "timeutil.h"

void offline_load_plan(struct offline *o)
{
	char why[ERRMSG_MAX];
	json_t *obj = json_load_file(o->plan_path, 0, NULL);

	if (obj && plan_parse(obj, &o->plan, why) == SL_OK && o->plan.n > 0) {
		o->have_plan = true;
		log_info("saved plan from '%s': %d windows", o->plan.backend_name, o->plan.n);
	}
	json_decref(obj);
}

void offline_take_plan(struct offline *o, const char *primary, const void *payload, size_t len)
{
	char why[ERRMSG_MAX];
	struct plan p;
	json_t *obj;

	if (len == 0)
		return;
	obj = jsonx_parse_object("payload", payload, len, PAYLOAD_MAX, why);
	if (obj == NULL || plan_parse(obj, &p, why) != SL_OK) {
		log_warn("plan ignored: %s", why);
		json_decref(obj);
		return;
	}
	json_decref(obj);
	if (primary[0] && strcmp(p.backend_name, primary) != 0) {
		log_warn("plan from backend '%s' ignored: only '%s' plans this camera", p.backend_name,
			 primary);
		return;
	}
	o->plan = p;
	o->have_plan = true;
	if (file_write_atomic(o->plan_path, payload, len) < 0)
		log_warn("cannot keep the plan in %s: %s", o->plan_path, strerror(errno));
	log_info("plan from '%s': %d windows", p.backend_name, p.n);
}

bool offline_in_window(const struct offline *o, int64_t now_ms)
{
	return o->have_plan && plan_window_at(&o->plan, now_ms) >= 0;
}

/* Shoots one slot of window w: a job for each of its profiles. */
static void shoot_slot(struct offline *o, struct capture_agent *a, struct writer *wr,
		       const struct plan_window *w, int64_t slot)
{
	const char *profs = w->profiles[0] ? w->profiles : "\0";
	size_t n = w->profiles[0] ? strlen(w->profiles) : 1;

	for (size_t i = 0; i < n; i++) {
		char pid[2] = {profs[i], '\0'}, rid[64];
		struct capture_request req = {pid[0] ? pid : NULL, NULL, rid, NULL, NULL};
		struct capture_job *job;

		req.backend_name = o->plan.backend_name[0] ? o->plan.backend_name : NULL;
		req.schedule = w->schedule[0] ? w->schedule : NULL;
		snprintf(rid, sizeof(rid), "offline-%lld-%s", (long long)slot, pid[0] ? pid : "x");
		job = capture_job_new(a, &req);
		if (job == NULL)
			return;
		job->offline = true;
		capture_shoot(a, job, time_now_ms());
		writer_push(wr, job);
	}
}

void offline_tick(struct offline *o, struct capture_agent *a, struct writer *wr)
{
	int64_t now = time_now_ms(), slot;
	const struct plan_window *w;
	int wi;

	if (o->away_since == 0 || !o->have_plan || a->cam == NULL)
		return;
	wi = plan_window_at(&o->plan, now);
	if (wi < 0)
		return;
	w = &o->plan.w[wi];
	if (loop_now_ms() - o->away_since <= time_real_delay_ms(2000LL * w->interval_s))
		return;
	slot = plan_slot_at(w, now);
	if (slot <= o->last_slot)
		return;
	if (o->last_slot == 0)
		log_warn("broker away for more than two intervals in window '%s': capturing per the plan",
			 w->schedule);
	o->last_slot = slot;
	shoot_slot(o, a, wr, w, slot);
}
