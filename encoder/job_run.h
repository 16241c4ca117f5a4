/* job_run.h - one job executed on its own thread.
 *
 * The worker (main loop) fills a struct job_run and starts it; the thread
 * selects the frames, makes the video, keogram or star trails with its thumbnail, and
 * writes <name>.json (the final state) beside the outputs in
 * TIMELAPSES_DIR/<camera>/. It never touches MQTT: progress and results
 * are fields under `lock`, and when it ends it writes one byte to
 * `notify_fd` so the loop wakes, joins it and publishes the outcome.
 * The loop asks it to stop by setting `stop`; it looks between frames.
 */
#ifndef SKYLAPSE_ENCODER_JOB_RUN_H
#define SKYLAPSE_ENCODER_JOB_RUN_H

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "job.h"
#include "select.h"
#include "state.h"
#include "video.h"

enum run_stop {
	RUN_GO,
	RUN_CANCEL,  /* cancelled by a user: ends "cancelled" */
	RUN_STOP,    /* the worker is stopping: the job is queued again */
	RUN_ABANDON, /* another worker owns the job: end silently */
};

struct job_run {
	/* set before job_run_start(), read-only afterwards */
	struct encode_job spec;
	json_t *request; /* owned; the thread's own copy */
	char worker[ID_MAX + 1];
	const char *images_root; /* borrowed, outlive the run */
	const char *timelapses_root;
	int64_t from_ms, to_ms; /* the resolved range (select_range) */
	int threads;
	int attempts;
	int64_t created_ms, started_ms;
	int notify_fd;
	/* set by the loop */
	atomic_int stop; /* enum run_stop */
	/* filled by the thread, under lock */
	pthread_mutex_t lock;
	size_t frames_total, frames_done;
	struct skip_list skipped;
	char profile;
	char output[PATH_MAX], thumbnail[PATH_MAX]; /* relative to timelapses_root */
	struct video_result res;
	int rc; /* 0, ENC_CANCELLED or an error code */
	char error[ERRMSG_MAX];
	int64_t finished_ms;
	bool finished;
	pthread_t thread;
	bool started;
};

/* A zeroed run with its lock made; job_run_free() releases it. */
int job_run_new(struct job_run **out);
/* Starts the thread; 0 or SL_ERR_NOMEM. */
int job_run_start(struct job_run *r);
/* True once the thread has ended (it then only needs joining). */
bool job_run_finished(struct job_run *r);
/* The job's state text as of now, with state `st` and `error` (NULL:
 * the run's own error when st is failed). Caller frees. */
char *job_run_state_text(struct job_run *r, enum job_state st, const char *error);
/* Joins the thread if started and frees everything; accepts NULL. */
void job_run_free(struct job_run **r);

#endif
