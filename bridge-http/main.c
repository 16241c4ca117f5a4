/* skylapse-bridge - the REST API over MQTT (SPEC section 5), and the
 * dashboard's web server.
 *
 * One thread: the loop (loop.h) watches MHD's epoll descriptor (http.c),
 * the MQTT session's wake-up descriptor (mqtt.h), the signals and the
 * timers. Everything under R/# lands in the state cache (state.h), which the
 * routes read; changes go out to /events (sse.h) and to captures waiting
 * for their result (capture.h). With --pi-compat it answers the earlier Pi
 * service's three calls for one camera instead.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bridge.h"
#include "capture.h"
#include "cli.h"
#include "files.h"
#include "http.h"
#include "log.h"
#include "routes.h"
#include "sky.h"
#include "service.h"
#include "sse.h"
#include "timeutil.h"
#include "topics.h"

#define DEFAULT_IMAGES_DIR "/data/images"
#define DEFAULT_TIMELAPSES_DIR "/data/timelapses"

enum { OPT_PORT = 1, OPT_BIND, OPT_PI_COMPAT, OPT_CAMERA, OPT_DASHBOARD, OPT_IMAGES,
       OPT_TIMELAPSES, OPT_LIST_ROUTES };

struct flags {
	struct cli cli;
	int port;
	const char *bind;
	bool pi_compat, list_routes;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: skylapse-bridge [options]\n"
		"The REST API of Skylapse over MQTT, and the dashboard (SPEC section 5).\n\n"
		"  --port N           port (default $BACKEND_PORT, else 8082; with --pi-compat\n"
		"                     pi.port of the configuration, else 8080)\n"
		"  --bind ADDR        address to listen on (default 0.0.0.0)\n"
		"  --pi-compat        answer the earlier Pi service's calls (GET /status,\n"
		"                     GET /health, POST /capture) for one camera\n"
		"  --camera ID        the camera of --pi-compat (default $CAMERA_ID)\n"
		"  --dashboard DIR    static files served at / (default ./dashboard)\n"
		"  --images-dir DIR   frames root, <camera>/profile-<p>/... (default $IMAGES_DIR,\n"
		"                     else " DEFAULT_IMAGES_DIR ")\n"
		"  --timelapses-dir DIR  videos root (default $TIMELAPSES_DIR, else "
		DEFAULT_TIMELAPSES_DIR ")\n"
		"  --list-routes      print the routes served, one \"METHOD PATH\" a line\n" CLI_COMMON_HELP
		"\nEnvironment: MQTT_URL MQTT_USERNAME MQTT_PASSWORD MQTT_TOPIC_ROOT BACKEND_NAME\n"
		"BACKEND_PORT IMAGES_DIR TIMELAPSES_DIR API_TOKEN CORS_ORIGINS DASHBOARD_DIR\n"
		"SKYLAPSE_CONFIG (see docs/BRIDGE.md).\n");
}

static int parse_flags(int argc, char **argv, struct flags *fl)
{
	static const struct option opts[] = {
		{"port", required_argument, NULL, OPT_PORT},
		{"bind", required_argument, NULL, OPT_BIND},
		{"pi-compat", no_argument, NULL, OPT_PI_COMPAT},
		{"camera", required_argument, NULL, OPT_CAMERA},
		{"dashboard", required_argument, NULL, OPT_DASHBOARD},
		{"images-dir", required_argument, NULL, OPT_IMAGES},
		{"timelapses-dir", required_argument, NULL, OPT_TIMELAPSES},
		{"list-routes", no_argument, NULL, OPT_LIST_ROUTES},
		CLI_COMMON_OPTIONS};
	int opt;
	char *end;

	memset(fl, 0, sizeof(*fl));
	fl->bind = "0.0.0.0";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (cli_common(&fl->cli, opt, optarg))
			continue;
		switch (opt) {
		case OPT_PORT:
			fl->port = (int)strtol(optarg, &end, 10);
			if (*end || fl->port < 1 || fl->port > 65535) {
				fprintf(stderr, "skylapse-bridge: --port: '%s' is not 1..65535\n",
					optarg);
				return 1;
			}
			break;
		case OPT_BIND: fl->bind = optarg; break;
		case OPT_PI_COMPAT: fl->pi_compat = true; break;
		case OPT_CAMERA: cli_flag(&fl->cli, "CAMERA_ID", optarg); break;
		case OPT_DASHBOARD: cli_flag(&fl->cli, "DASHBOARD_DIR", optarg); break;
		case OPT_IMAGES: cli_flag(&fl->cli, "IMAGES_DIR", optarg); break;
		case OPT_TIMELAPSES: cli_flag(&fl->cli, "TIMELAPSES_DIR", optarg); break;
		case OPT_LIST_ROUTES: fl->list_routes = true; break;
		default: usage(stderr); return 1;
		}
	}
	return cli_finish(&fl->cli, "skylapse-bridge", argc, argv, usage);
}

static void list_routes(bool pi)
{
	const struct route *t = pi ? pi_routes : bridge_routes;
	size_t n = pi ? pi_nroutes : bridge_nroutes;
	static const char *names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};

	for (size_t i = 0; i < n; i++)
		for (size_t m = 0; m < sizeof(names) / sizeof(names[0]); m++)
			if (t[i].methods & (1u << m))
				printf("%s %s\t%s\n", names[m], t[i].pattern, t[i].summary);
}

bool bridge_broker_up(const struct bridge *b)
{
	return b->mqtt && mqtt_is_connected(b->mqtt);
}

bool bridge_state_ready(const struct bridge *b)
{
	if (b->mqtt == NULL || mqtt_session_synced(b->mqtt))
		return true;
	if (mqtt_is_connected(b->mqtt))
		return false; /* the retained state is coming in (bounded by lib/mqtt) */
	/* no broker: wait for the first connection only at start-up */
	return b->was_synced || time_now_ms() - b->started_ms >= MQTT_SYNC_MAX_MS;
}

