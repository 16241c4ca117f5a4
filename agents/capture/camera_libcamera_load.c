/* camera_libcamera_load.c - the "libcamera" source as seen by the agent: it
 * loads the plugin built from camera_libcamera.cpp with dlopen on first use
 * and hands over to it. A machine without the plugin (built without
 * libcamera-dev) gets a clear error and keeps the sim and dir sources.
 */
#include "camera.h"
#include "err.h"
#include "fsutil.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void plugin_path(char *out, size_t n)
{
	const char *dir = getenv("SKYLAPSE_PLUGIN_DIR");

	if (dir && *dir)
		snprintf(out, n, "%s/%s", dir, CAMERA_LIBCAMERA_PLUGIN);
	else if (path_beside_exe("../lib/skylapse/" CAMERA_LIBCAMERA_PLUGIN, out, n) != SL_OK)
		snprintf(out, n, "%s", CAMERA_LIBCAMERA_PLUGIN);
}

static int load_open(const char *arg, const struct camera_env *env, struct camera **out,
		     char why[ERRMSG_MAX])
{
	static const struct camera_ops *plugin; /* loaded once, never unloaded */
	char path[PATH_MAX];
	void *handle;

	*out = NULL;
	if (plugin == NULL) {
		plugin_path(path, sizeof(path));
		if (access(path, R_OK) != 0) {
			err_why(why, "libcamera support not built (no %s; install libcamera-dev and "
				 "rebuild, or use CAMERA_SOURCE=sim)",
				 path);
			return SL_ERR_CAMERA;
		}
		handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (handle)
			plugin = dlsym(handle, "camera_libcamera_plugin_ops");
		if (plugin == NULL) {
			err_why(why, "cannot load %s: %s", path, dlerror());
			return SL_ERR_CAMERA;
		}
	}
	return plugin->open(arg, env, out, why);
}

/* Only open is ever reached here: the cameras it makes carry the plugin's ops. */
static void load_close(struct camera *cam)
{
	(void)cam;
}

static int load_meter(struct camera *cam, int64_t when_ms, struct camera_meter *out,
		      char why[ERRMSG_MAX])
{
	(void)cam;
	(void)when_ms;
	(void)out;
	err_why(why, "libcamera: not open");
	return SL_ERR_CAMERA;
}

static int load_capture(struct camera *cam, const struct camera_controls *ctl, int64_t when_ms,
			struct camera_frame *out, char why[ERRMSG_MAX])
{
	(void)cam;
	(void)ctl;
	(void)when_ms;
	(void)out;
	err_why(why, "libcamera: not open");
	return SL_ERR_CAMERA;
}

static const struct camera_info *load_info(struct camera *cam)
{
	(void)cam;
	return NULL;
}

const struct camera_ops camera_libcamera_ops = {
	"libcamera", load_open, load_close, load_meter, load_capture, load_info,
};
