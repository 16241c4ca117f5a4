/* routes.h - every route the bridge answers, and their handlers.
 *
 * routes.c holds the two tables (the REST API of SPEC 5, and the Pi
 * compatibility mode); handlers live in routes_status.c, routes_images.c,
 * routes_timelapses.c, routes_config.c, capture.c, focus.c, files.c and sse.c. Query parameters are
 * read with the helpers below, which answer 400 themselves on bad input.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_ROUTES_H
#define SKYLAPSE_BRIDGE_HTTP_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "bridge.h"
#include "http.h"
#include "router.h"

extern const struct route bridge_routes[];
extern const size_t bridge_nroutes;
extern const struct route pi_routes[];
extern const size_t pi_nroutes;

/* routes_status.c */
int route_health(struct bridge *b, struct request *rq);
int route_status(struct bridge *b, struct request *rq);
int route_schedules(struct bridge *b, struct request *rq);
int route_sun(struct bridge *b, struct request *rq);
int route_cameras(struct bridge *b, struct request *rq);
int route_camera(struct bridge *b, struct request *rq);
int route_system(struct bridge *b, struct request *rq);
int route_pi_status(struct bridge *b, struct request *rq);
int route_pi_health(struct bridge *b, struct request *rq);

/* routes_images.c */
int route_images(struct bridge *b, struct request *rq);
int route_image(struct bridge *b, struct request *rq);
int route_camera_latest(struct bridge *b, struct request *rq);
int route_camera_preview(struct bridge *b, struct request *rq);

/* routes_timelapses.c */
int route_timelapse_create(struct bridge *b, struct request *rq);
int route_timelapses(struct bridge *b, struct request *rq);
int route_timelapse(struct bridge *b, struct request *rq);
int route_timelapse_video(struct bridge *b, struct request *rq);
int route_timelapse_thumbnail(struct bridge *b, struct request *rq);
int route_timelapse_cancel(struct bridge *b, struct request *rq);

/* routes_config.c */
int route_config(struct bridge *b, struct request *rq);
/* Reloads on R/backend/<name>/config/changed sent by another bridge of this
 * backend (this one reloaded when it saved); ignores every other message. */
void config_on_notice(struct bridge *b, const struct mqtt_message *m);

/* capture.c */
int route_capture(struct bridge *b, struct request *rq);

/* focus.c */
int route_focus(struct bridge *b, struct request *rq);
int route_focus_jpeg(struct bridge *b, struct request *rq);

/* files.c */
int route_index(struct bridge *b, struct request *rq);
int route_static(struct bridge *b, struct request *rq);
int route_openapi(struct bridge *b, struct request *rq);

/* sse.c is wrapped here */
int route_events(struct bridge *b, struct request *rq);

/* --- query helpers: on bad input they answer 400 and return SL_ERR_INVAL --- */
/* Copies parameter `key` into out; SL_ERR_NOTFOUND when absent. */
int query_str(struct request *rq, const char *key, char *out, size_t outlen);
/* An integer in lo..hi; *out keeps its default when absent. */
int query_int(struct request *rq, const char *key, long lo, long hi, long *out);
/* A profile letter (case-insensitive, stored lower case); 0 when absent. */
int query_profile(struct request *rq, char *out);
/* A valid id (camera); "" when absent. */
int query_id(struct request *rq, const char *key, char out[ID_MAX + 1]);

/* The body as a JSON object; NULL after answering 400. New reference. */
json_t *body_json(struct request *rq);

#endif
