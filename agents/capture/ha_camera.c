/* ha_camera.c - Home Assistant discovery of one camera; see ha_camera.h. */
#include "ha_camera.h"

#include <stdio.h>
#include <string.h>

#include "ha.h"
#include "topics.h"

/* Home Assistant's "problem" binary sensor, from the status alone: no
 * camera, too little disk, or a capture that failed after the last frame
 * (both times are UTC ISO 8601 with milliseconds, so they sort as text). */
#define PROBLEM_TEMPLATE                                                                       \
	"{{ 'ON' if not value_json.camera_ready or value_json.disk_low or "                     \
	"(value_json.last_error_at and (not value_json.last_capture or "                       \
	"value_json.last_error_at > value_json.last_capture.captured_at)) else 'OFF' }}"

/* The sensors on the camera's status; the technical ones are diagnostic
 * (Home Assistant lists them apart). */
#define LAST_CAPTURE(field) \
	"{{ value_json.last_capture." field " if value_json.last_capture else None }}"
static const struct ha_sensor sensors[] = {
	{"last_capture", "Last capture", LAST_CAPTURE("captured_at"), NULL, "device_class",
	 "timestamp", NULL, false},
	{"lux", "Light level", LAST_CAPTURE("lux"), "lx", "device_class", "illuminance", NULL,
	 false},
	{"frames_today", "Frames today", "{{ value_json.frames_today }}", "frames", "state_class",
	 "total_increasing", NULL, true},
	{"disk_free", "Disk free", "{{ value_json.disk.free_pct if value_json.disk else None }}",
	 "%", "state_class", "measurement", NULL, true},
	{"exposure", "Exposure", LAST_CAPTURE("exposure_us"), "µs", "state_class", "measurement",
	 NULL, true},
	{"gain", "Gain", LAST_CAPTURE("analogue_gain"), NULL, "state_class", "measurement", NULL,
	 true},
	{"mean_luma", "Mean luma", LAST_CAPTURE("mean_luma"), NULL, "state_class", "measurement",
	 NULL, true},
	{"errors", "Errors", "{{ value_json.errors_total }}", "errors", "state_class",
	 "total_increasing", NULL, true},
	{"last_error", "Last error",
	 "{{ value_json.last_error if value_json.last_error else 'none' }}", NULL, NULL, NULL, NULL,
	 true},
	{"version", "Version", "{{ value_json.version }}", NULL, NULL, NULL, NULL, true},
};

static json_t *binary(const char *t_status, const char *name, const char *tmpl)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", name, "state_topic", t_status,
			 "value_template", tmpl, "payload_on", "ON", "payload_off", "OFF");
}

/* The entities that go through the primary backend: available only while
 * both the camera and the backend are (their own availability list). */
static void add_backend_entities(json_t *d, const struct ha_device *dev,
				 const struct config *cfg, const char *primary,
				 const char *const avail[2])
{
	const char *root = cfg->topic_root, *cam = cfg->camera_id;
	char t_capture[TOPIC_MAX], t_pset[TOPIC_MAX], t_pstate[TOPIC_MAX], press[160];
	json_t *opts = json_array(), *c;

	topic_fmt(t_capture, root, "backend/%s/capture/request", primary);
	topic_fmt(t_pset, root, "backend/%s/cameras/%s/profile/set", primary, cam);
	topic_fmt(t_pstate, root, "backend/%s/cameras/%s/profile/state", primary, cam);
	snprintf(press, sizeof(press), "{\"camera\":\"%s\",\"source\":\"homeassistant\"}", cam);
	c = json_pack("{s:s,s:s,s:s,s:o,s:s}", "name", "Capture now", "command_topic", t_capture,
		      "payload_press", press, "availability", ha_availability(avail, 2),
		      "availability_mode", "all");
	ha_add(d, dev, "capture_now", "button", c);
	for (int i = 0; i < cfg->profiles.count; i++) {
		char id[2] = {cfg->profiles.items[i].id, '\0'};

		if (cfg->profiles.items[i].enabled)
			json_array_append_new(opts, json_string(id));
	}
	c = json_pack("{s:s,s:s,s:s,s:o,s:o,s:s}", "name", "Capture profile", "command_topic",
		      t_pset, "state_topic", t_pstate, "options", opts, "availability",
		      ha_availability(avail, 2), "availability_mode", "all");
	ha_add(d, dev, "profile", "select", c);
}

