/* registry.c - known job states and worker availability; see registry.h.
 *
 * Maps are jansson objects keyed by id: a few thousand jobs at most, and
 * the states are JSON already.
 */
#include "registry.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

#include "jsonx.h"
#include "state.h"

int registry_init(struct registry *r)
{
	r->jobs = json_object();
	r->workers = json_object();
	r->published = json_object();
	if (r->jobs == NULL || r->workers == NULL || r->published == NULL) {
		registry_free(r);
		return SL_ERR_NOMEM;
	}
	return SL_OK;
}

void registry_free(struct registry *r)
{
	if (r == NULL)
		return;
	json_decref(r->jobs);
	json_decref(r->workers);
	json_decref(r->published);
	memset(r, 0, sizeof(*r));
}

const json_t *registry_note_state(struct registry *r, const char *job_id, const char *payload,
				  size_t len)
{
	char why[ERRMSG_MAX];
	json_t *st;

	if (len == 0) {
		json_object_del(r->jobs, job_id);
		return NULL;
	}
	st = jsonx_parse_object("payload", payload, len, PAYLOAD_MAX * 16, why);
	if (st == NULL || json_object_size(st) == 0) {
		json_decref(st);
		return NULL;
	}
	json_object_set_new(r->jobs, job_id, st);
	return st;
}

const json_t *registry_state(const struct registry *r, const char *job_id)
{
	return json_object_get(r->jobs, job_id);
}

void registry_note_worker(struct registry *r, const char *worker, bool online, int64_t now_ms)
{
	json_t *w = json_object_get(r->workers, worker);

	if (w && json_is_true(json_object_get(w, "online")) == online)
		return; /* a repeat (reconnect) does not restart the clock */
	json_object_set_new(r->workers, worker,
			    json_pack("{s:b, s:I}", "online", online, "since", (json_int_t)now_ms));
}

bool registry_worker_online(const struct registry *r, const char *worker)
{
	return json_is_true(json_object_get(json_object_get(r->workers, worker), "online"));
}

/* True when no online worker other than `me` has a lower id. */
static bool elected(const struct registry *r, const char *me)
{
	const char *id;
	json_t *w;

	json_object_foreach(r->workers, id,
			    w) if (strcmp(id, me) < 0 &&
				   json_is_true(json_object_get(w, "online"))) return false;
	return true;
}

enum claim registry_decide(const struct registry *r, const char *me, const json_t *st,
			   int64_t now_ms, int64_t since_ms, int *attempts, char why[ERRMSG_MAX])
{
	const char *owner = json_string_value(json_object_get(st, "worker"));
	const json_t *req = json_object_get(st, "request");
	json_t *w;
	enum job_state state;

	if (job_state_parse(json_string_value(json_object_get(st, "state")), &state) ||
	    !job_state_active(state))
		return CLAIM_NONE;
	if (owner == NULL)
		owner = "";
	/* Our own job that this process published a state for and no longer
	 * holds: finished or given up a moment ago, the echo of its last state
	 * maybe still on its way. Only a restarted worker (nothing published
	 * yet) takes its own jobs back. */
	if (strcmp(owner, me) == 0 &&
	    json_object_get(r->published, json_string_value(json_object_get(st, "job_id"))))
		return CLAIM_NONE;
	if (strcmp(owner, me) != 0) {
		int64_t since = since_ms;

		if (registry_worker_online(r, owner))
			return CLAIM_NONE;
		w = json_object_get(r->workers, owner);
		if (w)
			since = json_integer_value(json_object_get(w, "since"));
		if (since < since_ms)
			since = since_ms;
		if (now_ms - since < CLAIM_GRACE_MS || !elected(r, me))
			return CLAIM_NONE;
	}
	*attempts = (int)json_integer_value(json_object_get(st, "attempts")) +
		    (state == JOB_RUNNING ? 1 : 0);
	if (*attempts >= JOB_ATTEMPTS_MAX) {
		err_why(why, "interrupted %d times (worker '%.64s' stopped during it); "
			 "giving up",
			 *attempts, owner);
		return CLAIM_FAIL;
	}
	if (!json_is_object(req)) {
		err_why(why, "worker '%.64s' stopped and the job cannot be resumed "
			 "(its state has no request)",
			 owner);
		return CLAIM_FAIL;
	}
	return CLAIM_TAKE;
}

bool registry_note_published(struct registry *r, const char *job_id, const char *payload)
{
	const char *last = json_string_value(json_object_get(r->published, job_id));

	if (last && strcmp(last, payload) == 0)
		return false;
	json_object_set_new(r->published, job_id, json_string(payload));
	return true;
}
