/* routes_timelapses.c - encode jobs and their videos.
 *
 * POST /timelapses checks a job lightly (types and names; the encoder
 * judges the frames) and publishes it on R/encoder/jobs. The list merges
 * the job states retained on the broker (R/encoder/jobs/<id>) with what is
 * on disk under the timelapses root (<camera>/<name>.json beside each
 * video, and videos without one), so finished videos stay listed after the
 * broker forgets them. A video has one id, its job's, wherever it shows; a
 * video no job names is listed under its file name, and a job's video file
 * name answers as an alias of its id. Videos are served with Range so
 * players can seek.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "files.h"
#include "http.h"
#include "jsonx.h"
#include "routes.h"
#include "timeutil.h"
#include "topics.h"

/* --- the merged job table ------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Adds the jobs of one camera folder found on disk to `jobs`: the job
 * files first (videos == NULL), then (given `videos`, the outputs named by
 * a job) the videos no job names. */
static void scan_camera(struct bridge *b, const char *camera, json_t *jobs, const json_t *videos)
{
	char dir[PATH_MAX], path[PATH_MAX], iso[TIME_ISO_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", b->timelapses_dir, camera);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		char base[256];
		json_t *job;
		struct stat st;

		if (name[0] == '.' || strlen(name) >= sizeof(base))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (videos == NULL && ends_with(name, ".json")) {
			const char *id;

			job = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
			id = json_string_value(json_object_get(job, "job_id"));
			if (json_is_object(job) && id && id_is_valid(id) &&
			    json_object_get(jobs, id) == NULL) {
				json_object_set_new(job, "source", json_string("disk"));
				json_object_set(jobs, id, job);
			}
			json_decref(job);
		} else if (videos && (ends_with(name, ".mp4") || ends_with(name, ".webm") ||
				      ends_with(name, ".mkv"))) {
			char output[PATH_MAX];

			snprintf(base, sizeof(base), "%.*s", (int)(strrchr(name, '.') - name), name);
			snprintf(output, sizeof(output), "%s/%s", camera, name);
			/* a video whose job state is gone: listed under its name */
			if (!id_is_valid(base) || json_object_get(jobs, base) ||
			    json_object_get(videos, output) || stat(path, &st) != 0)
				continue;
			time_format_utc((int64_t)st.st_mtime * 1000, iso);
			job = json_pack("{s:s, s:s, s:s, s:s++, s:I, s:s, s:s}", "job_id", base,
					"state", "done", "camera", camera, "output", camera, "/",
					name, "size", (json_int_t)st.st_size, "finished_at", iso,
					"source", "disk");
			if (job)
				json_object_set_new(jobs, base, job);
		}
	}
	closedir(d);
}

/* {output: job id} of the jobs that name their video. New reference. */
static json_t *videos_named(const json_t *jobs)
{
	json_t *out = json_object(), *job;
	const char *id, *output;

	json_object_foreach((json_t *)jobs, id, job)
		if ((output = json_string_value(json_object_get(job, "output"))))
			json_object_set_new(out, output, json_string(id));
	return out;
}

/* Every job: broker state first (it is the live truth), then the job files
 * on disk, then the videos no job names. New reference. */
static json_t *all_jobs(struct bridge *b)
{
	json_t *jobs = json_deep_copy(b->state.jobs), *videos = NULL;
	struct dirent *de;
	DIR *d = opendir(b->timelapses_dir);

	for (int pass = 0; jobs && d && pass < 2; pass++) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL)
			if (id_is_valid(de->d_name))
				scan_camera(b, de->d_name, jobs, videos);
		if (pass == 0)
			videos = videos_named(jobs);
	}
	json_decref(videos);
	if (d)
		closedir(d);
	return jobs;
}

/* The job whose video is named `name` without its extension, or NULL;
 * its id in *id (borrowed from jobs). */
static json_t *job_of_video(json_t *jobs, const char *name, const char **id)
{
	json_t *job;
	const char *output, *file, *dot;

	json_object_foreach(jobs, *id, job) {
		output = json_string_value(json_object_get(job, "output"));
		if (output == NULL)
			continue;
		file = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
		dot = strrchr(file, '.');
		if (dot && (size_t)(dot - file) == strlen(name) && !strncmp(file, name, dot - file))
			return job;
	}
	return NULL;
}

