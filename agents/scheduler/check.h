/* check.h - what skylapse-scheduler checks beyond config_load().
 *
 * config_load() already rejects bad time zones, HH:MM, anchors, intervals,
 * durations and unknown profiles. Here: what only matters to a scheduler -
 * a schedule that would capture nothing (no profile enabled, a window
 * shorter than its interval), profiles named but disabled, misspelt keys
 * of a schedule (the timelapse object is config_load()'s), and the
 * `cameras` list (ids, the schedules each follows).
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_CHECK_H
#define SKYLAPSE_AGENTS_SCHEDULER_CHECK_H

#include "config.h"

/* Adds "PATH: key.path: message" lines (errors and warnings) to p, in the
 * format of config_load(). Returns the number of errors added. */
int check_schedules(const struct config *c, struct config_problems *p);

#endif
