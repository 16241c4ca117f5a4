/* camera_sim_sky.h - the simulated camera's view: the sky of one instant
 * (camera_sim_sky.c) and how a sensor renders it into YUV420 planes
 * (camera_sim_render.c).
 *
 * The view is fixed: the camera looks at azimuth 245 deg (west-south-west)
 * north of the equator and 295 deg (west-north-west) south of it, so that
 * the sun sets inside the frame for most of the year; 62 deg horizontal field
 * of view (the Pi HQ camera with a 6 mm lens), square pixels, the horizon at
 * 78% of the frame height with a line of low hills in front of it.
 *
 * A scene (sim_sky_update) holds absolute radiance, in "lux units", on a grid
 * of knots one every SIM_KNOT pixels; rendering (sim_sky_render) exposes the
 * knots (radiance x exposure x gain, white balance, clip, tone curve),
 * converts them to YCbCr and fills the planes by bilinear interpolation in
 * fixed point, then adds deterministic sensor noise, the ground, the sun's
 * disc and the stars. No per-pixel transcendental maths: the planes fill at
 * close to memory speed.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_CAMERA_SIM_SKY_H
#define SKYLAPSE_AGENTS_CAPTURE_CAMERA_SIM_SKY_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "camera_controls_map.h"
#include "sun.h"

#define SIM_KNOT	16  /* luma pixels between knots; a power of two */
#define SIM_STARS	500 /* stars in the whole sky */
#define SIM_LUT_SIZE	4096
#define SIM_NOISE_ROWS	64   /* rows of the noise pattern; a power of two */
#define SIM_NOISE_PAD	64   /* extra columns, for a per-band horizontal shift */
#define SIM_NOISE_SIGMA 37.0 /* of the base pattern, in levels */
/* Linear sensor value of a radiance of 1 lux exposed 1 s at gain 1: a scene
 * of E lux is mid grey (0.18) at exposure x gain = 20 / E seconds, the
 * incident-light rule for an f/2.8 lens at ISO 100. */
#define SIM_CAL 0.009
/* Radiance of the moonless night sky at the zenith, in the same units (a
 * radiance of E is an 18 % grey card under E lux, luminance 0.18 E / pi):
 * 21.5 mag/arcsec^2 in V, a dark rural site, is 2.7e-4 cd/m^2, so
 * 2.7e-4 x pi / 0.18 = 4.7e-3. Constant (airglow, starlight, distant light
 * pollution), under the twilight that fades into it; brighter toward the
 * horizon. See camera_sim.h for the sources. */
#define SIM_NIGHT_SKY 4.7e-3

struct sim_star {
	int x, y; /* pixel, inside the frame and above the skyline */
	float b;  /* brightness, 1 for the brightest, dimmed near the horizon */
};

struct sim_sky {
	int width, height;
	int kw, kh;	/* knots per row, knot rows */
	double ppd;	/* pixels per degree */
	double view_az; /* azimuth of the frame's centre */
	int horizon_row;
	int *skyline; /* per column, the first ground row */
	int skyline_top, skyline_bottom;

	/* the scene of one instant */
	bool have_scene;
	int64_t when_ms;
	double lat, lon;
	struct sun_position sun;
	double lux;		    /* illuminance of the scene */
	int cct;		    /* what an auto white balance would estimate */
	float *rad;		    /* kw * kh * 3: linear RGB radiance per knot */
	float ground[3];	    /* radiance of the ground at the horizon */
	float sun_rgb[3];	    /* radiance of the sun's disc */
	double sun_x, sun_y, sun_r; /* disc centre and radius in pixels */
	bool sun_visible;
	struct sim_star stars[SIM_STARS]; /* see sim_sky_stars() */
	int n_stars;
	bool stars_ready;
	int n_samp;	 /* metering samples: a coarse grid of the frame */
	float *samp;	 /* n_samp * 3 radiance */
	float *samp_w;	 /* n_samp * 3 weights: centre, spot, matrix */
	float *samp_pos; /* n_samp * 2: pixel x, y */

