/* camera_controls_map.h - our control names mapped to libcamera's values.
 *
 * Profiles and requests name controls in words (awb "daylight", metering
 * "spot", af "continuous"); libcamera wants its enum values. The mapping is
 * plain C so it is unit-tested without a camera, and the enum numbers below
 * are checked against libcamera's own enumerators, by name, with
 * static_assert in camera_libcamera.cpp. Names match case-insensitively.
 * Functions return 0 and fill *out, or SL_ERR_NOTFOUND for an unknown name.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_CAMERA_CONTROLS_MAP_H
#define SKYLAPSE_AGENTS_CAPTURE_CAMERA_CONTROLS_MAP_H

/* libcamera controls::AwbModeEnum (AwbAuto .. AwbCustom). */
enum camera_awb {
	CAMERA_AWB_AUTO = 0,
	CAMERA_AWB_INCANDESCENT = 1,
	CAMERA_AWB_TUNGSTEN = 2,
	CAMERA_AWB_FLUORESCENT = 3,
	CAMERA_AWB_INDOOR = 4,
	CAMERA_AWB_DAYLIGHT = 5,
	CAMERA_AWB_CLOUDY = 6,
	CAMERA_AWB_CUSTOM = 7,
};

/* libcamera controls::AeMeteringModeEnum. */
enum camera_metering {
	CAMERA_METERING_CENTRE = 0, /* MeteringCentreWeighted */
	CAMERA_METERING_SPOT = 1,   /* MeteringSpot */
	CAMERA_METERING_MATRIX = 2, /* MeteringMatrix */
};

/* libcamera controls::AfModeEnum. */
enum camera_af {
	CAMERA_AF_MANUAL = 0,	  /* AfModeManual */
	CAMERA_AF_AUTO = 1,	  /* AfModeAuto */
	CAMERA_AF_CONTINUOUS = 2, /* AfModeContinuous */
};

/* One row of the AWB table: our name, libcamera's enumerator name and value,
 * and the colour temperature the mode stands for (the middle of the range
 * the Raspberry Pi tuning gives it; 0 for auto and custom, which have none). */
struct camera_awb_entry {
	const char *name;
	const char *libcamera_name;
	enum camera_awb value;
	int kelvin;
};

/* The AWB table, CAMERA_AWB_CUSTOM + 1 rows in enum order; static storage. */
const struct camera_awb_entry *camera_map_awb_table(void);

int camera_map_awb(const char *name, enum camera_awb *out);
int camera_map_metering(const char *name, enum camera_metering *out);
int camera_map_af(const char *name, enum camera_af *out);

/* The white point a mode stands for: its table Kelvin; `custom_k` for
 * custom (5500 when not positive); `auto_k` for auto, an empty or an
 * unknown name. */
int camera_map_awb_kelvin(const char *name, int custom_k, int auto_k);

/* Red and blue colour gains (relative to green) that make a light of
 * `kelvin` neutral on an IMX477-like sensor; the value libcamera's
 * ColourGains takes when a camera cannot set ColourTemperature itself.
 * Red gain rises and blue gain falls with temperature. Clamped to
 * 1500..15000 K. */
void camera_map_kelvin_gains(int kelvin, double *red, double *blue);

#endif
