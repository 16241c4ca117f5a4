/* sse.h - GET /events: Server-Sent Events to many clients, cheaply.
 *
 * Events are formatted once into a ring of the last SSE_RING entries; each
 * client is a position in that ring (a sequence number and an offset), so
 * a client costs a few dozen bytes beyond its connection whatever the
 * traffic. Clients that fall further behind than the ring skip to its
 * oldest entry. Every event has an id (its sequence number): a browser that
 * reconnects with Last-Event-ID gets what it missed while it is still in
 * the ring. A comment line goes out every SSE_PING_MS so idle connections
 * stay open through proxies and dead ones are noticed.
 *
 * Event names and payloads are listed in docs/BRIDGE.md and
 * schema/openapi.json.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_SSE_H
#define SKYLAPSE_BRIDGE_HTTP_SSE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define SSE_RING 1024
#define SSE_PING_MS 15000

struct sse_hub;
struct request;

/* 0 and *out, or SL_ERR_NOMEM. The loop is borrowed (ping timer). */
int sse_hub_new(struct loop *loop, struct sse_hub **out);
/* Frees the hub; the HTTP server must be stopped first (it ends the
 * streams). Accepts NULL. */
void sse_hub_free(struct sse_hub **h);

/* Sends `event` with `data` (borrowed, serialised now) to every client. */
void sse_publish(struct sse_hub *h, const char *event, const json_t *data);
/* Answers rq with the event stream; 0 or an error (already answered). */
int sse_attach(struct sse_hub *h, struct request *rq);
/* Clients connected now. */
size_t sse_clients(const struct sse_hub *h);

/* Formats one event into out (at most outlen bytes, NUL-terminated):
 * "id: 7\nevent: frame\ndata: {...}\n\n". Returns the length, or
 * SL_ERR_RANGE. Exposed for the unit tests. */
int sse_format(char *out, size_t outlen, uint64_t id, const char *event, const char *data);

#endif
