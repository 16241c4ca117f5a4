/* outbox.h - the frames' way out of the capture agent, on the main loop.
 *
 * Each frame's announcement is published on R/<camera>/frames (QoS 1), or,
 * while the broker is away, appended to the journal (journal.h) and
 * published on the next connect. The delivered mark is the capture time of
 * the newest frame whose announcement the broker has taken (no message of
 * the session left unacknowledged, lib/mqtt.h): kept in a file, so that
 * after an unclean stop (the running marker is still there) the frames on
 * disk after it, and only those, are announced again - at least once, the
 * consumers deduplicate by path.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_OUTBOX_H
#define SKYLAPSE_AGENTS_CAPTURE_OUTBOX_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>

#include "mqtt.h"
#include "offline.h"
#include "preview.h"
#include "topics.h"

struct outbox {
	struct mqtt_session *mqtt; /* borrowed */
	char t_frames[TOPIC_MAX], t_preview[TOPIC_MAX];
	char journal_path[PATH_MAX];   /* announcements not published yet */
	char running_path[PATH_MAX];   /* exists while the agent runs */
	char delivered_path[PATH_MAX]; /* the delivered mark, ISO 8601 */
	int64_t announced_ms, delivered_ms, delivered_written_ms;
};

/* At start, before the first connect: reads the delivered mark, books the
 * slots of the last hour's frames on disk in `off` (recall.h), journals
 * those after the mark when the last run did not stop cleanly, and leaves
 * the running marker. */
void outbox_recall(struct outbox *o, struct offline *off, const char *images_root);
/* Announces each of `frames` (borrowed), then retains the preview `pv`
 * (borrowed; none when pv->jpeg is NULL) while the broker is there. */
void outbox_send(struct outbox *o, const json_t *frames, const struct jpeg_preview *pv);
/* The broker is back: publishes the journal's announcements and empties it. */
void outbox_flush(struct outbox *o);
/* Each tick: moves the delivered mark once the broker took every message
 * sent (written at most once a second). */
void outbox_tick(struct outbox *o);
/* A clean stop, every frame announced: removes the running marker. */
void outbox_stop(struct outbox *o);

#endif
