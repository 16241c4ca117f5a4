/* camera_dir.c - the "dir:PATH" camera source: replays the JPEGs of a folder.
 *
 * The folder's *.jpg and *.jpeg files (any case) are returned one per
 * capture in name order (byte order, so zero-padded or timestamped names
 * replay in time order), wrapping around after the last. A frame is the
 * file's bytes unchanged; only its header is decoded, for the size. Nothing
 * is known of how the frames were taken: exposure and gain 0, lux -1.
 *
 * The folder is read again whenever its modification time changes, and
 * replay goes on with the first name after the one returned last, so files
 * added while running join the rotation in order. File system timestamps
 * are coarse (a few ms): a folder read within 2 s of its last change may
 * have changed again unseen, so it is read again until it has been quiet.
 */
#include "camera.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>

#define DIR_FILE_MAX (256L * 1024 * 1024) /* larger is not a camera frame */

struct camera_dir {
	struct camera base;
	struct camera_info info;
	char path[PATH_MAX];
	char **names; /* sorted */
	size_t count;
	char last[NAME_MAX + 1]; /* name returned last; "" before the first */
	struct timespec mtime;	 /* of the folder when it was read */
	struct timespec read_at; /* wall clock then */
	tjhandle tj;
};

static bool is_jpeg_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL && dot != name &&
	       (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct camera_dir *cd)
{
	size_t i;

	for (i = 0; i < cd->count; i++)
		free(cd->names[i]);
	free(cd->names);
	cd->names = NULL;
	cd->count = 0;
}

/* Reads the folder's JPEG names into cd->names, sorted. */
static int scan(struct camera_dir *cd, char why[ERRMSG_MAX])
{
	struct dirent *de;
	struct stat st;
	char **grown;
	size_t cap = 0;
	DIR *d = NULL;
	int rc = 0;

	names_free(cd);
	if (stat(cd->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		err_why(why, "dir: folder '%s' does not exist", cd->path);
		return SL_ERR_NOTFOUND;
	}
	d = opendir(cd->path);
	if (d == NULL) {
		err_why(why, "dir: cannot read folder '%s': %s", cd->path, strerror(errno));
		return SL_ERR_CAMERA;
	}
	cd->mtime = st.st_mtim;
	clock_gettime(CLOCK_REALTIME, &cd->read_at);
	while ((de = readdir(d)) != NULL) {
		if (de->d_type == DT_DIR || !is_jpeg_name(de->d_name))
			continue;
		if (cd->count == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(cd->names, cap * sizeof(*grown));
			if (grown == NULL)
				goto nomem;
			cd->names = grown;
		}
		cd->names[cd->count] = strdup(de->d_name);
		if (cd->names[cd->count] == NULL)
			goto nomem;
		cd->count++;
	}
	if (cd->count == 0) {
		err_why(why, "dir: no .jpg or .jpeg files in '%s'", cd->path);
		rc = SL_ERR_NOTFOUND;
		goto out;
	}
	qsort(cd->names, cd->count, sizeof(*cd->names), name_cmp);
	goto out;
nomem:
	err_why(why, "dir: out of memory reading '%s'", cd->path);
	rc = SL_ERR_NOMEM;
out:
	closedir(d);
	if (rc < 0)
		names_free(cd);
	return rc;
}

/* Reads path/name whole into a new malloc'd buffer. */
static int read_file(const struct camera_dir *cd, const char *name, unsigned char **buf,
		     size_t *len, char why[ERRMSG_MAX])
{
	char file[PATH_MAX];
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd = -1, rc = 0;

	*buf = NULL;
	if (snprintf(file, sizeof(file), "%s/%s", cd->path, name) >= (int)sizeof(file)) {
		err_why(why, "dir: path of '%s' too long", name);
		return SL_ERR_CAMERA;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		err_why(why, "dir: cannot read %s: %s", file, strerror(errno));
		rc = SL_ERR_CAMERA;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > DIR_FILE_MAX) {
		err_why(why, "dir: %s is not a JPEG file (%lld bytes)", file, (long long)st.st_size);
		rc = SL_ERR_CAMERA;
		goto out;
	}
	*buf = malloc((size_t)st.st_size);
	if (*buf == NULL) {
		err_why(why, "dir: out of memory for %s", file);
		rc = SL_ERR_NOMEM;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, *buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_why(why, "dir: cannot read %s: %s", file,
			     n == 0 ? "file shrank while reading" : strerror(errno));
			rc = SL_ERR_CAMERA;
			goto out;
		}
		done += (size_t)n;
	}
	*len = done;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

static int jpeg_size(struct camera_dir *cd, const char *name, const unsigned char *buf, size_t len,
		     int *w, int *h, char why[ERRMSG_MAX])
{
	int subsamp, colorspace;

	if (tjDecompressHeader3(cd->tj, buf, (unsigned long)len, w, h, &subsamp, &colorspace) !=
	    0) {
		err_why(why, "dir: %s/%s is not a valid JPEG: %s", cd->path, name,
		     tjGetErrorStr2(cd->tj));
		return SL_ERR_CAMERA;
	}
	return 0;
}

static void dir_close(struct camera *cam)
{
	struct camera_dir *cd = (struct camera_dir *)cam;

	if (cd == NULL)
		return;
	names_free(cd);
	if (cd->tj != NULL)
		tjDestroy(cd->tj);
	free(cd);
}

static int dir_open(const char *arg, const struct camera_env *env, struct camera **out,
		    char why[ERRMSG_MAX])
{
	struct camera_dir *cd;
	unsigned char *buf = NULL;
	char ignored[ERRMSG_MAX];
	size_t len;
	int rc;

	(void)env;
	*out = NULL;
	if (arg == NULL || arg[0] == '\0') {
		err_why(why, "dir: no folder given (use dir:PATH)");
		return SL_ERR_INVAL;
	}
	if (strlen(arg) >= sizeof(cd->path)) {
		err_why(why, "dir: folder path too long");
		return SL_ERR_INVAL;
	}
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL) {
		err_why(why, "dir: out of memory");
		return SL_ERR_NOMEM;
	}
	cd->base.ops = &camera_dir_ops;
	snprintf(cd->path, sizeof(cd->path), "%s", arg);
	cd->tj = tjInitDecompress();
	if (cd->tj == NULL) {
		err_why(why, "dir: TurboJPEG: %s", tjGetErrorStr2(NULL));
		rc = SL_ERR_CAMERA;
		goto out;
	}
	rc = scan(cd, why);
	if (rc < 0)
		goto out;
	snprintf(cd->info.model, sizeof(cd->info.model), "dir");
	snprintf(cd->info.source, sizeof(cd->info.source), "dir:%.*s",
		 (int)sizeof(cd->info.source) - 5, cd->path);
	/* The size of the first frame stands for the camera's; a bad first
	 * file is reported when it is captured, not here. */
	if (read_file(cd, cd->names[0], &buf, &len, ignored) == 0)
		jpeg_size(cd, cd->names[0], buf, len, &cd->info.width, &cd->info.height, ignored);
	free(buf);
	*out = &cd->base;
out:
	if (rc < 0)
		dir_close(&cd->base);
	return rc;
}

