/* focus.c - the focus aid's session (focus.h): requests, the pacing timer,
 * one focus frame (capture, crop, figure, small JPEG) and its messages.
 *
 * Order: requests (focus_on_request), the timer (tick), a frame (shoot:
 * crop_encode then publish_frame), the state message (publish_state).
 */
#include "focus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "base64.h"
#include "camera.h"
#include "err.h"
#include "jsonx.h"
#include "log.h"
#include "request.h"
#include "timeutil.h"

#define CROP_QUALITY 85
#define CAMERA_JPEG_QUALITY 50 /* the camera's own JPEG is not kept */

/* One focus frame's crop: where it lies, its figure and its JPEG. */
struct crop {
	struct focus_rect r;
	int frame_w, frame_h;
	double sharpness;
	unsigned char *jpeg; /* TurboJPEG's: tjFree() */
	unsigned long size;
};

static void publish_state(struct focus *f)
{
	json_t *o = json_object();
	char *text;

	json_object_set_new(o, "camera", json_string(f->cap->cfg->camera_id));
	json_object_set_new(o, "active", json_boolean(f->active));
	if (f->active) {
		int64_t left = f->until_ms - loop_now_ms();

		json_object_set_new(o, "remaining_s", json_integer(left > 0 ? (left + 999) / 1000 : 0));
		json_object_set_new(o, "exposure_us", json_integer(f->exposure_us));
		json_object_set_new(o, "analogue_gain", json_real(f->analogue_gain));
	} else if (f->ended[0]) {
		json_object_set_new(o, "ended", json_string(f->ended));
	}
	json_object_set_new(o, "frames", json_integer(f->frames));
	json_object_set_new(o, "best", f->frames ? json_real(f->best) : json_null());
	jx_set_str(o, "request_id", f->request_id[0] ? f->request_id : NULL);
	if (f->error_rc) {
		json_object_set_new(o, "error", json_string(f->error));
		json_object_set_new(o, "error_kind", json_string(err_kind(f->error_rc)));
	}
	text = jx_dump(o);
	if (text)
		mqtt_set_state(f->mqtt, f->t_state, text, strlen(text));
	free(text);
	json_decref(o);
}

int focus_init(struct focus *f, struct loop *loop, struct mqtt_session *mqtt,
	       struct capture_agent *cap, const struct offline *offline, const char *root,
	       const char *camera)
{
	memset(f, 0, sizeof(*f));
	f->loop = loop;
	f->mqtt = mqtt;
	f->cap = cap;
	f->offline = offline;
	if (topic_fmt(f->t_request, root, "%s/focus/request", camera) ||
	    topic_fmt(f->t_frame, root, "%s/focus/frame", camera) ||
	    topic_fmt(f->t_state, root, "%s/focus/state", camera))
		return SL_ERR_RANGE;
	publish_state(f);
	return SL_OK;
}

void focus_end(struct focus *f, const char *reason)
{
	if (!f->active)
		return;
	f->active = false;
	if (f->timer)
		loop_del_timer(f->loop, f->timer);
	f->timer = 0;
	snprintf(f->ended, sizeof(f->ended), "%s", reason);
	log_info("focus: ended (%s) after %ld frames, best %.2f", reason, f->frames, f->best);
	publish_state(f);
}

/* The planes of the frame: the camera's, or decoded from its JPEG into
 * *decoded (owned by the caller) for a source without them (dir:). */
static int frame_planes(const struct camera_frame *fr, const unsigned char *planes[3],
			int strides[3], int *w, int *h, int *subsamp, unsigned char **decoded,
			char why[ERRMSG_MAX])
{
	tjhandle tj;
	unsigned char *p[3] = {NULL, NULL, NULL};
	int cs, rc = SL_ERR_PARSE;

	if (fr->yuv420[0]) {
		for (int i = 0; i < 3; i++) {
			planes[i] = fr->yuv420[i];
			strides[i] = fr->yuv420_strides[i];
		}
		*w = fr->width;
		*h = fr->height;
		*subsamp = TJSAMP_420;
		return SL_OK;
	}
	tj = tjInitDecompress();
	if (tj == NULL || tjDecompressHeader3(tj, fr->jpeg, fr->jpeg_size, w, h, subsamp, &cs)) {
		err_why(why, "focus: the camera's JPEG cannot be read");
		goto out;
	}
	*decoded = malloc(tjBufSizeYUV2(*w, 1, *h, *subsamp));
	if (*decoded == NULL) {
		rc = SL_ERR_NOMEM;
		err_why(why, "focus: out of memory");
		goto out;
	}
	p[0] = *decoded;
	for (int i = 0; i < 3; i++) {
		strides[i] = *subsamp == TJSAMP_GRAY && i ? 0 : tjPlaneWidth(i, *w, *subsamp);
		if (i)
			p[i] = p[i - 1] + (size_t)strides[i - 1] * tjPlaneHeight(i - 1, *h, *subsamp);
	}
	if (tjDecompressToYUVPlanes(tj, fr->jpeg, fr->jpeg_size, p, *w, strides, *h, 0)) {
		err_why(why, "focus: the camera's JPEG cannot be decoded: %s", tjGetErrorStr2(tj));
		goto out;
	}
	for (int i = 0; i < 3; i++)
		planes[i] = p[i];
	rc = SL_OK;
out:
	if (tj)
		tjDestroy(tj);
	return rc;
}

