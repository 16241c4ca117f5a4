/* config.h - Skylapse configuration: config.json, then the environment,
 * then command-line flags (a flag beats the environment, which beats the file).
 *
 * config_load() reads and checks everything every program shares; problems
 * are collected, not printed, as "PATH: key.path: message" lines so that
 * `--check` can list them all and exit 1, and a reload (SIGHUP) can keep the
 * old configuration when the new one has errors. Keys of the earlier stack
 * (storage, processing, smoothing, ...) are accepted with a warning.
 */
#ifndef SKYLAPSE_LIB_CONFIG_H
#define SKYLAPSE_LIB_CONFIG_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "fsutil.h"
#include "profile.h"
#include "sun.h"

#define CONFIG_DEFAULT_PATH "config/config.json"
#define CONFIG_PROBLEMS_MAX 64
#define CONFIG_STR 256

enum schedule_type { SCHEDULE_SOLAR, SCHEDULE_TIME_OF_DAY };

struct schedule {
	char name[ID_MAX + 1];
	enum schedule_type type;
	bool enabled;
	enum sun_event anchor;       /* solar_relative */
	int offset_minutes;          /* solar_relative */
	int duration_minutes;        /* solar_relative */
	int start_minute, end_minute; /* time_of_day, minutes of the local day */
	int interval_seconds;
	char profiles[PROFILE_MAX + 1]; /* ids in order; "" = every enabled profile */
	bool timelapse_auto;
	const json_t *timelapse; /* the "timelapse" object, borrowed from config.root */
};

struct config_problems {
	int count, errors;
	bool is_error[CONFIG_PROBLEMS_MAX];
	char lines[CONFIG_PROBLEMS_MAX][512];
};

struct config {
	json_t *root;            /* the parsed file (owned), or an empty object */
	char path[PATH_MAX];
	bool have_file;
	/* location */
	bool have_location;
	double latitude, longitude;
	char timezone[64];
	char location_name[128];
	/* schedules */
	struct schedule *schedules; /* owned */
	int nschedules;
	/* pi */
	char pi_host[CONFIG_STR];
	int pi_port;
	int pi_timeout_seconds;
	struct profile_set profiles;
	const json_t *encoder;   /* borrowed from root, may be NULL */
	const json_t *retention; /* borrowed from root, may be NULL */
	/* capture (optional section "capture") */
	double min_free_pct;     /* refuse captures below this free disk share */
	int sim_width, sim_height;
	/* environment (SPEC section 3) */
	char mqtt_url[CONFIG_STR];
	char mqtt_username[CONFIG_STR];
	char mqtt_password[CONFIG_STR];
	char topic_root[CONFIG_STR];
	char camera_id[ID_MAX + 1];
	char camera_source[PATH_MAX];
	char primary_backend[ID_MAX + 1]; /* "" = any backend may capture */
	char backend_name[ID_MAX + 1];
	char images_dir[PATH_MAX];        /* "" = the program's default */
	char timelapses_dir[PATH_MAX];
	char api_token[CONFIG_STR];
	int backend_port;
	char backend_url[CONFIG_STR];
	int frontend_port;
	char pi_user[CONFIG_STR];
	char pi_source[PATH_MAX];
	int pi_ssh_port;
	char ssh_key[PATH_MAX];
	char ssh_known_hosts[PATH_MAX];
	bool transfer_enabled;
	int transfer_interval_minutes;
	double delete_after_days;
};

/* Loads `path` (NULL: $SKYLAPSE_CONFIG, else CONFIG_DEFAULT_PATH; a missing
 * default file is a warning, a missing named one an error), applies the
 * environment, checks it all. `broker_url` (a --broker flag, may be NULL)
 * beats MQTT_URL. Returns 0 when there is no error (warnings may be in
 * probs), SL_ERR_INVAL otherwise; *c must be released with config_free()
 * either way. */
int config_load(struct config *c, const char *path, const char *broker_url,
		struct config_problems *probs);
/* Frees what *c owns and zeroes it; accepts a zeroed config. */
void config_free(struct config *c);
/* Prints each problem line to `f` (stderr-like). */
void config_problems_print(const struct config_problems *probs, FILE *f);
/* Finds a schedule by name; borrowed, or NULL. */
const struct schedule *config_schedule(const struct config *c, const char *name);

#endif
