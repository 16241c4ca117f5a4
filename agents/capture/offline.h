/* offline.h - capturing on the plan's authority while the broker is away.
 *
 * Keeps the last plan of the PRIMARY_BACKEND (plan.h: in memory, and in a
 * file so that a restart while offline still has it). Once the broker has
 * been away for more than two intervals inside a window, each new slot of
 * the window is shot (one job a profile of the window) and handed to the
 * writer; the frames are journaled until the broker is back (journal.h).
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_OFFLINE_H
#define SKYLAPSE_AGENTS_CAPTURE_OFFLINE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "plan.h"
#include "writer.h"

struct offline {
	struct plan plan;
	bool have_plan;
	int64_t away_since; /* monotonic ms the broker was lost; 0 while connected */
	int64_t last_slot;  /* the last slot shot, 0 for none */
	char plan_path[PATH_MAX];
};

/* Loads the plan kept in o->plan_path, if any. */
void offline_load_plan(struct offline *o);

/* Keeps the plan payload (borrowed) when it comes from `primary` (any
 * backend when primary is empty); an empty payload is ignored. */
void offline_take_plan(struct offline *o, const char *primary, const void *payload, size_t len);

/* True when now_ms (wall clock) is inside a window of the kept plan. */
bool offline_in_window(const struct offline *o, int64_t now_ms);

/* Called every tick: shoots the slot that is due, if any, with a's camera
 * and pushes its jobs to `w`. */
void offline_tick(struct offline *o, struct capture_agent *a, struct writer *w);

#endif
