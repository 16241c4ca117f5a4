/* slots.h - fixed-rate slot arithmetic, shared by the scheduler's cadence
 * and the capture agent's offline plan.
 *
 * Slot k of a run that starts at `start_ms` is at start + k x interval:
 * integer milliseconds and indexes, so the n-th slot is exact however long
 * the run lasts (no drift from adding intervals to the last capture).
 * `interval_ms` must be > 0; every function is pure.
 */
#ifndef SL_SLOTS_H
#define SL_SLOTS_H

#include <stdint.h>

/* The time of slot k. */
int64_t slot_time(int64_t start_ms, int64_t interval_ms, int64_t k);

/* The index of the last slot at or before t; 0 when t is before the start. */
int64_t slot_index_at(int64_t start_ms, int64_t interval_ms, int64_t t);

/* The index of the first slot at or after t; 0 when t is at or before the
 * start. */
int64_t slot_index_from(int64_t start_ms, int64_t interval_ms, int64_t t);

#endif
