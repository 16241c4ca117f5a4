/* camera.h - one interface for every camera source of skylapse-capture.
 *
 * Sources live side by side behind it: camera_libcamera.cpp (the Pi camera,
 * a thin C++ shim), camera_sim.c (a rendered sky that follows the sun and
 * reacts to exposure and gain like a sensor), camera_dir.c (replays the JPEGs
 * of a folder). camera_open() picks one from CAMERA_SOURCE: "libcamera",
 * "sim" or "dir:PATH".
 *
 * A shot is metered first (camera_meter: the light level and what the
 * camera's auto exposure would choose), then taken with explicit controls
 * (camera_capture). Brackets are built on that by the caller: manual
 * exposure = metered exposure x 2^ev, because EV compensation has no effect
 * once exposure is manual.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_CAMERA_H
#define SKYLAPSE_AGENTS_CAPTURE_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "profile.h"

struct camera;

struct camera_env {
	double latitude, longitude; /* for the sim's sky */
	int width, height;          /* sim output size; 0: 4056x3040 */
};

struct camera_info {
	char model[64];   /* "imx477", "sim", "dir" */
	char source[300]; /* "libcamera", "sim", "dir:/path" */
	int width, height; /* full-size still */
};

struct camera_meter {
	double lux;           /* estimated scene illuminance */
	int exposure_us;      /* auto exposure's choice for EV 0 */
	double analogue_gain; /* auto exposure's choice for EV 0 */
	int colour_temp_k;    /* auto white balance's estimate */
};

/* One JPEG frame and what the camera did to take it. */
struct camera_frame {
	unsigned char *jpeg; /* owned; released by camera_frame_clear() */
	size_t jpeg_size;
	int width, height;
	int exposure_us;
	double analogue_gain;
	double lux;
	int colour_temp_k;
	char awb_mode[16];
	/* The frame's YUV 4:2:0 planes before compression, when the source has
	 * them (sim, libcamera): borrowed, valid until the camera's next call.
	 * Previews and mean luma come from them instead of a decode. */
	const unsigned char *yuv420[3];
	int yuv420_strides[3];
};

struct camera_ops {
	const char *name;
	int (*open)(const char *arg, const struct camera_env *env, struct camera **out,
		    char why[ERRMSG_MAX]);
	void (*close)(struct camera *cam);
	int (*meter)(struct camera *cam, int64_t when_ms, struct camera_meter *out,
		     char why[ERRMSG_MAX]);
	int (*capture)(struct camera *cam, const struct camera_controls *ctl, int64_t when_ms,
		       struct camera_frame *out, char why[ERRMSG_MAX]);
	const struct camera_info *(*info)(struct camera *cam);
};

/* The plugin's file name, looked up in $SKYLAPSE_PLUGIN_DIR, else in
 * ../lib/skylapse/ beside the running binary. */
#define CAMERA_LIBCAMERA_PLUGIN "camera-libcamera.so"

/* Every source starts its struct camera with this header. */
struct camera {
	const struct camera_ops *ops;
};

extern const struct camera_ops camera_sim_ops;
extern const struct camera_ops camera_dir_ops;
/* Loads the libcamera plugin (camera-libcamera.so, built when libcamera-dev
 * is present) on first open, so the agent carries libcamera and the C++
 * runtime only when it uses them. Fails cleanly when the plugin is absent. */
extern const struct camera_ops camera_libcamera_ops;

/* Opens the source named by `spec` ("sim", "dir:PATH", "libcamera").
 * On success *out is a new camera, released with camera_close(). */
int camera_open(const char *spec, const struct camera_env *env, struct camera **out,
		char why[ERRMSG_MAX]);
/* Closes and frees *cam, setting it to NULL; accepts NULL. */
void camera_close(struct camera **cam);
int camera_meter(struct camera *cam, int64_t when_ms, struct camera_meter *out,
		 char why[ERRMSG_MAX]);
/* Fills `out` with a new frame (its jpeg owned by the caller). `when_ms` is
 * the capture time (the sim renders the sky of that instant). */
int camera_capture(struct camera *cam, const struct camera_controls *ctl, int64_t when_ms,
		   struct camera_frame *out, char why[ERRMSG_MAX]);
const struct camera_info *camera_info(struct camera *cam);
/* Frees the frame's JPEG and zeroes it; accepts an empty frame. */
void camera_frame_clear(struct camera_frame *f);

#endif
