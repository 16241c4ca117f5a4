/* offline.c - the kept plan, and each of its slots taken once, by request
 * or by plan; see offline.h. */
#include "offline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "jsonx.h"
#include "log.h"
#include "profile.h"
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

/* Takes k for good with its frames (borrowed). */
static void book(struct offline *o, const struct slot_key *k, json_t *frames)
{
	if (slotbook_claim(&o->book, k) == SLOT_SHOOT)
		slotbook_done(&o->book, k, SL_OK, NULL, frames);
}

void offline_book_frames(struct offline *o, const json_t *frames)
{
	struct slot_key k = {0}, f_key;
	json_t *group = NULL, *f;
	size_t i;

	/* a slot's frames (brackets) are stored one after the other */
	json_array_foreach(frames, i, f) {
		const char *slot = json_string_value(json_object_get(f, "slot"));
		const char *prof = json_string_value(json_object_get(f, "profile"));
		int64_t slot_ms;

		if (slot == NULL || prof == NULL || time_parse_iso(slot, &slot_ms) != SL_OK)
			continue;
		slotbook_key(&f_key, json_string_value(json_object_get(f, "schedule")), slot_ms,
			     prof[0]);
		if (group && (f_key.slot_ms != k.slot_ms || f_key.profile != k.profile ||
			      strcmp(f_key.schedule, k.schedule) != 0)) {
			book(o, &k, group);
			json_decref(group);
			group = NULL;
		}
		if (group == NULL && (group = json_array()) == NULL)
			return;
		k = f_key;
		json_array_append(group, f);
	}
	if (group)
		book(o, &k, group);
	json_decref(group);
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
		log_warn("plan from backend '%s' ignored: only '%s' plans this camera",
			 p.backend_name, primary);
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

/* The id of the profile `asked` names (NULL or "": the first enabled one),
 * or '\0' when there is none. */
static char profile_of(const struct capture_agent *a, const char *asked)
{
	const struct profile *p = asked && *asked ? profile_find(&a->cfg->profiles, asked)
						  : profile_first_enabled(&a->cfg->profiles);

	return p ? p->id : '\0';
}

bool offline_claim(struct offline *o, const struct capture_agent *a, struct capture_job *job)
{
	char when[TIME_ISO_MAX];
	struct slot_key k;

	job->profile = profile_of(a, job->profile_asked);
	if (job->slot_ms == 0 || job->profile == '\0')
		return true; /* no slot, or a profile that the shoot refuses */
	slotbook_key(&k, job->schedule, job->slot_ms, job->profile);
	if (slotbook_claim(&o->book, &k) == SLOT_SHOOT) {
		if (o->following)
			log_info("requests for the plan's slots are back");
		o->following = false;
		return true;
	}
	time_format_utc(job->slot_ms, when);
	log_info("request %s: slot %s of profile %c taken already; answered with its frames",
		 job->request_id ? job->request_id : "(no id)", when, job->profile);
	job->replay = true;
	return false;
}

void offline_close(struct offline *o, struct capture_job *job)
{
	const struct slot_taken *e;
	struct slot_key k;

	if (job->slot_ms == 0 || job->profile == '\0')
		return;
	slotbook_key(&k, job->schedule, job->slot_ms, job->profile);
	if (!job->replay) {
		slotbook_done(&o->book, &k, job->rc, job->why, job->frames);
		return;
	}
	e = slotbook_find(&o->book, &k);
	if (e == NULL || !e->done) { /* not after SLOTBOOK_MAX newer slots, nor out of order */
		job->rc = SL_ERR_NOTFOUND;
		snprintf(job->why, sizeof(job->why),
			 "the slot was taken but its frames are forgotten");
		return;
	}
	job->rc = e->rc;
	snprintf(job->why, sizeof(job->why), "%s", e->why);
	json_decref(job->frames);
	job->frames = json_incref(e->frames);
}

/* Shoots the profiles of window w's slot that no request has taken. */
static void shoot_slot(struct offline *o, struct capture_agent *a, struct writer *wr,
		       const struct plan_window *w, int64_t slot)
{
	const char *profs = w->profiles[0] ? w->profiles : "\0";
	size_t n = w->profiles[0] ? strlen(w->profiles) : 1;

	for (size_t i = 0; i < n; i++) {
		char pid[2] = {profs[i], '\0'}, rid[64], when[TIME_ISO_MAX];
		struct capture_request req = {pid[0] ? pid : NULL, NULL, rid, NULL, NULL, slot};
		struct capture_job *job;
		struct slot_key k;
		char id = profile_of(a, req.profile);

		slotbook_key(&k, w->schedule, slot, id);
		if (id == '\0' || slotbook_claim(&o->book, &k) != SLOT_SHOOT)
			continue;
		if (!o->following) {
			time_format_utc(slot, when);
			log_warn("no request for slot %s of '%s': capturing per the plan", when,
				 w->schedule);
		}
		o->following = true;
		req.backend_name = o->plan.backend_name[0] ? o->plan.backend_name : NULL;
		req.schedule = w->schedule[0] ? w->schedule : NULL;
		snprintf(rid, sizeof(rid), "plan-%lld-%c", (long long)slot, id);
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
	int64_t now = time_now_ms();

	if (!o->have_plan || a->cam == NULL)
		return;
	for (int i = 0; i < o->plan.n; i++) {
		int64_t slot = slotbook_due(&o->plan.w[i], now);

		if (slot >= 0)
			shoot_slot(o, a, wr, &o->plan.w[i], slot);
	}
}

void offline_free(struct offline *o)
{
	slotbook_clear(&o->book);
}
