/* daemon.c - skylapse-scheduler's life on the broker; see daemon.h.
 *
 * In order: apply() (the core's messages published, the status paced),
 * the tick, the handlers of each subscribed topic, Home Assistant's
 * re-announcement, then start, reload, --ha-remove and daemon_run(). One
 * timer, the tick, drives everything on time: core_tick() sends due slots
 * and says when it is due again (at most a second away). Retained state
 * goes through mqtt_set_state(), so a broker that restarts empty gets all
 * of it again on reconnect.
 */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core.h"
#include "fsutil.h"
#include "ha.h"
#include "jsonx.h"
#include "log.h"
#include "loop.h"
#include "mqtt.h"
#include "relay.h"
#include "service.h"
#include "status.h"
#include "timeutil.h"

#define TICK_MAX_MS 1000
#define STATUS_MIN_GAP_MS 1000
#define STATUS_PERIOD_MS 30000
#define RESPONSE_MAX (256 * 1024)

struct scheduler {
	struct config cfg;
	const struct daemon_opts *o;
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct switches sw;
	struct sched_core core;
	struct status_cache status;
	int64_t started_ms;
	long tick_id;
	bool status_dirty;
	int64_t status_sent_ms; /* monotonic */
	char windows_path[PATH_MAX]; /* the journal of windows that ran (core.h) */
	char config_error[ERRMSG_MAX]; /* the last reload's, "" when it loaded */
	struct ha_announce ha;  /* after Home Assistant restarts */
	char t_status[TOPIC_MAX], t_avail[TOPIC_MAX], t_relay_request[TOPIC_MAX];
	char t_switch_prefix[TOPIC_MAX]; /* R/backend/<name>/schedules/ */
	char t_ha_config[TOPIC_MAX];     /* homeassistant/device/<id>/config */
	char t_today[TOPIC_MAX];         /* R/backend/<name>/timelapse/today */
	char t_camera_prefix[TOPIC_MAX]; /* R/backend/<name>/cameras/ */
	char t_jobs_prefix[TOPIC_MAX];   /* R/encoder/jobs/ */
	char t_config[TOPIC_MAX];        /* R/backend/<name>/config/changed */
	char t_transfer[TOPIC_MAX];      /* R/transfer/status */
	char t_transfer_prefix[TOPIC_MAX]; /* R/transfer/ (<camera>/status) */
};

static int64_t tick(struct loop *l, long id, void *arg);
static void reload_file(struct scheduler *sch, const char *cause);

static void publish_status(struct scheduler *sch)
{
	int64_t now = time_now_ms();
	json_t *st = status_json(&sch->core, &sch->status, now, sch->started_ms,
				 time_clock_get(NULL) ? now - time_real_ms() : 0);
	char *text;

	if (st)
		json_object_set_new(st, "config_error", sch->config_error[0]
								? json_string(sch->config_error)
								: json_null());
	text = st ? jx_dump(st) : NULL;
	if (text)
		mqtt_set_state(sch->mqtt, sch->t_status, text, strlen(text));
	free(text);
	json_decref(st);
	sch->status_dirty = false;
	sch->status_sent_ms = loop_now_ms();
}

/* The windows that asked a camera and are not closed yet, kept for a
 * restart: written after a closed window's jobs went out, so a kill in
 * between sends them again on restart (the same job ids: one job), never
 * none. */
static void save_windows(struct scheduler *sch)
{
	json_t *w = core_windows_json(&sch->core);
	char *text = w ? jx_dump(w) : NULL;

	if (text == NULL || file_write_atomic(sch->windows_path, text, strlen(text)) != 0)
		log_error("%s: %s; a window closing while the scheduler is down may get no "
			  "video", sch->windows_path, text ? strerror(errno) : "out of memory");
	free(text);
	json_decref(w);
}

/* Windows that ran before a stop: closed on the first tick when they have
 * ended (their jobs then), else carried on. */