/* The thumbnail beside an output ("x.mp4" -> "x_thumb.jpg"), resolved
 * into `path`; a picture (keogram, star trails) without one is its own. */
static int resolve_thumb(struct bridge *b, const char *output, char *path, size_t pathlen)
{
	const char *dot = strrchr(output, '.');
	char rel[PATH_MAX];

	if (dot == NULL || strchr(dot, '/'))
		return SL_ERR_NOTFOUND;
	if ((size_t)snprintf(rel, sizeof(rel), "%.*s_thumb.jpg", (int)(dot - output), output) <
		sizeof(rel) &&
	    files_resolve(b->timelapses_dir, rel, path, pathlen) == SL_OK)
		return SL_OK;
	if (strcmp(dot, ".jpg") == 0 || strcmp(dot, ".png") == 0)
		return files_resolve(b->timelapses_dir, output, path, pathlen);
	return SL_ERR_NOTFOUND;
}

/* Adds links to a job for the files that exist. */
static void add_links(struct bridge *b, const char *id, json_t *job)
{
	const char *output = json_string_value(json_object_get(job, "output"));
	char path[PATH_MAX], url[160];

	json_object_set_new(job, "video_url", json_null());
	json_object_set_new(job, "thumbnail_url", json_null());
	if (output == NULL || files_resolve(b->timelapses_dir, output, path, sizeof(path)) != SL_OK)
		return;
	snprintf(url, sizeof(url), "/timelapses/%s/video", id);
	json_object_set_new(job, "video_url", json_string(url));
	if (resolve_thumb(b, output, path, sizeof(path)) == SL_OK) {
		snprintf(url, sizeof(url), "/timelapses/%s/thumbnail.jpg", id);
		json_object_set_new(job, "thumbnail_url", json_string(url));
	}
}

static const char *sort_key(const json_t *job)
{
	static const char *keys[] = {"created_at", "started_at", "finished_at"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = json_string_value(json_object_get(job, keys[i]));

		if (v)
			return v;
	}
	return "";
}

static int newest_first(const void *x, const void *y)
{
	return strcmp(sort_key(*(json_t *const *)y), sort_key(*(json_t *const *)x));
}

int route_timelapses(struct bridge *b, struct request *rq)
{
	json_t *jobs, *job, *list, **v;
	const char *id;
	size_t n = 0;

	if (req_method(rq) == HTTP_POST)
		return route_timelapse_create(b, rq);
	jobs = all_jobs(b);
	if (jobs == NULL)
		return http_reply_error(rq, 500, SL_ERR_NOMEM, "out of memory");
	v = calloc(json_object_size(jobs) + 1, sizeof(*v));
	list = json_array();
	json_object_foreach(jobs, id, job) {
		add_links(b, id, job);
		if (v)
			v[n++] = job;
	}
	if (v)
		qsort(v, n, sizeof(*v), newest_first);
	for (size_t i = 0; i < n; i++)
		json_array_append(list, v[i]);
	free(v);
	json_decref(jobs);
	return http_reply_json(rq, 200, json_pack("{s:o}", "timelapses", list));
}

/* The job of the route's {id} with links (new reference), or NULL after
 * answering 404. */
static json_t *find_job(struct bridge *b, struct request *rq)
{
	const char *id = req_param(rq, 0);
	json_t *jobs, *job;

	if (!id_is_valid(id)) {
		http_reply_error(rq, 404, SL_ERR_NOTFOUND, "unknown job '%.64s'", id);
		return NULL;
	}
	job = json_object_get(b->state.jobs, id);
	if (job) {
		job = json_deep_copy(job);
	} else {
		jobs = all_jobs(b);
		job = json_incref(json_object_get(jobs, id));
		if (job == NULL) /* a video's file name: its job, under the job's id */
			job = json_incref(job_of_video(jobs, req_param(rq, 0), &id));
		if (job)
			json_object_set_new(job, "job_id", json_string(id));
		id = json_string_value(json_object_get(job, "job_id"));
		json_decref(jobs);
	}
	if (job == NULL) {
		http_reply_error(rq, 404, SL_ERR_NOTFOUND, "unknown job '%s'", req_param(rq, 0));
		return NULL;
	}
	add_links(b, id, job);
	return job;
}

int route_timelapse(struct bridge *b, struct request *rq)
{
	json_t *job = find_job(b, rq);

	return job ? http_reply_json(rq, 200, job) : SL_OK;
}

