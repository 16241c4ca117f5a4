/* job_run.c - a job on its own thread; see job_run.h.
 *
 * Steps: select frames (sidecar checks), name the outputs, make the video
 * (or keogram, or star trails), write <name>.json, tell the loop. Every step reports into
 * the run under its lock, so the loop can publish progress at any time.
 */
#include "job_run.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "keogram.h"
#include "log.h"
#include "startrails.h"
#include "timeutil.h"

int job_run_new(struct job_run **out)
{
	struct job_run *r = calloc(1, sizeof(*r));

	*out = r;
	if (r == NULL)
		return SL_ERR_NOMEM;
	pthread_mutex_init(&r->lock, NULL);
	atomic_init(&r->stop, RUN_GO);
	r->notify_fd = -1;
	return SL_OK;
}

static void on_progress(void *arg, size_t done, size_t total)
{
	struct job_run *r = arg;

	pthread_mutex_lock(&r->lock);
	r->frames_done = done;
	r->frames_total = total;
	pthread_mutex_unlock(&r->lock);
}

static int on_skip(void *arg, const char *rel, const char *reason, const char *detail)
{
	struct job_run *r = arg;
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = skip_list_add(&r->skipped, rel, reason, detail);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static bool on_cancelled(void *arg)
{
	struct job_run *r = arg;

	return atomic_load(&r->stop) != RUN_GO;
}

/* Moves the selection's skipped frames into the run (the run owns them). */
static void take_selection(struct job_run *r, struct selection *sel)
{
	pthread_mutex_lock(&r->lock);
	r->skipped = sel->skipped;
	memset(&sel->skipped, 0, sizeof(sel->skipped));
	r->frames_total = sel->count;
	r->profile = sel->profile;
	pthread_mutex_unlock(&r->lock);
}

static int make_startrails(struct job_run *r, const struct selection *sel,
			   const struct video_hooks *hooks, const char *out, const char *thumb,
			   struct video_result *res, char why[ERRMSG_MAX])
{
	struct startrails_plan sp = {sel, r->spec.width_given ? r->spec.width : 0, NULL,
				     r->threads, out, thumb};
	char dark[PATH_MAX];

	if (r->spec.dark[0]) {
		if (path_join_safe(r->images_root, r->spec.dark, dark, sizeof(dark))) {
			err_why(why, "dark frame path too long");
			return SL_ERR_RANGE;
		}
		sp.dark = dark;
	}
	return startrails_make(&sp, hooks, res, why);
}

static int make_outputs(struct job_run *r, const struct selection *sel, char why[ERRMSG_MAX])
{
	struct video_hooks hooks = {on_progress, on_skip, on_cancelled, r};
	char name[JOB_NAME_MAX], dir[PATH_MAX], out[PATH_MAX], thumb[PATH_MAX];
	struct video_result res;
	bool image = r->spec.kind != JOB_VIDEO; /* a JPEG */
	int rc;

	job_output_name(&r->spec, sel->from_ms, sel->profile, name);
	if (path_join_safe(r->timelapses_root, r->spec.camera, dir, sizeof(dir)) ||
	    snprintf(out, sizeof(out), "%s/%s%s", dir, name, image ? ".jpg" : ".mp4") >=
		(int)sizeof(out) ||
	    snprintf(thumb, sizeof(thumb), "%s/%s_thumb.jpg", dir, name) >= (int)sizeof(thumb)) {
		err_why(why, "output path too long");
		return SL_ERR_RANGE;
	}
	if (mkdir_p(dir, 0755) < 0) {
		err_why(why, "cannot create %s: %s", dir, strerror(errno));
		return SL_ERR_IO;
	}
	if (r->spec.kind == JOB_KEOGRAM) {
		struct keogram_plan kp = {sel, r->spec.height, r->spec.deflicker_window, r->threads,
					  out};

		rc = keogram_make(&kp, &hooks, &res, why);
	} else if (r->spec.kind == JOB_STARTRAILS) {
		rc = make_startrails(r, sel, &hooks, out, thumb, &res, why);
	} else {
		struct video_plan vp = {
		    .sel = sel,
		    .width = r->spec.height > 0 && !r->spec.width_given ? -1 : r->spec.width,
		    .height = r->spec.height,
		    .fps = r->spec.fps,
		    .duration_seconds = r->spec.duration_seconds,
		    .codec = r->spec.codec,
		    .crf = r->spec.crf,
		    .preset = r->spec.preset,
		    .deflicker_window = r->spec.deflicker_window,
		    .threads = r->threads,
		    .output = out,
		    .thumbnail = thumb,
		};

		rc = video_encode(&vp, &hooks, &res, why);
	}
	if (rc)
		return rc;
	pthread_mutex_lock(&r->lock);
	r->res = res;
	snprintf(r->output, sizeof(r->output), "%s/%s%s", r->spec.camera, name,
		 image ? ".jpg" : ".mp4");
	if (res.thumbnail)
		snprintf(r->thumbnail, sizeof(r->thumbnail), "%s/%s_thumb.jpg", r->spec.camera,
			 name);
	r->finished_ms = time_now_ms();
	pthread_mutex_unlock(&r->lock);
	/* <name>.json: the final state, beside the outputs */
	snprintf(out, sizeof(out), "%s/%s.json", dir, name);
	char *text = job_run_state_text(r, JOB_DONE, NULL);

	if (text == NULL || file_write_atomic(out, text, strlen(text)) < 0) {
		rc = text ? err_from_errno(errno) : SL_ERR_NOMEM;
		err_why(why, "cannot write %s: %s", out, strerror(errno));
	}
	free(text);
	return rc;
}

static void *run_main(void *arg)
{
	struct job_run *r = arg;
	struct selection sel;
	char why[ERRMSG_MAX] = "";
	int rc;

	rc = select_frames(r->images_root, &r->spec, r->from_ms, r->to_ms, &sel, why);
	take_selection(r, &sel);
	if (rc == SL_OK)
		rc = make_outputs(r, &sel, why);
	selection_free(&sel);
	pthread_mutex_lock(&r->lock);
	r->rc = rc;
	snprintf(r->error, sizeof(r->error), "%s", rc && rc != ENC_CANCELLED ? why : "");
	if (r->finished_ms == 0 || rc)
		r->finished_ms = time_now_ms();
	r->finished = true;
	pthread_mutex_unlock(&r->lock);
	if (write(r->notify_fd, "x", 1) < 0)
		log_error("job %s: cannot wake the main loop: %s", r->spec.job_id, strerror(errno));
	return NULL;
}

int job_run_start(struct job_run *r)
{
	if (pthread_create(&r->thread, NULL, run_main, r) != 0)
		return SL_ERR_NOMEM;
	r->started = true;
	return SL_OK;
}

bool job_run_finished(struct job_run *r)
{
	bool f;

	pthread_mutex_lock(&r->lock);
	f = r->finished;
	pthread_mutex_unlock(&r->lock);
	return f;
}

char *job_run_state_text(struct job_run *r, enum job_state st, const char *error)
{
	struct job_view v = {0};
	bool ended = st == JOB_DONE || st == JOB_FAILED || st == JOB_CANCELLED;
	char *text;

	pthread_mutex_lock(&r->lock);
	v.job_id = r->spec.job_id;
	v.worker = r->worker;
	v.spec = &r->spec;
	v.profile = r->profile;
	v.state = st;
	v.frames_total = r->frames_total;
	v.frames_done = r->frames_done;
	v.skipped = &r->skipped;
	if (st == JOB_DONE) {
		v.output = r->output;
		v.thumbnail = r->thumbnail;
		v.size = r->res.size;
		v.duration_seconds = r->res.duration_seconds;
		v.width = r->res.width;
		v.height = r->res.height;
		v.fps = r->spec.kind == JOB_VIDEO ? r->res.fps : 0;
	}
	v.error = error ? error : st == JOB_FAILED ? r->error : NULL;
	v.error_code = st == JOB_FAILED ? r->rc : 0;
	v.created_ms = r->created_ms;
	v.started_ms = st == JOB_QUEUED ? 0 : r->started_ms;
	v.finished_ms = ended ? r->finished_ms : 0;
	v.attempts = r->attempts;
	v.request = r->request;
	text = state_text(&v);
	pthread_mutex_unlock(&r->lock);
	return text;
}

void job_run_free(struct job_run **rp)
{
	struct job_run *r;

	if (rp == NULL || *rp == NULL)
		return;
	r = *rp;
	if (r->started)
		pthread_join(r->thread, NULL);
	skip_list_free(&r->skipped);
	json_decref(r->request);
	pthread_mutex_destroy(&r->lock);
	free(r);
	*rp = NULL;
}
