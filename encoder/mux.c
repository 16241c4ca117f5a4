/* mux.c - libavcodec encoder + libavformat MP4 muxer; see mux.h.
 *
 * The shape follows FFmpeg's doc/examples/mux.c: open the encoder, copy its
 * parameters to the stream, write the header; per frame send it and drain
 * every packet the encoder has ready; at the end send NULL (flush), drain,
 * write the trailer. The writer numbers frames itself (pts = n).
 */
#include "mux.h"
#include "err.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct video_writer {
	AVFormatContext *oc;
	AVCodecContext *enc;
	AVStream *st;
	AVPacket *pkt;
	int64_t frames;
	bool header_written, finished;
};

/* x264 preset names (job_presets) -> speed levels of the other encoders. */
static const int vpx_cpu_used[] = {8, 7, 6, 5, 4, 3, 2, 1, 0, 0};
static const int svt_preset[] = {12, 11, 10, 9, 8, 7, 5, 4, 2, 1};

static int preset_index(const char *preset)
{
	for (int i = 0; preset && job_presets[i]; i++)
		if (strcmp(preset, job_presets[i]) == 0)
			return i;
	return 5; /* medium */
}

/* Fills `why` for FFmpeg's error `err`; returns our code for it (a full
 * disk is SL_ERR_NOSPACE, any other failure SL_ERR_IO). */
