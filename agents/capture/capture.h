/* capture.h - what skylapse-capture does with one capture request, apart
 * from MQTT: check it, authorize it, meter, shoot (one frame, or one per
 * bracket exposure), write each frame and its sidecar, and describe the
 * frames as announcements (SPEC section 4, schema/frame-announcement).
 */
#ifndef SKYLAPSE_CAPTURE_H
#define SKYLAPSE_CAPTURE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "camera.h"
#include "config.h"
#include "preview.h"

#define REQUEST_ID_MAX 128
#define PREVIEW_WIDTH 640

struct capture_agent {
	const struct config *cfg; /* borrowed */
	struct camera *cam;       /* borrowed */
	char images_root[PATH_MAX];
	/* what status reports */
	long captures_total, errors_total;
	char last_error[ERRMSG_MAX];
	char last_path[PATH_MAX];
	int64_t last_capture_ms;
	int64_t started_ms;
	bool disk_low;
};

struct capture_request {
	const char *profile;      /* borrowed from the payload; NULL: default */
	const char *backend_name; /* NULL when missing */
	const char *request_id;
	const char *schedule;
	const json_t *overrides;
};

/* Reads a request object (borrowed). 0, or SL_ERR_INVAL with why naming the
 * field. Strings stay borrowed from obj. */
int capture_request_parse(const json_t *obj, struct capture_request *req, char why[ERRMSG_MAX]);

/* 0 when `backend_name` may trigger captures; SL_ERR_DENIED with the
 * message "Backend not authorized: only '<primary>' can trigger captures"
 * otherwise. An empty `primary` authorizes everyone. */
int capture_authorize(const char *primary, const char *backend_name, char why[ERRMSG_MAX]);

/* Free-space guard: SL_ERR_NOSPACE (why filled) when the images root's file
 * system has less than cfg->min_free_pct free. Updates a->disk_low. */
int capture_check_disk(struct capture_agent *a, char why[ERRMSG_MAX]);

/* Executes an authorized request at `now_ms`. On success *frames is a new
 * array of announcements (in shot order) and *preview the preview of the
 * reference frame (the EV 0 shot of a bracket); the caller owns both. On
 * failure returns a negative code with why filled; frames already written
 * are kept and returned. */
int capture_execute(struct capture_agent *a, const struct capture_request *req, int64_t now_ms,
		    json_t **frames, struct preview *preview, char why[ERRMSG_MAX]);

/* The result payload: {"request_id", "status", "error"?, "frames"}.
 * Steals `frames` (may be NULL); returns a new reference. */
json_t *capture_result(const char *request_id, const char *error, json_t *frames);

#endif
