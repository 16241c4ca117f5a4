/* select.c - frame selection and the skipped list; see select.h.
 *
 * select_frames(): resolve the range, list by name (frames.h), narrow to
 * one profile and one bracket exposure (or all, to fuse), check each
 * sidecar, then keep the frames of the most common size. select_folder():
 * the CLI's variant for a plain folder. Both end in keep_common_size(),
 * then group_slots() when fusing.
 */
#include "select.h"
#include "err.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "decode.h"
#include "frames.h"
#include "timeutil.h"
#include "window.h"

int skip_list_add(struct skip_list *l, const char *path, const char *reason, const char *detail)
{
	struct skip *s;

	if (l->count == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;

		s = realloc(l->items, ncap * sizeof(*s));
		if (s == NULL)
			return SL_ERR_NOMEM;
		l->items = s;
		l->cap = ncap;
	}
	s = &l->items[l->count];
	s->path = strdup(path);
	s->reason = reason;
	s->detail = strdup(detail ? detail : "");
	if (s->path == NULL || s->detail == NULL) {
		free(s->path);
		free(s->detail);
		return SL_ERR_NOMEM;
	}
	l->count++;
	return SL_OK;
}

void skip_list_free(struct skip_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].path);
		free(l->items[i].detail);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

json_t *skip_list_json(const struct skip_list *l, size_t max)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->count && i < max; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "path", l->items[i].path,
						   "reason", l->items[i].reason, "detail",
						   l->items[i].detail));
	return a;
}

void selection_free(struct selection *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->count; i++) {
		free(s->frames[i].path);
		for (int j = 0; j < s->frames[i].nothers; j++)
			free(s->frames[i].others[j]);
	}
	free(s->frames);
	skip_list_free(&s->skipped);
	memset(s, 0, sizeof(*s));
}

/* A candidate before the size vote: dir/name, shown to users as name. */
static int add_frame(struct selection *s, const char *dir, const char *name, const int size[2],
		     double luma, int64_t ms, int bracket)
{
	struct sel_frame *f;
	char abs[PATH_MAX];

	if (s->count == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;

		f = realloc(s->frames, ncap * sizeof(*f));
		if (f == NULL)
			return SL_ERR_NOMEM;
		s->frames = f;
		s->cap = ncap;
	}
	f = &s->frames[s->count];
	snprintf(abs, sizeof(abs), "%s/%s", dir, name);
	f->path = strdup(abs);
	if (f->path == NULL)
		return SL_ERR_NOMEM;
	f->rel = f->path + strlen(abs) - strlen(name);
	f->size[0] = size[0];
	f->size[1] = size[1];
	f->luma = luma;
	f->captured_ms = ms;
	f->bracket = bracket;
	f->nothers = 0;
	s->count++;
	return SL_OK;
}

/* Keeps the frames of the most common size; the others go to the skipped
 * list. */
static int keep_common_size(struct selection *s)
{
	const struct sel_frame *f = s->frames;
	int best_w = 0, best_h = 0;
	size_t best = 0, kept = 0;
	int rc = SL_OK;

	for (size_t i = 0; i < s->count; i++) {
		size_t n = 0;

		if (i > 0 && f[i].size[0] == best_w && f[i].size[1] == best_h)
			continue;
		for (size_t j = i; j < s->count; j++)
			n += f[j].size[0] == f[i].size[0] && f[j].size[1] == f[i].size[1];
		if (n > best) {
			best = n;
			best_w = f[i].size[0];
			best_h = f[i].size[1];
		}
		if (best * 2 > s->count)
			break; /* a majority cannot be beaten */
	}
	for (size_t i = 0; i < s->count; i++) {
		char detail[96];

		if (f[i].size[0] == best_w && f[i].size[1] == best_h) {
			s->frames[kept++] = s->frames[i];
			continue;
		}
		snprintf(detail, sizeof(detail), "%dx%d, the video's frames are %dx%d",
			 f[i].size[0], f[i].size[1], best_w, best_h);
		if (rc == SL_OK)
			rc = skip_list_add(&s->skipped, s->frames[i].rel, SKIP_SIZE, detail);
		free(s->frames[i].path);
	}
	s->count = kept;
	s->width = best_w;
	s->height = best_h;
	return rc;
}

