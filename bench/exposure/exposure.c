/* exposure.c - the exposure benchmark: how smoothly an exposure strategy
 * takes the sim camera (agents/capture/camera_sim*.c, linked directly: no
 * broker, no agent) from day to night and back.
 *
 * For each place, a sunset (sun elevation +10 down to -18 deg, or to its
 * lowest where it never gets there) and the next sunrise (from -18 deg, or
 * its lowest, up to +10), stepped in simulated time at each interval. Every
 * frame is metered and taken as the capture agent does it (camera_meter(),
 * the strategy's controls, camera_capture()) at 160x120, and its mean luma
 * read from the Y plane. Per place, interval and strategy it prints:
 *
 *   max, p95  largest and 95th-percentile change of mean luma from one frame
 *             to the next, in % of the earlier (its luma counted as at least
 *             1); the step from the sunset to the sunrise is not counted
 *   room      the largest step between two frames both taken with exposure
 *             or gain to spare (at the limits the sky darkens the frames and
 *             no strategy can help it)
 *   band      share of frames whose mean luma lies in the target band of
 *             their sun elevation (band_at(): 90..130 in daylight, 25..80 at
 *             night below -15 deg, both bounds linear in between: night
 *             darker than day, never black)
 *   night     mean luma of the frames with the sun below -15 deg
 *   nroom     mean luma of those night frames taken with exposure or gain to
 *             spare (the night target, 25 or more, holds for these)
 *   limits    share of frames at the strategy's limits: gain 16 and auto
 *             exposure's 1/2 s, or h's shutter limit (the interval less
 *             CAPTURE_MS, at most 20 s)
 *
 * The strategies are the table `strategies` below: plain auto exposure
 * (profile a's controls, the camera deciding each shot), a fixed manual
 * exposure (what the camera metered at the run's first frame, kept) and
 * profile h's controller, run as the agent runs it (exposure_run.h: the same
 * plan, controls and frame taken as capture.c, the frame measured by
 * exposure_measure_plane(), the camera's time beyond the exposure taken as
 * CAPTURE_MS), and h again with "max_exposure_us" 45 s ("h 45 s": at 60 s
 * the night then has room). A new strategy is one more function and one
 * more row.
 *
 *   exposure [SEED]     (bench/exposure/run.sh builds and runs it; seed 1)
 *   exposure --frames DIR INTERVAL_S [a|fixed|h]
 *                       writes a strategy's frames (h's by default) of the seed place's sunset
 *                       at 640x480 to DIR (f_00000.jpg and a sidecar with
 *                       its mean_luma, as the agent's), for the deflicker
 *                       measurement of bench/exposure/deflicker.sh
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "camera.h"
#include "camera_sim.h"
#include "exposure.h"
#include "exposure_run.h"
#include "profile.h"
#include "sun.h"

#define FRAME_W	    160
#define FRAME_H	    120
#define TOP_DEG	    10.0
#define BOTTOM_DEG  -18.0
#define NIGHT_DEG   -15.0
#define SCAN_MS	    60000LL
#define CAPTURE_MS  1000 /* a Pi HQ still's time beyond its exposure, about */
#define AE_LIMIT_US 499000
#define LONG_MAX_US 45000000

struct place {
	const char *name;
	double lat, lon;
	int year, month, day; /* the local date of the sunset */
};

/* The seed's location (config/config.json), one high-latitude summer place
 * where the sun barely sets, and a tropical one where it sets fast. */
static const struct place places[] = {
    {"seed 39.63 N 105.32 W, equinox", 39.6333, -105.3167, 2026, 3, 20},
    {"Helsinki 60.17 N, midsummer", 60.1699, 24.9384, 2026, 6, 21},
    {"Singapore 1.35 N, equinox", 1.3521, 103.8198, 2026, 3, 20},
};

static const int intervals_s[] = {5, 60};

/* What a strategy remembers between frames of one run. */
struct history {
	int frames;	  /* taken so far */
	double luma;	  /* the last frame's mean luma */
	double highlight; /* its 98th percentile */
	int64_t at_ms;	  /* its time */
	double frame_sun_deg; /* the sun's elevation at it */
	int64_t now_ms;	  /* the time of the frame to take */
	const struct profile *ph; /* profile h */
	struct profile ph_long;	  /* profile h with a longer max_exposure_us */
	int interval_s;
	int limit_us;	 /* the strategy's longest exposure */
	int exposure_us; /* the last frame's */
	double gain;	 /* the last frame's */
	double sun_deg;	 /* the sun's elevation at this frame */
	int fixed_us;	 /* the fixed strategy's exposure */
	double fixed_gain;
	struct exposure_run run; /* h's */
};

