/* settings.h - skylapse-capture's own settings: the "capture" section of
 * config.json and CAMERA_SOURCE (--source beats it; config.h), read after the
 * shared configuration. No other program reads them.
 *
 * Reload (SIGHUP): min_free_pct applies live (with the shared profiles and
 * PRIMARY_BACKEND); CAMERA_SOURCE, sim_width and sim_height (like the camera
 * id, the broker and IMAGES_DIR) need a restart, and a reload that changes
 * one says so in the log.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_SETTINGS_H
#define SKYLAPSE_AGENTS_CAPTURE_SETTINGS_H

#include <limits.h>

#include "config.h"

struct capture_settings {
	char camera_source[PATH_MAX]; /* libcamera (default), sim or dir:PATH */
	double min_free_pct;	      /* refuse captures below this free disk share; 5 */
	int sim_width, sim_height;    /* the sim's frame size; 0 = its default */
	char primary_backend[ID_MAX + 1]; /* PRIMARY_BACKEND; "" = any backend may capture */
};

/* Fills *own (a struct capture_settings) from c's file section "capture",
 * CAMERA_SOURCE and PRIMARY_BACKEND; bad values are errors in p. A cli_section_fn. */
void capture_settings_load(const struct config *c, void *own, struct config_problems *p);

/* Logs, for each setting that differs between `old` and `fresh` and needs a
 * restart, that it was not applied. Returns how many. */
int capture_settings_restart_needed(const struct capture_settings *old,
				    const struct capture_settings *fresh);

#endif