static void next_date(int *y, int *m, int *d)
{
	struct tm tm = {.tm_year = *y - 1900, .tm_mon = *m - 1, .tm_mday = *d + 1, .tm_hour = 12};
	time_t t = timegm(&tm);

	gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

int select_range(const struct encode_job *job, const struct config *cfg, int64_t *from, int64_t *to,
		 char why[ERRMSG_MAX])
{
	const struct schedule *sch;
	struct window w;
	int y = job->year, m = job->month, d = job->day;

	if (job->year == 0) {
		*from = job->from_ms;
		*to = job->to_ms;
		return SL_OK;
	}
	if (job->schedule[0] == '\0') {
		*from = time_local_make(y, m, d, 0);
		next_date(&y, &m, &d);
		*to = time_local_make(y, m, d, 0);
		return SL_OK;
	}
	sch = cfg ? config_schedule(cfg, job->schedule) : NULL;
	if (sch == NULL) {
		err_why(why, "unknown schedule '%s'", job->schedule);
		return SL_ERR_NOTFOUND;
	}
	if (window_for_date(cfg, sch, y, m, d, &w) != SL_OK) {
		err_why(why, "schedule '%s' has no window on %04d-%02d-%02d",
			 job->schedule, y, m, d);
		return SL_ERR_NOTFOUND;
	}
	*from = w.start_ms;
	*to = w.end_ms;
	return SL_OK;
}

/* Narrows `l` to one profile (the job's, or the only one present). */
static int pick_profile(const struct encode_job *job, const struct frame_list *l, char *profile,
			char why[ERRMSG_MAX])
{
	char seen[27] = "";
	size_t n = 0;

	if (job->profile) {
		*profile = job->profile;
		return SL_OK;
	}
	for (size_t i = 0; i < l->count; i++)
		if (strchr(seen, l->items[i].profile) == NULL && n < 26) {
			seen[n++] = l->items[i].profile;
			seen[n] = '\0';
		}
	if (n == 1) {
		*profile = seen[0];
		return SL_OK;
	}
	err_why(why, "'profile' is required: camera '%s' has frames of profiles %s "
		 "in that range",
		 job->camera, seen);
	return SL_ERR_INVAL;
}

/* Records a skipped frame; returns 1 (skipped) or an error code. */
static int skipped(struct selection *s, const char *path, const char *reason, const char *detail)
{
	int rc = skip_list_add(&s->skipped, path, reason, detail);

	return rc ? rc : 1;
}

/* Checks one listed frame against its sidecar. Returns 0 with the frame's
 * size and luma, or 1 when it was skipped (recorded), or an error. */
static int check_frame(const char *root, const struct frame_entry *e, struct selection *s,
		       int size[2], double *luma)
{
	char jpg[PATH_MAX], side[PATH_MAX], detail[160];
	json_t *sc, *v;
	struct stat st;
	int rc = 1;

	*luma = NAN;
	if (path_join_safe(root, e->path, jpg, sizeof(jpg)) != SL_OK)
		return skipped(s, e->path, SKIP_UNREADABLE, "bad path");
	snprintf(side, sizeof(side), "%.*s.json", (int)strlen(jpg) - 4, jpg);
	sc = frames_load_sidecar(root, e->path);
	if (sc == NULL) {
		bool gone = stat(side, &st) < 0 && errno == ENOENT;

		return skipped(s, e->path, gone ? SKIP_MISSING : SKIP_UNREADABLE,
			       gone ? "no sidecar (an incomplete capture or copy)"
				    : "the sidecar is not valid JSON");
	}
	if (stat(jpg, &st) < 0) {
		snprintf(detail, sizeof(detail), "the JPEG is gone: %s", strerror(errno));
		rc = skipped(s, e->path, SKIP_MISSING, detail);
		goto out;
	}
	v = json_object_get(sc, "size");
	if (json_is_integer(v) && json_integer_value(v) != (json_int_t)st.st_size) {
		snprintf(detail, sizeof(detail), "%lld bytes on disk, the sidecar says %lld",
			 (long long)st.st_size, (long long)json_integer_value(v));
		rc = skipped(s, e->path, SKIP_UNREADABLE, detail);
		goto out;
	}
	size[0] = (int)json_integer_value(json_object_get(sc, "width"));
	size[1] = (int)json_integer_value(json_object_get(sc, "height"));
	if (size[0] <= 0 || size[1] <= 0) {
		rc = skipped(s, e->path, SKIP_UNREADABLE, "the sidecar has no width and height");
		goto out;
	}
	v = json_object_get(sc, "mean_luma");
	if (json_is_number(v))
		*luma = json_number_value(v);
	rc = SL_OK;
out:
	json_decref(sc);
	return rc;
}

/* Folds each slot's exposures (select.h) into one entry, the exposure
 * nearest `middle` in front. */
static void group_slots(struct selection *s, int middle)
{
	size_t kept = 0;

	for (size_t i = 0, end; i < s->count; i = end) {
		struct sel_frame *f = s->frames, g;
		size_t ref = i;

		end = i + 1;
		while (f[i].bracket >= 0 && end < s->count && end - i < SEL_EXPOSURES_MAX &&
		       f[end].bracket > f[end - 1].bracket &&
		       f[end].captured_ms - f[end - 1].captured_ms <= SEL_SLOT_GAP_MS)
			end++;
		for (size_t j = i + 1; j < end; j++)
			if (abs(f[j].bracket - middle) < abs(f[ref].bracket - middle))
				ref = j;
		g = f[ref];
		for (size_t j = i; j < end; j++)
			if (j != ref)
				g.others[g.nothers++] = f[j].path;
		f[kept++] = g;
	}
	s->count = kept;
}

/* The middle exposure of the brackets present, or the job's choice. */
static int pick_bracket(const struct encode_job *job, const struct frame_list *l, char profile)
{
	int max = -1;

	if (job->bracket >= 0)
		return job->bracket;
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].profile == profile && l->items[i].bracket > max)
			max = l->items[i].bracket;
	return max < 0 ? -1 : max / 2;
}

