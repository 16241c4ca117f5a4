/* daemon.c - skylapse-scheduler's life on the broker.
 *
 * One timer, the tick, drives everything on time: it asks each runner for
 * its due slots and window changes and sleeps until the earliest next one
 * (at most a second). Messages arrive through the MQTT session on the main
 * thread: camera availability (which cameras to ask), capture results
 * (matched to our requests by request_id), schedule switches and capture
 * requests to relay; Home Assistant's topics go to ha_commands.c. Retained
 * state - the status, each schedule's switch, each camera's plan and
 * profile, the discovery config - goes through mqtt_set_state(), so a
 * broker that restarts empty gets all of it again on reconnect.
 */
#include "daemon.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "log.h"
#include "plan.h"
#include "timeutil.h"

#define TICK_MAX_MS 1000
#define STATUS_MIN_GAP_MS 1000
#define STATUS_PERIOD_MS 30000
#define AUTH_PREFIX "Backend not authorized"

int64_t sched_now(const struct scheduler *sch)
{
	return time_now_ms() + sch->clock_offset_ms;
}

long sched_date_key(int64_t ms)
{
	int y, m, d;

	window_local_date(ms, &y, &m, &d);
	return (long)y * 10000 + m * 100 + d;
}

bool sched_reserved_id(const char *id)
{
	return strcmp(id, "backend") == 0 || strcmp(id, "encoder") == 0 ||
	       strcmp(id, "transfer") == 0;
}

struct sched_camera *sched_camera(struct scheduler *sch, const char *id, bool create)
{
	struct sched_camera *c;

	for (int i = 0; i < sch->ncams; i++)
		if (strcmp(sch->cams[i].id, id) == 0)
			return &sch->cams[i];
	if (!create || !id_is_valid(id) || sched_reserved_id(id))
		return NULL;
	if (sch->ncams == CAMERAS_MAX) {
		log_warn("camera '%s' ignored: already %d cameras", id, CAMERAS_MAX);
		return NULL;
	}
	c = &sch->cams[sch->ncams++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	return c;
}

int sched_targets(struct scheduler *sch, const char *out[CAMERAS_MAX])
{
	int n = 0;

	for (int i = 0; i < sch->ncams; i++) {
		const struct sched_camera *c = &sch->cams[i];

		if (c->online || (c->pinned && !c->known))
			out[n++] = c->id;
	}
	return n;
}

void sched_camera_answer(struct scheduler *sch, const char *camera, bool ok, const char *error)
{
	struct sched_camera *c = sched_camera(sch, camera, true);

	if (c == NULL)
		return;
	if (!ok && error && strncmp(error, AUTH_PREFIX, strlen(AUTH_PREFIX)) == 0) {
		if (c->auth != AUTH_DENIED || strcmp(c->auth_error, error) != 0)
			log_error("camera '%s' refuses backend '%s': %s", camera,
				  sch->cfg.backend_name, error);
		c->auth = AUTH_DENIED;
		snprintf(c->auth_error, sizeof(c->auth_error), "%s", error);
		sched_touch_status(sch);
	} else if (ok && c->auth != AUTH_OK) {
		if (c->auth == AUTH_DENIED)
			log_info("camera '%s' accepts backend '%s' again", camera,
				 sch->cfg.backend_name);
		c->auth = AUTH_OK;
		c->auth_error[0] = '\0';
		sch->plans_dirty = true;
		sched_touch_status(sch);
	}
}

bool sched_busy(const struct scheduler *sch, const char *schedule, const char *camera)
{
	for (int i = 0; i < sch->npend; i++)
		if (strcmp(sch->pend[i].schedule, schedule) == 0 &&
		    strcmp(sch->pend[i].camera, camera) == 0)
			return true;
	return false;
}

struct pending *sched_pending_new(struct scheduler *sch)
{
	struct pending *p;

