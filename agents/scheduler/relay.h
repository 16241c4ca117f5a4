/* relay.h - capture requests for a camera, sent through this backend.
 *
 * A client publishes on R/backend/<name>/capture/request with a `camera`
 * field; the backend forwards the request to R/<camera>/capture/request as
 * the primary backend (its own backend_name, its own request id, so answers
 * of different askers never mix) and passes the camera's answer back on
 * R/backend/<name>/capture/response, and to the asker's MQTT 5 Response
 * Topic with its Correlation Data, with the asker's request_id (core.c).
 * No answer within pi.timeout_seconds is answered with an error. A request
 * naming no profile (Home Assistant's "Capture now") gets the camera's
 * selected one; `source` (who pressed, for the log) is not passed on.
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_RELAY_H
#define SKYLAPSE_AGENTS_SCHEDULER_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* A request as the daemon received it; every pointer borrowed. */
struct relay_ask {
	const void *payload;
	size_t len;
	const char *response_topic; /* MQTT 5 Response Topic, or NULL */
	const unsigned char *correlation;
	size_t correlation_len;
	bool expires;         /* it has an MQTT 5 message expiry ... */
	int64_t expires_in_ms; /* ... this far away (< 0: expired) */
};

/* Validates the request and adds to out the message to the camera (a
 * pending entry of c waits for its answer), or the error answer. */
void relay_request(struct sched_core *c, const struct relay_ask *a, int64_t now,
		   struct sched_out *out);

#endif
