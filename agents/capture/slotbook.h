/* slotbook.h - which planned slots the agent has taken, so that each is
 * taken exactly once.
 *
 * A slot is (schedule, time, profile): the scheduler sends one request a
 * profile a slot, carrying the slot's time, and the plan's window lists the
 * same profiles at the same times (start + k x interval). A slot is taken
 * by its request, or, when none has come a grace after the slot's time, by
 * the plan; a request that comes after that is answered with what the slot
 * already gave (its outcome, kept here), never shot again. The book keeps
 * the last SLOTBOOK_MAX slots taken, far more than a request may be late
 * (its expiry is one interval). No I/O, no clock: times are arguments.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_SLOTBOOK_H
#define SKYLAPSE_AGENTS_CAPTURE_SLOTBOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "plan.h"

#define SLOTBOOK_MAX 256

struct slot_key {
	char schedule[ID_MAX + 1]; /* "" for none */
	int64_t slot_ms;
	char profile; /* the profile's id, 'a'..'z' */
};

struct slot_taken {
	struct slot_key key;
	bool done; /* its job is over: rc, why and frames are its outcome */
	int rc;
	char why[ERRMSG_MAX];
	json_t *frames; /* owned once done: the announcements it gave */
};

struct slotbook {
	struct slot_taken e[SLOTBOOK_MAX]; /* a ring: the oldest goes first */
	int n, next;
};

enum slot_claim {
	SLOT_SHOOT, /* the slot was free and is taken now: shoot it */
	SLOT_TAKEN, /* taken already: answer with its outcome (slotbook_find) */
};

/* Fills *k; schedule may be NULL. */
void slotbook_key(struct slot_key *k, const char *schedule, int64_t slot_ms, char profile);

/* Takes k when it is free. */
enum slot_claim slotbook_claim(struct slotbook *b, const struct slot_key *k);

/* Records the outcome of k's shot: rc, why (may be NULL) and frames
 * (borrowed; the book keeps its own reference). Unknown keys are ignored. */
void slotbook_done(struct slotbook *b, const struct slot_key *k, int rc, const char *why,
		   json_t *frames);

/* The entry of k (borrowed from the book), or NULL. */
const struct slot_taken *slotbook_find(const struct slotbook *b, const struct slot_key *k);

/* Frees what the book owns and empties it. */
void slotbook_clear(struct slotbook *b);

/* How long after its time a slot waits for its request before the plan
 * takes it: as late as the scheduler may still send it (half the
 * interval, at most 10 s; lib/slots.h). */
int64_t slotbook_grace_ms(int64_t interval_ms);

/* The slot of window w the plan takes at now_ms: the latest whose grace
 * has passed, inside the window; -1 when there is none. Only the latest:
 * slots that passed while the agent was busy are not shot in a burst. */
int64_t slotbook_due(const struct plan_window *w, int64_t now_ms);

#endif
