/* test_encoder_media.c - skylapse-encoder's frame maths and plumbing:
 * deflicker gains, the colour conversion, frame selection with skipped
 * reasons (tiny JPEGs and sidecars in a temporary server layout), output
 * sizes and names, fine detail through the decoder's scaler, the
 * ordered bounded pipeline, and star trails (a lighten stack with a dark
 * frame). */
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "colour.h"
#include "decode.h"
#include "deflicker.h"
#include "fsutil.h"
#include "job.h"
#include "pipeline.h"
#include "select.h"
#include "startrails.h"
#include "testutil.h"
#include "video.h"

/* --- deflicker ---------------------------------------------------------------- */

static void test_deflicker_constant_and_step(void **state)
{
	double luma[9] = {100, 100, 100, 100, 130, 130, 130, 130, 130}, g[9], curve[9];

	(void)state;
	assert_int_equal(deflicker_curve(luma, 9, 5, curve), SL_OK);
	/* the window shrinks symmetrically at the ends: the ends stay put */
	assert_true(curve[0] == 100 && curve[8] == 130);
	assert_true(fabs(curve[1] - 100) < 1e-9); /* 3 frames: 100 100 100 */
	assert_true(fabs(curve[3] - (100 * 3 + 130 * 2) / 5.0) < 1e-9);
	assert_true(fabs(curve[4] - (100 * 2 + 130 * 3) / 5.0) < 1e-9);
	assert_int_equal(deflicker_gains(luma, 9, 5, g), SL_OK);
	assert_true(g[0] == 1.0 && g[8] == 1.0);
	for (int i = 0; i < 9; i++)
		assert_true(fabs(g[i] * luma[i] - curve[i]) < 1e-9);
	/* window 1: nothing changes */
	assert_int_equal(deflicker_gains(luma, 9, 1, g), SL_OK);
	for (int i = 0; i < 9; i++)
		assert_true(g[i] == 1.0);
}

static void test_deflicker_flattens_flicker(void **state)
{
	double luma[31], g[31], before = 0, after = 0;

	(void)state;
	for (int i = 0; i < 31; i++)
		luma[i] = 120 + (i % 2 ? 10 : -10); /* alternating flicker */
	assert_int_equal(deflicker_gains(luma, 31, 15, g), SL_OK);
	for (int i = 11; i < 20; i++) {
		before += fabs(luma[i] - luma[i - 1]);
		after += fabs(luma[i] * g[i] - luma[i - 1] * g[i - 1]);
	}
	assert_true(after < before / 10);
}

static void test_deflicker_limits(void **state)
{
	double luma[5] = {200, 200, 10, 200, 200}, dark[3] = {0.2, 50, 0.5}, g[5];

	(void)state;
	assert_int_equal(deflicker_gains(luma, 5, 5, g), SL_OK);
	assert_true(g[2] == DEFLICKER_GAIN_MAX); /* a different scene, not flicker */
	assert_int_equal(deflicker_gains(dark, 3, 3, g), SL_OK);
	assert_true(g[0] == 1.0 && g[2] == 1.0); /* black frames keep gain 1 */
}

/* --- colour --------------------------------------------------------------------- */

static void rgb_to_jpeg(double r, double g, double b, double out[3])
{
	out[0] = 0.299 * r + 0.587 * g + 0.114 * b;
	out[1] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
	out[2] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
}

/* The conversion in doubles, from the transform's coefficients: what every
 * pixel of colour_apply_420() must come out as. out[3] from (y, cb, cr). */
static void apply_pixel(const struct colour_xform *x, double y, double cb, double cr,
			double out[3])
{
	const double one = 1 << COLOUR_SHIFT;

	cb -= 128;
	cr -= 128;
	out[0] = (x->oy + x->ky * y + x->kyb * cb + x->kyr * cr) / one;
	out[1] = (x->oc + x->kbb * cb + x->kbr * cr) / one;
	out[2] = (x->oc + x->krb * cb + x->krr * cr) / one;
}

