/* exif.c - the EXIF block of a frame; see exif.h. */
#include "exif.h"

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"

#define ORDER EXIF_BYTE_ORDER_INTEL
/* tags libexif 0.6 has no names for (EXIF 2.31) */
#define TAG_OFFSET_TIME_ORIGINAL ((ExifTag)0x9011)

/* A new entry of `n` components in `ifd`, owned by ed, its data zeroed;
 * NULL when out of memory. */
static ExifEntry *add(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt, unsigned long n)
{
	ExifMem *mem = exif_mem_new_default();
	ExifEntry *e = mem ? exif_entry_new_mem(mem) : NULL, *kept = NULL;
	size_t size = exif_format_get_size(fmt) * n;

	if (e)
		e->data = exif_mem_alloc(mem, (ExifLong)size);
	if (e && e->data) {
		memset(e->data, 0, size);
		e->size = (unsigned int)size;
		e->tag = tag;
		e->format = fmt;
		e->components = n;
		exif_content_add_entry(ed->ifd[ifd], e);
		kept = e->parent ? e : NULL;
	}
	if (e)
		exif_entry_unref(e); /* the content keeps its own reference */
	if (mem)
		exif_mem_unref(mem);
	return kept;
}

static void add_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s)
{
	ExifEntry *e = add(ed, ifd, tag, EXIF_FORMAT_ASCII, strlen(s) + 1);

	if (e)
		memcpy(e->data, s, strlen(s)); /* the NUL is there already */
}

static void add_rationals(ExifData *ed, ExifIfd ifd, ExifTag tag, const ExifRational *r, int n)
{
	ExifEntry *e = add(ed, ifd, tag, EXIF_FORMAT_RATIONAL, (unsigned long)n);

	for (int i = 0; e && i < n; i++)
		exif_set_rational(e->data + 8 * i, ORDER, r[i]);
}

static void add_short(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned v)
{
	ExifEntry *e = add(ed, ifd, tag, EXIF_FORMAT_SHORT, 1);

	if (e)
		exif_set_short(e->data, ORDER, (ExifShort)(v > 65535 ? 65535 : v));
}

static void add_bytes(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt, const char *bytes,
		      size_t n)
{
	ExifEntry *e = add(ed, ifd, tag, fmt, n);

	if (e)
		memcpy(e->data, bytes, n);
}

/* Degrees as degrees, minutes and seconds to 1/1000". */
static void add_coordinate(ExifData *ed, ExifTag ref_tag, ExifTag tag, double deg,
			   const char *pos, const char *neg)
{
	double a = fabs(deg);
	unsigned d = (unsigned)a, m = (unsigned)((a - d) * 60);
	double s = ((a - d) * 60 - m) * 60;
	ExifRational r[3] = {{d, 1}, {m, 1}, {(ExifLong)lround(s * 1000), 1000}};

	add_ascii(ed, EXIF_IFD_GPS, ref_tag, deg < 0 ? neg : pos);
	add_rationals(ed, EXIF_IFD_GPS, tag, r, 3);
}

static void fill(ExifData *ed, const struct exif_info *in)
{
	time_t t = (time_t)((in->captured_ms + (int64_t)in->utc_offset_minutes * 60000) / 1000);
	int off = in->utc_offset_minutes < 0 ? -in->utc_offset_minutes : in->utc_offset_minutes;
	char when[32], offset[8], sub[8];
	struct tm tm;

	gmtime_r(&t, &tm); /* the local wall-clock time, by its offset */
	strftime(when, sizeof(when), "%Y:%m:%d %H:%M:%S", &tm);
	snprintf(offset, sizeof(offset), "%c%02d:%02d", in->utc_offset_minutes < 0 ? '-' : '+',
		 off / 60, off % 60);
	snprintf(sub, sizeof(sub), "%03d", (int)(((in->captured_ms % 1000) + 1000) % 1000));
	add_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, "Skylapse");
	if (in->camera_model && in->camera_model[0])
		add_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, in->camera_model);
	if (in->software)
		add_ascii(ed, EXIF_IFD_0, EXIF_TAG_SOFTWARE, in->software);
	add_ascii(ed, EXIF_IFD_0, EXIF_TAG_DATE_TIME, when);
	add_bytes(ed, EXIF_IFD_EXIF, EXIF_TAG_EXIF_VERSION, EXIF_FORMAT_UNDEFINED, "0231", 4);
	add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, when);
	add_ascii(ed, EXIF_IFD_EXIF, TAG_OFFSET_TIME_ORIGINAL, offset);
	add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_SUB_SEC_TIME_ORIGINAL, sub);
	if (in->exposure_us > 0)
		add_rationals(ed, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME,
			      &(ExifRational){(ExifLong)in->exposure_us, 1000000}, 1);
	if (in->analogue_gain > 0)
		add_short(ed, EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS,
			  (unsigned)lround(in->analogue_gain * 100));
	if (in->have_location) {
		add_bytes(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_VERSION_ID, EXIF_FORMAT_BYTE,
			  "\2\3\0\0", 4);
		add_coordinate(ed, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF, (ExifTag)EXIF_TAG_GPS_LATITUDE,
			       in->latitude, "N", "S");
		add_coordinate(ed, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF,
			       (ExifTag)EXIF_TAG_GPS_LONGITUDE, in->longitude, "E", "W");
	}
}

/* Where the APP1 goes: after SOI and a JFIF APP0 when there is one. */
static size_t insert_at(const unsigned char *jpeg, size_t len)
{
	if (len >= 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0) {
		size_t seg = 2 + ((size_t)jpeg[4] << 8 | jpeg[5]);

		if (2 + seg <= len)
			return 2 + seg;
	}
	return 2;
}

int exif_insert(const unsigned char *jpeg, size_t len, const struct exif_info *in,
		unsigned char **out, size_t *out_len)
{
	ExifData *ed;
	unsigned char *block = NULL;
	unsigned int block_len = 0;
	size_t at;
	int rc = SL_ERR_NOMEM;

	*out = NULL;
	*out_len = 0;
	if (len < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
		return SL_ERR_INVAL;
	ed = exif_data_new();
	if (ed == NULL)
		return SL_ERR_NOMEM;
	/* written as given: libexif's "fixing" would drop the tags it lacks names for */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
	exif_data_set_byte_order(ed, ORDER);
	fill(ed, in);
	exif_data_save_data(ed, &block, &block_len); /* "Exif\0\0" + TIFF */
	if (block == NULL || block_len == 0 || block_len > 65533)
		goto out;
	at = insert_at(jpeg, len);
	*out = malloc(len + 4 + block_len);
	if (*out == NULL)
		goto out;
	memcpy(*out, jpeg, at);
	(*out)[at] = 0xFF;
	(*out)[at + 1] = 0xE1;
	(*out)[at + 2] = (unsigned char)((block_len + 2) >> 8);
	(*out)[at + 3] = (unsigned char)((block_len + 2) & 0xFF);
	memcpy(*out + at + 4, block, block_len);
	memcpy(*out + at + 4 + block_len, jpeg + at, len - at);
	*out_len = len + 4 + block_len;
	rc = SL_OK;
out:
	free(block);
	exif_data_unref(ed);
	return rc;
}