static void restore_windows(struct scheduler *sch)
{
	char why[ERRMSG_MAX];
	size_t len;
	char *text;
	json_t *w;
	int n;

	if (file_read_all(sch->windows_path, 1 << 20, &text, &len) != 0) {
		if (errno != ENOENT)
			log_warn("%s: %s", sch->windows_path, strerror(errno));
		return;
	}
	w = jsonx_parse_object(sch->windows_path, text, len, 1 << 20, why);
	free(text);
	if (w == NULL) {
		log_warn("%s; no window to close from before", why);
		return;
	}
	n = core_windows_restore(&sch->core, w);
	if (n)
		log_info("%d window(s) that ran before the restart: closed when they end", n);
	json_decref(w);
}

/* Publishes out's messages in order, then the status when it changed (at
 * most once a second; the tick sends a held one), and empties out. */
static void apply(struct scheduler *sch, struct sched_out *out)
{
	for (int i = 0; i < out->n; i++) {
		struct sched_msg *m = &out->msg[i];
		struct mqtt_pub_props props = {
		    .expiry_seconds = m->expiry_s,
		    .correlation = m->reply_to ? m->reply_to->correlation : NULL,
		    .correlation_len = m->reply_to ? m->reply_to->correlation_len : 0};
		char rid[REQUEST_ID_MAX + 1];
		int rc;

		if (m->kind == MSG_STATE)
			rc = mqtt_set_state(sch->mqtt, m->topic, m->text, strlen(m->text));
		else
			rc = mqtt_publish_props(sch->mqtt, m->topic, m->text, strlen(m->text), 1,
						false, &props);
		if (rc && m->kind == MSG_JOB)
			log_error("could not publish the encode job %s: %s", m->text, err_str(rc));
		if (rc && m->kind == MSG_CAPTURE) {
			snprintf(rid, sizeof(rid), "%s", m->request_id);
			core_send_failed(&sch->core, rid, rc, out); /* may grow out */
		}
	}
	if (out->windows)
		save_windows(sch);
	if (out->status) {
		sch->status_dirty = true;
		if (loop_now_ms() - sch->status_sent_ms >= STATUS_MIN_GAP_MS)
			publish_status(sch);
	}
	if (out->kick) {
		if (sch->tick_id > 0)
			loop_del_timer(sch->loop, sch->tick_id);
		sch->tick_id = loop_add_timer(sch->loop, 0, tick, sch);
	}
	sched_out_clear(out);
}

static int64_t tick(struct loop *l, long id, void *arg)
{
	struct scheduler *sch = arg;
	struct sched_out out = {0};
	int64_t next, delay, since;

	(void)l;
	(void)id;
	sch->core.connected = mqtt_is_connected(sch->mqtt);
	next = core_tick(&sch->core, time_now_ms(), &out);
	out.status = out.status || sch->status_dirty;
	apply(sch, &out);
	if (loop_now_ms() - sch->status_sent_ms >= STATUS_PERIOD_MS)
		publish_status(sch);
	delay = time_real_delay_ms(next - time_now_ms());
	if (sch->status_dirty) {
		since = STATUS_MIN_GAP_MS - (loop_now_ms() - sch->status_sent_ms);
		if (since < delay)
			delay = since;
	}
	return delay < 0 ? 0 : delay > TICK_MAX_MS ? TICK_MAX_MS : delay;
}

static void on_switch(struct scheduler *sch, const char *name, const struct mqtt_message *m,
		      struct sched_out *out)
{
	struct runner *r = id_is_valid(name) ? core_runner(&sch->core, name) : NULL;
	bool on;
	int rc;

	if (r == NULL) {
		log_warn("switch for unknown schedule '%.64s' ignored", name);
		return;
	}
	if (switch_parse(m->payload, m->len, &on) != SL_OK) {
		log_warn("switch for '%s' ignored: payload must be ON or OFF, got '%.*s'", name,
			 m->len > 32 ? 32 : (int)m->len, (const char *)m->payload);
		return;
	}
	rc = switches_set(&sch->sw, r->s, on);
	if (rc)
		log_warn("switch for '%s' holds until restart only: cannot keep it in %s (%s)",
			 name, sch->sw.path, err_str(rc));
	core_switch(&sch->core, r, on, out);
}