static void test_colour_matrix(void **state)
{
	static const double rgb[][3] = {{255, 255, 255}, {0, 0, 0},   {255, 0, 0},
					{0, 255, 0},	 {0, 0, 255}, {200, 120, 40}};
	struct colour_xform x;
	double in[3], out[3];

	(void)state;
	colour_xform_init(&x, COLOUR_BT709_TV, 1.0);
	for (size_t i = 0; i < sizeof(rgb) / sizeof(rgb[0]); i++) {
		double r = rgb[i][0], g = rgb[i][1], b = rgb[i][2];
		double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;

		rgb_to_jpeg(r, g, b, in);
		apply_pixel(&x, in[0], in[1], in[2], out);
		assert_true(fabs(out[0] - (16 + y * 219 / 255)) < 0.05);
		assert_true(fabs(out[1] - (128 + (b - y) / 1.8556 * 224 / 255)) < 0.05);
		assert_true(fabs(out[2] - (128 + (r - y) / 1.5748 * 224 / 255)) < 0.05);
	}
	/* a gain scales R, G and B */
	colour_xform_init(&x, COLOUR_JPEG, 1.5);
	rgb_to_jpeg(100, 60, 20, in);
	apply_pixel(&x, in[0], in[1], in[2], out);
	rgb_to_jpeg(150, 90, 30, in);
	for (int k = 0; k < 3; k++)
		assert_true(fabs(out[k] - in[k]) < 0.01);
}

static void test_colour_planes(void **state)
{
	enum { W = 16, H = 8 };
	uint8_t y[W * H], cb[W / 2 * H / 2], cr[W / 2 * H / 2];
	struct colour_xform x;
	double in[3], out[3];

	(void)state;
	rgb_to_jpeg(200, 120, 40, in);
	memset(y, (int)lround(in[0]), sizeof(y));
	memset(cb, (int)lround(in[1]), sizeof(cb));
	memset(cr, (int)lround(in[2]), sizeof(cr));
	colour_xform_init(&x, COLOUR_BT709_TV, 1.0);
	apply_pixel(&x, lround(in[0]), lround(in[1]), lround(in[2]), out);
	assert_int_equal(colour_apply_420(&x, y, W, cb, W / 2, cr, W / 2, W, H), SL_OK);
	/* a flat image stays flat, every pixel converted like the single one */
	for (int i = 0; i < W * H; i++)
		assert_true(abs(y[i] - (int)lround(out[0])) <= 1);
	for (int i = 0; i < W / 2 * H / 2; i++) {
		assert_true(abs(cb[i] - (int)lround(out[1])) <= 1);
		assert_true(abs(cr[i] - (int)lround(out[2])) <= 1);
	}
	/* gain 2 in the JPEG space doubles luma, clamped at 255 */
	memset(y, 100, sizeof(y));
	y[0] = 200;
	colour_xform_init(&x, COLOUR_JPEG, 2.0);
	assert_int_equal(colour_apply_420(&x, y, W, cb, W / 2, cr, W / 2, W, H), SL_OK);
	assert_int_equal(y[1], 200);
	assert_int_equal(y[0], 255);
	assert_true(fabs(colour_mean_luma(y, W, W, H) - (255 + 200.0 * (W * H - 1)) / (W * H)) <
		    1e-9);
}

/* --- selection --------------------------------------------------------------------- */

/* A grey JPEG of w x h; returns its size. */
static size_t write_jpeg(const char *path, int w, int h, int grey)
{
	tjhandle tj = tjInitCompress();
	unsigned char *px = malloc((size_t)w * h * 3), *jpeg = NULL;
	unsigned long len = 0;

	assert_non_null(tj);
	memset(px, grey, (size_t)w * h * 3);
	assert_int_equal(tjCompress2(tj, px, w, 0, h, TJPF_RGB, &jpeg, &len, TJSAMP_420, 90, 0), 0);
	assert_int_equal(file_write_atomic(path, jpeg, len), 0);
	tjFree(jpeg);
	free(px);
	tjDestroy(tj);
	return len;
}

