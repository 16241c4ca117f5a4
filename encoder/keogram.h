/* keogram.h - one image of the sky over time: the centre column of every
 * frame, side by side (left: the first frame).
 *
 * The image is as wide as there are frames (at most KEOGRAM_MAX_FRAMES, a
 * JPEG's limit) and as tall as the frames, at most KEOGRAM_DEFAULT_HEIGHT
 * unless a height is asked for. Frames are decoded at the smallest
 * TurboJPEG scale that still has that many rows; the column is resampled
 * to the exact height. Written as a 4:4:4 JPEG (each column is its own
 * frame, so chroma is not shared between neighbours), under a temporary
 * name first.
 */
#ifndef SKYLAPSE_ENCODER_KEOGRAM_H
#define SKYLAPSE_ENCODER_KEOGRAM_H

#include <stdint.h>

#include "err.h"
#include "select.h"
#include "video.h"

#define KEOGRAM_MAX_FRAMES     65000
#define KEOGRAM_DEFAULT_HEIGHT 1080

struct keogram_plan {
	const struct selection *sel;
	int height;	      /* 0: the frames' height, at most KEOGRAM_DEFAULT_HEIGHT */
	int deflicker_window; /* 0: off */
	int threads;
	const char *output; /* final path of the JPEG */
};

/* Same hooks, returns and guarantees as video_encode(); res->frames is
 * the image's width. */
int keogram_make(const struct keogram_plan *p, const struct video_hooks *h,
		 struct video_result *res, char why[ERRMSG_MAX]);

#endif
