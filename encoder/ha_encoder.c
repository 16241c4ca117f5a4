/* ha_encoder.c - an encoder worker's Home Assistant device and status;
 * see ha_encoder.h. */
#include "ha_encoder.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "topics.h"

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

void ha_encoder_note(struct ha_encoder *h, const char *state_text)
{
	json_t *st = json_loads(state_text, 0, NULL);
	const char *state = json_string_value(json_object_get(st, "state"));
	const char *job = json_string_value(json_object_get(st, "job_id"));
	const char *at = json_string_value(json_object_get(st, "finished_at"));

	if (state && strcmp(state, "done") == 0) {
		h->done_total++;
		copy(h->last_job, sizeof(h->last_job), job);
		copy(h->last_video_at, sizeof(h->last_video_at), at);
		h->changed = true;
	} else if (state && strcmp(state, "failed") == 0) {
		h->failed_total++;
		copy(h->last_error, sizeof(h->last_error),
		     json_string_value(json_object_get(st, "error")));
		copy(h->error_kind, sizeof(h->error_kind),
		     json_string_value(json_object_get(st, "error_kind")));
		copy(h->last_error_at, sizeof(h->last_error_at), at);
		h->changed = true;
	}
	json_decref(st);
}

void ha_encoder_counts(struct ha_encoder *h, int running, int queued)
{
	if (h->running != running || h->queued != queued)
		h->changed = true;
	h->running = running;
	h->queued = queued;
}

static json_t *str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

json_t *ha_encoder_status(const struct ha_encoder *h, const char *worker)
{
	json_t *o = json_object();

	json_object_set_new(o, "worker", json_string(worker));
	json_object_set_new(o, "running", json_integer(h->running));
	json_object_set_new(o, "queued", json_integer(h->queued));
	json_object_set_new(o, "jobs_done", json_integer(h->done_total));
	json_object_set_new(o, "jobs_failed", json_integer(h->failed_total));
	json_object_set_new(o, "last_job", str_or_null(h->last_job));
	json_object_set_new(o, "last_video_at", str_or_null(h->last_video_at));
	json_object_set_new(o, "last_error", str_or_null(h->last_error));
	json_object_set_new(o, "error_kind", str_or_null(h->error_kind));
	json_object_set_new(o, "last_error_at", str_or_null(h->last_error_at));
	json_object_set_new(o, "version", json_string(SKYLAPSE_VERSION));
	return o;
}

/* The sensors on the worker's status. */
static const struct ha_sensor sensors[] = {
	{"running", "Jobs running", "{{ value_json.running }}", "jobs", "state_class",
	 "measurement", "mdi:movie-cog", false},
	{"queued", "Jobs queued", "{{ value_json.queued }}", "jobs", "state_class", "measurement",
	 "mdi:tray-full", false},
	{"last_video", "Last video",
	 "{{ value_json.last_video_at if value_json.last_video_at else None }}", NULL,
	 "device_class", "timestamp", "mdi:filmstrip", false},
	{"last_error", "Last error",
	 "{{ value_json.last_error if value_json.last_error else 'none' }}", NULL, NULL, NULL,
	 "mdi:alert-circle-outline", true},
	{"error_kind", "Error kind",
	 "{{ value_json.error_kind if value_json.error_kind else 'none' }}", NULL, NULL, NULL,
	 "mdi:alert-circle-outline", true},
	{"jobs_done", "Jobs done", "{{ value_json.jobs_done }}", "jobs", "state_class",
	 "total_increasing", "mdi:check-circle-outline", true},
	{"jobs_failed", "Jobs failed", "{{ value_json.jobs_failed }}", "jobs", "state_class",
	 "total_increasing", "mdi:close-circle-outline", true},
	{"version", "Version", "{{ value_json.version }}", NULL, NULL, NULL, "mdi:tag", true},
};

int ha_encoder_config_topic(char out[TOPIC_MAX], const struct config *cfg, const char *worker)
{
	return ha_config_topic(out, cfg, HA_ENCODER_NODE, worker);
}

json_t *ha_encoder_discovery(const struct config *cfg, const char *worker, const char *config_url,
			     char dev_id[HA_ID_MAX])
{
	const char *root = cfg->topic_root;
	char t_avail[TOPIC_MAX], t_status[TOPIC_MAX], t_thumb[TOPIC_MAX], name[96];
	const char *avail[1] = {t_avail};
	struct ha_device dev;
	json_t *d;

	if (topic_fmt(t_avail, root, "encoder/%s/availability", worker) ||
	    topic_fmt(t_status, root, "encoder/%s/status", worker) ||
	    topic_fmt(t_thumb, root, "encoder/thumbnail"))
		return NULL;
	ha_device_id(dev_id, "encoder", worker);
	snprintf(name, sizeof(name), "Skylapse encoder %s", worker);
	dev = (struct ha_device){dev_id, name, "Skylapse encoder", config_url};
	d = ha_discovery_new(&dev, avail, 1);
	ha_add_sensors(d, &dev, t_status, sensors, sizeof sensors / sizeof sensors[0]);
	ha_add(d, &dev, "latest_timelapse", "image",
	       json_pack("{s:s,s:s,s:s,s:s}", "name", "Latest timelapse", "image_topic", t_thumb,
			 "content_type", "image/jpeg", "icon", "mdi:filmstrip"));
	return d;
}
