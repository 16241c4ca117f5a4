/* main.c - skylapse-scheduler: the backend's scheduler (SPEC sections 1, 3, 4).
 *
 * Flags and configuration here; `--plan DATE` prints the date's sun and
 * windows and exits without a broker; otherwise the daemon (daemon.c) runs
 * until SIGTERM or SIGINT, and SIGHUP reloads the configuration (the old
 * one stays when the new one has errors). `--ha-remove` clears the
 * backend's Home Assistant device and exits. Exit codes: 0 done, 1 bad
 * usage or configuration, 2 runtime failure.
 */
#include <stdio.h>
#include <stdlib.h>
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
		"  --now ISO          run as if it were that time, with Z or an offset (the\n"
		"                     clock then flows): SKYLAPSE_CLOCK for this program\n"
		"  --state-dir PATH   where schedule switches are kept (default\n"
		"                     $SKYLAPSE_STATE_DIR, $STATE_DIRECTORY,\n"
		"                     $XDG_STATE_HOME/skylapse, ~/.local/state/skylapse)\n"
		"  --ha-remove        remove this backend's Home Assistant device (empty\n"
		"                     retained discovery config), exit\n" CLI_COMMON_HELP
		"\n"
		"Environment: BACKEND_NAME (this backend's name, sent in every request),\n"
		"CAMERA_ID (a camera to plan for before it is seen online; config.json's\n"
		"`cameras` lists several, each with its schedules), BACKEND_URL (the\n"
		"dashboard, linked from Home Assistant), MQTT_URL, MQTT_USERNAME,\n"
		"MQTT_PASSWORD, MQTT_TOPIC_ROOT, SKYLAPSE_CONFIG, SKYLAPSE_CLOCK (a simulated\n"
		"clock: TIME[,speed=N][,anchor=UNIX_SECONDS], see the README).\n"
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
		case OPT_NOW: cli_flag(&a->cli, "SKYLAPSE_CLOCK", optarg); break;
		case OPT_STATE_DIR: a->state_dir = optarg; break;
		case OPT_HA_REMOVE: a->ha_remove = true; break;
		default: usage(stderr); return 1;
		}
	}
	return cli_finish(&a->cli, PROG, argc, argv, usage);
}

static void scheduler_section(const struct config *c, void *own, struct config_problems *p)
{
	(void)own;
	check_schedules(c, p);
}

/* The configuration and the scheduler's own checks; 0 when there is no error. */
static int load_config(const struct cli *cli, struct config *c, char why[ERRMSG_MAX])
{
	return cli_reload_config(cli, PROG, c, scheduler_section, NULL, why);
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
	text = plan ? jx_dump_pretty(plan) : NULL;
	json_decref(plan);
	if (text == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	printf("%s\n", text);
	free(text);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct daemon_opts o = {.load = load_config};
	struct config cfg = {0};
	int rc;

	log_init(PROG);
	/* spreads Home Assistant re-announcements of several backends */
	srandom((unsigned)getpid() ^ (unsigned)time_now_ms());
	rc = parse_args(&a, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_load_config(&a.cli, PROG, &cfg, scheduler_section, NULL);
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
	o.cli = &a.cli;
	o.state_dir = a.state_dir;
	o.ha_remove = a.ha_remove;
	return daemon_run(&cfg, &o);
out:
	config_free(&cfg);
	return rc;
}
