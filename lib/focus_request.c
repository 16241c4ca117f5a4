/* focus_request.c - reading a focus aid request (focus_request.h). */
#include "focus_request.h"

#include <string.h>

#include "jsonx.h"

/* A getter's answer, with a missing key no error: the default stays. */
static int optional(int rc)
{
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
	if ((rc = optional(jx_get_string(obj, "action", &action, why))))
		return rc;
	if (strcmp(action, "start") == 0) {
		out->action = FOCUS_START;
	} else if (strcmp(action, "stop") == 0) {
		out->action = FOCUS_STOP;
	} else {
		err_why(why, "'action' must be \"start\" or \"stop\"");
		return SL_ERR_INVAL;
	}
	if ((rc = optional(jx_get_string(obj, "backend_name", &out->backend_name, why))) ||
	    (rc = optional(jx_get_string(obj, "request_id", &out->request_id, why))) ||
	    (rc = optional(jx_get_int(obj, "duration_s", 1, FOCUS_DURATION_MAX_S, &duration,
				      why))) ||
	    (rc = optional(jx_get_int(obj, "exposure_us", 10, 60000000, &exposure, why))) ||
	    (rc = optional(jx_get_number(obj, "analogue_gain", 1, 16, &out->analogue_gain, why))) ||
	    (rc = optional(jx_get_number(obj, "lens_position", 0, 32, &out->lens_position, why))) ||
	    (rc = optional(jx_get_number(obj, "crop", 0.05, FOCUS_CROP_MAX, &out->crop, why))) ||
	    (rc = optional(jx_get_number(obj, "x", 0, 1, &out->x, why))) ||
	    (rc = optional(jx_get_number(obj, "y", 0, 1, &out->y, why))))
		return rc;
	out->duration_s = (int)duration;
	out->exposure_us = (int)exposure;
	return SL_OK;
}
