/* state.h - the job state message (SPEC section 4), retained on
 * R/encoder/jobs/<job_id> and written as <name>.json beside the outputs.
 *
 * Fields of the contract (schema/job-state.json): job_id, state, progress,
 * frames_total, frames_done, frames_skipped (the count) and skipped (why:
 * {path, reason, detail}, at most SKIP_JSON_MAX listed), output (relative
 * to the timelapses root), size, duration_seconds, error, error_kind, worker,
 * created_at, started_at, finished_at. Beyond it: kind, camera, profile,
 * thumbnail, width, height, fps, codec, attempts, and `request` (the job as
 * received, so that another worker can take it over).
 */
#ifndef SKYLAPSE_ENCODER_STATE_H
#define SKYLAPSE_ENCODER_STATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "select.h"

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED };

/* Everything a state message says, borrowed from its owners. */
struct job_view {
	const char *job_id;
	const char *worker;
	const struct encode_job *spec; /* NULL for a job that could not be parsed */
	char profile;		       /* resolved; 0: not yet known */
	enum job_state state;
	size_t frames_total, frames_done;
	const struct skip_list *skipped; /* may be NULL */
	const char *output, *thumbnail;	 /* relative paths, or NULL */
	int64_t size;
	double duration_seconds;
	int width, height, fps;
	const char *error;			     /* NULL: none */
	int error_code;				     /* its sl_err, sent as error_kind */
	int64_t created_ms, started_ms, finished_ms; /* 0: null */
	int attempts;
	const json_t *request; /* borrowed; may be NULL */
};

const char *job_state_name(enum job_state s);
/* 0 and *out, or SL_ERR_NOTFOUND for an unknown name. */
int job_state_parse(const char *name, enum job_state *out);
/* True for queued and running: a job some worker still owes an answer. */
bool job_state_active(enum job_state s);

/* The state message as a new reference (NULL when out of memory). */
json_t *state_json(const struct job_view *v);

/* Serialised state_json(); caller frees. */
char *state_text(const struct job_view *v);

#endif