static int serve_output(struct bridge *b, struct request *rq, bool thumbnail)
{
	json_t *job = find_job(b, rq);
	const char *output, *state;
	char path[PATH_MAX];
	int rc;

	if (job == NULL)
		return SL_OK;
	output = json_string_value(json_object_get(job, "output"));
	state = json_string_value(json_object_get(job, "state"));
	if (output == NULL ||
	    (thumbnail ? resolve_thumb(b, output, path, sizeof(path))
		       : files_resolve(b->timelapses_dir, output, path, sizeof(path))) != SL_OK) {
		rc = http_reply_error(rq, 404, SL_ERR_NOTFOUND, "job '%s' has no %s (state %s)",
				      req_param(rq, 0), thumbnail ? "thumbnail" : "output",
				      state ? state : "unknown");
	} else {
		rc = http_reply_file(rq, path, files_content_type(path),
				     thumbnail ? "no-cache" : "public, max-age=3600", !thumbnail);
	}
	json_decref(job);
	return rc;
}

int route_timelapse_video(struct bridge *b, struct request *rq)
{
	return serve_output(b, rq, false);
}

int route_timelapse_thumbnail(struct bridge *b, struct request *rq)
{
	return serve_output(b, rq, true);
}

int route_timelapse_cancel(struct bridge *b, struct request *rq)
{
	json_t *job = find_job(b, rq);
	char topic[TOPIC_MAX];
	const char *id = req_param(rq, 0);
	int rc;

	if (job == NULL)
		return SL_OK;
	if (!bridge_broker_up(b)) {
		rc = http_reply_error(rq, 503, SL_ERR_BROKER, "the MQTT broker is not connected");
	} else if (topic_fmt(topic, b->cfg.topic_root, "encoder/jobs/%s/cancel", id) ||
		   mqtt_publish(b->mqtt, topic, "{}", 2, 1, false) != SL_OK) {
		rc = http_reply_error(rq, 503, SL_ERR_BROKER,
				      "could not publish the cancel request");
	} else {
		json_object_set_new(job, "cancel_requested", json_true());
		rc = http_reply_json(rq, 202, json_incref(job));
	}
	json_decref(job);
	return rc;
}

/* --- POST /timelapses --------------------------------------------------------------- */

static bool bad(int rc)
{
	return rc != SL_OK && rc != SL_ERR_NOTFOUND;
}

/* A string field that must be one of `allowed` when present. */
static int check_enum(const json_t *job, const char *key, const char **allowed,
		      char why[ERRMSG_MAX])
{
	const char *s = NULL;

	if (bad(jx_get_string(job, key, &s, why)))
		return SL_ERR_INVAL;
	if (s == NULL)
		return SL_OK;
	for (; *allowed; allowed++)
		if (strcmp(s, *allowed) == 0)
			return SL_OK;
	err_why(why, "'%s': unknown value '%.64s'", key, s);
	return SL_ERR_INVAL;
}

/* An optional string field that must satisfy ok(). */
static int check_str(const json_t *job, const char *key, bool (*ok)(const char *),
		     const char *must, char why[ERRMSG_MAX])
{
	const char *s = NULL;

	if (bad(jx_get_string(job, key, &s, why)))
		return SL_ERR_INVAL;
	if (s && ok && !ok(s)) {
		err_why(why, "'%s' must be %s", key, must);
		return SL_ERR_INVAL;
	}
	return SL_OK;
}

static bool is_letter(const char *s)
{
	return strlen(s) == 1 && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'));
}

static bool is_time(const char *s)
{
	int64_t t;

	return time_parse_iso(s, &t) == SL_OK;
}

static bool is_date(const char *s)
{
	int y, m, d;

	return time_parse_date(s, &y, &m, &d) == SL_OK;
}

/* The first problem of a job, in `why`; 0 when it is acceptable. The
 * encoder checks the rest (frames exist, sizes agree). */
