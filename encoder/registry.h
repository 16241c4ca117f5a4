/* registry.h - what a worker knows of the other workers and their jobs.
 *
 * Every worker subscribes to R/encoder/jobs/+ and R/encoder/+/availability,
 * so each knows the latest (retained) state of every job and which workers
 * are online. That is enough to keep the contract without a coordinator:
 *  - a job id already known is not run again (the same job_id is one job);
 *  - a queued or running job whose worker went offline is taken over (or
 *    failed, after JOB_ATTEMPTS_MAX interruptions) by the online worker
 *    with the lowest id, after a grace period, so a worker that is just
 *    reconnecting (it re-publishes its states before "online") is not
 *    robbed; a worker restarting under the same id takes its own jobs back
 *    at once (but never one this process already published a state for:
 *    that one it finished or gave up itself).
 * Pure bookkeeping: no MQTT here, so the rules are unit-tested.
 */
#ifndef SKYLAPSE_ENCODER_REGISTRY_H
#define SKYLAPSE_ENCODER_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define JOB_ATTEMPTS_MAX 3
#define CLAIM_GRACE_MS	 2000

struct registry {
	json_t *jobs;	   /* job_id -> latest state object (owned) */
	json_t *workers;   /* worker id -> {"online": bool, "since": ms} */
	json_t *published; /* job_id -> the payload we last published for it */
};

enum claim { CLAIM_NONE, CLAIM_TAKE, CLAIM_FAIL };

int registry_init(struct registry *r);
void registry_free(struct registry *r);

/* Records the state payload of job_id (an empty payload forgets it).
 * Returns the stored state, borrowed, or NULL (empty or not an object). */
const json_t *registry_note_state(struct registry *r, const char *job_id, const char *payload,
				  size_t len);
/* The latest known state of job_id, borrowed, or NULL. */
const json_t *registry_state(const struct registry *r, const char *job_id);

/* Records a worker's availability payload ("online" / anything else). */
void registry_note_worker(struct registry *r, const char *worker, bool online, int64_t now_ms);
bool registry_worker_online(const struct registry *r, const char *worker);

/* What `me` should do about `st`, a state no local job holds: nothing,
 * take it (*attempts: the interruptions so far, counting this one), or
 * fail it (why). `since_ms`: when this worker's view became complete;
 * workers never seen count as offline since then. */
enum claim registry_decide(const struct registry *r, const char *me, const json_t *st,
			   int64_t now_ms, int64_t since_ms, int *attempts, char why[ERRMSG_MAX]);

/* Remembers the payload we published for job_id; returns true when it
 * differs from the last one (so a caller can avoid echo loops). */
bool registry_note_published(struct registry *r, const char *job_id, const char *payload);

#endif
