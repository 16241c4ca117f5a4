/* camera.c - picks a camera source by name and forwards to it. */
#include "camera.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int camera_open(const char *spec, const struct camera_env *env, struct camera **out,
		char why[ERRMSG_MAX])
{
	*out = NULL;
	if (spec == NULL || strcmp(spec, "sim") == 0)
		return camera_sim_ops.open(NULL, env, out, why);
	if (strncmp(spec, "dir:", 4) == 0)
		return camera_dir_ops.open(spec + 4, env, out, why);
	if (strcmp(spec, "libcamera") == 0)
		return camera_libcamera_ops.open(NULL, env, out, why);
	err_why(why, "unknown camera source '%s' (use libcamera, sim or dir:PATH)",
		 spec);
	return SL_ERR_INVAL;
}

void camera_close(struct camera **cam)
{
	if (cam == NULL || *cam == NULL)
		return;
	(*cam)->ops->close(*cam);
	*cam = NULL;
}

int camera_meter(struct camera *cam, int64_t when_ms, struct camera_meter *out,
		 char why[ERRMSG_MAX])
{
	return cam->ops->meter(cam, when_ms, out, why);
}

int camera_capture(struct camera *cam, const struct camera_controls *ctl, int64_t when_ms,
		   struct camera_frame *out, char why[ERRMSG_MAX])
{
	memset(out, 0, sizeof(*out));
	return cam->ops->capture(cam, ctl, when_ms, out, why);
}

const struct camera_info *camera_info(struct camera *cam)
{
	return cam->ops->info(cam);
}

void camera_frame_clear(struct camera_frame *f)
{
	if (f == NULL)
		return;
	free(f->jpeg);
	memset(f, 0, sizeof(*f));
}
