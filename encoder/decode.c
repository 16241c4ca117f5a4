/* decode.c - JPEG file -> YCbCr planes -> scaled, converted AVFrame;
 * see decode.h.
 *
 * Each decoder keeps its buffers between frames (the file bytes, the
 * planes) and grows them only when a frame needs more, so a long video
 * costs no more memory than its largest frame. libswscale runs between
 * formats of the same range, so it only resamples; the colour space is
 * colour.c's job.
 */
#include "decode.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "fsutil.h"

#define FILE_MAX     (256u << 20) /* no frame is this big; refuse rather than allocate */
#define STRIDE_ALIGN 64
/* Lanczos, not bicubic: after the DCT halving a ~5 % resample is left, where
 * bicubic blurs detail near the output's resolution limit unevenly (by its
 * phase on the grid); docs/ENCODER.md has the figures. */
#define SCALE_FLAGS  SWS_LANCZOS
#define PROBE_BYTES  65536 /* where the JPEG header nearly always ends */

struct frame_decoder {
	tjhandle tj, tjc;
	unsigned char *file;
	size_t file_len, file_cap;
	unsigned char *plane_buf;
	size_t plane_cap;
	struct yuv_planes planes;
	struct SwsContext *sws;
	unsigned char *tmp_buf; /* thumbnails: the scaled planes */
	size_t tmp_cap;
};

int frame_decoder_new(struct frame_decoder **out)
{
	struct frame_decoder *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL)
		return SL_ERR_NOMEM;
	d->tj = tjInitDecompress();
	if (d->tj == NULL) {
		free(d);
		return SL_ERR_NOMEM;
	}
	*out = d;
	return SL_OK;
}

void frame_decoder_free(struct frame_decoder **dp)
{
	struct frame_decoder *d;

	if (dp == NULL || *dp == NULL)
		return;
	d = *dp;
	if (d->tj)
		tjDestroy(d->tj);
	if (d->tjc)
		tjDestroy(d->tjc);
	sws_freeContext(d->sws);
	free(d->file);
	free(d->plane_buf);
	free(d->tmp_buf);
	free(d);
	*dp = NULL;
}

int decode_pick_scale(int src_w, int src_h, int min_w, int min_h)
{
	int n = 0, best = 8;
	tjscalingfactor *f = tjGetScalingFactors(&n);

	/* factors are n/8 in various forms (1/2, 3/4, 5/8...); keep the
	 * smallest reduction that is still big enough */
	for (int i = 0; f && i < n; i++) {
		tjscalingfactor e = {f[i].num * 8 / f[i].denom, 8};

		if (8 % f[i].denom != 0 || e.num > 8 || e.num < 1)
			continue;
		if (TJSCALED(src_w, e) >= min_w && TJSCALED(src_h, e) >= min_h && e.num < best)
			best = e.num;
	}
	return best;
}

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
	unsigned char *n;

	if (need <= *cap)
		return SL_OK;
	n = realloc(*buf, need);
	if (n == NULL)
		return SL_ERR_NOMEM;
	*buf = n;
	*cap = need;
	return SL_OK;
}

/* Reads `path` (at most `limit` bytes when limit > 0) into d->file. */
static int read_file(struct frame_decoder *d, const char *path, size_t limit, bool *whole,
		     char why[ERRMSG_MAX])
{
	struct stat st;
	size_t got = 0, want;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = SL_OK;

	if (fd < 0) {
		err_why(why, "%s", strerror(errno));
		return errno == ENOENT ? SL_ERR_NOTFOUND : SL_ERR_PARSE;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size > FILE_MAX) {
		err_why(why, "not a readable JPEG file");
		rc = SL_ERR_PARSE;
		goto out;
	}
	want = limit && limit < (size_t)st.st_size ? limit : (size_t)st.st_size;
	*whole = want == (size_t)st.st_size;
	if (grow(&d->file, &d->file_cap, want)) {
		rc = SL_ERR_NOMEM;
		goto out;
	}
	while (got < want) {
		ssize_t n = read(fd, d->file + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_why(why, "read failed: %s",
				 n < 0 ? strerror(errno) : "short");
			rc = SL_ERR_PARSE;
			goto out;
		}
		got += (size_t)n;
	}
	d->file_len = got;
out:
	close(fd);
	return rc;
}

