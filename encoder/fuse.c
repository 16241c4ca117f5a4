/* fuse.c - Mertens exposure fusion on yuv420p frames; see fuse.h.
 *
 * Two passes over the exposures: the first sums their weights per pixel,
 * the second builds, one exposure at a time, the Gaussian pyramid of its
 * normalised weight and the Laplacian pyramid of each plane, and adds
 * their product into the result pyramids; collapsing those gives the frame.
 * So only one exposure's pyramids exist at once, whatever their number.
 * Pyramid levels halve (rounding up) with the 5-tap binomial kernel
 * [1 4 6 4 1]/16 and edge pixels repeated.
 */
#include "fuse.h"
#include "err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS_MAX 12
#define SMALLEST   8	  /* luma levels stop above this many pixels a side */
#define FLOOR	   0.02f  /* contrast and saturation floors (fuse.h) */
#define SIGMA2X2   0.08f  /* 2 * 0.2^2: the paper's well-exposedness width */
#define TINY	   1e-12f /* keeps a pixel that no exposure suits defined */
/* exp(-(c - 0.5)^2 / SIGMA2X2) for a channel value c in [-1.5, 2.5), in
 * steps of 1/1024: a table lookup a channel instead of an expf() a pixel */
#define EXPO_N	  4096
#define EXPO_STEP 1024
#define EXPO_FROM 1.5f

struct level {
	int w, h;
	size_t off; /* in floats, from the start of a pyramid */
};

struct fuser {
	int w, h, nlev;			 /* luma levels; weights have one more */
	struct level lv[LEVELS_MAX + 1]; /* sizes of luma levels 0..nlev */
	size_t area;			 /* floats of levels 0..nlev-1 */
	size_t chroma;			 /* floats of levels 1..nlev */
	float *wsum, *wpyr, *gpyr, *ry, *ru, *rv, *tmp;
	float *mem;
	float expo[EXPO_N];
};

size_t fuse_scratch_bytes(int w, int h)
{
	size_t area = 0, all;
	int nlev = 1, lw = w, lh = h;

	while (nlev < LEVELS_MAX && (w >> nlev) >= SMALLEST && (h >> nlev) >= SMALLEST)
		nlev++;
	for (int k = 0; k < nlev; k++) {
		area += (size_t)lw * lh;
		lw = (lw + 1) / 2;
		lh = (lh + 1) / 2;
	}
	/* wsum + tmp, the weight pyramid (one level more), the image pyramid,
	 * the luma result, two chroma results (levels 1..nlev) */
	all = 2 * (size_t)w * h + (area + (size_t)lw * lh) + area + area +
	      2 * (area - (size_t)w * h + (size_t)lw * lh);
	return all * sizeof(float);
}

int fuser_new(int w, int h, struct fuser **out)
{
	struct fuser *f;
	size_t off = 0, wh = (size_t)w * h, top;

	*out = NULL;
	if (w < 2 || h < 2 || (w & 1) || (h & 1))
		return SL_ERR_RANGE;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return SL_ERR_NOMEM;
	f->w = w;
	f->h = h;
	f->nlev = 1;
	while (f->nlev < LEVELS_MAX && (w >> f->nlev) >= SMALLEST && (h >> f->nlev) >= SMALLEST)
		f->nlev++;
	for (int k = 0; k <= f->nlev; k++) {
		f->lv[k].w = k ? (f->lv[k - 1].w + 1) / 2 : w;
		f->lv[k].h = k ? (f->lv[k - 1].h + 1) / 2 : h;
		f->lv[k].off = off;
		off += (size_t)f->lv[k].w * f->lv[k].h;
	}
	for (int i = 0; i < EXPO_N; i++) {
		float c = (float)i / EXPO_STEP - EXPO_FROM - 0.5f;

		f->expo[i] = expf(-c * c / SIGMA2X2);
	}
	f->area = f->lv[f->nlev].off;
	top = off - f->area; /* the weights' extra level */
	f->chroma = f->area - wh + top;
	f->mem = malloc(fuse_scratch_bytes(w, h));
	if (f->mem == NULL) {
		free(f);
		return SL_ERR_NOMEM;
	}
	f->wsum = f->mem;
	f->tmp = f->wsum + wh;
	f->wpyr = f->tmp + wh;
	f->gpyr = f->wpyr + f->area + top;
	f->ry = f->gpyr + f->area;
	/* chroma pyramids hold luma levels 1..nlev, stored from offset 0 */
	f->ru = f->ry + f->area;
	f->rv = f->ru + f->chroma;
	*out = f;
	return SL_OK;
}

void fuser_free(struct fuser **f)
{
	if (f == NULL || *f == NULL)
		return;
	free((*f)->mem);
	free(*f);
	*f = NULL;
}

static inline int clampi(int v, int hi)
{
	return v < 0 ? 0 : v > hi ? hi : v;
}

