/* ha_encoder.h - an encoder worker as a Home Assistant device.
 *
 * Each worker is a device of its own, skylapse_encoder_<worker>, announced
 * on <prefix>/device/skylapse_encoder/<worker>/config (one ACL line covers
 * every worker) and available while R/encoder/<worker>/availability says
 * online. Its sensors read the worker's retained R/encoder/<worker>/status
 * (schema/encoder-status.json): jobs running and queued, the last video,
 * the last error and its kind, counters and version; its image is the
 * newest video's thumbnail of any worker (R/encoder/thumbnail).
 *
 * Pure: the status is built from what the worker published (ha_encoder_note
 * reads each job state it sends) and its job list's counts; worker.c
 * publishes.
 */
#ifndef SKYLAPSE_ENCODER_HA_ENCODER_H
#define SKYLAPSE_ENCODER_HA_ENCODER_H

#include <jansson.h>
#include <stdbool.h>

#include "config.h"
#include "err.h"
#include "ha.h"
#include "timeutil.h"

#define HA_ENCODER_NODE "skylapse_encoder"

/* What a worker's status says; zero it to start. */
struct ha_encoder {
	int running, queued;		 /* the job list's counts when last built */
	long long done_total, failed_total; /* since the worker started */
	char last_job[ID_MAX + 1];	 /* the last job done, "" none */
	char last_video_at[TIME_ISO_MAX];  /* its finished_at, "" none */
	char last_error[ERRMSG_MAX];	 /* the last failed job's error, "" none */
	char error_kind[32];
	char last_error_at[TIME_ISO_MAX];
	bool changed; /* something to publish */
};

/* Takes a job state this worker publishes (text borrowed, compact JSON):
 * done and failed are counted and remembered; other states change
 * nothing. A text that is not a job state is ignored. */
void ha_encoder_note(struct ha_encoder *h, const char *state_text);

/* Records the job list's counts; marks a change when they differ. */
void ha_encoder_counts(struct ha_encoder *h, int running, int queued);

/* The status payload of `worker` (a new reference). */
json_t *ha_encoder_status(const struct ha_encoder *h, const char *worker);

/* The discovery payload of `worker` (a new reference); `config_url` (the
 * dashboard) may be NULL. Writes the device id into dev_id. NULL when a
 * topic is too long. */
json_t *ha_encoder_discovery(const struct config *cfg, const char *worker, const char *config_url,
			     char dev_id[HA_ID_MAX]);

/* The worker's discovery topic under cfg's prefix. */
int ha_encoder_config_topic(char out[TOPIC_MAX], const struct config *cfg, const char *worker);

#endif
