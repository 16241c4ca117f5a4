/* hashing.h - the transfer's hashing jobs: a frame's server copy checked
 * against its sidecar (and, before deletion on the Pi, flushed to disk) on
 * worker threads at the lowest priority, results back on the event loop.
 *
 * One job per frame, and at most one at a time (CAT_HASHING marks the
 * record while one is queued or running). hashing_drop() ends a generation:
 * queued jobs are cancelled, running ones finish unseen, and their records
 * lose the mark. Records are found again by path when a result arrives, so
 * a record freed meanwhile is simply skipped.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_HASHING_H
#define SKYLAPSE_AGENTS_TRANSFER_HASHING_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "err.h"
#include "loop.h"
#include "verify.h"
#include "workq.h"

enum hash_kind {
	HASH_VERIFY,  /* does the copy match its sidecar? */
	HASH_CONFIRM, /* once more, and flushed, before the Pi's copy goes */
};

struct hash_result {
	enum hash_kind kind;
	bool final; /* as submitted */
	bool ok;    /* HASH_CONFIRM: matched and flushed */
	enum verify_result res;
	struct verify_info info;
	char why[ERRMSG_MAX];
	const char *rel; /* the frame's path */
};

/* On the loop, for each job of the current generation that ran and whose
 * record still exists (its CAT_HASHING mark already cleared). */
typedef void hashing_done_fn(struct frame_rec *r, const struct hash_result *res, void *arg);
/* On the loop, when the last job of the current generation is done. */
typedef void hashing_drained_fn(void *arg);

struct hashing {
	struct workq *q;
	struct catalog *cat; /* borrowed */
	const char *root;    /* borrowed: the server's camera folder */
	unsigned gen;
	size_t inflight; /* jobs of this generation not done yet */
	hashing_done_fn *done;
	hashing_drained_fn *drained;
	void *arg;
};

/* Starts the workers (one per CPU, at most 4). 0, or an error from
 * workq_new(). */
int hashing_init(struct hashing *h, struct loop *loop, struct catalog *cat, const char *root,
		 hashing_done_fn *done, hashing_drained_fn *drained, void *arg);
/* Queues a job for r unless one is queued or running already. A
 * HASH_VERIFY of a record judged before (verified or bad) whose copy kept
 * its size and mtime is skipped; one whose copy changed loses the
 * judgement. Out of memory: skipped (the pass after the sync catches up). */
void hashing_submit(struct hashing *h, struct frame_rec *r, enum hash_kind kind, bool final);
/* Starts a new generation (see above). */
void hashing_drop(struct hashing *h);
/* Drops everything and stops the workers; accepts a zeroed h. */
void hashing_free(struct hashing *h);

#endif