/* dst (w+1)/2 x (h+1)/2 = blur and halve src (w x h); tmp: (w+1)/2 x h. */
static void reduce(const float *src, int w, int h, float *dst, float *tmp)
{
	int w2 = (w + 1) / 2, h2 = (h + 1) / 2;

	for (int y = 0; y < h; y++) {
		const float *s = src + (size_t)y * w;
		float *t = tmp + (size_t)y * w2;

		for (int x = 0; x < w2; x++) {
			int c = 2 * x;

			t[x] =
			    (s[clampi(c - 2, w - 1)] + s[clampi(c + 2, w - 1)] +
			     4 * (s[clampi(c - 1, w - 1)] + s[clampi(c + 1, w - 1)]) + 6 * s[c]) *
			    (1.0f / 16);
		}
	}
	for (int y = 0; y < h2; y++) {
		int c = 2 * y;
		const float *a = tmp + (size_t)clampi(c - 2, h - 1) * w2;
		const float *b = tmp + (size_t)clampi(c - 1, h - 1) * w2;
		const float *m = tmp + (size_t)c * w2;
		const float *d = tmp + (size_t)clampi(c + 1, h - 1) * w2;
		const float *e = tmp + (size_t)clampi(c + 2, h - 1) * w2;
		float *o = dst + (size_t)y * w2;

		for (int x = 0; x < w2; x++)
			o[x] = (a[x] + e[x] + 4 * (b[x] + d[x]) + 6 * m[x]) * (1.0f / 16);
	}
}

/* dst (w x h) += sign * src (w2 x h2, the reduced size) enlarged with the
 * same kernel; tmp: w x h2. */
static void expand_add(const float *src, int w2, int h2, float *dst, int w, int h, float sign,
		       float *tmp)
{
	for (int y = 0; y < h2; y++) {
		const float *s = src + (size_t)y * w2;
		float *t = tmp + (size_t)y * w;

		for (int x = 0; x < w; x++) {
			int m = x / 2;

			if (x & 1)
				t[x] = 0.5f * (s[m] + s[clampi(m + 1, w2 - 1)]);
			else
				t[x] = (s[clampi(m - 1, w2 - 1)] + 6 * s[m] +
					s[clampi(m + 1, w2 - 1)]) *
				       (1.0f / 8);
		}
	}
	for (int y = 0; y < h; y++) {
		int m = y / 2;
		float *o = dst + (size_t)y * w;

		if (y & 1) {
			const float *a = tmp + (size_t)m * w;
			const float *b = tmp + (size_t)clampi(m + 1, h2 - 1) * w;

			for (int x = 0; x < w; x++)
				o[x] += sign * 0.5f * (a[x] + b[x]);
		} else {
			const float *a = tmp + (size_t)clampi(m - 1, h2 - 1) * w;
			const float *b = tmp + (size_t)m * w;
			const float *c = tmp + (size_t)clampi(m + 1, h2 - 1) * w;

			for (int x = 0; x < w; x++)
				o[x] += sign * (a[x] + 6 * b[x] + c[x]) * (1.0f / 8);
		}
	}
}

static inline float expo(const struct fuser *f, float c)
{
	int i = (int)((c + EXPO_FROM) * EXPO_STEP + 0.5f);

	return f->expo[i < 0 ? 0 : i >= EXPO_N ? EXPO_N - 1 : i];
}

/* Weight of every pixel of `p` into out (w x h). R'G'B' are luma plus a
 * chroma term, so saturation (which luma does not change) is worked out
 * once for the 2 x 2 pixels that share a chroma sample. */
static void weights(const struct fuser *f, const struct fuse_planes *p, float *out)
{
	int w = f->w, h = f->h;

	for (int y = 0; y < h; y++) {
		const unsigned char *row = p->data[0] + (size_t)y * p->stride[0];
		const unsigned char *up = p->data[0] + (size_t)clampi(y - 1, h - 1) * p->stride[0];
		const unsigned char *dn = p->data[0] + (size_t)clampi(y + 1, h - 1) * p->stride[0];
		const unsigned char *u = p->data[1] + (size_t)(y / 2) * p->stride[1];
		const unsigned char *v = p->data[2] + (size_t)(y / 2) * p->stride[2];
		float *o = out + (size_t)y * w;

		for (int cx = 0; cx < w / 2; cx++) {
			float cb = (u[cx] - 128) * (1.0f / 224), cr = (v[cx] - 128) * (1.0f / 224);
			/* BT.709: R' = Y' + dr, G' = Y' + dg, B' = Y' + db */
			float dr = 1.5748f * cr, dg = -0.1873f * cb - 0.4681f * cr,
			      db = 1.8556f * cb;
			float mean = (dr + dg + db) * (1.0f / 3);
			float sat = sqrtf(((dr - mean) * (dr - mean) + (dg - mean) * (dg - mean) +
					   (db - mean) * (db - mean)) *
					  (1.0f / 3)) +
				    FLOOR;

			for (int x = 2 * cx; x < 2 * cx + 2; x++) {
				float lap = 4.0f * row[x] - row[clampi(x - 1, w - 1)] -
					    row[clampi(x + 1, w - 1)] - up[x] - dn[x];
				float yy = (row[x] - 16) * (1.0f / 219);

				o[x] = (fabsf(lap) * (1.0f / 219) + FLOOR) * sat *
					   expo(f, yy + dr) * expo(f, yy + dg) * expo(f, yy + db) +
				       TINY;
			}
		}
	}
}