static void on_profile_set(struct scheduler *sch, const char *camera,
			   const struct mqtt_message *m, struct sched_out *out)
{
	char id;
	int rc;

	if (!id_is_valid(camera) || cameras_reserved_id(camera)) {
		log_warn("profile selection for '%.64s' ignored: not a camera id", camera);
		return;
	}
	if (switch_parse_profile(&sch->cfg.profiles, m->payload, m->len, &id) != SL_OK) {
		log_warn("profile selection for '%s' ignored: '%.*s' is not a profile id", camera,
			 m->len > 32 ? 32 : (int)m->len, (const char *)m->payload);
		/* Home Assistant's select shows the state topic: put it back */
		core_profile_states(&sch->core, camera, out);
		return;
	}
	rc = switches_set_profile(&sch->sw, camera, id);
	if (rc == SL_ERR_RANGE) {
		log_warn("profile selection for '%s' ignored: already %d cameras have one", camera,
			 SWITCHES_CAMERAS_MAX);
		return;
	}
	if (rc)
		log_warn("profile for '%s' holds until restart only: cannot keep it in %s (%s)",
			 camera, sch->sw.path, err_str(rc));
	log_info("camera '%s': profile '%c' selected", camera, id);
	core_profile_states(&sch->core, camera, out);
	out->status = true;
}

/* A transfer's status: when the frames of a camera are on the server. An
 * emptied one (the transfer removed) is no transfer. */
static void on_transfer(struct scheduler *sch, const char *camera, const struct mqtt_message *m,
			struct sched_out *out)
{
	char why[ERRMSG_MAX];
	json_t *obj = NULL;

	if (m->len > 0 && (obj = jsonx_parse_object("payload", (const char *)m->payload, m->len,
						      RESPONSE_MAX, why)) == NULL) {
		log_warn("%s ignored: %s", m->topic, why);
		return;
	}
	core_transfer(&sch->core, camera, obj, out);
	json_decref(obj);
}

/* The device first, so that Home Assistant has the entities the states
 * after it feed. */
static void publish_retained(struct scheduler *sch, const json_t *removed, struct sched_out *out)
{
	const char *url = sch->cfg.backend_url[0] ? sch->cfg.backend_url : NULL;
	json_t *d = sch->cfg.ha_discovery ? ha_backend_discovery(&sch->cfg, url, removed) : NULL;

	if (sch->cfg.ha_discovery && sched_out_json(out, MSG_STATE, sch->t_ha_config, d) != SL_OK)
		log_error("Home Assistant discovery: cannot build %s", sch->t_ha_config);
	json_decref(d);
	core_switch_states(&sch->core, out);
	core_profile_states(&sch->core, NULL, out);
}

/* Home Assistant restarted (ha_announce): the device and the states again. */
static void announce(void *arg)
{
	struct scheduler *sch = arg;
	struct sched_out out = {0};

	publish_retained(sch, NULL, &out);
	apply(sch, &out);
	publish_status(sch);
}

/* The topic's part between prefix and suffix, when it has both. */
static bool topic_middle(const char *topic, const char *prefix, const char *suffix,
			 char out[ID_MAX + 2])
{
	size_t tl = strlen(topic), pl = strlen(prefix), sl = strlen(suffix);

	if (strncmp(topic, prefix, pl) != 0 || tl <= pl + sl || strcmp(topic + tl - sl, suffix))
		return false;
	snprintf(out, ID_MAX + 2, "%.*s", (int)(tl - pl - sl), topic + pl);
	return true;
}