/* Re-reads the folder if it changed, or may have, since it was read. */
static int refresh(struct camera_dir *cd, char why[ERRMSG_MAX])
{
	struct stat st;

	if (cd->count > 0 && stat(cd->path, &st) == 0 && st.st_mtim.tv_sec == cd->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == cd->mtime.tv_nsec && cd->read_at.tv_sec - cd->mtime.tv_sec >= 2)
		return 0;
	return scan(cd, why);
}

/* The first name after the one returned last, or the first of all. */
static const char *next_name(const struct camera_dir *cd)
{
	size_t i;

	if (cd->last[0] != '\0')
		for (i = 0; i < cd->count; i++)
			if (strcmp(cd->names[i], cd->last) > 0)
				return cd->names[i];
	return cd->names[0];
}

static int dir_capture(struct camera *cam, const struct camera_controls *ctl, int64_t when_ms,
		       struct camera_frame *out, char why[ERRMSG_MAX])
{
	struct camera_dir *cd = (struct camera_dir *)cam;
	unsigned char *buf = NULL;
	const char *name;
	size_t len = 0;
	int rc, w = 0, h = 0;

	(void)ctl;
	(void)when_ms;
	rc = refresh(cd, why);
	if (rc < 0)
		return rc;
	name = next_name(cd);
	/* Move on even when this file is bad, so one bad file does not stop
	 * the replay. */
	snprintf(cd->last, sizeof(cd->last), "%s", name);
	rc = read_file(cd, name, &buf, &len, why);
	if (rc == 0)
		rc = jpeg_size(cd, name, buf, len, &w, &h, why);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	out->jpeg = buf;
	out->jpeg_size = len;
	out->width = w;
	out->height = h;
	out->exposure_us = 0;
	out->analogue_gain = 0;
	out->lux = -1;
	out->colour_temp_k = 0;
	out->awb_mode[0] = '\0';
	return 0;
}

static int dir_meter(struct camera *cam, int64_t when_ms, struct camera_meter *out,
		     char why[ERRMSG_MAX])
{
	(void)cam;
	(void)when_ms;
	(void)why;
	memset(out, 0, sizeof(*out));
	out->lux = -1;
	return 0;
}

static const struct camera_info *dir_info(struct camera *cam)
{
	return &((struct camera_dir *)cam)->info;
}

const struct camera_ops camera_dir_ops = {
    .name = "dir",
    .open = dir_open,
    .close = dir_close,
    .meter = dir_meter,
    .capture = dir_capture,
    .info = dir_info,
};