/* Frame i of camera "helios", profile p, at 06:00:00 + 10 s * i on 2026-11-27. */
static void add_frame(char p, int i, int w, int h, int sidecar_w, const char *bracket)
{
	char dir[256], path[512], side[512], text[512];
	size_t size;

	snprintf(dir, sizeof(dir), "%s/helios/profile-%c/2026-11-27", test_dir, p);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/capture_20261127_06%02d%02d_000%s.jpg", dir, i * 10 / 60,
		 i * 10 % 60, bracket);
	size = write_jpeg(path, w, h, 100 + i);
	if (sidecar_w < 0)
		return; /* no sidecar */
	snprintf(side, sizeof(side), "%.*s.json", (int)strlen(path) - 4, path);
	snprintf(text, sizeof(text), "{\"size\":%zu,\"width\":%d,\"height\":%d,\"mean_luma\":%d}",
		 size, sidecar_w ? sidecar_w : w, h, 100 + i);
	assert_int_equal(file_write_atomic(side, text, strlen(text)), 0);
}

static struct encode_job range_job(const char *camera, char profile)
{
	struct encode_job job = {.profile = profile, .bracket = -1};

	snprintf(job.camera, sizeof(job.camera), "%s", camera);
	job.from_ms = 1795759200000LL; /* 2026-11-27T06:00:00Z */
	job.to_ms = job.from_ms + 3600000;
	return job;
}

static const char *reason_of(const struct selection *s, const char *needle)
{
	for (size_t i = 0; i < s->skipped.count; i++)
		if (strstr(s->skipped.items[i].path, needle))
			return s->skipped.items[i].reason;
	return NULL;
}

static void test_select_skips_with_reasons(void **state)
{
	struct encode_job job = range_job("helios", 'a');
	struct selection s;
	char why[ERRMSG_MAX] = "", path[512];

	(void)state;
	for (int i = 0; i < 8; i++)
		add_frame('a', i, 64, 48, i == 2 ? -1 : i == 4 ? 32 : 0, "");
	/* frame 6: its bytes differ from the sidecar's size (a partial copy) */
	snprintf(path, sizeof(path),
		 "%s/helios/profile-a/2026-11-27/capture_20261127_060100_000.jpg", test_dir);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(select_frames(test_dir, &job, job.from_ms, job.to_ms, &s, why), SL_OK);
	assert_int_equal(s.count, 5);
	assert_int_equal(s.width, 64);
	assert_int_equal(s.height, 48);
	assert_int_equal(s.profile, 'a');
	assert_int_equal(s.skipped.count, 3);
	assert_string_equal(reason_of(&s, "060020"), SKIP_MISSING);
	assert_string_equal(reason_of(&s, "060040"), SKIP_SIZE);
	assert_string_equal(reason_of(&s, "060100"), SKIP_UNREADABLE);
	assert_true(s.frames[0].luma == 100 && s.frames[4].luma == 107);
	assert_true(s.frames[0].captured_ms < s.frames[1].captured_ms);
	assert_string_equal(s.frames[0].rel,
			    "helios/profile-a/2026-11-27/capture_20261127_060000_000.jpg");
	selection_free(&s);
}

static void test_select_failures(void **state)
{
	struct encode_job job = range_job("nosuch", 'a');
	struct selection s;
	char why[ERRMSG_MAX] = "";

	(void)state;
	add_frame('a', 0, 64, 48, 0, "");
	add_frame('b', 1, 64, 48, 0, "");
	assert_int_equal(select_frames(test_dir, &job, job.from_ms, job.to_ms, &s, why),
			 SL_ERR_NOTFOUND);
	assert_non_null(strstr(why, "unknown camera 'nosuch'"));
	selection_free(&s);
	job = range_job("helios", 'a');
	job.from_ms += 86400000;
	job.to_ms += 86400000;
	assert_int_equal(select_frames(test_dir, &job, job.from_ms, job.to_ms, &s, why),
			 SL_ERR_NOTFOUND);
	assert_non_null(strstr(why, "no frames of camera 'helios' profile 'a' between "
				    "2026-11-28T06:00:00.000Z and"));
	selection_free(&s);
	job = range_job("helios", 0); /* two profiles in range: which one? */
	assert_int_equal(select_frames(test_dir, &job, job.from_ms, job.to_ms, &s, why),
			 SL_ERR_INVAL);
	assert_non_null(strstr(why, "'profile' is required"));
	assert_non_null(strstr(why, "a") && strstr(why, "b"));
	selection_free(&s);
}

