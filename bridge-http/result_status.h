/* result_status.h - the HTTP status the bridge answers for a result another
 * program sent (a capture result), decided on its `error_kind` word, never
 * on its `error` sentence. Pure: no I/O, unit-tested as a table.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_RESULT_STATUS_H
#define SKYLAPSE_BRIDGE_HTTP_RESULT_STATUS_H

#include <jansson.h>

/* `result` borrowed: {"status": "ok"|"error", "error_kind"?, ...}. Returns
 * 200 for "ok"; for an error, by error_kind: 403 denied, 400 invalid or
 * not_found (the camera refused the request: an unknown profile is bad
 * input), 413 too_big, 503 busy, 504 timeout (the request expired unrun),
 * 502 for the rest and for a result without a kind (the camera failed). */
unsigned result_http_status(const json_t *result);

#endif
