/* ha_commands.c - the backend's side of Home Assistant, on the broker.
 *
 * Discovery: the device config (ha_backend.c) is retained state, so the
 * MQTT session publishes it again on every reconnect; when Home Assistant
 * says `online` on homeassistant/status it is announced once more after a
 * random 0.5-3 s (a restart of Home Assistant must not meet every agent at
 * once), followed by the states its entities read.
 *
 * Commands that Home Assistant's entities send to this backend:
 *   R/backend/<name>/cameras/<camera>/profile/set  a profile id; kept in the
 *     state file, retained on .../profile/state (lower case), used by
 *     capture requests through the backend that name no profile (relay.c);
 *   R/backend/<name>/timelapse/today  one encode job per camera for the
 *     frames of today so far.
 * And what its sensors count: R/encoder/jobs/+ (retained job states) feeds
 * `encoder_queue` in the backend status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"
#include "ha.h"
#include "jsonx.h"
#include "log.h"
#include "plan.h"
#include "scheduler.h"

#define ANNOUNCE_MIN_MS 500
#define ANNOUNCE_SPREAD_MS 2500
#define REMOVE_TIMEOUT_MS 10000

int ha_topics(struct scheduler *sch)
{
	const char *r = sch->cfg.topic_root, *b = sch->cfg.backend_name;
	char dev_id[HA_DEVICE_ID_MAX];

	ha_backend_device_id(b, dev_id);
	if (ha_config_topic(sch->t_ha_config, dev_id) ||
	    topic_fmt(sch->t_today, r, "backend/%s/timelapse/today", b) ||
	    topic_fmt(sch->t_camera_prefix, r, "backend/%s/cameras/", b) ||
	    topic_fmt(sch->t_jobs_prefix, r, "encoder/jobs/"))
		return SL_ERR_RANGE;
	return SL_OK;
}

int ha_subscribe(struct scheduler *sch)
{
	char filter[TOPIC_MAX];
	int rc;

	if ((rc = mqtt_subscribe(sch->mqtt, HA_STATUS_TOPIC, 1)) ||
	    (rc = mqtt_subscribe(sch->mqtt, sch->t_today, 1)) ||
	    (rc = topic_fmt(filter, sch->cfg.topic_root, "backend/%s/cameras/+/profile/set",
			    sch->cfg.backend_name)) ||
	    (rc = mqtt_subscribe(sch->mqtt, filter, 1)) ||
	    (rc = topic_fmt(filter, sch->cfg.topic_root, "encoder/jobs/+")) ||
	    (rc = mqtt_subscribe(sch->mqtt, filter, 1)))
		return rc;
	return SL_OK;
}

void ha_publish_discovery(struct scheduler *sch, const json_t *removed)
{
	const char *url = sch->cfg.backend_url[0] ? sch->cfg.backend_url : NULL;
	json_t *d = ha_backend_discovery(&sch->cfg, url, removed);
	char *text = d ? jx_dump(d) : NULL;

	if (text)
		mqtt_set_state(sch->mqtt, sch->t_ha_config, text, strlen(text));
	else
		log_error("Home Assistant discovery: cannot build %s", sch->t_ha_config);
	free(text);
	json_decref(d);
}

void ha_publish_profile(struct scheduler *sch, const char *camera)
{
	char topic[TOPIC_MAX];
	char id[2] = {ha_capture_profile(&sch->cfg, switches_profile(&sch->sw, camera)), '\0'};

	if (id[0] && topic_fmt(topic, sch->cfg.topic_root, "backend/%s/cameras/%s/profile/state",
			       sch->cfg.backend_name, camera) == SL_OK)
		mqtt_set_state(sch->mqtt, topic, id, 1);
}

void ha_publish_profiles(struct scheduler *sch)
{
	for (int i = 0; i < sch->sw.ncam; i++)
		ha_publish_profile(sch, sch->sw.cam[i].camera);
	for (int i = 0; i < sch->ncams; i++)
		if (switches_profile(&sch->sw, sch->cams[i].id) == '\0')
			ha_publish_profile(sch, sch->cams[i].id);
}

static int64_t announce(struct loop *l, long id, void *arg)
{
	struct scheduler *sch = arg;

	(void)l;
	(void)id;
	sch->ha_timer = 0;
	ha_publish_discovery(sch, NULL);
	for (int i = 0; i < sch->nruns; i++)
		daemon_publish_switch(sch, &sch->runs[i]);
	ha_publish_profiles(sch);
	sched_publish_status(sch);
	return -1;
}

static void on_ha_status(struct scheduler *sch, const struct mqtt_message *m)
{
	if (m->len != 6 || memcmp(m->payload, "online", 6) != 0 || sch->ha_timer > 0)
		return;
	sch->ha_timer = loop_add_timer(sch->loop, ANNOUNCE_MIN_MS + random() % ANNOUNCE_SPREAD_MS,
				       announce, sch);
}

static void on_profile_set(struct scheduler *sch, const char *camera,
			   const struct mqtt_message *m)
{
	char id;
	int rc;

	if (!id_is_valid(camera) || sched_reserved_id(camera)) {
		log_warn("profile selection for '%.64s' ignored: not a camera id", camera);
		return;
	}
	if (m->retained) {
		log_warn("retained profile selection for '%s' ignored (commands are never retained)",
			 camera);
		return;
	}
	if (switch_parse_profile(&sch->cfg.profiles, m->payload, m->len, &id) != SL_OK) {
		log_warn("profile selection for '%s' ignored: '%.*s' is not a profile id", camera,
			 m->len > 32 ? 32 : (int)m->len, (const char *)m->payload);
		/* Home Assistant's select shows the state topic: put it back */
		ha_publish_profile(sch, camera);
		return;
	}
	rc = switches_set_profile(&sch->sw, camera, id);
	if (rc == SL_ERR_RANGE) {
		log_warn("profile selection for '%s' ignored: already %d cameras have one", camera,
			 SWITCHES_MAX);
		return;
	}
	if (rc)
		log_warn("profile for '%s' holds until restart only: cannot keep it in %s (%s)",
			 camera, sch->sw.path, err_str(rc));
	log_info("camera '%s': profile '%c' selected", camera, id);
	ha_publish_profile(sch, camera);
	sched_touch_status(sch);
}

