/* skylapse-capture - the Pi's capture agent.
 *
 * Owns the camera, executes capture requests from MQTT
 * (R/<camera>/capture/request), writes frames and sidecars, and announces
 * them (R/<camera>/frames), answering on R/<camera>/capture/response and on
 * an MQTT 5 Response Topic. Keeps R/<camera>/status, /preview and
 * /availability retained, and runs the focus aid on R/<camera>/focus/
 * (focus.c). Everything runs on the main loop; a capture blocks it for the
 * length of the shot, and requests that arrive meanwhile wait their turn in
 * order. This file is the agent's shell: flags, configuration, MQTT, timers
 * and signals; the work is in request.c (a message to a job), capture.c
 * (shoot and store), writer.c (the store's thread), outbox.c (announcements,
 * the journal while the broker is away, the delivered mark), offline.c (each
 * slot of the plan taken once, by request or by the plan itself) and
 * status.c.
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
#include "fault.h"
#include "focus.h"
#include "fsutil.h"
#include "ha.h"
#include "ha_camera.h"
#include "jsonx.h"
#include "log.h"
#include "loop.h"
#include "mqtt.h"
#include "offline.h"
#include "outbox.h"
#include "request.h"
#include "service.h"
#include "settings.h"
#include "status.h"
#include "timeutil.h"
#include "topics.h"
#include "writer.h"

#define STATUS_PERIOD_MS 60000
#define CAMERA_RETRY_MS 30000
#define OFFLINE_TICK_MS 100

struct agent {
	struct config cfg;
	struct capture_settings own;
	struct cli cli; /* the flags, for reloads */
	struct capture_agent cap;
	struct camera *cam;
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct writer *writer;
	char t_request[TOPIC_MAX], t_response[TOPIC_MAX];
	char t_status[TOPIC_MAX], t_avail[TOPIC_MAX];
	char t_plan[TOPIC_MAX];
	struct offline offline;
	struct exposure_run expo; /* "exposure": "agent" profiles' controllers */
	struct focus focus;	  /* the focus aid (focus.h) */
	struct outbox out; /* announcements, the journal, the delivered mark */
	/* Home Assistant */
	bool ha_remove;  /* --ha-remove: clear the discovery and exit */
	struct ha_announce ha;
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

static void publish_status(struct agent *a)
{
	json_t *st;
	char *text;

	a->cap.in_window = offline_in_window(&a->offline, time_now_ms());
	st = status_build(&a->cap);
	text = jx_dump(st);
	if (text)
		mqtt_set_state(a->mqtt, a->t_status, text, strlen(text));
	free(text);
	json_decref(st);
}

static int open_camera(struct agent *a)
{
	struct camera_env env = {a->cfg.latitude, a->cfg.longitude, a->own.sim_width,
				 a->own.sim_height};
	int rc = camera_open(a->own.camera_source, &env, &a->cam, a->cap.camera_error);

	if (rc) {
		log_error("camera %s: %s", a->own.camera_source, a->cap.camera_error);
		a->cap.cam = NULL;
		return rc;
	}
	a->cap.cam = a->cam;
	a->cap.camera_error[0] = '\0';
	log_info("camera ready: %s (%s, %dx%d)", camera_info(a->cam)->model,
		 camera_info(a->cam)->source, camera_info(a->cam)->width,
		 camera_info(a->cam)->height);
	return SL_OK;
}

/* Answers on the response topic, and where the request asked (MQTT 5). */
static void send_result(struct agent *a, const struct capture_job *job)
{
	json_t *result = capture_result(job);
	char *text = jx_dump(result);

	json_decref(result);
	if (text == NULL)
		return;
	mqtt_publish(a->mqtt, a->t_response, text, strlen(text), 1, false);
	if (job->reply_to) {
		struct mqtt_pub_props props = {NULL, job->reply_to->correlation,
					       job->reply_to->correlation_len, 0};

		mqtt_publish_props(a->mqtt, job->reply_to->topic, text, strlen(text), 1, false,
				   &props);
	}
	free(text);
}

/* A job is over: count it, announce its frames, answer. */
static void close_job(struct agent *a, struct capture_job *job)
{
	int64_t t0 = capture_now_us();

	offline_close(&a->offline, job);
	capture_account(&a->cap, job);
	if (job->rc && job->rc != SL_ERR_DENIED) /* a denial was logged with its backend */
		log_warn("capture request failed: %s", job->why);
	fault_point("announce");
	if (!job->replay) /* a replay's frames were announced with their own slot */
		outbox_send(&a->out, job->frames, &job->preview);
	fault_point("announced");
	if (job->reply_to || !job->offline)
		send_result(a, job);
	fault_point("answered");
	log_debug("announced and answered in %lld us", (long long)(capture_now_us() - t0));
	capture_job_free(&job);
}

