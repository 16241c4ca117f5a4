/* focus_measure.c - the focus aid's pure parts: the Tenengrad figure, the
 * crop's place, a request's fields and the slot rule (focus_measure.h). */
#include "focus_measure.h"

#include <math.h>
#include <string.h>

#include "jsonx.h"

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

static int get_fraction(const json_t *obj, const char *key, double lo, double hi, double *out,
			char why[ERRMSG_MAX])
{
	int rc = jx_get_number(obj, key, lo, hi, out, why);

	return rc == SL_ERR_NOTFOUND ? SL_OK : rc;
}

int focus_request_parse(const json_t *obj, struct focus_request *out, char why[ERRMSG_MAX])
{
	const char *action = "start";
	long long duration = FOCUS_DURATION_DEFAULT_S, exposure = -1;
	int rc;

	memset(out, 0, sizeof(*out));
	out->crop = FOCUS_CROP_DEFAULT;
	out->x = out->y = 0.5;
	out->analogue_gain = out->lens_position = -1;
	if ((rc = jx_get_string(obj, "action", &action, why)) && rc != SL_ERR_NOTFOUND)
		return rc;
	if (strcmp(action, "start") == 0) {
		out->action = FOCUS_START;
	} else if (strcmp(action, "stop") == 0) {
		out->action = FOCUS_STOP;
	} else {
		err_why(why, "'action' must be \"start\" or \"stop\"");
		return SL_ERR_INVAL;
	}
	if (((rc = jx_get_string(obj, "backend_name", &out->backend_name, why)) &&
	     rc != SL_ERR_NOTFOUND) ||
	    ((rc = jx_get_string(obj, "request_id", &out->request_id, why)) &&
	     rc != SL_ERR_NOTFOUND) ||
	    ((rc = jx_get_int(obj, "duration_s", 1, FOCUS_DURATION_MAX_S, &duration, why)) &&
	     rc != SL_ERR_NOTFOUND) ||
	    ((rc = jx_get_int(obj, "exposure_us", 10, 60000000, &exposure, why)) &&
	     rc != SL_ERR_NOTFOUND) ||
	    ((rc = jx_get_number(obj, "analogue_gain", 1, 16, &out->analogue_gain, why)) &&
	     rc != SL_ERR_NOTFOUND) ||
	    ((rc = jx_get_number(obj, "lens_position", 0, 32, &out->lens_position, why)) &&
	     rc != SL_ERR_NOTFOUND) ||
	    (rc = get_fraction(obj, "crop", 0.05, FOCUS_CROP_MAX, &out->crop, why)) ||
	    (rc = get_fraction(obj, "x", 0, 1, &out->x, why)) ||
	    (rc = get_fraction(obj, "y", 0, 1, &out->y, why)))
		return rc;
	out->duration_s = (int)duration;
	out->exposure_us = (int)exposure;
	return SL_OK;
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
		     int64_t expected_ms)
{
	if (jobs_open > 0)
		return false;
	if (prev_ms > 0 && now_ms >= prev_ms && now_ms - prev_ms < FOCUS_SLOT_AFTER_MS)
		return false;
	if (next_ms > 0 && next_ms >= now_ms &&
	    next_ms - now_ms < expected_ms + FOCUS_SLOT_MARGIN_MS)
		return false;
	return true;
}
