/* camera_sim_sky.c - the simulated sky: the light of an instant.
 *
 * In order: the light model (tables of sun elevation -> illuminance, colour
 * temperature, sun disc brightness), the view layout (sim_sky_init), the
 * scene of an instant (sim_sky_update: knot radiances, sun, stars, metering
 * samples) and auto-exposure metering. camera_sim_render.c turns a scene
 * into pixels.
 *
 * Sky colours are those a camera fixed at 5500 K would record. They blend
 * three looks by sun elevation e: day (deep blue zenith fading to a pale
 * horizon, a bright glow around the sun that warms as the sun gets low),
 * twilight (a dim blue upper sky, an orange band along the horizon that
 * turns pink higher up and is strongest toward the sun's azimuth, a faint
 * pink belt opposite) and night (a dark blue sky with a little sky glow at
 * the horizon). Weights: day = smoothstep(-3, 12, e), night = 1 -
 * smoothstep(-15, -7, e), twilight the rest. Everything is scaled by the
 * illuminance of the instant, so exposure decides what the frame shows;
 * under it all lies the night sky's own constant glow (SIM_NIGHT_SKY),
 * which only a long exposure shows.
 */
#include "camera_sim_sky.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define HFOV_DEG       62.0
#define HORIZON_FRAC   0.78
#define GLOW_N	       1024
#define SUN_RADIUS_DEG 0.266
#define DEG	       (M_PI / 180.0)

struct point {
	double x, y;
};

/* Illuminance of the scene (lux), interpolated in log10. Measured daylight
 * follows this closely: ~100000 lux with a high sun, ~400 at sunrise, ~3 at
 * the end of civil twilight; 0.01 stands for a clear moonless night with some
 * sky glow. */
static const struct point lux_table[] = {
    {-18, 0.01}, {-12, 0.03}, {-9, 0.3},   {-6, 3},	{-3, 40},    {0, 400},	   {3, 2500},
    {6, 6000},	 {10, 13000}, {20, 33000}, {30, 55000}, {45, 80000}, {60, 100000}, {90, 110000},
};

/* The white point an auto white balance would pick: warm light of a low
 * sun, the blue hour after sunset, then mixed artificial sky glow. */
static const struct point cct_table[] = {
    {-90, 4500}, {-14, 4500}, {-8, 9000}, {-4, 7500}, {-1, 4500},
    {1, 3500},	 {4, 4200},   {10, 5000}, {25, 5600}, {90, 6000},
};

/* Radiance of the sun's disc relative to the illuminance: always clipped
 * high in the sky, a dim orange ball through the air mass at the horizon. */
