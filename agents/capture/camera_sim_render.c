/* camera_sim_render.c - the simulated camera's sensor: a scene of
 * camera_sim_sky.c exposed, developed and written into YUV420 planes.
 *
 * First the knots: radiance x exposure x gain x white balance, clipped,
 * toned and converted to YCbCr (8.8 fixed point). Then each plane row is
 * interpolated from them (walking down the knot rows, across in 16-pixel
 * segments), with sensor noise on luma, the ground below the skyline, and
 * last the sun's disc and the stars. The row loops are the whole cost of a
 * frame; they are written for the compiler to vectorise (see below).
 */
#include "camera_sim_sky.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STAR_GAIN 0.2 /* brightest star: linear 1.6 at 0.5 s x gain 16 */

/* Exposed, white-balanced, toned RGB -> full-range YCbCr (JFIF), 8.8. */
static void to_ycc(const uint16_t *lut, const float *rgb, const float *gain, float sat,
		   int32_t out[3])
{
	float r = sim_tone(lut, rgb[0] * gain[0]), g = sim_tone(lut, rgb[1] * gain[1]);
	float b = sim_tone(lut, rgb[2] * gain[2]);
	float cb = (-0.168736f * r - 0.331264f * g + 0.5f * b) * sat + 32768.0f;
	float cr = (0.5f * r - 0.418688f * g - 0.081312f * b) * sat + 32768.0f;

	out[0] = (int32_t)(0.299f * r + 0.587f * g + 0.114f * b + 0.5f);
	out[1] = (int32_t)(cb < 0 ? 0 : cb > 65280 ? 65280 : cb + 0.5f);
	out[2] = (int32_t)(cr < 0 ? 0 : cr > 65280 ? 65280 : cr + 0.5f);
}

static void shot_gains(const struct sim_shot *shot, float gain[3])
{
	gain[0] = (float)(shot->k * shot->wb_r);
	gain[1] = (float)shot->k;
	gain[2] = (float)(shot->k * shot->wb_b);
}

static void knots_ycc(struct sim_sky *s, const struct sim_shot *shot, float sat)
{
	size_t n = (size_t)s->kw * s->kh, i;
	int32_t ycc[3];
	float gain[3];

	shot_gains(shot, gain);
	for (i = 0; i < n; i++) {
		to_ycc(s->lut, &s->rad[3 * i], gain, sat, ycc);
		s->kyuv[i] = ycc[0];
		s->kyuv[n + i] = ycc[1];
		s->kyuv[2 * n + i] = ycc[2];
	}
}

static void noise_scale(struct sim_sky *s, double sigma)
{
	int amp = (int)lround(sigma / SIM_NOISE_SIGMA * 256), v;
	size_t i, n = (size_t)SIM_NOISE_ROWS * s->noise_stride;

	if (amp == s->noise_amp)
		return;
	for (i = 0; i < n; i++) {
		v = s->noise_base[i] * amp / 256;
		v = v < -255 ? -255 : v > 255 ? 255 : v;
		s->noise_pos[i] = (uint8_t)(v > 0 ? v : 0);
		s->noise_neg[i] = (uint8_t)(v < 0 ? -v : 0);
	}
	s->noise_amp = amp;
}

/* The row loops below are written so the compiler vectorises them, 8 or 16
 * pixels at a time: 16-bit and 8-bit lanes, no branches, fixed inner trip
 * counts. Knot values arrive in 8.4 fixed point; a + d * j interpolates
 * between two values that fit 16 bits, so computing it modulo 2^16 gives the
 * exact result. */

/* Sensor noise, split in a positive and a negative part so that each step
 * is a saturating byte operation: add at most the headroom, subtract at
 * most the value. */
static inline uint8_t add_noise(uint8_t v, uint8_t plus, uint8_t minus)
{
	uint8_t room = (uint8_t)(255 - v);

	v = (uint8_t)(v + (plus < room ? plus : room));
	return (uint8_t)(v - (minus < v ? minus : v));
}

