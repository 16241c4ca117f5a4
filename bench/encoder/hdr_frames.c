/* hdr_frames.c - profile d's brackets across a simulated sunset, for the
 * encoder's HDR bench (bench/encoder/run.sh, MODE=hdr).
 *
 * The sim camera (agents/capture/camera_sim*.c, linked directly) at the
 * seed's place (config/config.json) on the 2026 March equinox, from sun
 * elevation +8 down to -10 degrees, one slot every STEP minutes of sky time.
 * Each slot is metered and bracketed as the capture agent does it
 * (agents/capture/capture.c: profile d's controls, then manual exposures
 * around the metered one, shifted by the profile's bracket EVs, one second
 * apart) and written as capture_<time>_bracket<i>.jpg into OUT.
 *
 * It also fuses each slot's three exposures in-process (encoder/fuse.c, on
 * the camera's own planes at the frames' size) and prints the fusion's
 * median time a slot and its scratch memory: the cost of fusion alone,
 * without the decoding of the two extra exposures.
 *
 *   hdr_frames OUT [WIDTH HEIGHT [STEP]]     (default 2028x1520, 2 minutes)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "camera.h"
#include "fuse.h"
#include "profile.h"
#include "sun.h"

#define LAT	39.6333
#define LON	-105.3167
#define TOP_DEG 8.0
#define LOW_DEG -10.0
#define SCAN_MS 60000LL

static double elevation(int64_t ms)
{
	struct sun_position s;

	sun_position_at(LAT, LON, ms, &s);
	return s.elevation_deg;
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int write_frame(const char *dir, int64_t ms, int bracket, const struct camera_frame *f)
{
	char path[4096], stamp[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	FILE *fp;
	int ok;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm);
	snprintf(path, sizeof(path), "%s/capture_%s_%03d_bracket%d.jpg", dir, stamp,
		 (int)(ms % 1000), bracket);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return -1;
	ok = fwrite(f->jpeg, 1, f->jpeg_size, fp) == f->jpeg_size;
	return fclose(fp) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct camera_env env = {LAT, LON, 2028, 1520};
	int step_min = argc > 4 ? atoi(argv[4]) : 2;
	struct tm noon = {.tm_year = 126, .tm_mon = 2, .tm_mday = 20, .tm_hour = 12};
	const struct profile *pd;
	struct profile_set set;
	struct camera *cam = NULL;
	struct fuser *fz = NULL;
	unsigned char *planes[3][3] = {{NULL}};
	long long times[256];
	int64_t ms;
	int slots = 0, w, h;
	char why[ERRMSG_MAX];

	if (argc < 2 || step_min < 1) {
		fprintf(stderr, "usage: hdr_frames OUT [WIDTH HEIGHT [STEP_MINUTES]]\n");
		return 2;
	}
	if (argc > 3) {
		env.width = atoi(argv[2]) & ~1;
		env.height = atoi(argv[3]) & ~1;
	}
	w = env.width;
	h = env.height;
	profile_set_builtin(&set);
	pd = profile_find(&set, "d");
	if (pd == NULL || pd->bracket_count != 3 || camera_open("sim", &env, &cam, why) != SL_OK ||
	    fuser_new(w, h, &fz) != SL_OK) {
		fprintf(stderr, "hdr_frames: cannot set up: profile d, sim camera or fuser\n");
		return 1;
	}
	for (int i = 0; i < 3; i++)
		for (int p = 0; p < 3; p++)
			planes[i][p] = malloc(p ? (size_t)w * h / 4 : (size_t)w * h);
	/* from noon local (about), to where the sun sinks past TOP_DEG */
	ms = (int64_t)timegm(&noon) * 1000 - (int64_t)(LON / 15 * 3600000);
	while (elevation(ms) > TOP_DEG)
		ms += SCAN_MS;
	for (; elevation(ms) > LOW_DEG && slots < 256; ms += step_min * SCAN_MS) {
		struct fuse_planes in[3];
		struct camera_meter m;
		struct camera_controls base;
		int64_t t0;

		if (camera_meter(cam, ms, &m, why) ||
		    profile_controls(pd, m.lux, NULL, &base, why)) {
			fprintf(stderr, "hdr_frames: %s\n", why);
			return 1;
		}
		for (int i = 0; i < 3; i++) {
			struct camera_controls ctl = base;
			struct camera_frame f = {0};

			ctl.ae_enable = false;
			ctl.exposure_us = m.exposure_us;
			ctl.analogue_gain = profile_gain_valid(m.analogue_gain);
			ctl.ev = 0;
			profile_controls_bracket(&ctl, pd->bracket_ev[i]);
			if (camera_capture(cam, &ctl, ms + i * 1000, &f, why) ||
			    write_frame(argv[1], ms + i * 1000, i, &f)) {
				fprintf(stderr, "hdr_frames: slot %d: %s\n", slots, why);
				return 1;
			}
			for (int p = 0; p < 3; p++) {
				int pw = p ? w / 2 : w, ph = p ? h / 2 : h;

				for (int y = 0; y < ph; y++)
					memcpy(planes[i][p] + (size_t)y * pw,
					       f.yuv420[p] + (size_t)y * f.yuv420_strides[p],
					       (size_t)pw);
				in[i].data[p] = planes[i][p];
				in[i].stride[p] = pw;
			}
			camera_frame_clear(&f);
		}
		t0 = mono_us();
		fuse_exposures(fz, in, 3, &in[1]);
		times[slots++] = mono_us() - t0;
	}
	qsort(times, (size_t)slots, sizeof(times[0]), cmp_ll);
	printf("slots %d\nsize %dx%d\nfuse_ms_median %.1f\nfuse_scratch_mb %.1f\n", slots, w, h,
	       slots ? times[slots / 2] / 1000.0 : 0.0, fuse_scratch_bytes(w, h) / 1048576.0);
	for (int i = 0; i < 3; i++)
		for (int p = 0; p < 3; p++)
			free(planes[i][p]);
	fuser_free(&fz);
	camera_close(&cam);
	return 0;
}
