/* test_encoder_fuse.c - exposure fusion (encoder/fuse.c) on small synthetic
 * brackets: a scene with a bright half clipped at EV 0 and +2 and a dark
 * half crushed at EV -2, exposed at EV -2, 0 and +2 in TV-range yuv420p. */
#include "err.h"
#include "fuse.h"
#include "testutil.h"

#define W 64
#define H 48

struct image {
	unsigned char y[W * H], u[W * H / 4], v[W * H / 4];
	struct fuse_planes p;
};

static void image_init(struct image *im)
{
	im->p.data[0] = im->y;
	im->p.data[1] = im->u;
	im->p.data[2] = im->v;
	im->p.stride[0] = W;
	im->p.stride[1] = im->p.stride[2] = W / 2;
}

/* Scene radiance: left half dark (about 12 luma steps at EV 0), right half
 * bright (about 400), both with a fixed texture of +-10 %. */
static double radiance(int x, int y)
{
	double tex = 1.0 + 0.1 * (((x * 7 + y * 13) % 11) - 5) / 5.0;

	return (x < W / 2 ? 12.0 : 400.0) * tex;
}

/* The scene at `gain` (EV -2: 0.25), clipped as a sensor does: a slightly
 * blue sky, grey where the luma clips. */
static void expose(struct image *im, double gain)
{
	image_init(im);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			double v = radiance(x, y) * gain;

			im->y[y * W + x] = (unsigned char)(16 + (v > 219 ? 219 : v));
		}
	for (int y = 0; y < H / 2; y++)
		for (int x = 0; x < W / 2; x++) {
			int clipped = im->y[2 * y * W + 2 * x] >= 235;

			im->u[y * W / 2 + x] = clipped ? 128 : 140;
			im->v[y * W / 2 + x] = clipped ? 128 : 120;
		}
}

static double mean_luma(const struct image *im, int x0, int x1, int *clipped)
{
	double sum = 0;

	*clipped = 0;
	for (int y = 0; y < H; y++)
		for (int x = x0; x < x1; x++) {
			sum += im->y[y * W + x];
			*clipped += im->y[y * W + x] >= 235;
		}
	return sum / ((x1 - x0) * H);
}

static void test_identical_exposures_give_the_same_frame(void **state)
{
	static struct image a, b, out;
	struct fuse_planes in[3];
	struct fuser *f = NULL;

	(void)state;
	expose(&a, 0.25);
	b = a;
	image_init(&b);
	image_init(&out);
	in[0] = a.p;
	in[1] = b.p;
	in[2] = a.p;
	assert_int_equal(fuser_new(W, H, &f), SL_OK);
	assert_int_equal(fuse_exposures(f, in, 3, &out.p), SL_OK);
	for (int i = 0; i < W * H; i++)
		assert_true(abs(out.y[i] - a.y[i]) <= 1);
	for (int i = 0; i < W * H / 4; i++)
		assert_true(abs(out.u[i] - a.u[i]) <= 1 && abs(out.v[i] - a.v[i]) <= 1);
	fuser_free(&f);
	assert_null(f);
}

static void test_clipped_highlights_come_from_the_dark_exposure(void **state)
{
	static struct image lo, mid, hi, out;
	struct fuse_planes in[3];
	struct fuser *f = NULL;
	int clip_out, clip_mid, clip_lo;
	double bright_lo, bright_out, dark_mid, dark_out;

	(void)state;
	expose(&lo, 0.25);
	expose(&mid, 1.0);
	expose(&hi, 4.0);
	image_init(&out);
	in[0] = lo.p;
	in[1] = mid.p;
	in[2] = hi.p;
	assert_int_equal(fuser_new(W, H, &f), SL_OK);
	assert_int_equal(fuse_exposures(f, in, 3, &out.p), SL_OK);
	/* bright half: clipped at EV 0 and +2, about 116 at EV -2 */
	bright_lo = mean_luma(&lo, W / 2 + 4, W, &clip_lo);
	mean_luma(&mid, W / 2 + 4, W, &clip_mid);
	bright_out = mean_luma(&out, W / 2 + 4, W, &clip_out);
	assert_int_equal(clip_lo, 0);
	assert_true(clip_mid > (W / 2 - 4) * H * 9 / 10);
	assert_int_equal(clip_out, 0);
	assert_true(bright_out > bright_lo - 10 && bright_out < bright_lo + 40);
	/* its chroma is the dark exposure's sky blue, not the clip's grey */
	assert_true(out.u[10 * W / 2 + W / 2 - 2] > 134);
	/* dark half: crushed at EV -2; fused brighter than EV 0 alone */
	dark_mid = mean_luma(&mid, 0, W / 2 - 4, &clip_mid);
	dark_out = mean_luma(&out, 0, W / 2 - 4, &clip_out);
	assert_true(dark_out > dark_mid + 10);
	fuser_free(&f);
}

static void test_one_exposure_is_copied_and_bad_input_refused(void **state)
{
	static struct image a, out;
	struct fuser *f = NULL;

	(void)state;
	expose(&a, 1.0);
	image_init(&out);
	assert_int_equal(fuser_new(W, H, &f), SL_OK);
	assert_int_equal(fuse_exposures(f, &a.p, 1, &out.p), SL_OK);
	assert_memory_equal(out.y, a.y, sizeof(a.y));
	assert_memory_equal(out.v, a.v, sizeof(a.v));
	assert_int_equal(fuse_exposures(f, &a.p, 0, &out.p), SL_ERR_INVAL);
	assert_int_equal(fuse_exposures(f, &a.p, FUSE_MAX + 1, &out.p), SL_ERR_INVAL);
	fuser_free(&f);
	fuser_free(&f); /* NULL is fine */
	assert_int_equal(fuser_new(63, 48, &f), SL_ERR_RANGE);
	assert_null(f);
	/* tiny frames (one pyramid level) still fuse */
	assert_int_equal(fuser_new(2, 2, &f), SL_OK);
	assert_int_equal(fuse_exposures(f, (struct fuse_planes[]){a.p, a.p}, 2, &out.p), SL_OK);
	fuser_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identical_exposures_give_the_same_frame),
	    cmocka_unit_test(test_clipped_highlights_come_from_the_dark_exposure),
	    cmocka_unit_test(test_one_exposure_is_copied_and_bad_input_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
