/* camera_sim.c - the simulated camera source ("sim").
 *
 * It photographs the sky of the capture instant at the configured place
 * (camera_sim_sky.c draws it) the way a sensor would: pixel = scene radiance
 * x exposure time x analogue gain, white balance, clipping, tone curve. The
 * frame is rendered straight into reused YUV420 planes and compressed from
 * them with TurboJPEG, so a frame costs little more than its compression.
 * Everything is a function of the time, the controls and the seed: the
 * same inputs give the same bytes. The view (looking west-south-west, 62 deg wide) and
 * the light model (sun elevation -> lux, colours) are described in
 * camera_sim_sky.h and camera_sim_sky.c.
 *
 * Manual exposure is exact; auto exposure has the imperfections of a Pi's
 * (a per-shot error, whole sensor lines), modelled and sourced in
 * camera_sim.h. Auto white balance settles on sim_scene_cct() of the sun's
 * elevation, within 2500..8000 K. Contrast and saturation have their
 * effect, sharpness has none; a manual lens position defocuses the frame
 * (camera_sim.h).
 */
#include "camera_sim.h"
#include "err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "camera_controls_map.h"
#include "camera_sim_sky.h"
#include "profile.h"

#define SIM_WIDTH	      4056
#define SIM_HEIGHT	      3040
#define SIM_SIZE_MAX	      16384
#define AE_TARGET	      110.0
#define AE_MAX_EXPOSURE_S     0.5
#define EXPOSURE_MIN_S	      10e-6
#define MANUAL_MAX_EXPOSURE_S 60.0
#define GAIN_MAX	      16.0
#define EV_LIMIT	      8.0
#define AWB_MIN_K	      2500
#define AWB_MAX_K	      8000
#define WB_REFERENCE_K	      5500 /* the white point the sky's colours are drawn for */
#define JPEG_QUALITY	      92
#define AE_ERROR_CUT	      3.0 /* sigmas */

/* Auto exposure's convergences, each with an error of its own. */
enum ae_run { AE_RUN_METER = 1, AE_RUN_CAPTURE = 2 };

struct camera_sim {
	struct camera base;
	struct camera_info info;
	double lat, lon;
	int width, height;  /* default frame size */
	struct sim_sky sky; /* laid out for sky.width x sky.height */
	bool sky_ready;
	unsigned char *planes[3]; /* YUV420 of the last frame's size */
	unsigned char *jpeg_buf;  /* tjBufSize() of that size, reused */
	unsigned long jpeg_cap;
	tjhandle tj;
	uint32_t seed; /* of auto exposure's per-shot error */
};

struct exposure {
	int exposure_us;
	double gain;
	double digital; /* makes up what whole lines lose; >= 1 */
};

static int sim_open(const char *arg, const struct camera_env *env, struct camera **out,
		    char why[ERRMSG_MAX])
{
	struct camera_sim *cs;

	(void)arg;
	*out = NULL;
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		err_why(why, "sim: out of memory");
		return SL_ERR_NOMEM;
	}
	cs->base.ops = &camera_sim_ops;
	cs->width = env != NULL && env->width > 0 ? env->width : SIM_WIDTH;
	cs->height = env != NULL && env->height > 0 ? env->height : SIM_HEIGHT;
	cs->lat = env != NULL ? env->latitude : 0;
	cs->lon = env != NULL ? env->longitude : 0;
	if (cs->width < 16 || cs->height < 16 || cs->width > SIM_SIZE_MAX ||
	    cs->height > SIM_SIZE_MAX) {
		err_why(why, "sim: frame size %dx%d outside 16..%d", cs->width, cs->height,
			SIM_SIZE_MAX);
		free(cs);
		return SL_ERR_RANGE;
	}
	cs->tj = tjInitCompress();
	if (cs->tj == NULL) {
		err_why(why, "sim: TurboJPEG: %s", tjGetErrorStr2(NULL));
		free(cs);
		return SL_ERR_CAMERA;
	}
	snprintf(cs->info.model, sizeof(cs->info.model), "sim");
	snprintf(cs->info.source, sizeof(cs->info.source), "sim");
	cs->info.width = cs->width;
	cs->info.height = cs->height;
	*out = &cs->base;
	return 0;
}

static void sim_close(struct camera *cam)
{
	struct camera_sim *cs = (struct camera_sim *)cam;

	if (cs == NULL)
		return;
	sim_sky_free(&cs->sky);
	free(cs->planes[0]);
	free(cs->jpeg_buf);
	if (cs->tj != NULL)
		tjDestroy(cs->tj);
	free(cs);
}

