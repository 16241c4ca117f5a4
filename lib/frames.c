/* frames.c - list frames by name under a server images root; see frames.h. */
#include "frames.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000LL

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int frames_parse_name(const char *name, int64_t *captured_ms, int *bracket)
{
	struct tm tm = {0};
	const char *p;
	int ms = 0;

	/* capture_YYYYmmdd_HHMMSS */
	if (strncmp(name, "capture_", 8) != 0 || strlen(name) < 27)
		return SL_ERR_PARSE;
	p = name + 8;
	tm.tm_year = digits(p, 4) - 1900;
	tm.tm_mon = digits(p + 4, 2) - 1;
	tm.tm_mday = digits(p + 6, 2);
	if (p[8] != '_')
		return SL_ERR_PARSE;
	tm.tm_hour = digits(p + 9, 2);
	tm.tm_min = digits(p + 11, 2);
	tm.tm_sec = digits(p + 13, 2);
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_hour < 0 || tm.tm_min < 0 ||
	    tm.tm_sec < 0)
		return SL_ERR_PARSE;
	p += 15;
	if (p[0] == '_' && digits(p + 1, 3) >= 0 && (p[4] == '_' || p[4] == '.')) {
		ms = digits(p + 1, 3);
		p += 4;
	}
	*bracket = -1;
	if (strncmp(p, "_bracket", 8) == 0) {
		char *end;
		long b = strtol(p + 8, &end, 10);

		if (end == p + 8 || b < 0 || b > 99)
			return SL_ERR_PARSE;
		*bracket = (int)b;
		p = end;
	}
	if (strcmp(p, ".jpg") != 0)
		return SL_ERR_PARSE;
	*captured_ms = (int64_t)timegm(&tm) * 1000 + ms;
	return SL_OK;
}

static int push(struct frame_list *l, size_t *cap, const struct frame_entry *e)
{
	if (l->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct frame_entry *n = realloc(l->items, ncap * sizeof(*n));

		if (n == NULL)
			return SL_ERR_NOMEM;
		l->items = n;
		*cap = ncap;
	}
	l->items[l->count++] = *e;
	return SL_OK;
}

/* Could a UTC date folder "YYYY-MM-DD" hold frames in [from, to)? */
static bool day_in_range(const char *name, const struct frame_query *q)
{
	struct tm tm = {0};
	int64_t start;

	if (strlen(name) != 10 || name[4] != '-' || name[7] != '-')
		return false;
	tm.tm_year = digits(name, 4) - 1900;
	tm.tm_mon = digits(name + 5, 2) - 1;
	tm.tm_mday = digits(name + 8, 2);
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 1)
		return false;
	start = (int64_t)timegm(&tm) * 1000;
	if (q->to_ms && start >= q->to_ms)
		return false;
	if (q->from_ms && start + DAY_MS <= q->from_ms)
		return false;
	return true;
}

static int scan_day(const char *root, const char *cam, char prof, const char *day,
		    const struct frame_query *q, struct frame_list *l, size_t *cap)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = SL_OK;

	snprintf(dir, sizeof(dir), "%s/%s/profile-%c/%s", root, cam, prof, day);
	d = opendir(dir);
	if (d == NULL)
		return SL_OK;
	while (rc == SL_OK && (de = readdir(d)) != NULL) {
		struct frame_entry e = {0};

		if (frames_parse_name(de->d_name, &e.captured_ms, &e.bracket) != SL_OK)
			continue;
		if ((q->from_ms && e.captured_ms < q->from_ms) ||
		    (q->to_ms && e.captured_ms >= q->to_ms))
			continue;
		if ((size_t)snprintf(e.path, sizeof(e.path), "%s/profile-%c/%s/%s", cam, prof, day,
				     de->d_name) >= sizeof(e.path))
			continue;
		snprintf(e.camera, sizeof(e.camera), "%s", cam);
		e.profile = prof;
		rc = push(l, cap, &e);
	}
	closedir(d);
	return rc;
}

static int scan_camera(const char *root, const char *cam, const struct frame_query *q,
		       struct frame_list *l, size_t *cap)
{
	char dir[PATH_MAX];
	struct dirent *pe;
	DIR *pd;
	int rc = SL_OK;

	snprintf(dir, sizeof(dir), "%s/%s", root, cam);
	pd = opendir(dir);
	if (pd == NULL)
		return SL_ERR_NOTFOUND;
	while (rc == SL_OK && (pe = readdir(pd)) != NULL) {
		char pdir[PATH_MAX], prof;
		struct dirent *de;
		DIR *dd;

		if (strncmp(pe->d_name, "profile-", 8) != 0 || strlen(pe->d_name) != 9)
			continue;
		prof = pe->d_name[8];
		if (prof < 'a' || prof > 'z' || (q->profile && q->profile != prof))
			continue;
		snprintf(pdir, sizeof(pdir), "%s/%s", dir, pe->d_name);
		dd = opendir(pdir);
		if (dd == NULL)
			continue;
		while (rc == SL_OK && (de = readdir(dd)) != NULL)
			if (day_in_range(de->d_name, q))
				rc = scan_day(root, cam, prof, de->d_name, q, l, cap);
		closedir(dd);
	}
	closedir(pd);
	return rc;
}

static int by_time(const void *a, const void *b)
{
	const struct frame_entry *x = a, *y = b;

	if (x->captured_ms != y->captured_ms)
		return x->captured_ms < y->captured_ms ? -1 : 1;
	return strcmp(x->path, y->path);
}

int frames_list(const char *root, const struct frame_query *q, struct frame_list *out)
{
	size_t cap = 0;
	int rc = SL_OK;

	memset(out, 0, sizeof(*out));
	if (q->camera) {
		if (!id_is_valid(q->camera))
			return SL_ERR_NOTFOUND;
		rc = scan_camera(root, q->camera, q, out, &cap);
	} else {
		DIR *d = opendir(root);
		struct dirent *de;

		if (d == NULL)
			return SL_OK; /* no root yet: no frames */
		while (rc == SL_OK && (de = readdir(d)) != NULL)
			if (id_is_valid(de->d_name)) {
				rc = scan_camera(root, de->d_name, q, out, &cap);
				if (rc == SL_ERR_NOTFOUND)
					rc = SL_OK;
			}
		closedir(d);
	}
	if (rc != SL_OK) {
		frame_list_free(out);
		return rc;
	}
	if (out->count > 1) /* items is NULL when nothing matched: qsort must not see it */
		qsort(out->items, out->count, sizeof(*out->items), by_time);
	if (q->newest_first)
		for (size_t i = 0; i < out->count / 2; i++) {
			struct frame_entry t = out->items[i];

			out->items[i] = out->items[out->count - 1 - i];
			out->items[out->count - 1 - i] = t;
		}
	return SL_OK;
}

void frame_list_free(struct frame_list *l)
{
	if (l == NULL)
		return;
	free(l->items);
	memset(l, 0, sizeof(*l));
}

json_t *frames_load_sidecar(const char *root, const char *rel)
{
	char path[PATH_MAX];
	size_t n = strlen(rel);

	/* one byte short of the buffer: ".json" is one longer than ".jpg" */
	if (n < 5 || strcmp(rel + n - 4, ".jpg") != 0 ||
	    path_join_safe(root, rel, path, sizeof(path) - 1) != SL_OK)
		return NULL;
	memcpy(path + strlen(path) - 4, ".json", 6);
	return json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
}
