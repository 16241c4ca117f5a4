/* skylapse-encoder - turns frames into timelapse videos, keograms and star trails.
 *
 *   skylapse-encoder [options]          the worker: encode jobs from MQTT
 *   skylapse-encoder encode --input ... the same pipeline on a folder
 *
 * The worker (worker.h) takes jobs from R/encoder/jobs through a shared
 * subscription, so several workers split the jobs; this file parses the
 * flags, loads the configuration, wires the loop, the MQTT session and the
 * worker together, and handles signals (SIGTERM/SIGINT: the running job
 * is queued again and the worker goes offline; SIGHUP: reload).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libavutil/log.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_encode.h"
#include "config.h"
#include "fsutil.h"
#include "ha_encoder.h"
#include "job.h"
#include "log.h"
#include "loop.h"
#include "mqtt.h"
#include "service.h"
#include "settings.h"
#include "timeutil.h"
#include "topics.h"
#include "worker.h"

#define DEFAULT_IMAGES_DIR     "/data/images"
#define DEFAULT_TIMELAPSES_DIR "/data/timelapses"

struct encoder {
	struct config cfg;
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct worker *worker;
	struct encoder_settings own;
	struct cli cli; /* the flags, for reloads */
	char id[ID_MAX + 1];
	int concurrency, threads;
	bool ha_remove; /* --ha-remove: clear the worker's Home Assistant device */
	char images_root[PATH_MAX], timelapses_root[PATH_MAX];
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: skylapse-encoder [options]\n"
	    "       skylapse-encoder encode --input DIR --output FILE [...] (see encode --help)\n"
	    "Takes encode jobs from MQTT (R/encoder/jobs) and makes videos, keograms and star trails.\n\n"
	    "  --worker ID          worker id (default: the host name)\n"
	    "  --concurrency N      jobs run at once (default encoder.concurrency, else 1)\n"
	    "  --threads N          decoding threads per job (default: one per CPU)\n"
	    "  --images-dir DIR     frames root, <camera>/profile-<p>/... (default $IMAGES_DIR,\n"
	    "                       else " DEFAULT_IMAGES_DIR ")\n"
	    "  --timelapses-dir DIR outputs root (default $TIMELAPSES_DIR, "
	    "else " DEFAULT_TIMELAPSES_DIR ")\n"
	    "  --ha-remove          remove the worker from Home Assistant (empty retained\n"
	    "                       discovery) and exit\n" CLI_COMMON_HELP
	    "\nEnvironment: MQTT_URL MQTT_USERNAME MQTT_PASSWORD MQTT_TOPIC_ROOT IMAGES_DIR\n"
	    "TIMELAPSES_DIR SKYLAPSE_CONFIG (see config/env.example).\n");
}

/* The short host name as an id: lower case, [a-z0-9_-], at most ID_MAX. */
static void host_id(char out[ID_MAX + 1])
{
	char host[256] = "";
	size_t n = 0;

	if (gethostname(host, sizeof(host) - 1) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "encoder");
	for (size_t i = 0; host[i] && host[i] != '.' && n < ID_MAX; i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)host[i]);

		out[n++] = (char)(isalnum(c) || c == '_' || c == '-' ? c : '-');
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, ID_MAX + 1, "encoder");
}

static int parse_int(const char *name, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "skylapse-encoder: --%s must be an integer in %d..%d\n", name, lo,
			hi);
		return 1;
	}
	*out = (int)v;
	return 0;
}

static int parse_args(struct encoder *e, struct cli *cli, int argc, char **argv)
{
	enum { O_WORKER = 1, O_CONC, O_THREADS, O_IMAGES, O_TIMELAPSES, O_HA_REMOVE };
	static const struct option opts[] = {
	    {"worker", required_argument, NULL, O_WORKER},
	    {"concurrency", required_argument, NULL, O_CONC},
	    {"threads", required_argument, NULL, O_THREADS},
	    {"images-dir", required_argument, NULL, O_IMAGES},
	    {"timelapses-dir", required_argument, NULL, O_TIMELAPSES},
	    {"ha-remove", no_argument, NULL, O_HA_REMOVE},
	    CLI_COMMON_OPTIONS};
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (cli_common(cli, opt, optarg))
			continue;
		switch (opt) {
		case O_WORKER:
			if (!id_is_valid(optarg) || strcmp(optarg, "jobs") == 0) {
				fprintf(stderr, "skylapse-encoder: --worker must match "
						"[a-z0-9_-]{1,64} and not be 'jobs'\n");
				return 1;
			}
			snprintf(e->id, sizeof(e->id), "%s", optarg);
			break;
		case O_CONC:
			if (parse_int("concurrency", optarg, 1, 64, &e->concurrency))
				return 1;
			break;
		case O_THREADS:
			if (parse_int("threads", optarg, 0, 64, &e->threads))
				return 1;
			break;
		case O_IMAGES: cli_flag(cli, "IMAGES_DIR", optarg); break;
		case O_TIMELAPSES: cli_flag(cli, "TIMELAPSES_DIR", optarg); break;
		case O_HA_REMOVE: e->ha_remove = true; break;
		default: usage(stderr); return 1;
		}
	}
	return cli_finish(cli, "skylapse-encoder", argc, argv, usage);
}

/* Loads the configuration and the encoder's own settings into *own, and
 * checks the time zone; 0 or 1. */
