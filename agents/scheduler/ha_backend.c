/* ha_backend.c - the backend's Home Assistant device and the small tables
 * behind it; see ha_backend.h.
 *
 * Every sensor reads the one retained backend status (status.c), so Home
 * Assistant has a single state topic to follow and the values always agree
 * with what the bridge serves; the switches and the button are the
 * backend's own command topics (SPEC 4 and docs/SCHEDULER.md). The newest
 * video's thumbnail is the encoder's device's (encoder/ha_encoder.c).
 */
#include "ha_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha.h"
#include "jsonx.h"
#include "plan.h"
#include "topics.h"

/* Job states carry frame lists and reasons; a bigger one is not ours. */
#define JOB_STATE_MAX (1024 * 1024)

void ha_backend_device_id(const char *backend_name, char out[HA_DEVICE_ID_MAX])
{
	ha_device_id(out, "backend", backend_name);
}

/* The sensors, all on the retained status. */
static const struct ha_sensor sensors[] = {
	{"active_schedules", "Active schedules", "{{ value_json.active_schedules | length }}", NULL,
	 "state_class", "measurement", "mdi:calendar-clock", false},
	{"next_sunrise", "Next sunrise",
	 "{{ value_json.next_sunrise if value_json.next_sunrise else None }}", NULL,
	 "device_class", "timestamp", "mdi:weather-sunset-up", false},
	{"next_sunset", "Next sunset",
	 "{{ value_json.next_sunset if value_json.next_sunset else None }}", NULL, "device_class",
	 "timestamp", "mdi:weather-sunset-down", false},
	{"encoder_queue", "Encoder queue", "{{ value_json.encoder_queue }}", "jobs", "state_class",
	 "measurement", "mdi:movie-cog", true},
	{"version", "Version", "{{ value_json.version }}", NULL, NULL, NULL, "mdi:tag", true},
};

/* Component keys are [a-z0-9_]: schedule_<name> with '-' written '_'. */
static void base_key(const char *name, char out[96])
{
	snprintf(out, 96, "schedule_%s", name);
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* The key of schedule i, unique even when two names differ only by '-'
 * and '_'. */
static void schedule_key(const json_t *d, const char *name, int i, char out[96])
{
	base_key(name, out);
	if (json_object_get(json_object_get(d, "components"), out))
		snprintf(out + strlen(out), 96 - strlen(out), "_%d", i);
}

static int add_switches(json_t *d, const struct ha_device *dev, const struct config *cfg)
{
	for (int i = 0; i < cfg->nschedules; i++) {
		const char *s = cfg->schedules[i].name;
		char t_set[TOPIC_MAX], t_state[TOPIC_MAX], key[96], name[96];

		if (topic_fmt(t_set, cfg->topic_root, "backend/%s/schedules/%s/set",
			      cfg->backend_name, s) ||
		    topic_fmt(t_state, cfg->topic_root, "backend/%s/schedules/%s/state",
			      cfg->backend_name, s))
			return SL_ERR_RANGE;
		schedule_key(d, s, i, key);
		snprintf(name, sizeof(name), "Schedule %s", s);
		ha_add(d, dev, key, "switch",
		       json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name", name, "command_topic", t_set,
				 "state_topic", t_state, "payload_on", "ON", "payload_off", "OFF",
				 "icon", "mdi:camera-timer"));
	}
	return SL_OK;
}

static void remove_switches(json_t *d, const json_t *removed)
{
	const json_t *v;
	size_t i;

	json_array_foreach(removed, i, v) {
		char key[96];

		if (!id_is_valid(json_string_value(v)))
			continue;
		base_key(json_string_value(v), key);
		/* a schedule still there may hold the key: then it is not gone */
		if (json_object_get(json_object_get(d, "components"), key) == NULL)
			json_object_set_new(json_object_get(d, "components"), key,
					    json_pack("{s:s}", "platform", "switch"));
	}
}

