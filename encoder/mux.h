/* mux.h - yuv420p frames to an MP4 file with libavcodec and libavformat.
 *
 * One video stream, constant frame rate: the time base is 1/fps and frame
 * n has pts n, so the file plays at exactly the rate asked for. The stream
 * is tagged BT.709, TV range; the MP4 index (moov) is moved to the front
 * when the file is finished (fast start), which rewrites the file once, so
 * `path` must be a regular file (the caller's temporary name).
 *
 * Codecs: h264 libx264, h265 libx265, vp9 libvpx-vp9, av1 libsvtav1 or
 * libaom-av1; `preset` is x264's vocabulary and is mapped for the others.
 */
#ifndef SKYLAPSE_ENCODER_MUX_H
#define SKYLAPSE_ENCODER_MUX_H

#include <libavutil/frame.h>
#include <stdint.h>

#include "err.h"
#include "job.h"

struct video_writer;

struct video_writer_opts {
	const char *path;
	enum job_codec codec;
	int width, height; /* even */
	int fps;
	int crf;
	const char *preset;
	int threads; /* encoder threads; 0: the encoder's choice */
};

/* The FFmpeg encoder used for `codec`, or NULL when this FFmpeg has none. */
const char *mux_encoder_name(enum job_codec codec);

/* Opens the encoder and the file. 0, or SL_ERR_UNSUPPORTED (no encoder),
 * SL_ERR_IO with why. */
int video_writer_open(const struct video_writer_opts *o, struct video_writer **out,
		      char why[ERRMSG_MAX]);

/* Encodes `frame` (borrowed; yuv420p of the opened size) as the next frame. */
int video_writer_write(struct video_writer *w, AVFrame *frame, char why[ERRMSG_MAX]);

/* Drains the encoder and writes the index; the file is complete after 0.
 * *frames is the number of frames written. */
int video_writer_finish(struct video_writer *w, int64_t *frames, char why[ERRMSG_MAX]);

/* Closes (without finishing, if finish was not called) and frees. */
void video_writer_free(struct video_writer **w);

#endif
