/* video.c - one video job's encoding steps; see video.h.
 *
 * Deflicker gains come first (deflicker.h), then one pass over the
 * pipeline. Decoded frames are AVFrames made by the pipeline threads
 * and freed as soon as the encoder has taken them (x264 and the others
 * copy their input), so at most `depth` frames exist at once. A slot with
 * several exposures (select.h) is decoded exposure by exposure on its
 * thread and fused there (fuse.h), with the thread's own fuser.
 */
#include "video.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <libavutil/frame.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "deflicker.h"
#include "fsutil.h"
#include "fuse.h"
#include "mux.h"
#include "pipeline.h"

/* Decoded frames are recycled: a fresh 4 MB buffer per frame would cost
 * the kernel a page fault per 4 KB every time. */
#define POOL_MAX 32

struct frame_pool {
	pthread_mutex_t lock;
	AVFrame *free[POOL_MAX];
	int count;
};

struct vctx {
	const struct video_plan *p;
	struct frame_pool pool;
	const struct video_hooks *h;
	struct decode_target t;
	double *gains;
	struct video_writer *w;
	size_t done, thumb_target, thumb_index;
	AVFrame *thumb_frame; /* the thumbnail's frame when it was fused */
	int64_t encoded;
	char why[ERRMSG_MAX];
};

/* One pipeline thread's context: its decoder and, once needed, its fuser. */
struct vthread {
	struct frame_decoder *dec;
	struct fuser *fuse;
};

_Static_assert(SEL_EXPOSURES_MAX <= FUSE_MAX, "a slot's exposures must all fuse");

struct vresult {
	AVFrame *frame;
	bool fused; /* of several exposures */
	int rc;
	char why[ERRMSG_MAX];
};

void video_output_size(int src_w, int src_h, int width, int height, int *out_w, int *out_h)
{
	int w = (width > 0 && width < src_w ? width : src_w) & ~1;
	int h;

	if (height > 0) {
		h = (height < src_h ? height : src_h) & ~1;
		if (width < 0) /* from the height and the aspect */
			w = 2 * (int)((double)src_w * h / (2.0 * src_h) + 0.5);
	} else {
		/* the nearest even height, as FFmpeg's scale=W:-2 rounds */
		h = 2 * (int)((double)src_h * w / (2.0 * src_w) + 0.5);
	}
	*out_w = w < 2 ? 2 : w;
	*out_h = h < 2 ? 2 : h;
}

int video_frame_rate(int fps, double duration_seconds, size_t n)
{
	double f;

	if (fps > 0 || duration_seconds <= 0)
		return fps > 0 ? fps : 30;
	f = floor((double)n / duration_seconds + 0.5);
	return f < 1 ? 1 : f > JOB_FPS_MAX ? JOB_FPS_MAX : (int)f;
}

int video_temp_path(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	int dir = slash ? (int)(slash - path + 1) : 0;
	int n = snprintf(out, outlen, "%.*s.%s.part", dir, path, path + dir);

	return n < 0 || (size_t)n >= outlen ? SL_ERR_RANGE : SL_OK;
}

int video_commit_file(const char *tmp, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd = open(tmp, O_RDONLY | O_CLOEXEC), rc = SL_OK;

	if (fd < 0)
		return SL_ERR_IO;
	if (fsync(fd) < 0)
		rc = err_from_errno(errno);
	close(fd);
	if (rc)
		return rc;
	if (rename(tmp, path) < 0)
		return SL_ERR_IO;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return SL_OK;
}

/* A yuv420p frame of the output size, writable, from the pool if it has one. */
static AVFrame *pool_get(struct vctx *c)
{
	AVFrame *f = NULL;

	pthread_mutex_lock(&c->pool.lock);
	if (c->pool.count > 0)
		f = c->pool.free[--c->pool.count];
	pthread_mutex_unlock(&c->pool.lock);
	if (f) {
		/* the encoder may still hold a reference to the buffers */
		if (av_frame_make_writable(f) < 0)
			av_frame_free(&f);
		return f;
	}
	f = av_frame_alloc();
	if (f == NULL)
		return NULL;
	f->format = AV_PIX_FMT_YUV420P;
	f->width = c->t.out_w;
	f->height = c->t.out_h;
	if (av_frame_get_buffer(f, 0) < 0)
		av_frame_free(&f);
	return f;
}

static void pool_put(struct vctx *c, AVFrame **f)
{
	if (*f == NULL)
		return;
	pthread_mutex_lock(&c->pool.lock);
	if (c->pool.count < POOL_MAX) {
		c->pool.free[c->pool.count++] = *f;
		*f = NULL;
	}
	pthread_mutex_unlock(&c->pool.lock);
	av_frame_free(f);
}

static void discard(void *arg, void *result)
{
	struct vresult *r = result;

	if (arg)
		pool_put(arg, &r->frame);
	av_frame_free(&r->frame);
	free(r);
}

