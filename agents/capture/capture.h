/* capture.h - what skylapse-capture does with one capture job, apart from
 * MQTT (request.h turns a request message into a job), in two phases:
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
#ifndef SKYLAPSE_AGENTS_CAPTURE_CAPTURE_H
#define SKYLAPSE_AGENTS_CAPTURE_CAPTURE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "camera.h"
#include "exif.h"
#include "config.h"
#include "exposure_run.h"
#include "preview.h"
#include "settings.h"

struct mqtt_reply_to;

#define REQUEST_ID_MAX 128
#define PREVIEW_WIDTH 640

struct capture_agent {
	const struct config *cfg; /* borrowed */
	const struct capture_settings *set; /* borrowed, the agent's own */
	struct camera *cam;       /* borrowed; NULL while the camera is not ready */
	char camera_error[ERRMSG_MAX]; /* why cam is NULL */
	char images_root[PATH_MAX];
	/* "exposure": "agent" profiles' controllers (borrowed; NULL: none), kept in expo_path */
	struct exposure_run *expo;
	char expo_path[PATH_MAX];
	/* what status reports (main thread only) */
	int jobs_open;            /* made and not yet accounted: shot, queued or written */
	json_t *last_frame;       /* the latest announcement (owned), or NULL */
	long captures_total, errors_total;
	char last_error[ERRMSG_MAX];
	char config_error[ERRMSG_MAX]; /* the last reload's, "" when it loaded */
	int64_t last_error_ms; /* when last_error happened (time_now_ms), 0 never */
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
	int64_t slot_ms;          /* the planned slot it is for (its "slot"); 0: none */
};

struct shot {
	struct camera_frame f; /* owns the JPEG; its planes are gone after the shoot */
	struct camera_controls ctl;
	int64_t at_ms;
	int bracket;           /* -1: single shot */
	double bracket_ev;
	double mean_luma;      /* < 0: not known yet (measured by the store) */
	bool agent_exposure;   /* exposure, gain and colour temperature were the agent's */
};

struct capture_job {
	/* the request, copied (NULL pointers where absent) */
	char *request_id, *backend_name, *schedule;
	char *profile_asked;      /* NULL: the first enabled profile */
	json_t *overrides;        /* owned, or NULL */
	int64_t slot_ms;          /* the planned slot it takes (slotbook.h); 0: none */
	struct mqtt_reply_to *reply_to; /* MQTT 5 (owned), or NULL */
	/* context, copied: the store runs on another thread */
	char camera_id[ID_MAX + 1];
	char images_root[PATH_MAX];
	char camera_model[64];
	struct exif_info exif;    /* what every frame's EXIF shares (its strings point into the job) */
	char profile;
	int bracket_count;
	/* what the shoot produced */
	struct shot shots[BRACKET_MAX];
	int nshots;
	int reference;            /* index of the shot the preview shows */
	struct jpeg_preview preview;   /* of the reference shot (maybe filled by the store) */
	/* the outcome: 0 or an error code (lib/err.h) with why; frames written so far */
	bool offline;             /* taken per the plan, no request to answer */
	bool replay;              /* a late request for a slot taken already: nothing is
				   * shot, the answer carries that slot's frames */
	int rc;
	char why[ERRMSG_MAX];
	json_t *frames;
	struct capture_job *next; /* for queues */
};

/* Free-space guard: SL_ERR_NOSPACE (why filled) when the images root's file
 * system has less than set->min_free_pct free. Updates a->disk_low. */
int capture_check_disk(struct capture_agent *a, char why[ERRMSG_MAX]);

/* A new job for `req` (strings copied, overrides a new reference), counted
 * open in a until capture_account(); NULL when out of memory. */
struct capture_job *capture_job_new(struct capture_agent *a, const struct capture_request *req);
/* Frees *job and what it owns, setting it to NULL; accepts NULL. */
void capture_job_free(struct capture_job **job);

/* Phase 1, main thread: takes the job's exposures at now_ms. On failure
 * sets job->rc and job->why and returns job->rc. A profile with "exposure":
 * "agent" is shot with a->expo's settings (exposure_run.h), which then
 * takes the reference frame and is saved to a->expo_path; a request whose
 * overrides set the exposure (ae, exposure_us, analogue_gain, ev) decides
 * that shot's exposure itself. */
int capture_shoot(struct capture_agent *a, struct capture_job *job, int64_t now_ms);
/* Phase 2, any thread: writes the frames and fills job->frames with their
 * announcements. Touches nothing but the job. Returns job->rc. */
int capture_store(struct capture_job *job);
/* Main thread, once the job is over (stored, or refused before the shoot):
 * counts it in a's statistics and closes it (a replay only closes). */
void capture_account(struct capture_agent *a, const struct capture_job *job);

/* Monotonic microseconds, for the timings the debug log reports (the
 * capture benchmark reads them to tell the camera's cost from the agent's). */
int64_t capture_now_us(void);

/* The job's result payload: {"request_id", "status", "error"?, "error_kind"?,
 * "frames"} (schema/capture-result.json). Returns a new reference. */
json_t *capture_result(const struct capture_job *job);

#endif