static void on_message(struct mqtt_session *s, const struct mqtt_message *m, void *arg)
{
	struct scheduler *sch = arg;
	size_t jl = strlen(sch->t_jobs_prefix);
	struct relay_ask ask = {.payload = m->payload, .len = m->len,
				.response_topic = m->response_topic, .correlation = m->correlation,
				.correlation_len = m->correlation_len, .expires = m->expires_at_ms != 0,
				.expires_in_ms = m->expires_at_ms - loop_now_ms()};
	struct sched_out out = {0};
	char name[ID_MAX + 2], why[ERRMSG_MAX];
	json_t *obj = NULL;
	const char *rest;

	(void)s;
	if (m->retained && (strcmp(m->topic, sch->t_today) == 0 ||
			    strcmp(m->topic, sch->t_relay_request) == 0 ||
			    topic_middle(m->topic, sch->t_camera_prefix, "/profile/set", name) ||
			    topic_middle(m->topic, sch->t_switch_prefix, "/set", name))) {
		log_warn("retained %s ignored (commands are never retained)", m->topic);
	} else if (strcmp(m->topic, sch->t_config) == 0) {
		if (!m->retained) /* a retained one would reload on every reconnect */
			reload_file(sch, "config/changed");
	} else if (ha_announce_message(&sch->ha, m)) {
		/* Home Assistant restarted: announce() is due */
	} else if (strcmp(m->topic, sch->t_today) == 0) {
		core_today(&sch->core, time_now_ms(), &out);
	} else if (topic_middle(m->topic, sch->t_camera_prefix, "/profile/set", name)) {
		on_profile_set(sch, name, m, &out);
	} else if (strncmp(m->topic, sch->t_jobs_prefix, jl) == 0 &&
		   strchr(m->topic + jl, '/') == NULL) {
		out.status = ha_jobs_update(&sch->core.jobs, m->topic + jl, m->payload, m->len);
	} else if (strcmp(m->topic, sch->t_relay_request) == 0) {
		relay_request(&sch->core, &ask, time_now_ms(), &out);
	} else if (topic_middle(m->topic, sch->t_switch_prefix, "/set", name)) {
		on_switch(sch, name, m, &out);
	} else if (strcmp(m->topic, sch->t_transfer) == 0) {
		on_transfer(sch, NULL, m, &out);
	} else if (topic_middle(m->topic, sch->t_transfer_prefix, "/status", name)) {
		on_transfer(sch, name, m, &out);
	} else if ((rest = topic_split(m->topic, sch->cfg.topic_root, name, ID_MAX + 1))) {
		if (strcmp(rest, "availability") == 0)
			core_availability(&sch->core, name, (const char *)m->payload, &out);
		else if (strcmp(rest, "capture/response") == 0 &&
			 (obj = jsonx_parse_object("payload", (const char *)m->payload, m->len,
						   RESPONSE_MAX, why)) != NULL)
			core_result(&sch->core, name, obj, time_now_ms(), &out);
	}
	json_decref(obj);
	apply(sch, &out);
}

static void on_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct scheduler *sch = arg;
	struct sched_out out = {.status = true, .kick = true};

	if (connected)
		log_info("connected to %s", mqtt_session_url(s));
	else
		log_warn("lost the broker %s; reconnecting", mqtt_session_url(s));
	sch->core.plans_dirty = connected;
	apply(sch, &out);
}

static int name_topics(struct scheduler *sch)
{
	const char *r = sch->cfg.topic_root, *b = sch->cfg.backend_name;
	char dev_id[HA_DEVICE_ID_MAX];

	ha_backend_device_id(b, dev_id);
	if (topic_fmt(sch->t_status, r, "backend/%s/status", b) ||
	    topic_fmt(sch->t_avail, r, "backend/%s/availability", b) ||
	    topic_fmt(sch->t_relay_request, r, "backend/%s/capture/request", b) ||
	    topic_fmt(sch->t_switch_prefix, r, "backend/%s/schedules/", b) ||
	    ha_config_topic(sch->t_ha_config, &sch->cfg, NULL, dev_id) ||
	    topic_fmt(sch->t_today, r, "backend/%s/timelapse/today", b) ||
	    topic_fmt(sch->t_camera_prefix, r, "backend/%s/cameras/", b) ||
	    topic_fmt(sch->t_jobs_prefix, r, "encoder/jobs/") ||
	    topic_fmt(sch->t_config, r, "backend/%s/config/changed", b) ||
	    topic_fmt(sch->t_transfer, r, "transfer/status") ||
	    topic_fmt(sch->t_transfer_prefix, r, "transfer/"))
		return SL_ERR_RANGE;
	return SL_OK;
}

/* Builds the core's runners from sch->cfg and the kept switches. */
static int build(struct scheduler *sch)
{
	bool *runs = calloc((size_t)sch->cfg.nschedules + 1, sizeof(*runs));
	struct time_clock clock;
	int rc;

	if (runs == NULL)
		return SL_ERR_NOMEM;
	for (int i = 0; i < sch->cfg.nschedules; i++)
		runs[i] = switches_runs(&sch->sw, &sch->cfg.schedules[i]);
	sch->core.cfg = &sch->cfg;
	sch->core.sw = &sch->sw;
	sch->core.speed = time_clock_get(&clock) ? clock.speed : 1.0;
	rc = core_build(&sch->core, runs);
	free(runs);
	return rc;
}

