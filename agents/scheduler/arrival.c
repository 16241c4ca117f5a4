/* arrival.c - a camera's frames on the server; see arrival.h. */
#include "arrival.h"

#include <string.h>

#include "timeutil.h"

bool arrival_status(struct arrival *a, const json_t *status)
{
	const char *state = json_string_value(json_object_get(status, "state"));
	const json_t *backlog = json_object_get(status, "backlog");
	const char *started = json_string_value(json_object_get(status, "last_attempt_started_at"));
	bool transfer = a->transfer, caught_up = a->caught_up;
	int64_t started_ms = a->sync_started_ms, ms = 0;

	a->transfer =
	    status && !(state && (strcmp(state, "stopped") == 0 || strcmp(state, "disabled") == 0));
	a->caught_up = state && strcmp(state, "idle") == 0 && json_is_integer(backlog) &&
		       json_integer_value(backlog) == 0;
	a->sync_started_ms = started && time_parse_iso(started, &ms) == 0 ? ms : 0;
	return transfer != a->transfer || caught_up != a->caught_up ||
	       started_ms != a->sync_started_ms;
}

bool arrival_ready(const struct arrival *a, int64_t end_ms)
{
	int64_t since = a->answered_ms < end_ms ? a->answered_ms : end_ms;

	return !a->transfer || (a->caught_up && a->sync_started_ms >= since);
}