static int check_job(const json_t *job, char why[ERRMSG_MAX])
{
	static const char *codecs[] = {"h264", "h265", "vp9", "av1", NULL};
	static const char *kinds[] = {"video", "keogram", "startrails", NULL};
	static const char *tiers[] = {"preview", "archive", NULL};
	const json_t *defl = json_object_get(job, "deflicker");
	double x;
	long long n;

	if (json_object_get(job, "camera") == NULL) {
		err_why(why, "'camera' is required");
		return SL_ERR_INVAL;
	}
	if (check_str(job, "job_id", id_is_valid, "an id matching [a-z0-9_-]{1,64}", why) ||
	    check_str(job, "camera", id_is_valid, "a camera id matching [a-z0-9_-]{1,64}", why) ||
	    check_str(job, "profile", is_letter, "one letter", why) ||
	    check_str(job, "from", is_time, "an ISO 8601 time", why) ||
	    check_str(job, "to", is_time, "an ISO 8601 time", why) ||
	    check_str(job, "date", is_date, "a date YYYY-MM-DD", why) ||
	    check_str(job, "schedule", id_is_valid, "a schedule name", why) ||
	    check_str(job, "preset", NULL, NULL, why) || check_enum(job, "codec", codecs, why) ||
	    check_enum(job, "kind", kinds, why) || check_enum(job, "quality_tier", tiers, why))
		return SL_ERR_INVAL;
	if (bad(jx_get_number(job, "fps", 0.001, 240, &x, why)) ||
	    bad(jx_get_number(job, "duration_seconds", 0.001, 86400, &x, why)) ||
	    bad(jx_get_int(job, "width", 0, 7680, &n, why)) ||
	    bad(jx_get_int(job, "crf", 0, 63, &n, why)))
		return SL_ERR_INVAL;
	if (defl && !json_is_boolean(defl) && !json_is_object(defl)) {
		err_why(why, "'deflicker' must be true, false or an object {\"window\": N}");
		return SL_ERR_INVAL;
	}
	if (!json_object_get(job, "date") && !json_object_get(job, "from") &&
	    !json_object_get(job, "to")) {
		err_why(why, "a frame range is required: 'from'/'to' times, or 'date' (and "
			     "'schedule')");
		return SL_ERR_INVAL;
	}
	return SL_OK;
}

static void new_job_id(const char *camera, char out[ID_MAX + 1])
{
	unsigned short r = 0;
	time_t now = time(NULL);
	struct tm tm;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (unsigned short)(now ^ getpid());
	gmtime_r(&now, &tm);
	snprintf(out, ID_MAX + 1, "%.40s-%04d%02d%02d-%02d%02d%02d-%04x", camera,
		 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
		 tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, r);
}

int route_timelapse_create(struct bridge *b, struct request *rq)
{
	json_t *job = body_json(rq), *known, *local = NULL;
	char why[ERRMSG_MAX], id[ID_MAX + 1], topic[TOPIC_MAX], iso[TIME_ISO_MAX];
	const char *given;
	char *text = NULL;
	int rc = SL_OK;

	if (job == NULL)
		return SL_OK;
	if (check_job(job, why) != SL_OK) {
		rc = http_reply_error(rq, 400, SL_ERR_INVAL, "%s", why);
		goto out;
	}
	if (!bridge_broker_up(b)) {
		rc = http_reply_error(rq, 503, SL_ERR_BROKER, "the MQTT broker is not connected");
		goto out;
	}
	given = json_string_value(json_object_get(job, "job_id"));
	if (given) {
		snprintf(id, sizeof(id), "%s", given);
	} else {
		new_job_id(json_string_value(json_object_get(job, "camera")), id);
		json_object_set_new(job, "job_id", json_string(id));
	}
	text = jx_dump(job);
	if (text == NULL || topic_fmt(topic, b->cfg.topic_root, "encoder/jobs")) {
		rc = SL_ERR_NOMEM;
		goto out;
	}
	if (mqtt_publish(b->mqtt, topic, text, strlen(text), 1, false) != SL_OK) {
		rc = http_reply_error(rq, 503, SL_ERR_BROKER,
				      "could not publish the job to the broker");
		goto out;
	}
	/* the encoder's retained state may take a moment: until then the job
	 * is known here as queued, so GET /timelapses/<id> works at once */
	time_format_utc(time_now_ms(), iso);
	local = json_deep_copy(job);
	json_object_set_new(local, "state", json_string("queued"));
	json_object_set_new(local, "created_at", json_string(iso));
	state_job_local(&b->state, id, local);
	known = json_object_get(json_object_get(b->state.jobs, id), "state");
	rc = http_reply_json(rq, 202,
			     json_pack("{s:s, s:s, s:s+}", "job_id", id, "state",
				       json_is_string(known) ? json_string_value(known) : "queued",
				       "url", "/timelapses/", id));
out:
	free(text);
	json_decref(job);
	return rc;
}
