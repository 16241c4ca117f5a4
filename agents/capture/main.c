/* skylapse-capture - the Pi's capture agent.
 *
 * Owns the camera, executes capture requests from MQTT
 * (R/<camera>/capture/request), writes frames and sidecars, and announces
 * them (R/<camera>/frames), answering on R/<camera>/capture/response and on
 * an MQTT 5 Response Topic. Keeps R/<camera>/status, /preview and
 * /availability retained. Everything runs on the main loop; a capture
 * blocks it for the length of the shot, and requests that arrive meanwhile
 * wait their turn in order.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "camera.h"
#include "capture.h"
#include "cli.h"
#include "config.h"
#include "fsutil.h"
#include "ha.h"
#include "ha_camera.h"
#include "journal.h"
#include "jsonx.h"
#include "log.h"
#include "loop.h"
#include "mqtt.h"
#include "plan.h"
#include "service.h"
#include "status.h"
#include "timeutil.h"
#include "topics.h"
#include "writer.h"

#define STATUS_PERIOD_MS 60000
#define CAMERA_RETRY_MS 30000
#define OFFLINE_TICK_MS 100

struct agent {
	struct config cfg;
	struct capture_agent cap;
	struct camera *cam;
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct writer *writer;
	char camera_error[ERRMSG_MAX];
	json_t *last_frame; /* latest announcement, for status */
	const char *source_flag, *images_flag;
	const char *config_flag, *broker_flag;
	char t_request[TOPIC_MAX], t_response[TOPIC_MAX], t_frames[TOPIC_MAX];
	char t_status[TOPIC_MAX], t_preview[TOPIC_MAX], t_avail[TOPIC_MAX];
	char t_plan[TOPIC_MAX];
	/* offline capture (plan.h) and unpublished announcements (journal.h) */
	struct plan plan;
	bool have_plan;
	int64_t disconnected_since; /* monotonic ms; 0 while connected */
	int64_t last_offline_slot;
	char plan_path[PATH_MAX], journal_path[PATH_MAX];
	/* Home Assistant */
	char t_ha_config[TOPIC_MAX];
	bool ha_remove;  /* --ha-remove: clear the discovery and exit */
	long ha_timer;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: skylapse-capture [options]\n"
		"Executes capture requests from MQTT with the camera, writes and announces frames.\n\n"
		"  --camera ID        camera id in topics (default $CAMERA_ID, else the host name)\n"
		"  --source SPEC      libcamera, sim or dir:PATH (default $CAMERA_SOURCE, else libcamera)\n"
		"  --images-dir DIR   frames root (default $IMAGES_DIR, else ~/skylapse-images)\n"
		"  --list-cameras     open the camera source, print what it is, exit\n"
		"  --ha-remove        remove the camera from Home Assistant (empty retained\n"
		"                     discovery config), exit\n" CLI_COMMON_HELP
		"\nEnvironment: MQTT_URL MQTT_USERNAME MQTT_PASSWORD MQTT_TOPIC_ROOT CAMERA_ID\n"
		"CAMERA_SOURCE PRIMARY_BACKEND IMAGES_DIR SKYLAPSE_CONFIG (see config/env.example).\n");
}

static void publish_status(struct agent *a, const char *state)
{
	a->cap.in_window = a->have_plan && plan_window_at(&a->plan, time_now_ms()) >= 0;
	json_t *st = status_build(&a->cap, a->cam ? state : "error",
				  a->cam ? NULL : a->camera_error, a->last_frame);
	char *text = jx_dump(st);

	if (text)
		mqtt_set_state(a->mqtt, a->t_status, text, strlen(text));
	free(text);
	json_decref(st);
}

static int open_camera(struct agent *a)
{
	struct camera_env env = {a->cfg.latitude, a->cfg.longitude, a->cfg.sim_width,
				 a->cfg.sim_height};
	int rc = camera_open(a->cfg.camera_source, &env, &a->cam, a->camera_error);

	if (rc) {
		log_error("camera %s: %s", a->cfg.camera_source, a->camera_error);
		a->cap.cam = NULL;
		return rc;
	}
	a->cap.cam = a->cam;
	a->camera_error[0] = '\0';
	log_info("camera ready: %s (%s, %dx%d)", camera_info(a->cam)->model,
		 camera_info(a->cam)->source, camera_info(a->cam)->width,
		 camera_info(a->cam)->height);
	return SL_OK;
}

