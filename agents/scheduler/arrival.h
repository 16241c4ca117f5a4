/* arrival.h - whether a camera's frames have reached the server, so that a
 * closing window's video holds its last frames. Part of the core (core.h):
 * no I/O.
 *
 * A camera's frames come to the server through its transfer, which
 * publishes its status retained on R/transfer/status (naming the camera)
 * or, one per Pi, R/transfer/<camera>/status. A window's last frames are in
 * when that transfer is idle with a backlog of 0 after a sync that began no
 * earlier than the camera's last answer of the window (the frames of an
 * answer are announced before it, so that sync saw them) or the window's
 * end. A camera without a transfer (its IMAGES_DIR is on the server), or
 * whose transfer said it stopped or is disabled, has nothing on the way.
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_ARRIVAL_H
#define SKYLAPSE_AGENTS_SCHEDULER_ARRIVAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* What the scheduler knows of one camera's transfer. */
struct arrival {
	bool transfer;		 /* a transfer status naming it came, not stopped */
	bool caught_up;		 /* ... idle, with a backlog of 0 */
	int64_t sync_started_ms; /* its last sync began (0: none) */
	int64_t answered_ms;	 /* the camera's last answer to this backend (0: none) */
	bool shared;		 /* the status came on R/transfer/status */
};

/* Takes a transfer status (borrowed; NULL: emptied, no transfer); returns
 * whether anything changed. A status it cannot read leaves the camera
 * waited for (caught_up false), never skipped. */
bool arrival_status(struct arrival *a, const json_t *status);
/* Whether the frames of a window that ended at end_ms and asked the camera
 * are on the server. */
bool arrival_ready(const struct arrival *a, int64_t end_ms);

#endif
