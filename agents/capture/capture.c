/* capture.c - one capture job, from the camera to frames on disk.
 *
 * Shoot: meter once (light level and auto exposure's choice), turn the
 * profile into controls, take each exposure, take preview and mean luma from
 * the planes. Store: the EXIF block, then frame and sidecar written (and the
 * frame hashed meanwhile) by frame_store; the sidecar is the announcement,
 * announced only once both are durable. See capture.h for threads.
 */
#include "capture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "err.h"
#include "fault.h"
#include "frame_store.h"
#include "fsutil.h"
#include "jsonx.h"
#include "mqtt.h"
#include "log.h"
#include "sun.h"
#include "timeutil.h"

int capture_check_disk(struct capture_agent *a, char why[ERRMSG_MAX])
{
	uint64_t free_b, total_b;
	double pct;

	if (disk_space(a->images_root, &free_b, &total_b) < 0 || total_b == 0)
		return SL_OK; /* the write itself will say what is wrong */
	pct = 100.0 * (double)free_b / (double)total_b;
	a->disk_low = pct < a->set->min_free_pct;
	if (!a->disk_low)
		return SL_OK;
	err_why(why, "disk nearly full: %.1f%% free on %.120s, below the %.1f%% minimum; capture refused",
		 pct, a->images_root, a->set->min_free_pct);
	return SL_ERR_NOSPACE;
}

static int64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t capture_now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