/* One luma row from knots every 16 pixels, with noise. */
static void lerp_row_noisy(uint8_t *restrict out, const int32_t *restrict kv, int w,
			   const uint8_t *restrict np, const uint8_t *restrict nn)
{
	int i, j, x = 0, n = w >> 4;
	uint16_t a, d;

	for (i = 0; i < n; i++, x += 16, out += 16, np += 16, nn += 16) {
		a = (uint16_t)((kv[i] << 4) + 128);
		d = (uint16_t)(kv[i + 1] - kv[i]);
		for (j = 0; j < 16; j++)
			out[j] = add_noise((uint8_t)((uint16_t)(a + d * j) >> 8), np[j], nn[j]);
	}
	a = (uint16_t)((kv[n] << 4) + 128);
	d = (uint16_t)(kv[n + 1] - kv[n]);
	for (j = 0; x + j < w; j++)
		out[j] = add_noise((uint8_t)((uint16_t)(a + d * j) >> 8), np[j], nn[j]);
}

/* One chroma row from knots every 16 pixels. */
static void lerp_row(uint8_t *restrict out, const int32_t *restrict kv, int w)
{
	int i, j, x = 0, n = w >> 4;
	uint16_t a, d;

	for (i = 0; i < n; i++, x += 16, out += 16) {
		a = (uint16_t)((kv[i] << 4) + 128);
		d = (uint16_t)(kv[i + 1] - kv[i]);
		for (j = 0; j < 16; j++)
			out[j] = (uint8_t)((uint16_t)(a + d * j) >> 8);
	}
	a = (uint16_t)((kv[n] << 4) + 128);
	d = (uint16_t)(kv[n + 1] - kv[n]);
	for (j = 0; x + j < w; j++)
		out[j] = (uint8_t)((uint16_t)(a + d * j) >> 8);
}

/* The ground, with noise, over a whole luma row (sky == NULL) or over the
 * pixels of row r at or below the skyline. */
static void ground_row(uint8_t *restrict out, int w, uint8_t value, const int *restrict sky, int r,
		       const uint8_t *restrict np, const uint8_t *restrict nn)
{
	int x, n = w & ~15;

	if (sky == NULL) {
		for (x = 0; x < n; x++)
			out[x] = add_noise(value, np[x], nn[x]);
		for (x = n; x < w; x++)
			out[x] = add_noise(value, np[x], nn[x]);
		return;
	}
	for (x = 0; x < w; x++)
		if (r >= sky[x])
			out[x] = add_noise(value, np[x], nn[x]);
}

/* Walking down a band between two knot rows, each plane row's knots are the
 * previous row's plus a constant step (the interpolation is linear), so a
 * row costs one addition per knot. `shift` is log2 of the band's height in
 * rows; every `stride`-th knot is taken. */
struct knot_walk {
	int32_t *kv;  /* the current row's knots, 8.4 */
	int32_t *acc; /* 8.(8 + shift) */
	int32_t *step;
	int n, shift;
};

static void walk_start(struct knot_walk *k, const int32_t *restrict k0, int kw, int stride)
{
	const int32_t *restrict k1 = k0 + kw;
	int i;

	for (i = 0; i < k->n; i++) {
		k->acc[i] = k0[i * stride] << k->shift;
		k->step[i] = k1[i * stride] - k0[i * stride];
	}
}

static void walk_next(struct knot_walk *k)
{
	int32_t *restrict kv = k->kv, *restrict acc = k->acc;
	const int32_t *restrict step = k->step;
	int i, shift = k->shift + 4, n = k->n & ~7;

	for (i = 0; i < n; i++) {
		kv[i] = acc[i] >> shift;
		acc[i] += step[i];
	}
	for (i = n; i < k->n; i++) {
		kv[i] = acc[i] >> shift;
		acc[i] += step[i];
	}
}

static void walk_init(struct knot_walk *k, int32_t *scratch, int n, int shift)
{
	k->kv = scratch;
	k->acc = scratch + n;
	k->step = scratch + 2 * n;
	k->n = n;
	k->shift = shift;
}

