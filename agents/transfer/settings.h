/* settings.h - skylapse-transfer's own settings: how to reach the Pi and how
 * often, read from the environment (a flag beats it; config.h) after the
 * shared configuration, and checked as a whole: the camera id, the folders,
 * what reaches rsync's command line and the shared retention section. No
 * other program reads them.
 *
 * Reload (SIGHUP): TRANSFER_INTERVAL_MINUTES and DELETE_AFTER_DAYS (and the
 * shared retention section) apply live; PI_USER, PI_SOURCE, PI_SSH_PORT,
 * SSH_KEY, SSH_KNOWN_HOSTS, TRANSFER_ENABLED, TRANSFER_PER_CAMERA (like PI_HOST, IMAGES_DIR,
 * CAMERA_ID and the broker) need a restart, and a reload that changes one
 * says so in the log.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_SETTINGS_H
#define SKYLAPSE_AGENTS_TRANSFER_SETTINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "transfer.h"

struct transfer_settings {
	char pi_user[CONFIG_STR]; /* PI_USER, default $USER, else "pi" */
	char pi_source[PATH_MAX]; /* PI_SOURCE, default ~/skylapse-images/ */
	int pi_ssh_port;	  /* PI_SSH_PORT, default 22 */
	char ssh_key[PATH_MAX];	  /* SSH_KEY, "" = ssh's default */
	char ssh_known_hosts[PATH_MAX];
	bool enabled;		  /* TRANSFER_ENABLED, default true */
	bool per_camera;	  /* TRANSFER_PER_CAMERA: one transfer per Pi, its topics
				   * and device under its camera (ha_transfer.h) */
	int interval_minutes;	  /* TRANSFER_INTERVAL_MINUTES, 1..10080, default 5 */
	double delete_after_days; /* DELETE_AFTER_DAYS, 0..36500, default 1 */
	/* worked out from the above and the shared configuration */
	char camera[ID_MAX + 1];     /* --camera or CAMERA_ID, else PI_HOST's first label */
	char images_root[PATH_MAX];  /* IMAGES_DIR, ~ expanded, default /data/images */
};

/* Fills *own (a struct transfer_settings) from c's environment and flags,
 * then checks them with c: bad values are errors in p. A cli_section_fn. */
void transfer_settings_load(const struct config *c, void *own, struct config_problems *p);

/* Fills *out, whose strings then borrow from `o` and `c`, from settings that
 * loaded without error; `bwlimit_kbps` is --bwlimit's (0: none). */
void transfer_settings_apply(const struct config *c, const struct transfer_settings *o,
			     int bwlimit_kbps, struct xfer_settings *out);

/* The longest wait between retries for a cycle interval. */
int64_t transfer_backoff_max(int64_t interval_ms);

/* Logs, for each setting that differs between `old` and `fresh` and needs a
 * restart, that it was not applied. Returns how many. */
int transfer_settings_restart_needed(const struct transfer_settings *old,
				     const struct transfer_settings *fresh);

#endif
