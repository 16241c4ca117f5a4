/* request.h - a capture request message, from MQTT to a capture job.
 *
 * The checks run in order and the first failure decides: the payload is a
 * JSON object within PAYLOAD_MAX, the request has not expired (MQTT 5
 * Message Expiry), its fields have their types, its backend is the camera's
 * PRIMARY_BACKEND, the camera is ready. A refused request still becomes a
 * job, with its code and sentence and nothing shot, so that every request
 * is answered and counted the same way (capture_result, capture_account).
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_REQUEST_H
#define SKYLAPSE_AGENTS_CAPTURE_REQUEST_H

#include <jansson.h>

#include "capture.h"
#include "mqtt.h"

/* Reads a request object (borrowed). 0, or SL_ERR_INVAL with why naming the
 * field. Strings stay borrowed from obj. */
int request_parse(const json_t *obj, struct capture_request *req, char why[ERRMSG_MAX]);

/* 0 when `backend_name` may trigger captures; SL_ERR_DENIED with the
 * message "Backend not authorized: only '<primary>' can trigger captures"
 * otherwise. An empty `primary` authorizes everyone. */
int request_authorize(const char *primary, const char *backend_name, char why[ERRMSG_MAX]);

/* The job for message `m` (borrowed), answering where m asks (its MQTT 5
 * reply address, copied into job->reply_to; out of memory there refuses
 * it): job->rc is 0 when it is to be shot, an error code with job->why
 * when refused. Returns a new job, or NULL when there is nothing to answer
 * (a retained message) or no memory. */
struct capture_job *request_take(struct capture_agent *a, const struct mqtt_message *m);

#endif
