/* core.h - skylapse-scheduler's decisions, free of I/O so they can be
 * tested with a fake clock.
 *
 * Given the time, the configuration and the events - the tick, a camera's
 * availability, a capture result, a switch, a profile selection, the
 * "Timelapse of today" button - the core says what to do as a list of
 * messages in a struct sched_out: capture requests, encode jobs, answers
 * to relayed requests and retained states; with whether the status
 * changed, whether to tick again at once, and when the next tick is due.
 * Only the daemon (daemon.c) touches MQTT: it applies the list.
 *
 * Each schedule has a runner; its window moves like this:
 *
 *   NONE --window found--> WAITING --start--> OPEN --end--> NONE
 *    ^  (none in 400 days: look again in an hour)  |
 *    +-------- reload: the window is checked again +
 *
 * While OPEN and switched on, each slot of the cadence (lib/slots.h) sends
 * one request per camera and profile, unless that camera still has one of
 * the schedule's requests unanswered (missed); no camera or no broker is
 * unsent. A window that ran closes with one encode job per camera and
 * profile, unless the schedule's timelapse.auto is false; with no broker at
 * its end, the jobs wait for it. They also wait until the frames of each
 * camera asked are on the server (arrival.h), for ARRIVAL_WAIT_MS at most
 * and never past the schedule's next window's start: then the video is made
 * of what is there. A request with no answer by its deadline is an error of
 * its schedule.
 *
 * The windows that ran, asked a camera and are not closed yet are the
 * journal (core_windows_json(), kept by the daemon in the state folder
 * whenever out->windows says it changed): a scheduler stopped or killed over a
 * window's end restores it (core_windows_restore()) and closes it on its
 * first tick, so no day goes without its video. The job ids are stable
 * (plan_encode_job()), so a job sent twice is one job for the encoder.
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_CORE_H
#define SKYLAPSE_AGENTS_SCHEDULER_CORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slots.h"
#include "cameras.h"
#include "config.h"
#include "ha_backend.h"
#include "switches.h"
#include "topics.h"
#include "window.h"

struct mqtt_reply_to;

#define ARRIVAL_WAIT_MS (30 * 60000LL) /* a window's last frames, on the core's clock */
#define PENDING_MAX 4096 /* CAMERAS_MAX cameras, several profiles and schedules */
#define REQUEST_ID_MAX 128

struct sched_counters {
	long requests;   /* capture requests sent */
	long ok, errors; /* answers (errors include no answer in time) */
	long missed;     /* slots not sent: camera busy, or the scheduler late */
	long unsent;     /* slots with no camera online or no broker */
};

struct runner {
	char name[ID_MAX + 1];
	const struct schedule *s; /* borrowed from the core's cfg */
	bool runs;                /* enabled (configuration or switch) */
	bool have_window;         /* w is the current or next window */
	bool ran;                 /* ran during w: its encode is due at its end */
	int64_t close_by_ms;      /* w ended: encode then, at the latest (0: not yet) */
	bool waiting;             /* ... and waits for frames on their way (logged) */
	bool reeval;              /* the configuration changed: check w again */
	int64_t retry_ms;         /* no window found: look again then */
	struct window w;
	struct cadence cad;
	struct sched_counters n;
	char last_error[ERRMSG_MAX];
	int64_t last_ok_ms, last_request_ms;
	char cams[CAMERAS_MAX][ID_MAX + 1]; /* cameras asked during w */
	int ncams;
	/* what the status shows, computed once per date / per window (status.c) */
	long today_key;
	bool today_ok, next_ok;
	struct window today, next;
	int64_t next_key;
};

/* A request waiting for its answer. */
struct pending {
	char id[REQUEST_ID_MAX + 1];
	char camera[ID_MAX + 1];
	char schedule[ID_MAX + 1]; /* "" for a relayed request */
	int64_t deadline_ms;
	/* relayed: the asker's request_id and MQTT 5 reply address (owned) */
	char *client_request_id; /* NULL: the asker gave none */
	struct mqtt_reply_to *reply_to; /* NULL: no Response Topic */
};

enum sched_msg_kind {
	MSG_CAPTURE, /* a capture request to a camera (QoS 1) */
	MSG_JOB,     /* an encode job (QoS 1) */
	MSG_ANSWER,  /* an answer to a request relayed through the backend */
	MSG_STATE,   /* retained state, published again on every reconnect */
};

struct sched_msg {
	enum sched_msg_kind kind;
	char topic[TOPIC_MAX];
	char *text;   /* the payload (owned); "" clears a state */
	int expiry_s; /* MQTT 5 message expiry; 0: none */
	struct mqtt_reply_to *reply_to;	     /* an answer to an asker: its address (owned) */
	char request_id[REQUEST_ID_MAX + 1]; /* MSG_CAPTURE: its pending entry */
};

/* What to do, in order. */
struct sched_out {
	struct sched_msg *msg; /* owned */
	int n, cap;
	bool status;     /* the status changed: publish it (the daemon paces it) */
	bool kick;       /* run core_tick() again now */
	bool windows;    /* the windows that ran changed: save core_windows_json() */
};

