/* ha_camera.c - Home Assistant discovery of one camera; see ha_camera.h. */
#include "ha_camera.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ha.h"
#include "jsonx.h"
#include "topics.h"

static json_t *status_sensor(const char *t_status, const char *name, const char *tmpl,
			     const char *unit, const char *device_class, const char *state_class)
{
	json_t *c = json_pack("{s:s,s:s,s:s}", "name", name, "state_topic", t_status,
			      "value_template", tmpl);

	if (unit)
		json_object_set_new(c, "unit_of_measurement", json_string(unit));
	if (device_class)
		json_object_set_new(c, "device_class", json_string(device_class));
	if (state_class)
		json_object_set_new(c, "state_class", json_string(state_class));
	return c;
}

json_t *ha_camera_discovery(const struct config *cfg, const char *primary, const char *config_url,
			    char dev_id[80])
{
	const char *root = cfg->topic_root, *cam = cfg->camera_id;
	char t_avail[TOPIC_MAX], t_backend[TOPIC_MAX], t_status[TOPIC_MAX], t_preview[TOPIC_MAX];
	const char *avail[2] = {t_avail, t_backend};
	char name[96];
	struct ha_device dev;
	json_t *d, *c, *opts;

	snprintf(dev_id, 80, "skylapse_%s", cam);
	for (char *p = dev_id; *p; p++)
		if (*p == '-')
			*p = '_';
	snprintf(name, sizeof(name), "Skylapse %s", cam);
	topic_fmt(t_avail, root, "%s/availability", cam);
	topic_fmt(t_status, root, "%s/status", cam);
	topic_fmt(t_preview, root, "%s/preview", cam);
	dev = (struct ha_device){dev_id, name, "Sky camera", config_url};
	/* with a primary backend the camera works only while both are online */
	topic_fmt(t_backend, root, "backend/%s/availability", primary);
	d = ha_discovery_new(&dev, avail, primary[0] ? 2 : 1);

	ha_add(d, &dev, "sky", "image",
	       json_pack("{s:s,s:s,s:s}", "name", "Sky", "image_topic", t_preview, "content_type",
			 "image/jpeg"));
	ha_add(d, &dev, "last_capture", "sensor",
	       status_sensor(t_status, "Last capture",
			     "{{ value_json.last_capture.captured_at if value_json.last_capture "
			     "else None }}",
			     NULL, "timestamp", NULL));
	ha_add(d, &dev, "frames_today", "sensor",
	       status_sensor(t_status, "Frames today", "{{ value_json.frames_today }}", "frames", NULL,
			     "total_increasing"));
	ha_add(d, &dev, "disk_free", "sensor",
	       status_sensor(t_status, "Disk free", "{{ value_json.disk.free_pct if value_json.disk else None }}",
			     "%", NULL, "measurement"));
	ha_add(d, &dev, "exposure", "sensor",
	       status_sensor(t_status, "Exposure",
			     "{{ value_json.last_capture.exposure_us if value_json.last_capture "
			     "else None }}",
			     "µs", NULL, "measurement"));
	ha_add(d, &dev, "gain", "sensor",
	       status_sensor(t_status, "Gain",
			     "{{ value_json.last_capture.analogue_gain if value_json.last_capture "
			     "else None }}",
			     NULL, NULL, "measurement"));
	ha_add(d, &dev, "mean_luma", "sensor",
	       status_sensor(t_status, "Mean luma",
			     "{{ value_json.last_capture.mean_luma if value_json.last_capture "
			     "else None }}",
			     NULL, NULL, "measurement"));
	ha_add(d, &dev, "lux", "sensor",
	       status_sensor(t_status, "Light level",
			     "{{ value_json.last_capture.lux if value_json.last_capture else None }}",
			     "lx", "illuminance", "measurement"));
	c = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", "Capturing", "state_topic", t_status,
		      "value_template",
		      "{{ 'ON' if value_json.state == 'capturing' else 'OFF' }}", "payload_on", "ON",
		      "payload_off", "OFF");
	ha_add(d, &dev, "capturing", "binary_sensor", c);
	c = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", "In a capture window", "state_topic",
		      t_status, "value_template",
		      "{{ 'ON' if value_json.in_window else 'OFF' }}", "payload_on", "ON",
		      "payload_off", "OFF");
	ha_add(d, &dev, "in_window", "binary_sensor", c);

	if (primary[0]) {
		char t_capture[TOPIC_MAX], t_pset[TOPIC_MAX], t_pstate[TOPIC_MAX], press[160];

		topic_fmt(t_capture, root, "backend/%s/capture/request", primary);
		topic_fmt(t_pset, root, "backend/%s/cameras/%s/profile/set", primary, cam);
		topic_fmt(t_pstate, root, "backend/%s/cameras/%s/profile/state", primary,
			  cam);
		snprintf(press, sizeof(press), "{\"camera\":\"%s\",\"source\":\"homeassistant\"}", cam);
		ha_add(d, &dev, "capture_now", "button",
		       json_pack("{s:s,s:s,s:s}", "name", "Capture now", "command_topic", t_capture,
				 "payload_press", press));
		opts = json_array();
		for (int i = 0; i < cfg->profiles.count; i++) {
			char id[2] = {cfg->profiles.items[i].id, '\0'};

			if (cfg->profiles.items[i].enabled)
				json_array_append_new(opts, json_string(id));
		}
		ha_add(d, &dev, "profile", "select",
		       json_pack("{s:s,s:s,s:s,s:o}", "name", "Capture profile", "command_topic",
				 t_pset, "state_topic", t_pstate, "options", opts));
	}
	return d;
}

void ha_camera_publish(struct mqtt_session *s, const struct config *cfg, const char *primary)
{
	const char *url = cfg->backend_url[0] ? cfg->backend_url : NULL;
	char dev_id[80], topic[TOPIC_MAX], *text;
	json_t *d = ha_camera_discovery(cfg, primary, url, dev_id);

	text = jx_dump(d);
	if (text && ha_config_topic(topic, dev_id) == SL_OK)
		mqtt_set_state(s, topic, text, strlen(text));
	free(text);
	json_decref(d);
}

int ha_camera_remove(const struct config *cfg, const char *primary)
{
	char client_id[128], dev_id[80], topic[TOPIC_MAX];
	json_t *d = ha_camera_discovery(cfg, primary, NULL, dev_id);
	struct mqtt_opts mo;

	json_decref(d);
	if (ha_config_topic(topic, dev_id) != SL_OK)
		return 2;
	snprintf(client_id, sizeof(client_id), "skylapse-capture-%s-ha-remove", cfg->camera_id);
	mo = cli_mqtt_opts(cfg, client_id);
	return ha_remove_device(&mo, topic, 10000);
}
