/* camera_controls_map.c - tables from our control names to libcamera values,
 * and the Kelvin -> colour gains approximation.
 *
 * The gains model: a sensor sees a light of temperature T with red/green and
 * blue/green ratios that fall and rise as power laws of T. Fitted by hand to
 * the shape of the IMX477 (Pi HQ camera) colour-temperature curve, it is
 * within about 10% of it over 2500..8000 K: red/green = 0.34 (5600/T)^0.7,
 * blue/green = 0.67 (T/5600)^0.9. The gains are their inverses. A camera
 * that accepts ColourTemperature itself never uses this.
 */
#include "camera_controls_map.h"

#include <math.h>
#include <stddef.h>
#include <strings.h>

#include "err.h"

static const struct camera_awb_entry awb_table[] = {
    {"auto", "AwbAuto", CAMERA_AWB_AUTO, 0},
    {"incandescent", "AwbIncandescent", CAMERA_AWB_INCANDESCENT, 2750},
    {"tungsten", "AwbTungsten", CAMERA_AWB_TUNGSTEN, 3250},
    {"fluorescent", "AwbFluorescent", CAMERA_AWB_FLUORESCENT, 4350},
    {"indoor", "AwbIndoor", CAMERA_AWB_INDOOR, 4000},
    {"daylight", "AwbDaylight", CAMERA_AWB_DAYLIGHT, 6000},
    {"cloudy", "AwbCloudy", CAMERA_AWB_CLOUDY, 7800},
    {"custom", "AwbCustom", CAMERA_AWB_CUSTOM, 0},
};

struct name_value {
	const char *name;
	int value;
};

/* Spellings a user may write; the first of each value is the canonical one. */
static const struct name_value metering_names[] = {
    {"centre", CAMERA_METERING_CENTRE},
    {"center", CAMERA_METERING_CENTRE},
    {"centre-weighted", CAMERA_METERING_CENTRE},
    {"centre_weighted", CAMERA_METERING_CENTRE},
    {"center-weighted", CAMERA_METERING_CENTRE},
    {"center_weighted", CAMERA_METERING_CENTRE},
    {"spot", CAMERA_METERING_SPOT},
    {"matrix", CAMERA_METERING_MATRIX},
    {"average", CAMERA_METERING_MATRIX},
};

static const struct name_value af_names[] = {
    {"manual", CAMERA_AF_MANUAL},
    {"auto", CAMERA_AF_AUTO},
    {"continuous", CAMERA_AF_CONTINUOUS},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int lookup(const struct name_value *t, size_t n, const char *name, int *out)
{
	size_t i;

	if (name == NULL)
		return SL_ERR_NOTFOUND;
	for (i = 0; i < n; i++) {
		if (strcasecmp(t[i].name, name) == 0) {
			*out = t[i].value;
			return 0;
		}
	}
	return SL_ERR_NOTFOUND;
}

const struct camera_awb_entry *camera_map_awb_table(void)
{
	return awb_table;
}

static const struct camera_awb_entry *awb_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < COUNT(awb_table); i++)
		if (strcasecmp(awb_table[i].name, name) == 0)
			return &awb_table[i];
	return NULL;
}

int camera_map_awb(const char *name, enum camera_awb *out)
{
	const struct camera_awb_entry *e = awb_find(name);

	if (e == NULL)
		return SL_ERR_NOTFOUND;
	*out = e->value;
	return 0;
}

int camera_map_metering(const char *name, enum camera_metering *out)
{
	int v, rc = lookup(metering_names, COUNT(metering_names), name, &v);

	if (rc == 0)
		*out = (enum camera_metering)v;
	return rc;
}

int camera_map_af(const char *name, enum camera_af *out)
{
	int v, rc = lookup(af_names, COUNT(af_names), name, &v);

	if (rc == 0)
		*out = (enum camera_af)v;
	return rc;
}

int camera_map_awb_kelvin(const char *name, int custom_k, int auto_k)
{
	const struct camera_awb_entry *e = awb_find(name);

	if (e == NULL || e->value == CAMERA_AWB_AUTO)
		return auto_k;
	if (e->value == CAMERA_AWB_CUSTOM)
		return custom_k > 0 ? custom_k : 5500;
	return e->kelvin;
}

void camera_map_kelvin_gains(int kelvin, double *red, double *blue)
{
	double t = kelvin;

	if (t < 1500)
		t = 1500;
	if (t > 15000)
		t = 15000;
	*red = 1.0 / (0.34 * pow(5600.0 / t, 0.7));
	*blue = 1.0 / (0.67 * pow(t / 5600.0, 0.9));
}