struct strategy {
	const char *name;
	/* Fills the next shot's controls from profile a's (`ctl`), the meter
	 * reading and the history. */
	void (*controls)(struct history *h, const struct camera_meter *m,
			 struct camera_controls *ctl);
};

static void plain_auto(struct history *h, const struct camera_meter *m, struct camera_controls *ctl)
{
	(void)h;
	(void)m;
	ctl->ae_enable = true;
}

static void fixed_exposure(struct history *h, const struct camera_meter *m,
			   struct camera_controls *ctl)
{
	if (h->frames == 0) {
		h->fixed_us = m->exposure_us;
		h->fixed_gain = m->analogue_gain;
	}
	ctl->ae_enable = false;
	ctl->exposure_us = h->fixed_us;
	ctl->analogue_gain = h->fixed_gain;
}

/* Profile `p`'s agent exposure, as capture.c runs it. */
static void agent_exposure(struct history *h, const struct profile *p,
			   const struct camera_meter *m, struct camera_controls *ctl)
{
	struct exposure_limits lim;
	struct exposure_setting next;
	struct exposure_frame f = {h->at_ms, h->luma, h->highlight, h->exposure_us, h->gain};

	if (h->frames > 0)
		exposure_run_taken(&h->run, p->id, &f, h->frame_sun_deg, CAPTURE_MS);
	exposure_run_plan(&h->run, p, m, h->now_ms, h->sun_deg, &lim, &next);
	h->limit_us = lim.exposure_max_us;
	exposure_run_controls(&next, false, ctl);
}

static void day_to_night(struct history *h, const struct camera_meter *m,
			 struct camera_controls *ctl)
{
	agent_exposure(h, h->ph, m, ctl);
}

/* h with "max_exposure_us": LONG_MAX_US, room for the night at 60 s. */
static void day_to_night_long(struct history *h, const struct camera_meter *m,
			      struct camera_controls *ctl)
{
	agent_exposure(h, &h->ph_long, m, ctl);
}