/* One plane of w x h as floats. */
static void plane_load(const unsigned char *src, int stride, int w, int h, float *dst)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			dst[(size_t)y * w + x] = src[(size_t)y * stride + x];
}

/* Adds weight pyramid level (k + first) times the Laplacian of one plane
 * (whose size is luma level `first`) into res. The plane's pyramid levels
 * are stored at lv[k + first].off - lv[first].off in gpyr and res. */
static void blend_plane(struct fuser *f, const unsigned char *src, int stride, int first,
			float *res)
{
	const struct level *lv = f->lv + first;
	size_t base = lv[0].off;
	int n = f->nlev; /* levels of the plane's pyramid */
	float *g = f->gpyr;

	plane_load(src, stride, lv[0].w, lv[0].h, g);
	for (int k = 1; k < n; k++)
		reduce(g + lv[k - 1].off - base, lv[k - 1].w, lv[k - 1].h, g + lv[k].off - base,
		       f->tmp);
	for (int k = 0; k < n - 1; k++)
		expand_add(g + lv[k + 1].off - base, lv[k + 1].w, lv[k + 1].h, g + lv[k].off - base,
			   lv[k].w, lv[k].h, -1.0f, f->tmp);
	for (int k = 0; k < n; k++) {
		const float *wk = f->wpyr + lv[k].off;
		const float *lk = g + lv[k].off - base;
		float *rk = res + lv[k].off - base;
		size_t cnt = (size_t)lv[k].w * lv[k].h;

		for (size_t i = 0; i < cnt; i++)
			rk[i] += wk[i] * lk[i];
	}
}

/* Collapses res (levels as in blend_plane) and writes it to dst. */
static void collapse_store(struct fuser *f, float *res, int first, unsigned char *dst, int stride)
{
	const struct level *lv = f->lv + first;
	size_t base = lv[0].off;

	for (int k = f->nlev - 2; k >= 0; k--)
		expand_add(res + lv[k + 1].off - base, lv[k + 1].w, lv[k + 1].h,
			   res + lv[k].off - base, lv[k].w, lv[k].h, 1.0f, f->tmp);
	for (int y = 0; y < lv[0].h; y++)
		for (int x = 0; x < lv[0].w; x++) {
			float v = res[(size_t)y * lv[0].w + x] + 0.5f;

			dst[(size_t)y * stride + x] = v <= 0	 ? 0
						      : v >= 255 ? 255
								 : (unsigned char)v;
		}
}

static void copy_planes(const struct fuser *f, const struct fuse_planes *in,
			const struct fuse_planes *out)
{
	for (int p = 0; p < 3; p++) {
		int w = p ? f->w / 2 : f->w, h = p ? f->h / 2 : f->h;

		if (in->data[p] == out->data[p])
			continue;
		for (int y = 0; y < h; y++)
			memcpy(out->data[p] + (size_t)y * out->stride[p],
			       in->data[p] + (size_t)y * in->stride[p], (size_t)w);
	}
}

int fuse_exposures(struct fuser *f, const struct fuse_planes *in, int n,
		   const struct fuse_planes *out)
{
	size_t wh = (size_t)f->w * f->h;

	if (n < 1 || n > FUSE_MAX)
		return SL_ERR_INVAL;
	if (n == 1) {
		copy_planes(f, in, out);
		return SL_OK;
	}
	memset(f->wsum, 0, wh * sizeof(float));
	for (int i = 0; i < n; i++) {
		weights(f, &in[i], f->wpyr);
		for (size_t j = 0; j < wh; j++)
			f->wsum[j] += f->wpyr[j];
	}
	memset(f->ry, 0, f->area * sizeof(float));
	memset(f->ru, 0, 2 * f->chroma * sizeof(float));
	for (int i = 0; i < n; i++) {
		weights(f, &in[i], f->wpyr);
		for (size_t j = 0; j < wh; j++)
			f->wpyr[j] /= f->wsum[j];
		for (int k = 1; k <= f->nlev; k++)
			reduce(f->wpyr + f->lv[k - 1].off, f->lv[k - 1].w, f->lv[k - 1].h,
			       f->wpyr + f->lv[k].off, f->tmp);
		blend_plane(f, in[i].data[0], in[i].stride[0], 0, f->ry);
		blend_plane(f, in[i].data[1], in[i].stride[1], 1, f->ru);
		blend_plane(f, in[i].data[2], in[i].stride[2], 1, f->rv);
	}
	collapse_store(f, f->ry, 0, out->data[0], out->stride[0]);
	collapse_store(f, f->ru, 1, out->data[1], out->stride[1]);
	collapse_store(f, f->rv, 1, out->data[2], out->stride[2]);
	return SL_OK;
}
