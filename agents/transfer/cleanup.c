/* cleanup.c - choosing what to delete on the Pi; see cleanup.h. */
#include "cleanup.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "verify.h"

#define DAY_MS	86400000LL
#define HOUR_MS 3600000LL

int64_t cleanup_cutoff_ms(int64_t now_ms, double delete_after_days)
{
	return now_ms - (int64_t)(delete_after_days * (double)DAY_MS);
}

bool cleanup_is_candidate(const struct catalog *c, const struct frame_rec *r, int64_t cutoff_ms)
{
	return catalog_on_pi(c, r) && (r->flags & CAT_VERIFIED) && r->captured_ms > 0 &&
	       r->captured_ms < cutoff_ms;
}

/* Forces root/rel (file or folder) to disk; cheap when it already is. */
static int sync_path(const char *root, const char *rel, int flags)
{
	char path[PATH_MAX];
	int fd, rc;

	if (path_join_safe(root, rel, path, sizeof(path)) != SL_OK)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

bool cleanup_check_copy(const char *root, const char *rel, struct verify_info *info,
			enum verify_result *res, char why[ERRMSG_MAX])
{
	char dir[PATH_MAX];

	*res = verify_frame(root, rel, info, why);
	if (*res != VERIFY_OK)
		return false;
	/* the Pi's copy goes next: the server's must be on disk, not in the cache */
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(rel, '/') - rel), rel);
	if (sync_path(root, rel, 0) < 0 || sync_path(root, dir, O_DIRECTORY) < 0) {
		err_why(why, "%.150s: cannot flush the server copy: %s", rel,
			 strerror(errno));
		return false;
	}
	return true;
}

void cleanup_record(struct frame_rec *r, bool ok, const struct verify_info *info)
{
	if (!ok) {
		r->flags &= ~(unsigned)CAT_VERIFIED;
		return;
	}
	r->size = info->size;
	r->mtime_ns = info->mtime_ns;
	r->captured_ms = info->captured_ms;
}

static int append(struct clean_list *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		char *b;

		while (cap < l->len + n + 1)
			cap *= 2;
		b = realloc(l->buf, cap);
		if (b == NULL)
			return SL_ERR_NOMEM;
		l->buf = b;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
	return SL_OK;
}

static int remember_day(struct clean_list *l, const char *jpg_rel)
{
	size_t n = (size_t)(strrchr(jpg_rel, '/') - jpg_rel) + 1; /* "profile-a/2026-11-27/" */
	char *day;

	for (size_t i = 0; i < l->ndays; i++)
		if (strlen(l->days[i]) == n && strncmp(l->days[i], jpg_rel, n) == 0)
			return SL_OK;
	if (l->ndays == l->capdays) {
		size_t cap = l->capdays ? l->capdays * 2 : 8;
		char **d = realloc(l->days, cap * sizeof(*d));

		if (d == NULL)
			return SL_ERR_NOMEM;
		l->days = d;
		l->capdays = cap;
	}
	day = strndup(jpg_rel, n);
	if (day == NULL)
		return SL_ERR_NOMEM;
	l->days[l->ndays++] = day;
	return SL_OK;
}

int clean_list_add(struct clean_list *l, const char *jpg_rel)
{
	size_t n = strlen(jpg_rel);

	if (!verify_frame_path(jpg_rel))
		return SL_ERR_INVAL;
	if (append(l, jpg_rel, n) || append(l, "\n", 1) || append(l, jpg_rel, n - 4) ||
	    append(l, ".json\n", 6) || remember_day(l, jpg_rel))
		return SL_ERR_NOMEM;
	l->frames++;
	return SL_OK;
}

/* Start of the UTC day named by "profile-x/YYYY-MM-DD/". */
static int64_t day_start_ms(const char *day)
{
	struct tm tm = {0};

	tm.tm_year = atoi(day + 10) - 1900;
	tm.tm_mon = atoi(day + 15) - 1;
	tm.tm_mday = atoi(day + 18);
	return (int64_t)timegm(&tm) * 1000;
}

int clean_list_finish(struct clean_list *l, int64_t now_ms)
{
	for (size_t i = 0; i < l->ndays; i++)
		if (day_start_ms(l->days[i]) + DAY_MS + HOUR_MS <= now_ms &&
		    (append(l, l->days[i], strlen(l->days[i])) || append(l, "\n", 1)))
			return SL_ERR_NOMEM;
	return SL_OK;
}

void clean_list_free(struct clean_list *l)
{
	if (l == NULL)
		return;
	free(l->buf);
	for (size_t i = 0; i < l->ndays; i++)
		free(l->days[i]);
	free(l->days);
	*l = (struct clean_list){0};
}
