/* state.c - the transfer's state machine; see state.h.
 *
 * One function per transition. Times are the caller's monotonic
 * milliseconds, so tests drive it with a fake clock.
 */
#include "state.h"

#include <stddef.h>

#include "err.h"

static const char *state_names[] = {
    [XFER_IDLE] = "idle",	  [XFER_SYNCING] = "syncing", [XFER_VERIFYING] = "verifying",
    [XFER_CLEANING] = "cleaning", [XFER_BACKOFF] = "backoff", [XFER_DISABLED] = "disabled",
    [XFER_STOPPED] = "stopped",
};

const char *state_name(enum xfer_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]) || state_names[s] == NULL)
		return "unknown";
	return state_names[s];
}

void state_init(struct xfer_sm *sm, const struct xfer_timing *t, bool enabled, int64_t now)
{
	*sm = (struct xfer_sm){0};
	sm->t = *t;
	sm->state = enabled ? XFER_IDLE : XFER_DISABLED;
	sm->interval_due_ms = now; /* catch up with whatever the Pi holds right away */
}

int64_t state_backoff_ms(const struct xfer_timing *t, int failures)
{
	int64_t d = t->backoff_min_ms;

	for (int i = 1; i < failures && d < t->backoff_max_ms; i++)
		d *= 2;
	return d > t->backoff_max_ms ? t->backoff_max_ms : d;
}

int64_t state_wait_ms(const struct xfer_sm *sm, int64_t now)
{
	int64_t due;

	switch (sm->state) {
	case XFER_IDLE:
		due = sm->interval_due_ms;
		if (sm->pending && sm->pending_since_ms + sm->t.batch_ms < due)
			due = sm->pending_since_ms + sm->t.batch_ms;
		break;
	case XFER_BACKOFF:
		/* announcements do not cut a back-off short: the Pi is still failing */
		due = sm->retry_at_ms;
		break;
	default: return -1;
	}
	return due > now ? due - now : 0;
}

bool state_sync_due(const struct xfer_sm *sm, int64_t now)
{
	return state_wait_ms(sm, now) == 0;
}

bool state_full_due(const struct xfer_sm *sm, int64_t now)
{
	return sm->failures > 0 || sm->want_full || now >= sm->interval_due_ms;
}

void state_announce(struct xfer_sm *sm, int64_t now)
{
	if (sm->pending)
		return;
	sm->pending = true;
	sm->pending_since_ms = now;
}

int state_begin_sync(struct xfer_sm *sm, bool full, int64_t now)
{
	if (sm->state != XFER_IDLE && sm->state != XFER_BACKOFF)
		return SL_ERR_INVAL;
	sm->state = XFER_SYNCING;
	/* what was announced before this point is covered by this sync */
	sm->pending = false;
	if (full) {
		sm->want_full = false;
		sm->interval_due_ms = now + sm->t.interval_ms;
	}
	return SL_OK;
}

static void enter_backoff(struct xfer_sm *sm, int64_t now)
{
	sm->failures++;
	sm->state = XFER_BACKOFF;
	sm->retry_at_ms = now + state_backoff_ms(&sm->t, sm->failures);
}

int state_sync_done(struct xfer_sm *sm, bool ok, int64_t now)
{
	if (sm->state != XFER_SYNCING)
		return SL_ERR_INVAL;
	if (ok)
		sm->state = XFER_VERIFYING;
	else
		enter_backoff(sm, now);
	return SL_OK;
}

int state_verify_done(struct xfer_sm *sm, bool resync, int64_t now)
{
	if (sm->state != XFER_VERIFYING)
		return SL_ERR_INVAL;
	sm->state = XFER_CLEANING;
	if (resync)
		state_request_full(sm, now);
	return SL_OK;
}

void state_request_full(struct xfer_sm *sm, int64_t now)
{
	sm->want_full = true;
	sm->pending = true;
	sm->pending_since_ms = now - sm->t.batch_ms;
}

int state_clean_done(struct xfer_sm *sm, bool ok, int64_t now)
{
	if (sm->state != XFER_CLEANING)
		return SL_ERR_INVAL;
	if (!ok) {
		enter_backoff(sm, now);
		return SL_OK;
	}
	sm->failures = 0;
	sm->state = XFER_IDLE;
	return SL_OK;
}

void state_stop(struct xfer_sm *sm)
{
	sm->state = XFER_STOPPED;
}
