/* slots.c - fixed-rate slots and a window's cadence; see slots.h. */
#include "slots.h"

#include <assert.h>

int64_t slot_time(int64_t start_ms, int64_t interval_ms, int64_t k)
{
	return start_ms + k * interval_ms;
}

int64_t slot_index_at(int64_t start_ms, int64_t interval_ms, int64_t t)
{
	assert(interval_ms > 0); /* callers validate the schedule's interval */
	return t <= start_ms ? 0 : (t - start_ms) / interval_ms;
}

int64_t slot_index_from(int64_t start_ms, int64_t interval_ms, int64_t t)
{
	assert(interval_ms > 0);
	return t <= start_ms ? 0 : (t - start_ms + interval_ms - 1) / interval_ms;
}

#define LATE_MAX_MS 10000

int64_t cadence_late_ms(int64_t interval_ms)
{
	int64_t late = interval_ms / 2;

	return late > LATE_MAX_MS ? LATE_MAX_MS : late;
}

int64_t cadence_slot_count(const struct cadence *c)
{
	return slot_index_from(c->start_ms, c->interval_ms, c->end_ms);
}

void cadence_start(struct cadence *c, int64_t start_ms, int64_t end_ms, int64_t interval_ms,
		   int64_t now_ms)
{
	c->start_ms = start_ms;
	c->end_ms = end_ms;
	c->interval_ms = interval_ms > 0 ? interval_ms : 1000;
	c->late_ms = cadence_late_ms(c->interval_ms);
	c->next_k = slot_index_from(start_ms, c->interval_ms, now_ms - c->late_ms);
}

int64_t cadence_slot_ms(const struct cadence *c, int64_t k)
{
	return slot_time(c->start_ms, c->interval_ms, k);
}

int64_t cadence_next_ms(const struct cadence *c)
{
	int64_t t = cadence_slot_ms(c, c->next_k);

	return t < c->end_ms ? t : INT64_MAX;
}

bool cadence_take(struct cadence *c, int64_t now_ms, int64_t *slot_ms, int64_t *k, long *missed)
{
	int64_t last, count = cadence_slot_count(c);

	if (now_ms < c->start_ms || c->next_k >= count)
		return false;
	last = slot_index_at(c->start_ms, c->interval_ms, now_ms);
	if (last >= count)
		last = count - 1;
	if (last < c->next_k)
		return false;
	*missed += (long)(last - c->next_k);
	c->next_k = last + 1;
	if (now_ms - cadence_slot_ms(c, last) > c->late_ms) {
		*missed += 1;
		return false;
	}
	*slot_ms = cadence_slot_ms(c, last);
	if (k)
		*k = last;
	return true;
}

void cadence_skip(struct cadence *c, int64_t now_ms)
{
	int64_t k;

	if (now_ms < c->start_ms)
		return;
	k = slot_index_at(c->start_ms, c->interval_ms, now_ms) + 1;
	if (k > c->next_k)
		c->next_k = k;
}