static void test_select_brackets(void **state)
{
	struct encode_job job = range_job("helios", 'd');
	struct selection s;
	char why[ERRMSG_MAX] = "", gone[256];

	(void)state;
	for (int i = 0; i < 3; i++)
		for (int b = 0; b < 3; b++) {
			char suffix[16];

			snprintf(suffix, sizeof(suffix), "_bracket%d", b);
			add_frame('d', i, 64, 48, 0, suffix);
		}
	assert_int_equal(select_frames(test_dir, &job, job.from_ms, job.to_ms, &s, why), SL_OK);
	assert_int_equal(s.count, 3); /* the middle exposure of each bracket */
	for (size_t i = 0; i < s.count; i++)
		assert_non_null(strstr(s.frames[i].rel, "_bracket1.jpg"));
	selection_free(&s);
	job.bracket = 2;
	assert_int_equal(select_frames(test_dir, &job, job.from_ms, job.to_ms, &s, why), SL_OK);
	assert_non_null(strstr(s.frames[0].rel, "_bracket2.jpg"));
	selection_free(&s);
	/* to fuse: one entry a slot, the middle exposure in front, the others
	 * beside it; slot 1 lost its middle one and keeps the two it has */
	snprintf(gone, sizeof(gone),
		 "%s/helios/profile-d/2026-11-27/capture_20261127_060010_000_bracket1.json",
		 test_dir);
	assert_int_equal(unlink(gone), 0);
	job.bracket = -1;
	job.hdr = true;
	assert_int_equal(select_frames(test_dir, &job, job.from_ms, job.to_ms, &s, why), SL_OK);
	assert_int_equal(s.count, 3);
	assert_non_null(strstr(s.frames[0].rel, "_bracket1.jpg"));
	assert_int_equal(s.frames[0].nothers, 2);
	assert_non_null(strstr(s.frames[0].others[0], "_bracket0.jpg"));
	assert_non_null(strstr(s.frames[0].others[1], "_bracket2.jpg"));
	assert_non_null(strstr(s.frames[1].rel, "_bracket0.jpg"));
	assert_int_equal(s.frames[1].nothers, 1);
	assert_non_null(strstr(s.frames[1].others[0], "_bracket2.jpg"));
	assert_int_equal(s.frames[2].nothers, 2);
	assert_int_equal(s.skipped.count, 1);
	assert_string_equal(s.skipped.items[0].reason, SKIP_MISSING);
	selection_free(&s);
}

static void test_select_folder(void **state)
{
	char dir[128], path[256];
	struct selection s;
	char why[ERRMSG_MAX] = "";

	(void)state;
	snprintf(dir, sizeof(dir), "%s/folder", test_dir);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/f_%d.jpg", dir, 3 - i);
		write_jpeg(path, i == 1 ? 32 : 64, 48, 90);
	}
	snprintf(path, sizeof(path), "%s/zz.JPG", dir);
	assert_int_equal(file_write_atomic(path, "nope", 4), 0);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	assert_int_equal(file_write_atomic(path, "x", 1), 0);
	assert_int_equal(select_folder(dir, false, &s, why), SL_OK);
	assert_int_equal(s.count, 3);
	assert_string_equal(s.frames[0].rel, "f_0.jpg"); /* name order */
	assert_string_equal(s.frames[2].rel, "f_3.jpg");
	assert_true(isnan(s.frames[0].luma));
	assert_string_equal(reason_of(&s, "f_2.jpg"), SKIP_SIZE);
	assert_string_equal(reason_of(&s, "zz.JPG"), SKIP_UNREADABLE);
	selection_free(&s);
}

/* --- output sizes and names ------------------------------------------------------ */

