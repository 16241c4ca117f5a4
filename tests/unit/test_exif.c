/* test_exif.c - the EXIF block of a frame (agents/capture/exif.c), read back
 * with libexif's own parser from a JPEG TurboJPEG made. */
#include <libexif/exif-data.h>
#include <turbojpeg.h>

#include "err.h"
#include "exif.h"
#include "testutil.h"

static unsigned char *jpeg;
static unsigned long jpeg_len;

static int setup(void **state)
{
	unsigned char grey[16 * 16];
	tjhandle tj = tjInitCompress();

	(void)state;
	memset(grey, 128, sizeof(grey));
	return tjCompress2(tj, grey, 16, 16, 16, TJPF_GRAY, &jpeg, &jpeg_len, TJSAMP_GRAY, 90, 0) ||
	       tjDestroy(tj);
}

static int teardown(void **state)
{
	(void)state;
	tjFree(jpeg);
	return 0;
}

/* The value of a tag as libexif prints it, or "" when absent. */
static const char *value(ExifData *ed, ExifIfd ifd, ExifTag tag, char *buf, size_t n)
{
	ExifEntry *e = exif_content_get_entry(ed->ifd[ifd], tag);

	buf[0] = '\0';
	return e ? exif_entry_get_value(e, buf, (unsigned int)n) : buf;
}

static void test_written_and_read_back(void **state)
{
	struct exif_info in = {.captured_ms = 1765049400123LL, /* 2025-12-06T19:30:00.123Z */
			       .utc_offset_minutes = -420,
			       .exposure_us = 250000,
			       .analogue_gain = 4.0,
			       .camera_model = "imx477",
			       .software = "skylapse 0.1.0",
			       .have_location = true,
			       .latitude = 39.6333,
			       .longitude = -105.3167};
	unsigned char *out;
	size_t out_len;
	ExifData *ed;
	char buf[128];
	tjhandle tj = tjInitDecompress();
	int w = 0, h = 0, sub = 0;

	(void)state;
	assert_int_equal(exif_insert(jpeg, jpeg_len, &in, &out, &out_len), SL_OK);
	/* still a JPEG that decodes, with its JFIF APP0 first and the APP1 after */
	assert_int_equal(tjDecompressHeader2(tj, out, out_len, &w, &h, &sub), 0);
	assert_int_equal(w, 16);
	assert_memory_equal(out, jpeg, 20);
	assert_int_equal(out[20], 0xFF);
	assert_int_equal(out[21], 0xE1);
	tjDestroy(tj);
	ed = exif_data_new_from_data(out, (unsigned int)out_len);
	assert_non_null(ed);
	assert_string_equal(value(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, buf, sizeof(buf)),
			    "2025:12:06 12:30:00"); /* local, at -07:00 */
	assert_string_equal(value(ed, EXIF_IFD_EXIF, (ExifTag)0x9011, buf, sizeof(buf)), "-07:00");
	assert_string_equal(value(ed, EXIF_IFD_EXIF, EXIF_TAG_SUB_SEC_TIME_ORIGINAL, buf, sizeof(buf)),
			    "123");
	assert_string_equal(value(ed, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, buf, sizeof(buf)),
			    "1/4 sec.");
	assert_string_equal(value(ed, EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS, buf, sizeof(buf)),
			    "400");
	assert_string_equal(value(ed, EXIF_IFD_0, EXIF_TAG_MODEL, buf, sizeof(buf)), "imx477");
	assert_string_equal(value(ed, EXIF_IFD_0, EXIF_TAG_SOFTWARE, buf, sizeof(buf)),
			    "skylapse 0.1.0");
	assert_string_equal(value(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF, buf,
				  sizeof(buf)),
			    "N");
	assert_string_equal(value(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF, buf,
				  sizeof(buf)),
			    "W");
	assert_non_null(strstr(value(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE, buf,
				     sizeof(buf)),
			       "39, 37, 59.88"));
	exif_data_unref(ed);
	free(out);
}

static void test_unknowns_left_out_and_bad_input_refused(void **state)
{
	struct exif_info in = {.captured_ms = 0, .software = "skylapse"};
	unsigned char *out;
	size_t out_len;
	ExifData *ed;
	char buf[64];

	(void)state;
	assert_int_equal(exif_insert(jpeg, jpeg_len, &in, &out, &out_len), SL_OK);
	ed = exif_data_new_from_data(out, (unsigned int)out_len);
	assert_string_equal(value(ed, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, buf, sizeof(buf)), "");
	assert_string_equal(value(ed, EXIF_IFD_0, EXIF_TAG_MODEL, buf, sizeof(buf)), "");
	assert_null(exif_content_get_entry(ed->ifd[EXIF_IFD_GPS], EXIF_TAG_GPS_LATITUDE));
	assert_string_equal(value(ed, EXIF_IFD_EXIF, (ExifTag)0x9011, buf, sizeof(buf)), "+00:00");
	exif_data_unref(ed);
	free(out);
	assert_int_equal(exif_insert((const unsigned char *)"not a jpeg", 10, &in, &out, &out_len),
			 SL_ERR_INVAL);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_written_and_read_back),
	    cmocka_unit_test(test_unknowns_left_out_and_bad_input_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
