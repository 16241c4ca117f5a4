/* video.h - selected frames to a finished MP4 (and its thumbnail).
 *
 * The steps of one video: the output size (the asked width, never above
 * the frames', even; the height keeps the aspect), the frame rate (asked,
 * or frames / duration_seconds), the deflicker gains (brightness measured
 * first for frames whose sidecar has none), then decoding on the pipeline's
 * threads into the encoder on the calling thread. The MP4 is written under
 * a hidden temporary name in the output folder and renamed when complete,
 * so a crash never leaves a partial video under its final name.
 *
 * Runs on any thread; reports through hooks called on that same thread.
 */
#ifndef SKYLAPSE_ENCODER_VIDEO_H
#define SKYLAPSE_ENCODER_VIDEO_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "job.h"
#include "select.h"

#define THUMB_MAX_WIDTH 640

struct video_plan {
	const struct selection *sel; /* borrowed: frames and their size */
	int width;		     /* 0: the frames' width; -1: from height */
	int height;		     /* 0: from width and the aspect */
	int fps;		     /* 0: from duration_seconds */
	double duration_seconds;
	enum job_codec codec;
	int crf;
	const char *preset;
	int deflicker_window;  /* 0: off */
	int threads;	       /* decoding threads; 0: one per CPU */
	int encoder_threads;   /* 0: the encoder's choice */
	const char *output;    /* final path of the video */
	const char *thumbnail; /* final path of the thumbnail JPEG, or NULL */
};

struct video_hooks {
	/* after each frame: frames done (encoded or skipped) of total */
	void (*progress)(void *arg, size_t done, size_t total);
	/* a frame that decoding left out; `rel` as in the selection */
	int (*skip)(void *arg, const char *rel, const char *reason, const char *detail);
	/* polled between frames; true stops the job (ENC_CANCELLED) */
	bool (*cancelled)(void *arg);
	void *arg;
};

struct video_result {
	int64_t frames; /* frames in the video */
	int width, height, fps;
	double duration_seconds;
	int64_t size;	/* bytes of the MP4 */
	bool thumbnail; /* one was written */
};

/* Returns 0 with the video at plan->output, ENC_CANCELLED, or an error code
 * with `why`. Nothing is left under the final names unless 0. */
int video_encode(const struct video_plan *plan, const struct video_hooks *hooks,
		 struct video_result *res, char why[ERRMSG_MAX]);

/* The output size for frames of src_w x src_h, an asked width (0: the
 * frames', -1: from the height) and height (0: from the width, keeping the
 * aspect): even, never larger than the frames. */
void video_output_size(int src_w, int src_h, int width, int height, int *out_w, int *out_h);

/* The frame rate for n frames: fps, or n / duration_seconds rounded and
 * kept within 1..JOB_FPS_MAX. */
int video_frame_rate(int fps, double duration_seconds, size_t n);

/* Hidden temporary name beside `path`: "<dir>/.<file>.part". */
int video_temp_path(const char *path, char *out, size_t outlen);

/* fsync `tmp`, rename it to `path`, fsync the folder; 0, SL_ERR_NOSPACE
 * (the fsync found the disk full) or SL_ERR_IO. */
int video_commit_file(const char *tmp, const char *path);

#endif
