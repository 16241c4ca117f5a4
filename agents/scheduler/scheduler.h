/* scheduler.h - the state of skylapse-scheduler, shared by its modules.
 *
 * One struct scheduler holds everything: the configuration, the MQTT
 * session, a runner per schedule (its window, cadence and counters), the
 * cameras seen on the broker, and the requests still waiting for an answer.
 * All of it lives on the main thread (lib/loop.h); modules:
 *   daemon.c  MQTT glue, cameras, pending requests, plans, the tick, reload
 *   runner.c  a schedule's windows and slots: requests, results, auto encode
 *   relay.c   capture requests for a camera sent through the backend
 *   status.c  the retained backend status
 *   ha_commands.c  Home Assistant discovery, profile selections, the
 *             "Timelapse of today" button, the encoder queue
 */
#ifndef SKYLAPSE_SCHEDULER_H
#define SKYLAPSE_SCHEDULER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cadence.h"
#include "config.h"
#include "ha_backend.h"
#include "loop.h"
#include "mqtt.h"
#include "switches.h"
#include "topics.h"
#include "window.h"

#define CAMERAS_MAX 64
#define PENDING_MAX 512
#define REQUEST_ID_MAX 128
#define RUN_CAMERAS_MAX 16
#define RESPONSE_MAX (256 * 1024)

enum auth_state { AUTH_UNKNOWN, AUTH_OK, AUTH_DENIED };

struct sched_camera {
	char id[ID_MAX + 1];
	bool known;  /* its availability was seen */
	bool online; /* ... and says online */
	bool pinned; /* CAMERA_ID: asked even before its availability is seen */
	enum auth_state auth;
	char auth_error[ERRMSG_MAX];
};

struct sched_counters {
	long requests; /* capture requests sent */
	long ok, errors; /* answers (errors include no answer in time) */
	long missed;   /* slots not sent: camera busy, or the scheduler late */
	long unsent;   /* slots with no camera online or no broker */
};

struct runner {
	char name[ID_MAX + 1];
	const struct schedule *s; /* borrowed from the scheduler's cfg */
	bool runs;                /* enabled (configuration or switch) */
	bool have_window;         /* w is the current or next window */
	bool ran;                 /* ran during w: an auto encode is due at its end */
	bool reeval;              /* the configuration changed: check w again */
	int64_t retry_ms;         /* no window found: look again then */
	struct window w;
	struct cadence cad;
	struct sched_counters n;
	char last_error[ERRMSG_MAX];
	int64_t last_ok_ms, last_request_ms;
	char cams[RUN_CAMERAS_MAX][ID_MAX + 1]; /* cameras asked during w */
	int ncams;
	/* what the status shows, computed once per date / per window */
	long today_key;
	bool today_ok, next_ok;
	struct window today, next;
	int64_t next_key;
};

struct pending {
	char id[REQUEST_ID_MAX + 1];
	char camera[ID_MAX + 1];
	char schedule[ID_MAX + 1]; /* "" for a relayed request */
	int64_t deadline_ms;       /* clock of sched_now() */
	/* relayed: the asker's request_id and MQTT 5 reply address (owned) */
	char *client_request_id;   /* NULL: the asker gave none */
	char *response_topic;
	unsigned char *correlation;
	size_t correlation_len;
};

/* The next sunrise or sunset, kept until it passes. */
struct sun_next {
	int64_t at_ms;      /* -1: none within a year */
	int64_t recheck_ms; /* look again from then (0: now) */
};

struct scheduler {
	struct config cfg;
	const char *config_flag, *broker_flag; /* borrowed from argv, for reloads */
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct switches sw;
	int64_t clock_offset_ms; /* --now: added to the real clock */
	int64_t started_ms;
	struct runner *runs;     /* one per cfg.schedules[i], same order (owned) */
	int nruns;
	struct sched_camera cams[CAMERAS_MAX];
	int ncams;
	struct pending pend[PENDING_MAX];
	int npend;
	long seq;                /* makes request ids unique within a millisecond */
	long tick_id;
	bool status_dirty;
	int64_t status_sent_ms;  /* monotonic */
	bool plans_dirty;
	long plans_key;          /* local date the plans were made on */
	long sun_key;
	json_t *sun_today;       /* owned */
	char t_status[TOPIC_MAX], t_avail[TOPIC_MAX];
	char t_relay_request[TOPIC_MAX], t_relay_response[TOPIC_MAX];
	char t_switch_prefix[TOPIC_MAX]; /* R/backend/<name>/schedules/ */
	struct sun_next sun_next[2];     /* sunrise, sunset */
	/* Home Assistant (ha_commands.c) */
	struct ha_jobs jobs;             /* encode jobs queued or running */
	long ha_timer;                   /* re-announcement due, or 0 */
	bool ha_removed;                 /* --ha-remove got through */
	char t_ha_config[TOPIC_MAX];     /* homeassistant/device/<id>/config */
	char t_today[TOPIC_MAX];         /* R/backend/<name>/timelapse/today */
	char t_camera_prefix[TOPIC_MAX]; /* R/backend/<name>/cameras/ */
	char t_jobs_prefix[TOPIC_MAX];   /* R/encoder/jobs/ */
};