static void test_output_geometry(void **state)
{
	char tmp[256];
	int w, h;

	(void)state;
	video_output_size(4056, 3040, 1920, 0, &w, &h);
	assert_true(w == 1920 && h == 1440); /* as FFmpeg's scale=1920:-2 */
	video_output_size(4656, 3496, 1920, 0, &w, &h);
	assert_true(w == 1920 && h == 1442);
	video_output_size(4056, 3040, 0, 0, &w, &h);
	assert_true(w == 4056 && h == 3040);
	video_output_size(641, 481, 0, 0, &w, &h);
	assert_true(w == 640 && h == 480);
	video_output_size(320, 240, 1920, 0, &w, &h); /* never larger than the frames */
	assert_true(w == 320 && h == 240);
	video_output_size(4056, 3040, -1, 1080, &w, &h); /* width from the height */
	assert_true(w == 1440 && h == 1080);
	video_output_size(4056, 3040, 1920, 1080, &w, &h); /* both given */
	assert_true(w == 1920 && h == 1080);
	assert_int_equal(video_frame_rate(30, 0, 10), 30);
	assert_int_equal(video_frame_rate(0, 10, 250), 25);
	assert_int_equal(video_frame_rate(0, 1000, 10), 1);
	assert_int_equal(video_frame_rate(0, 0.5, 1000), JOB_FPS_MAX);
	assert_int_equal(video_temp_path("/t/helios/a.mp4", tmp, sizeof(tmp)), SL_OK);
	assert_string_equal(tmp, "/t/helios/.a.mp4.part");
	assert_int_equal(video_temp_path("a.mp4", tmp, 8), SL_ERR_RANGE);
	assert_int_equal(decode_pick_scale(4056, 3040, 1920, 1440), 4);
	assert_int_equal(decode_pick_scale(4056, 3040, 4056, 3040), 8);
	assert_int_equal(decode_pick_scale(4056, 3040, 320, 240), 1);
	assert_int_equal(decode_pick_scale(4056, 3040, 1, 1080), 3);
}

/* --- fine detail ------------------------------------------------------------------- */

/* A JPEG of vertical stripes, period `period` source pixels, at quality 100. */
static void write_stripes(const char *path, int w, int h, double period)
{
	unsigned char *rgb = malloc((size_t)w * h * 3), *jpeg = NULL;
	unsigned long len = 0;
	tjhandle tj = tjInitCompress();

	assert_non_null(rgb);
	assert_non_null(tj);
	for (int x = 0; x < w; x++) {
		unsigned char v = (unsigned char)lround(128 + 60 * sin(2 * M_PI * x / period));

		for (int y = 0; y < h; y++)
			memset(rgb + ((size_t)y * w + x) * 3, v, 3);
	}
	assert_int_equal(tjCompress2(tj, rgb, w, 0, h, TJPF_RGB, &jpeg, &len, TJSAMP_420, 100, 0),
			 0);
	assert_int_equal(file_write_atomic(path, jpeg, len), 0);
	tjFree(jpeg);
	tjDestroy(tj);
	free(rgb);
}

/* Detail near the output's resolution limit keeps an even contrast across
 * the frame: the resample after the DCT-scaled decode (507 -> 480 wide here,
 * as 2028 -> 1920 for 4056-wide frames) must not blur it by its phase on the
 * grid, which bicubic does (with stripes 5 source pixels apart, 2.4 output
 * pixels, its weakest stretch of 6 columns kept 0.52 of the strongest's
 * contrast; Lanczos keeps 0.67). */
