/* status.c - builds the retained camera status. */
#include "status.h"

#include <string.h>

#include "cli.h"
#include "fsutil.h"
#include "jsonx.h"
#include "timeutil.h"

static json_t *disk_json(const char *root)
{
	uint64_t free_b = 0, total_b = 0;

	if (disk_space(root, &free_b, &total_b) < 0 || total_b == 0)
		return json_null();
	return json_pack("{s:I,s:I,s:f}", "free_bytes", (json_int_t)free_b, "total_bytes",
			 (json_int_t)total_b, "free_pct",
			 (double)(int)(1000.0 * (double)free_b / (double)total_b) / 10.0);
}

static json_t *last_capture_json(const struct capture_agent *a)
{
	const json_t *last = a->last_frame;
	char when[TIME_ISO_MAX];
	static const char *copied[] = {"exposure_us", "analogue_gain", "ev", "awb",
				       "colour_temp_k", "lux", "mean_luma", "profile", NULL};
	json_t *o;

	if (a->last_capture_ms == 0)
		return json_null();
	time_format_utc(a->last_capture_ms, when);
	o = json_pack("{s:s,s:s}", "path", a->last_path, "captured_at", when);
	for (int i = 0; last && copied[i]; i++) {
		json_t *v = json_object_get(last, copied[i]);

		if (v)
			json_object_set(o, copied[i], v);
	}
	return o;
}

const char *status_state(const struct capture_agent *a)
{
	if (a->cam == NULL)
		return "error";
	return a->jobs_open > 0 ? "capturing" : "idle";
}

json_t *status_build(const struct capture_agent *a)
{
	const char *camera_error = a->cam ? NULL : a->camera_error;
	const struct camera_info *info = a->cam ? camera_info(a->cam) : NULL;
	const struct profile_set *ps = &a->cfg->profiles;
	char started[TIME_ISO_MAX];
	json_t *o = json_object(), *ids = json_array(), *enabled = json_array();

	for (int i = 0; i < ps->count; i++) {
		char id[2] = {ps->items[i].id, '\0'};

		json_array_append_new(ids, json_string(id));
		if (ps->items[i].enabled)
			json_array_append_new(enabled, json_string(id));
	}
	time_format_utc(a->started_ms, started);
	json_object_set_new(o, "camera", json_string(a->cfg->camera_id));
	json_object_set_new(o, "state", json_string(status_state(a)));
	jx_set_str(o, "camera_model", info ? info->model : NULL);
	json_object_set_new(o, "source", json_string(info ? info->source : a->set->camera_source));
	json_object_set_new(o, "camera_ready", json_boolean(a->cam != NULL));
	jx_set_str(o, "primary_backend", a->set->primary_backend[0] ? a->set->primary_backend : NULL);
	json_object_set_new(o, "profiles", ids);
	json_object_set_new(o, "profiles_enabled", enabled);
	json_object_set_new(o, "last_capture", last_capture_json(a));
	json_object_set_new(o, "captures_total", json_integer(a->captures_total));
	json_object_set_new(o, "errors_total", json_integer(a->errors_total));
	jx_set_str(o, "last_error", camera_error ? camera_error
						 : (a->last_error[0] ? a->last_error : NULL));
	jx_set_str(o, "config_error", a->config_error[0] ? a->config_error : NULL);
	json_object_set_new(o, "last_error_at",
			    camera_error ? json_null()
					 : jx_time_utc(a->last_error_ms > 0, a->last_error_ms));
	json_object_set_new(o, "disk", disk_json(a->images_root));
	json_object_set_new(o, "disk_low", json_boolean(a->disk_low));
	json_object_set_new(o, "frames_today", json_integer(a->frames_today));
	json_object_set_new(o, "in_window", json_boolean(a->in_window));
	json_object_set_new(o, "version", json_string(SKYLAPSE_VERSION));
	json_object_set_new(o, "started_at", json_string(started));
	return o;
}