/* --- decode, fuse, scale, convert, encode ----------------------------------- */

static void *vthread_init(void *arg)
{
	struct vthread *t = calloc(1, sizeof(*t));

	if (t && (t->dec = frame_decoder_thread_init(arg)) == NULL) {
		free(t);
		t = NULL;
	}
	return t;
}

static void vthread_fini(void *tctx)
{
	struct vthread *t = tctx;

	frame_decoder_thread_fini(t->dec);
	fuser_free(&t->fuse);
	free(t);
}

static struct fuse_planes planes_of(const AVFrame *f)
{
	struct fuse_planes p = {{f->data[0], f->data[1], f->data[2]},
				{f->linesize[0], f->linesize[1], f->linesize[2]}};

	return p;
}

/* Decodes a slot's exposures into out, fused; those that fail to decode
 * are left out, and the slot fails (with the first exposure's reason)
 * only when all do. */
static int decode_slot(struct vctx *c, struct vthread *t, const struct sel_frame *f, double gain,
		       AVFrame *out, char why[ERRMSG_MAX])
{
	AVFrame *more[SEL_EXPOSURES_MAX - 1] = {NULL};
	struct fuse_planes in[SEL_EXPOSURES_MAX];
	struct fuse_planes dst = planes_of(out);
	char other_why[ERRMSG_MAX];
	int n = 0, first, rc;

	first = decode_frame(t->dec, f->path, &c->t, gain, out, why);
	if (first == SL_OK)
		in[n++] = dst;
	rc = first == SL_ERR_NOMEM ? first : SL_OK;
	for (int j = 0; rc == SL_OK && j < f->nothers; j++) {
		if ((more[j] = pool_get(c)) == NULL)
			rc = SL_ERR_NOMEM;
		else if ((rc = decode_frame(t->dec, f->others[j], &c->t, gain, more[j],
					    other_why)) == SL_OK)
			in[n++] = planes_of(more[j]);
		else if (rc != SL_ERR_NOMEM)
			rc = SL_OK; /* a slot keeps the exposures it has */
	}
	if (rc == SL_OK && n == 0)
		rc = first;
	if (rc == SL_OK && n > 1 && t->fuse == NULL)
		rc = fuser_new(c->t.out_w, c->t.out_h, &t->fuse);
	if (rc == SL_OK)
		rc = fuse_exposures(t->fuse, in, n, &dst);
	for (int j = 0; j < f->nothers; j++)
		pool_put(c, &more[j]);
	return rc;
}

static void *encode_work(void *arg, void *tctx, size_t i)
{
	struct vctx *c = arg;
	struct vthread *t = tctx;
	const struct sel_frame *f = &c->p->sel->frames[i];
	struct vresult *r = calloc(1, sizeof(*r));
	double gain = c->gains ? c->gains[i] : 1.0;

	if (r == NULL)
		return NULL;
	r->frame = pool_get(c);
	if (r->frame == NULL) {
		r->rc = SL_ERR_NOMEM;
		return r;
	}
	if (f->nothers > 0) {
		r->rc = decode_slot(c, t, f, gain, r->frame, r->why);
		r->fused = true;
	} else
		r->rc = decode_frame(t->dec, f->path, &c->t, gain, r->frame, r->why);
	return r;
}

static const char *skip_reason(int rc)
{
	return rc == SL_ERR_NOTFOUND ? SKIP_MISSING
	       : rc == SL_ERR_RANGE  ? SKIP_SIZE
				     : SKIP_UNREADABLE;
}

static int encode_consume(void *arg, size_t i, void *result)
{
	struct vctx *c = arg;
	struct vresult *r = result;
	int rc = SL_OK;

	if (c->h->cancelled && c->h->cancelled(c->h->arg)) {
		rc = ENC_CANCELLED;
	} else if (r->rc == SL_ERR_NOMEM) {
		snprintf(c->why, sizeof(c->why), "out of memory decoding frames");
		rc = SL_ERR_NOMEM;
	} else if (r->rc) {
		if (c->h->skip)
			rc = c->h->skip(c->h->arg, c->p->sel->frames[i].rel, skip_reason(r->rc),
					r->why);
	} else {
		if ((size_t)c->encoded == c->thumb_target) {
			c->thumb_index = i;
			/* a new reference: the pool copies before it writes again */
			if (r->fused && (c->thumb_frame = av_frame_clone(r->frame)) == NULL)
				rc = SL_ERR_NOMEM;
		}
		rc = video_writer_write(c->w, r->frame, c->why);
		c->encoded++;
	}
	discard(arg, r);
	c->done++;
	if (rc == SL_OK && c->h->progress)
		c->h->progress(c->h->arg, c->done, c->p->sel->count);
	return rc;
}

