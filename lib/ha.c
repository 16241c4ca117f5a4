/* ha.c - building Home Assistant device discovery payloads; see ha.h. */
#include "ha.h"

#include <stdio.h>

#include "cli.h"
#include "err.h"

json_t *ha_discovery_new(const struct ha_device *dev, const char *const *avail, int n)
{
	json_t *d = json_object(), *device, *origin, *av = json_array();

	device = json_pack("{s:[s],s:s,s:s,s:s,s:s}", "identifiers", dev->id, "name", dev->name,
			   "manufacturer", "Skylapse", "model", dev->model, "sw_version",
			   SKYLAPSE_VERSION);
	if (dev->config_url && *dev->config_url)
		json_object_set_new(device, "configuration_url", json_string(dev->config_url));
	for (int i = 0; i < n; i++)
		json_array_append_new(av, json_pack("{s:s}", "topic", avail[i]));
	json_object_set_new(d, "device", device);
	origin = json_pack("{s:s,s:s}", "name", "skylapse", "sw_version", SKYLAPSE_VERSION);
	/* the dashboard documents the system; without BACKEND_URL there is none */
	if (dev->config_url && *dev->config_url)
		json_object_set_new(origin, "support_url", json_string(dev->config_url));
	json_object_set_new(d, "origin", origin);
	json_object_set_new(d, "availability", av);
	json_object_set_new(d, "availability_mode", json_string("all"));
	json_object_set_new(d, "components", json_object());
	json_object_set_new(d, "qos", json_integer(1));
	return d;
}

void ha_add(json_t *discovery, const struct ha_device *dev, const char *key, const char *platform,
	    json_t *cmp)
{
	char uid[160], eid[200];

	snprintf(uid, sizeof(uid), "%s_%s", dev->id, key);
	snprintf(eid, sizeof(eid), "%s.%s", platform, uid);
	json_object_set_new(cmp, "platform", json_string(platform));
	json_object_set_new(cmp, "unique_id", json_string(uid));
	json_object_set_new(cmp, "default_entity_id", json_string(eid));
	json_object_set_new(json_object_get(discovery, "components"), key, cmp);
}

int ha_config_topic(char out[TOPIC_MAX], const char *device_id)
{
	int n = snprintf(out, TOPIC_MAX, HA_PREFIX "/device/%s/config", device_id);

	return n < 0 || n >= TOPIC_MAX ? SL_ERR_RANGE : SL_OK;
}
