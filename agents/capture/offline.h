/* offline.h - the plan's slots: each taken once, by its request or, when
 * none has come, by the agent on the plan's authority.
 *
 * Keeps the last plan of the PRIMARY_BACKEND (plan.h: in memory, and in a
 * file so that a restart has it). A scheduled request names its slot; the
 * slot book (slotbook.h) takes it, or finds it taken already. When a
 * slot's grace passes without its request (the scheduler is gone, the
 * broker is, or the request was lost), the agent shoots it (one job a
 * profile of the window) whether the broker is there or not; frames taken
 * while the broker is away are journaled until it is back (journal.h).
 * Requests without a slot (relayed, manual) are not the book's business.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_OFFLINE_H
#define SKYLAPSE_AGENTS_CAPTURE_OFFLINE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "plan.h"
#include "slotbook.h"
#include "writer.h"

struct offline {
	struct plan plan;
	bool have_plan;
	bool following; /* the last slot was the plan's, not a request's (for the log) */
	struct slotbook book; /* with the slots of the frames on disk at start (recall.h):
			       * a restart shoots none twice, and retakes one it lost */
	char plan_path[PATH_MAX];
};

/* Loads the plan kept in o->plan_path, if any. */
void offline_load_plan(struct offline *o);

/* Books the slots of frames found on disk at start (recall.h; `frames`
 * borrowed, oldest first): taken, and a late request gets these frames. */
void offline_book_frames(struct offline *o, const json_t *frames);

/* Keeps the plan payload (borrowed) when it comes from `primary` (any
 * backend when primary is empty); an empty payload is ignored. */
void offline_take_plan(struct offline *o, const char *primary, const void *payload, size_t len);

/* True when now_ms (wall clock) is inside a window of the kept plan. */
bool offline_in_window(const struct offline *o, int64_t now_ms);

/* A request job about to be shot: true to shoot it; false when its slot
 * was taken already, the job then marked a replay, to go through the
 * writer behind that slot's own job (its answer is filled by
 * offline_close). Jobs without a slot are always shot. */
bool offline_claim(struct offline *o, const struct capture_agent *a, struct capture_job *job);

/* A job is over (main thread): a slot's outcome is kept for late requests,
 * and a replay gets the outcome of the slot it asked for. */
void offline_close(struct offline *o, struct capture_job *job);

/* Called every tick: shoots the plan's slots whose grace has passed
 * without a request, with a's camera, and pushes their jobs to `w`. */
void offline_tick(struct offline *o, struct capture_agent *a, struct writer *w);

/* Frees what o holds. */
void offline_free(struct offline *o);

#endif
