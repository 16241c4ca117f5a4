/* status.h - the camera status payload (SPEC section 4, schema/camera-status). */
#ifndef SKYLAPSE_STATUS_H
#define SKYLAPSE_STATUS_H

#include <jansson.h>
#include <stdbool.h>

#include "capture.h"

/* Returns a new reference describing the agent now. `state` is "idle",
 * "capturing" or "error"; `camera_error` (may be NULL) says why the camera
 * is not ready; `last` (borrowed, may be NULL) is the latest announcement. */
json_t *status_build(const struct capture_agent *a, const char *state, const char *camera_error,
		     const json_t *last);

#endif