static int read_header(struct frame_decoder *d, int *w, int *h, int *subsamp, char why[ERRMSG_MAX])
{
	int cs;

	if (tjDecompressHeader3(d->tj, d->file, (unsigned long)d->file_len, w, h, subsamp, &cs)) {
		err_why(why, "not a JPEG: %s", tjGetErrorStr2(d->tj));
		return SL_ERR_PARSE;
	}
	if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
		err_why(why, "CMYK JPEGs are not supported");
		return SL_ERR_PARSE;
	}
	return SL_OK;
}

int decode_probe(struct frame_decoder *d, const char *path, int *w, int *h, char why[ERRMSG_MAX])
{
	bool whole;
	int subsamp, rc = read_file(d, path, PROBE_BYTES, &whole, why);

	if (rc == SL_OK && (rc = read_header(d, w, h, &subsamp, why)) && !whole) {
		/* the header is past the first bytes (a large EXIF block) */
		rc = read_file(d, path, 0, &whole, why);
		if (rc == SL_OK)
			rc = read_header(d, w, h, &subsamp, why);
	}
	return rc;
}

static int align(int v)
{
	return (v + STRIDE_ALIGN - 1) & ~(STRIDE_ALIGN - 1);
}

int decode_planes(struct frame_decoder *d, const char *path, int expect_w, int expect_h,
		  int scale_num, struct yuv_planes *out, char why[ERRMSG_MAX])
{
	tjscalingfactor sf = {scale_num, 8};
	struct yuv_planes *p = &d->planes;
	int w, h, subsamp, sw, sh, nplanes, rc;
	size_t offs[3], total = 0;
	bool whole;

	if ((rc = read_file(d, path, 0, &whole, why)) ||
	    (rc = read_header(d, &w, &h, &subsamp, why)))
		return rc;
	if (expect_w && (w != expect_w || h != expect_h)) {
		err_why(why, "%dx%d, not %dx%d like the other frames", w, h, expect_w,
			 expect_h);
		return SL_ERR_RANGE;
	}
	sw = TJSCALED(w, sf);
	sh = TJSCALED(h, sf);
	nplanes = subsamp == TJSAMP_GRAY ? 1 : 3;
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < nplanes; i++) {
		p->stride[i] = align(tjPlaneWidth(i, sw, subsamp));
		offs[i] = total;
		total +=
		    (size_t)p->stride[i] * (size_t)tjPlaneHeight(i, sh, subsamp) + STRIDE_ALIGN;
	}
	if (grow(&d->plane_buf, &d->plane_cap, total + STRIDE_ALIGN))
		return SL_ERR_NOMEM;
	for (int i = 0; i < nplanes; i++) {
		uintptr_t a = (uintptr_t)(d->plane_buf + offs[i]);

		p->data[i] =
		    d->plane_buf + offs[i] + ((STRIDE_ALIGN - a % STRIDE_ALIGN) % STRIDE_ALIGN);
	}
	p->width = sw;
	p->height = sh;
	p->subsamp = subsamp;
	p->chroma_w = nplanes == 3 ? tjPlaneWidth(1, sw, subsamp) : 0;
	p->chroma_h = nplanes == 3 ? tjPlaneHeight(1, sh, subsamp) : 0;
	if (tjDecompressToYUVPlanes(d->tj, d->file, (unsigned long)d->file_len, p->data, sw,
				    p->stride, sh, 0)) {
		err_why(why, "cannot decode: %s", tjGetErrorStr2(d->tj));
		return SL_ERR_PARSE;
	}
	*out = *p;
	return SL_OK;
}

static enum AVPixelFormat planes_format(const struct yuv_planes *p)
{
	switch (p->subsamp) {
	case TJSAMP_444: return AV_PIX_FMT_YUV444P;
	case TJSAMP_422: return AV_PIX_FMT_YUV422P;
	case TJSAMP_440: return AV_PIX_FMT_YUV440P;
	case TJSAMP_411: return AV_PIX_FMT_YUV411P;
	case TJSAMP_GRAY: return AV_PIX_FMT_GRAY8;
	default: return AV_PIX_FMT_YUV420P;
	}
}

