/* exif.h - the EXIF block every frame carries (libexif), so photo tools,
 * exiftool and galleries read when, how and where it was taken.
 *
 * Written: DateTimeOriginal in local time with OffsetTimeOriginal and
 * SubSecTimeOriginal (the capture's own instant, to the millisecond);
 * ExposureTime and ISOSpeedRatings (analogue gain x 100, the convention
 * libcamera's apps follow) when the camera reported them; Make "Skylapse",
 * Model the camera's model; Software "skylapse <version>"; GPS latitude and
 * longitude from the configuration's location. The block goes into the JPEG
 * as an APP1 segment after SOI and the JFIF APP0, where readers look for it.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_EXIF_H
#define SKYLAPSE_AGENTS_CAPTURE_EXIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct exif_info {
	int64_t captured_ms;	  /* Unix ms */
	int utc_offset_minutes;	  /* of the local time at captured_ms (east positive) */
	int exposure_us;	  /* <= 0: unknown, not written */
	double analogue_gain;	  /* <= 0: unknown, not written */
	const char *camera_model; /* NULL or "": not written */
	const char *software;	  /* "skylapse 0.1.0" */
	bool have_location;
	double latitude, longitude; /* degrees, north and east positive */
};

/* Makes a copy of the JPEG `jpeg` (`len` bytes, borrowed) with the EXIF
 * block of `in` inserted: 0 and *out (malloc'd, the caller frees) of *out_len
 * bytes; SL_ERR_INVAL when `jpeg` does not start with SOI, SL_ERR_NOMEM. */
int exif_insert(const unsigned char *jpeg, size_t len, const struct exif_info *in,
		unsigned char **out, size_t *out_len);

#endif
