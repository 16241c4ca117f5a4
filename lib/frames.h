/* frames.h - the frames under a server images root, found by camera,
 * profile and time.
 *
 * Server layout (SPEC section 6): <root>/<camera>/profile-<p>/<YYYY-MM-DD>/
 * capture_<YYYYmmdd>_<HHMMSS>[_<mmm>][_bracket<i>].jpg, each with a .json
 * sidecar. Listing reads names only (the time is in the name), so a day of
 * 10,000 frames lists in milliseconds; sidecars are read on demand with
 * frames_load_sidecar(). Only the date folders that can hold the range are
 * opened.
 */
#ifndef SKYLAPSE_LIB_FRAMES_H
#define SKYLAPSE_LIB_FRAMES_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "fsutil.h"

struct frame_query {
	const char *camera; /* NULL: every camera */
	char profile;       /* 0: every profile */
	int64_t from_ms;    /* inclusive; 0: no lower bound */
	int64_t to_ms;      /* exclusive; 0: no upper bound */
	bool newest_first;
};

struct frame_entry {
	char path[PATH_MAX - 64]; /* relative to the root: helios/profile-a/.../x.jpg */
	char camera[ID_MAX + 1];
	char profile;
	int bracket;              /* -1: not bracketed */
	int64_t captured_ms;
};

struct frame_list {
	struct frame_entry *items; /* owned */
	size_t count;
};

/* Lists the frames of `root` matching q, sorted by time (then path).
 * 0, SL_ERR_NOTFOUND when q->camera has no folder, SL_ERR_NOMEM. */
int frames_list(const char *root, const struct frame_query *q, struct frame_list *out);
void frame_list_free(struct frame_list *l);

/* Parses a frame file name into its capture time and bracket index;
 * 0 or SL_ERR_PARSE. */
int frames_parse_name(const char *name, int64_t *captured_ms, int *bracket);

/* The sidecar of root/rel (a .jpg path) as a new reference, or NULL. */
json_t *frames_load_sidecar(const char *root, const char *rel);

#endif