static void fill_luma(struct sim_sky *s, const struct sim_shot *shot, uint8_t *plane, int stride,
		      float sat)
{
	struct knot_walk walk;
	const uint8_t *np, *nn;
	int32_t ycc[3];
	float gain[3], g[3];
	uint8_t *out, gy;
	size_t noff;
	int r, c, oy = (int)(sim_hash32(shot->seed) & (SIM_NOISE_ROWS - 1));

	shot_gains(shot, gain);
	walk_init(&walk, s->row_knots, s->kw, 4);
	for (r = 0; r < s->height; r++) {
		out = plane + (size_t)r * stride;
		noff = (size_t)((r + oy) & (SIM_NOISE_ROWS - 1)) * s->noise_stride +
		       sim_hash32(shot->seed ^ (uint32_t)(r / SIM_NOISE_ROWS) * 0x27d4eb2dU) %
			   SIM_NOISE_PAD;
		np = s->noise_pos + noff;
		nn = s->noise_neg + noff;
		if (r < s->skyline_bottom) {
			if ((r & 15) == 0)
				walk_start(&walk, s->kyuv + (size_t)(r >> 4) * s->kw, s->kw, 1);
			walk_next(&walk);
			lerp_row_noisy(out, walk.kv, s->width, np, nn);
			if (r < s->skyline_top)
				continue;
		}
		for (c = 0; c < 3; c++)
			g[c] = (float)(s->ground[c] * sim_ground_shade(s, r));
		to_ycc(s->lut, g, gain, sat, ycc);
		gy = (uint8_t)((ycc[0] + 128) >> 8);
		ground_row(out, s->width, gy, r >= s->skyline_bottom ? NULL : s->skyline, r, np,
			   nn);
	}
}

static void fill_chroma(struct sim_sky *s, const struct sim_shot *shot, uint8_t *cb_plane,
			uint8_t *cr_plane, const int strides[3], float sat)
{
	size_t n = (size_t)s->kw * s->kh;
	int cw = (s->width + 1) / 2, ch = (s->height + 1) / 2, r, x, c;
	int32_t ycc[3];
	float gain[3], g[3];
	uint8_t *ob, *orr, gb, gr;
	struct knot_walk wb, wr;

	shot_gains(shot, gain);
	walk_init(&wb, s->row_knots, (s->kw + 1) / 2, 3);
	walk_init(&wr, s->row_knots + 3 * s->kw, (s->kw + 1) / 2, 3);
	for (r = 0; r < ch; r++) {
		ob = cb_plane + (size_t)r * strides[1];
		orr = cr_plane + (size_t)r * strides[2];
		if (2 * r < s->skyline_bottom) {
			if ((r & 7) == 0) {
				walk_start(&wb, s->kyuv + n + (size_t)(r >> 3) * s->kw, s->kw, 2);
				walk_start(&wr, s->kyuv + 2 * n + (size_t)(r >> 3) * s->kw, s->kw,
					   2);
			}
			walk_next(&wb);
			walk_next(&wr);
			lerp_row(ob, wb.kv, cw);
			lerp_row(orr, wr.kv, cw);
			if (2 * r < s->skyline_top)
				continue;
		}
		for (c = 0; c < 3; c++)
			g[c] = (float)(s->ground[c] * sim_ground_shade(s, 2 * r));
		to_ycc(s->lut, g, gain, sat, ycc);
		gb = (uint8_t)((ycc[1] + 128) >> 8);
		gr = (uint8_t)((ycc[2] + 128) >> 8);
		if (2 * r >= s->skyline_bottom) {
			memset(ob, gb, cw);
			memset(orr, gr, cw);
			continue;
		}
		for (x = 0; x < cw; x++) {
			if (2 * r >= s->skyline[2 * x]) {
				ob[x] = gb;
				orr[x] = gr;
			}
		}
	}
}

