/* check.c - schedule checks for --check, start and reload; see check.h.
 *
 * Each check names the key path, as config_load() does, so the lines of
 * both read the same on `skylapse-scheduler --check`.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cameras.h"
#include "jsonx.h"

static const char *schedule_keys[] = {
	"type",		"enabled",	"anchor",	"offset_minutes", "duration_minutes",
	"start_time",	"end_time",	"interval_seconds", "profile",	  "profiles",
	"timelapse",	"description",	"name",		NULL,
};
__attribute__((format(printf, 4, 5))) static int add(struct config_problems *p,
						      const struct config *c, bool error,
						      const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (p->count >= CONFIG_PROBLEMS_MAX)
		return error;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->lines[p->count], sizeof(p->lines[0]), "%.200s: %s%.290s", c->path,
		 error ? "" : "warning: ", msg);
	p->is_error[p->count++] = error;
	if (error)
		p->errors++;
	return error;
}

/* cameras_reserved_id()'s, here too: the bridge links this file alone */
static const char *reserved_ids[] = {"backend", "encoder", "transfer", NULL};

static bool in_list(const char *s, const char **list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* A named profile that is disabled is still captured (the schedule asks
 * for it by name), which may not be what was meant. */
static void check_profiles(const struct config *c, struct config_problems *p,
			   const struct schedule *s, const char *where, int *errors)
{
	bool any = false;

	for (int i = 0; s->profiles[i]; i++) {
		char id[2] = {s->profiles[i], '\0'};
		const struct profile *pr = profile_find(&c->profiles, id);

		if (pr && !pr->enabled)
			add(p, c, false, "%s: profile '%s' is disabled but named here: it is captured",
			    where, id);
	}
	if (s->profiles[0])
		return;
	for (int i = 0; i < c->profiles.count; i++)
		any = any || c->profiles.items[i].enabled;
	if (!any)
		*errors += add(p, c, true, "%s: no 'profile' given and no profile is enabled", where);
}

static void check_timing(const struct config *c, struct config_problems *p,
			 const struct schedule *s, const char *where)
{
	long window_s;

	if (s->type == SCHEDULE_TIME_OF_DAY) {
		if (s->start_minute == s->end_minute)
			add(p, c, false, "%s: start_time equals end_time: the window is the whole day",
			    where);
		window_s = 60L * ((s->end_minute - s->start_minute + 1440 - 1) % 1440 + 1);
	} else {
		window_s = 60L * s->duration_minutes;
	}
	if (window_s > 0 && s->interval_seconds > window_s)
		add(p, c, false, "%s.interval_seconds: %d s is longer than the %ld s window: one "
			       "capture per window", where, s->interval_seconds, window_s);
}

/* "cameras": {"<id>": {"schedules": ["<name>", ...]}, ...}: the cameras of
 * this backend, each asked by the schedules it names (all when absent). */
static int check_cameras(const struct config *c, struct config_problems *p)
{
	const json_t *all = json_object_get(c->root, "cameras"), *v, *scheds, *name;
	const char *id, *key;
	int errors = 0;
	size_t i;

	if (all == NULL)
		return 0;
	if (!json_is_object(all))
		return add(p, c, true, "cameras: must be an object of camera ids");
	if (json_object_size(all) > CAMERAS_MAX)
		errors += add(p, c, true, "cameras: %zu cameras, at most %d", json_object_size(all),
			      CAMERAS_MAX);
	json_object_foreach((json_t *)all, id, v) {
		if (!id_is_valid(id) || in_list(id, reserved_ids)) {
			errors += add(p, c, true, "cameras.%.64s: not a camera id ([a-z0-9_-], not "
				      "backend, encoder or transfer)", id);
			continue;
		}
		if (!json_is_object(v)) {
			errors += add(p, c, true, "cameras.%s: must be an object ({} for defaults)", id);
			continue;
		}
		json_object_foreach((json_t *)v, key, scheds)
			if (strcmp(key, "schedules") != 0 && strcmp(key, "description") != 0)
				add(p, c, false, "cameras.%s.%.64s: unknown key, ignored%s", id, key,
				    strcmp(key, "location") == 0
					    ? " (one scheduler per location: docs/SCHEDULER.md)"
					    : "");
		scheds = json_object_get(v, "schedules");
		if (scheds == NULL)
			continue;
		if (!json_is_array(scheds)) {
			errors += add(p, c, true, "cameras.%s.schedules: must be a list of schedule "
				      "names", id);
			continue;
		}
		json_array_foreach(scheds, i, name)
			if (!json_is_string(name) || !config_schedule(c, json_string_value(name)))
				errors += add(p, c, true, "cameras.%s.schedules[%zu]: no such schedule",
					      id, i);
	}
	return errors;
}

int check_schedules(const struct config *c, struct config_problems *p)
{
	const json_t *all = json_object_get(c->root, "schedules");
	int errors = 0;

	if (c->have_file && c->nschedules == 0)
		add(p, c, false, "schedules: none; the scheduler only relays capture requests");
	for (int i = 0; i < c->nschedules; i++) {
		const struct schedule *s = &c->schedules[i];
		const json_t *js = json_object_get(all, s->name), *v;
		const char *key;
		char where[128];

		snprintf(where, sizeof(where), "schedules.%.64s", s->name);
		if (json_is_object(js))
			json_object_foreach((json_t *)js, key, v)
				if (!in_list(key, schedule_keys))
					add(p, c, false, "%s.%.64s: unknown key, ignored", where, key);
		check_profiles(c, p, s, where, &errors);
		check_timing(c, p, s, where);
	}
	return errors + check_cameras(c, p);
}
