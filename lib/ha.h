/* ha.h - Home Assistant MQTT discovery, device-based.
 *
 * One retained payload per device on homeassistant/device/<id>/config holds
 * the device block, the origin, the availability topics (mode "all") and
 * every component (entity) under "components". Each component gets
 * "platform", "unique_id" (<device id>_<key>) and "default_entity_id"
 * (<platform>.<device id>_<key>); the deprecated "object_id" is never used.
 * Publishing an empty retained payload on the same topic removes the device
 * (ha_remove_device). When Home Assistant (re)starts it says "online" on
 * HA_STATUS_TOPIC and every device announces itself again (ha_announce).
 */
#ifndef SKYLAPSE_LIB_HA_H
#define SKYLAPSE_LIB_HA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "mqtt.h"
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

/* --ha-remove: connects with `opts` (with no availability topic: the
 * running program's own must stay as it is), publishes an empty retained
 * config on `config_topic` and ends the session, which waits for the broker
 * to take it. Gives up after `timeout_ms` without a connection, or on
 * SIGINT/SIGTERM. Owns its loop and session. Returns an exit status: 0
 * removed, 1 a bad broker URL or client id, 2 not removed (logged). */
int ha_remove_device(const struct mqtt_opts *opts, const char *config_topic, int64_t timeout_ms);

/* The re-announcement after Home Assistant restarts: a random 0.5-3 s
 * delay, so that a fleet of agents does not answer all at once. The caller
 * owns the struct and fills the first three fields. */
struct ha_announce {
	struct loop *loop;     /* borrowed */
	void (*fn)(void *arg); /* publishes the discovery (and states) again */
	void *arg;
	long timer; /* an announcement is due, or 0 */
};

/* For each message on HA_STATUS_TOPIC (payload borrowed): "online" makes
 * fn(arg) run after a random 500-3000 ms (random()), unless one is due. */
void ha_announce_on_status(struct ha_announce *an, const void *payload, size_t len);

#endif
