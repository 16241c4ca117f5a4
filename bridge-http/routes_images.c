/* routes_images.c - frames: the list with filters and paging, one frame,
 * a camera's newest frame and its retained preview.
 *
 * Frames are read from the server's images root (SPEC 6, one folder per
 * camera); names carry the capture time, so a listing reads directory
 * entries only and opens sidecars for the page it returns. Every path from
 * a request goes through files_resolve() (files.h): "..", encoded or not,
 * absolute paths, hidden names and symlinks leading out of the root all end
 * in 404.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "files.h"
#include "frames.h"
#include "preview.h"
#include "http.h"
#include "routes.h"
#include "sky.h"
#include "window.h"
#include "timeutil.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define LATEST_RECENT_MS (2 * 86400000LL)

/* from/to/date as a [from, to) range; 0 = unbounded. */
static int time_filters(struct request *rq, int64_t *from, int64_t *to)
{
	char buf[64];
	struct local_date d;
	int64_t a, z;
	int rc;

	*from = *to = 0;
	rc = query_str(rq, "date", buf, sizeof(buf));
	if (rc == SL_ERR_INVAL)
		return rc;
	if (rc == SL_OK && buf[0]) {
		if (sky_date_parse(buf, 0, &d) != SL_OK) {
			http_reply_error(rq, 400, SL_ERR_INVAL,
					 "query parameter 'date' must be a date YYYY-MM-DD");
			return SL_ERR_INVAL;
		}
		window_date_bounds(d.year, d.month, d.day, from, to);
	}
	static const char *keys[] = {"from", "to"};
	for (int i = 0; i < 2; i++) {
		int64_t *bound = i == 0 ? &a : &z;

		rc = query_str(rq, keys[i], buf, sizeof(buf));
		if (rc == SL_ERR_INVAL)
			return rc;
		if (rc != SL_OK || buf[0] == '\0')
			continue;
		if (time_parse_iso(buf, bound) != SL_OK) {
			http_reply_error(rq, 400, SL_ERR_INVAL,
					 "query parameter '%s' must be an ISO 8601 time "
					 "(2026-11-27T06:00:00Z, or local without an offset)",
					 keys[i]);
			return SL_ERR_INVAL;
		}
		if (i == 0 && (*from == 0 || a > *from))
			*from = a;
		if (i == 1 && (*to == 0 || z < *to))
			*to = z;
	}
	return SL_OK;
}

/* One list item: the sidecar's metadata with the server-relative path. */
static json_t *image_item(struct bridge *b, const struct frame_entry *e)
{
	json_t *v = frames_load_sidecar(b->images_dir, e->path);
	char iso[TIME_ISO_MAX], url[sizeof(e->path) + 16], prof[2] = {e->profile, 0};
	const char *agent_path;

	if (!json_is_object(v)) {
		json_decref(v);
		v = json_object();
	}
	agent_path = json_string_value(json_object_get(v, "path"));
	if (agent_path)
		json_object_set_new(v, "camera_path", json_string(agent_path));
	snprintf(url, sizeof(url), "/images/%s", e->path);
	json_object_set_new(v, "path", json_string(e->path));
	json_object_set_new(v, "url", json_string(url));
	json_object_set_new(v, "camera", json_string(e->camera));
	if (json_object_get(v, "profile") == NULL)
		json_object_set_new(v, "profile", json_string(prof));
	if (json_object_get(v, "captured_at") == NULL) {
		time_format_utc(e->captured_ms, iso);
		json_object_set_new(v, "captured_at", json_string(iso));
	}
	if (e->bracket >= 0 && json_object_get(v, "bracket") == NULL)
		json_object_set_new(v, "bracket", json_pack("{s:i}", "index", e->bracket));
	return v;
}

int route_images(struct bridge *b, struct request *rq)
{
	char camera[ID_MAX + 1], profile;
	long limit = LIST_DEFAULT, offset = 0;
	struct frame_query q = {0};
	struct frame_list list;
	json_t *items;
	int rc;

	if (query_id(rq, "camera", camera) || query_profile(rq, &profile) ||
	    query_int(rq, "limit", 1, LIST_MAX, &limit) ||
	    query_int(rq, "offset", 0, 1000000000L, &offset) ||
	    time_filters(rq, &q.from_ms, &q.to_ms))
		return SL_OK;
	q.camera = camera[0] ? camera : NULL;
	q.profile = profile;
	q.newest_first = true;
	if (q.from_ms && q.to_ms && q.from_ms >= q.to_ms)
		return http_reply_json(rq, 200,
				       json_pack("{s:[], s:i, s:i, s:i}", "images", "total", 0,
						 "limit", (int)limit, "offset", (int)offset));
	rc = frames_list(b->images_dir, &q, &list);
	if (rc == SL_ERR_NOTFOUND && !state_camera_known(&b->state, camera))
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "unknown camera '%s'", camera);
	if (rc != SL_OK && rc != SL_ERR_NOTFOUND)
		return http_reply_error(rq, 500, rc, "cannot list frames: %s", err_str(rc));
	items = json_array();
	for (size_t i = (size_t)offset; i < list.count && i < (size_t)(offset + limit); i++)
		json_array_append_new(items, image_item(b, &list.items[i]));
	rc = http_reply_json(rq, 200,
			     json_pack("{s:o, s:I, s:i, s:i}", "images", items, "total",
				       (json_int_t)list.count, "limit", (int)limit, "offset",
				       (int)offset));
	frame_list_free(&list);
	return rc;
}

