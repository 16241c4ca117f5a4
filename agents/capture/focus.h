/* focus.h - the focus aid of skylapse-capture: while a person turns the
 * lens, small JPEGs of a crop of the frame (the centre by default) with a
 * sharpness figure and its best so far, a few a second.
 *
 * Started, renewed and stopped by R/<camera>/focus/request; each frame goes
 * out on R/<camera>/focus/frame (not retained), the session's state on
 * R/<camera>/focus/state (retained); payloads in schema/focus-*.json. The
 * session ends by itself `duration_s` after its last start or renewal.
 *
 * Focus frames are never saved, never announced as frames and never feed
 * the exposure controller. A capture always goes first: no focus frame is
 * shot while a capture job is open, nor when one could still be running
 * at the plan's next slot (focus_measure.h, focus_may_shoot). Exposure is
 * locked for the session (metered at its start unless the request sets it),
 * so the figure moves with the focus, not with auto exposure's jitter.
 *
 *   idle --start--> active --start (renew)--> active
 *   active --stop / duration over / camera error--> idle
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_FOCUS_H
#define SKYLAPSE_AGENTS_CAPTURE_FOCUS_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "focus_measure.h"
#include "loop.h"
#include "mqtt.h"
#include "offline.h"
#include "topics.h"

#define FOCUS_GAP_MS 250   /* between focus frames: requests get their turn */
#define FOCUS_WAIT_MS 200  /* retry delay while a capture goes first */

struct focus {
	/* borrowed, set by focus_init() */
	struct loop *loop;
	struct mqtt_session *mqtt;
	struct capture_agent *cap;
	const struct offline *offline;
	char t_request[TOPIC_MAX], t_frame[TOPIC_MAX], t_state[TOPIC_MAX];
	/* the session */
	bool active;
	long timer;            /* the pacing timer's id; 0: none */
	int64_t until_ms;      /* loop clock: the session ends then */
	struct focus_request req; /* its strings are not kept */
	char request_id[REQUEST_ID_MAX + 1];
	int exposure_us;       /* locked for the session */
	double analogue_gain;
	long frames;
	double best;           /* the highest figure of this crop so far */
	int64_t expected_ms;   /* how long the last focus frame took */
	char ended[16];        /* why the last session ended: stopped, timeout, error */
	int error_rc;          /* the last refused request or failure; 0: none */
	char error[ERRMSG_MAX];
};

/* Sets the topics of `camera` under `root` and publishes the idle state;
 * everything passed is borrowed and must outlive f. 0 or SL_ERR_RANGE. */
int focus_init(struct focus *f, struct loop *loop, struct mqtt_session *mqtt,
	       struct capture_agent *cap, const struct offline *offline, const char *root,
	       const char *camera);

/* Handles a message of f->t_request (borrowed): start, renew or stop. */
void focus_on_request(struct focus *f, const struct mqtt_message *m);

/* Ends an active session (reason "stopped"), e.g. at the agent's exit. */
void focus_end(struct focus *f, const char *reason);

#endif
