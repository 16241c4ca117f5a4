/* capture.c - one capture request, from payload to frames on disk.
 *
 * Order of a shot: meter once (light level and auto exposure's choice), turn
 * the profile into controls, take each exposure, then for each frame compute
 * its sha256 and preview, write it and its sidecar (frame_store), and only
 * then describe it as an announcement. Nothing here publishes.
 */
#include "capture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "frame_store.h"
#include "fsutil.h"
#include "jsonx.h"
#include "log.h"
#include "sha256.h"
#include "timeutil.h"

static int get_short_string(const json_t *obj, const char *key, size_t max, const char **out,
			    char why[ERRMSG_MAX])
{
	int rc = jx_get_string(obj, key, out, why);

	if (rc == SL_ERR_NOTFOUND)
		return SL_OK;
	if (rc)
		return rc;
	if (strlen(*out) > max) {
		snprintf(why, ERRMSG_MAX, "'%s' is longer than %zu characters", key, max);
		return SL_ERR_INVAL;
	}
	return SL_OK;
}

int capture_request_parse(const json_t *obj, struct capture_request *req, char why[ERRMSG_MAX])
{
	static const char *known[] = {"profile",  "backend_name", "request_id", "schedule",
				      "overrides", "camera",	    NULL};
	const char *key;
	json_t *v;
	int rc;

	memset(req, 0, sizeof(*req));
	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;

		for (int i = 0; known[i]; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok)
			log_debug("capture request: ignoring unknown field '%s'", key);
	}
	if ((rc = get_short_string(obj, "request_id", REQUEST_ID_MAX, &req->request_id, why)) ||
	    (rc = get_short_string(obj, "profile", 8, &req->profile, why)) ||
	    (rc = get_short_string(obj, "backend_name", ID_MAX, &req->backend_name, why)) ||
	    (rc = get_short_string(obj, "schedule", ID_MAX, &req->schedule, why)))
		return rc;
	v = json_object_get(obj, "overrides");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			snprintf(why, ERRMSG_MAX, "'overrides' must be an object");
			return SL_ERR_INVAL;
		}
		req->overrides = v;
	}
	return SL_OK;
}

int capture_authorize(const char *primary, const char *backend_name, char why[ERRMSG_MAX])
{
	if (primary == NULL || *primary == '\0')
		return SL_OK;
	if (backend_name && strcmp(backend_name, primary) == 0)
		return SL_OK;
	snprintf(why, ERRMSG_MAX, "Backend not authorized: only '%s' can trigger captures", primary);
	return SL_ERR_DENIED;
}

int capture_check_disk(struct capture_agent *a, char why[ERRMSG_MAX])
{
	uint64_t free_b, total_b;
	double pct;

	if (disk_space(a->images_root, &free_b, &total_b) < 0 || total_b == 0)
		return SL_OK; /* the write itself will say what is wrong */
	pct = 100.0 * (double)free_b / (double)total_b;
	a->disk_low = pct < a->cfg->min_free_pct;
	if (!a->disk_low)
		return SL_OK;
	snprintf(why, ERRMSG_MAX,
		 "disk nearly full: %.1f%% free on %.120s, below the %.1f%% minimum; capture refused",
		 pct, a->images_root, a->cfg->min_free_pct);
	return SL_ERR_NOSPACE;
}

static json_t *announcement(const struct capture_agent *a, const struct capture_request *req,
			    const struct profile *p, const struct camera_controls *ctl,
			    const struct camera_frame *f, const char *rel, int64_t at_ms,
			    const char *sha, double mean_luma, int bracket, double bracket_ev)
{
	char when[TIME_ISO_MAX], pid[2] = {p->id, '\0'};
	json_t *o = json_object();

	time_format_utc(at_ms, when);
	json_object_set_new(o, "camera", json_string(a->cfg->camera_id));
	json_object_set_new(o, "profile", json_string(pid));
	json_object_set_new(o, "path", json_string(rel));
	json_object_set_new(o, "captured_at", json_string(when));
	json_object_set_new(o, "size", json_integer((json_int_t)f->jpeg_size));
	json_object_set_new(o, "sha256", json_string(sha));
	json_object_set_new(o, "width", json_integer(f->width));
	json_object_set_new(o, "height", json_integer(f->height));
	json_object_set_new(o, "exposure_us", f->exposure_us > 0 ? json_integer(f->exposure_us)
								 : json_null());
	json_object_set_new(o, "analogue_gain",
			    f->analogue_gain > 0 ? json_real(f->analogue_gain) : json_null());
	json_object_set_new(o, "ev", json_real(bracket >= 0 ? bracket_ev : ctl->ev));
	json_object_set_new(o, "awb", json_string(f->awb_mode[0] ? f->awb_mode : ctl->awb_mode));
	json_object_set_new(o, "colour_temp_k",
			    f->colour_temp_k > 0 ? json_integer(f->colour_temp_k) : json_null());
	json_object_set_new(o, "lux", f->lux >= 0 ? json_real(round(f->lux * 100) / 100)
						  : json_null());
	json_object_set_new(o, "mean_luma", json_real(round(mean_luma * 100) / 100));
	jx_set_str(o, "schedule", req->schedule);
	jx_set_str(o, "request_id", req->request_id);
	jx_set_str(o, "backend_name", req->backend_name);
	if (bracket >= 0)
		json_object_set_new(o, "bracket",
				    json_pack("{s:i,s:i,s:f}", "index", bracket, "count",
					      p->bracket_count, "ev", bracket_ev));
	return o;
}

