/* fsutil.c - ids, safe paths, atomic writes; see fsutil.h. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "err.h"

bool id_is_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return n >= 1 && n <= ID_MAX;
}

int path_join_safe(const char *root, const char *rel, char *out, size_t outlen)
{
	const char *p = rel;
	int n;

	if (rel == NULL || *rel == '\0' || *rel == '/')
		return SL_ERR_INVAL;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return SL_ERR_INVAL;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == '\\' || p[i] == 0x7f)
				return SL_ERR_INVAL;
		p += len;
		if (*p == '/')
			p++;
		if (end && *p == '\0')
			return SL_ERR_INVAL; /* trailing slash */
	}
	n = snprintf(out, outlen, "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= outlen)
		return SL_ERR_RANGE;
	return SL_OK;
}

int path_resolve_under(const char *root, const char *rel, char *out, size_t outlen)
{
	char joined[PATH_MAX], real_root[PATH_MAX], real[PATH_MAX];
	size_t rl;
	int rc = path_join_safe(root, rel, joined, sizeof(joined));

	if (rc)
		return rc;
	if (realpath(root, real_root) == NULL || realpath(joined, real) == NULL)
		return SL_ERR_NOTFOUND;
	rl = strlen(real_root);
	if (strncmp(real, real_root, rl) != 0 || (real[rl] != '/' && real[rl] != '\0'))
		return SL_ERR_NOTFOUND;
	if (strlen(real) >= outlen)
		return SL_ERR_RANGE;
	strcpy(out, real);
	return SL_OK;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int file_write_open(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), saved;
	const char *p = buf;

	while (fd >= 0 && len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			close(fd);
			unlink(path);
			errno = saved;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return fd;
}

int file_write_synced(const char *path, const void *buf, size_t len)
{
	int fd = file_write_open(path, buf, len), rc, saved;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	if (close(fd) < 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc < 0)
		unlink(path);
	errno = saved;
	return rc;
}

int file_write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX];
	const char *base = strrchr(path, '/');
	size_t dirlen = base ? (size_t)(base - path) + 1 : 0;
	int saved;

	base = base ? base + 1 : path;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp.%d", (int)dirlen, path, base,
			     (int)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (file_write_synced(tmp, buf, len) < 0)
		return -1;
	if (rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return fsync_dir_of(path);
}

int file_read_all(const char *path, size_t max, char **buf, size_t *len)
{
	struct stat st;
	char *b = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if ((size_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
fail: {
	int saved = errno;

	free(b);
	close(fd);
	errno = saved;
	return -1;
}
}

int disk_space(const char *path, uint64_t *free_bytes, uint64_t *total_bytes)
{
	struct statvfs vfs;

	if (statvfs(path, &vfs) < 0)
		return -1;
	*free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	*total_bytes = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	return 0;
}

int path_beside_exe(const char *rel, char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int n;

	if (len <= 0)
		return SL_ERR_IO;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	n = snprintf(out, outlen, "%s/%s", exe, rel);
	return n < 0 || (size_t)n >= outlen ? SL_ERR_RANGE : SL_OK;
}

int path_expand_home(const char *in, char *out, size_t outlen)
{
	const char *home = getenv("HOME");
	int n;

	if (home == NULL || *home == '\0') {
		/* services and tests may run without HOME: ask the password database */
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (in[0] == '~' && (in[1] == '/' || in[1] == '\0') && home)
		n = snprintf(out, outlen, "%s%s", home, in + 1);
	else
		n = snprintf(out, outlen, "%s", in);
	return n < 0 || (size_t)n >= outlen ? SL_ERR_RANGE : SL_OK;
}

int path_state_dir(const char *flag, char out[PATH_MAX])
{
	const char *env = getenv("SKYLAPSE_STATE_DIR"), *sysd = getenv("STATE_DIRECTORY");
	const char *xdg = getenv("XDG_STATE_HOME");
	int n;

	if (flag && *flag)
		n = snprintf(out, PATH_MAX, "%s", flag);
	else if (env && *env)
		n = snprintf(out, PATH_MAX, "%s", env);
	else if (sysd && *sysd)
		n = snprintf(out, PATH_MAX, "%s", sysd);
	else if (xdg && *xdg)
		n = snprintf(out, PATH_MAX, "%s/skylapse", xdg);
	else
		n = path_expand_home("~/.local/state/skylapse", out, PATH_MAX) == SL_OK ? 0
										 : PATH_MAX;
	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdir_p(out, 0755);
}