static void test_decode_fine_detail(void **state)
{
	struct decode_target t = {0, 0, 0, 480, 360, COLOUR_JPEG};
	struct frame_decoder *d = NULL;
	AVFrame *out = av_frame_alloc();
	char path[128], why[ERRMSG_MAX];
	double lo = 1e9, hi = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/stripes.jpg", test_dir);
	write_stripes(path, 1014, 760, 5.0);
	t.scale_num = decode_pick_scale(1014, 760, t.out_w, t.out_h);
	assert_int_equal(t.scale_num, 4);
	assert_non_null(out);
	out->format = AV_PIX_FMT_YUV420P;
	out->width = t.out_w;
	out->height = t.out_h;
	assert_int_equal(av_frame_get_buffer(out, 0), 0);
	assert_int_equal(frame_decoder_new(&d), SL_OK);
	assert_int_equal(decode_frame(d, path, &t, 1.0, out, why), SL_OK);
	/* the contrast of each stretch of 6 columns, mid-height */
	for (int x = 8; x + 6 < t.out_w - 8; x++) {
		const uint8_t *row = out->data[0] + (size_t)out->linesize[0] * (t.out_h / 2);
		int mn = 255, mx = 0;

		for (int i = x; i < x + 6; i++) {
			mn = row[i] < mn ? row[i] : mn;
			mx = row[i] > mx ? row[i] : mx;
		}
		lo = mx - mn < lo ? mx - mn : lo;
		hi = mx - mn > hi ? mx - mn : hi;
	}
	assert_true(hi > 40);
	assert_true(lo / hi > 0.6);
	frame_decoder_free(&d);
	av_frame_free(&out);
}

/* --- pipeline ------------------------------------------------------------------------ */

struct pipe_probe {
	pthread_mutex_t lock;
	int live, max_live; /* results in existence */
	size_t next;	    /* the index consume() expects */
	bool in_order;
	size_t stop_at;
};

static void *probe_work(void *arg, void *tctx, size_t i)
{
	struct pipe_probe *p = arg;
	size_t *r = malloc(sizeof(*r));

	(void)tctx;
	*r = i * 7;
	pthread_mutex_lock(&p->lock);
	if (++p->live > p->max_live)
		p->max_live = p->live;
	pthread_mutex_unlock(&p->lock);
	return r;
}

static int probe_consume(void *arg, size_t i, void *result)
{
	struct pipe_probe *p = arg;
	size_t *r = result;

	pthread_mutex_lock(&p->lock);
	p->in_order &= i == p->next && *r == i * 7;
	p->next++;
	p->live--;
	pthread_mutex_unlock(&p->lock);
	free(r);
	return i == p->stop_at ? -42 : 0;
}

static void probe_discard(void *arg, void *result)
{
	struct pipe_probe *p = arg;

	pthread_mutex_lock(&p->lock);
	p->live--;
	pthread_mutex_unlock(&p->lock);
	free(result);
}

static void test_pipeline_order_and_bound(void **state)
{
	static const struct pipeline_ops ops = {NULL, NULL, probe_work, probe_consume,
						probe_discard};
	struct pipe_probe p = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, true, SIZE_MAX};

	(void)state;
	assert_int_equal(pipeline_run(500, 4, 6, &ops, &p), 0);
	assert_true(p.in_order);
	assert_int_equal(p.next, 500);
	assert_true(p.max_live <= 7); /* depth, plus the one being consumed */
	assert_int_equal(p.live, 0);
	/* a consumer error stops it, and nothing made is leaked */
	p = (struct pipe_probe){PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, true, 10};
	assert_int_equal(pipeline_run(500, 3, 0, &ops, &p), -42);
	assert_int_equal(p.next, 11);
	assert_int_equal(p.live, 0);
	assert_int_equal(pipeline_run(0, 3, 0, &ops, &p), 0);
}

/* --- star trails ----------------------------------------------------------------- */

#define ST_W 96
#define ST_H 64

/* A black frame with a 4x4 white dot at (dot_x, 30) (none when < 0) and a
 * grey 4x4 hot block at (84, 8) when `hot`. */
static void write_sky(const char *path, int dot_x, bool hot)
{
	tjhandle tj = tjInitCompress();
	unsigned char *px = calloc((size_t)ST_W * ST_H, 3), *jpeg = NULL;
	unsigned long len = 0;

	assert_non_null(tj);
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 4; x++) {
			if (dot_x >= 0)
				memset(px + ((size_t)(30 + y) * ST_W + dot_x + x) * 3, 255, 3);
			if (hot)
				memset(px + ((size_t)(8 + y) * ST_W + 84 + x) * 3, 200, 3);
		}
	assert_int_equal(tjCompress2(tj, px, ST_W, 0, ST_H, TJPF_RGB, &jpeg, &len, TJSAMP_420, 95, 0),
			 0);
	assert_int_equal(file_write_atomic(path, jpeg, len), 0);
	tjFree(jpeg);
	free(px);
	tjDestroy(tj);
}

