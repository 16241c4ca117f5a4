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

json_t *ha_transfer_discovery(const struct config *cfg, const char *config_url)
{
	char t_avail[TOPIC_MAX], t_status[TOPIC_MAX];
	const char *avail[1] = {t_avail};
	struct ha_device dev = {HA_TRANSFER_ID, "Skylapse transfer", "Skylapse transfer",
				config_url};
	json_t *d;

	if (topic_fmt(t_avail, cfg->topic_root, "transfer/availability") ||
	    topic_fmt(t_status, cfg->topic_root, "transfer/status"))
		return NULL;
	d = ha_discovery_new(&dev, avail, 1);
	ha_add_sensors(d, &dev, t_status, sensors, sizeof sensors / sizeof sensors[0]);
	return d;
}

void ha_transfer_publish(struct mqtt_session *s, const struct config *cfg)
{
	const char *url = cfg->backend_url[0] ? cfg->backend_url : NULL;
	char topic[TOPIC_MAX];
	json_t *d;

	if (!cfg->ha_discovery || ha_config_topic(topic, cfg, NULL, HA_TRANSFER_ID) != SL_OK)
		return;
	d = ha_transfer_discovery(cfg, url);
	ha_publish(s, cfg, topic, d);
	json_decref(d);
}

int ha_transfer_remove(const struct config *cfg)
{
	char topic[TOPIC_MAX];

	if (ha_config_topic(topic, cfg, NULL, HA_TRANSFER_ID) != SL_OK)
		return 1;
	return ha_remove(cfg, "skylapse-transfer-ha-remove", topic);
}