/* Lays the sky and the buffers out for a w x h frame (kept while the size
 * does not change) and computes the scene of `when_ms`. */
static int sim_prepare(struct camera_sim *cs, int w, int h, int64_t when_ms, char why[ERRMSG_MAX])
{
	size_t ysize = (size_t)w * h, csize;
	int rc;

	if (!cs->sky_ready || cs->sky.width != w || cs->sky.height != h) {
		sim_sky_free(&cs->sky);
		free(cs->planes[0]);
		free(cs->jpeg_buf);
		cs->planes[0] = NULL;
		cs->jpeg_buf = NULL;
		cs->sky_ready = false;
		csize = (size_t)tjPlaneWidth(1, w, TJSAMP_420) * tjPlaneHeight(1, h, TJSAMP_420);
		cs->jpeg_cap = tjBufSize(w, h, TJSAMP_420);
		rc = sim_sky_init(&cs->sky, w, h);
		cs->planes[0] = malloc(ysize + 2 * csize);
		cs->jpeg_buf = malloc(cs->jpeg_cap);
		if (rc < 0 || cs->planes[0] == NULL || cs->jpeg_buf == NULL) {
			err_why(why, "sim: out of memory for a %dx%d frame", w, h);
			return SL_ERR_NOMEM;
		}
		cs->planes[1] = cs->planes[0] + ysize;
		cs->planes[2] = cs->planes[1] + csize;
		cs->sky_ready = true;
	}
	sim_sky_update(&cs->sky, cs->lat, cs->lon, when_ms);
	return 0;
}

/* Exposure x gain (seconds) that brings the metered mean luma to the
 * target; the luma never falls as the product grows, so bisect in log2.
 * The range reaches 12 stops beyond the limits, so that the target, its
 * EV compensation and its error are applied before ae_split() clamps. */
static double ae_product(const struct sim_sky *sky, enum camera_metering metering)
{
	double lo = log2(EXPOSURE_MIN_S) - 12, hi = log2(AE_MAX_EXPOSURE_S * GAIN_MAX) + 12, mid;
	int i;

	if (sim_sky_mean_luma(sky, exp2(hi) * SIM_CAL, metering) < AE_TARGET)
		return exp2(hi);
	if (sim_sky_mean_luma(sky, exp2(lo) * SIM_CAL, metering) > AE_TARGET)
		return exp2(lo);
	for (i = 0; i < 16 + 5; i++) { /* to 0.001 stop */
		mid = (lo + hi) / 2;
		if (sim_sky_mean_luma(sky, exp2(mid) * SIM_CAL, metering) < AE_TARGET)
			lo = mid;
		else
			hi = mid;
	}
	return exp2((lo + hi) / 2);
}

/* Auto exposure's error for one convergence, in EV: normal, of standard
 * deviation SIM_AE_ERROR_EV, cut at AE_ERROR_CUT sigmas (camera_sim.h). */
static double ae_error_ev(uint32_t seed, int64_t when_ms, enum ae_run run)
{
	uint32_t h = sim_hash32(
	    seed ^ sim_hash32((uint32_t)when_ms ^ sim_hash32((uint32_t)((uint64_t)when_ms >> 32) +
							     (uint32_t)run * 0x9e3779b9U)));
	double u1 = (sim_hash32(h) + 1.0) / 4294967296.0,
	       u2 = sim_hash32(h ^ 0x68e31da4U) / 4294967296.0;
	double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);

	return SIM_AE_ERROR_EV * fmax(-AE_ERROR_CUT, fmin(AE_ERROR_CUT, z));
}

/* Time first, then gain, as the Pi's default exposure profile does; the
 * time in whole sensor lines, digital gain making up the rest. */
static void ae_split(double product, struct exposure *out)
{
	double t = fmin(product, AE_MAX_EXPOSURE_S), gain, lines;

	t = fmax(t, EXPOSURE_MIN_S);
	gain = profile_gain_valid(fmin(fmax(product / t, 1.0), GAIN_MAX));
	t = fmin(fmax(product / gain, EXPOSURE_MIN_S), AE_MAX_EXPOSURE_S);
	lines = fmax(1.0, floor(t * 1e6 / SIM_LINE_US + 1e-9));
	out->exposure_us = (int)lround(lines * SIM_LINE_US);
	out->gain = gain;
	out->digital = fmax(1.0, t / (lines * SIM_LINE_US * 1e-6));
}

