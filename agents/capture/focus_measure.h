/* focus_measure.h - the focus aid's decisions, with no camera and no I/O:
 * the sharpness figure of a luma plane, where the crop lies in a frame,
 * and whether a focus frame may be shot now without delaying a planned
 * slot (lib/focus_request.h reads the request). focus.c does the rest.
 *
 * The figure is Tenengrad: the mean over the crop of Gx^2 + Gy^2, the
 * squared Sobel gradients of luma, each divided by 4, the kernel's weight
 * (a ramp of one level a pixel reads 4). Why Tenengrad and not the
 * variance of the Laplacian is written in docs/FOCUS.md: a sky camera is
 * focused on stars at gain 16, and the second derivative amplifies sensor
 * noise the most, while the Sobel kernel smooths across the gradient it
 * measures (about five times the signal to noise on an edge).
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_FOCUS_MEASURE_H
#define SKYLAPSE_AGENTS_CAPTURE_FOCUS_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "focus_request.h"

/* A rectangle of a frame, even-aligned (4:2:0 chroma stays whole). */
struct focus_rect {
	int x, y, width, height;
};

/* Tenengrad of the width x height luma plane (borrowed, rows `stride`
 * bytes apart) over its interior; 0 for a plane narrower or lower than 3. */
double focus_tenengrad(const unsigned char *luma, int stride, int width, int height);

/* The crop of a frame_w x frame_h frame: crop x frame_w wide, of the
 * frame's aspect ratio, centred on (x, y) and moved inside the frame. */
void focus_crop_rect(int frame_w, int frame_h, double crop, double x, double y,
		     struct focus_rect *out);

/* Whether a focus frame expected to take `expected_ms` may start at now_ms
 * (all in the plan's clock): not while a capture job is open; not from
 * `expected_ms` plus a margin before a planned slot; and after a slot, not
 * until a capture was shot for it (its request may come a little late),
 * for FOCUS_SLOT_AFTER_MS at most. prev_ms, next_ms: the plan's slots
 * around now (0: none); last_shot_ms: the latest capture's time (0: none).
 */
bool focus_may_shoot(int jobs_open, int64_t now_ms, int64_t prev_ms, int64_t next_ms,
		     int64_t expected_ms, int64_t last_shot_ms);

#define FOCUS_SLOT_MARGIN_MS 1500 /* before a slot, beyond a frame's expected time */
#define FOCUS_SLOT_EARLY_MS 1000  /* a capture this early still counts for its slot */
#define FOCUS_SLOT_AFTER_MS 3000  /* after a slot, for its request to come */

#endif
