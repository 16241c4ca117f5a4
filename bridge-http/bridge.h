/* bridge.h - the state of one skylapse-bridge process, shared by its routes.
 *
 * One struct bridge lives in main(); route handlers, MQTT callbacks and
 * timers all receive it and run on the main thread, so nothing here needs a
 * lock. Handlers are declared with their route table in routes.h.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_BRIDGE_H
#define SKYLAPSE_BRIDGE_HTTP_BRIDGE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth_cors.h"
#include "config.h"
#include "focus.h"
#include "settings.h"
#include "fsutil.h"
#include "loop.h"
#include "mqtt.h"
#include "state.h"

struct http_server;
struct http_cached;
struct sse_hub;
struct capture_hub;
struct cli;
struct sky_cache;

struct bridge {
	struct config cfg;
	struct bridge_settings own;
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct http_server *http;
	struct sse_hub *sse;
	struct capture_hub *capture;
	struct bridge_state state;
	struct focus_cache focus; /* the focus aid's newest state and frame per camera */
	const struct cli *cli; /* the flags, for reloads on SIGHUP */

	bool pi_compat;
	char camera[ID_MAX + 1]; /* pi-compat: the camera this bridge fronts */
	char images_dir[PATH_MAX];
	char timelapses_dir[PATH_MAX];
	char dashboard_dir[PATH_MAX]; /* "" when there is none: a minimal page */
	char *openapi;		      /* schema/openapi.json, loaded at start */
	size_t openapi_len;
	int64_t started_ms;
	char client_id[128]; /* its MQTT client id, unique per process and host */
	bool was_synced; /* the retained state was in once */
	char config_error[ERRMSG_MAX]; /* the last reload's, "" when it loaded */

	/* GET /status answered from memory: rebuilt when the state changes or
	 * the second turns (its current_time). */
	struct http_cached *status_cache;
	uint64_t status_cache_version;
	int64_t status_cache_second;
	struct sky_cache *sky; /* sun and windows of today, for /status */
};

/* Reads the configuration again from where it was read (SIGHUP, PUT
 * /config) and applies what applies live (settings.h); with errors keeps
 * the old one and returns SL_ERR_INVAL. `cause` starts its log lines. */
int bridge_reload(struct bridge *b, const char *cause);
/* Whether the broker session is up (for /health and 503s). */
bool bridge_broker_up(const struct bridge *b);
/* Whether routes may answer from the retained state: it is in, or the
 * broker is away (then they answer as they can, 503s included). */
bool bridge_state_ready(const struct bridge *b);

#endif