/* daemon.c */
int64_t sched_now(const struct scheduler *sch);
/* A local date as one number (yyyymmdd) for cache keys. */
long sched_date_key(int64_t ms);
/* Cameras to ask now: ids into out (borrowed from sch); returns how many. */
int sched_targets(struct scheduler *sch, const char *out[CAMERAS_MAX]);
struct sched_camera *sched_camera(struct scheduler *sch, const char *id, bool create);
/* backend, encoder and transfer name the server's topics, never a camera. */
bool sched_reserved_id(const char *id);
/* Records the camera's answer to this backend: logs once when it changes
 * between authorized and not. */
void sched_camera_answer(struct scheduler *sch, const char *camera, bool ok, const char *error);
bool sched_busy(const struct scheduler *sch, const char *schedule, const char *camera);
/* A free pending entry (zeroed), or NULL when all are in use. */
struct pending *sched_pending_new(struct scheduler *sch);
/* Frees what p owns and removes it from the table (p is then invalid). */
void sched_pending_drop(struct scheduler *sch, struct pending *p);
void sched_touch_status(struct scheduler *sch);
/* Publishes the retained status now, whatever the last one's age. */
void sched_publish_status(struct scheduler *sch);
/* Re-runs the tick now (after a change). */
void sched_kick(struct scheduler *sch);
/* Publishes a JSON object (not retained, QoS 1); 0 or a negative code. */
int sched_publish_json(struct scheduler *sch, const char *topic, const json_t *obj,
		       const struct mqtt_pub_props *props);

/* runner.c */
/* (Re)builds the runners from sch->cfg, keeping the counters and the
 * current window of schedules that keep their name. 0 or SL_ERR_NOMEM. */
int runner_build(struct scheduler *sch);
/* Advances runner r to `now`: window changes, slots, requests. Returns the
 * time (clock of sched_now) it wants to be called again. */
int64_t runner_step(struct scheduler *sch, struct runner *r, int64_t now);
struct runner *runner_find(struct scheduler *sch, const char *name);
/* An answer (or SL_ERR_TIMEOUT: none in time) to a request of runner r. */
void runner_result(struct scheduler *sch, struct runner *r, const struct pending *p, bool ok,
		   const char *error);
/* Fills the status caches (today's and the next window) of r. */
void runner_refresh_windows(struct scheduler *sch, struct runner *r, int64_t now);

/* relay.c */
void relay_request(struct scheduler *sch, const struct mqtt_message *m);
/* Passes a camera's answer (borrowed; may be NULL for "no answer in
 * time") back to whoever asked. */
void relay_answer(struct scheduler *sch, const struct pending *p, json_t *answer);

/* ha_commands.c */
/* Names the Home Assistant and command topics; 0 or SL_ERR_RANGE. */
int ha_topics(struct scheduler *sch);
/* Subscribes to homeassistant/status, the profile selections, the
 * timelapse button and the encoder's job states; 0 or a negative code. */
int ha_subscribe(struct scheduler *sch);
/* (Re)publishes the retained discovery config; after a reload, `removed`
 * (borrowed, may be NULL) names the schedules it dropped. */
void ha_publish_discovery(struct scheduler *sch, const json_t *removed);
/* Publishes camera's retained profile state: its selection, else the
 * profile a request naming none gets. */
void ha_publish_profile(struct scheduler *sch, const char *camera);
/* Every camera's profile state (known cameras and kept selections). */
void ha_publish_profiles(struct scheduler *sch);
/* Handles m when it is one of ha_subscribe()'s topics; returns whether it
 * was. */
bool ha_on_message(struct scheduler *sch, const struct mqtt_message *m);
/* --ha-remove: connects, clears the retained discovery config, returns
 * 0, or 2 when the broker could not be reached within 10 s. */
int ha_remove_run(struct scheduler *sch);

/* status.c */
/* The backend status (SPEC 4) at `now`; a new reference. */
json_t *status_json(struct scheduler *sch, int64_t now);

#endif
