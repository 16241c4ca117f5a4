/* slots.h - fixed-rate slots: the scheduler's cadence and the capture
 * agent's offline plan.
 *
 * Slot k of a run that starts at `start_ms` is at start + k x interval:
 * integer milliseconds and indexes, so the n-th slot is exact however long
 * the run lasts (no drift from adding intervals to the last capture); the
 * rate never depends on when a capture ended. `interval_ms` must be > 0.
 *
 * A cadence walks the slots of one window [start, end). A slot is taken
 * when it is looked at no later than `late_ms` after its time; slots not
 * looked at in time are missed: counted, never sent late in a bunch. Each
 * schedule has its own cadence, so overlapping schedules keep their own
 * rhythm. No I/O, no clock: the time is always an argument.
 */
#ifndef SKYLAPSE_LIB_SLOTS_H
#define SKYLAPSE_LIB_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

/* The time of slot k. */
int64_t slot_time(int64_t start_ms, int64_t interval_ms, int64_t k);

/* The index of the last slot at or before t; 0 when t is before the start. */
int64_t slot_index_at(int64_t start_ms, int64_t interval_ms, int64_t t);

/* The index of the first slot at or after t; 0 when t is at or before the
 * start. */
int64_t slot_index_from(int64_t start_ms, int64_t interval_ms, int64_t t);

struct cadence {
	int64_t start_ms, end_ms; /* the window, [start, end) */
	int64_t interval_ms;
	int64_t late_ms;          /* how late a slot may still be taken */
	int64_t next_k;           /* the first slot not yet taken, missed or skipped */
};

/* How late a slot of this interval may still go out: half the interval,
 * at most 10 s. */
int64_t cadence_late_ms(int64_t interval_ms);

/* Begins a window at `now_ms`. Slots already too late at that moment
 * belong to no one (the scheduler was not running): they are skipped, not
 * counted as missed. */
void cadence_start(struct cadence *c, int64_t start_ms, int64_t end_ms, int64_t interval_ms,
		   int64_t now_ms);

/* The time of slot k. */
int64_t cadence_slot_ms(const struct cadence *c, int64_t k);

/* The time of the next slot to consider, or INT64_MAX when the window has
 * no slot left. */
int64_t cadence_next_ms(const struct cadence *c);

/* Looks at the slots due by `now_ms`. Returns true with *slot_ms (and *k
 * when not NULL) set when the latest of them is to be sent now; every
 * earlier one, and the latest too when it is more than late_ms old, is
 * added to *missed. Never returns more than one slot per call. */
bool cadence_take(struct cadence *c, int64_t now_ms, int64_t *slot_ms, int64_t *k, long *missed);

/* Passes over every slot up to `now_ms` without counting it (a paused
 * schedule). */
void cadence_skip(struct cadence *c, int64_t now_ms);

/* The number of slots of the whole window. */
int64_t cadence_slot_count(const struct cadence *c);

#endif