struct sched_core {
	const struct config *cfg;  /* borrowed */
	const struct switches *sw; /* borrowed: the profile selections */
	bool connected;            /* the broker is there: slots go out */
	struct runner *runs;       /* one per cfg->schedules[i], same order (owned) */
	int nruns;
	struct sched_camera cams[CAMERAS_MAX];
	int ncams;
	bool listed_only;          /* cfg has `cameras`: only those (and CAMERA_ID) */
	struct pending pend[PENDING_MAX];
	int npend;
	long seq;                  /* makes request ids unique within a millisecond */
	bool plans_dirty;
	long plans_key;            /* local date the plans were made on */
	struct ha_jobs jobs;       /* encode jobs queued or running */
	double speed;              /* of the clock (timeutil.h); 0: 1, the real one */
};

/* Appends obj (borrowed) as compact JSON; 0 or SL_ERR_NOMEM. */
int sched_out_json(struct sched_out *out, enum sched_msg_kind kind, const char *topic,
		   const json_t *obj);
/* Frees every message and empties out (keeps nothing). */
void sched_out_clear(struct sched_out *out);

/* A wait that other programs bound in real time (a camera's answer), in
 * the core's clock: real_ms times the clock's speed. */
int64_t core_real_wait_ms(const struct sched_core *c, int64_t real_ms);
/* A local date as one number (yyyymmdd) for cache keys. */
long core_date_key(int64_t ms);

/* (Re)builds the runners from c->cfg, keeping the counters and the current
 * window of schedules that keep their name; `runs[i]` says whether
 * schedule i runs, and takes config.json's `cameras` (cameras_configure()).
 * 0 or SL_ERR_NOMEM (then nothing changed). */
int core_build(struct sched_core *c, const bool *runs);
struct runner *core_runner(struct sched_core *c, const char *name);
/* A free pending entry (zeroed), or NULL when all are in use. */
struct pending *core_pending_new(struct sched_core *c);
/* Frees what p owns and removes it from the table (p is then invalid). */
void core_pending_drop(struct sched_core *c, struct pending *p);
/* Frees what c owns (not cfg, not sw). */
void core_free(struct sched_core *c);

/* The tick at `now`: expires requests, opens and closes windows, sends due
 * slots, republishes the plans when due. Returns when it wants to be
 * called again (clock of `now`; INT64_MAX: no schedule). */
int64_t core_tick(struct sched_core *c, int64_t now, struct sched_out *out);
/* A camera's availability: "online", "offline", or "" (forgotten). */
void core_availability(struct sched_core *c, const char *camera, const char *state,
		       struct sched_out *out);
/* A capture result (borrowed) from `camera`; one not answering one of our
 * requests is ignored. */
void core_result(struct sched_core *c, const char *camera, const json_t *result, int64_t now,
		 struct sched_out *out);
/* A transfer's status (borrowed; NULL: emptied, the transfer is gone), from
 * R/transfer/status (camera NULL: the one its `camera` names) or
 * R/transfer/<camera>/status. */
void core_transfer(struct sched_core *c, const char *camera, const json_t *status,
		   struct sched_out *out);
/* Publishing the capture request `request_id` failed with rc: unsent. */
void core_send_failed(struct sched_core *c, const char *request_id, int rc, struct sched_out *out);
/* A schedule switched ON or OFF (the daemon keeps it in the switches file). */
void core_switch(struct sched_core *c, struct runner *r, bool on, struct sched_out *out);
/* The retained ON/OFF state of every schedule. */
void core_switch_states(const struct sched_core *c, struct sched_out *out);
/* The retained profile state of `camera` (its selection, else what a
 * request naming none gets); of every known camera and selection when
 * camera is NULL. */
void core_profile_states(const struct sched_core *c, const char *camera, struct sched_out *out);
/* The windows that ran, asked a camera and are not closed yet, for the
 * journal:
 * {"<schedule>": {"start_ms", "end_ms", "cameras": [...]}}. A new
 * reference (NULL when out of memory). */
json_t *core_windows_json(const struct sched_core *c);
/* Takes back a journal (borrowed) after core_build(), before the first
 * tick: each entry of a schedule that still exists becomes its window that
 * ran; the tick then closes it when it has ended, or carries on. Entries
 * that are malformed or name no schedule are ignored. Returns how many
 * were taken. */
int core_windows_restore(struct sched_core *c, const json_t *windows);
/* "Timelapse of today": an encode job of today so far per known camera. */
void core_today(struct sched_core *c, int64_t now, struct sched_out *out);
/* The answer to relayed request p: the camera's (borrowed), or when NULL
 * the error that none came in time. */
void core_relay_answer(struct sched_core *c, const struct pending *p, const json_t *answer,
		       struct sched_out *out);
/* The error answer to relayed request p, with its error_kind for `code`. */
void core_relay_error(struct sched_core *c, const struct pending *p, int code, const char *why,
		      struct sched_out *out);

#endif