/* The luma of the JPEG at `path` into grey (ST_W x ST_H). */
static void read_grey(const char *path, unsigned char *grey)
{
	tjhandle tj = tjInitDecompress();
	char *data = NULL;
	size_t len = 0;
	int w = 0, h = 0, sub = 0, cs = 0;

	assert_int_equal(file_read_all(path, 1 << 20, &data, &len), 0);
	assert_int_equal(tjDecompressHeader3(tj, (unsigned char *)data, len, &w, &h, &sub, &cs), 0);
	assert_int_equal(w, ST_W);
	assert_int_equal(h, ST_H);
	assert_int_equal(tjDecompress2(tj, (unsigned char *)data, len, grey, ST_W, 0, ST_H,
				       TJPF_GRAY, 0),
			 0);
	free(data);
	tjDestroy(tj);
}

static void stack(const char *dark, unsigned char *grey, struct video_result *res)
{
	char dir[128], out[256], thumb[256], why[ERRMSG_MAX] = "";
	struct video_hooks hooks = {0};
	struct selection s;
	struct startrails_plan p = {&s, 0, dark, 2, out, thumb};

	snprintf(dir, sizeof(dir), "%s/night", test_dir);
	snprintf(out, sizeof(out), "%s/trails.jpg", test_dir);
	snprintf(thumb, sizeof(thumb), "%s/trails_thumb.jpg", test_dir);
	assert_int_equal(select_folder(dir, false, &s, why), SL_OK);
	assert_int_equal(startrails_make(&p, &hooks, res, why), SL_OK);
	assert_true(access(thumb, F_OK) == 0);
	read_grey(out, grey);
	selection_free(&s);
}

static void test_startrails_line_and_dark(void **state)
{
	char dir[128], path[256];
	unsigned char grey[ST_W * ST_H];
	struct video_result res;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/night", test_dir);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	for (int i = 0; i < 10; i++) { /* the dot moves 4 px a frame: 8..47 */
		snprintf(path, sizeof(path), "%s/f_%02d.jpg", dir, i);
		write_sky(path, 8 + 4 * i, true);
	}
	snprintf(path, sizeof(path), "%s/dark.jpg", test_dir);
	write_sky(path, -1, true);

	stack(NULL, grey, &res);
	assert_int_equal(res.frames, 10);
	assert_true(res.width == ST_W && res.height == ST_H && res.thumbnail);
	for (int x = 9; x < 47; x++) /* one line, where each frame had one dot */
		assert_true(grey[31 * ST_W + x] > 200);
	assert_true(grey[31 * ST_W + 60] < 40); /* past the dot's last place */
	assert_true(grey[10 * ST_W + 30] < 40);
	assert_true(grey[9 * ST_W + 85] > 150); /* the hot pixel, in every frame */

	stack(path, grey, &res);
	for (int x = 9; x < 47; x++)
		assert_true(grey[31 * ST_W + x] > 200);
	assert_true(grey[9 * ST_W + 85] < 40); /* the dark frame took it away */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deflicker_constant_and_step),
	    cmocka_unit_test(test_deflicker_flattens_flicker),
	    cmocka_unit_test(test_deflicker_limits),
	    cmocka_unit_test(test_colour_matrix),
	    cmocka_unit_test(test_colour_planes),
	    cmocka_unit_test_setup_teardown(test_select_skips_with_reasons, dir_setup,
					    dir_teardown),
	    cmocka_unit_test_setup_teardown(test_select_failures, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_select_brackets, dir_setup, dir_teardown),
	    cmocka_unit_test_setup_teardown(test_select_folder, dir_setup, dir_teardown),
	    cmocka_unit_test(test_output_geometry),
	    cmocka_unit_test_setup_teardown(test_decode_fine_detail, dir_setup, dir_teardown),
	    cmocka_unit_test(test_pipeline_order_and_bound),
	    cmocka_unit_test_setup_teardown(test_startrails_line_and_dark, dir_setup, dir_teardown),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
