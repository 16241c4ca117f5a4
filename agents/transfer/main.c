/* skylapse-transfer - brings the Pi's frames to the server.
 *
 * Pulls PI_USER@PI_HOST:PI_SOURCE into IMAGES_DIR/<camera>/ with rsync over
 * ssh every TRANSFER_INTERVAL_MINUTES and soon after frames are announced
 * on R/+/frames, verifies every frame against its sidecar, and deletes on
 * the Pi the verified frames older than DELETE_AFTER_DAYS (the only
 * program that ever deletes there). Keeps R/transfer/status retained and
 * R/transfer/availability. `--once` runs one cycle for cron and exits.
 * This file is the agent's shell: flags, configuration, MQTT and signals;
 * the work is in transfer.c.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "config.h"
#include "fsutil.h"
#include "ha_transfer.h"
#include "jsonx.h"
#include "log.h"
#include "loop.h"
#include "mqtt.h"
#include "service.h"
#include "settings.h"
#include "timeutil.h"
#include "topics.h"
#include "transfer.h"

#define PROG		    "skylapse-transfer"
#define JOBS_SETTLE_MS	    3000 /* retained job states arrive right after subscribing */
#define ONCE_FLUSH_MS	    2000 /* --once: how long to wait for the broker at the end */
#define ONCE_MAX_CYCLES	    4	 /* --once: the cycle, then passes re-fetching bad copies */

struct agent {
	struct config cfg;
	struct transfer_settings own;
	struct cli cli; /* the flags, for reloads */
	char config_error[ERRMSG_MAX]; /* the last reload's, "" when it loaded */
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct transfer xfer;
	bool xfer_ready;
	bool once, once_done;
	bool ha_remove;         /* --ha-remove: clear the Home Assistant device */
	struct ha_announce ha; /* after Home Assistant restarts */
	int exit_code;
	int bwlimit;
	long jobs_timer;
	char t_status[TOPIC_MAX], t_avail[TOPIC_MAX], t_frames[TOPIC_MAX];
	char t_jobs[TOPIC_MAX], t_job_states[TOPIC_MAX];
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: " PROG " [options]\n"
	    "Pulls the Pi's frames into IMAGES_DIR/<camera>/ with rsync over SSH, verifies\n"
	    "them against their sidecars and deletes verified old frames on the Pi.\n\n"
	    "  --once             one sync + verification + Pi clean-up, then exit\n"
	    "                     (0 done, 2 failed)\n"
	    "  --camera ID        the Pi's camera id (default $CAMERA_ID, else the first\n"
	    "                     label of PI_HOST)\n"
	    "  --images-dir DIR   server images root (default $IMAGES_DIR, else /data/images)\n"
	    "  --bwlimit KBPS     limit rsync to KBPS KiB/s (default: no limit)\n"
	    "  --ha-remove        remove the transfer from Home Assistant (empty retained\n"
	    "                     discovery) and exit\n" CLI_COMMON_HELP
	    "\nEnvironment: PI_HOST (a host name, or 'local' for a local PI_SOURCE) PI_USER\n"
	    "PI_SOURCE PI_SSH_PORT SSH_KEY SSH_KNOWN_HOSTS TRANSFER_ENABLED\n"
	    "TRANSFER_INTERVAL_MINUTES DELETE_AFTER_DAYS IMAGES_DIR CAMERA_ID MQTT_URL\n"
	    "MQTT_USERNAME MQTT_PASSWORD MQTT_TOPIC_ROOT SKYLAPSE_CONFIG. See docs/TRANSFER.md.\n");
}

/* --- R/transfer/status: the fields of schema/transfer-status.json, then
 * more. Times are UTC ISO 8601; *_total counters run since the agent
 * started, the others describe the last cycle (docs/TRANSFER.md). ------- */

static json_t *next_sync(const struct transfer *t)
{
	int64_t wait = state_wait_ms(&t->sm, loop_now_ms());

	return jx_time_utc(wait >= 0, time_now_ms() + wait);
}