static const struct point disc_table[] = {
    {-1, 6}, {0, 6}, {2, 25}, {5, 150}, {10, 1200}, {20, 5000}, {90, 5000},
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

static double hash_unit(uint32_t a, uint32_t b)
{
	return sim_hash32(a * 0x9e3779b9U ^ sim_hash32(b)) / 4294967296.0;
}

void sim_lut_build(uint16_t *lut, double contrast)
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

/* Metering samples: the centres of a grid of cells over the frame, up to
 * 40 x 30, and their weights for centre-weighted, spot and matrix metering. */
static int layout_samples(struct sim_sky *s)
{
	int nx = s->width / 2 < 40 ? s->width / 2 : 40,
	    ny = s->height / 2 < 30 ? s->height / 2 : 30;
	int i, j, n = nx * ny;
	double x, y, dx, dy, d2, spot_sum = 0;
	float *w;

	s->samp = malloc(sizeof(float) * 3 * n);
	s->samp_w = malloc(sizeof(float) * 3 * n);
	s->samp_pos = malloc(sizeof(float) * 2 * n);
	if (s->samp == NULL || s->samp_w == NULL || s->samp_pos == NULL)
		return SL_ERR_NOMEM;
	s->n_samp = n;
	for (n = 0, j = 0; j < ny; j++) {
		for (i = 0; i < nx; i++, n++) {
			x = (i + 0.5) * s->width / nx;
			y = (j + 0.5) * s->height / ny;
			s->samp_pos[2 * n] = (float)x;
			s->samp_pos[2 * n + 1] = (float)y;
			dx = x / s->width - 0.5;
			dy = (y / s->height - 0.5) * s->height / s->width;
			d2 = dx * dx + dy * dy;
			w = &s->samp_w[3 * n];
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
	s->noise_stride = width + SIM_NOISE_PAD;
	s->noise_amp = -1;
	s->lut_contrast = -1;
	knots = (size_t)s->kw * s->kh;
	s->skyline = malloc(sizeof(int) * width);
	s->rad = malloc(sizeof(float) * 3 * knots);
	s->colterm = malloc(sizeof(float) * 3 * s->kw);
	s->kyuv = malloc(sizeof(int32_t) * 3 * knots);
	s->row_knots = malloc(sizeof(int32_t) * 6 * s->kw);
	s->noise_base = malloc((size_t)SIM_NOISE_ROWS * s->noise_stride);
	s->noise_pos = malloc((size_t)SIM_NOISE_ROWS * s->noise_stride);
	s->noise_neg = malloc((size_t)SIM_NOISE_ROWS * s->noise_stride);
	if (s->skyline == NULL || s->rad == NULL || s->colterm == NULL || s->kyuv == NULL ||
	    s->row_knots == NULL || s->noise_base == NULL || s->noise_pos == NULL ||
	    s->noise_neg == NULL)
		return SL_ERR_NOMEM;
	rc = layout_samples(s);
	if (rc < 0)
		return rc;
	layout_skyline(s);
	/* about Gaussian: the sum of four uniform bytes */
	for (i = 0; i < (size_t)SIM_NOISE_ROWS * s->noise_stride; i++) {
		h = sim_hash32((uint32_t)i ^ 0x5bd1e995U);
		s->noise_base[i] = (int8_t)(((int)(h & 255) + (int)((h >> 8) & 255) +
					     (int)((h >> 16) & 255) + (int)(h >> 24) - 510) /
					    4);
	}
	sim_lut_build(s->lut_ae, 1.0);
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
	static const float zen[3] = {0.16f, 0.33f, 0.85f}, hor[3] = {0.75f, 0.85f, 1.0f};
	static const float white[3] = {1.0f, 0.96f, 0.88f}, gold[3] = {1.0f, 0.72f, 0.40f};
	static const float upper[3] = {0.10f, 0.17f, 0.45f}, night[3] = {0.035f, 0.05f, 0.13f};
	static const float skyglow[3] = {0.10f, 0.07f, 0.05f}, orange[3] = {1.0f, 0.38f, 0.06f};
	static const float pink[3] = {0.90f, 0.42f, 0.36f}, belt[3] = {0.55f, 0.35f, 0.45f};
	static const float airglow[3] = {0.92f, 1.0f, 1.05f}; /* airglow's lines, some sky glow */
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
			glow[i][c] =
			    (float)(lux * (wd * glowcol[c] * (5 * exp(-g / 2.5) + exp(-g / 18)) +
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
			base[c] =
			    (float)(lux * (wd * (zen[c] + (hor[c] - zen[c]) * m) * (1.2 + 0.8 * m) +
					   wt * upper[c] * (0.5 + 0.5 * (1 - exp(-a / 6))) +
					   wn * (night[c] + skyglow[c] * exp(-a / 8))) +
				    SIM_NIGHT_SKY * airglow[c] * (1 + 1.5 * exp(-a / 10)));
			band[c] = (float)(lux * wt * warm * 1.6 * exp(-a / 7) * wc[c]);
			beltc[c] = (float)(lux * wt * warm * 0.6 *
					   exp(-((a - 5) / 4) * ((a - 5) / 4)) * belt[c]);
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

double sim_ground_shade(const struct sim_sky *s, int row)
{
	double t = (double)(row - s->horizon_row) / (s->height - s->horizon_row + 1);

	return t <= 0 ? 1.0 : 1.0 - 0.5 * t;
}

static void scene_sun(struct sim_sky *s)
{
	static const float white[3] = {1.0f, 0.97f, 0.92f}, red[3] = {1.0f, 0.5f, 0.18f};
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
void sim_sky_stars(struct sim_sky *s)
{
	double days = s->when_ms / 86400000.0 - 10957.5; /* since J2000.0 */
	double lst = 280.46061837 + 360.98564736629 * days + s->lon;
	double sl = sin(s->lat * DEG), cl = cos(s->lat * DEG);
	double ra, dec, b, ha, alt, az, x, y;
	int i, px, py;

	if (s->stars_ready)
		return;
	s->stars_ready = true;
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

/* Radiance at the metering samples: the ground below the skyline, the
 * knots' bilinear interpolation above it. */
static void scene_samples(struct sim_sky *s)
{
	const float *k00, *k01, *k10, *k11;
	double x, y, fx, fy, shade;
	int n, c, kx, ky;

	for (n = 0; n < s->n_samp; n++) {
		x = s->samp_pos[2 * n];
		y = s->samp_pos[2 * n + 1];
		if (y >= s->skyline[(int)x]) {
			shade = sim_ground_shade(s, (int)y);
			for (c = 0; c < 3; c++)
				s->samp[3 * n + c] = (float)(s->ground[c] * shade);
			continue;
		}
		kx = (int)(x / SIM_KNOT);
		ky = (int)(y / SIM_KNOT);
		fx = x / SIM_KNOT - kx;
		fy = y / SIM_KNOT - ky;
		k00 = &s->rad[3 * ((size_t)ky * s->kw + kx)];
		k01 = k00 + 3;
		k10 = k00 + 3 * s->kw;
		k11 = k10 + 3;
		for (c = 0; c < 3; c++)
			s->samp[3 * n + c] = (float)((k00[c] * (1 - fx) + k01[c] * fx) * (1 - fy) +
						     (k10[c] * (1 - fx) + k11[c] * fx) * fy);
	}
}

void sim_sky_update(struct sim_sky *s, double lat, double lon, int64_t when_ms)
{
	static const float ground[3] = {0.75f, 0.875f, 0.56f};
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
	for (c = 0; c < 3; c++) /* the night sky's glow lights it too, at 15 % */
		s->ground[c] =
		    (float)(s->lux * lit * ground[c] + SIM_NIGHT_SKY * 0.15 * ground[c] / 0.875);
	scene_knots(s);
	scene_sun(s);
	s->stars_ready = false; /* placed when a frame can show them */
	scene_samples(s);
	s->have_scene = true;
}

double sim_sky_mean_luma(const struct sim_sky *s, double k, enum camera_metering metering)
{
	double sum = 0, wsum = 0, y, w;
	const float *r;
	int n, mi = metering == CAMERA_METERING_SPOT	 ? 1
		    : metering == CAMERA_METERING_MATRIX ? 2
							 : 0;
	float kf = (float)k;

	for (n = 0; n < s->n_samp; n++) {
		w = s->samp_w[3 * n + mi];
		if (w == 0)
			continue;
		r = &s->samp[3 * n];
		y = 0.299 * sim_tone(s->lut_ae, r[0] * kf) +
		    0.587 * sim_tone(s->lut_ae, r[1] * kf) + 0.114 * sim_tone(s->lut_ae, r[2] * kf);
		sum += w * y;
		wsum += w;
	}
	return wsum > 0 ? sum / wsum / 256.0 : 0;
}
