/* ha.h - Home Assistant MQTT discovery, device-based.
 *
 * One retained payload per device on homeassistant/device/<id>/config holds
 * the device block, the origin, the availability topics (mode "all") and
 * every component (entity) under "components". Each component gets
 * "platform", "unique_id" (<device id>_<key>) and "default_entity_id"
 * (<platform>.<device id>_<key>); the deprecated "object_id" is never used.
 * Publishing an empty retained payload on the same topic removes the device.
 */
#ifndef SKYLAPSE_LIB_HA_H
#define SKYLAPSE_LIB_HA_H

#include <jansson.h>

#include "topics.h"

#define HA_PREFIX "homeassistant"
#define HA_STATUS_TOPIC HA_PREFIX "/status"

struct ha_device {
	const char *id;         /* [a-z0-9_]: skylapse_helios */
	const char *name;       /* "Skylapse helios" */
	const char *model;      /* "Sky camera", "Skylapse backend" */
	const char *config_url; /* the dashboard (also the origin's support_url), or NULL */
};

/* A new discovery payload for `dev` with availability on each of `avail`
 * (n topics, borrowed). Returns a new reference. */
json_t *ha_discovery_new(const struct ha_device *dev, const char *const *avail, int n);

/* Adds a component under `key` ([a-z0-9_]): steals `cmp`, to which platform,
 * unique_id and default_entity_id are added. */
void ha_add(json_t *discovery, const struct ha_device *dev, const char *key, const char *platform,
	    json_t *cmp);

/* The device's discovery topic: homeassistant/device/<id>/config. */
int ha_config_topic(char out[TOPIC_MAX], const char *device_id);

#endif
