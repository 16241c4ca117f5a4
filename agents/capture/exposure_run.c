/* exposure_run.c - the exposure controller run per profile; see
 * exposure_run.h. In order: the track of a profile, the plan of a shot
 * (interval, limits, where the settings start), the frame taken, JSON and
 * the file.
 */
#include "exposure_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "jsonx.h"

#define STATE_FILE_MAX (64 * 1024)

static struct exposure_track *track_of(struct exposure_run *r, char profile, bool make)
{
	struct exposure_track *spare = NULL;

	for (int i = 0; i < PROFILE_MAX; i++) {
		if (r->t[i].profile == profile)
			return &r->t[i];
		if (r->t[i].profile == 0 && spare == NULL)
			spare = &r->t[i];
	}
	if (!make || spare == NULL)
		return NULL;
	memset(spare, 0, sizeof(*spare));
	spare->profile = profile;
	return spare;
}

const struct exposure_track *exposure_run_find(const struct exposure_run *r, char profile)
{
	return track_of((struct exposure_run *)r, profile, false);
}

static int interval_of(const struct exposure_track *t)
{
	return t->interval_ms > 0 ? t->interval_ms : EXPOSURE_RUN_FIRST_INTERVAL_MS;
}

/* Every exposure of a shot (its brackets) and the camera's own time fit in
 * the interval, less a margin for the loop and the broker. */
static void limits_of(const struct exposure_track *t, struct exposure_limits *lim)
{
	int camera = t->capture_ms > 0 ? t->capture_ms : EXPOSURE_RUN_FIRST_CAPTURE_MS;
	int room = interval_of(t) - camera - EXPOSURE_RUN_MARGIN_MS;

	exposure_limits_for(room / (t->shots > 1 ? t->shots : 1), 0, t->max_exposure_us, lim);
}

/* A state whose last frame is this old is off by an unknown amount (the
 * controller's own rule): the camera's metering is the better start, unless
 * the camera's auto exposure is at its limit (full gain: it cannot say how
 * dark it is) and the state is darker still, as after a night's pause. */
static bool stale(const struct exposure_track *t, const struct camera_meter *m, int64_t now_ms)
{
	int64_t gap = (int64_t)EXPOSURE_GAP_S * 1000, five = 5LL * interval_of(t);

	if (!t->st.have_frame || now_ms < t->st.last_ms)
		return true;
	if (now_ms - t->st.last_ms <= (gap > five ? gap : five))
		return false;
	return !(m->analogue_gain >= EXPOSURE_GAIN_MAX - 0.1 &&
		 (double)t->st.exposure_us * t->st.analogue_gain >
		     (double)m->exposure_us * m->analogue_gain);
}

void exposure_run_plan(struct exposure_run *r, const struct profile *p,
		       const struct camera_meter *m, int64_t now_ms, double sun_deg,
		       struct exposure_limits *lim, struct exposure_setting *out)
{
	struct exposure_track *t = track_of(r, p->id, true);
	struct exposure_track none = {0};
	struct exposure_setting s;
	int64_t since;

	if (t == NULL) /* cannot happen: one track per profile id */
		t = &none;
	since = t->last_plan_ms > 0 ? now_ms - t->last_plan_ms : -1;
	if (since > 0 && since <= (int64_t)EXPOSURE_GAP_S * 1000)
		t->interval_ms = since < EXPOSURE_RUN_MIN_INTERVAL_MS ? EXPOSURE_RUN_MIN_INTERVAL_MS
								      : (int)since;
	t->last_plan_ms = now_ms;
	t->shots = p->bracket_count > 1 ? p->bracket_count : 1;
	t->max_exposure_us = p->max_exposure_us;
	limits_of(t, lim);
	if (stale(t, m, now_ms))
		exposure_state_init(&t->st, m->exposure_us, m->analogue_gain, sun_deg, &s);
	else
		s = (struct exposure_setting){t->st.exposure_us, t->st.analogue_gain,
					      t->st.colour_temp_k};
	/* the limits may have shrunk since the controller chose (a shorter
	 * interval, a slower camera): the same light, split anew */
	if (s.exposure_us > lim->exposure_max_us || s.exposure_us < lim->exposure_min_us)
		exposure_bracket(lim, &s, 0, &s);
	*out = s;
}

