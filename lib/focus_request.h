/* focus_request.h - a focus aid request (schema/focus-request.json), read
 * the same way by the capture agent, which obeys it, and by the bridge,
 * which answers a bad POST /cameras/{id}/focus with 400 before sending it.
 */
#ifndef SKYLAPSE_LIB_FOCUS_REQUEST_H
#define SKYLAPSE_LIB_FOCUS_REQUEST_H

#include <jansson.h>

#include "err.h"

#define FOCUS_DURATION_DEFAULT_S 180
#define FOCUS_DURATION_MAX_S 600
#define FOCUS_CROP_DEFAULT 0.25
/* Half the width at most: a full 12 MP frame in base64 would pass the
 * broker's 4 MiB packet limit. */
#define FOCUS_CROP_MAX 0.5

enum focus_action { FOCUS_START, FOCUS_STOP };

/* A focus request (schema/focus-request.json). Numbers < 0: not given. */
struct focus_request {
	enum focus_action action;
	const char *backend_name; /* borrowed from the payload; NULL when missing */
	const char *request_id;   /* borrowed; NULL when missing */
	int duration_s;           /* 1..FOCUS_DURATION_MAX_S */
	double crop;              /* crop width / frame width, 0.05..FOCUS_CROP_MAX */
	double x, y;              /* crop centre, fractions of the frame */
	int exposure_us;          /* < 0: the exposure metered at the start */
	double analogue_gain;     /* < 0: likewise */
	double lens_position;     /* dioptres; < 0: the lens is left alone */
};

/* Reads a request object (borrowed). 0, or SL_ERR_INVAL with why naming
 * the field. Strings stay borrowed from obj. */
int focus_request_parse(const json_t *obj, struct focus_request *out, char why[ERRMSG_MAX]);

#endif
