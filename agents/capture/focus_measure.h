/* focus_measure.h - the focus aid's decisions, with no camera and no I/O:
 * the sharpness figure of a luma plane, where the crop lies in a frame,
 * what a focus request asks, and whether a focus frame may be shot now
 * without delaying a planned slot. focus.c does the rest.
 *
 * The figure is Tenengrad: the mean over the crop of Gx^2 + Gy^2, the
 * squared Sobel gradients of luma (each divided by 4, the kernel's weight,
 * so a step of one level between neighbours counts about 1). Why Tenengrad
 * and not the variance of the Laplacian is written in docs/FOCUS.md: a sky
 * camera is focused on stars at gain 16, and the second derivative
 * amplifies sensor noise the most, while the Sobel kernel smooths across
 * the gradient it measures.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_FOCUS_MEASURE_H
#define SKYLAPSE_AGENTS_CAPTURE_FOCUS_MEASURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define FOCUS_DURATION_DEFAULT_S 180
#define FOCUS_DURATION_MAX_S 600
#define FOCUS_CROP_DEFAULT 0.25
/* Half the width at most: a full 12 MP frame in base64 would pass the
 * broker's 4 MiB packet limit. */
#define FOCUS_CROP_MAX 0.5

enum focus_action { FOCUS_START, FOCUS_STOP };

/* A focus request (schema/focus-request.json). Numbers < 0: not given. */
struct focus_request {
	enum focus_action action;
	const char *backend_name; /* borrowed from the payload; NULL when missing */
	const char *request_id;   /* borrowed; NULL when missing */
	int duration_s;           /* 1..FOCUS_DURATION_MAX_S */
	double crop;              /* crop width / frame width, 0.05..FOCUS_CROP_MAX */
	double x, y;              /* crop centre, fractions of the frame */
	int exposure_us;          /* < 0: the exposure metered at the start */
	double analogue_gain;     /* < 0: likewise */
	double lens_position;     /* dioptres; < 0: the lens is left alone */
};

/* A rectangle of a frame, even-aligned (4:2:0 chroma stays whole). */
struct focus_rect {
	int x, y, width, height;
};

/* Tenengrad of the width x height luma plane (borrowed, rows `stride`
 * bytes apart) over its interior; 0 for a plane narrower or lower than 3. */
double focus_tenengrad(const unsigned char *luma, int stride, int width, int height);

/* Reads a request object (borrowed). 0, or SL_ERR_INVAL with why naming
 * the field. Strings stay borrowed from obj. */
int focus_request_parse(const json_t *obj, struct focus_request *out, char why[ERRMSG_MAX]);

/* The crop of a frame_w x frame_h frame: crop x frame_w wide, of the
 * frame's aspect ratio, centred on (x, y) and moved inside the frame. */
void focus_crop_rect(int frame_w, int frame_h, double crop, double x, double y,
		     struct focus_rect *out);

/* Whether a focus frame expected to take `expected_ms` may start at now_ms
 * (all in the plan's clock): not while a capture job is open, and not from
 * `expected_ms` plus a margin before a planned slot until a little after it
 * (the slot's request may come late). prev_ms, next_ms: the plan's slots
 * around now (0: none). */
bool focus_may_shoot(int jobs_open, int64_t now_ms, int64_t prev_ms, int64_t next_ms,
		     int64_t expected_ms);

#define FOCUS_SLOT_MARGIN_MS 1500 /* before a slot, beyond a frame's expected time */
#define FOCUS_SLOT_AFTER_MS 3000  /* after a slot, for its request to come */

#endif
