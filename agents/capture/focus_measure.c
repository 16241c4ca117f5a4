/* focus_measure.c - the focus aid's pure parts: the Tenengrad figure, the
 * crop's place and the slot rule (focus_measure.h). */
#include "focus_measure.h"

#include <math.h>

double focus_tenengrad(const unsigned char *luma, int stride, int width, int height)
{
	double sum = 0;

	if (width < 3 || height < 3)
		return 0;
	for (int y = 1; y < height - 1; y++) {
		const unsigned char *a = luma + (size_t)(y - 1) * stride, *b = a + stride,
				    *c = b + stride;
		int64_t row = 0;

		for (int x = 1; x < width - 1; x++) {
			int gx = (a[x + 1] + 2 * b[x + 1] + c[x + 1]) - (a[x - 1] + 2 * b[x - 1] + c[x - 1]);
			int gy = (c[x - 1] + 2 * c[x] + c[x + 1]) - (a[x - 1] + 2 * a[x] + a[x + 1]);

			row += (int64_t)gx * gx + (int64_t)gy * gy;
		}
		sum += (double)row;
	}
	return sum / 16.0 / ((double)(width - 2) * (height - 2));
}

/* v rounded down to even, within 0..max. */
static int even_within(double v, int max)
{
	int i = (int)floor(v);

	i = i < 0 ? 0 : i > max ? max : i;
	return i & ~1;
}

void focus_crop_rect(int frame_w, int frame_h, double crop, double x, double y,
		     struct focus_rect *out)
{
	int w = even_within(frame_w * crop, frame_w), h = even_within(frame_h * crop, frame_h);

	w = w < 16 ? (frame_w & ~1) : w;
	h = h < 16 ? (frame_h & ~1) : h;
	out->width = w;
	out->height = h;
	out->x = even_within(frame_w * x - w / 2.0, frame_w - w);
	out->y = even_within(frame_h * y - h / 2.0, frame_h - h);
}

bool focus_may_shoot(int jobs_open, int64_t now_ms, int64_t prev_ms, int64_t next_ms,
		     int64_t expected_ms, int64_t last_shot_ms)
{
	if (jobs_open > 0)
		return false;
	if (prev_ms > 0 && now_ms >= prev_ms && now_ms - prev_ms < FOCUS_SLOT_AFTER_MS &&
	    last_shot_ms < prev_ms - FOCUS_SLOT_EARLY_MS)
		return false;
	if (next_ms > 0 && next_ms >= now_ms &&
	    next_ms - now_ms < expected_ms + FOCUS_SLOT_MARGIN_MS)
		return false;
	return true;
}
