/* ha_camera.h - the camera as a Home Assistant device (MQTT discovery).
 *
 * Entities read the camera's own retained topics (status, preview,
 * availability); the "Capture now" button and the profile select go to the
 * primary backend's command topics, never to the camera: Home Assistant asks
 * the backend, which asks the Pi as the primary backend.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_HA_CAMERA_H
#define SKYLAPSE_AGENTS_CAPTURE_HA_CAMERA_H

#include <jansson.h>

#include "config.h"

/* The discovery payload of camera cfg->camera_id (new reference); `config_url`
 * (the dashboard) may be NULL. Writes the device id into dev_id. */
json_t *ha_camera_discovery(const struct config *cfg, const char *config_url, char dev_id[80]);

#endif
