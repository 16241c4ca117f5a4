/* startrails.c - a lighten stack into one JPEG; see startrails.h.
 *
 * Pipeline workers decode a frame and merge it into the accumulator under
 * the stack's lock (a maximum does not care in which order frames come), so
 * a result is only the frame's outcome; the consumer reports skips and
 * progress in frame order. Chroma planes are read at the luma pixel's
 * position (nearest), so the accumulator is 4:4:4. The dark frame is
 * subtracted in YCbCr: Y - Yd and C - (Cd - 128), which is the same as
 * subtracting it in R'G'B' (the conversion is linear), clamped to 0..255.
 */
#include "startrails.h"
#include "err.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fsutil.h"
#include "log.h"
#include "pipeline.h"

struct sctx {
	const struct startrails_plan *p;
	const struct video_hooks *hooks;
	int w, h, scale_num;
	int *cols;		/* chroma column of each luma column ... */
	int cols_cw;		/* ... for chroma planes this wide */
	unsigned char *acc[3];	/* w x h each: Y, Cb, Cr */
	unsigned char *dark[3]; /* the same for the dark frame, or NULL */
	pthread_mutex_t lock;
	size_t done, stacked;
};

struct outcome {
	int rc;
	char why[ERRMSG_MAX];
};

static unsigned char clamp255(int v)
{
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Pixel (x, y) of decoded planes: Y, Cb, Cr (128 for grey frames). */
static void pixel_at(const struct yuv_planes *p, int x, int y, int cx, int cy, int out[3])
{
	out[0] = p->data[0][(size_t)y * p->stride[0] + x];
	for (int k = 1; k < 3; k++)
		out[k] = p->data[k] ? p->data[k][(size_t)cy * p->stride[k] + cx] : 128;
}

static int chroma_row(const struct yuv_planes *p, int y)
{
	return (int)((long)y * p->chroma_h / p->height);
}

/* Fills c->cols for frames decoded like `p` (nearly always all of them). */
static void map_columns(struct sctx *c, const struct yuv_planes *p)
{
	for (int x = 0; x < c->w; x++)
		c->cols[x] = (int)((long)x * p->chroma_w / p->width);
	c->cols_cw = p->chroma_w;
}

static int chroma_col(const struct sctx *c, const struct yuv_planes *p, int x)
{
	if (p->data[1] == NULL)
		return 0;
	return p->chroma_w == c->cols_cw ? c->cols[x] : (int)((long)x * p->chroma_w / p->width);
}

/* The stack's step: under c->lock. */
static void merge(struct sctx *c, const struct yuv_planes *p)
{
	for (int y = 0; y < c->h; y++) {
		int cy = p->data[1] ? chroma_row(p, y) : 0;
		size_t row = (size_t)y * c->w;

		for (int x = 0; x < c->w; x++) {
			size_t i = row + x;
			int v[3];

			pixel_at(p, x, y, chroma_col(c, p, x), cy, v);
			if (c->dark[0]) {
				v[0] = v[0] - c->dark[0][i];
				v[1] = v[1] - c->dark[1][i] + 128;
				v[2] = v[2] - c->dark[2][i] + 128;
			}
			if (v[0] <= c->acc[0][i])
				continue;
			for (int k = 0; k < 3; k++)
				c->acc[k][i] = clamp255(v[k]);
		}
	}
}

static void *work(void *arg, void *tctx, size_t i)
{
	struct sctx *c = arg;
	struct outcome *o = calloc(1, sizeof(*o));
	struct yuv_planes p;

	if (o == NULL)
		return NULL;
	o->rc = decode_planes(tctx, c->p->sel->frames[i].path, c->p->sel->width, c->p->sel->height,
			      c->scale_num, &p, o->why);
	if (o->rc == SL_OK) {
		pthread_mutex_lock(&c->lock);
		merge(c, &p);
		pthread_mutex_unlock(&c->lock);
	}
	return o;
}

static int consume(void *arg, size_t i, void *result)
{
	struct sctx *c = arg;
	struct outcome *o = result;
	int rc = SL_OK;

	if (c->hooks->cancelled && c->hooks->cancelled(c->hooks->arg))
		rc = ENC_CANCELLED;
	else if (o->rc == SL_ERR_NOMEM)
		rc = SL_ERR_NOMEM;
	else if (o->rc && c->hooks->skip)
		rc = c->hooks->skip(c->hooks->arg, c->p->sel->frames[i].rel,
				    o->rc == SL_ERR_NOTFOUND ? SKIP_MISSING
				    : o->rc == SL_ERR_RANGE  ? SKIP_SIZE
							     : SKIP_UNREADABLE,
				    o->why);
	else if (o->rc == SL_OK)
		c->stacked++;
	free(o);
	c->done++;
	if (rc == SL_OK && c->hooks->progress)
		c->hooks->progress(c->hooks->arg, c->done, c->p->sel->count);
	return rc;
}

static void discard(void *arg, void *result)
{
	(void)arg;
	free(result);
}

/* Decodes the dark frame into c->dark (4:4:4, the accumulator's size) and
 * (d: the caller's decoder). */
static int load_dark(struct sctx *c, struct frame_decoder *d, char why[ERRMSG_MAX])
{
	struct yuv_planes p;
	char inner[ERRMSG_MAX] = "";
	int rc = decode_planes(d, c->p->dark, c->p->sel->width, c->p->sel->height, c->scale_num, &p,
			       inner);

	if (rc) {
		err_why(why, "dark frame %s: %s", c->p->dark, inner);
		return rc;
	}
	for (int k = 0; k < 3; k++)
		if ((c->dark[k] = malloc((size_t)c->w * c->h)) == NULL)
			return SL_ERR_NOMEM;
	for (int y = 0; y < c->h; y++) {
		int cy = p.data[1] ? chroma_row(&p, y) : 0;

		for (int x = 0; x < c->w; x++) {
			size_t i = (size_t)y * c->w + x;
			int v[3];

			pixel_at(&p, x, y, chroma_col(c, &p, x), cy, v);
			for (int k = 0; k < 3; k++)
				c->dark[k][i] = (unsigned char)v[k];
		}
	}
	return SL_OK;
}

/* Sizes the stack from the first frame's header and the asked width. */
static int setup(struct sctx *c, struct frame_decoder *d, char why[ERRMSG_MAX])
{
	const struct selection *sel = c->p->sel;
	int want = c->p->width > 0 && c->p->width < sel->width ? c->p->width : sel->width;
	struct yuv_planes p;
	int rc;

	c->scale_num = decode_pick_scale(sel->width, sel->height, want, 1);
	/* the decoded size at that scale, and the chroma layout, from one frame
	 * that decodes (a damaged one is skipped later like the rest) */
	rc = SL_ERR_NOTFOUND;
	for (size_t i = 0; i < sel->count && rc; i++)
		rc = decode_planes(d, sel->frames[i].path, sel->width, sel->height, c->scale_num,
				   &p, why);
	if (rc) {
		if (rc != SL_ERR_NOMEM)
			err_why(why, "no frame of the %zu could be decoded", sel->count);
		return rc == SL_ERR_NOMEM ? rc : SL_ERR_NOTFOUND;
	}
	c->w = p.width;
	c->h = p.height;
	if ((c->cols = malloc(sizeof(*c->cols) * (size_t)c->w)) == NULL)
		return SL_ERR_NOMEM;
	map_columns(c, &p);
	for (int k = 0; k < 3; k++) {
		if ((c->acc[k] = malloc((size_t)c->w * c->h)) == NULL)
			return SL_ERR_NOMEM;
		memset(c->acc[k], k ? 128 : 0, (size_t)c->w * c->h);
	}
	return c->p->dark ? load_dark(c, d, why) : SL_OK;
}

static int write_image(struct sctx *c, struct frame_decoder *d, struct video_result *res,
		       char why[ERRMSG_MAX])
{
	unsigned char *jpeg = NULL;
	size_t size = 0;
	int rc;

	if (c->stacked == 0) {
		err_why(why, "no frames left: all %zu were skipped", c->done);
		return SL_ERR_NOTFOUND;
	}
	rc = decode_write_444(d, c->acc, c->w, c->w, c->h, c->p->output, &size, why);
	if (rc)
		return rc;
	res->frames = (int64_t)c->stacked;
	res->width = c->w;
	res->height = c->h;
	res->size = (int64_t)size;
	if (c->p->thumbnail) {
		char twhy[ERRMSG_MAX] = "";

		if (decode_thumbnail(d, c->p->output, THUMB_MAX_WIDTH, 1.0, &jpeg, &size, twhy) ==
			SL_OK &&
		    file_write_atomic(c->p->thumbnail, jpeg, size) == 0)
			res->thumbnail = true;
		else /* the image is made; a missing thumbnail is not worth failing it */
			log_warn("no thumbnail for %s: %s", c->p->output,
				 twhy[0] ? twhy : strerror(errno));
		decode_free_jpeg(jpeg);
	}
	return SL_OK;
}

int startrails_make(const struct startrails_plan *p, const struct video_hooks *h,
		    struct video_result *res, char why[ERRMSG_MAX])
{
	static const struct pipeline_ops ops = {frame_decoder_thread_init,
						frame_decoder_thread_fini, work, consume, discard};
	struct sctx c = {.p = p, .hooks = h};
	struct frame_decoder *d = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	pthread_mutex_init(&c.lock, NULL);
	if ((rc = frame_decoder_new(&d)) == SL_OK)
		rc = setup(&c, d, why);
	if (rc == SL_OK)
		rc = pipeline_run(p->sel->count, p->threads, 0, &ops, &c);
	if (rc == SL_OK)
		rc = write_image(&c, d, res, why);
	if (rc == SL_ERR_NOMEM)
		err_why(why, "out of memory");
	for (int k = 0; k < 3; k++) {
		free(c.acc[k]);
		free(c.dark[k]);
	}
	free(c.cols);
	frame_decoder_free(&d);
	pthread_mutex_destroy(&c.lock);
	return rc;
}
