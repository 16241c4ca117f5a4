/* frame_store.h - where frames go on disk, and how they get there.
 *
 * Layout (SPEC section 6), relative to the agent's images root:
 *   profile-<p>/<YYYY-MM-DD>/capture_<YYYYmmdd>_<HHMMSS>_<mmm>[_bracket<i>].jpg
 * plus a .json sidecar beside it holding the frame's announcement. Date and
 * time are UTC. The milliseconds are always written, so frames taken less
 * than a second apart never collide. Both are written and fsync'd under
 * hidden temporary names (the frame's SHA-256 computed while the disk takes
 * it), then renamed, the JPEG first, and the folder fsync'd once: a frame
 * appears under its final name only complete, and a sidecar never describes
 * a missing frame.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_FRAME_STORE_H
#define SKYLAPSE_AGENTS_CAPTURE_FRAME_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Relative path of a frame; bracket < 0 for a single shot. 0 or SL_ERR_RANGE. */
int frame_rel_path(char *out, size_t outlen, char profile, int64_t captured_ms, int bracket);

/* Writes root/rel (creating folders), the frame `jpeg` (borrowed), and
 * root/rel-with-.json: the sidecar (borrowed), its "sha256" first set to the
 * frame's SHA-256. Returns 0, SL_ERR_NOSPACE when the disk is full, SL_ERR_IO
 * otherwise, with `why` filled; nothing is left under a final name on error. */
int frame_store_write(const char *root, const char *rel, const void *jpeg, size_t len,
		      json_t *sidecar, char why[ERRMSG_MAX]);

#endif