/* --- MQTT to state, events and captures ------------------------------------ */

/* {<key>: id, "availability", "status"} of a camera or worker entry `e`
 * (borrowed; absent fields are null): a new reference. */
static json_t *presence_event(const char *key, const char *id, json_t *e)
{
	return json_pack("{s:s, s:O?, s:O?}", key, id, "availability",
			 json_object_get(e, "availability"), "status", json_object_get(e, "status"));
}

static void publish_change(struct bridge *b, const struct state_change *ch)
{
	json_t *ev = NULL;
	char url[128];

	switch (ch->kind) {
	case STATE_CAMERA:
		ev = presence_event("camera", ch->id, state_camera(&b->state, ch->id));
		sse_publish(b->sse, "camera", ev);
		break;
	case STATE_FRAME: sse_publish(b->sse, "frame", ch->data); break;
	case STATE_PREVIEW:
		snprintf(url, sizeof(url), "/cameras/%s/preview.jpg", ch->id);
		ev = json_pack("{s:s, s:s}", "camera", ch->id, "url", url);
		sse_publish(b->sse, "preview", ev);
		break;
	case STATE_BACKEND:
		sse_publish(b->sse, "backend", json_object_get(b->state.backends, ch->id));
		break;
	case STATE_JOB:
		ev = ch->data ? json_incref(ch->data)
			      : json_pack("{s:s, s:n}", "job_id", ch->id, "state");
		sse_publish(b->sse, "job", ev);
		break;
	case STATE_WORKER:
		ev = presence_event("worker", ch->id, json_object_get(b->state.workers, ch->id));
		sse_publish(b->sse, "encoder", ev);
		break;
	case STATE_TRANSFER: sse_publish(b->sse, "transfer", ch->data); break;
	case STATE_CAPTURE_RESPONSE: capture_on_response(b->capture, ch->id, ch->data); break;
	default: break;
	}
	json_decref(ev);
}

static void on_message(struct mqtt_session *s, const struct mqtt_message *m, void *arg)
{
	struct bridge *b = arg;
	struct state_change ch;
	json_t *focus_event = NULL;

	(void)s;
	if (!b->pi_compat)
		config_on_notice(b, m);
	if (focus_cache_apply(&b->focus, b->cfg.topic_root, m->topic, m->payload, m->len,
			      &focus_event) != SL_OK)
		log_warn("out of memory keeping %s", m->topic);
	if (focus_event) {
		if (b->sse)
			sse_publish(b->sse, "focus", focus_event);
		json_decref(focus_event);
		return;
	}
	if (state_apply(&b->state, b->cfg.topic_root, m->topic, m->payload, m->len, &ch) != SL_OK) {
		log_warn("out of memory keeping %s", m->topic);
		return;
	}
	if (ch.kind != STATE_NONE && b->sse)
		publish_change(b, &ch);
	state_change_clear(&ch);
}

