/* ha.h - Home Assistant MQTT discovery, device-based.
 *
 * One retained payload per device on <prefix>/device/<id>/config holds
 * the device block, the origin, the availability topics (mode "all") and
 * every component (entity) under "components". Each component gets
 * "platform", "unique_id" (<device id>_<key>) and "default_entity_id"
 * (<platform>.<device id>_<key>); the deprecated "object_id" is never used.
 * A component may carry its own "availability" (and mode), which replaces
 * the device's for that entity. Publishing an empty retained payload on the
 * same topic removes the device (ha_remove_device). When Home Assistant
 * (re)starts it says "online" on <prefix>/status and every device announces
 * itself again (ha_announce).
 *
 * The prefix is HA_DISCOVERY_PREFIX (cfg->ha_prefix, "homeassistant" by
 * default); with HA_DISCOVERY=false (cfg->ha_discovery) nothing is
 * published nor subscribed under it, only --ha-remove still works.
 */
#ifndef SKYLAPSE_LIB_HA_H
#define SKYLAPSE_LIB_HA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "mqtt.h"
#include "topics.h"

#include "config.h"

#define HA_ID_MAX 96

struct ha_device {
	const char *id;         /* [a-z0-9_]: skylapse_helios */
	const char *name;       /* "Skylapse helios" */
	const char *model;      /* "Sky camera", "Skylapse backend" */
	const char *config_url; /* the dashboard (also the origin's support_url), or NULL */
};

/* A device id: skylapse_<name> or skylapse_<kind>_<name> (kind may be
 * NULL), '-' written '_' as entity ids want it. */
void ha_device_id(char out[HA_ID_MAX], const char *kind, const char *name);

/* An "availability" list on each of `avail` (n topics, borrowed). Returns
 * a new reference. */
json_t *ha_availability(const char *const *avail, int n);

/* A new discovery payload for `dev` with availability on each of `avail`
 * (n topics, borrowed). Returns a new reference. */
json_t *ha_discovery_new(const struct ha_device *dev, const char *const *avail, int n);

/* Marks component `cmp` as a diagnostic entity (entity_category) and
 * returns it (the same reference). */
json_t *ha_diagnostic(json_t *cmp);

/* Adds a component under `key` ([a-z0-9_]): steals `cmp`, to which platform,
 * unique_id and default_entity_id are added. */
void ha_add(json_t *discovery, const struct ha_device *dev, const char *key, const char *platform,
	    json_t *cmp);

/* A sensor reading a JSON state topic, as a row of a table. */
struct ha_sensor {
	const char *key, *name, *tmpl; /* component key, name, value_template */
	const char *unit;              /* unit_of_measurement, or NULL */
	const char *class_key, *class; /* "device_class" or "state_class" and its value, or NULLs */
	const char *icon;              /* or NULL */
	bool diagnostic;               /* entity_category: diagnostic */
};

/* Adds a sensor component on `state_topic` (borrowed) for each of the n
 * rows of `rows`. */
void ha_add_sensors(json_t *discovery, const struct ha_device *dev, const char *state_topic,
		    const struct ha_sensor *rows, size_t n);

/* A device's discovery topic: <cfg->ha_prefix>/device/[<node>/]<id>/config.
 * `node` (may be NULL) groups the devices of one MQTT user, whose ACL
 * then names them with one wildcard: skylapse_encoder/<worker>. */
int ha_config_topic(char out[TOPIC_MAX], const struct config *cfg, const char *node,
		    const char *id);

/* Publishes discovery `d` (borrowed; NULL is skipped) on `config_topic` as
 * retained session state on `s` (mqtt_set_state: again on every
 * reconnect) when cfg->ha_discovery; nothing when it is off. */
void ha_publish(struct mqtt_session *s, const struct config *cfg, const char *config_topic,
		const json_t *d);

/* --ha-remove of the device on `config_topic` through ha_remove_device(),
 * logged in as cfg says with `client_id` (10 s to reach the broker). The
 * exit status. */
int ha_remove(const struct config *cfg, const char *client_id, const char *config_topic);

/* --ha-remove: connects with `opts` (with no availability topic: the
 * running program's own must stay as it is), publishes an empty retained
 * config on `config_topic` and ends the session, which waits for the broker
 * to take it. Gives up after `timeout_ms` without a connection, or on
 * SIGINT/SIGTERM. Owns its loop and session. Returns an exit status: 0
 * removed, 1 a bad broker URL or client id, 2 not removed (logged). */
int ha_remove_device(const struct mqtt_opts *opts, const char *config_topic, int64_t timeout_ms);

/* The re-announcement after Home Assistant restarts: a random 0.5-3 s
 * delay, so that a fleet of agents does not answer all at once. The caller
 * owns the struct; ha_announce_start fills it. */
struct ha_announce {
	struct loop *loop;     /* borrowed */
	void (*fn)(void *arg); /* publishes the discovery (and states) again */
	void *arg;
	long timer; /* an announcement is due, or 0 */
	char status_topic[TOPIC_MAX]; /* <prefix>/status, "" with discovery off */
};

/* Fills `an` and, when cfg->ha_discovery, subscribes `s` (borrowed, not
 * started yet) to <prefix>/status. 0 or a negative error code. */
int ha_announce_start(struct ha_announce *an, const struct config *cfg, struct loop *loop,
		      struct mqtt_session *s, void (*fn)(void *arg), void *arg);

/* True when `m` is Home Assistant's status: then it is taken
 * (ha_announce_on_status); false for any other topic. */
bool ha_announce_message(struct ha_announce *an, const struct mqtt_message *m);

/* For each message on the status topic (payload borrowed): "online" makes
 * fn(arg) run after a random 500-3000 ms (random()), unless one is due. */
void ha_announce_on_status(struct ha_announce *an, const void *payload, size_t len);

#endif
