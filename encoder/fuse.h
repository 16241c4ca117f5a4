/* fuse.h - exposure fusion: a slot's bracketed exposures into one frame.
 *
 * Mertens, Kautz and Van Reeth, "Exposure Fusion" (2007): each exposure is
 * weighted per pixel by its contrast (the absolute Laplacian of luma), its
 * saturation (the spread of R, G, B) and its well-exposedness (closeness of
 * R, G, B to mid-grey), the weights are normalised over the exposures, and
 * the exposures are blended over a Laplacian pyramid (the weights over a
 * Gaussian one), so the seams of the weight maps do not show.
 *
 * It works on the encoder's own frames, yuv420p at the video's size in
 * BT.709 TV range: blending is linear and Y'CbCr is an affine map of R'G'B',
 * so blending the planes is blending the colours. Chroma planes are
 * blended with the weight pyramid one level down (their half size).
 * Contrast and saturation get a small floor so that flat, grey regions (a
 * clear sky) are decided by exposure rather than averaged (docs/DECISIONS.md).
 *
 * A fuser holds the float scratch for one frame size (about 27 bytes a
 * pixel, whatever the number of exposures, which are read one at a time);
 * it belongs to one thread.
 */
#ifndef SKYLAPSE_ENCODER_FUSE_H
#define SKYLAPSE_ENCODER_FUSE_H

#include <stddef.h>

#define FUSE_MAX 9 /* exposures fused at most (a profile's bracket count) */

/* Three planes of a yuv420p image of the fuser's size, borrowed. */
struct fuse_planes {
	unsigned char *data[3];
	int stride[3];
};

struct fuser;

/* A fuser for w x h frames (both even, at least 2); 0 or SL_ERR_NOMEM,
 * SL_ERR_RANGE for a size it cannot take. *out is freed with fuser_free(). */
int fuser_new(int w, int h, struct fuser **out);
void fuser_free(struct fuser **f);
/* Bytes of scratch a fuser of w x h holds. */
size_t fuse_scratch_bytes(int w, int h);

/* Fuses in[0..n-1] (1 <= n <= FUSE_MAX, borrowed) into out, which may be
 * one of the inputs. One input is copied. 0 or SL_ERR_INVAL. */
int fuse_exposures(struct fuser *f, const struct fuse_planes *in, int n,
		   const struct fuse_planes *out);

#endif
