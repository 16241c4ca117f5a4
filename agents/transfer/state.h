/* state.h - the transfer's state machine, free of I/O so it can be tested
 * with a fake clock.
 *
 *   IDLE --sync due--> SYNCING --ok--> VERIFYING --> CLEANING --ok--> IDLE
 *                         |                              |
 *                         +--failed--> BACKOFF <--failed-+
 *   BACKOFF --retry time--> SYNCING        any --stop--> STOPPED
 *   DISABLED (TRANSFER_ENABLED=false) never leaves, except to STOPPED.
 *
 * A sync is due when the interval has passed since the last full one
 * began, or when frames were announced and the batching delay has passed
 * since the first of them (so a burst of announcements is one sync).
 * Announcements while a cycle runs are remembered and start the next cycle
 * as soon as this one ends. A sync is "full" (lists everything on the Pi,
 * cleans up) when the interval is due, after a failure or when a repair
 * asks for it; otherwise it only fetches what was announced. The driver
 * owns one timer set to state_wait_ms().
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_STATE_H
#define SKYLAPSE_AGENTS_TRANSFER_STATE_H

#include <stdbool.h>
#include <stdint.h>

enum xfer_state {
	XFER_IDLE,
	XFER_SYNCING,
	XFER_VERIFYING,
	XFER_CLEANING,
	XFER_BACKOFF,
	XFER_DISABLED,
	XFER_STOPPED,
};

struct xfer_timing {
	int64_t interval_ms;	/* TRANSFER_INTERVAL_MINUTES */
	int64_t batch_ms;	/* wait after a first announcement */
	int64_t backoff_min_ms; /* first retry after a failure, doubling */
	int64_t backoff_max_ms;
};

struct xfer_sm {
	enum xfer_state state;
	struct xfer_timing t;
	int failures;	/* consecutive failed cycles */
	bool pending;	/* announced (or a repair asked) since the last sync began */
	bool want_full; /* a repair asked for a full sync */
	int64_t pending_since_ms;
	int64_t interval_due_ms; /* next full sync by the interval */
	int64_t retry_at_ms;	 /* end of the current back-off */
};

/* Starts IDLE with a sync due at once, or DISABLED. */
void state_init(struct xfer_sm *sm, const struct xfer_timing *t, bool enabled, int64_t now);

/* True when a sync should begin now. */
bool state_sync_due(const struct xfer_sm *sm, int64_t now);
/* True when the sync to begin now should be a full one. */
bool state_full_due(const struct xfer_sm *sm, int64_t now);
/* Milliseconds until state_sync_due() becomes true; 0 if it is; -1 when
 * nothing can start (a cycle is running, disabled, stopped). */
int64_t state_wait_ms(const struct xfer_sm *sm, int64_t now);

/* Frames were announced. Allowed in every state; remembered for the next
 * cycle. */
void state_announce(struct xfer_sm *sm, int64_t now);

/* Transitions. Each returns 0, or SL_ERR_INVAL (and changes nothing) when
 * called in a state it does not leave. */
int state_begin_sync(struct xfer_sm *sm, bool full, int64_t now);    /* IDLE|BACKOFF -> SYNCING */
int state_sync_done(struct xfer_sm *sm, bool ok, int64_t now);       /* -> VERIFYING|BACKOFF */
int state_verify_done(struct xfer_sm *sm, bool resync, int64_t now); /* -> CLEANING */
int state_clean_done(struct xfer_sm *sm, bool ok, int64_t now);      /* -> IDLE|BACKOFF */
void state_stop(struct xfer_sm *sm);
/* Bad server copies were removed: a full sync, due at once, fetches them. */
void state_request_full(struct xfer_sm *sm, int64_t now); /* any -> STOPPED */

/* The back-off after `failures` consecutive failures (>= 1). */
int64_t state_backoff_ms(const struct xfer_timing *t, int failures);
/* "idle", "syncing", ...; never NULL. */
const char *state_name(enum xfer_state s);

#endif