static void send_result(struct agent *a, const char *response_topic,
			const unsigned char *correlation, size_t correlation_len, json_t *result)
{
	char *text = jx_dump(result);

	if (text == NULL)
		return;
	mqtt_publish(a->mqtt, a->t_response, text, strlen(text), 1, false);
	if (response_topic && *response_topic) {
		struct mqtt_pub_props props = {NULL, correlation, correlation_len, 0};

		mqtt_publish_props(a->mqtt, response_topic, text, strlen(text), 1, false, &props);
	}
	free(text);
}

static void announce(struct agent *a, json_t *frames, const struct jpeg_preview *pv)
{
	size_t i;
	json_t *f;

	json_array_foreach(frames, i, f) {
		char *text = NULL;

		if (!mqtt_is_connected(a->mqtt)) {
			if (journal_append(a->journal_path, f) < 0)
				log_error("journal %s: %s", a->journal_path, strerror(errno));
		} else if ((text = jx_dump(f)) != NULL) {
			mqtt_publish(a->mqtt, a->t_frames, text, strlen(text), 1, false);
		}
		free(text);
		log_info("frame %s (%lld bytes)", json_string_value(json_object_get(f, "path")),
			 (long long)json_integer_value(json_object_get(f, "size")));
	}
	if (json_array_size(frames)) {
		json_decref(a->last_frame);
		a->last_frame = json_incref(json_array_get(frames, json_array_size(frames) - 1));
	}
	if (pv->jpeg && mqtt_is_connected(a->mqtt))
		mqtt_publish(a->mqtt, a->t_preview, pv->jpeg, pv->size, 0, true);
}

/* The writer finished a job: count it, announce its frames, answer. */
static void finish_job(struct capture_job *job, void *arg)
{
	struct agent *a = arg;
	json_t *result;

	capture_account(&a->cap, job);
	if (job->rc)
		log_warn("capture request failed: %s", job->why);
	announce(a, job->frames, &job->preview);
	if (job->response_topic || !job->offline) {
		result = capture_result(job->request_id, job->rc ? job->why : NULL,
					json_incref(job->frames));
		send_result(a, job->response_topic, job->correlation, job->correlation_len, result);
		json_decref(result);
	}
	capture_job_free(&job);
	if (!writer_busy(a->writer))
		publish_status(a, "idle");
}

/* Answers a request that never reached the camera. */
static void refuse(struct agent *a, const struct mqtt_message *m, const char *request_id,
		   const char *why)
{
	json_t *result = capture_result(request_id, why, NULL);

	a->cap.errors_total++;
	snprintf(a->cap.last_error, sizeof(a->cap.last_error), "%s", why);
	send_result(a, m->response_topic, m->correlation, m->correlation_len, result);
	json_decref(result);
	publish_status(a, writer_busy(a->writer) ? "capturing" : "idle");
}

/* The job answers where the request asked (MQTT 5 response topic). */
static int copy_reply_to(struct capture_job *job, const struct mqtt_message *m)
{
	if (m->response_topic && (job->response_topic = strdup(m->response_topic)) == NULL)
		return SL_ERR_NOMEM;
	if (m->correlation) {
		job->correlation = malloc(m->correlation_len + 1);
		if (job->correlation == NULL)
			return SL_ERR_NOMEM;
		memcpy(job->correlation, m->correlation, m->correlation_len);
		job->correlation_len = m->correlation_len;
	}
	return SL_OK;
}

static void handle_request(struct agent *a, const struct mqtt_message *m)
{
	struct capture_request req = {0};
	struct capture_job *job = NULL;
	char why[ERRMSG_MAX] = "";
	const char *rid = NULL;
	json_t *obj = NULL;

	if (m->retained) {
		log_warn("ignoring a retained capture request (commands are never retained)");
		return;
	}
	obj = json_parse_object((const char *)m->payload, m->len, PAYLOAD_MAX, why);
	if (obj == NULL)
		goto refused;
	if (json_is_string(json_object_get(obj, "request_id")))
		rid = json_string_value(json_object_get(obj, "request_id"));
	if (m->expires_at_ms && loop_now_ms() > m->expires_at_ms) {
		snprintf(why, sizeof(why), "request expired before it could run");
		goto refused; /* answered with its request_id, so the sender can match it */
	}
	if (capture_request_parse(obj, &req, why) != SL_OK)
		goto refused;
	if (capture_authorize(a->cfg.primary_backend, req.backend_name, why) != SL_OK) {
		log_warn("%s (request from '%s')", why, req.backend_name ? req.backend_name : "");
		goto refused;
	}
	if (a->cam == NULL) {
		snprintf(why, sizeof(why), "camera not ready: %.200s", a->camera_error);
		goto refused;
	}
	job = capture_job_new(&a->cap, &req);
	if (job == NULL || copy_reply_to(job, m) != SL_OK) {
		snprintf(why, sizeof(why), "out of memory");
		capture_job_free(&job);
		goto refused;
	}
	publish_status(a, "capturing");
	capture_shoot(&a->cap, job, req.profile, req.overrides, time_now_ms());
	writer_push(a->writer, job); /* a failed shoot passes through, in order */
	json_decref(obj);
	return;
refused:
	if (strncmp(why, "Backend not authorized", 22) != 0)
		log_warn("capture request refused: %s", why);
	refuse(a, m, rid, why);
	json_decref(obj);
}