/* The crop of the request's place, its figure and its JPEG. */
static int crop_encode(const struct camera_frame *fr, const struct focus_request *req,
		       struct crop *out, char why[ERRMSG_MAX])
{
	const unsigned char *planes[3] = {NULL, NULL, NULL}, *cp[3] = {NULL, NULL, NULL};
	unsigned char *decoded = NULL;
	int strides[3] = {0, 0, 0}, subsamp, hf, vf, rc;
	tjhandle tj = NULL;

	rc = frame_planes(fr, planes, strides, &out->frame_w, &out->frame_h, &subsamp, &decoded,
			  why);
	if (rc)
		goto out;
	focus_crop_rect(out->frame_w, out->frame_h, req->crop, req->x, req->y, &out->r);
	cp[0] = planes[0] + (size_t)out->r.y * strides[0] + out->r.x;
	out->sharpness = focus_tenengrad(cp[0], strides[0], out->r.width, out->r.height);
	hf = tjMCUWidth[subsamp] / 8;
	vf = tjMCUHeight[subsamp] / 8;
	for (int i = 1; i < 3 && subsamp != TJSAMP_GRAY; i++)
		cp[i] = planes[i] + (size_t)(out->r.y / vf) * strides[i] + out->r.x / hf;
	tj = tjInitCompress();
	if (tj == NULL || tjCompressFromYUVPlanes(tj, cp, out->r.width, strides, out->r.height,
						  subsamp, &out->jpeg, &out->size, CROP_QUALITY,
						  0)) {
		err_why(why, "focus: the crop cannot be compressed: %s", tjGetErrorStr2(tj));
		rc = SL_ERR_CAMERA;
	}
out:
	if (tj)
		tjDestroy(tj);
	free(decoded);
	return rc;
}

static void publish_frame(struct focus *f, const struct camera_frame *fr, const struct crop *c,
			  int64_t at_ms)
{
	char *b64 = base64_encode(c->jpeg, c->size), *text = NULL;
	int64_t left = f->until_ms - loop_now_ms();
	json_t *o;

	if (b64 == NULL)
		return;
	o = json_object();
	json_object_set_new(o, "camera", json_string(f->cap->cfg->camera_id));
	json_object_set_new(o, "seq", json_integer(f->frames));
	json_object_set_new(o, "captured_at", jx_time_utc(true, at_ms));
	json_object_set_new(o, "measure", json_string("tenengrad"));
	json_object_set_new(o, "sharpness", json_real(c->sharpness));
	json_object_set_new(o, "best", json_real(f->best));
	json_object_set_new(o, "crop", json_pack("{s:i,s:i,s:i,s:i}", "x", c->r.x, "y", c->r.y,
						 "width", c->r.width, "height", c->r.height));
	json_object_set_new(o, "frame_width", json_integer(c->frame_w));
	json_object_set_new(o, "frame_height", json_integer(c->frame_h));
	json_object_set_new(o, "exposure_us", json_integer(fr->exposure_us));
	json_object_set_new(o, "analogue_gain", json_real(fr->analogue_gain));
	json_object_set_new(o, "lens_position", f->req.lens_position >= 0
							? json_real(f->req.lens_position)
							: json_null());
	json_object_set_new(o, "remaining_s", json_integer(left > 0 ? (left + 999) / 1000 : 0));
	json_object_set_new(o, "jpeg", json_string(b64));
	text = jx_dump(o);
	if (text)
		mqtt_publish(f->mqtt, f->t_frame, text, strlen(text), 0, false);
	free(text);
	free(b64);
	json_decref(o);
}

/* Manual exposure at the session's lock; the lens moved only when asked. */
static void focus_controls(const struct focus *f, struct camera_controls *c)
{
	memset(c, 0, sizeof(*c));
	c->ae_enable = false;
	c->exposure_us = f->exposure_us;
	c->analogue_gain = f->analogue_gain;
	c->colour_temp_k = -1;
	c->lens_position = -1;
	c->sharpness = c->contrast = c->saturation = -1;
	c->jpeg_quality = CAMERA_JPEG_QUALITY;
	if (f->req.lens_position >= 0) {
		snprintf(c->af_mode, sizeof(c->af_mode), "manual");
		c->lens_position = f->req.lens_position;
	}
}

static int shoot(struct focus *f, char why[ERRMSG_MAX])
{
	struct camera_controls ctl;
	struct camera_frame fr = {0};
	struct crop c = {0};
	int64_t t0 = loop_now_ms(), at_ms = time_now_ms();
	int rc;

	focus_controls(f, &ctl);
	rc = camera_capture(f->cap->cam, &ctl, at_ms, &fr, why);
	if (rc == SL_OK)
		rc = crop_encode(&fr, &f->req, &c, why);
	if (rc == SL_OK) {
		f->expected_ms = loop_now_ms() - t0;
		if (f->frames == 0 || c.sharpness > f->best)
			f->best = c.sharpness;
		publish_frame(f, &fr, &c, at_ms);
		f->frames++;
	}
	camera_frame_clear(&fr);
	tjFree(c.jpeg);
	return rc;
}

