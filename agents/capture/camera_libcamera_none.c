/* camera_libcamera_none.c - the "libcamera" source when Skylapse was built
 * without libcamera-dev: opening it fails with a message saying so, and the
 * rest of the agent (sim, dir:PATH) works as usual.
 */
#include "camera.h"

#include <stdio.h>

static int none_open(const char *arg, const struct camera_env *env, struct camera **out,
		     char why[ERRMSG_MAX])
{
	(void)arg;
	(void)env;
	*out = NULL;
	snprintf(why, ERRMSG_MAX,
		 "libcamera support not built (install libcamera-dev and rebuild, or use "
		 "CAMERA_SOURCE=sim)");
	return SL_ERR_CAMERA;
}

/* Never reached: open never succeeds, so no camera of this kind exists. */
static void none_close(struct camera *cam)
{
	(void)cam;
}

static int none_meter(struct camera *cam, int64_t when_ms, struct camera_meter *out,
		      char why[ERRMSG_MAX])
{
	(void)cam;
	(void)when_ms;
	(void)out;
	snprintf(why, ERRMSG_MAX, "libcamera support not built");
	return SL_ERR_CAMERA;
}

static int none_capture(struct camera *cam, const struct camera_controls *ctl, int64_t when_ms,
			struct camera_frame *out, char why[ERRMSG_MAX])
{
	(void)cam;
	(void)ctl;
	(void)when_ms;
	(void)out;
	snprintf(why, ERRMSG_MAX, "libcamera support not built");
	return SL_ERR_CAMERA;
}

static const struct camera_info *none_info(struct camera *cam)
{
	static const struct camera_info info = {"none", "libcamera", 0, 0};

	(void)cam;
	return &info;
}

const struct camera_ops camera_libcamera_ops = {
    .name = "libcamera",
    .open = none_open,
    .close = none_close,
    .meter = none_meter,
    .capture = none_capture,
    .info = none_info,
};