/* Keeps the plan of the primary backend (any backend when none is set). */
static void handle_plan(struct agent *a, const struct mqtt_message *m)
{
	char why[ERRMSG_MAX];
	struct plan p;
	json_t *obj;

	if (m->len == 0)
		return;
	obj = json_parse_object((const char *)m->payload, m->len, PAYLOAD_MAX, why);
	if (obj == NULL || plan_parse(obj, &p, why) != SL_OK) {
		log_warn("plan ignored: %s", why);
		json_decref(obj);
		return;
	}
	json_decref(obj);
	if (a->cfg.primary_backend[0] && strcmp(p.backend_name, a->cfg.primary_backend) != 0) {
		log_warn("plan from backend '%s' ignored: only '%s' plans this camera", p.backend_name,
			 a->cfg.primary_backend);
		return;
	}
	a->plan = p;
	a->have_plan = true;
	if (file_write_atomic(a->plan_path, m->payload, m->len) < 0)
		log_warn("cannot keep the plan in %s: %s", a->plan_path, strerror(errno));
	log_info("plan from '%s': %d windows", p.backend_name, p.n);
}

static void load_saved_plan(struct agent *a)
{
	char why[ERRMSG_MAX];
	json_t *obj = json_load_file(a->plan_path, 0, NULL);

	if (obj && plan_parse(obj, &a->plan, why) == SL_OK && a->plan.n > 0) {
		a->have_plan = true;
		log_info("saved plan from '%s': %d windows", a->plan.backend_name, a->plan.n);
	}
	json_decref(obj);
}

/* Publishes what was captured while the broker was away, then forgets it. */
static void flush_journal(struct agent *a)
{
	json_t *pending = journal_read(a->journal_path), *f;
	size_t i;

	if (pending == NULL) {
		log_error("journal %s: %s", a->journal_path, strerror(errno));
		return;
	}
	json_array_foreach(pending, i, f) {
		char *text = jx_dump(f);

		if (text)
			mqtt_publish(a->mqtt, a->t_frames, text, strlen(text), 1, false);
		free(text);
	}
	if (json_array_size(pending))
		log_info("announced %zu frames taken while the broker was away",
			 json_array_size(pending));
	journal_clear(a->journal_path);
	json_decref(pending);
}

static void on_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct agent *a = arg;

	(void)s;
	if (!connected) {
		a->disconnected_since = loop_now_ms();
		return;
	}
	a->disconnected_since = 0;
	if (a->ha_remove) {
		/* an empty retained config removes the device from Home Assistant */
		mqtt_publish(a->mqtt, a->t_ha_config, "", 0, 1, true);
		log_info("Home Assistant discovery removed (%s)", a->t_ha_config);
		loop_stop(a->loop);
		return;
	}
	flush_journal(a);
}

/* Captures one slot of the plan's window on the agent's own authority. */
static void capture_offline_slot(struct agent *a, const struct plan_window *w, int64_t slot)
{
	const char *profs = w->profiles[0] ? w->profiles : "\0";
	size_t n = w->profiles[0] ? strlen(w->profiles) : 1;

	for (size_t i = 0; i < n; i++) {
		char pid[2] = {profs[i], '\0'}, rid[64];
		struct capture_request req = {pid[0] ? pid : NULL, NULL, rid, NULL, NULL};
		struct capture_job *job;

		req.backend_name = a->plan.backend_name[0] ? a->plan.backend_name : NULL;
		req.schedule = w->schedule[0] ? w->schedule : NULL;
		snprintf(rid, sizeof(rid), "offline-%lld-%s", (long long)slot, pid[0] ? pid : "x");
		job = capture_job_new(&a->cap, &req);
		if (job == NULL)
			return;
		job->offline = true;
		capture_shoot(&a->cap, job, req.profile, NULL, time_now_ms());
		writer_push(a->writer, job);
	}
}

