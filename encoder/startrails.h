/* startrails.h - one image of a night's stars as trails: a lighten stack.
 *
 * Every pixel of the image is the brightest that pixel was in any frame
 * (brightest by luma; its colour goes with it), so each star draws the arc
 * it moved along. A dark frame (a frame taken with the lens covered, at the
 * night's exposure) may be subtracted from each frame first, clamped at 0,
 * which removes hot pixels and the sensor's glow before they can win the
 * maximum; it must have the frames' size.
 *
 * Frames are decoded on the pipeline's threads at the smallest TurboJPEG
 * scale that is at least the asked width (0: full size) and merged straight
 * into one 4:4:4 accumulator, so memory is one image (and the dark frame)
 * however many frames there are. Written as a 4:4:4 JPEG under a temporary
 * name first, with a thumbnail beside it.
 */
#ifndef SKYLAPSE_ENCODER_STARTRAILS_H
#define SKYLAPSE_ENCODER_STARTRAILS_H

#include "err.h"
#include "select.h"
#include "video.h"

struct startrails_plan {
	const struct selection *sel;
	int width;	       /* 0: the frames' width; else at least this wide */
	const char *dark;      /* absolute path of the dark frame, or NULL */
	int threads;	       /* decoding threads; 0: one per CPU */
	const char *output;    /* final path of the JPEG */
	const char *thumbnail; /* final path of the thumbnail JPEG, or NULL */
};

/* Same hooks, returns and guarantees as video_encode(); res->frames is the
 * number of frames stacked. A dark frame that cannot be read or has another
 * size fails the job (SL_ERR_NOTFOUND, SL_ERR_PARSE, SL_ERR_RANGE). */
int startrails_make(const struct startrails_plan *p, const struct video_hooks *h,
		    struct video_result *res, char why[ERRMSG_MAX]);

#endif
