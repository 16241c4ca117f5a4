/* settings.c - skylapse-capture's own settings; see settings.h. */
#include "settings.h"

#include <stdio.h>
#include <string.h>

void capture_settings_load(const struct config *c, void *own, struct config_problems *p)
{
	struct capture_settings *s = own;
	const json_t *cap = config_section(c, p, "capture");

	*s = (struct capture_settings){.camera_source = "libcamera", .min_free_pct = 5.0};
	if (cap) {
		config_file_number(c, p, cap, "capture", "min_free_pct", 0, 100, &s->min_free_pct);
		config_file_int(c, p, cap, "capture", "sim_width", 16, 16384, &s->sim_width);
		config_file_int(c, p, cap, "capture", "sim_height", 16, 16384, &s->sim_height);
	}
	config_env_str(c, "CAMERA_SOURCE", s->camera_source, sizeof(s->camera_source));
	config_env_id(c, p, "PRIMARY_BACKEND", s->primary_backend);
}

int capture_settings_restart_needed(const struct capture_settings *old,
				    const struct capture_settings *fresh)
{
	return config_changed(strcmp(old->camera_source, fresh->camera_source) != 0,
			      "CAMERA_SOURCE") +
	       config_changed(old->sim_width != fresh->sim_width, "capture.sim_width") +
	       config_changed(old->sim_height != fresh->sim_height, "capture.sim_height");
}
