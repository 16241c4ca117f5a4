/* cameras.h - the scheduler's table of cameras: the ones it has seen on the
 * broker and the ones it is told of (CAMERA_ID, config.json's `cameras`),
 * which of them are this backend's, which schedules ask each, and which to
 * ask now. Part of the core (core.h): no I/O.
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_CAMERAS_H
#define SKYLAPSE_AGENTS_SCHEDULER_CAMERAS_H

#include <jansson.h>
#include <stdbool.h>

#include "arrival.h"
#include "err.h"    /* ERRMSG_MAX */
#include "fsutil.h" /* ID_MAX */

#define CAMERAS_MAX 512 /* bench/fleet drives 400; SWITCHES_CAMERAS_MAX too */

struct sched_core;
struct runner;

enum auth_state { AUTH_UNKNOWN, AUTH_OK, AUTH_DENIED };

struct sched_camera {
	char id[ID_MAX + 1];
	bool known;  /* its availability was seen */
	bool online; /* ... and says online */
	bool pinned; /* CAMERA_ID: asked even before its availability is seen */
	bool listed; /* in config.json's `cameras`: the same, and ... */
	const json_t *schedules; /* ... the schedules it follows (borrowed from
				  * cfg->root); NULL: every schedule */
	bool plan_due; /* its plan is to be published (it came online, ...) */
	enum auth_state auth;
	char auth_error[ERRMSG_MAX];
	struct arrival arrival; /* its frames on the way to the server */
};

/* backend, encoder and transfer name the server's topics, never a camera. */
bool cameras_reserved_id(const char *id);
/* Takes config.json's `cameras` (checked by check.c) from c->cfg: each
 * listed camera is asked before its availability is seen, by the schedules
 * it names (all when it names none); with a list, cameras not in it (nor
 * CAMERA_ID) get no request and no plan. Every camera's plan is due again. */
void cameras_configure(struct sched_core *c);
/* The camera `id` (borrowed from c), created when `create` and it is a
 * camera id; NULL otherwise or when the table is full. */
struct sched_camera *cameras_find(struct sched_core *c, const char *id, bool create);
/* Whether the camera is this backend's to ask for schedule `r` (NULL: for
 * any, as a relayed request). */
bool cameras_follows(const struct sched_core *c, const struct sched_camera *cam,
		     const struct runner *r);
/* Cameras to ask now for `r` (NULL: any schedule): ids into out (borrowed
 * from c); returns how many. */
int cameras_targets(const struct sched_core *c, const struct runner *r,
		    const char *out[CAMERAS_MAX]);

#endif