static int64_t offline_timer(struct loop *l, long id, void *arg)
{
	struct agent *a = arg;
	int64_t now = time_now_ms(), slot;
	const struct plan_window *w;
	int wi;

	(void)l;
	(void)id;
	if (a->disconnected_since == 0 || !a->have_plan || a->cam == NULL)
		return OFFLINE_TICK_MS;
	wi = plan_window_at(&a->plan, now);
	if (wi < 0)
		return OFFLINE_TICK_MS;
	w = &a->plan.w[wi];
	if (loop_now_ms() - a->disconnected_since <= 2000LL * w->interval_s)
		return OFFLINE_TICK_MS;
	slot = plan_slot_at(w, now);
	if (slot <= a->last_offline_slot)
		return OFFLINE_TICK_MS;
	if (a->last_offline_slot == 0)
		log_warn("broker away for more than two intervals in window '%s': capturing per the plan",
			 w->schedule);
	a->last_offline_slot = slot;
	capture_offline_slot(a, w, slot);
	return OFFLINE_TICK_MS;
}

static void publish_discovery(struct agent *a)
{
	const char *url = getenv("BACKEND_URL");
	char dev_id[80], *text;
	json_t *d = ha_camera_discovery(&a->cfg, url && *url ? url : NULL, dev_id);

	text = jx_dump(d);
	if (text && ha_config_topic(a->t_ha_config, dev_id) == SL_OK)
		mqtt_set_state(a->mqtt, a->t_ha_config, text, strlen(text));
	free(text);
	json_decref(d);
}

static int64_t ha_timer(struct loop *l, long id, void *arg)
{
	struct agent *a = arg;

	(void)l;
	(void)id;
	a->ha_timer = 0;
	publish_discovery(a);
	publish_status(a, writer_busy(a->writer) ? "capturing" : "idle");
	return -1;
}

static void on_message(struct mqtt_session *s, const struct mqtt_message *m, void *arg)
{
	struct agent *a = arg;

	(void)s;
	if (strcmp(m->topic, a->t_request) == 0)
		handle_request(a, m);
	else if (strcmp(m->topic, a->t_plan) == 0)
		handle_plan(a, m);
	else if (strcmp(m->topic, HA_STATUS_TOPIC) == 0 && m->len == 6 &&
		 memcmp(m->payload, "online", 6) == 0 && a->ha_timer == 0)
		/* Home Assistant restarted: announce again after a short random
		 * delay, so that a fleet of agents does not answer all at once */
		a->ha_timer = loop_add_timer(a->loop, 500 + random() % 2500, ha_timer, a);
}

static int64_t status_timer(struct loop *l, long id, void *arg)
{
	struct agent *a = arg;
	char why[ERRMSG_MAX];

	(void)l;
	(void)id;
	capture_check_disk(&a->cap, why);
	publish_status(a, "idle");
	return STATUS_PERIOD_MS;
}

static int64_t camera_timer(struct loop *l, long id, void *arg)
{
	struct agent *a = arg;

	(void)l;
	(void)id;
	if (a->cam)
		return -1;
	if (open_camera(a) == SL_OK) {
		publish_status(a, "idle");
		return -1;
	}
	return CAMERA_RETRY_MS;
}

static void reload(struct agent *a)
{
	struct cli cli = {a->config_flag, a->broker_flag, false, false, false};
	struct config fresh;

	if (cli_load_config(&cli, "skylapse-capture", &fresh) != 0) {
		log_error("reload: configuration has errors; keeping the old one");
		config_free(&fresh);
		return;
	}
	/* identity and transport stay as started; what a capture uses is swapped */
	a->cfg.profiles = fresh.profiles;
	a->cfg.min_free_pct = fresh.min_free_pct;
	snprintf(a->cfg.primary_backend, sizeof(a->cfg.primary_backend), "%s",
		 fresh.primary_backend);
	config_free(&fresh);
	log_info("reload: configuration reloaded");
	publish_status(a, "idle");
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	if (signo == SIGHUP) {
		reload(arg);
		return;
	}
	log_info("signal %d: stopping", signo);
	loop_stop(l);
}

