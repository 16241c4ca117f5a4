/* ha.c - Home Assistant device discovery: payloads, removal and
 * re-announcement; see ha.h. */
#include "ha.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "log.h"

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

#define ANNOUNCE_MIN_MS 500
#define ANNOUNCE_SPREAD_MS 2500

struct removal {
	struct loop *loop;
	const char *topic;
	bool removed;
};

static void on_remove_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct removal *r = arg;

	if (!connected)
		return;
	/* an empty retained config removes the device from Home Assistant */
	if (mqtt_publish(s, r->topic, "", 0, 1, true) == SL_OK) {
		r->removed = true;
		log_info("Home Assistant discovery removed (%s)", r->topic);
	}
	loop_stop(r->loop);
}

static int64_t remove_timeout(struct loop *l, long id, void *arg)
{
	(void)id;
	(void)arg;
	log_error("cannot reach the broker: Home Assistant discovery not removed");
	loop_stop(l);
	return -1;
}

static void remove_signal(struct loop *l, int signo, void *arg)
{
	(void)arg;
	if (signo != SIGHUP)
		loop_stop(l);
}

int ha_remove_device(const struct mqtt_opts *opts, const char *config_topic, int64_t timeout_ms)
{
	struct removal r = {NULL, config_topic, false};
	struct mqtt_session *s = NULL;
	struct loop *l = NULL;
	int rc = 2, err;

	if (loop_new(&l) || loop_watch_signals(l, remove_signal, NULL))
		goto out;
	r.loop = l;
	err = mqtt_session_new(l, opts, &s);
	if (err) {
		log_error("broker %s: %s", opts->url, err_str(err));
		rc = err == SL_ERR_INVAL ? 1 : 2;
		goto out;
	}
	mqtt_session_on_connection(s, on_remove_connection, &r);
	if (mqtt_session_start(s) != SL_OK || loop_add_timer(l, timeout_ms, remove_timeout, NULL) < 0)
		goto out;
	loop_run(l);
	rc = r.removed ? 0 : 2;
out:
	mqtt_session_free(&s); /* waits for the broker to take the empty config */
	loop_free(&l);
	return rc;
}

static int64_t announce_due(struct loop *l, long id, void *arg)
{
	struct ha_announce *an = arg;

	(void)l;
	(void)id;
	an->timer = 0;
	an->fn(an->arg);
	return -1;
}

void ha_announce_on_status(struct ha_announce *an, const void *payload, size_t len)
{
	long id;

	if (len != 6 || memcmp(payload, "online", 6) != 0 || an->timer > 0)
		return;
	id = loop_add_timer(an->loop, ANNOUNCE_MIN_MS + random() % ANNOUNCE_SPREAD_MS, announce_due,
			    an);
	an->timer = id > 0 ? id : 0;
}