static void on_connection(struct mqtt_session *s, bool connected, void *arg)
{
	struct bridge *b = arg;
	json_t *ev = json_pack("{s:b}", "connected", connected);

	(void)s;
	/* the broker sends every retained message again after the
	 * subscription: start from what it says now, not what it said */
	if (connected)
		state_clear_retained(&b->state);
	b->state.version++;
	sse_publish(b->sse, "broker", ev);
	json_decref(ev);
}

static void on_synced(struct mqtt_session *s, void *arg)
{
	struct bridge *b = arg;

	(void)s;
	b->was_synced = true;
	log_info("retained state in: %zu cameras, %zu jobs", json_object_size(b->state.cameras),
		 json_object_size(b->state.jobs));
	http_state_ready(b->http);
}

/* The start-up wait for a broker that is not there ends. */
static int64_t startup_over(struct loop *l, long id, void *arg)
{
	struct bridge *b = arg;

	(void)l;
	(void)id;
	http_state_ready(b->http);
	return -1;
}

/* --- process ------------------------------------------------------------------ */

int bridge_reload(struct bridge *b, const char *cause)
{
	struct bridge_settings own;
	struct config nc;

	if (cli_reload_config(b->cli, "skylapse-bridge", &nc, bridge_settings_load, &own,
			      b->config_error) != 0) {
		log_warn("%s: the new configuration has errors; keeping the old one", cause);
		config_free(&nc);
		return SL_ERR_INVAL;
	}
	if (time_set_zone(nc.timezone) != SL_OK)
		log_warn("%s: time zone %s not found; keeping %s", cause, nc.timezone,
			 b->cfg.timezone);
	config_restart_needed(&b->cfg, &nc);
	bridge_settings_restart_needed(&b->own, &own);
	config_free(&b->cfg);
	b->cfg = nc;
	/* the server borrows own.api_token: a new token applies at once */
	snprintf(b->own.api_token, sizeof(b->own.api_token), "%s", own.api_token);
	b->own.cors = own.cors; /* borrowed by the server too: applies at once */
	sky_cache_free(&b->sky); /* it holds figures of the old configuration */
	b->state.version++;
	log_info("%s: configuration reloaded from %s", cause, b->cfg.path);
	return SL_OK;
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	if (signo != SIGHUP) {
		log_info("signal %d: stopping", signo);
		loop_stop(l);
		return;
	}
	bridge_reload(arg, "SIGHUP");
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	/* each /events client holds a descriptor: take all the system allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("cannot raise the open-file limit: %s", strerror(errno));
	}
}

static void pick_dir(char *out, size_t outlen, const char *cfg, const char *def)
{
	snprintf(out, outlen, "%s", cfg[0] ? cfg : def);
}

static int setup(struct bridge *b, const struct flags *fl)
{
	struct mqtt_opts mo;
	struct http_opts ho = {0};
	char filter[TOPIC_MAX];
	int rc, port = fl->port;

	if (time_set_zone(b->cfg.timezone) != SL_OK)
		log_warn("time zone %s not found; using UTC", b->cfg.timezone);
	b->pi_compat = fl->pi_compat;
	snprintf(b->camera, sizeof(b->camera), "%s", b->cfg.camera_id); /* an id, checked */
	pick_dir(b->images_dir, sizeof(b->images_dir), b->cfg.images_dir, DEFAULT_IMAGES_DIR);
	pick_dir(b->timelapses_dir, sizeof(b->timelapses_dir), b->cfg.timelapses_dir,
		 DEFAULT_TIMELAPSES_DIR);
	if (files_find_dashboard(b->own.dashboard_dir, b->dashboard_dir, sizeof(b->dashboard_dir)))
		log_warn("dashboard folder %s not found: / serves a page of links",
			 b->own.dashboard_dir);
	if (!b->pi_compat && files_load_openapi(&b->openapi, &b->openapi_len) != SL_OK)
		log_warn("schema/openapi.json not found: /openapi.json will answer 404");
	raise_fd_limit();
	b->started_ms = time_now_ms();
	if (loop_new(&b->loop) || state_init(&b->state) || sse_hub_new(b->loop, &b->sse) ||
	    capture_hub_new(b, &b->capture))
		return 2;
	{
		/* unique per process and host: containers all run as pid 1 */
		char host[64] = "";

		gethostname(host, sizeof(host) - 1);
		snprintf(b->client_id, sizeof(b->client_id), "skylapse-bridge-%s-%.40s-%d",
			 b->pi_compat ? b->camera : b->cfg.backend_name, host, (int)getpid());
	}
	mo = cli_mqtt_opts(&b->cfg, b->client_id);
	rc = mqtt_session_new(b->loop, &mo, &b->mqtt);
	if (rc) {
		log_error("broker URL %s: %s", b->cfg.mqtt_url, err_str(rc));
		return 1;
	}
	mqtt_session_on_message(b->mqtt, on_message, b);
	mqtt_session_on_connection(b->mqtt, on_connection, b);
	mqtt_session_on_synced(b->mqtt, on_synced, b);
	if (b->pi_compat)
		topic_fmt(filter, b->cfg.topic_root, "%s/#", b->camera);
	else
		topic_fmt(filter, b->cfg.topic_root, "#");
	if (mqtt_subscribe(b->mqtt, filter, 1))
		return 2;
	if (fl->port == 0) /* no --port */
		port = b->pi_compat ? b->cfg.pi_port : b->own.backend_port;
	ho = (struct http_opts){fl->bind,
				port,
				0,
				b->pi_compat ? pi_routes : bridge_routes,
				b->pi_compat ? pi_nroutes : bridge_nroutes,
				b,
				&b->own.cors,
				b->own.api_token,
				bridge_state_ready};
	rc = http_start(b->loop, &ho, &b->http);
	if (rc)
		return rc == SL_ERR_INVAL ? 1 : 2;
	if (loop_watch_signals(b->loop, on_signal, b) || mqtt_session_start(b->mqtt) ||
	    loop_add_timer(b->loop, MQTT_SYNC_MAX_MS, startup_over, b) < 0)
		return 2;
	log_info("listening on http://%s:%d/ (%s; images %s; timelapses %s; broker %s)", fl->bind,
		 ho.port, b->pi_compat ? "pi-compat" : "REST API", b->images_dir,
		 b->timelapses_dir, b->cfg.mqtt_url);
	return 0;
}

