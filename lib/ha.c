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
#include "jsonx.h"
#include "log.h"

void ha_device_id(char out[HA_ID_MAX], const char *kind, const char *name)
{
	if (kind)
		snprintf(out, HA_ID_MAX, "skylapse_%s_%s", kind, name);
	else
		snprintf(out, HA_ID_MAX, "skylapse_%s", name);
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '_';
}

json_t *ha_availability(const char *const *avail, int n)
{
	json_t *av = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(av, json_pack("{s:s}", "topic", avail[i]));
	return av;
}

json_t *ha_diagnostic(json_t *cmp)
{
	json_object_set_new(cmp, "entity_category", json_string("diagnostic"));
	return cmp;
}

json_t *ha_discovery_new(const struct ha_device *dev, const char *const *avail, int n)
{
	json_t *d = json_object(), *device, *origin, *av = ha_availability(avail, n);

	device = json_pack("{s:[s],s:s,s:s,s:s,s:s}", "identifiers", dev->id, "name", dev->name,
			   "manufacturer", "Skylapse", "model", dev->model, "sw_version",
			   SKYLAPSE_VERSION);
	origin = json_pack("{s:s,s:s}", "name", "skylapse", "sw_version", SKYLAPSE_VERSION);
	/* the dashboard documents the system; without BACKEND_URL there is none */
	if (dev->config_url && *dev->config_url) {
		json_object_set_new(device, "configuration_url", json_string(dev->config_url));
		json_object_set_new(origin, "support_url", json_string(dev->config_url));
	}
	json_object_set_new(d, "device", device);
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

void ha_add_sensors(json_t *discovery, const struct ha_device *dev, const char *state_topic,
		    const struct ha_sensor *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ha_sensor *r = &rows[i];
		json_t *c = json_pack("{s:s,s:s,s:s}", "name", r->name, "state_topic", state_topic,
				      "value_template", r->tmpl);

		if (r->unit)
			json_object_set_new(c, "unit_of_measurement", json_string(r->unit));
		if (r->class_key)
			json_object_set_new(c, r->class_key, json_string(r->class));
		if (r->icon)
			json_object_set_new(c, "icon", json_string(r->icon));
		if (r->diagnostic)
			ha_diagnostic(c);
		ha_add(discovery, dev, r->key, "sensor", c);
	}
}

int ha_config_topic(char out[TOPIC_MAX], const struct config *cfg, const char *node,
		    const char *id)
{
	int n = snprintf(out, TOPIC_MAX, "%s/device/%s%s%s/config", cfg->ha_prefix,
			 node ? node : "", node ? "/" : "", id);

	return n < 0 || n >= TOPIC_MAX ? SL_ERR_RANGE : SL_OK;
}

void ha_publish(struct mqtt_session *s, const struct config *cfg, const char *config_topic,
		const json_t *d)
{
	char *text;

	if (!cfg->ha_discovery || d == NULL)
		return;
	text = jx_dump(d);
	if (text)
		mqtt_set_state(s, config_topic, text, strlen(text));
	free(text);
}

#define REMOVE_TIMEOUT_MS 10000
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

int ha_remove(const struct config *cfg, const char *client_id, const char *config_topic)
{
	struct mqtt_opts mo = cli_mqtt_opts(cfg, client_id);

	return ha_remove_device(&mo, config_topic, REMOVE_TIMEOUT_MS);
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

int ha_announce_start(struct ha_announce *an, const struct config *cfg, struct loop *loop,
		      struct mqtt_session *s, void (*fn)(void *arg), void *arg)
{
	int n;

	*an = (struct ha_announce){.loop = loop, .fn = fn, .arg = arg};
	if (!cfg->ha_discovery)
		return SL_OK;
	n = snprintf(an->status_topic, TOPIC_MAX, "%s/status", cfg->ha_prefix);
	if (n < 0 || n >= TOPIC_MAX) {
		an->status_topic[0] = '\0';
		return SL_ERR_RANGE;
	}
	return mqtt_subscribe(s, an->status_topic, 1);
}

bool ha_announce_message(struct ha_announce *an, const struct mqtt_message *m)
{
	if (an->status_topic[0] == '\0' || strcmp(m->topic, an->status_topic) != 0)
		return false;
	ha_announce_on_status(an, m->payload, m->len);
	return true;
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
