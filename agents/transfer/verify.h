/* verify.h - does the server's copy of a frame hold what the camera wrote?
 *
 * A frame counts as transferred once the server's .jpg has the size and the
 * sha256 recorded in its .json sidecar (SPEC section 6). Paths are relative
 * to the camera folder and come from the Pi (rsync's listing) or from MQTT
 * announcements: verify_frame_path() admits only the frame layout, which
 * also makes them safe to hand to a shell.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_VERIFY_H
#define SKYLAPSE_AGENTS_TRANSFER_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum verify_result {
	VERIFY_OK,
	VERIFY_MISSING,	    /* no server copy */
	VERIFY_NO_SIDECAR,  /* no .json beside it */
	VERIFY_BAD_SIDECAR, /* sidecar unreadable, or without size/sha256 */
	VERIFY_SIZE,	    /* size differs from the sidecar's */
	VERIFY_HASH,	    /* sha256 differs from the sidecar's */
	VERIFY_IO,	    /* the copy could not be read */
};

struct verify_info {
	int64_t size; /* the server copy's */
	int64_t mtime_ns;
	int64_t captured_ms; /* sidecar captured_at, else the name's time; 0 unknown */
};

/* True for profile-<p>/<YYYY-MM-DD>/capture_<...>.jpg (frames_parse_name). */
bool verify_frame_path(const char *rel);
/* True for the .json sidecar of such a path; writes the .jpg path to jpg. */
bool verify_sidecar_path(const char *rel, char *jpg, size_t jpglen);

/* Stats root/rel into info (size, mtime); 0, SL_ERR_NOTFOUND or SL_ERR_IO. */
int verify_stat(const char *root, const char *rel, struct verify_info *info);

/* Checks root/rel against its sidecar, hashing the copy. Fills info (size,
 * mtime, capture time) as far as it got and `why` on any result but OK. */
enum verify_result verify_frame(const char *root, const char *rel, struct verify_info *info,
				char why[ERRMSG_MAX]);

#endif