/* The writer finished a job. */
static void finish_job(struct capture_job *job, void *arg)
{
	struct agent *a = arg;

	close_job(a, job);
	if (a->cap.jobs_open == 0)
		publish_status(a);
}

static void handle_request(struct agent *a, const struct mqtt_message *m)
{
	struct capture_job *job = request_take(&a->cap, m);

	if (job == NULL)
		return;
	if (job->rc != SL_OK) { /* refused: answered now, ahead of the queue */
		close_job(a, job);
		publish_status(a);
		return;
	}
	publish_status(a);
	if (offline_claim(&a->offline, &a->cap, job))
		capture_shoot(&a->cap, job, time_now_ms());
	writer_push(a->writer, job); /* a failed shoot or a replay passes through, in order */
}

static void on_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct agent *a = arg;

	(void)s;
	if (connected)
		outbox_flush(&a->out);
}

static int64_t offline_timer(struct loop *l, long id, void *arg)
{
	struct agent *a = arg;

	(void)l;
	(void)id;
	offline_tick(&a->offline, &a->cap, a->writer);
	outbox_tick(&a->out);
	return time_real_delay_ms(OFFLINE_TICK_MS); /* a tenth of a simulated second */
}

/* Home Assistant restarted: the device and its state again. */
static void reannounce(void *arg)
{
	struct agent *a = arg;

	ha_camera_publish(a->mqtt, &a->cfg, a->own.primary_backend);
	publish_status(a);
}

static void on_message(struct mqtt_session *s, const struct mqtt_message *m, void *arg)
{
	struct agent *a = arg;

	(void)s;
	if (strcmp(m->topic, a->t_request) == 0)
		handle_request(a, m);
	else if (strcmp(m->topic, a->focus.t_request) == 0)
		focus_on_request(&a->focus, m);
	else if (strcmp(m->topic, a->t_plan) == 0)
		offline_take_plan(&a->offline, a->own.primary_backend, m->payload, m->len);
	else
		ha_announce_message(&a->ha, m);
}

static int64_t status_timer(struct loop *l, long id, void *arg)
{
	struct agent *a = arg;
	char why[ERRMSG_MAX];

	(void)l;
	(void)id;
	capture_check_disk(&a->cap, why);
	publish_status(a);
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
		publish_status(a);
		return -1;
	}
	return CAMERA_RETRY_MS;
}

static void reload(struct agent *a)
{
	struct capture_settings own;
	struct config fresh;

	if (cli_reload_config(&a->cli, "skylapse-capture", &fresh, capture_settings_load, &own,
			      a->cap.config_error)) {
		log_error("reload: configuration has errors; keeping the old one");
		config_free(&fresh);
		publish_status(a);
		return;
	}
	/* identity and transport stay as started; what a capture uses is swapped */
	config_restart_needed(&a->cfg, &fresh);
	capture_settings_restart_needed(&a->own, &own);
	a->cfg.profiles = fresh.profiles;
	a->own.min_free_pct = own.min_free_pct;
	snprintf(a->own.primary_backend, sizeof(a->own.primary_backend), "%s",
		 own.primary_backend);
	config_free(&fresh);
	log_info("reload: configuration reloaded");
	publish_status(a);
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
	    topic_fmt(a->out.t_frames, r, "%s/frames", c) ||
	    topic_fmt(a->t_status, r, "%s/status", c) ||
	    topic_fmt(a->out.t_preview, r, "%s/preview", c) ||
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
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'c': cli_flag(cli, "CAMERA_ID", optarg); break;
		case 's': cli_flag(cli, "CAMERA_SOURCE", optarg); break;
		case 'i': cli_flag(cli, "IMAGES_DIR", optarg); break;
		case 'l': *list = true; break;
		case 'r': a->ha_remove = true; break;
		default: usage(stderr); return 1;
		}
	}
	rc = cli_finish(cli, "skylapse-capture", argc, argv, usage);
	if (rc)
		return rc;
	return cli_check_id(cli, "skylapse-capture", "--camera", "CAMERA_ID") ? 1 : 0;
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
	if (focus_init(&a->focus, a->loop, a->mqtt, &a->cap, &a->offline, a->cfg.topic_root,
		       a->cfg.camera_id))
		return 1;
	mqtt_subscribe(a->mqtt, a->focus.t_request, 1);
	ha_announce_start(&a->ha, &a->cfg, a->loop, a->mqtt, reannounce, a);
	ha_camera_publish(a->mqtt, &a->cfg, a->own.primary_backend);
	offline_load_plan(&a->offline);
	a->out.mqtt = a->mqtt;
	outbox_recall(&a->out, &a->offline, a->cap.images_root);
	loop_add_timer(a->loop, time_real_delay_ms(OFFLINE_TICK_MS), offline_timer, a);
	if (writer_start(a->loop, finish_job, a, &a->writer) != SL_OK)
		return 2;
	publish_status(a);
	if (mqtt_session_start(a->mqtt))
		return 2;
	loop_add_timer(a->loop, STATUS_PERIOD_MS, status_timer, a);
	if (a->cam == NULL)
		loop_add_timer(a->loop, CAMERA_RETRY_MS, camera_timer, a);
	log_info("camera '%s' listening on %s (images in %s, primary backend %s)",
		 a->cfg.camera_id, a->t_request, a->cap.images_root,
		 a->own.primary_backend[0] ? a->own.primary_backend : "any");
	service_ready(a->loop, "capturing on request");
	rc = loop_run(a->loop);
	service_stopping();
	focus_end(&a->focus, "stopped");
	writer_stop(&a->writer); /* frames already shot are written and announced */
	outbox_stop(&a->out);
	return rc ? 2 : 0;
}

