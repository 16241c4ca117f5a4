/* main.c - skylapse-scheduler: the backend's scheduler (SPEC sections 1, 3, 4).
 *
 * Flags and configuration here; `--plan DATE` prints the date's sun and
 * windows and exits without a broker; otherwise the daemon (daemon.c) runs
 * until SIGTERM or SIGINT, and SIGHUP reloads the configuration (the old
 * one stays when the new one has errors). `--ha-remove` clears the
 * backend's Home Assistant device and exits. Exit codes: 0 done, 1 bad
 * usage or configuration, 2 runtime failure.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "daemon.h"
#include "jsonx.h"
#include "log.h"
#include "plan.h"
#include "timeutil.h"

#define PROG "skylapse-scheduler"

enum { OPT_PLAN = 1, OPT_NOW, OPT_STATE_DIR, OPT_HA_REMOVE };

struct args {
	struct cli cli;
	const char *plan_date; /* --plan */
	const char *now;       /* --now */
	const char *state_dir; /* --state-dir */
	bool ha_remove;        /* --ha-remove */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options]\n"
		"Computes the sun and the schedule windows of config.json, sends capture\n"
		"requests at a fixed rate to the cameras online on the broker, publishes the\n"
		"backend status, each camera's plan and the auto encode jobs.\n"
		"\n"
		"  --plan YYYY-MM-DD  print that date's sun events and windows as JSON, exit\n"
		"  --now ISO          run as if it were that time (the clock then flows); for\n"
		"                     tests and demos\n"
		"  --state-dir PATH   where schedule switches are kept (default\n"
		"                     $SKYLAPSE_STATE_DIR, $STATE_DIRECTORY,\n"
		"                     $XDG_STATE_HOME/skylapse, ~/.local/state/skylapse)\n"
		"  --ha-remove        remove this backend's Home Assistant device (empty\n"
		"                     retained discovery config), exit\n" CLI_COMMON_HELP
		"\n"
		"Environment: BACKEND_NAME (this backend's name, sent in every request),\n"
		"CAMERA_ID (a camera to plan for before it is seen online), BACKEND_URL (the\n"
		"dashboard, linked from Home Assistant), MQTT_URL, MQTT_USERNAME,\n"
		"MQTT_PASSWORD, MQTT_TOPIC_ROOT, SKYLAPSE_CONFIG.\n"
		"Signals: SIGHUP reloads the configuration; SIGTERM/SIGINT stop (offline).\n");
}

