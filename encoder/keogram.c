/* keogram.c - centre columns into one JPEG; see keogram.h.
 *
 * Pipeline workers decode a frame and cut its centre column, resampled
 * (linear) to the keogram's height, with the deflicker gain applied in
 * the JPEG's own colour space; the consumer copies each column into three
 * full-size planes, which are compressed at the end.
 */
#include "keogram.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "deflicker.h"
#include "pipeline.h"

struct kctx {
	const struct keogram_plan *p;
	const struct video_hooks *h;
	double *gains;
	int height, scale_num;
	unsigned char *planes[3]; /* height rows of sel->count columns */
	size_t done, columns;
};

struct column {
	int rc;
	char why[ERRMSG_MAX];
	unsigned char px[]; /* Y, Cb, Cr: height bytes each */
};

static unsigned char gained(double v, double gain, double centre)
{
	double o = centre + (v - centre) * gain;

	return (unsigned char)(o < 0 ? 0 : o > 255 ? 255 : o + 0.5);
}

/* Linear resampling of one plane column (x) of `rows` rows into `out`. */
static void cut_column(const unsigned char *plane, int stride, int rows, int x, int height,
		       double gain, double centre, unsigned char *out)
{
	for (int r = 0; r < height; r++) {
		double pos = ((double)r + 0.5) * rows / height - 0.5;
		int a = pos < 0 ? 0 : (int)pos, b = a + 1 < rows ? a + 1 : a;
		double f = pos < 0 ? 0 : pos - a;
		double v =
		    plane[(size_t)a * stride + x] * (1 - f) + plane[(size_t)b * stride + x] * f;

		out[r] = gained(v, gain, centre);
	}
}

static void *work(void *arg, void *tctx, size_t i)
{
	struct kctx *c = arg;
	struct column *col = calloc(1, sizeof(*col) + 3 * (size_t)c->height);
	double gain = c->gains ? c->gains[i] : 1.0;
	struct yuv_planes p;

	if (col == NULL)
		return NULL;
	col->rc = decode_planes(tctx, c->p->sel->frames[i].path, c->p->sel->width,
				c->p->sel->height, c->scale_num, &p, col->why);
	if (col->rc)
		return col;
	cut_column(p.data[0], p.stride[0], p.height, p.width / 2, c->height, gain, 0, col->px);
	for (int k = 1; k < 3; k++) {
		if (p.data[k] == NULL) {
			memset(col->px + (size_t)k * c->height, 128, (size_t)c->height);
			continue;
		}
		cut_column(p.data[k], p.stride[k], p.chroma_h,
			   (int)((long)(p.width / 2) * p.chroma_w / p.width), c->height, gain, 128,
			   col->px + (size_t)k * c->height);
	}
	return col;
}

static int consume(void *arg, size_t i, void *result)
{
	struct kctx *c = arg;
	struct column *col = result;
	size_t w = c->p->sel->count;
	int rc = SL_OK;

	if (c->h->cancelled && c->h->cancelled(c->h->arg)) {
		rc = ENC_CANCELLED;
	} else if (col->rc == SL_ERR_NOMEM) {
		rc = SL_ERR_NOMEM;
	} else if (col->rc) {
		if (c->h->skip)
			rc = c->h->skip(c->h->arg, c->p->sel->frames[i].rel,
					col->rc == SL_ERR_NOTFOUND ? SKIP_MISSING
					: col->rc == SL_ERR_RANGE  ? SKIP_SIZE
								   : SKIP_UNREADABLE,
					col->why);
	} else {
		for (int k = 0; k < 3; k++)
			for (int r = 0; r < c->height; r++)
				c->planes[k][(size_t)r * w + c->columns] =
				    col->px[(size_t)k * c->height + r];
		c->columns++;
	}
	free(col);
	c->done++;
	if (rc == SL_OK && c->h->progress)
		c->h->progress(c->h->arg, c->done, w);
	return rc;
}

static void discard(void *arg, void *result)
{
	(void)arg;
	free(result);
}

static int write_image(struct kctx *c, struct video_result *res, char why[ERRMSG_MAX])
{
	struct frame_decoder *d = NULL;
	size_t size = 0;
	int rc;

	if (c->columns == 0) {
		err_why(why, "no frames left: all %zu were skipped", c->done);
		return SL_ERR_NOTFOUND;
	}
	if ((rc = frame_decoder_new(&d)))
		return rc;
	rc = decode_write_444(d, c->planes, (int)c->p->sel->count, (int)c->columns, c->height,
			      c->p->output, &size, why);
	if (rc == SL_OK) {
		res->frames = (int64_t)c->columns;
		res->width = (int)c->columns;
		res->height = c->height;
		res->size = (int64_t)size;
	}
	frame_decoder_free(&d);
	return rc;
}

int keogram_make(const struct keogram_plan *p, const struct video_hooks *h,
		 struct video_result *res, char why[ERRMSG_MAX])
{
	static const struct pipeline_ops ops = {frame_decoder_thread_init,
						frame_decoder_thread_fini, work, consume, discard};
	struct kctx c = {.p = p, .h = h};
	size_t n = p->sel->count;
	int rc = SL_OK;

	memset(res, 0, sizeof(*res));
	if (n > KEOGRAM_MAX_FRAMES) {
		err_why(why, "%zu frames: a keogram holds at most %d (a JPEG's width)",
			 n, KEOGRAM_MAX_FRAMES);
		return SL_ERR_RANGE;
	}
	c.height = p->height > 0			     ? p->height
		   : p->sel->height < KEOGRAM_DEFAULT_HEIGHT ? p->sel->height
							     : KEOGRAM_DEFAULT_HEIGHT;
	c.scale_num = decode_pick_scale(p->sel->width, p->sel->height, 1, c.height);
	for (int k = 0; k < 3; k++)
		if ((c.planes[k] = malloc(n * (size_t)c.height)) == NULL)
			rc = SL_ERR_NOMEM;
	if (rc == SL_OK && p->deflicker_window > 1)
		rc = deflicker_frame_gains(p->sel, p->deflicker_window, p->threads, h->cancelled,
					   h->arg, &c.gains);
	if (rc == SL_OK)
		rc = pipeline_run(n, p->threads, 0, &ops, &c);
	if (rc == SL_OK)
		rc = write_image(&c, res, why);
	else if (rc == SL_ERR_NOMEM)
		err_why(why, "out of memory");
	for (int k = 0; k < 3; k++)
		free(c.planes[k]);
	free(c.gains);
	return rc;
}