json_t *ha_backend_discovery(const struct config *cfg, const char *config_url,
			     const json_t *removed)
{
	const char *root = cfg->topic_root, *b = cfg->backend_name;
	char dev_id[HA_DEVICE_ID_MAX], name[96], t_avail[TOPIC_MAX], t_status[TOPIC_MAX];
	char t_today[TOPIC_MAX];
	const char *avail[1] = {t_avail};
	struct ha_device dev;
	json_t *d;

	if (topic_fmt(t_avail, root, "backend/%s/availability", b) ||
	    topic_fmt(t_status, root, "backend/%s/status", b) ||
	    topic_fmt(t_today, root, "backend/%s/timelapse/today", b))
		return NULL;
	ha_backend_device_id(b, dev_id);
	snprintf(name, sizeof(name), "Skylapse backend %s", b);
	dev = (struct ha_device){dev_id, name, "Skylapse backend", config_url};
	d = ha_discovery_new(&dev, avail, 1);
	if (d == NULL)
		return NULL;
	ha_add_sensors(d, &dev, t_status, sensors, sizeof sensors / sizeof sensors[0]);
	if (add_switches(d, &dev, cfg) != SL_OK) {
		json_decref(d);
		return NULL;
	}
	if (removed)
		remove_switches(d, removed);
	ha_add(d, &dev, "timelapse_today", "button",
	       json_pack("{s:s,s:s,s:s,s:s}", "name", "Timelapse of today", "command_topic",
			 t_today, "payload_press", "PRESS", "icon", "mdi:movie-open-play"));
	return d;
}

static int job_index(const struct ha_jobs *q, const char *job_id)
{
	for (int i = 0; i < q->n; i++)
		if (strcmp(q->ids[i], job_id) == 0)
			return i;
	return -1;
}

static bool job_add(struct ha_jobs *q, const char *job_id)
{
	if (job_index(q, job_id) >= 0)
		return false;
	if (q->n == q->cap) {
		int cap = q->cap ? q->cap * 2 : 16;
		char(*ids)[ID_MAX + 1] = realloc(q->ids, (size_t)cap * sizeof(*ids));

		if (ids == NULL)
			return false;
		q->ids = ids;
		q->cap = cap;
	}
	snprintf(q->ids[q->n++], ID_MAX + 1, "%s", job_id);
	return true;
}

static bool job_remove(struct ha_jobs *q, const char *job_id)
{
	int i = job_index(q, job_id);

	if (i < 0)
		return false;
	memcpy(q->ids[i], q->ids[--q->n], ID_MAX + 1);
	return true;
}

bool ha_jobs_update(struct ha_jobs *q, const char *job_id, const void *payload, size_t len)
{
	char why[ERRMSG_MAX];
	const char *state = NULL;
	json_t *obj;
	bool changed = false;

	if (!id_is_valid(job_id))
		return false;
	if (len == 0)
		return job_remove(q, job_id);
	obj = jsonx_parse_object("payload", payload, len, JOB_STATE_MAX, why);
	if (obj && jx_get_string(obj, "state", &state, why) == SL_OK) {
		if (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0)
			changed = job_add(q, job_id);
		else
			changed = job_remove(q, job_id);
	}
	json_decref(obj);
	return changed;
}

void ha_jobs_free(struct ha_jobs *q)
{
	free(q->ids);
	q->ids = NULL;
	q->n = q->cap = 0;
}

static char first_enabled(const struct config *c)
{
	const struct profile *p = profile_first_enabled(&c->profiles);

	return p ? p->id : '\0';
}

char ha_capture_profile(const struct config *c, char selected)
{
	char id[2] = {selected, '\0'};

	if (selected && profile_find(&c->profiles, id))
		return selected;
	return first_enabled(c);
}

char ha_today_profile(const struct config *c, const bool *runs)
{
	char ids[PROFILE_MAX + 1];

	for (int i = 0; i < c->nschedules; i++) {
		if (!runs[i])
			continue;
		plan_schedule_profiles(c, &c->schedules[i], ids);
		if (ids[0])
			return ids[0];
	}
	return first_enabled(c);
}
