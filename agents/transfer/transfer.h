/* transfer.h - the transfer's work: one cycle is a sync (rsync pull), a
 * verification of every frame the Pi listed, and a clean-up on the Pi
 * (then server retention when configured), driven by the state machine of
 * state.h on the agent's event loop.
 *
 * Nothing here blocks the loop for long: rsync and the clean-up run as
 * child processes; hashing runs on worker threads (hashing.h) at the lowest
 * priority, already during the sync for the frames rsync reports done, so
 * it uses the CPU time rsync and ssh leave over.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_TRANSFER_H
#define SKYLAPSE_AGENTS_TRANSFER_TRANSFER_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "child.h"
#include "hashing.h"
#include "cleanup.h"
#include "loop.h"
#include "retention.h"
#include "rsync.h"
#include "state.h"

struct xfer_settings {
	struct rsync_opts rsync; /* strings borrowed from the fields below / the config */
	char camera[ID_MAX + 1];
	char images_root[PATH_MAX];  /* the server's root (IMAGES_DIR) */
	char dest[PATH_MAX];	     /* images root + "/" + camera */
	char source_label[PATH_MAX]; /* "user@host:source", for logs and status */
	double delete_after_days;
	int interval_minutes;
	struct xfer_timing timing;
	bool enabled;
	int clean_max; /* frames deleted on the Pi per cycle at most */
};

struct xfer_stats {
	int64_t started_ms;			   /* wall clock, for status */
	int64_t sync_started_ms, sync_finished_ms; /* the last cycle, ok or not */
	int64_t last_ok_ms;			   /* end of the last cycle that succeeded */
	const char *result;			   /* "ok", "error", or NULL before the first */
	long long files, bytes;			   /* moved by the last sync */
	int errors; /* in the last cycle: a failed command, bad frames */
	long long files_total, bytes_total;
	long long verified_total;	       /* frames verified since start */
	long long deleted_last, deleted_total; /* verified frames deleted on the Pi */
	int on_pi;			       /* frames in the last listing */
	int unverified;			       /* of those, how many do not verify */
	enum xfer_error error_kind;
	char last_error[ERRMSG_MAX];
	int64_t last_error_ms;
	int cycles; /* finished, ok or not */
};

struct transfer;
/* Something worth publishing changed (state, counters). */
typedef void xfer_changed_fn(struct transfer *t, void *arg);
/* A cycle ended (ok or failed), or the agent finished stopping (stopped). */
typedef void xfer_cycle_fn(struct transfer *t, bool ok, void *arg);

struct transfer {
	struct loop *loop; /* borrowed */
	struct xfer_settings set;
	struct xfer_sm sm;
	struct catalog cat;
	struct retention ret;
	bool jobs_known; /* set by the agent: job states have had time to arrive */
	struct xfer_stats st;
	struct child *child;
	struct argv_list pull_argv, pull_listed_argv, clean_argv;
	char cache_path[PATH_MAX];
	size_t cache_lines; /* lines in the cache file */
	/* the running cycle */
	bool full;		    /* lists everything on the Pi (else the announced frames) */
	int64_t full_started_mono;  /* start of the last full listing */
	struct hashing hash;	    /* off the loop, at low priority */
	struct frame_rec *settling; /* listed last; rsync renames it just after the line */
	struct frame_rec **fresh; /* verified in this cycle, for the cache file */
	size_t nfresh, capfresh;
	long work_timer, tick_timer;
	bool resync; /* bad copies were removed: fetch again */
	struct clean_list clean;
	char err_tail[2048]; /* the running command's last stderr bytes */
	bool stopping;
	xfer_changed_fn *on_changed;
	xfer_cycle_fn *on_cycle;
	xfer_cycle_fn *on_stopped;
	void *cb_arg;
};

/* Prepares everything (command lines, the verification cache of the
 * destination); settings are copied. 0, SL_ERR_INVAL (why filled),
 * SL_ERR_NOMEM. */
int transfer_init(struct transfer *t, struct loop *loop, const struct xfer_settings *set,
		  const struct retention *ret, char why[ERRMSG_MAX]);
/* Arms the first sync (at once) unless disabled. */
void transfer_start(struct transfer *t);
/* A frame announcement's path (relative to the Pi's root, untrusted). A
 * frame newly owed while idle calls on_changed (the status said nothing was
 * owed; the scheduler waits on it before a window's video). */
void transfer_announce(struct transfer *t, const char *path);
/* Stops: a running command gets SIGTERM; on_stopped comes once nothing
 * runs any more (possibly before this returns). */
void transfer_stop(struct transfer *t);
/* Frees what t owns (kills a child still running); accepts a zeroed t. */
void transfer_free(struct transfer *t);

/* Frames announced and not verified yet. */
int transfer_backlog(const struct transfer *t);

#endif
