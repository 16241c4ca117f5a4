/* ha_camera.h - the camera as a Home Assistant device (MQTT discovery):
 * its payload, its publication and its removal (--ha-remove).
 *
 * Entities read the camera's own retained topics (status, preview) and
 * follow the camera's availability alone: it keeps capturing on its plan
 * while the backend is down. The "Capture now" button and the profile
 * select go to the primary backend's command topics, never to the camera
 * (Home Assistant asks the backend, which asks the Pi as the primary
 * backend), so they need both the camera and the backend online.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_HA_CAMERA_H
#define SKYLAPSE_AGENTS_CAPTURE_HA_CAMERA_H

#include <jansson.h>

#include "config.h"
#include "ha.h"
#include "mqtt.h"

/* The discovery payload of camera cfg->camera_id (new reference); `config_url`
 * (the dashboard) may be NULL. Writes the device id into dev_id. */
json_t *ha_camera_discovery(const struct config *cfg, const char *primary, const char *config_url,
			    char dev_id[HA_ID_MAX]);

/* Publishes the discovery as retained state on `s` (mqtt_set_state: again
 * on every reconnect), with the dashboard of BACKEND_URL when it is set;
 * nothing with HA_DISCOVERY=false. */
void ha_camera_publish(struct mqtt_session *s, const struct config *cfg, const char *primary);

/* --ha-remove: clears the camera's discovery (ha_remove_device, 10 s to
 * reach the broker); the exit status. */
int ha_camera_remove(const struct config *cfg);

#endif