static void describe_range(const struct encode_job *job, int64_t from, int64_t to, char profile,
			   char why[ERRMSG_MAX])
{
	char a[TIME_ISO_MAX], b[TIME_ISO_MAX], p[16] = "";

	time_format_utc(from, a);
	time_format_utc(to, b);
	if (profile)
		snprintf(p, sizeof(p), " profile '%c'", profile);
	err_why(why, "no frames of camera '%s'%s between %s and %s", job->camera, p, a,
		 b);
}

int select_frames(const char *root, const struct encode_job *job, int64_t from_ms, int64_t to_ms,
		  struct selection *out, char why[ERRMSG_MAX])
{
	struct frame_query q = {job->camera, job->profile, from_ms, to_ms, false};
	struct frame_list l = {0};
	bool fuse = job->hdr && job->bracket < 0;
	int rc, bracket;

	memset(out, 0, sizeof(*out));
	out->from_ms = q.from_ms;
	out->to_ms = q.to_ms;
	rc = frames_list(root, &q, &l);
	if (rc == SL_ERR_NOTFOUND) {
		err_why(why, "unknown camera '%s': no folder %s/%s", job->camera, root,
			 job->camera);
		goto out;
	}
	if (rc)
		goto out;
	if (l.count == 0) {
		describe_range(job, q.from_ms, q.to_ms, job->profile, why);
		rc = SL_ERR_NOTFOUND;
		goto out;
	}
	if ((rc = pick_profile(job, &l, &out->profile, why)))
		goto out;
	bracket = pick_bracket(job, &l, out->profile);
	for (size_t i = 0; i < l.count; i++) {
		const struct frame_entry *e = &l.items[i];
		double luma;
		int size[2] = {0, 0};

		if (e->profile != out->profile ||
		    (!fuse && e->bracket >= 0 && e->bracket != bracket))
			continue;
		rc = check_frame(root, e, out, size, &luma);
		if (rc == 1)
			continue;
		if (rc)
			goto out;
		if ((rc = add_frame(out, root, e->path, size, luma, e->captured_ms, e->bracket)))
			goto out;
	}
	if ((rc = keep_common_size(out)))
		goto out;
	if (fuse)
		group_slots(out, bracket);
	if (out->count == 0) {
		err_why(why, "no usable frames: all %zu in range were skipped "
			 "(see skipped)",
			 out->skipped.count);
		rc = SL_ERR_NOTFOUND;
	}
out:
	frame_list_free(&l);
	return rc;
}