json_t *ha_camera_discovery(const struct config *cfg, const char *primary, const char *config_url,
			    char dev_id[HA_ID_MAX])
{
	const char *root = cfg->topic_root, *cam = cfg->camera_id;
	char t_avail[TOPIC_MAX], t_backend[TOPIC_MAX], t_status[TOPIC_MAX], t_preview[TOPIC_MAX];
	const char *avail[2] = {t_avail, t_backend};
	char name[96];
	struct ha_device dev;
	json_t *d;

	ha_device_id(dev_id, NULL, cam);
	snprintf(name, sizeof(name), "Skylapse %s", cam);
	topic_fmt(t_avail, root, "%s/availability", cam);
	topic_fmt(t_status, root, "%s/status", cam);
	topic_fmt(t_preview, root, "%s/preview", cam);
	topic_fmt(t_backend, root, "backend/%s/availability", primary);
	dev = (struct ha_device){dev_id, name, "Sky camera", config_url};
	/* the camera captures on its plan while the backend is away: its own
	 * availability alone decides its entities */
	d = ha_discovery_new(&dev, avail, 1);

	ha_add(d, &dev, "sky", "image",
	       json_pack("{s:s,s:s,s:s}", "name", "Sky", "image_topic", t_preview, "content_type",
			 "image/jpeg"));
	/* the same frame as a camera entity, for the dashboards' camera cards */
	ha_add(d, &dev, "camera", "camera",
	       json_pack("{s:s,s:s}", "name", "Latest frame", "topic", t_preview));
	ha_add_sensors(d, &dev, t_status, sensors, sizeof sensors / sizeof sensors[0]);
	ha_add(d, &dev, "capturing", "binary_sensor",
	       binary(t_status, "Capturing",
		      "{{ 'ON' if value_json.state == 'capturing' else 'OFF' }}"));
	ha_add(d, &dev, "in_window", "binary_sensor",
	       binary(t_status, "In a capture window",
		      "{{ 'ON' if value_json.in_window else 'OFF' }}"));
	ha_add(d, &dev, "problem", "binary_sensor",
	       json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name", "Problem", "state_topic", t_status,
			 "value_template", PROBLEM_TEMPLATE, "payload_on", "ON", "payload_off",
			 "OFF", "device_class", "problem"));
	if (primary[0])
		add_backend_entities(d, &dev, cfg, primary, avail);
	return d;
}

void ha_camera_publish(struct mqtt_session *s, const struct config *cfg, const char *primary)
{
	const char *url = cfg->backend_url[0] ? cfg->backend_url : NULL;
	char dev_id[HA_ID_MAX], topic[TOPIC_MAX];
	json_t *d;

	if (!cfg->ha_discovery)
		return;
	d = ha_camera_discovery(cfg, primary, url, dev_id);
	if (ha_config_topic(topic, cfg, NULL, dev_id) == SL_OK)
		ha_publish(s, cfg, topic, d);
	json_decref(d);
}

int ha_camera_remove(const struct config *cfg)
{
	char client_id[128], dev_id[HA_ID_MAX], topic[TOPIC_MAX];

	ha_device_id(dev_id, NULL, cfg->camera_id);
	if (ha_config_topic(topic, cfg, NULL, dev_id) != SL_OK)
		return 1;
	snprintf(client_id, sizeof(client_id), "skylapse-capture-%s-ha-remove", cfg->camera_id);
	return ha_remove(cfg, client_id, topic);
}
