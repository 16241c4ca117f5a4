/* status.h - the camera status payload (SPEC section 4, schema/camera-status).
 *
 * The state is worked out here from what the agent knows, never named by a
 * caller: "error" while the camera is not ready, "capturing" while a job is
 * open (being shot, queued or written), "idle" otherwise.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_STATUS_H
#define SKYLAPSE_AGENTS_CAPTURE_STATUS_H

#include <jansson.h>
#include <stdbool.h>

#include "capture.h"

/* The state of the agent now: "idle", "capturing" or "error". Static. */
const char *status_state(const struct capture_agent *a);

/* Returns a new reference describing the agent now. */
json_t *status_build(const struct capture_agent *a);

#endif
