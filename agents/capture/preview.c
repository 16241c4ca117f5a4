/* preview.c - scaled decode to YUV planes, mean luma, re-encode; see preview.h. */
#include "preview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

void preview_clear(struct preview *p)
{
	if (p == NULL)
		return;
	free(p->jpeg);
	memset(p, 0, sizeof(*p));
}

int preview_make(const unsigned char *jpeg, size_t len, int max_width, int quality,
		 struct preview *out, char why[ERRMSG_MAX])
{
	tjhandle dec = NULL, enc = NULL;
	tjscalingfactor *sf, best = {1, 8};
	unsigned char *planes[3] = {NULL, NULL, NULL}, *buf = NULL;
	unsigned long jsize = 0;
	int w, h, subsamp, cs, nsf, sw, sh, nplanes, rc = SL_ERR_PARSE;
	int strides[3] = {0, 0, 0};
	double sum = 0;

	memset(out, 0, sizeof(*out));
	dec = tjInitDecompress();
	enc = tjInitCompress();
	if (dec == NULL || enc == NULL) {
		snprintf(why, ERRMSG_MAX, "TurboJPEG initialisation failed");
		rc = SL_ERR_NOMEM;
		goto out;
	}
	if (tjDecompressHeader3(dec, jpeg, len, &w, &h, &subsamp, &cs) < 0) {
		snprintf(why, ERRMSG_MAX, "not a JPEG: %s", tjGetErrorStr2(dec));
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
		snprintf(why, ERRMSG_MAX, "cannot decode the JPEG: %s", tjGetErrorStr2(dec));
		goto out;
	}
	for (int y = 0; y < sh; y++)
		for (int x = 0; x < sw; x++)
			sum += planes[0][(size_t)y * (size_t)strides[0] + (size_t)x];
	out->mean_luma = sum / ((double)sw * sh);
	if (tjCompressFromYUVPlanes(enc, (const unsigned char **)planes, sw, strides, sh, subsamp,
				    &out->jpeg, &jsize, quality, 0) < 0) {
		snprintf(why, ERRMSG_MAX, "cannot encode the preview: %s", tjGetErrorStr2(enc));
		goto out;
	}
	{
		/* hand the caller a malloc'd copy: tjAlloc'd memory needs tjFree */
		unsigned char *copy = malloc(jsize);

		if (copy == NULL) {
			rc = SL_ERR_NOMEM;
			tjFree(out->jpeg);
			out->jpeg = NULL;
			goto out;
		}
		memcpy(copy, out->jpeg, jsize);
		tjFree(out->jpeg);
		out->jpeg = copy;
	}
	out->size = jsize;
	out->width = sw;
	out->height = sh;
	rc = SL_OK;
out:
	free(buf);
	if (dec)
		tjDestroy(dec);
	if (enc)
		tjDestroy(enc);
	return rc;
}
