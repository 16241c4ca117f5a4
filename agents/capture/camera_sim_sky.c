/* camera_sim_sky.c - the simulated sky and its rendering into YUV420.
 *
 * In order: the light model (tables of sun elevation -> illuminance, colour
 * temperature, sun disc brightness), the view layout (sim_sky_init), the
 * scene of an instant (sim_sky_update: knot radiances, sun, stars, metering
 * samples), auto-exposure metering, and the renderer.
 *
 * Sky colours are those a camera fixed at 5500 K would record. They blend
 * three looks by sun elevation e: day (deep blue zenith fading to a pale
 * horizon, a bright glow around the sun that warms as the sun gets low),
 * twilight (a dim blue upper sky, an orange band along the horizon that
 * turns pink higher up and is strongest toward the sun's azimuth, a faint
 * pink belt opposite) and night (a dark blue sky with a little sky glow at
 * the horizon). Weights: day = smoothstep(-3, 12, e), night = 1 -
 * smoothstep(-15, -7, e), twilight the rest. Everything is scaled by the
 * illuminance of the instant, so exposure decides what the frame shows.
 */
#include "camera_sim_sky.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define HFOV_DEG 62.0
#define HORIZON_FRAC 0.78
#define NOISE_ROWS 64      /* rows of the noise pattern; a power of two */
#define NOISE_PAD 64       /* extra columns, for a per-band horizontal shift */
#define NOISE_BASE_SIGMA 37.0
#define GLOW_N 1024
#define STAR_GAIN 0.2      /* brightest star: linear 1.6 at 0.5 s x gain 16 */
#define SUN_RADIUS_DEG 0.266
#define DEG (M_PI / 180.0)

struct point {
	double x, y;
};

/* Illuminance of the scene (lux), interpolated in log10. Measured daylight
 * follows this closely: ~100000 lux with a high sun, ~400 at sunrise, ~3 at
 * the end of civil twilight; 0.01 stands for a clear moonless night with some
 * sky glow. */
static const struct point lux_table[] = {
	{ -18, 0.01 }, { -12, 0.03 }, { -9, 0.3 }, { -6, 3 }, { -3, 40 }, { 0, 400 },
	{ 3, 2500 }, { 6, 6000 }, { 10, 13000 }, { 20, 33000 }, { 30, 55000 },
	{ 45, 80000 }, { 60, 100000 }, { 90, 110000 },
};

/* The white point an auto white balance would pick: warm light of a low
 * sun, the blue hour after sunset, then mixed artificial sky glow. */
static const struct point cct_table[] = {
	{ -90, 4500 }, { -14, 4500 }, { -8, 9000 }, { -4, 7500 }, { -1, 4500 },
	{ 1, 3500 }, { 4, 4200 }, { 10, 5000 }, { 25, 5600 }, { 90, 6000 },
};

/* Radiance of the sun's disc relative to the illuminance: always clipped
 * high in the sky, a dim orange ball through the air mass at the horizon. */
