/* verify.c - frame paths and the server copy against its sidecar; see
 * verify.h. The size is compared before hashing, so a truncated copy costs
 * a stat, not a read.
 */
#include "verify.h"
#include "err.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "frames.h"
#include "fsutil.h"
#include "sha256.h"
#include "timeutil.h"

#define SIDECAR_MAX (64 * 1024)
#define REL_MAX	    256

static bool is_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool verify_frame_path(const char *rel)
{
	const char *day = rel + 10, *base = rel + 21;
	int64_t ms;
	int bracket;

	/* profile-a/2026-11-27/capture_... */
	if (rel == NULL || strlen(rel) >= REL_MAX || strncmp(rel, "profile-", 8) != 0 ||
	    rel[8] < 'a' || rel[8] > 'z' || rel[9] != '/')
		return false;
	if (!is_digits(day, 4) || day[4] != '-' || !is_digits(day + 5, 2) || day[7] != '-' ||
	    !is_digits(day + 8, 2) || day[10] != '/')
		return false;
	if (strchr(base, '/') != NULL)
		return false;
	return frames_parse_name(base, &ms, &bracket) == SL_OK;
}

bool verify_sidecar_path(const char *rel, char *jpg, size_t jpglen)
{
	size_t n = strlen(rel);

	if (n < 6 || strcmp(rel + n - 5, ".json") != 0 || n >= jpglen)
		return false;
	memcpy(jpg, rel, n - 5);
	memcpy(jpg + n - 5, ".jpg", 5);
	return verify_frame_path(jpg);
}

int verify_stat(const char *root, const char *rel, struct verify_info *info)
{
	char path[PATH_MAX];
	struct stat st;

	if (path_join_safe(root, rel, path, sizeof(path)) != SL_OK)
		return SL_ERR_INVAL;
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? SL_ERR_NOTFOUND : SL_ERR_IO;
	if (!S_ISREG(st.st_mode))
		return SL_ERR_NOTFOUND;
	info->size = st.st_size;
	info->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return SL_OK;
}

static bool is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return i == 64;
}

/* Reads the sidecar of `path` (a .jpg) into size, sha256 and capture time. */
static enum verify_result read_sidecar(const char *path, const char *rel, long long *size,
				       char sha[SHA256_HEX_LEN], int64_t *captured_ms,
				       char why[ERRMSG_MAX])
{
	char json_path[PATH_MAX];
	size_t n = strlen(path);
	const json_t *v;
	json_t *obj = NULL;
	json_error_t jerr;
	char *text = NULL;
	size_t len;
	enum verify_result res = VERIFY_BAD_SIDECAR;

	snprintf(json_path, sizeof(json_path), "%.*s.json", (int)(n - 4), path);
	if (file_read_all(json_path, SIDECAR_MAX, &text, &len) < 0) {
		if (errno == ENOENT)
			res = VERIFY_NO_SIDECAR;
		err_why(why, "%.150s: sidecar: %s", rel, strerror(errno));
		goto out;
	}
	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(obj)) {
		err_why(why, "%.150s: sidecar is not a JSON object", rel);
		goto out;
	}
	v = json_object_get(obj, "size");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		err_why(why, "%.150s: sidecar has no valid 'size'", rel);
		goto out;
	}
	*size = json_integer_value(v);
	v = json_object_get(obj, "sha256");
	if (!json_is_string(v) || !is_sha256_hex(json_string_value(v))) {
		err_why(why, "%.150s: sidecar has no valid 'sha256'", rel);
		goto out;
	}
	memcpy(sha, json_string_value(v), SHA256_HEX_LEN);
	v = json_object_get(obj, "captured_at");
	if (json_is_string(v))
		time_parse_iso(json_string_value(v), captured_ms); /* else keep the name's time */
	res = VERIFY_OK;
out:
	json_decref(obj);
	free(text);
	return res;
}

/* Everything but the hashing: the path, the copy, its sidecar, the size.
 * VERIFY_OK leaves the copy's path and the sidecar's sha256. */
static enum verify_result prepare(const char *root, const char *rel, struct verify_info *info,
				  char path[PATH_MAX], char sha[SHA256_HEX_LEN],
				  char why[ERRMSG_MAX])
{
	const char *base;
	enum verify_result res;
	long long size = 0;
	int bracket, rc;

	*info = (struct verify_info){0};
	if (!verify_frame_path(rel) || path_join_safe(root, rel, path, PATH_MAX) != SL_OK) {
		err_why(why, "%.150s: not a frame path", rel);
		return VERIFY_MISSING;
	}
	base = strrchr(rel, '/') + 1;
	frames_parse_name(base, &info->captured_ms, &bracket);
	rc = verify_stat(root, rel, info);
	if (rc != SL_OK) {
		err_why(why, "%.150s: %s", rel,
			 rc == SL_ERR_NOTFOUND ? "no copy on the server" : strerror(errno));
		return rc == SL_ERR_NOTFOUND ? VERIFY_MISSING : VERIFY_IO;
	}
	res = read_sidecar(path, rel, &size, sha, &info->captured_ms, why);
	if (res != VERIFY_OK)
		return res;
	if (size != info->size) {
		err_why(why, "%.150s: %lld bytes on the server, sidecar says %lld",
			 rel, (long long)info->size, size);
		return VERIFY_SIZE;
	}
	return VERIFY_OK;
}

/* Hashes the copy and compares it with the sidecar's sha256. */
static enum verify_result hash_and_compare(const char *rel, const char *path, const char *sha,
					   char why[ERRMSG_MAX])
{
	char got[SHA256_HEX_LEN];

	if (sha256_file_hex(path, got) < 0) {
		err_why(why, "%.150s: cannot read: %s", rel, strerror(errno));
		return VERIFY_IO;
	}
	if (strcasecmp(got, sha) != 0) {
		err_why(why, "%.150s: sha256 %.12s... differs from the sidecar's %.12s...", rel, got,
			 sha);
		return VERIFY_HASH;
	}
	return VERIFY_OK;
}

enum verify_result verify_frame(const char *root, const char *rel, struct verify_info *info,
				char why[ERRMSG_MAX])
{
	char path[PATH_MAX], sha[SHA256_HEX_LEN];
	enum verify_result res = prepare(root, rel, info, path, sha, why);

	return res == VERIFY_OK ? hash_and_compare(rel, path, sha, why) : res;
}