/* Coverage of pixel centre (px, py) by the sun's disc, antialiased over a
 * pixel; 0..256. */
static int disc_cover(const struct sim_sky *s, double px, double py, double scale)
{
	double dx = px - s->sun_x, dy = py - s->sun_y;
	double c = (s->sun_r + 0.5 * scale - sqrt(dx * dx + dy * dy)) / scale;

	return c <= 0 ? 0 : c >= 1 ? 256 : (int)(c * 256);
}

static void blend(uint8_t *p, int value, int cover)
{
	*p = (uint8_t)(*p + ((value - *p) * cover + 128) / 256);
}

static void draw_sun(struct sim_sky *s, const struct sim_shot *shot, unsigned char *planes[3],
		     const int strides[3], float sat)
{
	int x0, x1, y0, y1, x, y, cov;
	int32_t ycc[3];
	float gain[3];

	if (!s->sun_visible)
		return;
	shot_gains(shot, gain);
	to_ycc(s->lut, s->sun_rgb, gain, sat, ycc);
	x0 = (int)fmax(0, floor(s->sun_x - s->sun_r - 1));
	x1 = (int)fmin(s->width - 1, ceil(s->sun_x + s->sun_r + 1));
	y0 = (int)fmax(0, floor(s->sun_y - s->sun_r - 1));
	y1 = (int)fmin(s->height - 1, ceil(s->sun_y + s->sun_r + 1));
	for (y = y0; y <= y1; y++) {
		for (x = x0; x <= x1; x++) {
			cov = disc_cover(s, x + 0.5, y + 0.5, 1.0);
			if (cov > 0 && y < s->skyline[x])
				blend(&planes[0][(size_t)y * strides[0] + x], (ycc[0] + 128) >> 8,
				      cov);
		}
	}
	for (y = y0 / 2; y <= y1 / 2; y++) {
		for (x = x0 / 2; x <= x1 / 2; x++) {
			cov = disc_cover(s, 2 * x + 1.0, 2 * y + 1.0, 2.0);
			if (cov == 0 || 2 * y >= s->skyline[2 * x])
				continue;
			blend(&planes[1][(size_t)y * strides[1] + x], (ycc[1] + 128) >> 8, cov);
			blend(&planes[2][(size_t)y * strides[2] + x], (ycc[2] + 128) >> 8, cov);
		}
	}
}

static void draw_stars(struct sim_sky *s, const struct sim_shot *shot, uint8_t *plane, int stride)
{
	float k = (float)(shot->k * STAR_GAIN / SIM_CAL);
	uint8_t *p;
	int i, v;

	if (sim_tone(s->lut, k) < 256) /* not even the brightest star shows */
		return;
	sim_sky_stars(s);
	for (i = 0; i < s->n_stars; i++) {
		v = (sim_tone(s->lut, s->stars[i].b * k) + 128) >> 8;
		p = plane + (size_t)s->stars[i].y * stride + s->stars[i].x;
		if (p[0] < v)
			p[0] = (uint8_t)v;
		if (p[1] < v)
			p[1] = (uint8_t)v;
		if (p[stride] < v)
			p[stride] = (uint8_t)v;
		if (p[stride + 1] < v)
			p[stride + 1] = (uint8_t)v;
	}
}

void sim_sky_render(struct sim_sky *s, const struct sim_shot *shot, unsigned char *planes[3],
		    const int strides[3])
{
	float sat = (float)fmax(0, fmin(shot->saturation, 32));

	if (shot->contrast != s->lut_contrast) {
		sim_lut_build(s->lut, shot->contrast);
		s->lut_contrast = shot->contrast;
	}
	noise_scale(s, shot->noise_sigma);
	knots_ycc(s, shot, sat);
	fill_luma(s, shot, planes[0], strides[0], sat);
	fill_chroma(s, shot, planes[1], planes[2], strides, sat);
	draw_sun(s, shot, planes, strides, sat);
	draw_stars(s, shot, planes[0], strides[0]);
}

