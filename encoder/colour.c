/* colour.c - JPEG YCbCr to video YCbCr with a gain; see colour.h.
 *
 * The matrix is derived once per frame from the standards' constants:
 * JPEG YCbCr -> R'G'B' (BT.601, full range), times the gain, -> BT.709
 * Y'CbCr, scaled to TV range. Luma rows are done first because they read
 * the original chroma; chroma is then converted in place. The chroma term
 * of luma (kyb*Cb + kyr*Cr) is computed once per chroma sample into three
 * rotating rows and interpolated 3:1 vertically and horizontally.
 */
#include "colour.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

#define ONE	     (1 << COLOUR_SHIFT)

static int32_t fix(double v)
{
	return (int32_t)(v * ONE + (v < 0 ? -0.5 : 0.5));
}

void colour_xform_init(struct colour_xform *x, enum colour_target to, double gain)
{
	/* JPEG: R = Y + 1.402 Cr, G = Y - 0.344136 Cb - 0.714136 Cr, B = Y + 1.772 Cb */
	static const double jpeg_to_rgb[3][3] = {
	    {1, 0, 1.402}, {1, -0.344136286, -0.714136286}, {1, 1.772, 0}};
	/* BT.709: Y = .2126 R + .7152 G + .0722 B, Cb = (B-Y)/1.8556, Cr = (R-Y)/1.5748 */
	static const double kr = 0.2126, kg = 0.7152, kb = 0.0722;
	double rgb_to_709[3][3] = {
	    {kr, kg, kb},
	    {-kr / 1.8556, -kg / 1.8556, (1 - kb) / 1.8556},
	    {(1 - kr) / 1.5748, -kg / 1.5748, -kb / 1.5748},
	};
	double m[3][3];

	if (!(gain >= COLOUR_GAIN_MIN))
		gain = gain > 0 ? COLOUR_GAIN_MIN : 1.0;
	if (gain > COLOUR_GAIN_MAX)
		gain = COLOUR_GAIN_MAX;
	memset(x, 0, sizeof(*x));
	if (to == COLOUR_JPEG) {
		x->ky = fix(gain);
		x->kbb = x->krr = fix(gain);
		x->oc = fix(128);
		return;
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			m[i][j] = 0;
			for (int k = 0; k < 3; k++)
				m[i][j] += rgb_to_709[i][k] * jpeg_to_rgb[k][j];
			m[i][j] *= gain * (i == 0 ? 219.0 / 255.0 : 224.0 / 255.0);
		}
	/* m[1][0] and m[2][0] vanish: chroma does not depend on luma */
	x->ky = fix(m[0][0]);
	x->kyb = fix(m[0][1]);
	x->kyr = fix(m[0][2]);
	x->oy = fix(16);
	x->kbb = fix(m[1][1]);
	x->kbr = fix(m[1][2]);
	x->krb = fix(m[2][1]);
	x->krr = fix(m[2][2]);
	x->oc = fix(128);
}