static int averr(int err, const char *what, char why[ERRMSG_MAX])
{
	char buf[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(err, buf, sizeof(buf));
	err_why(why, "%s: %s", what, buf);
	return err_from_errno(AVUNERROR(err));
}

const char *mux_encoder_name(enum job_codec codec)
{
	static const char *const names[][3] = {
	    {"libx264", NULL, NULL},
	    {"libx265", NULL, NULL},
	    {"libvpx-vp9", NULL, NULL},
	    {"libsvtav1", "libaom-av1", NULL},
	};

	for (int i = 0; names[codec][i]; i++)
		if (avcodec_find_encoder_by_name(names[codec][i]))
			return names[codec][i];
	return NULL;
}

/* Codec-specific private options; `opts` is passed to avcodec_open2. */
static void set_codec_options(AVCodecContext *enc, const char *name,
			      const struct video_writer_opts *o, AVDictionary **opts)
{
	int p = preset_index(o->preset);

	if (strcmp(name, "libx264") == 0 || strcmp(name, "libx265") == 0) {
		av_dict_set(opts, "preset", job_presets[p], 0);
		av_dict_set_int(opts, "crf", o->crf, 0);
		if (strcmp(name, "libx265") == 0)
			av_dict_set(opts, "x265-params", "log-level=error", 0);
	} else if (strcmp(name, "libvpx-vp9") == 0) {
		enc->bit_rate = 0; /* constant quality */
		av_dict_set_int(opts, "crf", o->crf, 0);
		av_dict_set(opts, "deadline", "good", 0);
		av_dict_set_int(opts, "cpu-used", vpx_cpu_used[p], 0);
		av_dict_set_int(opts, "row-mt", 1, 0);
	} else if (strcmp(name, "libsvtav1") == 0) {
		av_dict_set_int(opts, "crf", o->crf, 0);
		av_dict_set_int(opts, "preset", svt_preset[p], 0);
	} else if (strcmp(name, "libaom-av1") == 0) {
		enc->bit_rate = 0;
		av_dict_set_int(opts, "crf", o->crf, 0);
		av_dict_set_int(opts, "cpu-used", vpx_cpu_used[p], 0);
		av_dict_set_int(opts, "row-mt", 1, 0);
	}
}

static int open_encoder(struct video_writer *w, const struct video_writer_opts *o,
			char why[ERRMSG_MAX])
{
	const char *name = mux_encoder_name(o->codec);
	const AVCodec *codec = name ? avcodec_find_encoder_by_name(name) : NULL;
	AVCodecContext *enc;
	AVDictionary *opts = NULL;
	int rc;

	if (codec == NULL) {
		err_why(why, "codec '%s' is not available in this FFmpeg build",
			 job_codec_name(o->codec));
		return SL_ERR_UNSUPPORTED;
	}
	enc = w->enc = avcodec_alloc_context3(codec);
	if (enc == NULL)
		return SL_ERR_NOMEM;
	enc->width = o->width;
	enc->height = o->height;
	enc->pix_fmt = AV_PIX_FMT_YUV420P;
	enc->time_base = (AVRational){1, o->fps};
	enc->framerate = (AVRational){o->fps, 1};
	enc->sample_aspect_ratio = (AVRational){1, 1};
	enc->color_range = AVCOL_RANGE_MPEG;
	enc->color_primaries = AVCOL_PRI_BT709;
	enc->color_trc = AVCOL_TRC_BT709;
	enc->colorspace = AVCOL_SPC_BT709;
	enc->thread_count = o->threads;
	if (w->oc->oformat->flags & AVFMT_GLOBALHEADER)
		enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	set_codec_options(enc, name, o, &opts);
	rc = avcodec_open2(enc, codec, &opts);
	av_dict_free(&opts);
	return rc < 0 ? averr(rc, name, why) : SL_OK;
}

int video_writer_open(const struct video_writer_opts *o, struct video_writer **out,
		      char why[ERRMSG_MAX])
{
	struct video_writer *w = calloc(1, sizeof(*w));
	AVDictionary *mopts = NULL;
	int rc;

	*out = NULL;
	if (w == NULL)
		return SL_ERR_NOMEM;
	if (avformat_alloc_output_context2(&w->oc, NULL, "mp4", o->path) < 0 ||
	    (w->pkt = av_packet_alloc()) == NULL) {
		rc = SL_ERR_NOMEM;
		goto fail;
	}
	if ((rc = open_encoder(w, o, why)))
		goto fail;
	w->st = avformat_new_stream(w->oc, NULL);
	if (w->st == NULL) {
		rc = SL_ERR_NOMEM;
		goto fail;
	}
	avcodec_parameters_from_context(w->st->codecpar, w->enc);
	if (o->codec == CODEC_H265)
		w->st->codecpar->codec_tag = MKTAG('h', 'v', 'c', '1'); /* plays on Apple too */
	w->st->time_base = w->enc->time_base;
	w->st->avg_frame_rate = w->enc->framerate;
	w->st->r_frame_rate = w->enc->framerate;
	if ((rc = avio_open(&w->oc->pb, o->path, AVIO_FLAG_WRITE)) < 0) {
		rc = averr(rc, o->path, why);
		goto fail;
	}
	av_dict_set(&mopts, "movflags", "+faststart+write_colr", 0);
	rc = avformat_write_header(w->oc, &mopts);
	av_dict_free(&mopts);
	if (rc < 0) {
		rc = averr(rc, "MP4 header", why);
		goto fail;
	}
	w->header_written = true;
	*out = w;
	return SL_OK;
fail:
	video_writer_free(&w);
	return rc;
}

static int drain(struct video_writer *w, char why[ERRMSG_MAX])
{
	for (;;) {
		int rc = avcodec_receive_packet(w->enc, w->pkt);

		if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
			return SL_OK;
		if (rc < 0) {
			return averr(rc, "encoding", why);
		}
		if (w->pkt->duration == 0)
			w->pkt->duration = 1;
		av_packet_rescale_ts(w->pkt, w->enc->time_base, w->st->time_base);
		w->pkt->stream_index = w->st->index;
		rc = av_interleaved_write_frame(w->oc, w->pkt);
		if (rc < 0) {
			return averr(rc, "writing the video", why);
		}
	}
}

int video_writer_write(struct video_writer *w, AVFrame *frame, char why[ERRMSG_MAX])
{
	int rc;

	frame->pts = w->frames;
	frame->color_range = AVCOL_RANGE_MPEG;
	frame->colorspace = AVCOL_SPC_BT709;
	frame->color_primaries = AVCOL_PRI_BT709;
	frame->color_trc = AVCOL_TRC_BT709;
	rc = avcodec_send_frame(w->enc, frame);
	if (rc < 0) {
		return averr(rc, "encoding", why);
	}
	w->frames++;
	return drain(w, why);
}

int video_writer_finish(struct video_writer *w, int64_t *frames, char why[ERRMSG_MAX])
{
	int rc = avcodec_send_frame(w->enc, NULL);

	if (rc < 0 && rc != AVERROR_EOF) {
		return averr(rc, "flushing the encoder", why);
	}
	if ((rc = drain(w, why)))
		return rc;
	w->finished = true;
	rc = av_write_trailer(w->oc);
	if (rc < 0) {
		return averr(rc, "finishing the MP4", why);
	}
	rc = avio_closep(&w->oc->pb);
	if (rc < 0) {
		return averr(rc, "closing the MP4", why);
	}
	*frames = w->frames;
	return SL_OK;
}

void video_writer_free(struct video_writer **wp)
{
	struct video_writer *w;

	if (wp == NULL || *wp == NULL)
		return;
	w = *wp;
	avcodec_free_context(&w->enc);
	if (w->oc) {
		if (w->oc->pb)
			avio_closep(&w->oc->pb);
		avformat_free_context(w->oc);
	}
	av_packet_free(&w->pkt);
	free(w);
	*wp = NULL;
}
