/* retention.c - server-side frame retention and encode-job guards; see
 * retention.h.
 *
 * Guards err on the side of keeping: a range given as a date is widened by
 * a day on each side (the date is local to the location, windows may cross
 * midnight), a request never confirmed by a job state still guards for a
 * day, and a job naming no camera guards every camera.
 */
#include "retention.h"
#include "err.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frames.h"
#include "jsonx.h"
#include "timeutil.h"

#define DAY_MS		   86400000LL
#define UNCONFIRMED_TTL_MS DAY_MS

int retention_configure(struct retention *r, const json_t *section, char why[ERRMSG_MAX])
{
	const json_t *v;

	*r = (struct retention){0};
	if (section == NULL)
		return SL_OK;
	if (!json_is_object(section)) {
		err_why(why, "retention: must be an object");
		return SL_ERR_INVAL;
	}
	v = json_object_get(section, "server_frames_days");
	if (v == NULL || json_is_null(v))
		return SL_OK;
	if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 36500) {
		snprintf(
		    why, ERRMSG_MAX,
		    "retention.server_frames_days: must be a number of days, 0 (off) to 36500");
		return SL_ERR_INVAL;
	}
	r->days = json_number_value(v);
	return SL_OK;
}

void retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	free(r->jobs);
	r->jobs = NULL;
	r->njobs = r->cap = 0;
}

bool retention_enabled(const struct retention *r)
{
	return r->days > 0;
}

static struct job_guard *find_job(struct retention *r, const char *id)
{
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].job_id[0] && strcmp(r->jobs[i].job_id, id) == 0)
			return &r->jobs[i];
	return NULL;
}

static void drop_job(struct retention *r, struct job_guard *g)
{
	*g = r->jobs[--r->njobs];
}

static struct job_guard *new_job(struct retention *r)
{
	if (r->njobs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct job_guard *j = realloc(r->jobs, cap * sizeof(*j));

		if (j == NULL)
			return NULL;
		r->jobs = j;
		r->cap = cap;
	}
	r->jobs[r->njobs] = (struct job_guard){0};
	return &r->jobs[r->njobs++];
}

/* Copies what the job says about camera, profile and range into g. */
static void read_scope(struct job_guard *g, const json_t *obj)
{
	char why[ERRMSG_MAX];
	const char *s;
	int64_t ms;
	int y, m, d;

	if (jx_get_string(obj, "camera", &s, why) == SL_OK && id_is_valid(s))
		snprintf(g->camera, sizeof(g->camera), "%s", s);
	if (jx_get_string(obj, "profile", &s, why) == SL_OK && strlen(s) == 1 &&
	    isalpha((unsigned char)s[0]))
		g->profile = (char)tolower((unsigned char)s[0]);
	if (jx_get_string(obj, "from", &s, why) == SL_OK && time_parse_iso(s, &ms) == SL_OK)
		g->from_ms = ms;
	if (jx_get_string(obj, "to", &s, why) == SL_OK && time_parse_iso(s, &ms) == SL_OK)
		g->to_ms = ms;
	if (g->from_ms == 0 && g->to_ms == 0 && jx_get_string(obj, "date", &s, why) == SL_OK &&
	    time_parse_date(s, &y, &m, &d) == SL_OK) {
		char iso[16];

		snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
		if (time_parse_iso(iso, &ms) == SL_OK) {
			g->from_ms = ms - DAY_MS;
			g->to_ms = ms + 2 * DAY_MS;
		}
	}
}

void retention_on_job(struct retention *r, const char *job_id, const char *payload, size_t len,
		      int64_t now_ms)
{
	char why[ERRMSG_MAX];
	const char *state = NULL, *id = job_id;
	struct job_guard *g = NULL;
	json_t *obj;

	if (job_id && len == 0) {
		g = find_job(r, job_id);
		if (g)
			drop_job(r, g);
		return;
	}
	obj = jsonx_parse_object("payload", payload, len, PAYLOAD_MAX, why);
	if (obj == NULL)
		return;
	if (id == NULL && jx_get_string(obj, "job_id", &id, why) != SL_OK)
		id = NULL;
	if (id && !id_is_valid(id))
		id = NULL;
	if (job_id) {
		/* a state: terminal ones release the guard */
		if (jx_get_string(obj, "state", &state, why) != SL_OK)
			goto out;
		g = find_job(r, job_id);
		if (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0) {
			if (g)
				drop_job(r, g);
			goto out;
		}
	} else if (id) {
		g = find_job(r, id);
	}
	if (g == NULL) {
		g = new_job(r);
		if (g == NULL)
			goto out;
		if (id)
			snprintf(g->job_id, sizeof(g->job_id), "%s", id);
	}
	g->seen_ms = now_ms;
	if (job_id)
		g->confirmed = true;
	read_scope(g, obj);
out:
	json_decref(obj);
}

bool retention_protects(const struct retention *r, const char *camera, char profile,
			int64_t captured_ms, int64_t now_ms)
{
	for (size_t i = 0; i < r->njobs; i++) {
		const struct job_guard *g = &r->jobs[i];

		if (!g->confirmed && now_ms - g->seen_ms > UNCONFIRMED_TTL_MS)
			continue;
		if (g->camera[0] && strcmp(g->camera, camera) != 0)
			continue;
		if (g->profile && g->profile != profile)
			continue;
		if (g->from_ms && captured_ms < g->from_ms)
			continue;
		if (g->to_ms && captured_ms > g->to_ms)
			continue;
		return true;
	}
	return false;
}

/* Removes root/rel and its sidecar; 0 or -1 with errno. */
static int remove_frame(const char *root, const char *rel)
{
	char path[PATH_MAX];
	size_t n;

	if (path_join_safe(root, rel, path, sizeof(path)) != SL_OK) {
		errno = EINVAL;
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	n = strlen(path);
	if (n > 4 && n + 2 <= sizeof(path)) {
		memcpy(path + n - 4, ".json", 6);
		unlink(path);
	}
	*strrchr(path, '/') = '\0';
	rmdir(path); /* only succeeds once the day folder is empty */
	return 0;
}

int retention_run(struct retention *r, const char *root, const char *camera, int64_t now_ms,
		  retention_keep_fn *keep, void *arg, int max, int *deleted)
{
	struct frame_query q = {.camera = camera};
	struct frame_list list = {0};
	size_t camlen = strlen(camera);
	int rc;

	*deleted = 0;
	if (!retention_enabled(r))
		return SL_OK;
	q.to_ms = now_ms - (int64_t)(r->days * DAY_MS);
	rc = frames_list(root, &q, &list);
	if (rc == SL_ERR_NOTFOUND)
		return SL_OK;
	if (rc != SL_OK)
		return rc;
	for (size_t i = 0; i < list.count && *deleted < max; i++) {
		const struct frame_entry *e = &list.items[i];
		const char *rel = e->path + camlen + 1; /* profile-a/... */

		if (keep(rel, arg) ||
		    retention_protects(r, camera, e->profile, e->captured_ms, now_ms))
			continue;
		if (remove_frame(root, e->path) == 0)
			(*deleted)++;
	}
	r->deleted_total += *deleted;
	r->last_run_ms = now_ms;
	frame_list_free(&list);
	return SL_OK;
}