static json_t *status_json(const struct transfer *t)
{
	const struct xfer_stats *st = &t->st;
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "state",
			    json_string(t->stopping ? "stopped" : state_name(t->sm.state)));
	json_object_set_new(o, "enabled", json_boolean(t->set.enabled));
	json_object_set_new(o, "camera", json_string(t->set.camera));
	json_object_set_new(o, "source", json_string(t->set.source_label));
	json_object_set_new(o, "destination", json_string(t->set.dest));
	json_object_set_new(o, "interval_minutes", json_integer(t->set.interval_minutes));
	json_object_set_new(o, "delete_after_days", json_real(t->set.delete_after_days));
	/* state, last_sync, files, bytes, errors, backlog and last_error are
	 * schema/transfer-status.json's; the rest is this agent's own */
	json_object_set_new(o, "last_sync", jx_time_utc(st->last_ok_ms > 0, st->last_ok_ms));
	json_object_set_new(o, "files", json_integer(st->files));
	json_object_set_new(o, "bytes", json_integer(st->bytes));
	json_object_set_new(o, "errors", json_integer(st->errors));
	json_object_set_new(o, "last_attempt_started_at",
			    jx_time_utc(st->sync_started_ms > 0, st->sync_started_ms));
	json_object_set_new(o, "last_attempt_at",
			    jx_time_utc(st->sync_finished_ms > 0, st->sync_finished_ms));
	json_object_set_new(o, "result", st->result ? json_string(st->result) : json_null());
	json_object_set_new(o, "deleted_on_pi", json_integer(st->deleted_last));
	json_object_set_new(o, "next_sync_at", t->stopping ? json_null() : next_sync(t));
	json_object_set_new(o, "files_total", json_integer(st->files_total));
	json_object_set_new(o, "bytes_total", json_integer(st->bytes_total));
	json_object_set_new(o, "backlog", json_integer(transfer_backlog(t)));
	json_object_set_new(o, "on_pi", json_integer(st->on_pi));
	json_object_set_new(o, "unverified", json_integer(st->unverified));
	json_object_set_new(o, "verified_total", json_integer(st->verified_total));
	json_object_set_new(o, "deleted_on_pi_total", json_integer(st->deleted_total));
	json_object_set_new(o, "failures", json_integer(t->sm.failures));
	json_object_set_new(o, "error_kind",
			    st->error_kind == XERR_NONE
				? json_null()
				: json_string(xfer_error_kind(st->error_kind)));
	json_object_set_new(o, "last_error",
			    st->last_error[0] ? json_string(st->last_error) : json_null());
	json_object_set_new(o, "last_error_at",
			    jx_time_utc(st->last_error_ms > 0, st->last_error_ms));
	json_object_set_new(o, "server_retention",
			    json_pack("{s:b, s:f, s:I}", "enabled", retention_enabled(&t->ret),
				      "days", t->ret.days, "deleted_total",
				      (json_int_t)t->ret.deleted_total));
	json_object_set_new(o, "version", json_string(SKYLAPSE_VERSION));
	json_object_set_new(o, "started_at", jx_time_utc(st->started_ms > 0, st->started_ms));
	return o;
}

/* --- MQTT ---------------------------------------------------------------- */

static void publish_status(struct agent *a)
{
	json_t *st = status_json(&a->xfer);
	char *text;

	if (st)
		jx_set_str(st, "config_error", a->config_error[0] ? a->config_error : NULL);
	text = st ? jx_dump(st) : NULL;
	if (text)
		mqtt_set_state(a->mqtt, a->t_status, text, strlen(text));
	free(text);
	json_decref(st);
}

static void on_frames(struct agent *a, const char *camera, const struct mqtt_message *m)
{
	char why[ERRMSG_MAX];
	const char *path = NULL;
	json_t *obj;

	if (strcmp(camera, a->xfer.set.camera) != 0)
		return; /* another Pi's frames: another transfer's job */
	obj = jsonx_parse_object("payload", (const char *)m->payload, m->len, PAYLOAD_MAX, why);
	if (obj == NULL) {
		log_warn("ignoring a frame announcement on %s: %s", m->topic, why);
		return;
	}
	if (jx_get_string(obj, "path", &path, why) == SL_OK)
		transfer_announce(&a->xfer, path);
	else
		log_warn("ignoring a frame announcement on %s without a 'path'", m->topic);
	json_decref(obj);
}

static void on_message(struct mqtt_session *s, const struct mqtt_message *m, void *arg)
{
	struct agent *a = arg;
	char first[ID_MAX + 1];
	const char *rest = topic_split(m->topic, a->cfg.topic_root, first, sizeof(first));

	(void)s;
	if (ha_announce_message(&a->ha, m) || rest == NULL)
		return;
	if (strcmp(rest, "frames") == 0 && id_is_valid(first)) {
		on_frames(a, first, m);
	} else if (strcmp(first, "encoder") == 0 && strcmp(rest, "jobs") == 0) {
		retention_on_job(&a->xfer.ret, NULL, (const char *)m->payload, m->len,
				 time_now_ms());
	} else if (strcmp(first, "encoder") == 0 && strncmp(rest, "jobs/", 5) == 0 &&
		   id_is_valid(rest + 5)) {
		retention_on_job(&a->xfer.ret, rest + 5, (const char *)m->payload, m->len,
				 time_now_ms());
	}
}

static int64_t jobs_settled(struct loop *l, long id, void *arg)
{
	struct agent *a = arg;

	(void)l;
	(void)id;
	a->jobs_timer = 0;
	a->xfer.jobs_known = mqtt_is_connected(a->mqtt);
	return -1;
}