/* The frame's announcement, its "sha256" left for frame_store_write(). */
static json_t *announcement(const struct capture_job *job, const struct shot *s, const char *rel)
{
	const struct camera_frame *f = &s->f;
	char when[TIME_ISO_MAX], pid[2] = {job->profile, '\0'};
	json_t *o = json_object();

	time_format_utc(s->at_ms, when);
	json_object_set_new(o, "camera", json_string(job->camera_id));
	json_object_set_new(o, "profile", json_string(pid));
	json_object_set_new(o, "path", json_string(rel));
	json_object_set_new(o, "captured_at", json_string(when));
	json_object_set_new(o, "size", json_integer((json_int_t)f->jpeg_size));
	json_object_set_new(o, "sha256", json_null());
	json_object_set_new(o, "width", json_integer(f->width));
	json_object_set_new(o, "height", json_integer(f->height));
	json_object_set_new(o, "exposure_us", f->exposure_us > 0 ? json_integer(f->exposure_us)
								 : json_null());
	json_object_set_new(o, "analogue_gain",
			    f->analogue_gain > 0 ? json_real(f->analogue_gain) : json_null());
	json_object_set_new(o, "ev", json_real(s->bracket >= 0 ? s->bracket_ev : s->ctl.ev));
	json_object_set_new(o, "awb", json_string(f->awb_mode[0] ? f->awb_mode : s->ctl.awb_mode));
	json_object_set_new(o, "colour_temp_k",
			    f->colour_temp_k > 0 ? json_integer(f->colour_temp_k) : json_null());
	json_object_set_new(o, "lux", f->lux >= 0 ? json_real(round(f->lux * 100) / 100)
						  : json_null());
	json_object_set_new(o, "mean_luma", json_real(round(s->mean_luma * 100) / 100));
	json_object_set_new(o, "exposure_control",
			    json_string(s->agent_exposure ? "agent" : "camera"));
	jx_set_str(o, "schedule", job->schedule);
	jx_set_str(o, "request_id", job->request_id);
	jx_set_str(o, "backend_name", job->backend_name);
	if (job->slot_ms) {
		time_format_utc(job->slot_ms, when);
		json_object_set_new(o, "slot", json_string(when));
	}
	if (s->bracket >= 0)
		json_object_set_new(o, "bracket",
				    json_pack("{s:i,s:i,s:f}", "index", s->bracket, "count",
					      job->bracket_count, "ev", s->bracket_ev));
	return o;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct capture_job *capture_job_new(struct capture_agent *a, const struct capture_request *req)
{
	struct capture_job *job = calloc(1, sizeof(*job));

	if (job == NULL)
		return NULL;
	job->request_id = dup_or_null(req->request_id);
	job->backend_name = dup_or_null(req->backend_name);
	job->schedule = dup_or_null(req->schedule);
	job->profile_asked = dup_or_null(req->profile);
	job->overrides = json_incref((json_t *)req->overrides);
	job->slot_ms = req->slot_ms;
	snprintf(job->camera_id, sizeof(job->camera_id), "%s", a->cfg->camera_id);
	snprintf(job->images_root, sizeof(job->images_root), "%s", a->images_root);
	job->exif = (struct exif_info){.camera_model = job->camera_model, /* set by the shoot */
				       .software = "skylapse " SKYLAPSE_VERSION,
				       .have_location = a->cfg->have_location,
				       .latitude = a->cfg->latitude,
				       .longitude = a->cfg->longitude};
	job->frames = json_array();
	if ((req->request_id && !job->request_id) || (req->backend_name && !job->backend_name) ||
	    (req->schedule && !job->schedule) || (req->profile && !job->profile_asked) ||
	    !job->frames)
		capture_job_free(&job);
	else
		a->jobs_open++;
	return job;
}

void capture_job_free(struct capture_job **jp)
{
	struct capture_job *job;

	if (jp == NULL || *jp == NULL)
		return;
	job = *jp;
	for (int i = 0; i < job->nshots; i++)
		camera_frame_clear(&job->shots[i].f);
	preview_clear(&job->preview);
	json_decref(job->frames);
	free(job->request_id);
	free(job->backend_name);
	free(job->schedule);
	free(job->profile_asked);
	json_decref(job->overrides);
	mqtt_reply_to_free(&job->reply_to);
	free(job);
	*jp = NULL;
}

static int job_fail(struct capture_job *job, int rc)
{
	job->rc = rc;
	return rc;
}

/* The shot's mean luma; the reference shot's preview becomes the job's, others' are freed. */
static void keep_preview(struct capture_job *job, struct shot *s, struct jpeg_preview *pv,
			 bool reference)
{
	s->mean_luma = pv->mean_luma;
	if (reference) {
		preview_clear(&job->preview);
		job->preview = *pv;
	} else {
		preview_clear(pv);
	}
}

/* Preview and mean luma from the planes while the camera still holds them. */
static void measure_planes(struct capture_job *job, struct shot *s, bool reference)
{
	const struct camera_frame *f = &s->f;
	struct jpeg_preview pv;
	char why[ERRMSG_MAX];

	if (f->yuv420[0] == NULL)
		return;
	if (preview_from_yuv420(f->yuv420, f->yuv420_strides, f->width, f->height, PREVIEW_WIDTH,
				80, &pv, why) != SL_OK)
		return; /* the store decodes instead */
	keep_preview(job, s, &pv, reference);
}

/* Whether a request's overrides decide the exposure of the shot. */
static bool overrides_exposure(const json_t *ov)
{
	static const char *const keys[] = {"ae", "exposure_us", "analogue_gain", "ev", NULL};

	for (int i = 0; ov && keys[i]; i++)
		if (json_object_get(ov, keys[i]))
			return true;
	return false;
}

/* The agent's exposure control: the reference frame (its planes still the
 * camera's) goes to the controller, whose states are then saved. */
static void agent_feed(struct capture_agent *a, const struct capture_job *job, double sun_deg,
		       const struct exposure_frame *f, int camera_ms)
{
	char why[ERRMSG_MAX];

	exposure_run_taken(a->expo, job->profile, f, sun_deg, camera_ms);
	if (a->expo_path[0] && exposure_run_save(a->expo, a->expo_path, why) < 0)
		log_warn("exposure state not saved: %s", why);
}

/* Mean and highlight of a frame's luma plane, every 4th row: a 12 MP frame
 * costs a few ms, and the sky has no detail one row would miss. */
static void agent_measure(const struct shot *s, struct exposure_frame *f)
{
	const struct camera_frame *cf = &s->f;

	exposure_measure_plane(cf->yuv420[0], cf->width, (cf->height + 3) / 4,
			       cf->yuv420_strides[0] * 4, f);
	f->at_ms = s->at_ms;
	f->exposure_us = cf->exposure_us;
	f->analogue_gain = cf->analogue_gain;
}

int capture_shoot(struct capture_agent *a, struct capture_job *job, int64_t now_ms)
{
	const char *profile = job->profile_asked;
	const struct profile *p;
	struct camera_meter m = {.lux = -1};
	struct camera_controls ctl;
	struct exposure_limits lim;
	struct exposure_setting base;
	struct exposure_frame measured = {0};
	struct sun_position sun = {0};
	int64_t camera_us = 0, exposed_us = 0;
	bool agent, fed = false;
	int shots, rc;

	fault_point("shoot");
	p = profile ? profile_find(&a->cfg->profiles, profile)
		    : profile_first_enabled(&a->cfg->profiles);
	if (p == NULL) {
		if (profile == NULL) {
			snprintf(job->why, ERRMSG_MAX, "no profile is enabled");
			return job_fail(job, SL_ERR_NOTFOUND);
		}
		snprintf(job->why, ERRMSG_MAX, "unknown profile '%s'", profile);
		return job_fail(job, SL_ERR_INVAL); /* the request's fault, like a wrong type */
	}
	job->profile = p->id;
	job->bracket_count = p->bracket_count;
	snprintf(job->camera_model, sizeof(job->camera_model), "%s",
		 a->cam ? camera_info(a->cam)->model : "");
	if ((rc = capture_check_disk(a, job->why)) != SL_OK ||
	    (rc = camera_meter(a->cam, now_ms, &m, job->why)) != SL_OK ||
	    (rc = profile_controls(p, m.lux, job->overrides, &ctl, job->why)) != SL_OK)
		return job_fail(job, rc);
	agent = p->agent_exposure && a->expo && !overrides_exposure(job->overrides);
	if (agent) {
		sun_position_at(a->cfg->latitude, a->cfg->longitude, now_ms, &sun);
		exposure_run_plan(a->expo, p, &m, now_ms, sun.elevation_deg, &lim, &base);
		exposure_run_controls(&base,
				      json_object_get(job->overrides, "awb_mode") ||
					  json_object_get(job->overrides, "colour_temp_k"),
				      &ctl);
	}
	shots = p->bracket_count > 1 ? p->bracket_count : 1;
	job->reference = shots - 1;
	for (int i = 0; i < shots; i++) {
		struct shot *s = &job->shots[i];
		int64_t t0, t1;

		s->ctl = ctl;
		s->agent_exposure = agent;
		s->bracket = shots > 1 ? i : -1;
		s->bracket_ev = shots > 1 ? p->bracket_ev[i] : 0;
		s->mean_luma = -1;
		s->at_ms = i == 0 ? now_ms : time_now_ms();
		if (i > 0 && s->at_ms <= job->shots[i - 1].at_ms)
			s->at_ms = job->shots[i - 1].at_ms + 1; /* distinct names on a coarse clock */
		if (shots > 1 && fabs(s->bracket_ev) < 1e-9)
			job->reference = i;
		if (shots > 1 && agent) {
			/* around the controlled exposure, within the same limits */
			struct exposure_setting b;

			exposure_bracket(&lim, &base, s->bracket_ev, &b);
			s->ctl.exposure_us = b.exposure_us;
			s->ctl.analogue_gain = b.analogue_gain;
		} else if (shots > 1) {
			/* brackets are manual around the metered exposure (camera.h) */
			s->ctl.ae_enable = false;
			s->ctl.exposure_us = m.exposure_us;
			s->ctl.analogue_gain = profile_gain_valid(m.analogue_gain);
			s->ctl.ev = 0;
			profile_controls_bracket(&s->ctl, s->bracket_ev);
		}
		t0 = capture_now_us();
		rc = camera_capture(a->cam, &s->ctl, s->at_ms, &s->f, job->why);
		if (rc != SL_OK)
			return job_fail(job, rc);
		job->nshots = i + 1;
		t1 = capture_now_us();
		camera_us += t1 - t0;
		exposed_us += s->f.exposure_us > 0 ? s->f.exposure_us : 0;
		if (agent && i == job->reference && s->f.yuv420[0]) {
			agent_measure(s, &measured);
			fed = true;
		}
		measure_planes(job, s, shots == 1 || i == job->reference);
		memset(s->f.yuv420, 0, sizeof(s->f.yuv420)); /* the camera reuses them */
		log_debug("shot %d/%d: camera %lld us, preview %lld us", i + 1, shots,
			  (long long)(t1 - t0), (long long)(capture_now_us() - t1));
	}
	/* a source without planes (dir:) leaves the controller on the meter */
	if (fed)
		agent_feed(a, job, sun.elevation_deg, &measured,
			   (int)((camera_us > exposed_us ? camera_us - exposed_us : 0) / 1000));
	return SL_OK;
}

/* The shot's JPEG with its EXIF block (exif.h) in place of the camera's. */
static int add_exif(struct capture_job *job, struct shot *s)
{
	struct exif_info ex = job->exif;
	time_t t = (time_t)(s->at_ms / 1000);
	unsigned char *jpeg;
	size_t len;
	struct tm tm;
	int rc;

	localtime_r(&t, &tm); /* the zone is set once, before the writer starts */
	ex.captured_ms = s->at_ms;
	ex.utc_offset_minutes = (int)(tm.tm_gmtoff / 60);
	ex.exposure_us = s->f.exposure_us;
	ex.analogue_gain = s->f.analogue_gain;
	rc = exif_insert(s->f.jpeg, s->f.jpeg_size, &ex, &jpeg, &len);
	if (rc != SL_OK) {
		err_why(job->why, "cannot add the EXIF block: %s", err_str(rc));
		return rc;
	}
	free(s->f.jpeg);
	s->f.jpeg = jpeg;
	s->f.jpeg_size = len;
	return SL_OK;
}

/* Writes one frame and appends its announcement. */
static int store_shot(struct capture_job *job, int i)
{
	struct shot *s = &job->shots[i];
	char rel[PATH_MAX];
	int64_t t0 = capture_now_us(), cpu0 = clock_us(CLOCK_THREAD_CPUTIME_ID), t1, t2;
	json_t *ann;
	int rc;

	rc = frame_rel_path(rel, sizeof(rel), job->profile, s->at_ms, s->bracket);
	if (rc == SL_OK)
		rc = add_exif(job, s);
	t1 = capture_now_us();
	if (rc == SL_OK && (s->mean_luma < 0 || (i == job->reference && !job->preview.jpeg))) {
		struct jpeg_preview pv;

		rc = preview_make(s->f.jpeg, s->f.jpeg_size, PREVIEW_WIDTH, 80, &pv, job->why);
		if (rc == SL_OK)
			keep_preview(job, s, &pv, i == job->reference);
	}
	if (rc)
		return rc;
	t2 = capture_now_us();
	ann = announcement(job, s, rel);
	rc = frame_store_write(job->images_root, rel, s->f.jpeg, s->f.jpeg_size, ann, job->why);
	if (rc) {
		json_decref(ann);
		return rc;
	}
	json_array_append_new(job->frames, ann);
	log_debug("stored %s: exif %lld us, preview %lld us, write %lld us (cpu %lld us)", rel,
		  (long long)(t1 - t0), (long long)(t2 - t1), (long long)(capture_now_us() - t2),
		  (long long)(clock_us(CLOCK_THREAD_CPUTIME_ID) - cpu0));
	return SL_OK;
}

int capture_store(struct capture_job *job)
{
	for (int i = 0; i < job->nshots && job->rc == SL_OK; i++)
		job->rc = store_shot(job, i);
	return job->rc;
}

void capture_account(struct capture_agent *a, const struct capture_job *job)
{
	size_t n = json_array_size(job->frames);
	int64_t day_start, day_len;

	a->jobs_open--;
	if (job->replay)
		return;
	time_local_day(time_now_ms(), &day_start, &day_len);
	if (day_start != a->today_start_ms) {
		a->today_start_ms = day_start;
		a->frames_today = 0;
	}
	a->frames_today += (long)n;
	if (n > 0) {
		json_t *last = json_array_get(job->frames, n - 1);

		snprintf(a->last_path, sizeof(a->last_path), "%s",
			 json_string_value(json_object_get(last, "path")));
		a->last_capture_ms = job->shots[job->nshots - 1].at_ms;
		json_decref(a->last_frame);
		a->last_frame = json_incref(last);
	}
	if (job->rc == SL_OK) {
		a->captures_total++;
	} else {
		a->errors_total++;
		snprintf(a->last_error, sizeof(a->last_error), "%s", job->why);
		a->last_error_ms = time_now_ms();
	}
}

json_t *capture_result(const struct capture_job *job)
{
	json_t *o = json_object();

	jx_set_str(o, "request_id", job->request_id);
	json_object_set_new(o, "status", json_string(job->rc ? "error" : "ok"));
	if (job->rc) {
		json_object_set_new(o, "error",
				    json_string(job->why[0] ? job->why : err_str(job->rc)));
		json_object_set_new(o, "error_kind", json_string(err_kind(job->rc)));
	}
	json_object_set(o, "frames", job->frames);
	return o;
}