static const struct strategy strategies[] = {
    {"a (auto)", plain_auto},
    {"fixed", fixed_exposure},
    {"h", day_to_night},
    {"h 45 s", day_to_night_long},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The target band of mean luma at a sun elevation (see the top). */
static void band_at(double sun_deg, double *lo, double *hi)
{
	double f = fmin(1, fmax(0, -sun_deg / -NIGHT_DEG)); /* 0 day .. 1 night */

	*lo = 90 + (25 - 90) * f;
	*hi = 130 + (80 - 130) * f;
}

static double elevation(const struct place *p, int64_t ms)
{
	struct sun_position s;

	sun_position_at(p->lat, p->lon, ms, &s);
	return s.elevation_deg;
}

/* The sunset [t[0], t[1]] and the sunrise [t[2], t[3]] of a place. */
static void find_twilights(const struct place *p, int64_t t[4])
{
	struct tm tm = {0};
	int64_t ms, end;

	tm.tm_year = p->year - 1900;
	tm.tm_mon = p->month - 1;
	tm.tm_mday = p->day;
	tm.tm_hour = 12;
	ms = (int64_t)timegm(&tm) * 1000 - (int64_t)(p->lon / 15 * 3600000);
	end = ms + 36 * 3600000LL;
	while (ms < end && elevation(p, ms) > TOP_DEG)
		ms += SCAN_MS;
	t[0] = ms;
	while (ms < end && elevation(p, ms) > BOTTOM_DEG &&
	       elevation(p, ms + SCAN_MS) < elevation(p, ms))
		ms += SCAN_MS;
	t[1] = ms;
	/* through the night, to where the sun climbs past -18 (or its lowest) */
	while (ms < end &&
	       (elevation(p, ms) < BOTTOM_DEG || elevation(p, ms + SCAN_MS) < elevation(p, ms)))
		ms += SCAN_MS;
	t[2] = ms;
	while (ms < end && elevation(p, ms) < TOP_DEG)
		ms += SCAN_MS;
	t[3] = ms;
}

struct figures {
	int frames, in_band, night, night_room, at_limits;
	double max_step, p95_step, room_step, night_luma, room_luma;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Writes frame `n` and its sidecar into `dir`; 0 or -1. */
static int dump_frame(const char *dir, int n, const struct camera_frame *f, double luma)
{
	char path[4096];
	FILE *fp;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/f_%05d.jpg", dir, n);
	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	rc = fwrite(f->jpeg, 1, f->jpeg_size, fp) == f->jpeg_size ? 0 : -1;
	rc = fclose(fp) == 0 ? rc : -1;
	snprintf(path, sizeof(path), "%s/f_%05d.json", dir, n);
	if (rc < 0 || (fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "{\"mean_luma\": %.2f, \"exposure_us\": %d, \"analogue_gain\": %.4f}\n", luma,
		f->exposure_us, f->analogue_gain);
	return fclose(fp) == 0 ? rc : -1;
}

/* One strategy at one place and interval, the sunset and the sunrise (the
 * sunset alone when `dump`, a folder, gets the frames); 0 or a negative
 * error code. */
static int run(struct camera *cam, const struct place *p, const struct profile_set *set,
	       const struct strategy *s, const int64_t t[4], int interval_s, const char *dump,
	       struct figures *out)
{
	const struct profile *pa = profile_find(set, "a");
	struct history h = {.interval_s = interval_s, .limit_us = AE_LIMIT_US,
			    .ph = profile_find(set, "h")};
	struct camera_controls ctl;
	struct camera_meter m;
	struct camera_frame f = {0};
	struct exposure_frame measured;
	char why[ERRMSG_MAX] = "";
	double *steps, lo, hi, night_sum = 0, room_sum = 0, prev, step;
	bool prev_limited = false;
	size_t nsteps = 0, cap;
	int64_t ms;
	int seg, rc = 0;

	h.ph_long = *h.ph;
	h.ph_long.max_exposure_us = LONG_MAX_US;
	memset(out, 0, sizeof(*out));
	cap = (size_t)((t[1] - t[0] + t[3] - t[2]) / 1000 / interval_s + 4);
	steps = malloc(sizeof(double) * cap);
	if (steps == NULL)
		return SL_ERR_NOMEM;
	for (seg = 0; seg < (dump ? 1 : 2); seg++) {
		prev = -1;
		for (ms = t[2 * seg]; ms <= t[2 * seg + 1]; ms += interval_s * 1000LL) {
			h.sun_deg = elevation(p, ms);
			h.now_ms = ms;
			rc = camera_meter(cam, ms, &m, why);
			if (rc == 0)
				rc = profile_controls(pa, m.lux, NULL, &ctl, why);
			if (rc < 0)
				goto out;
			ctl.width = camera_info(cam)->width;
			ctl.height = camera_info(cam)->height;
			s->controls(&h, &m, &ctl);
			rc = camera_capture(cam, &ctl, ms, &f, why);
			if (rc < 0)
				goto out;
			h.frames++;
			h.at_ms = ms;
			h.frame_sun_deg = h.sun_deg;
			exposure_measure_plane(f.yuv420[0], f.width, f.height, f.yuv420_strides[0],
					       &measured);
			h.luma = measured.mean_luma;
			h.highlight = measured.highlight_luma;
			h.exposure_us = f.exposure_us;
			h.gain = f.analogue_gain;
			if (dump && dump_frame(dump, out->frames, &f, h.luma) < 0) {
				err_why(why, "%s: cannot write a frame", dump);
				rc = SL_ERR_IO;
				goto out;
			}
			camera_frame_clear(&f);
			bool limited = h.exposure_us >= h.limit_us - 1000 && h.gain >= 15.9;

			if (prev >= 0 && nsteps < cap) {
				step = 100 * fabs(h.luma - prev) / fmax(prev, 1);
				steps[nsteps++] = step;
				if (!limited && !prev_limited)
					out->room_step = fmax(out->room_step, step);
			}
			prev = h.luma;
			prev_limited = limited;
			band_at(h.sun_deg, &lo, &hi);
			out->frames++;
			out->in_band += h.luma >= lo && h.luma <= hi;

			out->at_limits += limited;
			if (h.sun_deg < NIGHT_DEG) {
				out->night++;
				night_sum += h.luma;
				if (!limited) {
					out->night_room++;
					room_sum += h.luma;
				}
			}
		}
	}
	qsort(steps, nsteps, sizeof(double), cmp_double);
	out->max_step = nsteps > 0 ? steps[nsteps - 1] : 0;
	out->p95_step = nsteps > 0 ? steps[(size_t)ceil(0.95 * nsteps) - 1] : 0;
	out->night_luma = out->night > 0 ? night_sum / out->night : NAN;
	out->room_luma = out->night_room > 0 ? room_sum / out->night_room : NAN;
out:
	if (rc < 0)
		fprintf(stderr, "exposure: %s\n", why);
	free(steps);
	return rc;
}

static void print_span(const char *what, const struct place *p, int64_t a, int64_t b)
{
	char sa[32], sb[32];
	time_t ta = (time_t)(a / 1000), tb = (time_t)(b / 1000);

	strftime(sa, sizeof(sa), "%Y-%m-%d %H:%M", gmtime(&ta));
	strftime(sb, sizeof(sb), "%H:%M", gmtime(&tb));
	printf("  %s %s..%s UTC, sun %+.1f..%+.1f deg\n", what, sa, sb, elevation(p, a),
	       elevation(p, b));
}

/* exposure --frames DIR INTERVAL_S [STRATEGY]: a sunset at the seed place. */
static int dump_frames(const char *dir, int interval_s, const char *name)
{
	const struct strategy *s = &strategies[2];
	struct camera_env env = {places[0].lat, places[0].lon, 640, 480};
	struct profile_set set;
	struct camera *cam = NULL;
	struct figures fig;
	char why[ERRMSG_MAX] = "";
	int64_t t[4];
	int rc;

	profile_set_builtin(&set);
	if ((rc = camera_open("sim", &env, &cam, why)) < 0) {
		fprintf(stderr, "exposure: %s\n", why);
		return 1;
	}
	camera_sim_seed(cam, 1);
	find_twilights(&places[0], t);
	for (size_t i = COUNT(strategies); i-- > 0;) /* the first whose name starts so */
		if (strncmp(strategies[i].name, name, strlen(name)) == 0)
			s = &strategies[i];
	rc = run(cam, &places[0], &set, s, t, interval_s, dir, &fig);
	camera_close(&cam);
	if (rc == 0)
		printf("exposure: %d frames of %s at %d s in %s, largest step %.2f %%\n", fig.frames,
		       s->name, interval_s, dir, fig.max_step);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct camera_env env = {0};
	struct profile_set set;
	struct camera *cam = NULL;
	struct figures fig;
	char why[ERRMSG_MAX] = "";
	uint32_t seed = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1;
	int64_t t[4];
	size_t ip, ii, is;
	int rc = 0;

	if ((argc == 4 || argc == 5) && strcmp(argv[1], "--frames") == 0)
		return dump_frames(argv[2], atoi(argv[3]), argc == 5 ? argv[4] : "h");
	profile_set_builtin(&set);
	printf("exposure: sim camera %dx%d, auto exposure error %.2f EV (seed %u), "
	       "shutter steps %.2f us\n",
	       FRAME_W, FRAME_H, SIM_AE_ERROR_EV, seed, SIM_LINE_US);
	printf("  band: mean luma 90..130 in daylight, 25..80 below %.0f deg, linear between\n",
	       NIGHT_DEG);
	for (ip = 0; ip < COUNT(places) && rc == 0; ip++) {
		const struct place *p = &places[ip];

		env.latitude = p->lat;
		env.longitude = p->lon;
		env.width = FRAME_W;
		env.height = FRAME_H;
		rc = camera_open("sim", &env, &cam, why);
		if (rc < 0) {
			fprintf(stderr, "exposure: %s\n", why);
			break;
		}
		camera_sim_seed(cam, seed);
		find_twilights(p, t);
		printf("%s\n", p->name);
		print_span("sunset ", p, t[0], t[1]);
		print_span("sunrise", p, t[2], t[3]);
		printf("  %-9s %-9s %6s %7s %7s %7s %7s %6s %6s %8s\n", "interval", "strategy",
		       "frames", "max %", "room %", "p95 %", "band %", "night", "nroom",
		       "limits %");
		for (ii = 0; ii < COUNT(intervals_s) && rc == 0; ii++) {
			char interval[16];

			snprintf(interval, sizeof(interval), "%d s", intervals_s[ii]);
			for (is = 0; is < COUNT(strategies) && rc == 0; is++) {
				rc = run(cam, p, &set, &strategies[is], t, intervals_s[ii], NULL,
					 &fig);
				if (rc < 0)
					break;
				char night[16] = "-", room[16] = "-";

				if (fig.night > 0)
					snprintf(night, sizeof(night), "%.1f", fig.night_luma);
				if (fig.night_room > 0)
					snprintf(room, sizeof(room), "%.1f", fig.room_luma);
				printf("  %-9s %-9s %6d %7.1f %7.1f %7.1f %7.1f %6s %6s %8.1f\n",
				       interval, strategies[is].name, fig.frames, fig.max_step,
				       fig.room_step, fig.p95_step,
				       100.0 * fig.in_band / fig.frames, night, room,
				       100.0 * fig.at_limits / fig.frames);
			}
		}
		camera_close(&cam);
	}
	return rc < 0 ? 1 : 0;
}
