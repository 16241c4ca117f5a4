/* ha_transfer.c - the transfer's Home Assistant device; see ha_transfer.h. */
#include "ha_transfer.h"

#include <stdio.h>

#include "topics.h"

/* The sensors on the transfer's status. */
static const struct ha_sensor sensors[] = {
	{"last_sync", "Last sync", "{{ value_json.last_sync if value_json.last_sync else None }}",
	 NULL, "device_class", "timestamp", "mdi:sync", false},
	{"backlog", "Backlog",
	 "{{ value_json.backlog if value_json.backlog is not none else None }}", "frames",
	 "state_class", "measurement", "mdi:tray-full", false},
	{"state", "State", "{{ value_json.state }}", NULL, NULL, NULL, "mdi:state-machine", false},
	{"error_kind", "Error kind",
	 "{{ value_json.error_kind if value_json.error_kind else 'none' }}", NULL, NULL, NULL,
	 "mdi:alert-circle-outline", true},
	{"last_error", "Last error",
	 "{{ value_json.last_error if value_json.last_error else 'none' }}", NULL, NULL, NULL,
	 "mdi:alert-circle-outline", true},
	{"files_total", "Files copied", "{{ value_json.files_total }}", "files", "state_class",
	 "total_increasing", "mdi:file-multiple", true},
	{"version", "Version", "{{ value_json.version }}", NULL, NULL, NULL, "mdi:tag", true},
};

int ha_transfer_topic(char out[TOPIC_MAX], const struct config *cfg, const char *camera,
		      const char *leaf)
{
	return camera ? topic_fmt(out, cfg->topic_root, "transfer/%s/%s", camera, leaf)
		      : topic_fmt(out, cfg->topic_root, "transfer/%s", leaf);
}

/* The device's id and name: the one transfer's, or camera's transfer's. */
static void device_names(const char *camera, char id[HA_ID_MAX], char name[HA_ID_MAX + 32])
{
	if (camera == NULL) {
		snprintf(id, HA_ID_MAX, "%s", HA_TRANSFER_ID);
		snprintf(name, HA_ID_MAX + 32, "Skylapse transfer");
		return;
	}
	ha_device_id(id, "transfer", camera);
	snprintf(name, HA_ID_MAX + 32, "Skylapse transfer %s", camera);
}

/* Its discovery topic: <prefix>/device/skylapse_transfer[/<id>]/config. */
static int config_topic(char out[TOPIC_MAX], const struct config *cfg, const char *camera)
{
	char id[HA_ID_MAX], name[HA_ID_MAX + 32];

	device_names(camera, id, name);
	return camera ? ha_config_topic(out, cfg, HA_TRANSFER_ID, id)
		      : ha_config_topic(out, cfg, NULL, id);
}

json_t *ha_transfer_discovery(const struct config *cfg, const char *camera,
			      const char *config_url)
{
	char t_avail[TOPIC_MAX], t_status[TOPIC_MAX], id[HA_ID_MAX], name[HA_ID_MAX + 32];
	const char *avail[1] = {t_avail};
	struct ha_device dev = {id, name, "Skylapse transfer", config_url};
	json_t *d;

	device_names(camera, id, name);
	if (ha_transfer_topic(t_avail, cfg, camera, "availability") ||
	    ha_transfer_topic(t_status, cfg, camera, "status"))
		return NULL;
	d = ha_discovery_new(&dev, avail, 1);
	ha_add_sensors(d, &dev, t_status, sensors, sizeof sensors / sizeof sensors[0]);
	return d;
}

void ha_transfer_publish(struct mqtt_session *s, const struct config *cfg, const char *camera)
{
	const char *url = cfg->backend_url[0] ? cfg->backend_url : NULL;
	char topic[TOPIC_MAX];
	json_t *d;

	if (!cfg->ha_discovery || config_topic(topic, cfg, camera) != SL_OK)
		return;
	d = ha_transfer_discovery(cfg, camera, url);
	ha_publish(s, cfg, topic, d);
	json_decref(d);
}

int ha_transfer_remove(const struct config *cfg, const char *camera)
{
	char topic[TOPIC_MAX];

	if (config_topic(topic, cfg, camera) != SL_OK)
		return 1;
	return ha_remove(cfg, "skylapse-transfer-ha-remove", topic);
}