static uint8_t clamp8(int32_t v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The chroma term of luma for chroma row `k`, in 1/ONE units. */
static void chroma_term_row(const struct colour_xform *x, const uint8_t *cb, const uint8_t *cr,
			    int cw, int32_t *out)
{
	for (int j = 0; j < cw; j++)
		out[j] = x->kyb * (cb[j] - 128) + x->kyr * (cr[j] - 128);
}

/* One luma row from the two chroma-term rows around it: `near` (weight 3)
 * and `far` (weight 1). `v` (w/2) and `t` (w) are scratch rows. Written
 * as plain loops without branches so that the compiler vectorises them. */
static void luma_row(const struct colour_xform *x, uint8_t *restrict y, int w, const int32_t *near,
		     const int32_t *far, int32_t *restrict v, int32_t *restrict t)
{
	int cw = w / 2;
	int32_t ky = x->ky * 16, base = x->oy * 16 + (1 << (COLOUR_SHIFT + 3));

	for (int j = 0; j < cw; j++)
		v[j] = 3 * near[j] + far[j];
	/* luma 2j sits a quarter of a chroma sample left of chroma j, 2j+1 right */
	t[0] = 4 * v[0];
	for (int j = 1; j < cw; j++)
		t[2 * j] = 3 * v[j] + v[j - 1];
	for (int j = 0; j + 1 < cw; j++)
		t[2 * j + 1] = 3 * v[j] + v[j + 1];
	t[w - 1] = 4 * v[cw - 1];
	for (int j = 0; j < w; j++) {
		int32_t o = (ky * y[j] + t[j] + base) >> (COLOUR_SHIFT + 4);

		y[j] = (uint8_t)(o < 0 ? 0 : o > 255 ? 255 : o);
	}
}

static void luma_plain(const struct colour_xform *x, uint8_t *y, int ys, int w, int h)
{
	int32_t round = x->oy + (1 << (COLOUR_SHIFT - 1));

	for (int r = 0; r < h; r++, y += ys)
		for (int j = 0; j < w; j++)
			y[j] = clamp8((x->ky * y[j] + round) >> COLOUR_SHIFT);
}

int colour_apply_420(const struct colour_xform *x, uint8_t *y, int ys, uint8_t *cb, int cbs,
		     uint8_t *cr, int crs, int w, int h)
{
	int cw = w / 2, ch = h / 2;
	int32_t *buf = NULL, *rows[3], *v, *t;
	int32_t round = x->oc + (1 << (COLOUR_SHIFT - 1));

	if (x->kyb == 0 && x->kyr == 0) {
		luma_plain(x, y, ys, w, h);
	} else {
		buf = malloc(sizeof(*buf) * ((size_t)cw * 4 + (size_t)w));
		if (buf == NULL)
			return SL_ERR_NOMEM;
		rows[0] = buf;
		rows[1] = buf + cw;
		rows[2] = buf + 2 * cw;
		v = buf + 3 * cw;
		t = v + cw;
		/* rows[0..2] hold chroma rows k-1, k, k+1 (clamped at the edges) */
		chroma_term_row(x, cb, cr, cw, rows[1]);
		memcpy(rows[0], rows[1], sizeof(*buf) * (size_t)cw);
		for (int k = 0; k < ch; k++) {
			if (k + 1 < ch)
				chroma_term_row(x, cb + (size_t)(k + 1) * cbs,
						cr + (size_t)(k + 1) * crs, cw, rows[2]);
			else
				memcpy(rows[2], rows[1], sizeof(*buf) * (size_t)cw);
			luma_row(x, y + (size_t)(2 * k) * ys, w, rows[1], rows[0], v, t);
			luma_row(x, y + (size_t)(2 * k + 1) * ys, w, rows[1], rows[2], v, t);
			int32_t *oldest = rows[0];

			rows[0] = rows[1];
			rows[1] = rows[2];
			rows[2] = oldest;
		}
		free(buf);
	}
	for (int k = 0; k < ch; k++) {
		uint8_t *b = cb + (size_t)k * cbs, *r = cr + (size_t)k * crs;

		for (int j = 0; j < cw; j++) {
			int32_t u = b[j] - 128, vv = r[j] - 128;

			b[j] = clamp8((x->kbb * u + x->kbr * vv + round) >> COLOUR_SHIFT);
			r[j] = clamp8((x->krb * u + x->krr * vv + round) >> COLOUR_SHIFT);
		}
	}
	return SL_OK;
}

double colour_mean_luma(const uint8_t *y, int stride, int w, int h)
{
	uint64_t sum = 0;

	if (w <= 0 || h <= 0)
		return 0;
	for (int r = 0; r < h; r++, y += stride) {
		uint32_t row = 0;

		for (int j = 0; j < w; j++)
			row += y[j];
		sum += row;
	}
	return (double)sum / ((double)w * h);
}
