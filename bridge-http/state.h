/* state.h - what the broker says, kept: the bridge's only source of truth
 * about cameras, backends, encode jobs and the transfer.
 *
 * state_apply() takes every message under R/# and updates JSON tables:
 *   cameras   id -> {"camera", "availability", "status", "plan", "edge",
 *                    "last_frame", "last_frames": {profile: announcement}}
 *             ("edge": the Pi's edge broker link, "1" or "0"; a "0" makes
 *             the camera's availability "offline" until the agent's own
 *             comes again through the restored link)
 *   backends  name -> {"backend", "availability", "status",
 *                      "schedules": {schedule: "ON"|"OFF"}}
 *   jobs      job_id -> job state (SPEC 4); entries the bridge created for
 *                       jobs it sent carry "source": "bridge" until the
 *                       encoder's own state replaces them
 *   workers   worker -> {"worker", "availability", "status"}
 *   transfer  the transfer status, or null; transfer_availability beside it
 * and previews (the JPEG bytes of R/<camera>/preview) beside them. An empty
 * retained payload removes what it held. It reports what changed so the
 * caller can tell /events and pending captures. Pure: no MQTT, no I/O.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_STATE_H
#define SKYLAPSE_BRIDGE_HTTP_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsutil.h"

enum state_kind {
	STATE_NONE,
	STATE_CAMERA,	 /* availability or status of camera `id` */
	STATE_PLAN,
	STATE_FRAME,	 /* data: the announcement, paths made server-relative */
	STATE_PREVIEW,
	STATE_CAPTURE_RESPONSE, /* data: the capture result as sent */
	STATE_BACKEND,	 /* availability, status or a schedule state of `id` */
	STATE_JOB,	 /* data: the job state (null when cleared) */
	STATE_WORKER,	 /* availability or status of encoder worker `id` */
	STATE_TRANSFER,	 /* data: the transfer status (or {}) with "availability" */
};

struct state_change {
	enum state_kind kind;
	char id[ID_MAX + 1]; /* camera, backend, job or worker id */
	json_t *data;	     /* new reference or NULL; state_change_clear() */
};

struct preview {
	char camera[ID_MAX + 1];
	unsigned char *jpeg;
	size_t len;
};

struct bridge_state {
	json_t *cameras, *backends, *jobs, *workers, *transfer;
	json_t *transfer_availability; /* "online"|"offline" or null */
	struct preview *previews;
	int npreviews;
	uint64_t version; /* bumped on every change of cameras or backends */
};

/* 0 or SL_ERR_NOMEM. */
int state_init(struct bridge_state *st);
void state_free(struct bridge_state *st);
/* Forgets everything the broker retained (kept: jobs the bridge created);
 * called on reconnect, when the broker sends the retained state afresh. */
void state_clear_retained(struct bridge_state *st);

/* Applies one message of topic root `root`. Returns 0 with *out describing
 * the change (kind STATE_NONE when the topic is not ours or the payload is
 * unusable); SL_ERR_NOMEM. */
int state_apply(struct bridge_state *st, const char *root, const char *topic,
		const void *payload, size_t len, struct state_change *out);
void state_change_clear(struct state_change *c);

/* True when camera `id` has announced availability or status. */
bool state_camera_known(const struct bridge_state *st, const char *id);
/* The camera's entry (borrowed) or NULL. */
json_t *state_camera(const struct bridge_state *st, const char *id);
/* The preview of a camera (borrowed) or NULL. */
const struct preview *state_preview(const struct bridge_state *st, const char *id);
/* Records a job the bridge has just sent, state "queued" (the encoder's own
 * state replaces it). Steals `job`. */
int state_job_local(struct bridge_state *st, const char *job_id, json_t *job);

/* "helios" + "profile-a/x.jpg" -> "helios/profile-a/x.jpg": a frame path
 * relative to a capture agent's root, made relative to the server's root.
 * 0 or SL_ERR_RANGE. */
int frame_server_path(const char *camera, const char *agent_path, char *out, size_t outlen);
/* Rewrites an announcement in place for the REST API: "path" relative to
 * the server root, "camera_path" the agent's, "url" the GET /images URL. */
void frame_to_server(json_t *ann, const char *camera);

#endif