static const struct point disc_table[] = {
	{ -1, 6 }, { 0, 6 }, { 2, 25 }, { 5, 150 }, { 10, 1200 }, { 20, 5000 }, { 90, 5000 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static double interp(const struct point *t, size_t n, double x, int logy)
{
	size_t i;
	double f, y;

	if (x <= t[0].x)
		return t[0].y;
	if (x >= t[n - 1].x)
		return t[n - 1].y;
	for (i = 1; x > t[i].x; i++)
		;
	f = (x - t[i - 1].x) / (t[i].x - t[i - 1].x);
	if (!logy)
		return t[i - 1].y + f * (t[i].y - t[i - 1].y);
	y = log10(t[i - 1].y) + f * (log10(t[i].y) - log10(t[i - 1].y));
	return pow(10.0, y);
}

double sim_scene_lux(double sun_elevation_deg)
{
	return interp(lux_table, COUNT(lux_table), sun_elevation_deg, 1);
}

int sim_scene_cct(double sun_elevation_deg)
{
	return (int)lround(interp(cct_table, COUNT(cct_table), sun_elevation_deg, 0));
}

static double smoothstep(double e0, double e1, double x)
{
	double t = (x - e0) / (e1 - e0);

	if (t <= 0)
		return 0;
	if (t >= 1)
		return 1;
	return t * t * (3 - 2 * t);
}

/* Wraps an angle difference to -180..180. */
static double wrap180(double d)
{
	d = fmod(d, 360.0);
	if (d > 180)
		d -= 360;
	if (d < -180)
		d += 360;
	return d;
}

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static double hash_unit(uint32_t a, uint32_t b)
{
	return hash32(a * 0x9e3779b9U ^ hash32(b)) / 4294967296.0;
}

static void lut_build(uint16_t *lut, double contrast)
{
	int i;
	double u, v, g;

	for (i = 0; i < SIM_LUT_SIZE; i++) {
		u = (double)i / (SIM_LUT_SIZE - 1);
		v = u * u;
		g = v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
		g = 0.5 + (g - 0.5) * contrast;
		g = g < 0 ? 0 : g > 1 ? 1 : g;
		lut[i] = (uint16_t)lround(g * 255 * 256);
	}
}

/* Linear sensor value -> 8.8 fixed-point display value. The table is
 * indexed by the square root so that shadows keep their precision. */
static inline int tone(const uint16_t *lut, float v)
{
	if (!(v > 0))
		return lut[0];
	if (v >= 1)
		return lut[SIM_LUT_SIZE - 1];
	return lut[(int)(sqrtf(v) * (SIM_LUT_SIZE - 1) + 0.5f)];
}

/* The hills: heights in degrees as a function of the angle from the view's
 * centre, so the landscape is the same at every resolution. */
static double hill_deg(double phi)
{
	double h = 1.2 + 0.7 * sin(phi / 9.0 + 0.7) + 0.4 * sin(phi / 3.1 + 2.1) +
		   0.2 * sin(phi / 1.3 + 0.3) + 0.1 * sin(phi / 0.45 + 1.0);
	return h < 0 ? 0 : h;
}

static void layout_skyline(struct sim_sky *s)
{
	int c, row;

	s->skyline_top = s->height;
	s->skyline_bottom = 0;
	for (c = 0; c < s->width; c++) {
		row = s->horizon_row -
		      (int)lround(hill_deg((c + 0.5 - s->width / 2.0) / s->ppd) * s->ppd);
		row = row < 0 ? 0 : row > s->height ? s->height : row;
		s->skyline[c] = row;
		if (row < s->skyline_top)
			s->skyline_top = row;
		if (row > s->skyline_bottom)
			s->skyline_bottom = row;
	}
}

/* Metering samples sit on every step-th knot inside the frame, about 48
 * across; their weights for centre-weighted, spot and matrix metering. */
static int layout_samples(struct sim_sky *s)
{
	int step = (s->kw + 47) / 48, kx, ky, n = 0;
	double nx, ny, d2, spot_sum = 0;
	float *w;

	for (ky = 0; ky * SIM_KNOT < s->height; ky += step)
		for (kx = 0; kx * SIM_KNOT < s->width; kx += step)
			n++;
	s->samp = malloc(sizeof(float) * 3 * n);
	s->samp_w = malloc(sizeof(float) * 3 * n);
	s->samp_pos = malloc(sizeof(int) * 2 * n);
	if (s->samp == NULL || s->samp_w == NULL || s->samp_pos == NULL)
		return SL_ERR_NOMEM;
	s->n_samp = n;
	n = 0;
	for (ky = 0; ky * SIM_KNOT < s->height; ky += step) {
		for (kx = 0; kx * SIM_KNOT < s->width; kx += step, n++) {
			w = &s->samp_w[3 * n];
			s->samp_pos[2 * n] = kx;
			s->samp_pos[2 * n + 1] = ky;
			nx = (double)kx * SIM_KNOT / s->width - 0.5;
			ny = ((double)ky * SIM_KNOT / s->height - 0.5) * s->height / s->width;
			d2 = nx * nx + ny * ny;
			w[0] = (float)(0.05 + exp(-d2 / (2 * 0.22 * 0.22)));
			w[1] = d2 < 0.08 * 0.08 ? 1.0f : 0.0f;
			w[2] = 1.0f;
			spot_sum += w[1];
		}
	}
	if (spot_sum == 0) /* a frame too small for the spot to hold a sample */
		for (n = 0; n < s->n_samp; n++)
			s->samp_w[3 * n + 1] = s->samp_w[3 * n];
	return 0;
}

int sim_sky_init(struct sim_sky *s, int width, int height)
{
	size_t knots, i;
	uint32_t h;
	int rc;

	memset(s, 0, sizeof(*s));
	if (width < 16 || height < 16 || width > 16384 || height > 16384)
		return SL_ERR_RANGE;
	s->width = width;
	s->height = height;
	s->kw = ((width - 1) >> 4) + 4; /* chroma's last segment reaches 2 beyond */
	s->kh = ((height - 1) >> 4) + 2;
	s->ppd = width / HFOV_DEG;
	s->horizon_row = (int)lround(height * HORIZON_FRAC);
	s->noise_stride = width + NOISE_PAD;
	s->noise_amp = -1;
	s->lut_contrast = -1;
	knots = (size_t)s->kw * s->kh;
	s->skyline = malloc(sizeof(int) * width);
	s->rad = malloc(sizeof(float) * 3 * knots);
	s->colterm = malloc(sizeof(float) * 3 * s->kw);
	s->kyuv = malloc(sizeof(int32_t) * 3 * knots);
	s->row_knots = malloc(sizeof(int32_t) * 3 * s->kw);
	s->noise_base = malloc((size_t)NOISE_ROWS * s->noise_stride);
	s->noise_pos = malloc((size_t)NOISE_ROWS * s->noise_stride);
	s->noise_neg = malloc((size_t)NOISE_ROWS * s->noise_stride);
	if (s->skyline == NULL || s->rad == NULL || s->colterm == NULL || s->kyuv == NULL ||
	    s->row_knots == NULL || s->noise_base == NULL || s->noise_pos == NULL ||
	    s->noise_neg == NULL)
		return SL_ERR_NOMEM;
	rc = layout_samples(s);
	if (rc < 0)
		return rc;
	layout_skyline(s);
	/* about Gaussian: the sum of four uniform bytes */
	for (i = 0; i < (size_t)NOISE_ROWS * s->noise_stride; i++) {
		h = hash32((uint32_t)i ^ 0x5bd1e995U);
		s->noise_base[i] = (int8_t)(((int)(h & 255) + (int)((h >> 8) & 255) +
					     (int)((h >> 16) & 255) + (int)(h >> 24) - 510) / 4);
	}
	lut_build(s->lut_ae, 1.0);
	return 0;
}

void sim_sky_free(struct sim_sky *s)
{
	if (s == NULL)
		return;
	free(s->skyline);
	free(s->rad);
	free(s->colterm);
	free(s->samp);
	free(s->samp_w);
	free(s->samp_pos);
	free(s->kyuv);
	free(s->row_knots);
	free(s->noise_base);
	free(s->noise_pos);
	free(s->noise_neg);
	memset(s, 0, sizeof(*s));
}

static void mix3(float *out, const float *a, const float *b, double t)
{
	int c;

	for (c = 0; c < 3; c++)
		out[c] = (float)(a[c] + (b[c] - a[c]) * t);
}

/* Radiance at every knot. Terms that depend only on a knot's altitude are
 * computed per knot row, those of its azimuth per knot column, and the glow
 * around the sun through a table over sin(angle to the sun / 2). */
static void scene_knots(struct sim_sky *s)
{
	static const float zen[3] = { 0.16f, 0.33f, 0.85f }, hor[3] = { 0.75f, 0.85f, 1.0f };
	static const float white[3] = { 1.0f, 0.96f, 0.88f }, gold[3] = { 1.0f, 0.72f, 0.40f };
	static const float upper[3] = { 0.10f, 0.17f, 0.45f }, night[3] = { 0.035f, 0.05f, 0.13f };
	static const float skyglow[3] = { 0.10f, 0.07f, 0.05f }, orange[3] = { 1.0f, 0.38f, 0.06f };
	static const float pink[3] = { 0.90f, 0.42f, 0.36f }, belt[3] = { 0.55f, 0.35f, 0.45f };
	float glow[GLOW_N + 1][3];
	double e = s->sun.elevation_deg, lux = s->lux, se = sin(e * DEG), ce = cos(e * DEG);
	double wd = smoothstep(-3, 12, e), wn = 1 - smoothstep(-15, -7, e);
	double wt = fmax(0, 1 - wd - wn), warm = smoothstep(-12, -2, e), g, a, m, dz, sa, ca, u;
	float glowcol[3], base[3], band[3], beltc[3], wc[3], *r, *ct;
	int i, c, kx, ky;

	mix3(glowcol, white, gold, exp(-fmax(e, 0) / 8));
	for (i = 0; i <= GLOW_N; i++) {
		g = 2 * asin((double)i / GLOW_N) / DEG;
		for (c = 0; c < 3; c++)
			glow[i][c] = (float)(lux * (wd * glowcol[c] * (5 * exp(-g / 2.5) + exp(-g / 18)) +
						    wt * warm * orange[c] * 1.2 * exp(-g / 12)));
	}
	for (kx = 0; kx < s->kw; kx++) {
		dz = wrap180(s->view_az + (kx * SIM_KNOT - s->width / 2.0) / s->ppd -
			     s->sun.azimuth_deg);
		ct = &s->colterm[3 * kx];
		ct[0] = (float)(ce * cos(dz * DEG));
		ct[1] = (float)(0.2 + 0.8 * exp(-(dz / 55) * (dz / 55)));
		dz = 180 - fabs(dz);
		ct[2] = (float)exp(-(dz / 70) * (dz / 70));
	}
	for (ky = 0; ky < s->kh; ky++) {
		a = fmax(0, (s->horizon_row - ky * SIM_KNOT) / s->ppd);
		m = exp(-a / 10);
		sa = sin(a * DEG) * se;
		ca = cos(a * DEG);
		mix3(wc, pink, orange, exp(-a / 5));
		for (c = 0; c < 3; c++) {
			base[c] = (float)(lux * (wd * (zen[c] + (hor[c] - zen[c]) * m) * (1.2 + 0.8 * m) +
						 wt * upper[c] * (0.5 + 0.5 * (1 - exp(-a / 6))) +
						 wn * (night[c] + skyglow[c] * exp(-a / 8))));
			band[c] = (float)(lux * wt * warm * 1.6 * exp(-a / 7) * wc[c]);
			beltc[c] = (float)(lux * wt * warm * 0.6 * exp(-((a - 5) / 4) * ((a - 5) / 4)) *
					   belt[c]);
		}
		r = &s->rad[(size_t)3 * ky * s->kw];
		for (kx = 0; kx < s->kw; kx++, r += 3) {
			ct = &s->colterm[3 * kx];
			u = (1 - (sa + ca * ct[0])) * 0.5;
			i = (int)(sqrt(u > 0 ? u : 0) * GLOW_N + 0.5);
			i = i > GLOW_N ? GLOW_N : i;
			for (c = 0; c < 3; c++)
				r[c] = base[c] + band[c] * ct[1] + beltc[c] * ct[2] + glow[i][c];
		}
	}
}

static double ground_shade(const struct sim_sky *s, int row)
{
	double t = (double)(row - s->horizon_row) / (s->height - s->horizon_row + 1);

	return t <= 0 ? 1.0 : 1.0 - 0.5 * t;
}

static void scene_sun(struct sim_sky *s)
{
	static const float white[3] = { 1.0f, 0.97f, 0.92f }, red[3] = { 1.0f, 0.5f, 0.18f };
	double e = s->sun.elevation_deg, rel = interp(disc_table, COUNT(disc_table), e, 1);
	float col[3];
	int c;

	mix3(col, white, red, exp(-fmax(e, 0) / 3));
	for (c = 0; c < 3; c++)
		s->sun_rgb[c] = (float)(s->lux * rel * col[c]);
	s->sun_r = fmax(1.0, SUN_RADIUS_DEG * s->ppd);
	s->sun_x = s->width / 2.0 + wrap180(s->sun.azimuth_deg - s->view_az) * s->ppd;
	s->sun_y = s->horizon_row - e * s->ppd;
	s->sun_visible = e > -SUN_RADIUS_DEG * 2 && s->sun_x > -s->sun_r - 1 &&
			 s->sun_x < s->width + s->sun_r + 1 && s->sun_y > -s->sun_r - 1 &&
			 s->sun_y < s->height + s->sun_r + 1;
}

/* A fixed random sky of stars, turned to the instant's sidereal time. */
static void scene_stars(struct sim_sky *s)
{
	double days = s->when_ms / 86400000.0 - 10957.5; /* since J2000.0 */
	double lst = 280.46061837 + 360.98564736629 * days + s->lon;
	double sl = sin(s->lat * DEG), cl = cos(s->lat * DEG);
	double ra, dec, b, ha, alt, az, x, y;
	int i, px, py;

	s->n_stars = 0;
	for (i = 0; i < SIM_STARS; i++) {
		ra = 360 * hash_unit((uint32_t)i, 1);
		dec = asin(2 * hash_unit((uint32_t)i, 2) - 1);
		b = 0.03 + 0.97 * pow(hash_unit((uint32_t)i, 3), 8);
		ha = (lst - ra) * DEG;
		alt = asin(sl * sin(dec) + cl * cos(dec) * cos(ha)) / DEG;
		if (alt < 0.5)
			continue;
		az = atan2(-cos(dec) * sin(ha), sin(dec) * cl - cos(dec) * cos(ha) * sl) / DEG;
		x = s->width / 2.0 + wrap180(az - s->view_az) * s->ppd;
		y = s->horizon_row - alt * s->ppd;
		if (x < 0 || y < 0 || x >= s->width - 1 || y >= s->height - 1)
			continue;
		px = (int)x;
		py = (int)y;
		if (py >= s->skyline[px] - 1 || py >= s->skyline[px + 1] - 1)
			continue;
		s->stars[s->n_stars].x = px;
		s->stars[s->n_stars].y = py;
		s->stars[s->n_stars].b = (float)(b * (1 - exp(-alt / 3)));
		s->n_stars++;
	}
}

static void scene_samples(struct sim_sky *s)
{
	int n, c, kx, ky, row;
	double shade;

	for (n = 0; n < s->n_samp; n++) {
		kx = s->samp_pos[2 * n];
		ky = s->samp_pos[2 * n + 1];
		row = ky * SIM_KNOT;
		if (row >= s->skyline[kx * SIM_KNOT]) {
			shade = ground_shade(s, row);
			for (c = 0; c < 3; c++)
				s->samp[3 * n + c] = (float)(s->ground[c] * shade);
		} else {
			memcpy(&s->samp[3 * n], &s->rad[3 * ((size_t)ky * s->kw + kx)],
			       3 * sizeof(float));
		}
	}
}

void sim_sky_update(struct sim_sky *s, double lat, double lon, int64_t when_ms)
{
	static const float ground[3] = { 0.75f, 0.875f, 0.56f };
	double lit;
	int c;

	if (s->have_scene && s->when_ms == when_ms && s->lat == lat && s->lon == lon)
		return;
	s->lat = lat;
	s->lon = lon;
	s->when_ms = when_ms;
	s->view_az = lat >= 0 ? 245.0 : 295.0;
	sun_position_at(lat, lon, when_ms, &s->sun);
	s->lux = sim_scene_lux(s->sun.elevation_deg);
	s->cct = sim_scene_cct(s->sun.elevation_deg);
	/* lit by the sky and, once up, by the sun; in front of a low sun the
	 * land is nearly a silhouette */
	lit = 0.03 + 0.05 * smoothstep(-2, 15, s->sun.elevation_deg);
	for (c = 0; c < 3; c++)
		s->ground[c] = (float)(s->lux * lit * ground[c]);
	scene_knots(s);
	scene_sun(s);
	scene_stars(s);
	scene_samples(s);
	s->have_scene = true;
}

double sim_sky_mean_luma(const struct sim_sky *s, double k, enum camera_metering metering)
{
	double sum = 0, wsum = 0, y, w;
	const float *r;
	int n, mi = metering == CAMERA_METERING_SPOT ? 1 : metering == CAMERA_METERING_MATRIX ? 2 : 0;
	float kf = (float)k;

	for (n = 0; n < s->n_samp; n++) {
		w = s->samp_w[3 * n + mi];
		if (w == 0)
			continue;
		r = &s->samp[3 * n];
		y = 0.299 * tone(s->lut_ae, r[0] * kf) + 0.587 * tone(s->lut_ae, r[1] * kf) +
		    0.114 * tone(s->lut_ae, r[2] * kf);
		sum += w * y;
		wsum += w;
	}
	return wsum > 0 ? sum / wsum / 256.0 : 0;
}

/* Exposed, white-balanced, toned RGB -> full-range YCbCr (JFIF), 8.8. */
static void to_ycc(const uint16_t *lut, const float *rgb, const float *gain, int sat_q,
		   int32_t out[3])
{
	int64_t r = tone(lut, rgb[0] * gain[0]), g = tone(lut, rgb[1] * gain[1]);
	int64_t b = tone(lut, rgb[2] * gain[2]), cb, cr;

	out[0] = (int32_t)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
	cb = (-11058 * r - 21710 * g + 32768 * b) * sat_q / (65536 * 256) + 128 * 256;
	cr = (32768 * r - 27439 * g - 5329 * b) * sat_q / (65536 * 256) + 128 * 256;
	out[1] = (int32_t)(cb < 0 ? 0 : cb > 65280 ? 65280 : cb);
	out[2] = (int32_t)(cr < 0 ? 0 : cr > 65280 ? 65280 : cr);
}

static void shot_gains(const struct sim_shot *shot, float gain[3])
{
	gain[0] = (float)(shot->k * shot->wb_r);
	gain[1] = (float)shot->k;
	gain[2] = (float)(shot->k * shot->wb_b);
}

static void knots_ycc(struct sim_sky *s, const struct sim_shot *shot, int sat_q)
{
	size_t n = (size_t)s->kw * s->kh, i;
	int32_t ycc[3];
	float gain[3];

	shot_gains(shot, gain);
	for (i = 0; i < n; i++) {
		to_ycc(s->lut, &s->rad[3 * i], gain, sat_q, ycc);
		s->kyuv[i] = ycc[0];
		s->kyuv[n + i] = ycc[1];
		s->kyuv[2 * n + i] = ycc[2];
	}
}

static void noise_scale(struct sim_sky *s, double sigma)
{
	int amp = (int)lround(sigma / NOISE_BASE_SIGMA * 256), v;
	size_t i, n = (size_t)NOISE_ROWS * s->noise_stride;

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

/* One row from knots every 16 pixels. */
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

/* Sensor noise, split in a positive and a negative part so that each step
 * is a saturating byte operation: add at most the headroom, subtract at
 * most the value. */
static inline uint8_t add_noise(uint8_t v, uint8_t plus, uint8_t minus)
{
	uint8_t room = (uint8_t)(255 - v);

	v = (uint8_t)(v + (plus < room ? plus : room));
	return (uint8_t)(v - (minus < v ? minus : v));
}

static void noise_row(uint8_t *restrict out, const uint8_t *restrict np,
		      const uint8_t *restrict nn, int w)
{
	int x, n = w & ~15;

	for (x = 0; x < n; x++)
		out[x] = add_noise(out[x], np[x], nn[x]);
	for (x = n; x < w; x++)
		out[x] = add_noise(out[x], np[x], nn[x]);
}

/* The ground over the pixels of row r at or below the skyline. */
static void ground_row(uint8_t *restrict out, int w, uint8_t value, const int *restrict sky,
		       int r)
{
	int x, n = w & ~15;

	for (x = 0; x < n; x++)
		out[x] = r >= sky[x] ? value : out[x];
	for (x = n; x < w; x++)
		out[x] = r >= sky[x] ? value : out[x];
}

/* Vertical interpolation between two knot rows (8.8) into 8.4, taking every
 * `step`-th knot: f of 1 << shift toward the lower row. */
static void knot_row(int32_t *restrict out, const int32_t *restrict k0, int kw, int step, int f,
		     int shift)
{
	const int32_t *k1 = k0 + kw;
	int i, n = (kw + step - 1) / step, g = (1 << shift) - f;

	for (i = 0; i < n; i++)
		out[i] = (k0[i * step] * g + k1[i * step] * f) >> (shift + 4);
}

static void fill_luma(struct sim_sky *s, const struct sim_shot *shot, uint8_t *plane,
		      int stride, int sat_q)
{
	int32_t ycc[3];
	float gain[3], g[3];
	uint8_t *out, gy;
	size_t noff;
	int r, c, oy = (int)(hash32(shot->seed) & (NOISE_ROWS - 1));

	shot_gains(shot, gain);
	for (r = 0; r < s->height; r++) {
		out = plane + (size_t)r * stride;
		if (r < s->skyline_bottom) {
			knot_row(s->row_knots, s->kyuv + (size_t)(r >> 4) * s->kw, s->kw, 1, r & 15, 4);
			lerp_row(out, s->row_knots, s->width);
		}
		if (r >= s->skyline_top) {
			for (c = 0; c < 3; c++)
				g[c] = (float)(s->ground[c] * ground_shade(s, r));
			to_ycc(s->lut, g, gain, sat_q, ycc);
			gy = (uint8_t)((ycc[0] + 128) >> 8);
			if (r >= s->skyline_bottom)
				memset(out, gy, s->width);
			else
				ground_row(out, s->width, gy, s->skyline, r);
		}
		noff = (size_t)((r + oy) & (NOISE_ROWS - 1)) * s->noise_stride +
		       hash32(shot->seed ^ (uint32_t)(r / NOISE_ROWS) * 0x27d4eb2dU) % NOISE_PAD;
		noise_row(out, s->noise_pos + noff, s->noise_neg + noff, s->width);
	}
}

static void fill_chroma(struct sim_sky *s, const struct sim_shot *shot, uint8_t *cb_plane,
			uint8_t *cr_plane, const int strides[3], int sat_q)
{
	size_t n = (size_t)s->kw * s->kh;
	int cw = (s->width + 1) / 2, ch = (s->height + 1) / 2, r, x, c;
	int32_t ycc[3];
	float gain[3], g[3];
	uint8_t *ob, *orr, gb, gr;

	shot_gains(shot, gain);
	for (r = 0; r < ch; r++) {
		ob = cb_plane + (size_t)r * strides[1];
		orr = cr_plane + (size_t)r * strides[2];
		if (2 * r < s->skyline_bottom) {
			knot_row(s->row_knots, s->kyuv + n + (size_t)(r >> 3) * s->kw, s->kw, 2, r & 7, 3);
			lerp_row(ob, s->row_knots, cw);
			knot_row(s->row_knots, s->kyuv + 2 * n + (size_t)(r >> 3) * s->kw, s->kw, 2, r & 7,
				 3);
			lerp_row(orr, s->row_knots, cw);
			if (2 * r < s->skyline_top)
				continue;
		}
		for (c = 0; c < 3; c++)
			g[c] = (float)(s->ground[c] * ground_shade(s, 2 * r));
		to_ycc(s->lut, g, gain, sat_q, ycc);
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
		     const int strides[3], int sat_q)
{
	int x0, x1, y0, y1, x, y, cov;
	int32_t ycc[3];
	float gain[3];

	if (!s->sun_visible)
		return;
	shot_gains(shot, gain);
	to_ycc(s->lut, s->sun_rgb, gain, sat_q, ycc);
	x0 = (int)fmax(0, floor(s->sun_x - s->sun_r - 1));
	x1 = (int)fmin(s->width - 1, ceil(s->sun_x + s->sun_r + 1));
	y0 = (int)fmax(0, floor(s->sun_y - s->sun_r - 1));
	y1 = (int)fmin(s->height - 1, ceil(s->sun_y + s->sun_r + 1));
	for (y = y0; y <= y1; y++) {
		for (x = x0; x <= x1; x++) {
			cov = disc_cover(s, x + 0.5, y + 0.5, 1.0);
			if (cov > 0 && y < s->skyline[x])
				blend(&planes[0][(size_t)y * strides[0] + x], (ycc[0] + 128) >> 8, cov);
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

static void draw_stars(struct sim_sky *s, const struct sim_shot *shot, uint8_t *plane,
		       int stride)
{
	float k = (float)(shot->k * STAR_GAIN / SIM_CAL);
	uint8_t *p;
	int i, v;

	for (i = 0; i < s->n_stars; i++) {
		v = (tone(s->lut, s->stars[i].b * k) + 128) >> 8;
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
	int sat_q = (int)lround(fmax(0, fmin(shot->saturation, 32)) * 256);

	if (shot->contrast != s->lut_contrast) {
		lut_build(s->lut, shot->contrast);
		s->lut_contrast = shot->contrast;
	}
	noise_scale(s, shot->noise_sigma);
	knots_ycc(s, shot, sat_q);
	fill_luma(s, shot, planes[0], strides[0], sat_q);
	fill_chroma(s, shot, planes[1], planes[2], strides, sat_q);
	draw_sun(s, shot, planes, strides, sat_q);
	draw_stars(s, shot, planes[0], strides[0]);
}