/* One box blur of radius r over a w x h plane, in place: rows through a
 * copy of the row, then columns through running column sums. */
static int box_blur(uint8_t *plane, int stride, int w, int h, int r)
{
	uint8_t *row = malloc((size_t)w), *rows = malloc((size_t)w * (h > 0 ? h : 1));
	int32_t *sum = calloc((size_t)w, sizeof(*sum));
	int x, y, n = 2 * r + 1;

	if (row == NULL || rows == NULL || sum == NULL) {
		free(row);
		free(rows);
		free(sum);
		return -1;
	}
	for (y = 0; y < h; y++) {
		uint8_t *p = plane + (size_t)y * stride;
		int32_t acc = 0;

		memcpy(row, p, (size_t)w);
		for (x = -r; x <= r; x++)
			acc += row[x < 0 ? 0 : x >= w ? w - 1 : x];
		for (x = 0; x < w; x++) {
			p[x] = (uint8_t)((acc + n / 2) / n);
			acc += row[x + r + 1 < w ? x + r + 1 : w - 1] - row[x - r > 0 ? x - r : 0];
		}
	}
	for (y = 0; y < h; y++)
		memcpy(rows + (size_t)y * w, plane + (size_t)y * stride, (size_t)w);
	for (y = -r; y <= r; y++) {
		const uint8_t *src = rows + (size_t)(y < 0 ? 0 : y >= h ? h - 1 : y) * w;

		for (x = 0; x < w; x++)
			sum[x] += src[x];
	}
	for (y = 0; y < h; y++) {
		const uint8_t *in = rows + (size_t)(y + r + 1 < h ? y + r + 1 : h - 1) * w;
		const uint8_t *outr = rows + (size_t)(y - r > 0 ? y - r : 0) * w;
		uint8_t *p = plane + (size_t)y * stride;

		for (x = 0; x < w; x++) {
			p[x] = (uint8_t)((sum[x] + n / 2) / n);
			sum[x] += in[x] - outr[x];
		}
	}
	free(row);
	free(rows);
	free(sum);
	return 0;
}

/* Sensor noise of deviation `sigma` on a luma plane, from the pixel's
 * index and `seed`: the render's noise (the sum of four uniform bytes,
 * scaled as noise_scale() scales it), drawn afresh because it comes after
 * the lens. */
static void add_sensor_noise(uint8_t *plane, int stride, int w, int h, double sigma,
			     uint32_t seed)
{
	int scale = (int)lround(sigma / SIM_NOISE_SIGMA * 256);

	for (int y = 0; y < h; y++) {
		uint8_t *p = plane + (size_t)y * stride;

		for (int x = 0; x < w; x++) {
			uint32_t r = sim_hash32(seed ^ (uint32_t)(y * w + x) * 0x9e3779b9U);
			int n = ((int)(r & 255) + (int)((r >> 8) & 255) + (int)((r >> 16) & 255) +
				 (int)(r >> 24) - 510) / 4;
			int v = p[x] + n * scale / 256; /* rounded as noise_scale() does */

			p[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	}
}

int sim_defocus(unsigned char *planes[3], const int strides[3], int w, int h, double blur_px,
		double noise_sigma, uint32_t seed)
{
	int r = sim_defocus_radius(blur_px), cw = (w + 1) / 2, ch = (h + 1) / 2;

	/* two boxes of 2r + 1 make a hump 4r + 1 wide, close to the blur disc */
	for (int pass = 0; r > 0 && pass < 2; pass++) {
		if (box_blur(planes[0], strides[0], w, h, r) < 0 ||
		    box_blur(planes[1], strides[1], cw, ch, (r + 1) / 2) < 0 ||
		    box_blur(planes[2], strides[2], cw, ch, (r + 1) / 2) < 0)
			return -1;
	}
	add_sensor_noise(planes[0], strides[0], w, h, noise_sigma, seed);
	return 0;
}

int sim_defocus_radius(double blur_px)
{
	return (int)lround(blur_px / 4);
}
