/* settings.h - skylapse-bridge's own settings, read from the environment (a
 * flag beats it; config.h) after the shared configuration. No other program
 * reads them.
 *
 * Reload (SIGHUP): API_TOKEN and CORS_ORIGINS apply live (with the shared location, time
 * zone, schedules and profiles); BACKEND_PORT, FRONTEND_PORT and
 * DASHBOARD_DIR (like the broker, the topic root and the folders) need a
 * restart, and a reload that changes one says so in the log.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_SETTINGS_H
#define SKYLAPSE_BRIDGE_HTTP_SETTINGS_H

#include <limits.h>

#include "auth_cors.h"
#include "config.h"

struct bridge_settings {
	char api_token[CONFIG_STR];   /* API_TOKEN: "" = no token needed */
	int backend_port;	      /* BACKEND_PORT, default 8082 */
	int frontend_port;	      /* FRONTEND_PORT, default 3000 (checked only) */
	char dashboard_dir[PATH_MAX]; /* DASHBOARD_DIR or --dashboard; "" = found */
	struct cors_policy cors;      /* CORS_ORIGINS: "*" (default) or http(s) origins */
};

/* Fills *own (a struct bridge_settings) from c's environment and flags; bad
 * values are errors in p. A cli_section_fn. */
void bridge_settings_load(const struct config *c, void *own, struct config_problems *p);

/* Logs, for each setting that differs between `old` and `fresh` and needs a
 * restart, that it was not applied. Returns how many. */
int bridge_settings_restart_needed(const struct bridge_settings *old,
				   const struct bridge_settings *fresh);

#endif