static int64_t stop_now(struct loop *l, long id, void *arg)
{
	(void)id;
	(void)arg;
	loop_stop(l);
	return -1;
}

static void on_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct agent *a = arg;

	(void)s;
	a->xfer.jobs_known = false;
	if (a->jobs_timer > 0)
		loop_del_timer(a->loop, a->jobs_timer);
	a->jobs_timer = connected ? loop_add_timer(a->loop, JOBS_SETTLE_MS, jobs_settled, a) : 0;
	if (connected && a->once_done)
		loop_add_timer(a->loop, 100, stop_now, a); /* the status just went out */
}

/* Whose transfer this is in topics and in Home Assistant: NULL for the
 * one transfer (R/transfer/status), the camera when there is one per Pi. */
static const char *device(const struct agent *a)
{
	return a->own.per_camera ? a->own.camera : NULL;
}

static int setup_topics(struct agent *a)
{
	const char *r = a->cfg.topic_root;

	if (ha_transfer_topic(a->t_status, &a->cfg, device(a), "status") ||
	    ha_transfer_topic(a->t_avail, &a->cfg, device(a), "availability") ||
	    topic_fmt(a->t_frames, r, "+/frames") || topic_fmt(a->t_jobs, r, "encoder/jobs") ||
	    topic_fmt(a->t_job_states, r, "encoder/jobs/+"))
		return SL_ERR_RANGE;
	return SL_OK;
}

/* --- the transfer's callbacks -------------------------------------------------- */

static void on_changed(struct transfer *t, void *arg)
{
	(void)t;
	publish_status(arg);
}

static void on_cycle(struct transfer *t, bool ok, void *arg)
{
	struct agent *a = arg;

	if (!a->once)
		return;
	if (ok && t->sm.pending && t->st.cycles < ONCE_MAX_CYCLES)
		return; /* bad copies were removed: another pass fetches them again */
	a->exit_code = ok ? 0 : 2;
	a->once_done = true;
	state_stop(&t->sm);
	if (mqtt_is_connected(a->mqtt))
		loop_stop(a->loop);
	else
		loop_add_timer(a->loop, ONCE_FLUSH_MS, stop_now, a);
}

static void on_stopped(struct transfer *t, bool ok, void *arg)
{
	struct agent *a = arg;

	(void)t;
	(void)ok;
	publish_status(a);
	loop_stop(a->loop);
}

static void reload(struct agent *a)
{
	struct transfer_settings own;
	struct retention ret;
	struct config fresh;
	char why[ERRMSG_MAX];

	if (cli_reload_config(&a->cli, PROG, &fresh, transfer_settings_load, &own,
			      a->config_error) != 0 ||
	    retention_configure(&ret, fresh.retention, why) != SL_OK) {
		log_error("reload: configuration has errors; keeping the old one");
		config_free(&fresh);
		publish_status(a);
		return;
	}
	/* where and how to reach the Pi stay as started; timing and ages change */
	config_restart_needed(&a->cfg, &fresh);
	transfer_settings_restart_needed(&a->own, &own);
	a->xfer.set.delete_after_days = own.delete_after_days;
	a->xfer.set.interval_minutes = own.interval_minutes;
	a->xfer.sm.t.interval_ms = time_real_delay_ms((int64_t)own.interval_minutes * 60000);
	a->xfer.sm.t.backoff_max_ms = transfer_backoff_max(a->xfer.sm.t.interval_ms);
	a->xfer.ret.days = ret.days;
	config_free(&fresh);
	log_info("reload: interval %d min, delete after %g days, server retention %g days",
		 a->xfer.set.interval_minutes, a->xfer.set.delete_after_days, a->xfer.ret.days);
	publish_status(a);
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct agent *a = arg;

	if (signo == SIGHUP) {
		reload(a);
		return;
	}
	log_info("signal %d: stopping", signo);
	if (a->xfer_ready)
		transfer_stop(&a->xfer);
	else
		loop_stop(l);
}

/* --- main ------------------------------------------------------------------ */

static int parse_args(struct agent *a, struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
					     {"camera", required_argument, NULL, 'c'},
					     {"images-dir", required_argument, NULL, 'i'},
					     {"bwlimit", required_argument, NULL, 'b'},
					     {"ha-remove", no_argument, NULL, 'r'},
					     CLI_COMMON_OPTIONS};
	char *end;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'o': a->once = true; break;
		case 'r': a->ha_remove = true; break;
		case 'c': cli_flag(cli, "CAMERA_ID", optarg); break;
		case 'i': cli_flag(cli, "IMAGES_DIR", optarg); break;
		case 'b':
			a->bwlimit = (int)strtol(optarg, &end, 10);
			if (*end || a->bwlimit < 0) {
				fprintf(stderr, PROG ": --bwlimit wants KiB/s, got '%s'\n", optarg);
				return 1;
			}
			break;
		default: usage(stderr); return 1;
		}
	}
	rc = cli_finish(cli, PROG, argc, argv, usage);
	if (rc)
		return rc;
	return cli_check_id(cli, PROG, "--camera", "CAMERA_ID") ? 1 : 0;
}