/* Writes one frame and appends its announcement; keeps the preview of the
 * reference shot. */
static int store_frame(struct capture_agent *a, const struct capture_request *req,
		       const struct profile *p, const struct camera_controls *ctl,
		       const struct camera_frame *f, int64_t at_ms, int bracket, double bracket_ev,
		       bool reference, json_t *frames, struct preview *preview,
		       char why[ERRMSG_MAX])
{
	char rel[PATH_MAX], sha[SHA256_HEX_LEN];
	struct preview pv;
	json_t *ann;
	int rc;

	rc = frame_rel_path(rel, sizeof(rel), p->id, at_ms, bracket);
	if (rc == SL_OK)
		rc = sha256_hex(f->jpeg, f->jpeg_size, sha);
	if (rc == SL_OK)
		rc = preview_make(f->jpeg, f->jpeg_size, PREVIEW_WIDTH, 80, &pv, why);
	if (rc)
		return rc;
	ann = announcement(a, req, p, ctl, f, rel, at_ms, sha, pv.mean_luma, bracket, bracket_ev);
	rc = frame_store_write(a->images_root, rel, f->jpeg, f->jpeg_size, ann, why);
	if (rc) {
		json_decref(ann);
		preview_clear(&pv);
		return rc;
	}
	json_array_append_new(frames, ann);
	snprintf(a->last_path, sizeof(a->last_path), "%s", rel);
	a->last_capture_ms = at_ms;
	if (reference) {
		preview_clear(preview);
		*preview = pv;
	} else {
		preview_clear(&pv);
	}
	return SL_OK;
}

int capture_execute(struct capture_agent *a, const struct capture_request *req, int64_t now_ms,
		    json_t **frames, struct preview *preview, char why[ERRMSG_MAX])
{
	const struct profile *p;
	struct camera_meter m = {.lux = -1};
	struct camera_controls ctl;
	int shots, rc;

	*frames = json_array();
	memset(preview, 0, sizeof(*preview));
	p = req->profile ? profile_find(&a->cfg->profiles, req->profile)
			 : profile_first_enabled(&a->cfg->profiles);
	if (p == NULL) {
		if (req->profile)
			snprintf(why, ERRMSG_MAX, "unknown profile '%s'", req->profile);
		else
			snprintf(why, ERRMSG_MAX, "no profile is enabled");
		return SL_ERR_NOTFOUND;
	}
	rc = capture_check_disk(a, why);
	if (rc)
		return rc;
	rc = camera_meter(a->cam, now_ms, &m, why);
	if (rc)
		return rc;
	rc = profile_controls(p, m.lux, req->overrides, &ctl, why);
	if (rc)
		return rc;
	shots = p->bracket_count > 1 ? p->bracket_count : 1;
	for (int i = 0; i < shots; i++) {
		struct camera_controls shot = ctl;
		struct camera_frame f;
		int bracket = shots > 1 ? i : -1;
		double ev = shots > 1 ? p->bracket_ev[i] : 0;
		int64_t at = i == 0 ? now_ms : time_now_ms();
		bool reference = shots == 1 || fabs(ev) < 1e-9 ||
				 (i == shots - 1 && json_array_size(*frames) == 0);

		if (at <= now_ms && i > 0)
			at = now_ms + i; /* distinct names even on a coarse clock */
		if (shots > 1) {
			/* EV has no effect on a manual exposure: bracket the time */
			double us = m.exposure_us * pow(2.0, ev);

			shot.ae_enable = false;
			shot.exposure_us = (int)fmin(fmax(us, 1.0), 120e6);
			shot.analogue_gain = profile_gain_valid(m.analogue_gain);
			shot.ev = 0;
		}
		rc = camera_capture(a->cam, &shot, at, &f, why);
		if (rc == SL_OK)
			rc = store_frame(a, req, p, &shot, &f, at, bracket, ev, reference, *frames,
					 preview, why);
		camera_frame_clear(&f);
		if (rc)
			return rc;
	}
	return SL_OK;
}

json_t *capture_result(const char *request_id, const char *error, json_t *frames)
{
	json_t *o = json_object();

	jx_set_str(o, "request_id", request_id);
	json_object_set_new(o, "status", json_string(error ? "error" : "ok"));
	if (error)
		json_object_set_new(o, "error", json_string(error));
	json_object_set_new(o, "frames", frames ? frames : json_array());
	return o;
}