/* Resamples the decoder's planes into dst (yuv420p, w x h). */
static int scale_into(struct frame_decoder *d, const struct yuv_planes *p, uint8_t *const dst[3],
		      const int dst_stride[3], int w, int h, char why[ERRMSG_MAX])
{
	const uint8_t *src[4] = {p->data[0], p->data[1], p->data[2], NULL};
	int src_stride[4] = {p->stride[0], p->stride[1], p->stride[2], 0};
	uint8_t *dd[4] = {dst[0], dst[1], dst[2], NULL};
	int ds[4] = {dst_stride[0], dst_stride[1], dst_stride[2], 0};

	d->sws = sws_getCachedContext(d->sws, p->width, p->height, planes_format(p), w, h,
				      AV_PIX_FMT_YUV420P, SCALE_FLAGS, NULL, NULL, NULL);
	if (d->sws == NULL) {
		err_why(why, "cannot scale %dx%d to %dx%d", p->width, p->height, w, h);
		return SL_ERR_NOMEM;
	}
	if (sws_scale(d->sws, src, src_stride, 0, p->height, dd, ds) != h) {
		err_why(why, "scaling failed");
		return SL_ERR_IO;
	}
	return SL_OK;
}

int decode_frame(struct frame_decoder *d, const char *path, const struct decode_target *t,
		 double gain, AVFrame *out, char why[ERRMSG_MAX])
{
	struct colour_xform x;
	struct yuv_planes p;
	int rc = decode_planes(d, path, t->src_w, t->src_h, t->scale_num, &p, why);

	if (rc)
		return rc;
	rc = scale_into(d, &p, out->data, out->linesize, t->out_w, t->out_h, why);
	if (rc)
		return rc;
	colour_xform_init(&x, t->colour, gain);
	return colour_apply_420(&x, out->data[0], out->linesize[0], out->data[1], out->linesize[1],
				out->data[2], out->linesize[2], t->out_w, t->out_h);
}

int decode_mean_luma(struct frame_decoder *d, const char *path, double *luma, char why[ERRMSG_MAX])
{
	struct yuv_planes p;
	int rc = decode_planes(d, path, 0, 0, 1, &p, why);

	if (rc == SL_OK)
		*luma = colour_mean_luma(p.data[0], p.stride[0], p.width, p.height);
	return rc;
}

/* Fits w x h into max_w wide, keeping the aspect ratio; both even. */
static void fit_width(int *w, int *h, int max_w)
{
	if (*w > max_w) {
		*h = (int)((double)*h * max_w / *w + 0.5);
		*w = max_w;
	}
	*w &= ~1;
	*h &= ~1;
}

int decode_thumbnail(struct frame_decoder *d, const char *path, int max_w, double gain,
		     unsigned char **jpeg, size_t *size, char why[ERRMSG_MAX])
{
	struct colour_xform x;
	struct yuv_planes p;
	unsigned char *planes[3];
	int strides[3], src_w, src_h, w, h, rc;
	unsigned long len = 0;

	*jpeg = NULL;
	if ((rc = decode_probe(d, path, &src_w, &src_h, why)))
		return rc;
	w = src_w;
	h = src_h;
	fit_width(&w, &h, max_w);
	if (w < 2 || h < 2) {
		err_why(why, "frame too small for a thumbnail");
		return SL_ERR_RANGE;
	}
	if ((rc = decode_planes(d, path, 0, 0, decode_pick_scale(src_w, src_h, w, h), &p, why)))
		return rc;
	strides[0] = align(w);
	strides[1] = strides[2] = align(w / 2);
	if (grow(&d->tmp_buf, &d->tmp_cap, (size_t)strides[0] * h + (size_t)strides[1] * h))
		return SL_ERR_NOMEM;
	planes[0] = d->tmp_buf;
	planes[1] = planes[0] + (size_t)strides[0] * h;
	planes[2] = planes[1] + (size_t)strides[1] * (h / 2);
	if ((rc = scale_into(d, &p, planes, strides, w, h, why)))
		return rc;
	colour_xform_init(&x, COLOUR_JPEG, gain);
	if ((rc = colour_apply_420(&x, planes[0], strides[0], planes[1], strides[1], planes[2],
				   strides[2], w, h)))
		return rc;
	if (d->tjc == NULL && (d->tjc = tjInitCompress()) == NULL)
		return SL_ERR_NOMEM;
	if (tjCompressFromYUVPlanes(d->tjc, (const unsigned char **)planes, w, strides, h,
				    TJSAMP_420, jpeg, &len, 85, 0)) {
		err_why(why, "thumbnail: %s", tjGetErrorStr2(d->tjc));
		tjFree(*jpeg);
		*jpeg = NULL;
		return SL_ERR_IO;
	}
	*size = len;
	return SL_OK;
}

