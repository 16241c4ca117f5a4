/* preview.h - the small JPEG of a frame and its mean brightness (the capture
 * agent's retained previews, the bridge's gallery thumbnails).
 *
 * Both come from one TurboJPEG decode at the largest DCT scale whose width is
 * at most max_width (1/8 of 4056 = 507 px): cheap, and the mean of the scaled
 * luma plane is the mean of the written frame to within rounding.
 */
#ifndef SKYLAPSE_LIB_PREVIEW_H
#define SKYLAPSE_LIB_PREVIEW_H

#include <stddef.h>

#include "err.h"

struct jpeg_preview {
	unsigned char *jpeg; /* owned: free() */
	size_t size;
	int width, height;
	double mean_luma; /* 0..255 */
};

/* Decodes `jpeg`, fills *out. 0, or SL_ERR_PARSE for data that is not a
 * JPEG (why filled). */
int preview_make(const unsigned char *jpeg, size_t len, int max_width, int quality,
		 struct jpeg_preview *out, char why[ERRMSG_MAX]);
/* The same from a frame's YUV 4:2:0 planes (borrowed): no decode; the
 * preview is a box-filtered downscale by the smallest integer factor that
 * fits max_width, and the mean luma is taken over every eighth pixel of
 * every eighth row of the full frame. SL_ERR_RANGE for frames too narrow
 * for that (use preview_make). */
int preview_from_yuv420(const unsigned char *const planes[3], const int strides[3], int width,
			int height, int max_width, int quality, struct jpeg_preview *out,
			char why[ERRMSG_MAX]);
void preview_clear(struct jpeg_preview *p);

#endif
