/* daemon.h - skylapse-scheduler on the broker: the one file that talks MQTT.
 *
 * The decisions are the core's (core.h): the daemon turns messages, timers
 * and signals into its events and publishes the messages it returns.
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_DAEMON_H
#define SKYLAPSE_AGENTS_SCHEDULER_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "config.h"

struct daemon_opts {
	const struct cli *cli;            /* the flags, for reloads (borrowed) */
	const char *state_dir;            /* --state-dir, or NULL */
	bool ha_remove;                   /* clear the Home Assistant device, exit */
	/* Loads and checks a configuration for SIGHUP; 0 when it has no
	 * error, else 1 with why (cli_reload_config()). *out is the
	 * caller's to free either way. */
	int (*load)(const struct cli *cli, struct config *out, char why[ERRMSG_MAX]);
};

/* Runs the scheduler on cfg (stolen: freed here) until SIGTERM or SIGINT;
 * SIGHUP reloads it (the old one stays when the new one has errors).
 * Returns the exit code: 0, 1 bad configuration, 2 runtime failure. */
int daemon_run(struct config *cfg, const struct daemon_opts *o);

#endif