/* What the camera's auto exposure settles on for the current scene, one
 * convergence `run` at `when_ms`. */
static void ae_choose(const struct camera_sim *cs, enum camera_metering metering, double ev,
		      int64_t when_ms, enum ae_run run, struct exposure *out)
{
	double err = ae_error_ev(cs->seed, when_ms, run);

	ae_split(ae_product(&cs->sky, metering) * exp2(ev + err), out);
}

static int awb_estimate(const struct sim_sky *sky)
{
	return sky->cct < AWB_MIN_K ? AWB_MIN_K : sky->cct > AWB_MAX_K ? AWB_MAX_K : sky->cct;
}

static int sim_meter(struct camera *cam, int64_t when_ms, struct camera_meter *out,
		     char why[ERRMSG_MAX])
{
	struct camera_sim *cs = (struct camera_sim *)cam;
	struct exposure x;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sim_prepare(cs, cs->width, cs->height, when_ms, why);
	if (rc < 0)
		return rc;
	ae_choose(cs, CAMERA_METERING_CENTRE, 0, when_ms, AE_RUN_METER, &x);
	out->lux = cs->sky.lux;
	out->exposure_us = x.exposure_us;
	out->analogue_gain = x.gain;
	out->colour_temp_k = awb_estimate(&cs->sky);
	return 0;
}

/* The frame size asked for: the default, or the controls' size; one side
 * alone keeps the default aspect ratio. */
static int frame_size(const struct camera_sim *cs, const struct camera_controls *ctl, int *w,
		      int *h, char why[ERRMSG_MAX])
{
	*w = ctl->width > 0 ? ctl->width : cs->width;
	*h = ctl->height > 0 ? ctl->height : cs->height;
	if (ctl->width > 0 && ctl->height <= 0)
		*h = (int)lround((double)*w * cs->height / cs->width);
	if (ctl->height > 0 && ctl->width <= 0)
		*w = (int)lround((double)*h * cs->width / cs->height);
	if (*w < 16 || *h < 16 || *w > SIM_SIZE_MAX || *h > SIM_SIZE_MAX) {
		err_why(why, "sim: frame size %dx%d outside 16..%d", *w, *h, SIM_SIZE_MAX);
		return SL_ERR_RANGE;
	}
	return 0;
}

static int choose_exposure(const struct camera_sim *cs, const struct camera_controls *ctl,
			   int64_t when_ms, struct exposure *x, char why[ERRMSG_MAX])
{
	enum camera_metering metering = CAMERA_METERING_CENTRE;
	double ev, t;

	if (ctl->metering[0] != '\0' && camera_map_metering(ctl->metering, &metering) < 0) {
		err_why(why, "sim: unknown metering mode '%s'", ctl->metering);
		return SL_ERR_INVAL;
	}
	if (ctl->ae_enable) {
		ev = isfinite(ctl->ev) ? fmax(-EV_LIMIT, fmin(EV_LIMIT, ctl->ev)) : 0;
		ae_choose(cs, metering, ev, when_ms, AE_RUN_CAPTURE, x);
		return 0;
	}
	/* A manual control left unset takes what auto exposure would choose. */
	ae_choose(cs, metering, 0, when_ms, AE_RUN_CAPTURE, x);
	if (ctl->exposure_us > 0 || ctl->analogue_gain > 0)
		x->digital = 1.0;
	if (ctl->exposure_us > 0) {
		t = fmin(fmax(ctl->exposure_us * 1e-6, EXPOSURE_MIN_S), MANUAL_MAX_EXPOSURE_S);
		x->exposure_us = (int)lround(t * 1e6);
	}
	if (ctl->analogue_gain > 0)
		x->gain = profile_gain_valid(ctl->analogue_gain);
	return 0;
}

static int compress(struct camera_sim *cs, int w, int h, int strides[3], int quality,
		    struct camera_frame *out, char why[ERRMSG_MAX])
{
	unsigned long size = cs->jpeg_cap;

	if (tjCompressFromYUVPlanes(cs->tj, (const unsigned char **)cs->planes, w, strides, h,
				    TJSAMP_420, &cs->jpeg_buf, &size, quality,
				    TJFLAG_NOREALLOC) != 0) {
		err_why(why, "sim: JPEG compression failed: %s", tjGetErrorStr2(cs->tj));
		return SL_ERR_CAMERA;
	}
	/* Copied out of the reused buffer: that one stays mapped, and the
	 * caller's copy is a plain malloc() for camera_frame_clear(). */
	out->jpeg = malloc(size);
	if (out->jpeg == NULL) {
		err_why(why, "sim: out of memory for a %lu byte JPEG", size);
		return SL_ERR_NOMEM;
	}
	memcpy(out->jpeg, cs->jpeg_buf, size);
	out->jpeg_size = size;
	return 0;
}