/* One job per camera this backend knows, online or not: its frames of
 * today are on the server either way. */
static void on_today(struct scheduler *sch, const struct mqtt_message *m)
{
	bool *runs = calloc((size_t)(sch->nruns > 0 ? sch->nruns : 1), sizeof(*runs));
	int64_t now = sched_now(sch);
	char topic[TOPIC_MAX], profile;
	int sent = 0;

	if (m->retained) {
		log_warn("retained timelapse request ignored (commands are never retained)");
		goto out;
	}
	if (runs == NULL || topic_fmt(topic, sch->cfg.topic_root, "encoder/jobs") != SL_OK)
		goto out;
	for (int i = 0; i < sch->nruns; i++)
		runs[i] = sch->runs[i].runs;
	profile = ha_today_profile(&sch->cfg, runs);
	if (profile == '\0') {
		log_warn("timelapse of today: no profile is enabled");
		goto out;
	}
	for (int i = 0; i < sch->ncams; i++) {
		const struct sched_camera *c = &sch->cams[i];
		json_t *job;

		if (!c->known && !c->pinned)
			continue;
		job = plan_today_job(c->id, profile, now);
		if (job && sched_publish_json(sch, topic, job, NULL) == SL_OK) {
			log_info("timelapse of today: encode job %s published",
				 json_string_value(json_object_get(job, "job_id")));
			sent++;
		} else {
			log_error("timelapse of today: could not publish the job of camera '%s'",
				  c->id);
		}
		json_decref(job);
	}
	if (sent == 0)
		log_warn("timelapse of today: no camera known to this backend");
out:
	free(runs);
}

bool ha_on_message(struct scheduler *sch, const struct mqtt_message *m)
{
	size_t cl = strlen(sch->t_camera_prefix), jl = strlen(sch->t_jobs_prefix);
	size_t tl = strlen(m->topic), sl = strlen("/profile/set");

	if (strcmp(m->topic, HA_STATUS_TOPIC) == 0) {
		on_ha_status(sch, m);
	} else if (strcmp(m->topic, sch->t_today) == 0) {
		on_today(sch, m);
	} else if (strncmp(m->topic, sch->t_camera_prefix, cl) == 0 && tl > cl + sl &&
		   strcmp(m->topic + tl - sl, "/profile/set") == 0) {
		char camera[ID_MAX + 2];

		snprintf(camera, sizeof(camera), "%.*s", (int)(tl - cl - sl), m->topic + cl);
		on_profile_set(sch, camera, m);
	} else if (strncmp(m->topic, sch->t_jobs_prefix, jl) == 0 &&
		   strchr(m->topic + jl, '/') == NULL) {
		if (ha_jobs_update(&sch->jobs, m->topic + jl, m->payload, m->len))
			sched_touch_status(sch);
	} else {
		return false;
	}
	return true;
}

static void on_remove_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct scheduler *sch = arg;

	if (!connected)
		return;
	/* an empty retained config removes the device from Home Assistant */
	if (mqtt_publish(s, sch->t_ha_config, "", 0, 1, true) == SL_OK) {
		sch->ha_removed = true;
		log_info("Home Assistant discovery removed (%s)", sch->t_ha_config);
	}
	loop_stop(sch->loop);
}

static int64_t remove_timeout(struct loop *l, long id, void *arg)
{
	(void)id;
	(void)arg;
	log_error("cannot reach the broker: Home Assistant discovery not removed");
	loop_stop(l);
	return -1;
}

int ha_remove_run(struct scheduler *sch)
{
	struct mqtt_opts mo;
	char client_id[128];
	int rc;

	snprintf(client_id, sizeof(client_id), "skylapse-scheduler-%s-ha-remove",
		 sch->cfg.backend_name);
	mo = cli_mqtt_opts(&sch->cfg, client_id);
	/* no availability topic: the running backend's own must stay as it is */
	if (loop_new(&sch->loop))
		return 2;
	rc = mqtt_session_new(sch->loop, &mo, &sch->mqtt);
	if (rc) {
		log_error("broker %s: %s", sch->cfg.mqtt_url, err_str(rc));
		return rc == SL_ERR_INVAL ? 1 : 2;
	}
	mqtt_session_on_connection(sch->mqtt, on_remove_connection, sch);
	if (mqtt_session_start(sch->mqtt) != SL_OK)
		return 2;
	loop_add_timer(sch->loop, REMOVE_TIMEOUT_MS, remove_timeout, sch);
	loop_run(sch->loop);
	/* the session's end (daemon_free()) waits for the broker to take the
	 * empty config */
	return sch->ha_removed ? 0 : 2;
}
