/* ha_transfer.h - the transfer as a Home Assistant device.
 *
 * One device, skylapse_transfer, on <prefix>/device/skylapse_transfer/config,
 * available while R/transfer/availability says online; with one transfer
 * per Pi (TRANSFER_PER_CAMERA) one device per camera instead,
 * skylapse_transfer_<camera> on <prefix>/device/skylapse_transfer/<that id>/config,
 * on R/transfer/<camera>/availability and /status. Its sensors read
 * the retained R/transfer/status (schema/transfer-status.json): the last
 * sync, the backlog and the state, and as diagnostic entities the error
 * kind, the last error, the files copied and the version.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_HA_TRANSFER_H
#define SKYLAPSE_AGENTS_TRANSFER_HA_TRANSFER_H

#include <jansson.h>

#include "config.h"
#include "ha.h"
#include "mqtt.h"

#define HA_TRANSFER_ID "skylapse_transfer"

/* The discovery payload (a new reference) of the transfer of `camera`
 * (borrowed; NULL: the one transfer); `config_url` (the dashboard) may be
 * NULL. NULL when a topic is too long. */
json_t *ha_transfer_discovery(const struct config *cfg, const char *camera,
			      const char *config_url);

/* Publishes the discovery as retained state on `s` (again on every
 * reconnect); nothing with HA_DISCOVERY=false. */
void ha_transfer_publish(struct mqtt_session *s, const struct config *cfg, const char *camera);

/* --ha-remove: clears the device (ha_remove); the exit status. */
int ha_transfer_remove(const struct config *cfg, const char *camera);

/* R/transfer/<leaf>, or R/transfer/<camera>/<leaf> when camera is not
 * NULL; 0 or SL_ERR_RANGE. */
int ha_transfer_topic(char out[TOPIC_MAX], const struct config *cfg, const char *camera,
		      const char *leaf);

#endif