static bool is_jpeg_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && ((n > 4 && strcasecmp(name + n - 4, ".jpg") == 0) ||
				  (n > 5 && strcasecmp(name + n - 5, ".jpeg") == 0));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static double sidecar_luma(const char *jpg)
{
	char side[PATH_MAX];
	const char *dot = strrchr(jpg, '.');
	json_t *sc, *v;
	double luma = NAN;

	snprintf(side, sizeof(side), "%.*s.json", (int)(dot - jpg), jpg);
	sc = json_load_file(side, 0, NULL);
	v = json_object_get(sc, "mean_luma");
	if (json_is_number(v))
		luma = json_number_value(v);
	json_decref(sc);
	return luma;
}

int select_folder(const char *dir, bool fuse, struct selection *out, char why[ERRMSG_MAX])
{
	struct frame_decoder *dec = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = SL_OK, top = -1;
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	d = opendir(dir);
	if (d == NULL) {
		err_why(why, "cannot open %s: %s", dir, strerror(errno));
		return SL_ERR_NOTFOUND;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_jpeg_name(de->d_name))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 256) * sizeof(*nn));

			if (nn == NULL) {
				rc = SL_ERR_NOMEM;
				break;
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = SL_ERR_NOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc)
		goto out;
	if (n == 0) {
		err_why(why, "no .jpg files in %s", dir);
		rc = SL_ERR_NOTFOUND;
		goto out;
	}
	qsort(names, n, sizeof(*names), by_name);
	if ((rc = frame_decoder_new(&dec)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		char abs[PATH_MAX], detail[ERRMSG_MAX];
		int64_t ms = (int64_t)i;
		int size[2], bracket = -1;

		snprintf(abs, sizeof(abs), "%s/%s", dir, names[i]);
		rc = decode_probe(dec, abs, &size[0], &size[1], detail);
		if (rc == SL_ERR_NOMEM)
			goto out;
		if (rc) {
			rc = skipped(out, names[i],
				     rc == SL_ERR_NOTFOUND ? SKIP_MISSING : SKIP_UNREADABLE, detail);
			if (rc != 1)
				goto out;
			continue;
		}
		if (!fuse || frames_parse_name(names[i], &ms, &bracket) != SL_OK) {
			ms = (int64_t)i;
			bracket = -1;
		}
		if (bracket > top)
			top = bracket;
		if ((rc = add_frame(out, dir, names[i], size, sidecar_luma(abs), ms, bracket)))
			goto out;
	}
	if ((rc = keep_common_size(out)))
		goto out;
	if (fuse)
		group_slots(out, top < 0 ? -1 : top / 2);
	if (out->count == 0) {
		err_why(why, "no readable JPEG in %s (%zu skipped)", dir,
			 out->skipped.count);
		rc = SL_ERR_NOTFOUND;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	frame_decoder_free(&dec);
	return rc;
}
