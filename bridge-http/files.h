/* files.h - files served over HTTP: safe resolution under a root, content
 * types, the dashboard's static files and the OpenAPI document.
 *
 * files_resolve() is the one door from a request path to the disk: it adds
 * to path_resolve_under() (lib/fsutil.h: no "..", no absolute path, no
 * symlink out of the root, the file must exist) a refusal of hidden names,
 * which are the temporaries of atomic writes.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_FILES_H
#define SKYLAPSE_BRIDGE_HTTP_FILES_H

#include <stddef.h>

/* Resolves rel under root into out; 0, or SL_ERR_NOTFOUND / SL_ERR_INVAL /
 * SL_ERR_RANGE, all of which mean 404 to a client. */
int files_resolve(const char *root, const char *rel, char *out, size_t outlen);

/* "image/jpeg", "video/mp4", "text/html; charset=utf-8", ... by extension;
 * "application/octet-stream" when unknown. Static string. */
const char *files_content_type(const char *path);

/* Picks the dashboard folder: `named` (DASHBOARD_DIR or --dashboard) when
 * not NULL, else ./dashboard, else the installed one, else <source
 * root>/dashboard; a "dist" folder with an index.html inside it wins (a
 * built dashboard). Writes "" when there is none (the minimal page is
 * served). 0, or SL_ERR_NOTFOUND when `named` does not exist (out is ""). */
int files_find_dashboard(const char *named, char *out, size_t outlen);

/* Loads schema/openapi.json (from $SKYLAPSE_OPENAPI, ./schema or the
 * source root) into a new buffer; 0 or SL_ERR_NOTFOUND. */
int files_load_openapi(char **buf, size_t *len);

#endif
