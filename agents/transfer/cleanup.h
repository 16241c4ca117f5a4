/* cleanup.h - which frames may be deleted on the Pi, and the list the
 * clean-up script reads.
 *
 * A frame may go when the last listing showed it on the Pi, it was
 * verified, its capture time (from the sidecar) is older than
 * DELETE_AFTER_DAYS, and hashing the server copy once more, just before the
 * deletion, still matches the sidecar. The list holds each such frame's
 * .jpg and .json, then its day folder (with a trailing '/', removed only
 * if empty) when that day ended more than an hour ago, so the capture agent
 * never finds today's folder gone under it.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_CLEANUP_H
#define SKYLAPSE_AGENTS_TRANSFER_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "err.h"
#include "verify.h"

struct clean_list {
	char *buf; /* owned; lines */
	size_t len, cap;
	int frames;  /* frames in the list */
	char **days; /* owned; distinct "profile-x/YYYY-MM-DD/" */
	size_t ndays, capdays;
};

/* Frames captured before this wall-clock time are old enough. */
int64_t cleanup_cutoff_ms(int64_t now_ms, double delete_after_days);
/* First test, without I/O: on the Pi now, verified, older than cutoff. */
bool cleanup_is_candidate(const struct catalog *c, const struct frame_rec *r, int64_t cutoff_ms);
/* Final test, in two halves. cleanup_check_copy() hashes root/rel against
 * its sidecar again and flushes it to disk; it touches no record, so it may
 * run on a worker thread. On failure *res says how the copy failed
 * (VERIFY_OK: it could not be flushed) and `why` says why. cleanup_record()
 * then notes the outcome in the frame's record: on failure it loses its
 * verified mark. */
bool cleanup_check_copy(const char *root, const char *rel, struct verify_info *info,
			enum verify_result *res, char why[ERRMSG_MAX]);
void cleanup_record(struct frame_rec *r, bool ok, const struct verify_info *info);

/* Adds a confirmed frame (its .jpg path); 0 or SL_ERR_NOMEM. */
int clean_list_add(struct clean_list *l, const char *jpg_rel);
/* Appends the day folders whose day ended an hour before now; 0 or
 * SL_ERR_NOMEM. Call once, after the last clean_list_add(). */
int clean_list_finish(struct clean_list *l, int64_t now_ms);
void clean_list_free(struct clean_list *l);

#endif
