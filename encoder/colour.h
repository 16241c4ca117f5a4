/* colour.h - YCbCr conversions on 4:2:0 planes, with a brightness gain.
 *
 * JPEG frames are BT.601 YCbCr at full range; the videos are BT.709 at TV
 * range ("limited", 16-235) and tagged so. libswscale only changes the
 * range between two YUV formats, not the matrix, so the matrix change is
 * done here, in one pass over the scaled planes, together with deflicker's
 * gain (a gain g multiplies R, G and B, that is Y, Cb-128 and Cr-128).
 *
 * Output luma depends on chroma (BT.709 weighs R, G, B differently), so it
 * takes the chroma of each pixel interpolated bilinearly (JPEG siting:
 * chroma centred between luma samples); output chroma depends on chroma
 * only. Arithmetic is fixed point.
 */
#ifndef SKYLAPSE_ENCODER_COLOUR_H
#define SKYLAPSE_ENCODER_COLOUR_H

#include <stdint.h>

#define COLOUR_GAIN_MIN 0.25
#define COLOUR_GAIN_MAX 4.0
#define COLOUR_SHIFT	14 /* the coefficients are fixed point, in 1/2^COLOUR_SHIFT */

enum colour_target {
	COLOUR_JPEG,	 /* BT.601, full range: the frames' own space (gain only) */
	COLOUR_BT709_TV, /* BT.709, TV range: the videos */
};

/* Out = offset + matrix x (Y, Cb-128, Cr-128), in 1/2^COLOUR_SHIFT units. */
struct colour_xform {
	int32_t ky, kyb, kyr, oy;   /* luma */
	int32_t kbb, kbr, krb, krr; /* chroma */
	int32_t oc;
};

/* Prepares the conversion from JPEG's space to `to`, with `gain` (clamped
 * to COLOUR_GAIN_MIN..MAX) applied. */
void colour_xform_init(struct colour_xform *x, enum colour_target to, double gain);

/* Converts a yuv420p image in place (w and h even). Returns 0 or
 * SL_ERR_NOMEM (row buffers). */
int colour_apply_420(const struct colour_xform *x, uint8_t *y, int ys, uint8_t *cb, int cbs,
		     uint8_t *cr, int crs, int w, int h);

/* Mean of a luma plane, 0..255. */
double colour_mean_luma(const uint8_t *y, int stride, int w, int h);

#endif
