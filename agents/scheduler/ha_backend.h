/* ha_backend.h - the backend as a Home Assistant device, without a broker.
 *
 * What the daemon publishes and the core decides, as pure functions the unit
 * tests reach: the device discovery payload (sensors read the retained
 * backend status, the technical ones as diagnostic entities; a switch per
 * schedule on its set/state topics; the "Timelapse of today" button), the table of encode jobs still queued or
 * running (the encoder queue sensor), and which profile a request that
 * names none is given.
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_HA_BACKEND_H
#define SKYLAPSE_AGENTS_SCHEDULER_HA_BACKEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#include "ha.h"

#define HA_DEVICE_ID_MAX HA_ID_MAX

/* The backend device's id: skylapse_backend_<name>, '-' made '_'. */
void ha_backend_device_id(const char *backend_name, char out[HA_DEVICE_ID_MAX]);

/* The discovery payload of backend cfg->backend_name (a new reference):
 * availability on R/backend/<name>/availability; `config_url` (the
 * dashboard, BACKEND_URL) may be NULL. `removed` (borrowed, may be NULL)
 * is an array of names of schedules a reload dropped: their switches are
 * sent with only their platform, which is how Home Assistant is told to
 * remove one entity of a device. */
json_t *ha_backend_discovery(const struct config *cfg, const char *config_url,
			     const json_t *removed);

/* Encode jobs whose retained state says queued or running. */
struct ha_jobs {
	char (*ids)[ID_MAX + 1]; /* owned */
	int n, cap;
};

/* Takes the retained state of job `job_id` (its topic level): queued or
 * running adds it, any other state or an empty payload (a cleared state)
 * removes it; a payload that is not a job state changes nothing. Returns
 * true when the table changed. Out of memory drops the job (counted
 * short) rather than fail. */
bool ha_jobs_update(struct ha_jobs *q, const char *job_id, const void *payload, size_t len);

/* Frees what q owns and empties it; accepts an empty table. */
void ha_jobs_free(struct ha_jobs *q);

/* The profile of a capture request for `camera` that names none: its
 * selection (`selected`, '\0' for none) when the configuration still has
 * it, else the first enabled profile; '\0' when there is neither. */
char ha_capture_profile(const struct config *c, char selected);

/* The profile of "Timelapse of today": the first profile of the first
 * schedule that runs (`runs[i]` for schedule i), else the first enabled
 * profile; '\0' when there is neither. */
char ha_today_profile(const struct config *c, const bool *runs);

#endif