/* <state folder>/capture-<camera>-<name> into out; false when too long. */
static bool state_file(const struct agent *a, const char *dir, const char *name,
		       char out[PATH_MAX])
{
	return snprintf(out, PATH_MAX, "%s/capture-%s-%s", dir, a->cfg.camera_id, name) <
	       PATH_MAX;
}

/* The agent's own files (kept plan, journal, exposure states, the running
 * and delivered marks), in its state folder. */
static int state_paths(struct agent *a)
{
	char dir[PATH_MAX];

	if (path_state_dir(NULL, dir) < 0)
		return -1;
	if (!state_file(a, dir, "plan.json", a->offline.plan_path) ||
	    !state_file(a, dir, "journal.jsonl", a->out.journal_path) ||
	    !state_file(a, dir, "exposure.json", a->cap.expo_path) ||
	    !state_file(a, dir, "running", a->out.running_path) ||
	    !state_file(a, dir, "delivered", a->out.delivered_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int list_cameras(struct agent *a)
{
	if (open_camera(a) != SL_OK) {
		printf("no camera: %s\n", a->cap.camera_error);
		return 2;
	}
	printf("%s: %s %dx%d\n", camera_info(a->cam)->source, camera_info(a->cam)->model,
	       camera_info(a->cam)->width, camera_info(a->cam)->height);
	return 0;
}

int main(int argc, char **argv)
{
	/* 170 KiB, mostly room for what a configuration may hold: on the heap
	 * (mapped before the threshold below is raised) only the pages used
	 * become resident, where a zeroed stack copy made all of it so */
	struct agent *a = calloc(1, sizeof(*a));
	char why[ERRMSG_MAX];
	bool list = false;
	int rc;

	log_init("skylapse-capture");
	if (a == NULL) {
		log_error("out of memory");
		return 1;
	}
	fault_init();
	srandom((unsigned)getpid() ^ (unsigned)time_now_ms());
	/* frames are megabytes: without this glibc maps and unmaps every JPEG
	 * and preview buffer, and each frame pays hundreds of page faults */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	/* libcamera logs every IPA detail at info level; keep its errors only
	 * unless the user asked otherwise */
	setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0);
	rc = parse_args(a, &a->cli, &list, argc, argv);
	if (rc) {
		free(a);
		return rc < 0 ? 0 : rc;
	}
	rc = cli_load_config(&a->cli, "skylapse-capture", &a->cfg, capture_settings_load, &a->own);
	if (rc || a->cli.check)
		goto out;
	if (path_expand_home(a->cfg.images_dir[0] ? a->cfg.images_dir : "~/skylapse-images",
			     a->cap.images_root, sizeof(a->cap.images_root)) ||
	    mkdir_p(a->cap.images_root, 0755) < 0) {
		log_error("images folder %s: %s", a->cap.images_root, strerror(errno));
		rc = 1;
		goto out;
	}
	if (state_paths(a) < 0) {
		log_error("state folder: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	a->cap.cfg = &a->cfg;
	a->cap.set = &a->own;
	a->cap.expo = &a->expo;
	if (exposure_run_load(&a->expo, a->cap.expo_path, why) < 0)
		log_warn("exposure state unusable, starting afresh: %s", why);
	a->cap.started_ms = time_now_ms();
	if (time_set_zone(a->cfg.timezone) != SL_OK)
		log_warn("time zone %s unknown: days are counted in UTC", a->cfg.timezone);
	if (setup_topics(a)) {
		log_error("MQTT_TOPIC_ROOT is too long");
		rc = 1;
		goto out;
	}
	rc = list ? list_cameras(a) : a->ha_remove ? ha_camera_remove(&a->cfg) : run(a);
out:
	mqtt_session_free(&a->mqtt);
	camera_close(&a->cam);
	json_decref(a->cap.last_frame);
	offline_free(&a->offline);
	loop_free(&a->loop);
	config_free(&a->cfg);
	free(a);
	return rc;
}
