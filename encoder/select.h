/* select.h - which frames go into a video, and which were left out and why.
 *
 * Server jobs: frames of one camera and profile in the job's range (from/to,
 * or a local date and a schedule's window on it), listed by name
 * (frames.h), checked against their sidecars: the sidecar must exist
 * ("missing": an incomplete capture writes the JPEG first), the file's
 * byte count must match the sidecar's ("unreadable": truncated or damaged),
 * and the frame must have the size most frames have ("different size").
 * A bracketed profile's exposures are grouped by slot when they are to be
 * fused (the job's `hdr`, by default): one entry per slot, its exposure
 * nearest the middle in front (path, luma) and the others beside it, a
 * slot being consecutive exposures of rising bracket index taken at most
 * SEL_SLOT_GAP_MS apart; a slot keeps the exposures it has. Otherwise only
 * one exposure of each slot is used (the middle one, or the job's
 * `bracket`). The CLI's folder selection takes every .jpg in name order
 * (grouped the same way when the names carry _bracket<i>) and reads sizes
 * from the JPEG headers.
 *
 * Decoding can still skip a frame later; it adds to the same list.
 */
#ifndef SKYLAPSE_ENCODER_SELECT_H
#define SKYLAPSE_ENCODER_SELECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "job.h"

#define SKIP_MISSING	  "missing"
#define SKIP_UNREADABLE	  "unreadable"
#define SKIP_SIZE	  "different size"
#define SKIP_JSON_MAX	  200	/* entries listed in a job state; the count is always exact */
#define SEL_EXPOSURES_MAX 9	/* of one slot, at most (FUSE_MAX) */
#define SEL_SLOT_GAP_MS	  60000 /* most time between two exposures of one slot */

struct skip {
	char *path;	    /* as shown to users: relative to the images root */
	const char *reason; /* one of SKIP_* */
	char *detail;
};

struct skip_list {
	struct skip *items;
	size_t count, cap;
};

struct sel_frame {
	char *path;	 /* absolute (owned) */
	const char *rel; /* inside path: what users see */
	double luma;	 /* the sidecar's mean_luma; NAN when unknown */
	int64_t captured_ms;
	int bracket;			     /* -1: not bracketed */
	int size[2];			     /* width, height, from the sidecar or JPEG */
	char *others[SEL_EXPOSURES_MAX - 1]; /* the slot's other exposures (owned) */
	int nothers;
};

struct selection {
	struct sel_frame *frames;
	size_t count, cap;
	int width, height; /* the frames' size */
	char profile;
	int64_t from_ms, to_ms;
	struct skip_list skipped;
};

/* Adds an entry (strings copied); 0 or SL_ERR_NOMEM. */
int skip_list_add(struct skip_list *l, const char *path, const char *reason, const char *detail);
void skip_list_free(struct skip_list *l);
/* [{"path", "reason", "detail"}, ...], at most `max` entries; new reference. */
json_t *skip_list_json(const struct skip_list *l, size_t max);

/* The job's range [*from, *to): its from/to, or its local date (the whole
 * day, or the schedule's window that day). `cfg` (borrowed) provides the
 * schedules; the process time zone must be the location's. 0, or
 * SL_ERR_NOTFOUND with why (unknown schedule, no window that date). */
int select_range(const struct encode_job *job, const struct config *cfg, int64_t *from, int64_t *to,
		 char why[ERRMSG_MAX]);

/* Selects the job's frames in [from_ms, to_ms) under `images_root`
 * (grouped by slot when job->hdr and no job->bracket).
 * Returns 0 with at least one frame, or an error with `why` naming the
 * problem (unknown camera, nothing in range, nothing usable). *out is to
 * be freed with selection_free() either way. */
int select_frames(const char *images_root, const struct encode_job *job, int64_t from_ms,
		  int64_t to_ms, struct selection *out, char why[ERRMSG_MAX]);

/* Every *.jpg / *.jpeg of `dir` in name order, with mean_luma from a
 * sidecar beside it when there is one, grouped by slot when `fuse`. Same
 * return and freeing rules. */
int select_folder(const char *dir, bool fuse, struct selection *out, char why[ERRMSG_MAX]);

void selection_free(struct selection *s);

#endif
