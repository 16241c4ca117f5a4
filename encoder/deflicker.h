/* deflicker.h - per-frame gains that flatten brightness flicker.
 *
 * Each frame's brightness (its mean luma: the sidecar's mean_luma, or
 * measured) is compared with a smooth curve, the centred moving average of
 * the brightness over `window` frames; the frame's gain is curve / own
 * brightness, so after the gain it sits on the curve. Near either end the
 * window shrinks symmetrically (the first and last frames keep gain 1), so
 * a slow trend such as a sunrise is kept, only the jitter around it goes.
 *
 * A frame's brightness is its sidecar's mean_luma when there is one;
 * frames without it are measured on the pipeline's threads from a 1/8-scale
 * decode (TurboJPEG's cheapest). A frame that cannot be measured borrows
 * its neighbour's value; decoding will skip it later anyway.
 */
#ifndef SKYLAPSE_ENCODER_DEFLICKER_H
#define SKYLAPSE_ENCODER_DEFLICKER_H

#include <stdbool.h>
#include <stddef.h>

#include "select.h"

#define DEFLICKER_GAIN_MIN 0.5
#define DEFLICKER_GAIN_MAX 2.0
#define DEFLICKER_DARK	   1.0 /* frames darker than this mean luma keep gain 1 */

/* Fills gains[0..n) from luma[0..n) (0..255). `window` is odd, >= 1; 1
 * gives gains of 1. Returns 0 or SL_ERR_NOMEM. */
int deflicker_gains(const double *luma, size_t n, int window, double *gains);

/* The smooth curve alone (for tests and logs): curve[i] of luma. */
int deflicker_curve(const double *luma, size_t n, int window, double *curve);

/* Fills *gains (a new array of sel->count, caller frees) with the gains of
 * the selected frames over `window` frames. `cancelled(arg)` is polled
 * between frames. Returns 0, ENC_CANCELLED or SL_ERR_NOMEM. */
int deflicker_frame_gains(const struct selection *sel, int window, int threads,
			  bool (*cancelled)(void *arg), void *arg, double **gains);

#endif