/* Returns 0 to go on, -1 to exit 0 (help, version), 1 for bad usage. */
static int parse_args(struct args *a, int argc, char **argv)
{
	static const struct option opts[] = {{"plan", required_argument, NULL, OPT_PLAN},
					     {"now", required_argument, NULL, OPT_NOW},
					     {"state-dir", required_argument, NULL, OPT_STATE_DIR},
					     {"ha-remove", no_argument, NULL, OPT_HA_REMOVE},
					     CLI_COMMON_OPTIONS};
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (cli_common(&a->cli, opt, optarg))
			continue;
		switch (opt) {
		case OPT_PLAN: a->plan_date = optarg; break;
		case OPT_NOW: a->now = optarg; break;
		case OPT_STATE_DIR: a->state_dir = optarg; break;
		case OPT_HA_REMOVE: a->ha_remove = true; break;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (a->cli.help) {
		usage(stdout);
		return -1;
	}
	if (a->cli.version) {
		printf(PROG " %s\n", SKYLAPSE_VERSION);
		return -1;
	}
	return 0;
}

/* config_load() plus the scheduler's own checks; prints every problem.
 * Returns 0 when there is no error. */
static int load_config(const struct args *a, struct config *c, bool summary)
{
	struct config_problems probs;
	int rc = config_load(c, a->cli.config_path, a->cli.broker, &probs);

	check_schedules(c, &probs);
	config_problems_print(&probs, stderr);
	if (summary) {
		if (probs.errors == 0)
			fprintf(stderr, PROG ": %s: configuration ok\n", c->path);
		else
			fprintf(stderr, PROG ": %s: %d error%s\n", c->path, probs.errors,
				probs.errors == 1 ? "" : "s");
	}
	return rc == SL_OK && probs.errors == 0 ? 0 : 1;
}

static int print_plan(const struct config *c, const char *date)
{
	int y, m, d;
	json_t *plan;
	char *text;

	if (time_parse_date(date, &y, &m, &d) != SL_OK) {
		fprintf(stderr, PROG ": --plan '%s' is not a date (YYYY-MM-DD)\n", date);
		return 1;
	}
	plan = plan_date_json(c, y, m, d);
	text = plan ? json_dumps(plan, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(plan);
	if (text == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	printf("%s\n", text);
	free(text);
	return 0;
}

static void reload(struct scheduler *sch)
{
	struct args a = {.cli = {.config_path = sch->config_flag, .broker = sch->broker_flag}};
	struct config fresh, old;
	char topic[TOPIC_MAX];
	json_t *gone;

	if (load_config(&a, &fresh, false) != 0 || time_set_zone(fresh.timezone) != SL_OK) {
		log_error("reload: configuration has errors; keeping the old one");
		config_free(&fresh);
		return;
	}
	/* identity and transport stay as started */
	memcpy(fresh.backend_name, sch->cfg.backend_name, sizeof(fresh.backend_name));
	memcpy(fresh.topic_root, sch->cfg.topic_root, sizeof(fresh.topic_root));
	memcpy(fresh.mqtt_url, sch->cfg.mqtt_url, sizeof(fresh.mqtt_url));
	old = sch->cfg;
	sch->cfg = fresh;
	gone = json_array();
	for (int i = 0; i < sch->nruns; i++) {
		if (config_schedule(&sch->cfg, sch->runs[i].name))
			continue;
		json_array_append_new(gone, json_string(sch->runs[i].name));
		if (topic_fmt(topic, sch->cfg.topic_root, "backend/%s/schedules/%s/state",
			      sch->cfg.backend_name, sch->runs[i].name) == SL_OK)
			mqtt_set_state(sch->mqtt, topic, "", 0);
	}
	if (runner_build(sch) != SL_OK) {
		log_error("reload: out of memory; keeping the old configuration");
		json_decref(gone);
		sch->cfg = old;
		config_free(&fresh);
		time_set_zone(sch->cfg.timezone);
		return;
	}
	config_free(&old);
	for (int i = 0; i < sch->nruns; i++)
		daemon_publish_switch(sch, &sch->runs[i]);
	/* schedules and profiles may have changed: entities and selections */
	ha_publish_discovery(sch, gone);
	json_decref(gone);
	ha_publish_profiles(sch);
	json_decref(sch->sun_today);
	sch->sun_today = NULL;
	memset(sch->sun_next, 0, sizeof(sch->sun_next));
	sch->plans_dirty = true;
	sched_touch_status(sch);
	sched_kick(sch);
	log_info("reload: configuration reloaded (%d schedules)", sch->nruns);
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

static int open_switches(struct scheduler *sch, const char *flag)
{
	char dir[PATH_MAX], path[PATH_MAX];

	if (switches_state_dir(flag, dir) < 0) {
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
	return 0;
}

static int run(struct scheduler *sch, const struct args *a)
{
	const char *camera = getenv("CAMERA_ID");
	int rc;

	if (open_switches(sch, a->state_dir))
		return 1;
	if (daemon_topics(sch) != SL_OK) {
		log_error("MQTT_TOPIC_ROOT or BACKEND_NAME is too long");
		return 1;
	}
	if (loop_new(&sch->loop) || loop_watch_signals(sch->loop, on_signal, sch))
		return 2;
	if (camera && *camera) {
		struct sched_camera *c = sched_camera(sch, sch->cfg.camera_id, true);

		if (c)
			c->pinned = true;
	}
	if (runner_build(sch) != SL_OK)
		return 2;
	rc = daemon_connect(sch);
	if (rc) {
		log_error("broker %s: %s", sch->cfg.mqtt_url, err_str(rc));
		return rc == SL_ERR_INVAL ? 1 : 2;
	}
	log_info("backend '%s': %d schedules, time zone %s, broker %s, switches in %s",
		 sch->cfg.backend_name, sch->nruns, sch->cfg.timezone, sch->cfg.mqtt_url,
		 sch->sw.path);
	rc = loop_run(sch->loop);
	return rc ? 2 : 0;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct scheduler *sch = NULL;
	struct config cfg = {0};
	int64_t now_ms;
	int rc;

	log_init(PROG);
	/* spreads Home Assistant re-announcements of several backends */
	srandom((unsigned)getpid() ^ (unsigned)time_now_ms());
	rc = parse_args(&a, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = load_config(&a, &cfg, a.cli.check);
	if (rc || a.cli.check)
		goto out;
	if (time_set_zone(cfg.timezone) != SL_OK) {
		log_error("time zone %s: not in the system's database", cfg.timezone);
		rc = 1;
		goto out;
	}
	if (a.plan_date) {
		rc = print_plan(&cfg, a.plan_date);
		goto out;
	}
	sch = calloc(1, sizeof(*sch));
	if (sch == NULL) {
		rc = 2;
		goto out;
	}
	if (a.now) {
		if (time_parse_iso(a.now, &now_ms) != SL_OK) {
			fprintf(stderr, PROG ": --now '%s' is not an ISO 8601 time\n", a.now);
			rc = 1;
			goto out;
		}
		sch->clock_offset_ms = now_ms - time_now_ms();
		log_info("--now: the clock runs %+lld ms from the real one", (long long)sch->clock_offset_ms);
	}
	sch->cfg = cfg;
	memset(&cfg, 0, sizeof(cfg));
	sch->config_flag = a.cli.config_path;
	sch->broker_flag = a.cli.broker;
	sch->started_ms = time_now_ms();
	if (a.ha_remove) {
		rc = daemon_topics(sch) == SL_OK ? ha_remove_run(sch) : 1;
		goto out;
	}
	rc = run(sch, &a);
out:
	if (sch) {
		daemon_free(sch);
		loop_free(&sch->loop);
		config_free(&sch->cfg);
		free(sch);
	}
	config_free(&cfg);
	return rc;
}
