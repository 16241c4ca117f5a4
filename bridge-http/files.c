/* files.c - safe file resolution, content types, the dashboard and the
 * OpenAPI document; see files.h.
 */
#include "files.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bridge.h"
#include "err.h"
#include "fsutil.h"
#include "http.h"
#include "routes.h"

#ifndef SOURCE_ROOT
#define SOURCE_ROOT "."
#endif

#define OPENAPI_MAX (4 * 1024 * 1024)

int files_resolve(const char *root, const char *rel, char *out, size_t outlen)
{
	const char *p = rel;

	if (rel == NULL || root == NULL || root[0] == '\0')
		return SL_ERR_NOTFOUND;
	/* hidden names: temporaries of atomic writes, never finished files */
	for (; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (p[0] == '.')
			return SL_ERR_NOTFOUND;
	return path_resolve_under(root, rel, out, outlen);
}

const char *files_content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".jpg", "image/jpeg"},
		{".jpeg", "image/jpeg"},
		{".json", "application/json"},
		{".mp4", "video/mp4"},
		{".webm", "video/webm"},
		{".mkv", "video/x-matroska"},
		{".png", "image/png"},
		{".webp", "image/webp"},
		{".svg", "image/svg+xml"},
		{".ico", "image/x-icon"},
		{".gif", "image/gif"},
		{".html", "text/html; charset=utf-8"},
		{".htm", "text/html; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".map", "application/json"},
		{".txt", "text/plain; charset=utf-8"},
		{".woff2", "font/woff2"},
		{".woff", "font/woff"},
		{".wasm", "application/wasm"},
		{".webmanifest", "application/manifest+json"},
	};
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot == NULL || strchr(dot, '/'))
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool has_file(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	return (size_t)snprintf(p, sizeof(p), "%s/%s", dir, name) < sizeof(p) && stat(p, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

static void pick(const char *dir, char *out, size_t outlen)
{
	char dist[PATH_MAX];

	snprintf(dist, sizeof(dist), "%s/dist", dir);
	if (has_file(dist, "index.html"))
		dir = dist;
	if (realpath(dir, out) == NULL || strlen(out) >= outlen)
		snprintf(out, outlen, "%s", dir);
}

int files_find_dashboard(const char *named, char *out, size_t outlen)
{
	char buf[PATH_MAX];

	out[0] = '\0';
	if (named && *named) {
		if (!is_dir(named))
			return SL_ERR_NOTFOUND;
		pick(named, out, outlen);
		return SL_OK;
	}
	if (is_dir("dashboard")) {
		pick("dashboard", out, outlen);
		return SL_OK;
	}
	/* installed: <prefix>/bin/skylapse-bridge and <prefix>/share/skylapse/dashboard */
	if (path_beside_exe("../share/skylapse/dashboard", buf, sizeof(buf)) == SL_OK &&
	    is_dir(buf)) {
		pick(buf, out, outlen);
		return SL_OK;
	}
	snprintf(buf, sizeof(buf), "%s/dashboard", SOURCE_ROOT);
	if (is_dir(buf))
		pick(buf, out, outlen);
	return SL_OK;
}

int files_load_openapi(char **buf, size_t *len)
{
	char p[PATH_MAX];
	const char *env = getenv("SKYLAPSE_OPENAPI");

	*buf = NULL;
	if (env && *env && file_read_all(env, OPENAPI_MAX, buf, len) == 0)
		return SL_OK;
	if (file_read_all("schema/openapi.json", OPENAPI_MAX, buf, len) == 0)
		return SL_OK;
	if (path_beside_exe("../share/skylapse/schema/openapi.json", p, sizeof(p)) == SL_OK &&
	    file_read_all(p, OPENAPI_MAX, buf, len) == 0)
		return SL_OK;
	snprintf(p, sizeof(p), "%s/schema/openapi.json", SOURCE_ROOT);
	if (file_read_all(p, OPENAPI_MAX, buf, len) == 0)
		return SL_OK;
	return SL_ERR_NOTFOUND;
}

/* --- routes ------------------------------------------------------------------ */

static const char minimal_page[] =
	"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>Skylapse</title></head>\n<body style=\"font-family: sans-serif; max-width: 40em; "
	"margin: 2em auto\">\n<h1>Skylapse</h1>\n<p>The dashboard is not installed here; the API "
	"is.</p>\n<ul>\n<li><a href=\"/health\">/health</a></li>\n"
	"<li><a href=\"/status\">/status</a></li>\n<li><a href=\"/cameras\">/cameras</a></li>\n"
	"<li><a href=\"/schedules\">/schedules</a></li>\n<li><a href=\"/sun\">/sun</a></li>\n"
	"<li><a href=\"/images\">/images</a></li>\n<li><a href=\"/timelapses\">/timelapses</a></li>\n"
	"<li><a href=\"/events\">/events</a> (Server-Sent Events)</li>\n"
	"<li><a href=\"/openapi.json\">/openapi.json</a></li>\n</ul>\n</body></html>\n";

int route_index(struct bridge *b, struct request *rq)
{
	char path[PATH_MAX];

	if (b->dashboard_dir[0] &&
	    files_resolve(b->dashboard_dir, "index.html", path, sizeof(path)) == SL_OK)
		return http_reply_file(rq, path, "text/html; charset=utf-8", "no-cache", false);
	return http_reply_bytes(rq, 200, "text/html; charset=utf-8", minimal_page,
				sizeof(minimal_page) - 1, "no-cache");
}

int route_static(struct bridge *b, struct request *rq)
{
	const char *rel = req_param(rq, 0);
	const char *type = files_content_type(rel);
	char path[PATH_MAX];

	if (b->dashboard_dir[0] == '\0' ||
	    files_resolve(b->dashboard_dir, rel, path, sizeof(path)) != SL_OK)
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND, "not found: /%.200s", rel);
	/* html names stay stable across versions; revalidate them */
	return http_reply_file(rq, path, type,
			       strncmp(type, "text/html", 9) == 0 ? "no-cache" : "public, max-age=300",
			       true);
}

int route_openapi(struct bridge *b, struct request *rq)
{
	if (b->openapi == NULL)
		return http_reply_error(rq, 404, SL_ERR_NOTFOUND,
					"schema/openapi.json was not found at start");
	return http_reply_bytes(rq, 200, "application/json", b->openapi, b->openapi_len,
				"no-cache");
}