static void teardown(struct bridge *b)
{
	/* answers waiting requests (503) and ends streams before the
	 * modules they point into go away */
	http_stop(&b->http);
	capture_hub_free(&b->capture);
	sse_hub_free(&b->sse);
	http_cached_free(&b->status_cache);
	sky_cache_free(&b->sky);
	mqtt_session_free(&b->mqtt);
	state_free(&b->state);
	focus_cache_free(&b->focus);
	loop_free(&b->loop);
	free(b->openapi);
	config_free(&b->cfg);
}

int main(int argc, char **argv)
{
	static struct bridge b;
	struct flags fl;
	int rc;

	log_init("skylapse-bridge");
	rc = parse_flags(argc, argv, &fl);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (fl.list_routes) {
		list_routes(fl.pi_compat);
		return 0;
	}
	b.cli = &fl.cli;
	if (cli_check_id(&fl.cli, "skylapse-bridge", "--camera", "CAMERA_ID"))
		return 1;
	rc = cli_load_config(&fl.cli, "skylapse-bridge", &b.cfg, bridge_settings_load, &b.own);
	if (rc || fl.cli.check) {
		config_free(&b.cfg);
		return rc;
	}
	/* a peer that goes away mid-answer must not kill the server */
	signal(SIGPIPE, SIG_IGN);
	rc = setup(&b, &fl);
	if (rc == 0) {
		service_ready(b.loop, "serving HTTP");
		rc = loop_run(b.loop) == SL_OK ? 0 : 2;
		service_stopping();
	}
	teardown(&b);
	return rc;
}
