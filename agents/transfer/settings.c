/* settings.c - skylapse-transfer's own settings; see settings.h. */
#include "settings.h"

#include <stdlib.h>
#include <string.h>

void transfer_settings_load(const struct config *c, void *own, struct config_problems *p)
{
	struct transfer_settings *s = own;
	const char *user = getenv("USER");

	*s = (struct transfer_settings){
	    .pi_ssh_port = 22, .enabled = true, .interval_minutes = 5, .delete_after_days = 1};
	snprintf(s->pi_user, sizeof(s->pi_user), "%s", user ? user : "pi");
	snprintf(s->pi_source, sizeof(s->pi_source), "~/skylapse-images/");
	config_env_str(c, "PI_USER", s->pi_user, sizeof(s->pi_user));
	config_env_str(c, "PI_SOURCE", s->pi_source, sizeof(s->pi_source));
	config_env_int(c, p, "PI_SSH_PORT", 1, 65535, &s->pi_ssh_port);
	config_env_str(c, "SSH_KEY", s->ssh_key, sizeof(s->ssh_key));
	config_env_str(c, "SSH_KNOWN_HOSTS", s->ssh_known_hosts, sizeof(s->ssh_known_hosts));
	config_env_int(c, p, "TRANSFER_INTERVAL_MINUTES", 1, 10080, &s->interval_minutes);
	config_env_bool(c, p, "TRANSFER_ENABLED", &s->enabled);
	config_env_number(c, p, "DELETE_AFTER_DAYS", 0, 36500, &s->delete_after_days);
}

int transfer_settings_restart_needed(const struct transfer_settings *old,
				     const struct transfer_settings *fresh)
{
	return config_changed(strcmp(old->pi_user, fresh->pi_user) != 0, "PI_USER") +
	       config_changed(strcmp(old->pi_source, fresh->pi_source) != 0, "PI_SOURCE") +
	       config_changed(old->pi_ssh_port != fresh->pi_ssh_port, "PI_SSH_PORT") +
	       config_changed(strcmp(old->ssh_key, fresh->ssh_key) != 0, "SSH_KEY") +
	       config_changed(strcmp(old->ssh_known_hosts, fresh->ssh_known_hosts) != 0,
			      "SSH_KNOWN_HOSTS") +
	       config_changed(old->enabled != fresh->enabled, "TRANSFER_ENABLED");
}