	/* scratch, reused between frames */
	float *colterm;			/* kw * 3: per knot column terms of the scene */
	int32_t *kyuv;			/* 3 planes of kw * kh knots: Y, Cb, Cr in 8.8 */
	int32_t *row_knots;		/* 6 * kw: knot rows being walked down a band */
	int8_t *noise_base;		/* SIM_NOISE_ROWS rows of noise_stride bytes */
	uint8_t *noise_pos, *noise_neg; /* noise_base scaled, split by sign */
	int noise_stride;
	int noise_amp; /* the scale of noise_pos/neg, 8.8; -1 before any */
	uint16_t lut_ae[SIM_LUT_SIZE];
	uint16_t lut[SIM_LUT_SIZE];
	double lut_contrast;
};

/* How one frame is exposed and developed. */
struct sim_shot {
	double k;	    /* exposure s x gain x SIM_CAL */
	double wb_r, wb_b;  /* channel multipliers, 1 = a camera set to 5500 K */
	double contrast;    /* 1 = neutral */
	double saturation;  /* 1 = neutral */
	double noise_sigma; /* sensor noise, in 8-bit levels */
	uint32_t seed;	    /* noise pattern; the same seed gives the same frame */
};

/* Lays out a view of width x height. 0, SL_ERR_RANGE for a side outside
 * 16..16384, or SL_ERR_NOMEM; sim_sky_free() is safe after any of them. */
int sim_sky_init(struct sim_sky *s, int width, int height);
/* Frees what init allocated; accepts a zeroed or failed struct. */
void sim_sky_free(struct sim_sky *s);

/* Computes the scene at the place and instant; cheap when they did not
 * change since the last call. */
void sim_sky_update(struct sim_sky *s, double lat, double lon, int64_t when_ms);

/* Mean luma (0..255) the current scene would have with sensor value k per
 * unit radiance and a neutral development, weighted like `metering`. Never
 * decreases as k grows. */
double sim_sky_mean_luma(const struct sim_sky *s, double k, enum camera_metering metering);

/* Shared by the scene and the renderer (camera_sim_render.c). */

/* Fills a tone table: linear sensor value -> display value (sRGB curve, then
 * contrast around mid grey), 8.8 fixed point, indexed by the square root of
 * the value so that shadows keep their precision. */
void sim_lut_build(uint16_t *lut, double contrast);
/* Places the stars of the current scene (once per scene; only frames
 * exposed long enough to show one need them). */
void sim_sky_stars(struct sim_sky *s);
/* Brightness of the ground at `row` relative to the horizon's. */
double sim_ground_shade(const struct sim_sky *s, int row);

static inline int sim_tone(const uint16_t *lut, float v)
{
	if (!(v > 0))
		return lut[0];
	if (v >= 1)
		return lut[SIM_LUT_SIZE - 1];
	return lut[(int)(sqrtf(v) * (SIM_LUT_SIZE - 1) + 0.5f)];
}

/* A 32-bit integer hash (deterministic noise, star positions). */
static inline uint32_t sim_hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* Renders the current scene into a YUV420 image: planes[0] is
 * width x height luma, planes[1] and planes[2] are the half-size chroma
 * planes, each row strides[i] bytes apart. */
void sim_sky_render(struct sim_sky *s, const struct sim_shot *shot, unsigned char *planes[3],
		    const int strides[3]);

/* Blurs a frame rendered without noise as a lens focused away from the
 * scene would (a blur circle `blur_px` wide, camera_sim.h), luma and
 * chroma, then adds the sensor's noise of deviation `noise_sigma`, which
 * comes after the lens and stays sharp. 0, or -1 when out of memory (the
 * frame is then partly blurred). */
int sim_defocus(unsigned char *planes[3], const int strides[3], int w, int h, double blur_px,
		double noise_sigma, uint32_t seed);
/* The box radius sim_defocus() uses for a blur circle; 0: no blur at all. */
int sim_defocus_radius(double blur_px);

/* The light model, exposed for tests: illuminance (lux) and the colour
 * temperature (K) auto white balance settles on, for a sun elevation. */
double sim_scene_lux(double sun_elevation_deg);
int sim_scene_cct(double sun_elevation_deg);

#endif