/* Home Assistant restarted (ha_announce): the device and its state again. */
static void reannounce(void *arg)
{
	struct agent *a = arg;

	ha_transfer_publish(a->mqtt, &a->cfg, device(a));
	publish_status(a);
}

static int start_mqtt(struct agent *a)
{
	struct mqtt_opts mo;
	char client_id[160];
	int rc;

	/* a --once run must not take over the daemon's session or availability */
	if (a->once)
		snprintf(client_id, sizeof(client_id), PROG "-%s-once-%d", a->xfer.set.camera,
			 (int)getpid());
	else
		snprintf(client_id, sizeof(client_id), PROG "-%s", a->xfer.set.camera);
	mo = cli_mqtt_opts(&a->cfg, client_id);
	mo.availability_topic = a->once ? NULL : a->t_avail;
	rc = mqtt_session_new(a->loop, &mo, &a->mqtt);
	if (rc) {
		log_error("broker URL %s: %s", a->cfg.mqtt_url, err_str(rc));
		return 1;
	}
	mqtt_session_on_message(a->mqtt, on_message, a);
	mqtt_session_on_connection(a->mqtt, on_connection, a);
	if (!a->once && a->xfer.set.enabled)
		mqtt_subscribe(a->mqtt, a->t_frames, 1);
	/* jobs are followed even with retention off: SIGHUP may turn it on */
	mqtt_subscribe(a->mqtt, a->t_jobs, 1);
	mqtt_subscribe(a->mqtt, a->t_job_states, 1);
	if (!a->once) { /* the daemon is the device, not a cron run */
		ha_announce_start(&a->ha, &a->cfg, a->loop, a->mqtt, reannounce, a);
		ha_transfer_publish(a->mqtt, &a->cfg, device(a));
	}
	publish_status(a);
	return mqtt_session_start(a->mqtt) ? 2 : 0;
}

static int run(struct agent *a, const struct xfer_settings *set, const struct retention *ret)
{
	char why[ERRMSG_MAX];
	int rc;

	if (loop_new(&a->loop) || loop_watch_signals(a->loop, on_signal, a))
		return 2;
	rc = transfer_init(&a->xfer, a->loop, set, ret, why);
	if (rc) {
		log_error("%s", why);
		return 1;
	}
	a->xfer_ready = true;
	a->xfer.on_changed = on_changed;
	a->xfer.on_cycle = on_cycle;
	a->xfer.on_stopped = on_stopped;
	a->xfer.cb_arg = a;
	rc = start_mqtt(a);
	if (rc)
		return rc;
	if (set->enabled)
		log_info("transfer %s -> %s every %d min and on announcements; deleting verified "
			 "frames older than %g days on the Pi",
			 set->source_label, set->dest, set->interval_minutes,
			 set->delete_after_days);
	else
		log_info("transfer disabled (TRANSFER_ENABLED=false); idle");
	transfer_start(&a->xfer);
	service_ready(a->loop, set->enabled ? "transferring" : "disabled");
	if (loop_run(a->loop) != SL_OK)
		a->exit_code = 2;
	service_stopping();
	return a->exit_code;
}

int main(int argc, char **argv)
{
	struct agent a = {0};
	struct xfer_settings set;
	struct retention ret = {0};
	char why[ERRMSG_MAX];
	int rc;

	log_init(PROG);
	rc = parse_args(&a, &a.cli, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_load_config(&a.cli, PROG, &a.cfg, transfer_settings_load, &a.own);
	if (rc || a.cli.check)
		goto out;
	transfer_settings_apply(&a.cfg, &a.own, a.bwlimit, &set);
	if (retention_configure(&ret, a.cfg.retention, why) != SL_OK) {
		log_error("%s", why); /* checked while loading: not expected */
		rc = 1;
		goto out;
	}
	if (a.ha_remove) {
		rc = ha_transfer_remove(&a.cfg, device(&a));
		goto out;
	}
	if (setup_topics(&a)) {
		log_error("MQTT_TOPIC_ROOT is too long");
		rc = 1;
		goto out;
	}
	if (a.once && !set.enabled) {
		log_info("transfer disabled (TRANSFER_ENABLED=false); nothing to do");
		goto out;
	}
	rc = run(&a, &set, &ret);
out:
	if (a.xfer_ready)
		transfer_free(&a.xfer);
	else
		retention_free(&ret);
	mqtt_session_free(&a.mqtt);
	loop_free(&a.loop);
	config_free(&a.cfg);
	return rc;
}
