/* focus.h - the focus aid as the bridge keeps it: the newest focus state
 * and frame of each camera (R/<camera>/focus/state and /focus/frame,
 * schema/focus-*.json), for GET /cameras/{id}/focus, its JPEG and /events.
 * Pure: no MQTT, no HTTP (the routes are in focus.c, declared in routes.h).
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_FOCUS_H
#define SKYLAPSE_BRIDGE_HTTP_FOCUS_H

#include <jansson.h>
#include <stddef.h>

#include "fsutil.h"

/* Focus frames carry a JPEG crop in base64: larger than other payloads. */
#define FOCUS_FRAME_MAX (4 * 1024 * 1024)

struct focus_view {
	char camera[ID_MAX + 1];
	json_t *state;	     /* the retained focus state, or NULL */
	json_t *frame;	     /* the newest frame without its "jpeg", with "url"; or NULL */
	unsigned char *jpeg; /* that frame's JPEG (owned), or NULL */
	size_t len;
};

struct focus_cache {
	struct focus_view *views;
	int n;
};

/* Takes a message when its topic is R/<camera>/focus/state or /frame
 * (payload borrowed). 0 with *event a new reference for /events' "focus"
 * ({"camera", "state"} or {"camera", "frame"}), or NULL when the message is
 * not one of these or unusable; SL_ERR_NOMEM. */
int focus_cache_apply(struct focus_cache *c, const char *root, const char *topic,
		      const void *payload, size_t len, json_t **event);

/* The camera's view (borrowed) or NULL. */
const struct focus_view *focus_cache_get(const struct focus_cache *c, const char *camera);

/* Frees what c holds; accepts a zeroed cache. */
void focus_cache_free(struct focus_cache *c);

#endif