void exposure_run_taken(struct exposure_run *r, char profile, const struct exposure_frame *f,
			double sun_deg, int camera_ms)
{
	struct exposure_track *t = track_of(r, profile, false);
	struct exposure_limits lim;
	struct exposure_setting next;

	if (t == NULL)
		return;
	if (camera_ms >= 0) {
		int was = t->capture_ms;

		/* up at once, down only past the jitter (see exposure_run.h) */
		if (was <= 0 || camera_ms > was || was - camera_ms > EXPOSURE_RUN_JITTER_MS)
			t->capture_ms = camera_ms > 0 ? camera_ms : 1;
	}
	limits_of(t, &lim);
	exposure_next(&t->st, &lim, f, sun_deg, interval_of(t), &next);
}

void exposure_run_controls(const struct exposure_setting *s, bool keep_wb,
			   struct camera_controls *c)
{
	c->ae_enable = false;
	c->ev = 0;
	c->exposure_us = s->exposure_us;
	c->analogue_gain = profile_gain_valid(s->analogue_gain);
	if (keep_wb)
		return;
	snprintf(c->awb_mode, sizeof(c->awb_mode), "custom");
	c->colour_temp_k = s->colour_temp_k;
}

json_t *exposure_run_to_json(const struct exposure_run *r)
{
	json_t *o = json_object();

	for (int i = 0; o != NULL && i < PROFILE_MAX; i++) {
		const struct exposure_track *t = &r->t[i];
		char id[2] = {t->profile, '\0'};
		json_t *st;

		if (t->profile == 0)
			continue;
		st = exposure_state_to_json(&t->st);
		if (st == NULL || json_object_set_new(o, id,
						      json_pack("{s:o, s:i, s:i}", "state", st,
								"interval_ms", t->interval_ms,
								"capture_ms", t->capture_ms)) < 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

int exposure_run_from_json(struct exposure_run *r, const json_t *obj, char why[ERRMSG_MAX])
{
	struct exposure_run next = {{{0}}};
	const char *key;
	json_t *v;
	int n = 0;

	if (!json_is_object(obj)) {
		err_why(why, "must be an object of profile id to exposure state");
		return SL_ERR_INVAL;
	}
	json_object_foreach((json_t *)obj, key, v) {
		struct exposure_track *t;
		long long interval = 0, camera = 0;
		char inner[ERRMSG_MAX];
		int rc;

		if (strlen(key) != 1 || key[0] < 'a' || key[0] > 'z' || n >= PROFILE_MAX) {
			err_why(why, "'%.20s' is not a profile id", key);
			return SL_ERR_INVAL;
		}
		t = &next.t[n++];
		t->profile = key[0];
		rc = exposure_state_from_json(&t->st, json_object_get(v, "state"), inner);
		if (rc == 0)
			rc = jx_get_int(v, "interval_ms", 0, (long long)EXPOSURE_GAP_S * 1000,
					&interval, inner);
		if (rc == 0)
			rc = jx_get_int(v, "capture_ms", 0, 600000, &camera, inner);
		if (rc < 0) {
			err_why(why, "profile %s: %s", key, inner);
			return SL_ERR_INVAL;
		}
		t->interval_ms = (int)interval;
		t->capture_ms = (int)camera;
	}
	*r = next;
	return 0;
}

int exposure_run_save(const struct exposure_run *r, const char *path, char why[ERRMSG_MAX])
{
	json_t *o = exposure_run_to_json(r);
	char *text = o ? jx_dump(o) : NULL;
	int rc = 0;

	if (text == NULL) {
		err_why(why, "out of memory");
		rc = SL_ERR_NOMEM;
		goto out;
	}
	if (file_write_atomic(path, text, strlen(text)) < 0) {
		rc = err_from_errno(errno);
		err_why(why, "%s: %s", path, strerror(errno));
	}
out:
	free(text);
	json_decref(o);
	return rc;
}

int exposure_run_load(struct exposure_run *r, const char *path, char why[ERRMSG_MAX])
{
	char *text = NULL, inner[ERRMSG_MAX];
	json_t *o = NULL;
	size_t len = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (file_read_all(path, STATE_FILE_MAX, &text, &len) < 0) {
		if (errno == ENOENT)
			return 0;
		rc = err_from_errno(errno);
		err_why(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	o = jsonx_parse_object("exposure state", text, len, STATE_FILE_MAX, inner);
	if (o == NULL) {
		rc = SL_ERR_PARSE;
		err_why(why, "%s: %s", path, inner);
	} else if ((rc = exposure_run_from_json(r, o, inner)) < 0) {
		err_why(why, "%s: %s", path, inner);
	}
out:
	json_decref(o);
	free(text);
	return rc;
}
