/* camera_sim.h - the simulated camera ("sim", camera_sim.c): its exposure
 * model and its one knob beyond camera.h.
 *
 * Manual exposure is exact: the exposure time (10 us .. 60 s) and the valid
 * gain step nearest the one asked for (profile_gain_valid()) are what the
 * frame gets and reports.
 *
 * Auto exposure behaves like a Pi's (libcamera's Raspberry Pi AGC), whose
 * imperfections make timelapses flicker:
 *
 * - Target: the exposure x gain product that brings the metered mean luma to
 *   110 of 255 (centre-weighted, spot or matrix weights over a coarse grid of
 *   the frame; meter() uses centre-weighted, the Pi's default), times 2^ev.
 *   Exposure time first, up to 1/2 s, then analogue gain up to 16 (a step the
 *   sensor accepts), then the frame simply gets darker.
 *
 * - Per-shot error, SIM_AE_ERROR_EV: each still is taken after the AGC
 *   converges anew (camera_libcamera.cpp runs frames until two consecutive
 *   exposure x gain products agree within 3%, at most 16). libcamera's AGC
 *   (src/ipa/rpi/controller/rpi/agc_channel.cpp, filterExposure()) moves
 *   the exposure by a fraction "speed" of the remaining error per frame:
 *   0.2, or sqrt(0.2) = 0.45 within 20% of the target, and leaves it alone
 *   within a "stable_region" of 2%. A 3% step between frames therefore
 *   leaves up to 0.03 / 0.45 = 6.7% (0.09 EV) of error, of a sign that
 *   depends on where the AGC came from; on top of that its statistics are
 *   those of one noisy frame of a moving sky (an assumption of ours: about
 *   0.06 EV). The sim draws the error from a normal distribution of standard
 *   deviation SIM_AE_ERROR_EV = 0.08 EV (the two combined), cut at 3 sigma,
 *   afresh for every shot: a function of the seed (camera_sim_seed()), the
 *   frame time and whether it is a meter() or a capture (each a separate
 *   convergence on the Pi). No state carries over from shot to shot, so the
 *   same seed, time and controls give the same frame in any order.
 *
 * - Quantised shutter: the sensor integrates whole lines. The IMX477's
 *   full-resolution mode has lines of 24000 pixel clocks at 840 MHz (Linux
 *   driver imx477.c: line_length_pix 0x5dc0, IMX477_PIXEL_RATE), so auto
 *   exposure's times are whole multiples of SIM_LINE_US = 28.571 us, the
 *   requested time rounded down (libcamera's CamHelper::exposureLines()).
 *   libcamera makes up the lost fraction with digital gain (ipa_base.cpp,
 *   applyAGC()), and so does the sim: the step shows in the reported
 *   exposure, not in the brightness, except below one line.
 *
 * Light and sensor: the scene's illuminance follows measured daylight by sun
 * elevation (camera_sim_sky.c: ~100000 lux high sun, 400 at sunrise, 3 at
 * civil dusk, 0.01 on a moonless night with some sky glow), so a night at
 * 1/2 s and gain 16 (auto exposure's limits) is close to black, as with an
 * f/2.8 lens at ISO 100 x 16 (SIM_CAL in camera_sim_sky.h: an 18 % grey card
 * under E lux is mid grey at exposure x gain = 20 / E s, the incident-light
 * meter's N^2 / t = E x S / C with C = 250, N = 2.8, S = 100).
 *
 * Night sky: under the twilight lies a constant glow, SIM_NIGHT_SKY, of
 * 21.5 mag/arcsec^2 (V) at the zenith, about 2.5 times that at the horizon.
 * That is a dark rural site's sky (the natural sky is 21.6..22.0 at best:
 * Benn & Ellison 1998, La Palma; Falchi et al. 2016, world atlas of
 * artificial night sky brightness; suburbs reach 19..20). Luminance
 * L = 10.8e4 x 10^(-0.4 mag) cd/m^2 = 2.7e-4 cd/m^2 at 21.5 (the usual
 * conversion, e.g. Cinzano's), which the grey-card calibration above puts at
 * radiance 2.7e-4 x pi / 0.18 = 4.7e-3. Check against a Pi HQ camera: at
 * 20 s, gain 16 (ISO ~1600) and f/2.8 the sky gives a linear value of
 * 4.7e-3 x 20 x 16 x 0.009 = 0.0135, mean luma ~31 at the zenith and more
 * near the horizon: a dark but visible sky, as photographers' 20 s ISO 1600
 * f/2.8 frames of a rural sky are; at f/2 it would be twice that. At auto
 * exposure's 1/2 s and gain 16 the same frame is luma ~3 (black). Before this
 * glow the sim's night sky was 4.7e-4 at most, ~24 mag/arcsec^2, darker than
 * any natural sky, and a night frame at 20 s and gain 16 was luma ~8.
 * Known limit: between -6 and -15 deg the twilight sky here is darker than
 * measured (the zenith at -12 deg is ~22.5 mag/arcsec^2 here against ~17.5
 * measured), so exposure reaches 20 s and gain 16 at about -10.5 deg rather
 * than about -15 deg; the ramp's smoothness is measured on the harder case.
 * Pixels clip at full scale before the tone curve (a sunset's sun is white).
 * Sensor noise grows with the total gain, sigma = 0.6 + 0.22 x gain levels
 * (4 levels at gain 16, the grain of an HQ camera's night frames).
 *
 * Focus: the sim's lens is sharp on the sky at lens position
 * SIM_SHARP_DIOPTRES = 2.45, the position the built-in b and d profiles fix
 * (the earlier stack's focus for its camera), and with no manual lens
 * position at all (a lens focused by hand at install). A manual position
 * D dioptres away from it (af_mode "manual", which a focus request's
 * lens_position sets) leaves a blur circle f^2 x D / N wide, thin-lens
 * optics for a far scene: 6 mm^2 / 2.8 = 12.9 um a dioptre, 8.3 pixels of
 * the HQ camera's 1.55 um (SIM_BLUR_PX_PER_DIOPTRE, at 4056 pixels wide,
 * scaled with the frame). The sensor's noise comes after the lens: it stays
 * sharp, so on featureless sky the focus aid's figure stays at the noise's
 * level whatever the lens does, and on an edge (the skyline, a star) it
 * rises and falls as requests turn the lens.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_CAMERA_SIM_H
#define SKYLAPSE_AGENTS_CAPTURE_CAMERA_SIM_H

#include <stdint.h>

#include "camera.h"

#define SIM_AE_ERROR_EV 0.08		  /* sigma of auto exposure's per-shot error */
#define SIM_LINE_US	(24000.0 / 840.0) /* one sensor line: the shutter's step */
#define SIM_SHARP_DIOPTRES 2.45	  /* the lens position sharp on the sky */
#define SIM_BLUR_PX_PER_DIOPTRE 8.3	  /* blur circle at 4056 pixels wide */

/* Sets the seed of auto exposure's per-shot error of `cam`, a camera opened
 * as "sim" (borrowed); 0, the default, is a seed like any other. Frames
 * taken with the same seed, time and controls are the same bytes. */
void camera_sim_seed(struct camera *cam, uint32_t seed);

#endif