	if (sch->npend == PENDING_MAX)
		return NULL;
	p = &sch->pend[sch->npend++];
	memset(p, 0, sizeof(*p));
	return p;
}

void sched_pending_drop(struct scheduler *sch, struct pending *p)
{
	free(p->client_request_id);
	free(p->response_topic);
	free(p->correlation);
	*p = sch->pend[--sch->npend];
}

static struct pending *pending_find(struct scheduler *sch, const char *id)
{
	for (int i = 0; i < sch->npend; i++)
		if (strcmp(sch->pend[i].id, id) == 0)
			return &sch->pend[i];
	return NULL;
}

int sched_publish_json(struct scheduler *sch, const char *topic, const json_t *obj,
		       const struct mqtt_pub_props *props)
{
	char *text = jx_dump(obj);
	int rc;

	if (text == NULL)
		return SL_ERR_NOMEM;
	rc = mqtt_publish_props(sch->mqtt, topic, text, strlen(text), 1, false, props);
	free(text);
	return rc;
}

void sched_publish_status(struct scheduler *sch)
{
	json_t *st = status_json(sch, sched_now(sch));
	char *text = st ? jx_dump(st) : NULL;

	if (text)
		mqtt_set_state(sch->mqtt, sch->t_status, text, strlen(text));
	free(text);
	json_decref(st);
	sch->status_dirty = false;
	sch->status_sent_ms = loop_now_ms();
}

void sched_touch_status(struct scheduler *sch)
{
	sch->status_dirty = true;
	if (loop_now_ms() - sch->status_sent_ms >= STATUS_MIN_GAP_MS)
		sched_publish_status(sch);
}

void sched_kick(struct scheduler *sch)
{
	if (sch->tick_id > 0)
		loop_del_timer(sch->loop, sch->tick_id);
	sch->tick_id = loop_add_timer(sch->loop, 0, daemon_tick, sch);
}

void daemon_publish_switch(struct scheduler *sch, const struct runner *r)
{
	char topic[TOPIC_MAX];
	const char *state = r->runs ? "ON" : "OFF";

	if (topic_fmt(topic, sch->cfg.topic_root, "backend/%s/schedules/%s/state",
		      sch->cfg.backend_name, r->name) == SL_OK)
		mqtt_set_state(sch->mqtt, topic, state, strlen(state));
}

/* The plan goes to every camera we know, except one that refuses us:
 * its retained plan may be its primary backend's, not ours to replace. */
static void publish_plans(struct scheduler *sch, int64_t now)
{
	bool *runs = calloc((size_t)(sch->nruns > 0 ? sch->nruns : 1), sizeof(*runs));
	char topic[TOPIC_MAX];

	if (runs == NULL)
		return;
	for (int i = 0; i < sch->nruns; i++)
		runs[i] = sch->runs[i].runs;
	for (int i = 0; i < sch->ncams; i++) {
		const struct sched_camera *c = &sch->cams[i];
		json_t *plan;
		char *text;

		if (c->auth == AUTH_DENIED ||
		    topic_fmt(topic, sch->cfg.topic_root, "%s/plan", c->id) != SL_OK)
			continue;
		plan = plan_camera_json(&sch->cfg, runs, sch->cfg.backend_name, c->id, now);
		text = plan ? jx_dump(plan) : NULL;
		if (text)
			mqtt_set_state(sch->mqtt, topic, text, strlen(text));
		free(text);
		json_decref(plan);
	}
	free(runs);
	sch->plans_dirty = false;
	sch->plans_key = sched_date_key(now);
}

/* Requests with no answer in time: an error for their schedule, or the
 * "no answer" reply to whoever asked through the backend. */
static void expire_pending(struct scheduler *sch)
{
	int64_t now = sched_now(sch);

	for (int i = 0; i < sch->npend;) {
		struct pending *p = &sch->pend[i];
		struct runner *r;
		char why[ERRMSG_MAX];

		if (p->deadline_ms > now) {
			i++;
			continue;
		}
		if (p->schedule[0] == '\0') {
			relay_answer(sch, p, NULL);
		} else if ((r = runner_find(sch, p->schedule)) != NULL) {
			snprintf(why, sizeof(why), "no answer from camera '%s' in time", p->camera);
			runner_result(sch, r, p, false, why);
		}
		sched_pending_drop(sch, p); /* the last entry moved into slot i */
	}
}

int64_t daemon_tick(struct loop *l, long id, void *arg)
{
	struct scheduler *sch = arg;
	int64_t now = sched_now(sch), next = now + TICK_MAX_MS, delay, since;

	(void)l;
	(void)id;
	expire_pending(sch);
	for (int i = 0; i < sch->nruns; i++) {
		int64_t t = runner_step(sch, &sch->runs[i], now);

		if (t < next)
			next = t;
	}
	if (sched_date_key(now) != sch->plans_key)
		sch->plans_dirty = true;
	if (sch->plans_dirty)
		publish_plans(sch, now);
	since = loop_now_ms() - sch->status_sent_ms;
	if ((sch->status_dirty && since >= STATUS_MIN_GAP_MS) || since >= STATUS_PERIOD_MS)
		sched_publish_status(sch);
	delay = next - sched_now(sch);
	if (sch->status_dirty) {
		since = STATUS_MIN_GAP_MS - (loop_now_ms() - sch->status_sent_ms);
		if (since < delay)
			delay = since;
	}
	return delay < 0 ? 0 : delay > TICK_MAX_MS ? TICK_MAX_MS : delay;
}

static void on_availability(struct scheduler *sch, const char *id, const struct mqtt_message *m)
{
	bool online = m->len == 6 && memcmp(m->payload, "online", 6) == 0;
	bool offline = m->len == 7 && memcmp(m->payload, "offline", 7) == 0;
	struct sched_camera *c;

	if (!id_is_valid(id) || sched_reserved_id(id))
		return;
	if (!online && !offline && m->len > 0) {
		log_debug("availability of '%s': '%.*s' is neither online nor offline", id,
			  m->len > 16 ? 16 : (int)m->len, (const char *)m->payload);
		return;
	}
	c = sched_camera(sch, id, online);
	if (c == NULL || (c->known == (m->len > 0) && c->online == online))
		return;
	log_info("camera '%s' %s", id, online ? "online" : m->len ? "offline" : "forgotten");
	c->known = m->len > 0;
	c->online = online;
	if (online) {
		sch->plans_dirty = true;
		ha_publish_profile(sch, id);
	}
	sched_touch_status(sch);
	sched_kick(sch);
}

static void on_response(struct scheduler *sch, const char *camera, const struct mqtt_message *m)
{
	char why[ERRMSG_MAX];
	const char *rid = NULL, *status = NULL, *error = NULL;
	json_t *obj = json_parse_object((const char *)m->payload, m->len, RESPONSE_MAX, why);
	struct pending *p;
	struct runner *r;
	bool ok;

	if (obj == NULL || jx_get_string(obj, "request_id", &rid, why) != SL_OK ||
	    (p = pending_find(sch, rid)) == NULL)
		goto out; /* not an answer to us */
	if (strcmp(p->camera, camera) != 0) {
		log_warn("answer to %s came from camera '%s', not '%s'; ignored", rid, camera,
			 p->camera);
		goto out;
	}
	jx_get_string(obj, "status", &status, why);
	jx_get_string(obj, "error", &error, why);
	ok = status && strcmp(status, "ok") == 0;
	if (!ok && error == NULL)
		error = "malformed answer (no status ok nor error)";
	sched_camera_answer(sch, camera, ok, error);
	if (p->schedule[0] == '\0')
		relay_answer(sch, p, obj);
	else if ((r = runner_find(sch, p->schedule)) != NULL)
		runner_result(sch, r, p, ok, error);
	sched_pending_drop(sch, p);
out:
	json_decref(obj);
}

static void on_switch(struct scheduler *sch, const char *name, const struct mqtt_message *m)
{
	struct runner *r = id_is_valid(name) ? runner_find(sch, name) : NULL;
	bool on;
	int rc;

	if (r == NULL) {
		log_warn("switch for unknown schedule '%.64s' ignored", name);
		return;
	}
	if (m->retained) {
		log_warn("retained switch for '%s' ignored (commands are never retained)", name);
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
	if (r->runs != on)
		log_info("schedule '%s' switched %s", name, on ? "ON" : "OFF");
	r->runs = on;
	daemon_publish_switch(sch, r);
	sch->plans_dirty = true;
	sched_touch_status(sch);
	sched_kick(sch);
}

static void on_message(struct mqtt_session *s, const struct mqtt_message *m, void *arg)
{
	struct scheduler *sch = arg;
	size_t plen = strlen(sch->t_switch_prefix), tlen = strlen(m->topic);
	char first[ID_MAX + 1];
	const char *rest;

	(void)s;
	if (ha_on_message(sch, m))
		return;
	if (strcmp(m->topic, sch->t_relay_request) == 0) {
		relay_request(sch, m);
		return;
	}
	if (strncmp(m->topic, sch->t_switch_prefix, plen) == 0 && tlen > plen + 4 &&
	    strcmp(m->topic + tlen - 4, "/set") == 0) {
		char name[ID_MAX + 2];

		snprintf(name, sizeof(name), "%.*s", (int)(tlen - plen - 4), m->topic + plen);
		on_switch(sch, name, m);
		return;
	}
	rest = topic_split(m->topic, sch->cfg.topic_root, first, sizeof(first));
	if (rest == NULL)
		return;
	if (strcmp(rest, "availability") == 0)
		on_availability(sch, first, m);
	else if (strcmp(rest, "capture/response") == 0)
		on_response(sch, first, m);
}

static void on_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct scheduler *sch = arg;

	if (connected)
		log_info("connected to %s", mqtt_session_url(s));
	else
		log_warn("lost the broker %s; reconnecting", mqtt_session_url(s));
	sch->plans_dirty = connected;
	sched_touch_status(sch);
	sched_kick(sch);
}

int daemon_topics(struct scheduler *sch)
{
	const char *r = sch->cfg.topic_root, *b = sch->cfg.backend_name;

	if (topic_fmt(sch->t_status, r, "backend/%s/status", b) ||
	    topic_fmt(sch->t_avail, r, "backend/%s/availability", b) ||
	    topic_fmt(sch->t_relay_request, r, "backend/%s/capture/request", b) ||
	    topic_fmt(sch->t_relay_response, r, "backend/%s/capture/response", b) ||
	    topic_fmt(sch->t_switch_prefix, r, "backend/%s/schedules/", b))
		return SL_ERR_RANGE;
	return ha_topics(sch);
}

int daemon_connect(struct scheduler *sch)
{
	struct mqtt_opts mo;
	char client_id[128], filter[TOPIC_MAX];
	const char *r = sch->cfg.topic_root;
	int rc;

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
	if ((rc = topic_fmt(filter, r, "+/availability")) ||
	    (rc = mqtt_subscribe(sch->mqtt, filter, 1)) ||
	    (rc = topic_fmt(filter, r, "+/capture/response")) ||
	    (rc = mqtt_subscribe(sch->mqtt, filter, 1)) ||
	    (rc = mqtt_subscribe(sch->mqtt, sch->t_relay_request, 1)) ||
	    (rc = topic_fmt(filter, r, "backend/%s/schedules/+/set", sch->cfg.backend_name)) ||
	    (rc = mqtt_subscribe(sch->mqtt, filter, 1)) || (rc = ha_subscribe(sch)))
		return rc;
	/* the device first, so that Home Assistant has the entities the
	 * states below feed */
	ha_publish_discovery(sch, NULL);
	for (int i = 0; i < sch->nruns; i++)
		daemon_publish_switch(sch, &sch->runs[i]);
	ha_publish_profiles(sch);
	/* no status yet: the first tick, right after this, publishes one with
	 * today's windows already computed (active_schedules right from the start) */
	rc = mqtt_session_start(sch->mqtt);
	if (rc == SL_OK)
		sch->tick_id = loop_add_timer(sch->loop, 0, daemon_tick, sch);
	return rc;
}

void daemon_free(struct scheduler *sch)
{
	while (sch->npend > 0)
		sched_pending_drop(sch, &sch->pend[0]);
	mqtt_session_free(&sch->mqtt);
	free(sch->runs);
	sch->runs = NULL;
	json_decref(sch->sun_today);
	sch->sun_today = NULL;
	ha_jobs_free(&sch->jobs);
}