static int load_config(const struct cli *cli, struct config *c, struct encoder_settings *own)
{
	int rc = cli_load_config(cli, "skylapse-encoder", c, encoder_settings_load, own);

	if (rc == 0 && c->have_location && !time_zone_exists(c->timezone)) {
		fprintf(stderr, "%s: location.timezone: unknown time zone '%s'\n", c->path,
			c->timezone);
		rc = 1;
	}
	return rc;
}

static void reload(struct encoder *e)
{
	struct encoder_settings own;
	struct config fresh;

	if (load_config(&e->cli, &fresh, &own) != 0) {
		log_error("reload: configuration has errors; keeping the old one");
		config_free(&fresh);
		return;
	}
	/* identity, broker and folders stay as started; new jobs use the rest
	 * (running jobs copied what they need when they started). The time
	 * zone too: setting TZ while job threads read local time races inside
	 * the C library (setenv against tzset's getenv). */
	config_restart_needed(&e->cfg, &fresh);
	if (config_changed(strcmp(e->cfg.timezone, fresh.timezone) != 0, "location.timezone"))
		snprintf(fresh.timezone, sizeof(fresh.timezone), "%s", e->cfg.timezone);
	encoder_settings_restart_needed(&e->own, &own);
	config_free(&e->cfg);
	e->cfg = fresh;
	worker_set_config(e->worker, &e->cfg);
	log_info("reload: configuration reloaded");
}

/* --ha-remove: the worker's device out of Home Assistant; the exit status. */
static int remove_device(const struct encoder *e)
{
	char client_id[128], topic[TOPIC_MAX];

	if (ha_encoder_config_topic(topic, &e->cfg, e->id) != SL_OK)
		return 1;
	snprintf(client_id, sizeof(client_id), "skylapse-encoder-%s-ha-remove", e->id);
	return ha_remove(&e->cfg, client_id, topic);
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct encoder *e = arg;

	(void)l;
	if (signo == SIGHUP) {
		reload(e);
		return;
	}
	log_info("signal %d: stopping", signo);
	worker_stop(e->worker);
}

static int run(struct encoder *e)
{
	struct mqtt_opts mo;
	struct worker_opts wo;
	char client_id[128], avail[TOPIC_MAX];
	int rc;

	if (loop_new(&e->loop) || loop_watch_signals(e->loop, on_signal, e))
		return 2;
	snprintf(client_id, sizeof(client_id), "skylapse-encoder-%s", e->id);
	if (topic_fmt(avail, e->cfg.topic_root, "encoder/%s/availability", e->id)) {
		log_error("MQTT_TOPIC_ROOT is too long");
		return 1;
	}
	mo = cli_mqtt_opts(&e->cfg, client_id);
	mo.availability_topic = avail;
	mo.persistent = true;
	rc = mqtt_session_new(e->loop, &mo, &e->mqtt);
	if (rc) {
		log_error("broker URL %s: %s", e->cfg.mqtt_url, err_str(rc));
		return 1;
	}
	wo = (struct worker_opts){e->id, e->concurrency, e->threads, e->images_root,
				  e->timelapses_root};
	if ((rc = worker_new(e->loop, e->mqtt, &e->cfg, &wo, &e->worker))) {
		log_error("worker: %s", err_str(rc));
		return 2;
	}
	if (mqtt_session_start(e->mqtt))
		return 2;
	log_info("worker '%s' on %s: frames from %s, outputs to %s, %d job(s) at once", e->id,
		 e->cfg.mqtt_url, e->images_root, e->timelapses_root, e->concurrency);
	service_ready(e->loop, "waiting for encode jobs");
	rc = loop_run(e->loop);
	service_stopping();
	return rc ? 2 : 0;
}

int main(int argc, char **argv)
{
	struct encoder e = {0};
	int rc;

	log_init("skylapse-encoder");
	av_log_set_level(AV_LOG_ERROR);
	if (argc > 1 && strcmp(argv[1], "encode") == 0)
		return cmd_encode(argc - 1, argv + 1);
	rc = parse_args(&e, &e.cli, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = load_config(&e.cli, &e.cfg, &e.own);
	if (rc || e.cli.check)
		goto out;
	if (e.cfg.have_location)
		time_set_zone(e.cfg.timezone); /* once, before any thread starts */
	if (e.id[0] == '\0')
		host_id(e.id);
	if (e.ha_remove) {
		rc = remove_device(&e);
		goto out;
	}
	if (e.concurrency == 0) /* no --concurrency */
		e.concurrency = e.own.concurrency;
	if (e.threads == 0)
		e.threads = e.own.threads;
	if (path_expand_home(e.cfg.images_dir[0] ? e.cfg.images_dir : DEFAULT_IMAGES_DIR,
			     e.images_root, sizeof(e.images_root)) ||
	    path_expand_home(e.cfg.timelapses_dir[0] ? e.cfg.timelapses_dir
						     : DEFAULT_TIMELAPSES_DIR,
			     e.timelapses_root, sizeof(e.timelapses_root))) {
		log_error("IMAGES_DIR or TIMELAPSES_DIR is too long");
		rc = 1;
		goto out;
	}
	if (mkdir_p(e.timelapses_root, 0755) < 0) {
		log_error("timelapses folder %s: %s", e.timelapses_root, strerror(errno));
		rc = 2;
		goto out;
	}
	rc = run(&e);
out:
	worker_free(&e.worker);
	mqtt_session_free(&e.mqtt);
	loop_free(&e.loop);
	config_free(&e.cfg);
	return rc;
}
