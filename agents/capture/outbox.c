/* outbox.c - announcements, the journal and the delivered mark; see outbox.h. */
#include "outbox.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "journal.h"
#include "jsonx.h"
#include "log.h"
#include "recall.h"
#include "slotbook.h"
#include "timeutil.h"

#define RECALL_MS	   (3600 * 1000) /* the frames on disk whose slots are booked at start */
#define DELIVERED_EVERY_MS 1000		 /* the delivered mark is written at most this often */

/* Frame f's announcement went to the broker (not yet taken). */
static void note_announced(struct outbox *o, const json_t *f)
{
	const char *when = json_string_value(json_object_get(f, "captured_at"));
	int64_t at;

	if (when && time_parse_iso(when, &at) == SL_OK && at > o->announced_ms)
		o->announced_ms = at;
}

/* Publishes f; true when the session took it. */
static bool publish(struct outbox *o, const json_t *f)
{
	char *text = jx_dump(f);
	bool sent =
	    text && mqtt_publish(o->mqtt, o->t_frames, text, strlen(text), 1, false) == SL_OK;

	if (sent)
		note_announced(o, f);
	free(text);
	return sent;
}

void outbox_recall(struct outbox *o, struct offline *off, const char *images_root)
{
	int64_t now = time_now_ms(), at;
	json_t *frames = recall_frames(images_root, now - RECALL_MS, SLOTBOOK_MAX), *f;
	bool unclean = access(o->running_path, F_OK) == 0;
	char *mark = NULL;
	size_t i, n = 0, len;

	/* no mark, or a torn one: every recalled frame is announced again */
	if (file_read_all(o->delivered_path, TIME_ISO_MAX, &mark, &len) == 0 &&
	    time_parse_iso(mark, &at) == SL_OK)
		o->delivered_ms = o->announced_ms = at;
	free(mark);
	if (frames == NULL)
		return;
	offline_book_frames(off, frames);
	json_array_foreach(frames, i, f)
	{
		const char *when = json_string_value(json_object_get(f, "captured_at"));

		if (unclean && when && time_parse_iso(when, &at) == SL_OK && at > o->delivered_ms &&
		    journal_append(o->journal_path, f) == 0)
			n++;
	}
	if (unclean)
		log_warn("the last run did not stop cleanly: %zu frames it may not have announced "
			 "are announced again",
			 n);
	json_decref(frames);
	if (file_write_atomic(o->running_path, "", 0) < 0)
		log_warn("cannot write %s: %s", o->running_path, strerror(errno));
}

void outbox_send(struct outbox *o, const json_t *frames, const struct jpeg_preview *pv)
{
	const json_t *f;
	size_t i;

	json_array_foreach(frames, i, f)
	{
		if (!(mqtt_is_connected(o->mqtt) && publish(o, f)) &&
		    journal_append(o->journal_path, f) < 0)
			log_error("journal %s: %s", o->journal_path, strerror(errno));
		log_info("frame %s (%lld bytes)", json_string_value(json_object_get(f, "path")),
			 (long long)json_integer_value(json_object_get(f, "size")));
	}
	if (pv->jpeg && mqtt_is_connected(o->mqtt))
		mqtt_publish(o->mqtt, o->t_preview, pv->jpeg, pv->size, 0, true);
}

void outbox_flush(struct outbox *o)
{
	json_t *pending = journal_read(o->journal_path), *f;
	size_t i;

	if (pending == NULL) {
		log_error("journal %s: %s", o->journal_path, strerror(errno));
		return;
	}
	json_array_foreach(pending, i, f) publish(o, f);
	if (json_array_size(pending))
		log_info("announced %zu frames taken while the broker was away",
			 json_array_size(pending));
	journal_clear(o->journal_path);
	json_decref(pending);
}

void outbox_tick(struct outbox *o)
{
	char when[TIME_ISO_MAX];
	int64_t real = time_real_ms();

	/* a kill between two writes announces up to a second's frames twice */
	if (o->announced_ms <= o->delivered_ms || !mqtt_is_connected(o->mqtt) ||
	    mqtt_unacked(o->mqtt) > 0 || real - o->delivered_written_ms < DELIVERED_EVERY_MS)
		return;
	time_format_utc(o->announced_ms, when);
	if (file_write_atomic(o->delivered_path, when, strlen(when)) < 0) {
		log_warn("cannot write %s: %s", o->delivered_path, strerror(errno));
		return;
	}
	o->delivered_ms = o->announced_ms;
	o->delivered_written_ms = real;
}

void outbox_stop(struct outbox *o)
{
	unlink(o->running_path);
}
