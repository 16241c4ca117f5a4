/* daemon.h - starting and running skylapse-scheduler on the broker.
 *
 * main.c loads the configuration into a struct scheduler (scheduler.h),
 * builds the runners, then: daemon_topics(), daemon_connect() and
 * loop_run(). The rest of the daemon is reached through scheduler.h.
 */
#ifndef SKYLAPSE_DAEMON_H
#define SKYLAPSE_DAEMON_H

#include "scheduler.h"

/* Names this backend's topics from cfg (topic_root, backend_name).
 * 0 or SL_ERR_RANGE. */
int daemon_topics(struct scheduler *sch);

/* Creates the MQTT session (last will "offline" on R/backend/<name>/
 * availability), subscribes, publishes the retained state and starts the
 * tick. 0 or a negative code. */
int daemon_connect(struct scheduler *sch);

/* The tick (a loop timer callback; arg is the scheduler). */
int64_t daemon_tick(struct loop *l, long id, void *arg);

/* Publishes a runner's switch state, retained (ON / OFF). */
void daemon_publish_switch(struct scheduler *sch, const struct runner *r);

/* Frees what the daemon owns in sch (not cfg, not the loop), at the exit:
 * the MQTT session ends with mqtt_session_free(). */
void daemon_free(struct scheduler *sch);

#endif