static int setup_topics(struct agent *a)
{
	const char *r = a->cfg.topic_root, *c = a->cfg.camera_id;

	if (topic_fmt(a->t_request, r, "%s/capture/request", c) ||
	    topic_fmt(a->t_response, r, "%s/capture/response", c) ||
	    topic_fmt(a->t_frames, r, "%s/frames", c) || topic_fmt(a->t_status, r, "%s/status", c) ||
	    topic_fmt(a->t_preview, r, "%s/preview", c) ||
	    topic_fmt(a->t_avail, r, "%s/availability", c) || topic_fmt(a->t_plan, r, "%s/plan", c))
		return SL_ERR_RANGE;
	return SL_OK;
}

static int parse_args(struct agent *a, struct cli *cli, bool *list, int argc, char **argv)
{
	static const struct option opts[] = {{"camera", required_argument, NULL, 'c'},
					     {"source", required_argument, NULL, 's'},
					     {"images-dir", required_argument, NULL, 'i'},
					     {"list-cameras", no_argument, NULL, 'l'},
					     {"ha-remove", no_argument, NULL, 'r'},
					     CLI_COMMON_OPTIONS};
	const char *camera = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'c': camera = optarg; break;
		case 's': a->source_flag = optarg; break;
		case 'i': a->images_flag = optarg; break;
		case 'l': *list = true; break;
		case 'r': a->ha_remove = true; break;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "skylapse-capture: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (cli->help || cli->version) {
		if (cli->help)
			usage(stdout);
		else
			printf("skylapse-capture %s\n", SKYLAPSE_VERSION);
		return -1;
	}
	if (camera && !id_is_valid(camera)) {
		fprintf(stderr, "skylapse-capture: --camera '%s' must match [a-z0-9_-]+\n", camera);
		return 1;
	}
	if (camera)
		setenv("CAMERA_ID", camera, 1);
	return 0;
}

static int run(struct agent *a)
{
	struct mqtt_opts mo;
	char client_id[128];
	int rc;

	if (loop_new(&a->loop) || loop_watch_signals(a->loop, on_signal, a))
		return 2;
	open_camera(a);
	snprintf(client_id, sizeof(client_id), "skylapse-capture-%s", a->cfg.camera_id);
	mo = cli_mqtt_opts(&a->cfg, client_id);
	mo.availability_topic = a->t_avail;
	mo.persistent = true;
	rc = mqtt_session_new(a->loop, &mo, &a->mqtt);
	if (rc) {
		log_error("broker URL %s: %s", a->cfg.mqtt_url, err_str(rc));
		return 1;
	}
	mqtt_session_on_message(a->mqtt, on_message, a);
	mqtt_session_on_connection(a->mqtt, on_connection, a);
	mqtt_subscribe(a->mqtt, a->t_request, 1);
	mqtt_subscribe(a->mqtt, a->t_plan, 1);
	mqtt_subscribe(a->mqtt, HA_STATUS_TOPIC, 1);
	publish_discovery(a);
	a->disconnected_since = loop_now_ms();
	load_saved_plan(a);
	loop_add_timer(a->loop, OFFLINE_TICK_MS, offline_timer, a);
	if (writer_start(a->loop, finish_job, a, &a->writer) != SL_OK)
		return 2;
	publish_status(a, "idle");
	if (mqtt_session_start(a->mqtt))
		return 2;
	loop_add_timer(a->loop, STATUS_PERIOD_MS, status_timer, a);
	if (a->cam == NULL)
		loop_add_timer(a->loop, CAMERA_RETRY_MS, camera_timer, a);
	log_info("camera '%s' listening on %s (images in %s, primary backend %s)",
		 a->cfg.camera_id, a->t_request, a->cap.images_root,
		 a->cfg.primary_backend[0] ? a->cfg.primary_backend : "any");
	service_ready(a->loop, "capturing on request");
	rc = loop_run(a->loop);
	service_stopping();
	writer_stop(&a->writer); /* frames already shot are written and announced */
	return rc ? 2 : 0;
}

/* The agent's own files (kept plan, journal) live apart from the frames, so
 * that the transfer never copies them: $SKYLAPSE_STATE_DIR, else systemd's
 * $STATE_DIRECTORY, else $XDG_STATE_HOME/skylapse, else ~/.local/state/skylapse. */