static int sim_capture(struct camera *cam, const struct camera_controls *ctl, int64_t when_ms,
		       struct camera_frame *out, char why[ERRMSG_MAX])
{
	struct camera_sim *cs = (struct camera_sim *)cam;
	const char *awb = ctl->awb_mode[0] != '\0' ? ctl->awb_mode : "auto";
	struct sim_shot shot;
	struct exposure x;
	enum camera_awb awb_value;
	double r, b, r0, b0, blur = 0;
	int w, h, kelvin, rc, quality;
	int strides[3];

	rc = frame_size(cs, ctl, &w, &h, why);
	if (rc < 0)
		return rc;
	if (camera_map_awb(awb, &awb_value) < 0) {
		err_why(why, "sim: unknown awb mode '%s'", ctl->awb_mode);
		return SL_ERR_INVAL;
	}
	rc = sim_prepare(cs, w, h, when_ms, why);
	if (rc < 0)
		return rc;
	rc = choose_exposure(cs, ctl, when_ms, &x, why);
	if (rc < 0)
		return rc;
	kelvin = camera_map_awb_kelvin(awb, ctl->colour_temp_k, awb_estimate(&cs->sky));
	camera_map_kelvin_gains(kelvin, &r, &b);
	camera_map_kelvin_gains(WB_REFERENCE_K, &r0, &b0);
	shot.k = x.exposure_us * 1e-6 * x.gain * x.digital * SIM_CAL;
	shot.wb_r = r / r0;
	shot.wb_b = b / b0;
	shot.contrast = ctl->contrast >= 0 ? fmin(ctl->contrast, 32) : 1.0;
	shot.saturation = ctl->saturation >= 0 ? fmin(ctl->saturation, 32) : 1.0;
	shot.noise_sigma = 0.6 + 0.22 * x.gain * x.digital;
	shot.seed = (uint32_t)when_ms ^ (uint32_t)((uint64_t)when_ms >> 32);
	strides[0] = w;
	strides[1] = strides[2] = tjPlaneWidth(1, w, TJSAMP_420);
	if (strcmp(ctl->af_mode, "manual") == 0 && ctl->lens_position >= 0)
		blur = SIM_BLUR_PX_PER_DIOPTRE * fabs(ctl->lens_position - SIM_SHARP_DIOPTRES) * w /
		       SIM_WIDTH;
	if (sim_defocus_radius(blur) > 0) {
		/* the lens blurs the scene; the sensor's noise comes after it */
		double noise = shot.noise_sigma;

		shot.noise_sigma = 0;
		sim_sky_render(&cs->sky, &shot, cs->planes, strides);
		if (sim_defocus(cs->planes, strides, w, h, blur, noise, shot.seed) < 0) {
			err_why(why, "sim: out of memory for the defocus");
			return SL_ERR_NOMEM;
		}
	} else {
		sim_sky_render(&cs->sky, &shot, cs->planes, strides);
	}
	quality =
	    ctl->jpeg_quality >= 1 && ctl->jpeg_quality <= 100 ? ctl->jpeg_quality : JPEG_QUALITY;
	rc = compress(cs, w, h, strides, quality, out, why);
	if (rc < 0)
		return rc;
	out->width = w;
	out->height = h;
	out->exposure_us = x.exposure_us;
	out->analogue_gain = x.gain;
	out->lux = cs->sky.lux;
	out->colour_temp_k = kelvin;
	snprintf(out->awb_mode, sizeof(out->awb_mode), "%s",
		 camera_map_awb_table()[awb_value].name);
	for (int i = 0; i < 3; i++) {
		out->yuv420[i] = cs->planes[i];
		out->yuv420_strides[i] = strides[i];
	}
	return 0;
}

void camera_sim_seed(struct camera *cam, uint32_t seed)
{
	((struct camera_sim *)cam)->seed = seed;
}

static const struct camera_info *sim_info(struct camera *cam)
{
	return &((struct camera_sim *)cam)->info;
}

const struct camera_ops camera_sim_ops = {
    .name = "sim",
    .open = sim_open,
    .close = sim_close,
    .meter = sim_meter,
    .capture = sim_capture,
    .info = sim_info,
};