static int subscribe(struct scheduler *sch)
{
	static const char *const filters[] = {
		"+/availability", "+/capture/response", "backend/%s/capture/request",
		"backend/%s/schedules/+/set", "backend/%s/timelapse/today",
		"backend/%s/cameras/+/profile/set", "encoder/jobs/+", "backend/%s/config/changed",
		"transfer/status", "transfer/+/status"};
	char filter[TOPIC_MAX];
	int rc = ha_announce_start(&sch->ha, &sch->cfg, sch->loop, sch->mqtt, announce, sch);

	for (size_t i = 0; rc == SL_OK && i < sizeof filters / sizeof filters[0]; i++) {
		rc = topic_fmt(filter, sch->cfg.topic_root, filters[i], sch->cfg.backend_name);
		if (rc == SL_OK)
			rc = mqtt_subscribe(sch->mqtt, filter, 1);
	}
	return rc;
}

static int start(struct scheduler *sch, const char *camera)
{
	struct sched_out out = {0};
	struct sched_camera *c;
	struct mqtt_opts mo;
	char client_id[128];
	int rc;

	if ((rc = name_topics(sch)) || (rc = build(sch)))
		return rc;
	restore_windows(sch);
	if (camera && *camera && (c = cameras_find(&sch->core, camera, true)) != NULL)
		c->pinned = true;
	snprintf(client_id, sizeof(client_id), "skylapse-scheduler-%s", sch->cfg.backend_name);
	mo = cli_mqtt_opts(&sch->cfg, client_id);
	mo.availability_topic = sch->t_avail;
	/* a clean session: answers and commands from before a restart are stale */
	mo.persistent = false;
	rc = mqtt_session_new(sch->loop, &mo, &sch->mqtt);
	if (rc)
		return rc;
	mqtt_session_on_message(sch->mqtt, on_message, sch);
	mqtt_session_on_connection(sch->mqtt, on_connection, sch);
	if ((rc = subscribe(sch)))
		return rc;
	publish_retained(sch, NULL, &out);
	apply(sch, &out);
	/* no status yet: the first tick, right after this, publishes one with
	 * today's windows already computed (active_schedules right from the start) */
	rc = mqtt_session_start(sch->mqtt);
	if (rc == SL_OK)
		sch->tick_id = loop_add_timer(sch->loop, 0, tick, sch);
	return rc;
}

static int reload(struct scheduler *sch, struct config *fresh)
{
	struct sched_out out = {.status = true, .kick = true};
	struct config old = sch->cfg;
	char topic[TOPIC_MAX];
	json_t *gone = json_array();

	/* identity and transport stay as started */
	config_restart_needed(&old, fresh);
	memcpy(fresh->backend_name, old.backend_name, sizeof(fresh->backend_name));
	memcpy(fresh->topic_root, old.topic_root, sizeof(fresh->topic_root));
	memcpy(fresh->mqtt_url, old.mqtt_url, sizeof(fresh->mqtt_url));
	sch->cfg = *fresh;
	if (build(sch) != SL_OK) {
		sch->cfg = old;
		json_decref(gone);
		return SL_ERR_NOMEM;
	}
	for (int i = 0; i < old.nschedules; i++) {
		const char *name = old.schedules[i].name;

		if (config_schedule(&sch->cfg, name))
			continue;
		json_array_append_new(gone, json_string(name));
		if (topic_fmt(topic, old.topic_root, "backend/%s/schedules/%s/state",
			      old.backend_name, name) == SL_OK)
			mqtt_set_state(sch->mqtt, topic, "", 0);
	}
	config_free(&old);
	/* schedules and profiles may have changed: entities and selections */
	publish_retained(sch, gone, &out);
	json_decref(gone);
	status_cache_clear(&sch->status);
	sch->core.plans_dirty = true;
	apply(sch, &out);
	return SL_OK;
}

