/* settings.c - skylapse-bridge's own settings; see settings.h. */
#include "settings.h"

#include <string.h>

void bridge_settings_load(const struct config *c, void *own, struct config_problems *p)
{
	struct bridge_settings *s = own;

	*s = (struct bridge_settings){.backend_port = 8082, .frontend_port = 3000};
	config_env_str(c, "API_TOKEN", s->api_token, sizeof(s->api_token));
	config_env_int(c, p, "BACKEND_PORT", 1, 65535, &s->backend_port);
	config_env_int(c, p, "FRONTEND_PORT", 1, 65535, &s->frontend_port);
	config_env_str(c, "DASHBOARD_DIR", s->dashboard_dir, sizeof(s->dashboard_dir));
	if (cors_parse(config_value(c, "CORS_ORIGINS"), &s->cors) != SL_OK) {
		config_problem(p, c, true, "env CORS_ORIGINS: '%s' is not '*' or a list of http(s) origins",
			       config_value(c, "CORS_ORIGINS"));
		cors_parse(NULL, &s->cors);
	}
}

int bridge_settings_restart_needed(const struct bridge_settings *old,
				   const struct bridge_settings *fresh)
{
	return config_changed(old->backend_port != fresh->backend_port, "BACKEND_PORT") +
	       config_changed(old->frontend_port != fresh->frontend_port, "FRONTEND_PORT") +
	       config_changed(strcmp(old->dashboard_dir, fresh->dashboard_dir) != 0,
			      "DASHBOARD_DIR");
}
