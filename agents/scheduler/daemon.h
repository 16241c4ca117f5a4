/* daemon.h - skylapse-scheduler on the broker: the one file that talks MQTT.
 *
 * main.c loads the configuration into a struct scheduler, then
 * daemon_start() and loop_run(); SIGHUP gives daemon_reload() a new
 * configuration. The decisions are the core's (core.h): the daemon turns
 * messages into its events and publishes the messages it returns.
 */
#ifndef SKYLAPSE_DAEMON_H
#define SKYLAPSE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "core.h"
#include "loop.h"
#include "mqtt.h"
#include "status.h"
#include "switches.h"

struct scheduler {
	struct config cfg;
	const char *config_flag, *broker_flag; /* borrowed from argv, for reloads */
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct switches sw;
	struct sched_core core;
	struct status_cache status;
	int64_t clock_offset_ms; /* --now: added to the real clock */
	int64_t started_ms;
	long tick_id;
	bool status_dirty;
	int64_t status_sent_ms; /* monotonic */
	long ha_timer;          /* Home Assistant re-announcement due, or 0 */
	bool ha_removed;        /* --ha-remove got through */
	char t_status[TOPIC_MAX], t_avail[TOPIC_MAX], t_relay_request[TOPIC_MAX];
	char t_switch_prefix[TOPIC_MAX]; /* R/backend/<name>/schedules/ */
	char t_ha_config[TOPIC_MAX];     /* homeassistant/device/<id>/config */
	char t_today[TOPIC_MAX];         /* R/backend/<name>/timelapse/today */
	char t_camera_prefix[TOPIC_MAX]; /* R/backend/<name>/cameras/ */
	char t_jobs_prefix[TOPIC_MAX];   /* R/encoder/jobs/ */
};

/* Names the topics, builds the core, creates the MQTT session (last will
 * "offline" on R/backend/<name>/availability), subscribes, publishes the
 * retained state and starts the tick. `camera` (CAMERA_ID, may be NULL)
 * is asked before it is seen. 0, SL_ERR_RANGE (names too long) or another
 * negative code. */
int daemon_start(struct scheduler *sch, const char *camera);

/* Takes `fresh` (steals it on success) in place of sch->cfg, keeping the
 * backend's identity and transport. 0, or SL_ERR_NOMEM (nothing changed,
 * fresh still the caller's). */
int daemon_reload(struct scheduler *sch, struct config *fresh);

/* --ha-remove: connects, clears the retained discovery config, returns 0,
 * or 2 when the broker could not be reached within 10 s (1: bad URL). */
int daemon_ha_remove(struct scheduler *sch);

/* Frees what the daemon owns in sch (not cfg, not the loop). */
void daemon_free(struct scheduler *sch);

#endif
