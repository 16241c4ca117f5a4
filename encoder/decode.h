/* decode.h - one JPEG frame to the planes the encoder wants.
 *
 * TurboJPEG decodes straight to YCbCr planes (no RGB), using its DCT
 * scaling to the smallest size at or above what is needed, so a 4056-wide
 * frame for a 1920-wide video is decoded at 2028 wide for less work than a
 * full decode. libswscale then makes the exact output size (Lanczos), and
 * colour.h the video's colour space and deflicker gain.
 *
 * A frame_decoder holds one thread's TurboJPEG handle, scaler and buffers;
 * it is not shared between threads. Failures are sorted into the reasons a
 * frame is skipped for: SL_ERR_NOTFOUND (missing), SL_ERR_PARSE
 * (unreadable), SL_ERR_RANGE (different size), with `why` saying more.
 */
#ifndef SKYLAPSE_ENCODER_DECODE_H
#define SKYLAPSE_ENCODER_DECODE_H

#include <libavutil/frame.h>
#include <stddef.h>

#include "colour.h"
#include "err.h"

struct frame_decoder;

/* Decoded planes, borrowed from the decoder until its next call. */
struct yuv_planes {
	unsigned char *data[3]; /* data[1], data[2] NULL for grey frames */
	int stride[3];
	int width, height; /* of the luma plane */
	int chroma_w, chroma_h;
	int subsamp; /* TurboJPEG's TJSAMP_* */
};

/* What to make of each frame of one video. */
struct decode_target {
	int src_w, src_h; /* expected frame size; 0: any */
	int scale_num;	  /* DCT scale in eighths, from decode_pick_scale() */
	int out_w, out_h; /* exact output size, even */
	enum colour_target colour;
};

int frame_decoder_new(struct frame_decoder **out);
void frame_decoder_free(struct frame_decoder **d);
/* Pipeline thread hooks (pipeline.h): each decode thread owns one decoder. */
void *frame_decoder_thread_init(void *arg);
void frame_decoder_thread_fini(void *tctx);

/* The smallest TurboJPEG scale (in eighths) at which a src_w x src_h JPEG
 * is at least min_w x min_h; 8 when nothing smaller will do. */
int decode_pick_scale(int src_w, int src_h, int min_w, int min_h);

/* Reads only the header of `path`: its size. 0, SL_ERR_NOTFOUND or
 * SL_ERR_PARSE (with why). */
int decode_probe(struct frame_decoder *d, const char *path, int *w, int *h, char why[ERRMSG_MAX]);

/* Decodes `path` at scale_num/8 into the decoder's planes (borrowed).
 * expect_w/h: the frame size required (0: any). */
int decode_planes(struct frame_decoder *d, const char *path, int expect_w, int expect_h,
		  int scale_num, struct yuv_planes *out, char why[ERRMSG_MAX]);

/* Decodes, scales and converts `path` into `out`, a yuv420p AVFrame of
 * t->out_w x t->out_h that the caller allocated. */
int decode_frame(struct frame_decoder *d, const char *path, const struct decode_target *t,
		 double gain, AVFrame *out, char why[ERRMSG_MAX]);

/* Mean luma (0..255) of `path`, decoded at 1/8 scale. */
int decode_mean_luma(struct frame_decoder *d, const char *path, double *luma, char why[ERRMSG_MAX]);

/* A JPEG thumbnail of `path`, at most max_w wide, with `gain`. *jpeg is
 * a new buffer (free with decode_free_jpeg). */
int decode_thumbnail(struct frame_decoder *d, const char *path, int max_w, double gain,
		     unsigned char **jpeg, size_t *size, char why[ERRMSG_MAX]);
void decode_free_jpeg(unsigned char *jpeg);

/* The same from a frame of the video (yuv420p, BT.709 TV range, borrowed):
 * a fused frame, which no JPEG on disk holds. */
int decode_thumbnail_of_frame(struct frame_decoder *d, const AVFrame *f, int max_w,
			      unsigned char **jpeg, size_t *size, char why[ERRMSG_MAX]);

/* Compresses 4:4:4 planes of w x h into a JPEG written atomically to
 * `path` (keograms, star trails); *size is its byte count. */
int decode_write_444(struct frame_decoder *d, unsigned char *const planes[3], int stride, int w,
		     int h, const char *path, size_t *size, char why[ERRMSG_MAX]);

#endif
