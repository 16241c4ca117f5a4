/* plan.c - parsing the retained plan and the slot arithmetic of its windows. */
#include "plan.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

#include "jsonx.h"
#include "slots.h"
#include "timeutil.h"

static int parse_window(const json_t *jw, struct plan_window *w, size_t i, char why[ERRMSG_MAX])
{
	const char *start = NULL, *end = NULL, *sched = NULL;
	const json_t *profs = json_object_get(jw, "profiles");
	long long interval = 0;
	char inner[ERRMSG_MAX];
	size_t k;
	json_t *v;

	memset(w, 0, sizeof(*w));
	if (!json_is_object(jw) || jx_get_string(jw, "start", &start, inner) ||
	    jx_get_string(jw, "end", &end, inner) ||
	    time_parse_iso(start, &w->start_ms) || time_parse_iso(end, &w->end_ms) ||
	    w->end_ms <= w->start_ms) {
		err_why(why, "windows[%zu]: needs ISO 'start' before 'end'", i);
		return SL_ERR_INVAL;
	}
	if (jx_get_int(jw, "interval_seconds", 1, 86400, &interval, inner)) {
		err_why(why, "windows[%zu].interval_seconds: %s", i, inner);
		return SL_ERR_INVAL;
	}
	w->interval_s = (int)interval;
	if (jx_get_string(jw, "schedule", &sched, inner) == SL_OK && id_is_valid(sched))
		snprintf(w->schedule, sizeof(w->schedule), "%s", sched);
	json_array_foreach(profs, k, v) {
		const char *id = json_string_value(v);
		size_t n = strlen(w->profiles);

		if (id && strlen(id) == 1 && n < PROFILE_MAX)
			w->profiles[n] = (char)(id[0] | 0x20); /* ids are letters: lower-case */
	}
	return SL_OK;
}

int plan_parse(const json_t *obj, struct plan *out, char why[ERRMSG_MAX])
{
	const json_t *wins = json_object_get(obj, "windows");
	const char *backend = NULL;
	char inner[ERRMSG_MAX];
	size_t i;
	json_t *jw;

	memset(out, 0, sizeof(*out));
	if (jx_get_string(obj, "backend_name", &backend, inner) == SL_OK && id_is_valid(backend))
		snprintf(out->backend_name, sizeof(out->backend_name), "%s", backend);
	if (!json_is_array(wins)) {
		err_why(why, "plan: 'windows' must be a list");
		return SL_ERR_INVAL;
	}
	json_array_foreach(wins, i, jw) {
		if (out->n == PLAN_WINDOWS_MAX)
			break;
		if (parse_window(jw, &out->w[out->n], i, why))
			return SL_ERR_INVAL;
		out->n++;
	}
	return SL_OK;
}

int plan_window_at(const struct plan *p, int64_t now_ms)
{
	for (int i = 0; i < p->n; i++)
		if (now_ms >= p->w[i].start_ms && now_ms < p->w[i].end_ms)
			return i;
	return -1;
}

int64_t plan_slot_at(const struct plan_window *w, int64_t now_ms)
{
	int64_t step = (int64_t)w->interval_s * 1000;

	return slot_time(w->start_ms, step, slot_index_at(w->start_ms, step, now_ms));
}

void plan_slots_around(const struct plan *p, int64_t now_ms, int64_t *prev_ms, int64_t *next_ms)
{
	*prev_ms = *next_ms = 0;
	for (int i = 0; i < p->n; i++) {
		const struct plan_window *w = &p->w[i];
		int64_t step = (int64_t)w->interval_s * 1000, prev, next;

		if (w->end_ms <= w->start_ms || step <= 0)
			continue;
		if (now_ms < w->start_ms) {
			prev = 0;
			next = w->start_ms;
		} else {
			prev = plan_slot_at(w, now_ms < w->end_ms ? now_ms : w->end_ms - 1);
			next = prev + step < w->end_ms && prev + step > now_ms ? prev + step : 0;
		}
		if (prev > *prev_ms)
			*prev_ms = prev;
		if (next && (*next_ms == 0 || next < *next_ms))
			*next_ms = next;
	}
}
