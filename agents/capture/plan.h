/* plan.h - the capture plan the agent follows when no request comes.
 *
 * The primary backend publishes, retained on R/<camera>/plan, the windows of
 * today and tomorrow (schema/plan.json). The agent keeps the last plan of its
 * PRIMARY_BACKEND (in memory and in a file, so a restart while offline still
 * has it); its slots are start + k x interval, and each is taken once, by its
 * request or by the plan (offline.h, slotbook.h).
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_PLAN_H
#define SKYLAPSE_AGENTS_CAPTURE_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "fsutil.h"
#include "profile.h"

#define PLAN_WINDOWS_MAX 64

struct plan_window {
	int64_t start_ms, end_ms;
	int interval_s;
	char profiles[PROFILE_MAX + 1]; /* "" = the first enabled profile */
	char schedule[ID_MAX + 1];
};

struct plan {
	char backend_name[ID_MAX + 1];
	struct plan_window w[PLAN_WINDOWS_MAX];
	int n;
};

/* Reads a plan payload (borrowed). 0, or SL_ERR_INVAL with why. */
int plan_parse(const json_t *obj, struct plan *out, char why[ERRMSG_MAX]);

/* The window containing now_ms (its index), or -1. */
int plan_window_at(const struct plan *p, int64_t now_ms);

/* The slot of window i that now_ms falls in: start + k x interval with the
 * largest k such that the slot is not after now. */
int64_t plan_slot_at(const struct plan_window *w, int64_t now_ms);

/* The plan's latest slot at or before now_ms and its first slot after it,
 * over every window (0 where there is none). */
void plan_slots_around(const struct plan *p, int64_t now_ms, int64_t *prev_ms, int64_t *next_ms);

#endif
