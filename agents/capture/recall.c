/* recall.c - the last frames on disk at start-up; see recall.h.
 *
 * Frame names sort by capture time (frame_store.h), so "recent" is a
 * string comparison with the name a frame taken at since_ms would have;
 * day folders are skipped the same way, and only the newest sidecars are
 * read.
 */
#include "recall.h"

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frame_store.h"
#include "log.h"

#define STAMP_LEN 27 /* "capture_YYYYmmdd_HHMMSS_mmm" */

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void discard(const char *path, const char *what)
{
	if (unlink(path) == 0)
		log_warn("removed %s: %s (the agent stopped mid-write)", path, what);
}

/* Whether a name ends with suffix. */
static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n > k && strcmp(name + n - k, suffix) == 0;
}

/* A hidden temporary of frame_store_write() by another process. */
static bool stale_temp(const char *name)
{
	const char *tmp = strstr(name, ".tmp.");

	return strncmp(name, ".capture_", 9) == 0 && tmp && atoi(tmp + 5) != (int)getpid();
}

/* One day folder: tidies it, appends the paths of its recent sidecars. */
static void scan_day(const char *dir, const char *since_name, json_t *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX], other[PATH_MAX];
		size_t n = strlen(e->d_name);

		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (stale_temp(e->d_name)) {
			discard(path, "a temporary");
			continue;
		}
		if (strncmp(e->d_name, "capture_", 8) != 0 || n < STAMP_LEN ||
		    strncmp(e->d_name, since_name, STAMP_LEN) < 0)
			continue;
		if (ends_with(e->d_name, ".jpg")) {
			snprintf(other, sizeof(other), "%.*s.json", (int)strlen(path) - 4, path);
			if (!exists(other))
				discard(path, "a frame without its sidecar");
			continue;
		}
		if (!ends_with(e->d_name, ".json"))
			continue;
		snprintf(other, sizeof(other), "%.*s.jpg", (int)strlen(path) - 5, path);
		if (!exists(other))
			discard(path, "a sidecar without its frame");
		else
			json_array_append_new(out, json_string(path));
	}
	closedir(d);
}

/* Sidecar paths by their file names: by capture time, brackets in order. */
static int by_name(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);

	return strcmp(strrchr(x, '/'), strrchr(y, '/'));
}

json_t *recall_frames(const char *root, int64_t since_ms, size_t max)
{
	char since_name[PATH_MAX], since_day[16];
	json_t *all = json_array(), *out = NULL;
	json_t **v = NULL;
	DIR *d = NULL;
	struct dirent *e;
	size_t n, first;

	if (all == NULL || frame_rel_path(since_name, sizeof(since_name), 'a', since_ms, -1))
		goto out;
	/* "profile-a/YYYY-MM-DD/capture_..." */
	snprintf(since_day, sizeof(since_day), "%.10s", since_name + 10);
	memmove(since_name, since_name + 21, strlen(since_name + 21) + 1);
	d = opendir(root);
	while (d && (e = readdir(d)) != NULL) {
		char pdir[PATH_MAX];
		DIR *pd;
		struct dirent *day;

		if (strncmp(e->d_name, "profile-", 8) != 0 ||
		    snprintf(pdir, sizeof(pdir), "%s/%s", root, e->d_name) >= (int)sizeof(pdir) ||
		    (pd = opendir(pdir)) == NULL)
			continue;
		while ((day = readdir(pd)) != NULL) {
			char ddir[PATH_MAX];

			if (day->d_name[0] == '.' || strlen(day->d_name) != 10 ||
			    strcmp(day->d_name, since_day) < 0 ||
			    snprintf(ddir, sizeof(ddir), "%s/%s", pdir, day->d_name) >=
				(int)sizeof(ddir))
				continue;
			scan_day(ddir, since_name, all);
		}
		closedir(pd);
	}
	n = json_array_size(all);
	v = calloc(n ? n : 1, sizeof(*v));
	out = json_array();
	if (v == NULL || out == NULL) {
		json_decref(out);
		out = NULL;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(all, i);
	qsort(v, n, sizeof(*v), by_name);
	first = n > max ? n - max : 0;
	for (size_t i = first; i < n; i++) {
		json_t *side = json_load_file(json_string_value(v[i]), 0, NULL);

		if (json_is_object(side) && json_is_string(json_object_get(side, "path")))
			json_array_append(out, side);
		json_decref(side);
	}
out:
	if (d)
		closedir(d);
	free(v);
	json_decref(all);
	return out;
}