static int remove_device(struct scheduler *sch)
{
	char client_id[128];

	if (name_topics(sch) != SL_OK)
		return 1;
	snprintf(client_id, sizeof(client_id), "skylapse-scheduler-%s-ha-remove",
		 sch->cfg.backend_name);
	return ha_remove(&sch->cfg, client_id, sch->t_ha_config);
}

/* SIGHUP, or the bridge saying it saved the file (PUT /config). */
static void reload_file(struct scheduler *sch, const char *cause)
{
	struct config fresh;

	if (sch->o->load(sch->o->cli, &fresh, sch->config_error) != 0 ||
	    time_set_zone(fresh.timezone) != SL_OK) {
		log_error("%s: configuration has errors; keeping the old one", cause);
		if (!sch->config_error[0])
			err_why(sch->config_error, "location.timezone %.64s is not a known time "
				"zone; keeping the previous configuration", fresh.timezone);
		config_free(&fresh);
		publish_status(sch);
	} else if (reload(sch, &fresh) != SL_OK) {
		log_error("%s: out of memory; keeping the old configuration", cause);
		config_free(&fresh);
		time_set_zone(sch->cfg.timezone);
	} else {
		log_info("%s: configuration reloaded (%d schedules)", cause, sch->core.nruns);
	}
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	if (signo != SIGHUP) {
		log_info("signal %d: stopping", signo);
		loop_stop(l);
	} else {
		reload_file(arg, "reload");
	}
}

static int open_switches(struct scheduler *sch, const char *flag)
{
	char dir[PATH_MAX], path[PATH_MAX];

	if (path_state_dir(flag, dir) < 0) {
		log_error("state folder %s: %s", dir, strerror(errno));
		return 1;
	}
	if (snprintf(path, sizeof(path), "%s/scheduler-%s-switches.json", dir,
		     sch->cfg.backend_name) >= (int)sizeof(path)) {
		log_error("state folder %s: path too long", dir);
		return 1;
	}
	if (switches_load(&sch->sw, path) != SL_OK)
		log_warn("%s is not a switches file; starting with none", path);
	if (snprintf(sch->windows_path, sizeof(sch->windows_path), "%s/scheduler-%s-windows.json",
		     dir, sch->cfg.backend_name) >= (int)sizeof(sch->windows_path)) {
		log_error("state folder %s: path too long", dir);
		return 1;
	}
	return 0;
}

static int run(struct scheduler *sch)
{
	const char *camera = getenv("CAMERA_ID");
	int rc;

	if (open_switches(sch, sch->o->state_dir))
		return 1;
	if (loop_new(&sch->loop) || loop_watch_signals(sch->loop, on_signal, sch))
		return 2;
	rc = start(sch, camera && *camera ? sch->cfg.camera_id : NULL);
	if (rc == SL_ERR_RANGE) {
		log_error("MQTT_TOPIC_ROOT or BACKEND_NAME is too long");
		return 1;
	}
	if (rc) {
		log_error("broker %s: %s", sch->cfg.mqtt_url, err_str(rc));
		return rc == SL_ERR_INVAL ? 1 : 2;
	}
	log_info("backend '%s': %d schedules, time zone %s, broker %s, switches in %s",
		 sch->cfg.backend_name, sch->core.nruns, sch->cfg.timezone, sch->cfg.mqtt_url,
		 sch->sw.path);
	/* Type=notify: without READY=1 systemd would hold the unit in "activating" */
	service_ready(sch->loop, "scheduling");
	rc = loop_run(sch->loop);
	service_stopping();
	return rc ? 2 : 0;
}

int daemon_run(struct config *cfg, const struct daemon_opts *o)
{
	struct scheduler *sch = calloc(1, sizeof(*sch));
	int rc;

	if (sch == NULL) {
		config_free(cfg);
		return 2;
	}
	sch->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	sch->o = o;
	sch->started_ms = time_now_ms();
	rc = o->ha_remove ? remove_device(sch) : run(sch);
	mqtt_session_free(&sch->mqtt);
	core_free(&sch->core);
	status_cache_clear(&sch->status);
	loop_free(&sch->loop);
	config_free(&sch->cfg);
	free(sch);
	return rc;
}
