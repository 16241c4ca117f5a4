/* frame_store.c - frame paths and atomic frame + sidecar writes.
 *
 * The order saves the disk's waits without loosening them: the frame's
 * temporary is written and its writeback started (sync_file_range), the
 * frame hashed meanwhile, the sidecar (which holds the hash) written, and
 * only then both fsync'd, the frame first, so that one journal commit does
 * most of the work of both. Nothing is renamed before both are durable.
 */
#include "frame_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fault.h"
#include "fsutil.h"
#include "jsonx.h"
#include "sha256.h"

int frame_rel_path(char *out, size_t outlen, char profile, int64_t captured_ms, int bracket)
{
	time_t sec = (time_t)(captured_ms / 1000);
	int ms = (int)(captured_ms % 1000);
	char suffix[32] = "";
	struct tm tm;
	int n;

	gmtime_r(&sec, &tm);
	if (bracket >= 0)
		snprintf(suffix, sizeof(suffix), "_bracket%d", bracket);
	n = snprintf(out, outlen,
		     "profile-%c/%04d-%02d-%02d/capture_%04d%02d%02d_%02d%02d%02d_%03d%s.jpg",
		     profile, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms, suffix);
	return n < 0 || (size_t)n >= outlen ? SL_ERR_RANGE : SL_OK;
}

static int fail(int err, const char *what, const char *path, char why[ERRMSG_MAX])
{
	err_why(why, "cannot %s %.180s: %s", what, path, strerror(err));
	return err_from_errno(err);
}

int frame_store_write(const char *root, const char *rel, const void *jpeg, size_t len,
		      json_t *sidecar, char why[ERRMSG_MAX])
{
	char path[PATH_MAX], json_path[PATH_MAX], dir[PATH_MAX], sha[SHA256_HEX_LEN];
	char tmp[PATH_MAX + 32], json_tmp[PATH_MAX + 32];
	char *text = NULL, *slash;
	int rc = SL_OK, fd, jfd = -1, dfd = -1;

	if (path_join_safe(root, rel, path, sizeof(path)) != SL_OK ||
	    strlen(path) < 5 || strlen(path) >= sizeof(json_path)) {
		err_why(why, "bad frame path %.200s", rel);
		return SL_ERR_INVAL;
	}
	snprintf(json_path, sizeof(json_path), "%.*s.json", (int)(strlen(path) - 4), path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	/* temporaries are hidden beside their final names: the transfer skips dot files */
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d", dir, slash + 1, (int)getpid());
	snprintf(json_tmp, sizeof(json_tmp), "%s/.%s.tmp.%d", dir, strrchr(json_path, '/') + 1,
		 (int)getpid());
	fd = file_write_open(tmp, jpeg, len);
	if (fd < 0 && (errno != ENOENT || mkdir_p(dir, 0755) < 0 ||
		       (fd = file_write_open(tmp, jpeg, len)) < 0))
		return fail(errno, "write", path, why);
	/* the disk takes the frame while the CPU hashes it */
	sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (sha256_hex(jpeg, len, sha) != SL_OK ||
	    json_object_set_new(sidecar, "sha256", json_string(sha)) < 0 ||
	    (text = jx_dump_pretty(sidecar)) == NULL) {
		err_why(why, "cannot describe the frame");
		rc = SL_ERR_NOMEM;
	} else if ((jfd = file_write_open(json_tmp, text, strlen(text))) < 0) {
		rc = fail(errno, "write", json_path, why);
	} else if (fsync(fd) < 0) { /* the sidecar's then finds most of its work done */
		rc = fail(errno, "write", path, why);
	} else if (fsync(jfd) < 0) {
		rc = fail(errno, "write", json_path, why);
	}
	if (close(fd) < 0 && rc == SL_OK)
		rc = fail(errno, "write", path, why);
	if (jfd >= 0 && close(jfd) < 0 && rc == SL_OK)
		rc = fail(errno, "write", json_path, why);
	if (rc != SL_OK) {
		unlink(tmp);
		unlink(json_tmp);
		goto out;
	}
	fault_point("write");
	/* the frame under its name first, then its sidecar: one fsync of the
	 * folder makes both durable, and a journaling file system keeps the
	 * two renames in order, so a sidecar never names a missing frame */
	if (rename(tmp, path) < 0) {
		rc = fail(errno, "write", path, why);
		unlink(tmp);
		unlink(json_tmp);
		goto out;
	}
	fault_point("rename");
	if (rename(json_tmp, json_path) < 0 || (dfd = open(dir, O_RDONLY | O_DIRECTORY |
							    O_CLOEXEC)) < 0 || fsync(dfd) < 0) {
		rc = fail(errno, "write", json_path, why);
		unlink(json_tmp);
		unlink(json_path);
		unlink(path); /* no frame without its sidecar when the disk is full */
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(text);
	return rc;
}
