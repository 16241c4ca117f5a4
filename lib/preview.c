/* preview.c - scaled decode to YUV planes, mean luma, re-encode; see preview.h. */
#include "preview.h"
#include "err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

void preview_clear(struct jpeg_preview *p)
{
	if (p == NULL)
		return;
	free(p->jpeg);
	memset(p, 0, sizeof(*p));
}

/* Compresses the planes into out's JPEG (malloc'd) and sets its size. */
static int encode_planes(unsigned char *const planes[3], const int strides[3], int w, int h,
			 int subsamp, int quality, struct jpeg_preview *out, char why[ERRMSG_MAX])
{
	tjhandle enc = tjInitCompress();
	unsigned char *jpeg = NULL;
	unsigned long jsize = 0;
	int rc = SL_ERR_NOMEM;

	if (enc == NULL) {
		err_why(why, "TurboJPEG initialisation failed");
		return rc;
	}
	if (tjCompressFromYUVPlanes(enc, (const unsigned char **)planes, w, strides, h, subsamp,
				    &jpeg, &jsize, quality, 0) < 0) {
		err_why(why, "cannot encode the preview: %s", tjGetErrorStr2(enc));
		rc = SL_ERR_PARSE;
	} else if ((out->jpeg = malloc(jsize)) != NULL) { /* tjAlloc'd memory needs tjFree */
		memcpy(out->jpeg, jpeg, jsize);
		out->size = jsize;
		out->width = w;
		out->height = h;
		rc = SL_OK;
	}
	tjFree(jpeg);
	tjDestroy(enc);
	return rc;
}

int preview_make(const unsigned char *jpeg, size_t len, int max_width, int quality,
		 struct jpeg_preview *out, char why[ERRMSG_MAX])
{
	tjhandle dec = tjInitDecompress();
	tjscalingfactor *sf, best = {1, 8};
	unsigned char *planes[3] = {NULL, NULL, NULL}, *buf = NULL;
	int w, h, subsamp, cs, nsf, sw, sh, nplanes, rc = SL_ERR_PARSE;
	int strides[3] = {0, 0, 0};
	double sum = 0;

	memset(out, 0, sizeof(*out));
	if (dec == NULL) {
		err_why(why, "TurboJPEG initialisation failed");
		rc = SL_ERR_NOMEM;
		goto out;
	}
	if (tjDecompressHeader3(dec, jpeg, len, &w, &h, &subsamp, &cs) < 0) {
		err_why(why, "not a JPEG: %s", tjGetErrorStr2(dec));
		goto out;
	}
	/* the largest scale whose width fits; scales come largest first */
	sf = tjGetScalingFactors(&nsf);
	for (int i = 0; i < nsf; i++) {
		int sw_i = TJSCALED(w, sf[i]);

		if (sw_i <= max_width && sw_i > TJSCALED(w, best))
			best = sf[i];
	}
	sw = TJSCALED(w, best);
	sh = TJSCALED(h, best);
	nplanes = subsamp == TJSAMP_GRAY ? 1 : 3;
	{
		size_t total = 0, off = 0;

		for (int i = 0; i < nplanes; i++) {
			strides[i] = tjPlaneWidth(i, sw, subsamp);
			total += (size_t)strides[i] * (size_t)tjPlaneHeight(i, sh, subsamp);
		}
		buf = malloc(total);
		if (buf == NULL) {
			rc = SL_ERR_NOMEM;
			goto out;
		}
		for (int i = 0; i < nplanes; i++) {
			planes[i] = buf + off;
			off += (size_t)strides[i] * (size_t)tjPlaneHeight(i, sh, subsamp);
		}
	}
	if (tjDecompressToYUVPlanes(dec, jpeg, len, planes, sw, strides, sh, 0) < 0) {
		err_why(why, "cannot decode the JPEG: %s", tjGetErrorStr2(dec));
		goto out;
	}
	for (int y = 0; y < sh; y++)
		for (int x = 0; x < sw; x++)
			sum += planes[0][(size_t)y * (size_t)strides[0] + (size_t)x];
	out->mean_luma = sum / ((double)sw * sh);
	rc = encode_planes(planes, strides, sw, sh, subsamp, quality, out, why);
out:
	free(buf);
	if (dec)
		tjDestroy(dec);
	return rc;
}

/* Downscales a plane of sw x sh pixels into dw x dh by `factor`: each
 * output pixel is the mean of its factor x factor block sampled on a 2 x 2
 * grid inside it (a quarter of a box filter's work, no visible aliasing on
 * sky scenes). Blocks past the plane's edge are clamped inside it. */
static void downscale(const unsigned char *src, int stride, int sw, int sh, int factor,
		      unsigned char *dst, int dw, int dh)
{
	int a = factor / 4, b = factor - 1 - factor / 4;
	int max_y = sh - factor, max_x = sw - factor;

	for (int y = 0; y < dh; y++) {
		int sy = y * factor < max_y ? y * factor : max_y;
		const unsigned char *r0 = src + (size_t)(sy + a) * (size_t)stride + a;
		const unsigned char *r1 = src + (size_t)(sy + b) * (size_t)stride + a;

		for (int x = 0, sx = 0; x < dw; x++, sx += factor) {
			int cx = sx < max_x ? sx : max_x;
			unsigned sum = r0[cx] + r0[cx + b - a] + r1[cx] + r1[cx + b - a];

			dst[(size_t)y * (size_t)dw + x] = (unsigned char)((sum + 2) / 4);
		}
	}
}

int preview_from_yuv420(const unsigned char *const planes[3], const int strides[3], int width,
			int height, int max_width, int quality, struct jpeg_preview *out,
			char why[ERRMSG_MAX])
{
	int factor = (width + max_width - 1) / max_width, pw, ph, cw, ch, rc;
	int pstrides[3];
	unsigned char *buf, *pp[3];
	uint64_t sum = 0, n = 0;

	memset(out, 0, sizeof(*out));
	for (int y = 0; y < height; y += 8)
		for (int x = 0; x < width; x += 8, n++)
			sum += planes[0][(size_t)y * (size_t)strides[0] + (size_t)x];
	out->mean_luma = n ? (double)sum / (double)n : 0;
	if (factor < 2)
		factor = 2; /* chroma is half size: keep the arithmetic on whole pixels */
	factor = (factor + 1) & ~1;
	if (width < 2 * factor || height < 2 * factor)
		return SL_ERR_RANGE; /* a sliver: the caller decodes instead */
	pw = width / factor;
	ph = height / factor;
	cw = (pw + 1) / 2;
	ch = (ph + 1) / 2;
	pstrides[0] = pw;
	pstrides[1] = pstrides[2] = cw;
	buf = malloc((size_t)pw * (size_t)ph + 2 * (size_t)cw * (size_t)ch);
	if (buf == NULL)
		return SL_ERR_NOMEM;
	pp[0] = buf;
	pp[1] = buf + (size_t)pw * (size_t)ph;
	pp[2] = pp[1] + (size_t)cw * (size_t)ch;
	downscale(planes[0], strides[0], width, height, factor, pp[0], pw, ph);
	/* a preview chroma pixel covers 2 x 2 preview pixels: factor x factor
	 * source chroma pixels */
	for (int c = 1; c < 3; c++)
		downscale(planes[c], strides[c], (width + 1) / 2, (height + 1) / 2, factor, pp[c],
			  cw, ch);
	rc = encode_planes(pp, pstrides, pw, ph, TJSAMP_420, quality, out, why);
	free(buf);
	return rc;
}
