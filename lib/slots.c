/* slots.c - fixed-rate slot arithmetic; see slots.h. */
#include "slots.h"

int64_t slot_time(int64_t start_ms, int64_t interval_ms, int64_t k)
{
	return start_ms + k * interval_ms;
}

int64_t slot_index_at(int64_t start_ms, int64_t interval_ms, int64_t t)
{
	return t <= start_ms ? 0 : (t - start_ms) / interval_ms;
}

int64_t slot_index_from(int64_t start_ms, int64_t interval_ms, int64_t t)
{
	return t <= start_ms ? 0 : (t - start_ms + interval_ms - 1) / interval_ms;
}
