/* catalog.h - what the transfer knows about each frame, by path.
 *
 * One record per frame (the .jpg path relative to the camera folder,
 * "profile-a/2026-11-27/capture_..._123.jpg"): whether the last listing of
 * the Pi showed it and its sidecar, whether it was announced, and the
 * server copy's size and mtime when it was last verified. A hash table with
 * chaining, so records never move once created.
 *
 * Verified records are kept in a small file in the camera folder so that a
 * restart (or a cron `--once`) does not hash every frame still on the Pi
 * again; an entry only counts while the server copy keeps that size and
 * mtime, and a frame is hashed once more before it is deleted on the Pi.
 * New entries are appended; the file is rewritten when mostly stale.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_CATALOG_H
#define SKYLAPSE_AGENTS_TRANSFER_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	CAT_VERIFIED = 1 << 0,	/* server copy matched its sidecar at size/mtime below */
	CAT_ANNOUNCED = 1 << 1, /* seen on R/<camera>/frames, not yet verified */
	CAT_REFETCHED = 1 << 2, /* a bad server copy was removed once to fetch it again */
	CAT_BAD = 1 << 3,	/* does not verify (reason in the log) */
	CAT_HASHING = 1 << 4,	/* a hashing job for it is queued or running */
};

struct frame_rec {
	char *path;		/* owned */
	struct frame_rec *next; /* hash chain */
	unsigned flags;
	unsigned pi_gen;      /* listing generation the .jpg was last seen in */
	unsigned sidecar_gen; /* same for its .json */
	int64_t size;	      /* server copy when verified */
	int64_t mtime_ns;
	int64_t captured_ms;  /* from the sidecar (else the name); 0 unknown */
	int64_t announced_ms; /* monotonic time of the announcement */
};

struct catalog {
	struct frame_rec **buckets; /* owned */
	size_t nbuckets, count;
	unsigned gen; /* current listing generation (starts at 1) */
};

/* 0 or SL_ERR_NOMEM. */
int catalog_init(struct catalog *c);
/* Frees every record; accepts a zeroed catalog. */
void catalog_free(struct catalog *c);

/* Borrowed record, or NULL. */
struct frame_rec *catalog_find(const struct catalog *c, const char *path);
/* Finds or creates the record of `path` (copied); 0 or SL_ERR_NOMEM. */
int catalog_add(struct catalog *c, const char *path, struct frame_rec **out);

/* Frees the record of `path`, if any. */
void catalog_remove(struct catalog *c, const char *path);

/* Calls fn for every record; records for which fn returns true are freed.
 * fn must not add records. */
typedef bool catalog_visit_fn(struct frame_rec *r, void *arg);
void catalog_sweep(struct catalog *c, catalog_visit_fn *fn, void *arg);

/* Counts the records for which pred returns true. */
typedef bool catalog_pred_fn(const struct frame_rec *r, const void *arg);
size_t catalog_count(const struct catalog *c, catalog_pred_fn *pred, const void *arg);

/* True when the record was listed on the Pi in the current generation. */
bool catalog_on_pi(const struct catalog *c, const struct frame_rec *r);

/* Marks verified records from `file` (missing file: nothing, 0); a later
 * line for the same path wins. Lines that do not parse or name no valid
 * frame path are skipped. *lines counts the lines read. 0, SL_ERR_IO,
 * SL_ERR_NOMEM. */
int catalog_load(struct catalog *c, const char *file, size_t *lines);
/* Appends a line for each of recs[0..n) still verified; no fsync (a lost
 * tail only costs hashing those frames again). *lines grows by the lines
 * written. 0 or SL_ERR_IO. */
int catalog_append(struct frame_rec *const *recs, size_t n, const char *file, size_t *lines);
/* Rewrites `file` atomically with the verified records still on the Pi;
 * *lines becomes their count. 0 or SL_ERR_IO (errno set). */
int catalog_save(const struct catalog *c, const char *file, size_t *lines);

#endif
