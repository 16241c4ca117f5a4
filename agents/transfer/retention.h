/* retention.h - server-side retention of frames, off unless configured,
 * and the encode jobs that hold frames back.
 *
 * config.json: "retention": {"server_frames_days": 90} deletes the server's
 * frames of this camera once their capture time (in the name) is older than
 * that, except frames still on the Pi (they would only come back) and
 * frames a pending encode job may need. Jobs are learnt from MQTT: requests
 * on R/encoder/jobs and the retained states on R/encoder/jobs/<id>; a job
 * whose state is queued or running guards its camera, profile and range,
 * and whatever a job leaves unsaid (no camera, no range) is guarded whole.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_RETENTION_H
#define SKYLAPSE_AGENTS_TRANSFER_RETENTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fsutil.h"

struct job_guard {
	char job_id[ID_MAX + 1]; /* "" for a request that named none */
	char camera[ID_MAX + 1]; /* "" = every camera */
	char profile;		 /* 0 = every profile */
	int64_t from_ms, to_ms;	 /* 0 = open end */
	int64_t seen_ms;	 /* when the request came (wall clock) */
	bool confirmed;		 /* a queued/running state was seen */
};

struct retention {
	double days;		/* 0: off */
	struct job_guard *jobs; /* owned */
	size_t njobs, cap;
	int64_t last_run_ms; /* wall clock */
	long long deleted_total;
};

/* Reads the "retention" section (borrowed, may be NULL: off). 0, or
 * SL_ERR_INVAL with why ("retention.server_frames_days: must be ..."). */
int retention_configure(struct retention *r, const json_t *section, char why[ERRMSG_MAX]);
void retention_free(struct retention *r);
bool retention_enabled(const struct retention *r);

/* A job request (job_id NULL: from R/encoder/jobs) or a job state (its id
 * from the topic; an empty payload clears it). Payloads are untrusted;
 * what does not parse guards nothing new. */
void retention_on_job(struct retention *r, const char *job_id, const char *payload, size_t len,
		      int64_t now_ms);
/* True when a pending job may need this frame. */
bool retention_protects(const struct retention *r, const char *camera, char profile,
			int64_t captured_ms, int64_t now_ms);

/* keep(rel) says a frame (relative to the camera folder) must stay. */
typedef bool retention_keep_fn(const char *rel, void *arg);
/* Deletes at most `max` frames (and their sidecars, and day folders left
 * empty) of root/camera older than the setting. 0 or SL_ERR_NOMEM;
 * *deleted counts frames removed. */
int retention_run(struct retention *r, const char *root, const char *camera, int64_t now_ms,
		  retention_keep_fn *keep, void *arg, int max, int *deleted);

#endif
