/* deflicker.c - brightness curve and gains; see deflicker.h.
 *
 * The maths first: prefix sums make every window's mean O(1), so a day of
 * frames costs one pass; gains are clamped, because a frame that needs more
 * than a factor of two is not flicker but a different scene (a light
 * switched on), better left alone. Then the frames' brightness: sidecar
 * values, and for the others a 1/8-scale decode on the pipeline's threads.
 */
#include "deflicker.h"

#include <math.h>
#include <stdlib.h>

#include "decode.h"
#include "err.h"
#include "pipeline.h"

int deflicker_curve(const double *luma, size_t n, int window, double *curve)
{
	double *sum;
	size_t half = window > 1 ? (size_t)(window / 2) : 0;

	sum = malloc((n + 1) * sizeof(*sum));
	if (sum == NULL)
		return SL_ERR_NOMEM;
	sum[0] = 0;
	for (size_t i = 0; i < n; i++)
		sum[i + 1] = sum[i] + luma[i];
	for (size_t i = 0; i < n; i++) {
		size_t r = half;

		if (r > i)
			r = i;
		if (r > n - 1 - i)
			r = n - 1 - i;
		curve[i] = (sum[i + r + 1] - sum[i - r]) / (double)(2 * r + 1);
	}
	free(sum);
	return SL_OK;
}

int deflicker_gains(const double *luma, size_t n, int window, double *gains)
{
	int rc = deflicker_curve(luma, n, window, gains);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		double g = luma[i] >= DEFLICKER_DARK ? gains[i] / luma[i] : 1.0;

		gains[i] = g < DEFLICKER_GAIN_MIN   ? DEFLICKER_GAIN_MIN
			   : g > DEFLICKER_GAIN_MAX ? DEFLICKER_GAIN_MAX
						    : g;
	}
	return SL_OK;
}

/* --- each frame's brightness ---------------------------------------------- */

struct measure {
	const struct selection *sel;
	const size_t *missing; /* indices of frames to measure */
	double *luma;
	bool (*cancelled)(void *arg);
	void *arg;
};

struct measured {
	double luma;
	int rc;
};

static void *work(void *arg, void *tctx, size_t i)
{
	struct measure *m = arg;
	struct measured *r = calloc(1, sizeof(*r));
	char why[ERRMSG_MAX];

	if (r)
		r->rc = decode_mean_luma(tctx, m->sel->frames[m->missing[i]].path, &r->luma, why);
	return r;
}

static int consume(void *arg, size_t i, void *result)
{
	struct measure *m = arg;
	struct measured *r = result;

	if (r->rc == SL_OK)
		m->luma[m->missing[i]] = r->luma;
	free(r);
	return m->cancelled && m->cancelled(m->arg) ? ENC_CANCELLED : SL_OK;
}

static void discard(void *arg, void *result)
{
	(void)arg;
	free(result);
}

/* Frames still without a value take the nearest earlier one, else the
 * nearest later one, else mid grey. */
static void fill_gaps(double *luma, size_t n)
{
	double last = NAN;

	for (size_t i = 0; i < n; i++)
		if (!isnan(luma[i]))
			last = luma[i];
		else if (!isnan(last))
			luma[i] = last;
	for (size_t i = n; i-- > 0;)
		if (!isnan(luma[i]))
			last = luma[i];
		else
			luma[i] = isnan(last) ? 128 : last;
}

int deflicker_frame_gains(const struct selection *sel, int window, int threads,
			  bool (*cancelled)(void *arg), void *arg, double **gains)
{
	static const struct pipeline_ops ops = {frame_decoder_thread_init,
						frame_decoder_thread_fini, work, consume, discard};
	size_t n = sel->count, nmissing = 0;
	size_t *missing = malloc(n * sizeof(*missing));
	double *luma = malloc(n * sizeof(*luma));
	struct measure m = {sel, missing, luma, cancelled, arg};
	int rc = SL_ERR_NOMEM;

	*gains = malloc(n * sizeof(**gains));
	if (missing == NULL || luma == NULL || *gains == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		luma[i] = sel->frames[i].luma;
		if (isnan(luma[i]))
			missing[nmissing++] = i;
	}
	rc = pipeline_run(nmissing, threads, 0, &ops, &m);
	if (rc)
		goto out;
	fill_gaps(luma, n);
	rc = deflicker_gains(luma, n, window, *gains);
out:
	if (rc) {
		free(*gains);
		*gains = NULL;
	}
	free(missing);
	free(luma);
	return rc;
}