static int64_t tick(struct loop *l, long id, void *arg)
{
	struct focus *f = arg;
	int64_t prev = 0, next = 0, now = time_now_ms(), expected;
	char why[ERRMSG_MAX];
	int rc;

	(void)l;
	(void)id;
	if (loop_now_ms() >= f->until_ms) {
		f->timer = 0; /* this call's -1 removes it */
		focus_end(f, "timeout");
		return -1;
	}
	if (f->offline->have_plan)
		plan_slots_around(&f->offline->plan, now, &prev, &next);
	/* before the first frame its exposure is all that is known of its time */
	expected = f->expected_ms > f->exposure_us / 1000 ? f->expected_ms : f->exposure_us / 1000;
	if (f->cap->cam == NULL ||
	    !focus_may_shoot(f->cap->jobs_open, now, prev, next, expected, f->cap->last_capture_ms))
		return FOCUS_WAIT_MS;
	rc = shoot(f, why);
	if (rc != SL_OK) {
		log_warn("focus: %s", why);
		f->error_rc = rc;
		snprintf(f->error, sizeof(f->error), "%s", why);
		f->timer = 0;
		focus_end(f, "error");
		return -1;
	}
	return FOCUS_GAP_MS;
}

/* Locks the exposure: the request's, else what auto exposure meters now. */
static int lock_exposure(struct focus *f, const struct focus_request *req, char why[ERRMSG_MAX])
{
	struct camera_meter m;
	int rc;

	if (!f->active && (req->exposure_us < 0 || req->analogue_gain < 0)) {
		rc = camera_meter(f->cap->cam, time_now_ms(), &m, why);
		if (rc)
			return rc;
		f->exposure_us = m.exposure_us > 0 ? m.exposure_us : 10000;
		f->analogue_gain = profile_gain_valid(m.analogue_gain);
	}
	if (req->exposure_us > 0)
		f->exposure_us = req->exposure_us;
	if (req->analogue_gain > 0)
		f->analogue_gain = profile_gain_valid(req->analogue_gain);
	return SL_OK;
}

static void start(struct focus *f, const struct focus_request *req)
{
	bool moved = !f->active || req->crop != f->req.crop || req->x != f->req.x ||
		     req->y != f->req.y;
	int exposure_us = f->exposure_us;
	double gain = f->analogue_gain;
	char why[ERRMSG_MAX];
	int rc = lock_exposure(f, req, why);

	if (rc) {
		f->error_rc = rc;
		snprintf(f->error, sizeof(f->error), "%s", why);
		publish_state(f);
		return;
	}
	if (!f->active) {
		f->frames = 0;
		f->expected_ms = 0;
		f->ended[0] = '\0';
		log_info("focus: started for %d s (exposure %d us, gain %.2f)", req->duration_s,
			 f->exposure_us, f->analogue_gain);
	}
	if (moved || exposure_us != f->exposure_us || gain != f->analogue_gain)
		f->best = 0; /* best so far is of one crop at one exposure */
	f->req = *req;
	f->req.backend_name = f->req.request_id = NULL;
	f->active = true;
	f->error_rc = 0;
	f->until_ms = loop_now_ms() + (int64_t)req->duration_s * 1000;
	if (f->timer == 0)
		f->timer = loop_add_timer(f->loop, 0, tick, f);
	publish_state(f);
}

void focus_on_request(struct focus *f, const struct mqtt_message *m)
{
	struct focus_request req;
	char why[ERRMSG_MAX];
	json_t *obj;
	int rc;

	if (m->retained) {
		log_warn("ignoring a retained focus request (commands are never retained)");
		return;
	}
	obj = jsonx_parse_object("payload", (const char *)m->payload, m->len, PAYLOAD_MAX, why);
	rc = obj ? focus_request_parse(obj, &req, why) : SL_ERR_INVAL;
	if (rc == SL_OK)
		snprintf(f->request_id, sizeof(f->request_id), "%s",
			 req.request_id ? req.request_id : "");
	if (rc == SL_OK)
		rc = request_authorize(f->cap->set->primary_backend, req.backend_name, why);
	if (rc == SL_OK && req.action == FOCUS_START && f->cap->cam == NULL) {
		err_why(why, "camera not ready: %.200s", f->cap->camera_error);
		rc = SL_ERR_CAMERA;
	}
	if (rc) {
		log_warn("focus request refused: %s", why);
		f->error_rc = rc;
		snprintf(f->error, sizeof(f->error), "%s", why);
		publish_state(f);
	} else if (req.action == FOCUS_STOP) {
		f->error_rc = 0;
		if (f->active)
			focus_end(f, "stopped");
		else
			publish_state(f);
	} else {
		start(f, &req);
	}
	json_decref(obj);
}
