/* switches.h - what users switch and select over MQTT, kept across restarts.
 *
 * R/backend/<name>/schedules/<s>/set pauses (OFF) or resumes (ON) a
 * schedule. The choice overrides the configuration's `enabled` and is kept
 * in a small JSON file of the state folder, with the `enabled` it
 * overrode: when the configuration's value changes later (an edit, then a
 * reload or restart), that newer decision wins and the switch is forgotten.
 * The same file keeps each camera's selected profile
 * (R/backend/<name>/cameras/<camera>/profile/set), the profile of capture
 * requests that name none (Home Assistant's "Capture now").
 */
#ifndef SKYLAPSE_AGENTS_SCHEDULER_SWITCHES_H
#define SKYLAPSE_AGENTS_SCHEDULER_SWITCHES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"
#include "fsutil.h"

#define SWITCHES_MAX 64
#define SWITCHES_CAMERAS_MAX 512 /* profile selections: as many as cameras (CAMERAS_MAX) */

struct switch_entry {
	char name[ID_MAX + 1];
	bool on;
	bool config_enabled; /* the configuration's value when it was set */
};

struct profile_choice {
	char camera[ID_MAX + 1];
	char profile; /* lower case */
};

struct switches {
	struct switch_entry e[SWITCHES_MAX];
	int n;
	struct profile_choice cam[SWITCHES_CAMERAS_MAX];
	int ncam;
	char path[PATH_MAX]; /* "" = not kept */
};

/* Parses a switch payload: ON or OFF, any case, blanks around allowed.
 * 0 and *on, or SL_ERR_INVAL. */
int switch_parse(const void *payload, size_t len, bool *on);

/* Parses a profile selection: one existing profile id of `set`, any case,
 * blanks around allowed. 0 and *id (lower case), or SL_ERR_INVAL. */
int switch_parse_profile(const struct profile_set *set, const void *payload, size_t len,
			 char *id);


/* Reads the kept switches from `path` (a missing file is no switch).
 * 0, or SL_ERR_PARSE for a file that is not ours (then nothing is kept
 * from it; it is replaced on the next change). */
int switches_load(struct switches *sw, const char *path);

/* Records a switch and writes the file atomically. 0, or SL_ERR_IO (the
 * switch still holds in memory), SL_ERR_RANGE when the table is full. */
int switches_set(struct switches *sw, const struct schedule *s, bool on);

/* Records camera's selected profile (lower case) and writes the file
 * atomically. 0, or SL_ERR_IO (it still holds in memory), SL_ERR_RANGE
 * when the table is full. */
int switches_set_profile(struct switches *sw, const char *camera, char profile);

/* The profile selected for `camera`, or '\0' when none is. */
char switches_profile(const struct switches *sw, const char *camera);

/* Whether `s` runs: its switch when one is kept and the configuration has
 * not changed since, else the configuration's `enabled`. A stale switch is
 * forgotten (and the file rewritten). */
bool switches_runs(struct switches *sw, const struct schedule *s);

#endif