static int write_thumbnail(struct vctx *c)
{
	struct frame_decoder *d = NULL;
	unsigned char *jpeg = NULL;
	size_t size = 0;
	int rc;

	if (c->thumb_index == SIZE_MAX || c->p->thumbnail == NULL)
		return SL_OK;
	if ((rc = frame_decoder_new(&d)))
		return rc;
	if (c->thumb_frame)
		rc = decode_thumbnail_of_frame(d, c->thumb_frame, THUMB_MAX_WIDTH, &jpeg, &size,
					       c->why);
	else
		rc = decode_thumbnail(d, c->p->sel->frames[c->thumb_index].path, THUMB_MAX_WIDTH,
				      c->gains ? c->gains[c->thumb_index] : 1.0, &jpeg, &size,
				      c->why);
	if (rc == SL_OK && file_write_atomic(c->p->thumbnail, jpeg, size) < 0) {
		rc = err_from_errno(errno);
		snprintf(c->why, sizeof(c->why), "cannot write %s: %s", c->p->thumbnail,
			 strerror(errno));
	}
	decode_free_jpeg(jpeg);
	frame_decoder_free(&d);
	return rc;
}

static int run_passes(struct vctx *c, struct video_result *res, const char *tmp)
{
	static const struct pipeline_ops ops = {vthread_init, vthread_fini, encode_work,
						encode_consume, discard};
	const struct video_plan *p = c->p;
	size_t n = p->sel->count;
	struct video_writer_opts wo = {tmp,	 p->codec, c->t.out_w, c->t.out_h,
				       res->fps, p->crf,   p->preset,  p->encoder_threads};
	int rc;

	if (p->deflicker_window > 1 &&
	    (rc = deflicker_frame_gains(p->sel, p->deflicker_window, p->threads, c->h->cancelled,
					c->h->arg, &c->gains)))
		return rc;
	if ((rc = video_writer_open(&wo, &c->w, c->why)))
		return rc;
	rc = pipeline_run(n, p->threads, 0, &ops, c);
	if (rc)
		return rc;
	if ((rc = video_writer_finish(c->w, &res->frames, c->why)))
		return rc;
	if (res->frames == 0) {
		snprintf(c->why, sizeof(c->why), "no frames left to encode: all %zu were skipped",
			 n);
		return SL_ERR_NOTFOUND;
	}
	return SL_OK;
}

int video_encode(const struct video_plan *p, const struct video_hooks *h, struct video_result *res,
		 char why[ERRMSG_MAX])
{
	struct vctx c = {.p = p, .h = h, .thumb_index = SIZE_MAX};
	char tmp[PATH_MAX];
	struct stat st;
	int rc;

	pthread_mutex_init(&c.pool.lock, NULL);
	memset(res, 0, sizeof(*res));
	c.t.src_w = p->sel->width;
	c.t.src_h = p->sel->height;
	video_output_size(c.t.src_w, c.t.src_h, p->width, p->height, &c.t.out_w, &c.t.out_h);
	c.t.scale_num = decode_pick_scale(c.t.src_w, c.t.src_h, c.t.out_w, c.t.out_h);
	c.t.colour = COLOUR_BT709_TV;
	res->width = c.t.out_w;
	res->height = c.t.out_h;
	res->fps = video_frame_rate(p->fps, p->duration_seconds, p->sel->count);
	/* the thumbnail shows the frame at one second, or the middle one */
	c.thumb_target = p->sel->count > (size_t)res->fps ? (size_t)res->fps : p->sel->count / 2;
	if (video_temp_path(p->output, tmp, sizeof(tmp))) {
		err_why(why, "output path too long");
		return SL_ERR_RANGE;
	}
	rc = run_passes(&c, res, tmp);
	video_writer_free(&c.w);
	if (rc == SL_OK && (rc = write_thumbnail(&c)) == SL_OK) {
		res->thumbnail = p->thumbnail != NULL && c.thumb_index != SIZE_MAX;
		if ((rc = video_commit_file(tmp, p->output)) != SL_OK)
			snprintf(c.why, sizeof(c.why), "cannot rename %s: %s", tmp,
				 strerror(errno));
	}
	if (rc) {
		unlink(tmp);
		if (res->thumbnail && p->thumbnail)
			unlink(p->thumbnail);
		res->thumbnail = false;
		err_why(why, "%s", c.why[0] ? c.why : err_str(rc));
	} else {
		res->duration_seconds = (double)res->frames / res->fps;
		res->size = stat(p->output, &st) == 0 ? (int64_t)st.st_size : 0;
	}
	free(c.gains);
	av_frame_free(&c.thumb_frame);
	while (c.pool.count > 0)
		av_frame_free(&c.pool.free[--c.pool.count]);
	pthread_mutex_destroy(&c.pool.lock);
	return rc;
}
