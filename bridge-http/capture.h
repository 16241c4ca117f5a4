/* capture.h - POST /capture: a request published on MQTT, the HTTP answer
 * held until the camera's result comes back.
 *
 * The handler publishes {"profile", "backend_name", "request_id", ...} on
 * R/<camera>/capture/request (with an MQTT 5 Message Expiry, so a camera
 * that was away never runs a stale request) and suspends the HTTP request.
 * The result arrives on R/<camera>/capture/response with the same
 * request_id and resumes it with the status its error_kind calls for
 * (result_status.h): 200 with the frames, 403 with the Pi's authorization
 * text, 400 for a request the camera rejected, 502 for a camera failure;
 * 504 when nothing came within pi.timeout_seconds.
 *
 * In the REST API the bridge sends its own BACKEND_NAME; in Pi
 * compatibility mode the body is forwarded as it came (its backend_name
 * included), as the earlier Pi service received it.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_CAPTURE_H
#define SKYLAPSE_BRIDGE_HTTP_CAPTURE_H

#include <jansson.h>

#include "loop.h"

struct capture_hub;
struct bridge;

int capture_hub_new(struct bridge *b, struct capture_hub **out);
/* Frees the hub; pending requests must have ended (http_stop answers them
 * first). Accepts NULL. */
void capture_hub_free(struct capture_hub **h);

/* A result from R/<camera>/capture/response (borrowed). */
void capture_on_response(struct capture_hub *h, const char *camera, const json_t *result);

#endif