static int state_paths(struct agent *a)
{
	const char *env = getenv("SKYLAPSE_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME");
	char dir[PATH_MAX - 128];

	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if ((env = getenv("STATE_DIRECTORY")) && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/skylapse", xdg);
	else if (path_expand_home("~/.local/state/skylapse", dir, sizeof(dir)) != SL_OK)
		return -1;
	if (mkdir_p(dir, 0755) < 0)
		return -1;
	snprintf(a->plan_path, sizeof(a->plan_path), "%s/capture-%s-plan.json", dir,
		 a->cfg.camera_id);
	snprintf(a->journal_path, sizeof(a->journal_path), "%s/capture-%s-journal.jsonl", dir,
		 a->cfg.camera_id);
	return 0;
}

static int64_t ha_remove_timeout(struct loop *l, long id, void *arg)
{
	(void)id;
	(void)arg;
	log_error("cannot reach the broker: Home Assistant discovery not removed");
	loop_stop(l);
	return -1;
}

/* --ha-remove: connect, clear the camera's retained discovery config, exit. */
static int ha_remove_run(struct agent *a)
{
	struct mqtt_opts mo;
	char client_id[128], dev_id[80];
	json_t *d = ha_camera_discovery(&a->cfg, NULL, dev_id);

	json_decref(d);
	if (ha_config_topic(a->t_ha_config, dev_id) || loop_new(&a->loop) ||
	    loop_watch_signals(a->loop, on_signal, a))
		return 2;
	snprintf(client_id, sizeof(client_id), "skylapse-capture-%s-ha-remove", a->cfg.camera_id);
	mo = cli_mqtt_opts(&a->cfg, client_id);
	if (mqtt_session_new(a->loop, &mo, &a->mqtt) != SL_OK)
		return 1;
	mqtt_session_on_connection(a->mqtt, on_connection, a);
	if (mqtt_session_start(a->mqtt) != SL_OK)
		return 2;
	loop_add_timer(a->loop, 10000, ha_remove_timeout, a);
	loop_run(a->loop);
	return mqtt_is_connected(a->mqtt) ? 0 : 2;
}

static int list_cameras(struct agent *a)
{
	if (open_camera(a) != SL_OK) {
		printf("no camera: %s\n", a->camera_error);
		return 2;
	}
	printf("%s: %s %dx%d\n", camera_info(a->cam)->source, camera_info(a->cam)->model,
	       camera_info(a->cam)->width, camera_info(a->cam)->height);
	return 0;
}

int main(int argc, char **argv)
{
	struct agent a = {0};
	struct cli cli = {0};
	bool list = false;
	int rc;

	log_init("skylapse-capture");
	srandom((unsigned)getpid() ^ (unsigned)time_now_ms());
	/* frames are megabytes: without this glibc maps and unmaps every JPEG
	 * and preview buffer, and each frame pays hundreds of page faults */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	/* libcamera logs every IPA detail at info level; keep its errors only
	 * unless the user asked otherwise */
	setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0);
	rc = parse_args(&a, &cli, &list, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.source_flag)
		setenv("CAMERA_SOURCE", a.source_flag, 1);
	if (a.images_flag)
		setenv("IMAGES_DIR", a.images_flag, 1);
	a.config_flag = cli.config_path;
	a.broker_flag = cli.broker;
	rc = cli_load_config(&cli, "skylapse-capture", &a.cfg);
	if (rc || cli.check)
		goto out;
	if (path_expand_home(a.cfg.images_dir[0] ? a.cfg.images_dir : "~/skylapse-images",
			     a.cap.images_root, sizeof(a.cap.images_root)) ||
	    mkdir_p(a.cap.images_root, 0755) < 0) {
		log_error("images folder %s: %s", a.cap.images_root, strerror(errno));
		rc = 1;
		goto out;
	}
	if (state_paths(&a) < 0) {
		log_error("state folder: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	a.cap.cfg = &a.cfg;
	a.cap.started_ms = time_now_ms();
	if (time_set_zone(a.cfg.timezone) != SL_OK)
		log_warn("time zone %s unknown: days are counted in UTC", a.cfg.timezone);
	if (setup_topics(&a)) {
		log_error("MQTT_TOPIC_ROOT is too long");
		rc = 1;
		goto out;
	}
	rc = list ? list_cameras(&a) : a.ha_remove ? ha_remove_run(&a) : run(&a);
out:
	mqtt_session_free(&a.mqtt);
	camera_close(&a.cam);
	json_decref(a.last_frame);
	loop_free(&a.loop);
	config_free(&a.cfg);
	return rc;
}
