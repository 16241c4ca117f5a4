/* capture.h - what skylapse-capture does with one capture request, apart
 * from MQTT: check it, authorize it, then two phases:
 *
 *   shoot  (main thread)   meter, take each exposure (one, or one per bracket),
 *                          preview and mean luma from the frame's planes;
 *   store  (writer thread) sha256, write each frame and its sidecar
 *                          atomically, describe it as an announcement.
 *
 * A capture_job carries one request through both, owning copies of what it
 * needs, so the next request can be shot while the last one is written.
 * Nothing here publishes; announcements go out only once stored.
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
	/* what status reports (main thread only) */
	long captures_total, errors_total;
	char last_error[ERRMSG_MAX];
	char last_path[PATH_MAX];
	int64_t last_capture_ms;
	int64_t started_ms;
	bool disk_low;
	bool in_window;           /* inside a window of the kept plan */
	long frames_today;        /* frames written since local midnight */
	int64_t today_start_ms;
};

struct capture_request {
	const char *profile;      /* borrowed from the payload; NULL: default */
	const char *backend_name; /* NULL when missing */
	const char *request_id;
	const char *schedule;
	const json_t *overrides;
};

struct shot {
	struct camera_frame f; /* owns the JPEG; its planes are gone after the shoot */
	struct camera_controls ctl;
	int64_t at_ms;
	int bracket;           /* -1: single shot */
	double bracket_ev;
	double mean_luma;      /* < 0: not known yet (measured by the store) */
};

struct capture_job {
	/* the request, copied (NULL pointers where absent) */
	char *request_id, *backend_name, *schedule;
	char *response_topic;     /* MQTT 5, or NULL */
	unsigned char *correlation;
	size_t correlation_len;
	/* context, copied: the store runs on another thread */
	char camera_id[ID_MAX + 1];
	char images_root[PATH_MAX];
	char profile;
	int bracket_count;
	/* what the shoot produced */
	struct shot shots[BRACKET_MAX];
	int nshots;
	int reference;            /* index of the shot the preview shows */
	struct jpeg_preview preview;   /* of the reference shot (maybe filled by the store) */
	/* the outcome: 0 or an error code with why; frames written so far */
	bool offline;             /* taken per the plan, no request to answer */
	int rc;
	char why[ERRMSG_MAX];
	json_t *frames;
	struct capture_job *next; /* for queues */
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

/* A new job for `req` (strings copied), or NULL when out of memory. */
struct capture_job *capture_job_new(const struct capture_agent *a,
				    const struct capture_request *req);
/* Frees *job and what it owns, setting it to NULL; accepts NULL. */
void capture_job_free(struct capture_job **job);

/* Phase 1, main thread: takes the job's exposures at now_ms. On failure
 * sets job->rc and job->why and returns job->rc. */
int capture_shoot(struct capture_agent *a, struct capture_job *job, const char *profile,
		  const json_t *overrides, int64_t now_ms);
/* Phase 2, any thread: writes the frames and fills job->frames with their
 * announcements. Touches nothing but the job. Returns job->rc. */
int capture_store(struct capture_job *job);
/* Main thread, after the store: counts the job in a's statistics. */
void capture_account(struct capture_agent *a, const struct capture_job *job);

/* Both phases in a row (tests, and callers that need no overlap). */
int capture_execute(struct capture_agent *a, const struct capture_request *req, int64_t now_ms,
		    json_t **frames, struct jpeg_preview *preview, char why[ERRMSG_MAX]);

/* The result payload: {"request_id", "status", "error"?, "error_kind"?,
 * "frames"}; an error when `code` is not 0 (`error` its sentence).
 * Steals `frames` (may be NULL); returns a new reference. */
json_t *capture_result(const char *request_id, int code, const char *error, json_t *frames);

#endif