int decode_thumbnail_of_frame(struct frame_decoder *d, const AVFrame *f, int max_w,
			      unsigned char **jpeg, size_t *size, char why[ERRMSG_MAX])
{
	int w = f->width, h = f->height, pitch, rc = SL_OK;
	unsigned long len = 0;
	uint8_t *dst[4] = {NULL};
	int dst_stride[4] = {0};

	*jpeg = NULL;
	fit_width(&w, &h, max_w);
	pitch = align(3 * w);
	if (grow(&d->tmp_buf, &d->tmp_cap, (size_t)pitch * h))
		return SL_ERR_NOMEM;
	/* through R'G'B': swscale changes the matrix (BT.709 to JPEG's BT.601)
	 * only to or from RGB */
	d->sws = sws_getCachedContext(d->sws, f->width, f->height, AV_PIX_FMT_YUV420P, w, h,
				      AV_PIX_FMT_RGB24, SCALE_FLAGS, NULL, NULL, NULL);
	if (d->sws == NULL) {
		err_why(why, "cannot scale %dx%d to %dx%d", f->width, f->height, w, h);
		return SL_ERR_NOMEM;
	}
	sws_setColorspaceDetails(d->sws, sws_getCoefficients(SWS_CS_ITU709), 0,
				 sws_getCoefficients(SWS_CS_ITU601), 1, 0, 1 << 16, 1 << 16);
	dst[0] = d->tmp_buf;
	dst_stride[0] = pitch;
	if (sws_scale(d->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst,
		      dst_stride) != h) {
		err_why(why, "thumbnail: scaling failed");
		return SL_ERR_IO;
	}
	if (d->tjc == NULL && (d->tjc = tjInitCompress()) == NULL)
		return SL_ERR_NOMEM;
	if (tjCompress2(d->tjc, d->tmp_buf, w, pitch, h, TJPF_RGB, jpeg, &len, TJSAMP_420, 85, 0)) {
		err_why(why, "thumbnail: %s", tjGetErrorStr2(d->tjc));
		tjFree(*jpeg);
		*jpeg = NULL;
		rc = SL_ERR_IO;
	}
	*size = len;
	return rc;
}

int decode_write_444(struct frame_decoder *d, unsigned char *const planes[3], int stride, int w,
		     int h, const char *path, size_t *size, char why[ERRMSG_MAX])
{
	int strides[3] = {stride, stride, stride};
	unsigned char *jpeg = NULL;
	unsigned long len = 0;
	int rc = SL_OK;

	if (d->tjc == NULL && (d->tjc = tjInitCompress()) == NULL)
		return SL_ERR_NOMEM;
	if (tjCompressFromYUVPlanes(d->tjc, (const unsigned char **)planes, w, strides, h,
				    TJSAMP_444, &jpeg, &len, 90, 0)) {
		err_why(why, "JPEG compression failed: %s", tjGetErrorStr2(d->tjc));
		rc = SL_ERR_IO;
	} else if (file_write_atomic(path, jpeg, len) < 0) {
		rc = err_from_errno(errno);
		err_why(why, "cannot write %s: %s", path, strerror(errno));
	}
	*size = len;
	tjFree(jpeg);
	return rc;
}

void decode_free_jpeg(unsigned char *jpeg)
{
	tjFree(jpeg);
}

void *frame_decoder_thread_init(void *arg)
{
	struct frame_decoder *d;

	(void)arg;
	return frame_decoder_new(&d) == SL_OK ? d : NULL;
}

void frame_decoder_thread_fini(void *tctx)
{
	struct frame_decoder *d = tctx;

	frame_decoder_free(&d);
}
