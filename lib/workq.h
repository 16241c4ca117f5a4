/* workq.h - a few background threads for work that must not hold up the
 * event loop (hashing files, flushing them to disk), with every result
 * handed back on the loop.
 *
 * Jobs are the caller's own structures, passed as void *. A job is run once
 * on a worker thread (run_fn) and then given to done_fn on the loop thread,
 * in the order jobs finish; after done_fn the queue never touches it again,
 * so done_fn may free it. A job that never ran (workq_cancel(), or
 * workq_free() before a worker took it) still reaches done_fn, with
 * ran == false: nothing is lost or leaked.
 *
 * The workers run at a lower priority (nice_inc added to the process's
 * nice value, per thread), so background work takes the CPU time nothing
 * else wants and gives way to the programs the agent runs (rsync, ssh).
 * run_fn must be thread-safe: it may only touch its own job and read-only
 * shared data.
 */
#ifndef SKYLAPSE_LIB_WORKQ_H
#define SKYLAPSE_LIB_WORKQ_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"

struct workq;

typedef void workq_run_fn(void *job);
typedef void workq_done_fn(void *job, bool ran, void *arg);

/* Starts `threads` workers (1..16) at nice + nice_inc (0..19; a failure to
 * lower the priority is ignored). 0, SL_ERR_INVAL, SL_ERR_NOMEM, SL_ERR_IO. */
int workq_new(struct loop *loop, int threads, int nice_inc, workq_run_fn *run,
	      workq_done_fn *done, void *arg, struct workq **out);
/* Queues a job (not NULL). 0, or SL_ERR_INVAL after workq_free() began. */
int workq_submit(struct workq *q, void *job);
/* Jobs not taken by a worker yet go to done_fn (ran == false) on a later
 * loop turn; jobs running now finish normally. */
void workq_cancel(struct workq *q);
/* Submitted jobs that done_fn has not seen yet. */
size_t workq_pending(const struct workq *q);
/* Stops the workers (waiting for the jobs they are running), then calls
 * done_fn for every job it still holds, before returning: ran == true for
 * the ones that ran, false for the others. Accepts NULL; sets *q to NULL. */
void workq_free(struct workq **q);

/* Number of CPUs this process may run on (at least 1). */
int workq_cpus(void);

#endif
