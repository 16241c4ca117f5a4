/* config.h - Skylapse configuration: config.json, then the environment,
 * then command-line flags (a flag beats the environment, which beats the file).
 *
 * A flag reaches the configuration one way in every program: it is recorded
 * under the name of the environment variable it stands for (cli_flag()), and
 * config_value() answers the flag before the environment. Never setenv().
 *
 * config_load() reads and checks what several programs share (location,
 * schedules, pi, profiles, broker and topics, identity, folders); each
 * program reads its own section (its settings module) with the helpers
 * below, from the same file and environment, into a struct it owns. Problems
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
#include "timeutil.h"

#define CONFIG_DEFAULT_PATH "config/config.json"
#define CONFIG_SEED_PATH    "backend/config.json" /* the seed's, read in its absence */
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
	bool timelapse_auto;	 /* encode each window's video at its end (default) */
	const json_t *timelapse; /* the "timelapse" object, borrowed from config.root */
};

/* The keys of a schedule's `timelapse` passed on to its encode jobs
 * (schema/encode-job.json); NULL-terminated. */
extern const char *const config_timelapse_fields[];

#define CONFIG_FLAGS_MAX 8

/* Command-line values, each under the environment variable it overrides. */
struct config_flags {
	int count;
	const char *name[CONFIG_FLAGS_MAX];  /* "MQTT_URL", "CAMERA_ID", ... (static) */
	const char *value[CONFIG_FLAGS_MAX]; /* borrowed from argv */
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
	struct config_flags flags; /* copied from config_load()'s */
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
	/* environment (SPEC section 3) */
	char mqtt_url[CONFIG_STR];
	char mqtt_username[CONFIG_STR];
	char mqtt_password[CONFIG_STR];
	char mqtt_ca_file[PATH_MAX];      /* mqtts: "" = the system's CAs */
	char mqtt_cert_file[PATH_MAX];    /* mqtts: client certificate, "" = none */
	char mqtt_key_file[PATH_MAX];     /* its key when not in the certificate file */
	char topic_root[CONFIG_STR];
	char camera_id[ID_MAX + 1];
	char backend_name[ID_MAX + 1];
	char images_dir[PATH_MAX];        /* "" = the program's default */
	char timelapses_dir[PATH_MAX];
	char backend_url[CONFIG_STR];
	char ha_prefix[CONFIG_STR]; /* HA_DISCOVERY_PREFIX: Home Assistant's discovery prefix */
	bool ha_discovery;          /* HA_DISCOVERY: announce devices to Home Assistant */
	bool have_clock;	  /* SKYLAPSE_CLOCK (timeutil.h) is set */
	struct time_clock clock; /* ... to this; cli_load_config() applies it once */
};

/* Loads `path` (NULL: $SKYLAPSE_CONFIG, else CONFIG_DEFAULT_PATH, else
 * CONFIG_SEED_PATH with a warning saying so; a missing default file is a warning, a missing named one an error), applies the
 * environment and `flags` (may be NULL; copied, values stay borrowed),
 * checks it all. Returns 0 when there is no error (warnings may be in probs),
 * SL_ERR_INVAL otherwise; *c must be released with config_free() either way. */
int config_load(struct config *c, const char *path, const struct config_flags *flags,
		struct config_problems *probs);
/* Frees what *c owns and zeroes it; accepts a zeroed config. */
void config_free(struct config *c);
/* Prints each problem line to `f` (stderr-like). */
void config_problems_print(const struct config_problems *probs, FILE *f);
/* The problems as [{"field", "message", "severity"}] for people editing the
 * file elsewhere (the bridge's PUT /config): the "PATH: " prefix (path as
 * loaded) and "warning: " dropped, `field` the key path the line starts with
 * ("schedules.night.interval_seconds"), "" when it names none (a broken
 * file, the environment), severity "error" or "warning". New reference. */
json_t *config_problems_json(const struct config_problems *probs, const char *path);
/* Finds a schedule by name; borrowed, or NULL. */
const struct schedule *config_schedule(const struct config *c, const char *name);

/* Logs a warning for each shared setting that differs between a running
 * `old` and a reloaded `fresh` and applies only after a restart in every
 * program: broker, credentials and TLS files, topic root, camera id, backend name,
 * folders, Home Assistant discovery. Returns how many. */
int config_restart_needed(const struct config *old, const struct config *fresh);
/* When `changed`, logs "reload: NAME changed; it applies after a restart".
 * Returns changed (0 or 1), to be summed. */
int config_changed(bool changed, const char *name);

/* --- for the programs' own sections -------------------------------------- */

/* Records a problem as "PATH: message" (a warning when !error). */
__attribute__((format(printf, 4, 5))) void config_problem(struct config_problems *p,
							   const struct config *c, bool error,
							   const char *fmt, ...);
/* The flag recorded under `name`, else the environment variable; NULL when
 * neither is set or it is empty. Borrowed. */
const char *config_value(const struct config *c, const char *name);
/* Copies config_value(name) into dst when it is set. */
void config_env_str(const struct config *c, const char *name, char *dst, size_t n);
/* Parses config_value(name) into *dst when set: an integer in lo..hi, a
 * number in lo..hi, true/false (also 1/0, yes/no). A bad value is an error
 * naming the variable and leaves *dst alone. */
void config_env_int(const struct config *c, struct config_problems *p, const char *name,
		    long lo, long hi, int *dst);
void config_env_number(const struct config *c, struct config_problems *p, const char *name,
		       double lo, double hi, double *dst);
void config_env_bool(const struct config *c, struct config_problems *p, const char *name,
		     bool *dst);
/* Copies config_value(name) into dst (ID_MAX + 1 bytes) when it is a valid
 * id ([a-z0-9_-]+); another value is an error naming the variable. */
void config_env_id(const struct config *c, struct config_problems *p, const char *name,
		   char *dst);
/* The file's top-level section `name`: NULL when absent or not an object
 * (an error then). Borrowed from c->root. */
const json_t *config_section(const struct config *c, struct config_problems *p,
			     const char *name);
/* obj.key as an integer in lo..hi into *out; absent: false, *out kept;
 * present but bad: an error naming "where.key", false. */
bool config_file_int(const struct config *c, struct config_problems *p, const json_t *obj,
		     const char *where, const char *key, long long lo, long long hi, int *out);
/* The same for a number. */
bool config_file_number(const struct config *c, struct config_problems *p, const json_t *obj,
			const char *where, const char *key, double lo, double hi, double *out);

#endif