/* ?width=N: the frame scaled down with TurboJPEG's DCT scaling to the
 * largest size at most N wide (a gallery page of 60 frames then weighs a
 * few megabytes, not hundreds). */
#define FRAME_MAX (64 * 1024 * 1024) /* a 12 MP JPEG is a few MB */

static int reply_thumbnail(struct request *rq, const char *path, const char *wbuf)
{
	struct jpeg_preview pv;
	char why[ERRMSG_MAX], *end;
	long width = strtol(wbuf, &end, 10);
	char *jpeg;
	size_t len;
	int rc;

	if (*end || width < 16 || width > 4096)
		return http_reply_error(rq, 400, SL_ERR_INVAL,
					"query parameter 'width' must be 16..4096");
	if (file_read_all(path, FRAME_MAX, &jpeg, &len) < 0)
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "cannot read the frame: %s",
					strerror(errno));
	rc = preview_make((const unsigned char *)jpeg, len, (int)width, 80, &pv, why);
	free(jpeg);
	if (rc != SL_OK)
		return http_reply_error(rq, 422, rc, "%s", why);
	rc = http_reply_bytes(rq, 200, "image/jpeg", pv.jpeg, pv.size,
			      "public, max-age=31536000, immutable");
	preview_clear(&pv);
	return rc;
}

int route_image(struct bridge *b, struct request *rq)
{
	const char *rel = req_param(rq, 0);
	char path[PATH_MAX], wbuf[16];
	const char *type = files_content_type(rel);
	int rc;

	if (strcmp(type, "image/jpeg") != 0 && strcmp(type, "application/json") != 0)
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "not a frame: %.200s", rel);
	if (files_resolve(b->images_dir, rel, path, sizeof(path)) != SL_OK)
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "no such frame: %.200s", rel);
	rc = query_str(rq, "width", wbuf, sizeof(wbuf));
	if (rc == SL_OK && strcmp(type, "image/jpeg") == 0)
		return reply_thumbnail(rq, path, wbuf);
	/* a frame never changes under its final name */
	return http_reply_file(rq, path, type, "public, max-age=31536000, immutable", true);
}

/* The server path of the newest frame of camera/profile, from the last
 * announcement when its file is there, else from the disk. */
static int newest_frame(struct bridge *b, const char *camera, char profile, char *out,
			size_t outlen)
{
	json_t *cam = state_camera(&b->state, camera);
	char pid[2] = {profile, 0};
	json_t *ann = profile ? json_object_get(json_object_get(cam, "last_frames"), pid)
			      : json_object_get(cam, "last_frame");
	const char *p = json_string_value(json_object_get(ann, "path"));
	struct frame_query q = {camera, profile, 0, 0, true};
	struct frame_list list;
	int rc;

	if (p && files_resolve(b->images_dir, p, out, outlen) == SL_OK)
		return SL_OK;
	/* recent days first: a camera with a year of frames lists fast */
	q.from_ms = time_now_ms() - LATEST_RECENT_MS;
	rc = frames_list(b->images_dir, &q, &list);
	if (rc == SL_OK && list.count == 0) {
		frame_list_free(&list);
		q.from_ms = 0;
		rc = frames_list(b->images_dir, &q, &list);
	}
	if (rc != SL_OK)
		return rc;
	rc = SL_ERR_NOTFOUND;
	for (size_t i = 0; i < list.count && rc != SL_OK; i++)
		rc = files_resolve(b->images_dir, list.items[i].path, out, outlen);
	frame_list_free(&list);
	return rc;
}

int route_camera_latest(struct bridge *b, struct request *rq)
{
	const char *camera = req_param(rq, 0);
	char profile, path[PATH_MAX];
	int rc;

	if (query_profile(rq, &profile))
		return SL_OK;
	if (!id_is_valid(camera))
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "unknown camera '%.64s'", camera);
	rc = newest_frame(b, camera, profile, path, sizeof(path));
	if (rc == SL_ERR_NOTFOUND && !state_camera_known(&b->state, camera) &&
	    files_resolve(b->images_dir, camera, path, sizeof(path)) != SL_OK)
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "unknown camera '%s'", camera);
	if (rc != SL_OK)
		return http_reply_error(
		    rq, 404, SL_ERR_NOTFOUND, "no frames yet for camera '%s'%s%s", camera,
		    profile ? " and profile " : "", profile ? (char[2]){profile, 0} : "");
	return http_reply_file(rq, path, "image/jpeg", "no-cache", false);
}

int route_camera_preview(struct bridge *b, struct request *rq)
{
	const struct preview *p = state_preview(&b->state, req_param(rq, 0));

	if (p == NULL)
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "no preview for camera '%.64s'",
					req_param(rq, 0));
	return http_reply_bytes(rq, 200, "image/jpeg", p->jpeg, p->len, "no-cache");
}
