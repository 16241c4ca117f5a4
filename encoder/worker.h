/* worker.h - the encoder worker: MQTT jobs in, job states out.
 *
 * Runs on the program's loop. Jobs arrive on the shared subscription
 * $share/encoders/R/encoder/jobs (one worker gets each); the worker keeps
 * a local FIFO of its jobs and runs at most `concurrency` at a time, each
 * on a thread (job_run.h). States are retained on R/encoder/jobs/<job_id>:
 * queued, running (every second, with progress), then done, failed or
 * cancelled. What other workers do is learnt from R/encoder/jobs/+ and
 * R/encoder/+/availability (registry.h): duplicates are dropped, jobs of
 * a worker that went offline are taken over.
 *
 * Job state machine, one function per transition:
 *   (new) --accept--> QUEUED --start--> RUNNING --finish--> DONE | FAILED
 *   QUEUED | RUNNING --cancel--> CANCELLED
 *   RUNNING --worker stops--> QUEUED (retained, with this worker's id, so
 *   another worker, or this one restarted, takes it up)
 *   (invalid) --reject--> FAILED
 *
 * Incoming jobs wait until the retained states have arrived after each
 * (re)connect: the worker publishes a token to R/encoder/<worker>/sync
 * after subscribing, and the broker delivers it after the retained
 * messages of the earlier subscriptions.
 */
#ifndef SKYLAPSE_ENCODER_WORKER_H
#define SKYLAPSE_ENCODER_WORKER_H

#include "config.h"
#include "loop.h"
#include "mqtt.h"

#define WORKER_STOP_TIMEOUT_MS 15000

struct worker;

struct worker_opts {
	const char *id;		     /* worker id (copied) */
	int concurrency;	     /* jobs at once, >= 1 */
	int threads;		     /* decoding threads per job; 0: one per CPU */
	const char *images_root;     /* copied */
	const char *timelapses_root; /* copied */
};

/* Creates the worker on `loop` with `mqtt` (both borrowed, must outlive
 * it; the session must not be started yet) and `cfg` (borrowed until
 * worker_set_config replaces it; only the loop's thread reads it).
 * Subscribes and installs callbacks. */
int worker_new(struct loop *loop, struct mqtt_session *mqtt, const struct config *cfg,
	       const struct worker_opts *o, struct worker **out);

/* Swaps the configuration (reload); the old one is no longer used. */
void worker_set_config(struct worker *w, const struct config *cfg);

/* Begins a clean stop: no new jobs, running jobs are stopped and queued
 * again, then loop_stop() is called (after at most WORKER_STOP_TIMEOUT_MS). */
void worker_stop(struct worker *w);

/* Frees (stopping threads first); accepts NULL. */
void worker_free(struct worker **w);

#endif
