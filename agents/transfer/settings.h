/* settings.h - skylapse-transfer's own settings: how to reach the Pi and how
 * often, read from the environment (a flag beats it; config.h) after the
 * shared configuration. No other program reads them.
 *
 * Reload (SIGHUP): TRANSFER_INTERVAL_MINUTES and DELETE_AFTER_DAYS (and the
 * shared retention section) apply live; PI_USER, PI_SOURCE, PI_SSH_PORT,
 * SSH_KEY, SSH_KNOWN_HOSTS and TRANSFER_ENABLED (like PI_HOST, IMAGES_DIR,
 * CAMERA_ID and the broker) need a restart, and a reload that changes one
 * says so in the log.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_SETTINGS_H
#define SKYLAPSE_AGENTS_TRANSFER_SETTINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"

struct transfer_settings {
	char pi_user[CONFIG_STR]; /* PI_USER, default $USER, else "pi" */
	char pi_source[PATH_MAX]; /* PI_SOURCE, default ~/skylapse-images/ */
	int pi_ssh_port;	  /* PI_SSH_PORT, default 22 */
	char ssh_key[PATH_MAX];	  /* SSH_KEY, "" = ssh's default */
	char ssh_known_hosts[PATH_MAX];
	bool enabled;		  /* TRANSFER_ENABLED, default true */
	int interval_minutes;	  /* TRANSFER_INTERVAL_MINUTES, 1..10080, default 5 */
	double delete_after_days; /* DELETE_AFTER_DAYS, 0..36500, default 1 */
};

/* Fills *own (a struct transfer_settings) from c's environment and flags;
 * bad values are errors in p. A cli_section_fn. */
void transfer_settings_load(const struct config *c, void *own, struct config_problems *p);

/* Logs, for each setting that differs between `old` and `fresh` and needs a
 * restart, that it was not applied. Returns how many. */
int transfer_settings_restart_needed(const struct transfer_settings *old,
				     const struct transfer_settings *fresh);

#endif
