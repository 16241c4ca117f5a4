/* config.c - load and check the configuration; see config.h.
 *
 * Order: defaults, then the file's shared sections (location, schedules,
 * pi, profiles, encoder, retention; "capture" is left to its program,
 * unknown top-level sections warn), then the environment, each variable
 * answered by its flag first (config_value()). Every problem found is
 * recorded; checking goes on so that one run of --check lists them all.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "jsonx.h"
#include "log.h"
#include "timeutil.h"

#define CONFIG_FILE_MAX (1024 * 1024)

/* "name" is left out on purpose: one name for every day's window would
 * make each day's video replace the last. */
const char *const config_timelapse_fields[] = {
	"kind",	  "fps",	  "duration_seconds", "width",	   "height",  "codec", "crf",
	"preset", "quality_tier", "quality",	      "deflicker", "bracket", NULL,
};

static const char *known_sections[] = {"location", "schedules", "pi",	     "profiles",
				       "encoder",  "retention", "capture", "cameras", NULL};
/* "cameras" is the scheduler's (agents/scheduler/check.c). */
/* "capture" is the capture agent's own section (agents/capture/settings.c). */
/* Sections of the earlier stack: accepted, warned about, ignored. */
static const char *legacy_sections[] = {"storage",     "processing", "smoothing", "video_debug",
					"stack_images", "capture_settings", "transfer", "api",
					"frontend",    "hdr",	     "exposure",  NULL};

void config_problem(struct config_problems *p, const struct config *c, bool error,
		    const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->count >= CONFIG_PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->lines[p->count], sizeof(p->lines[0]), "%.200s: %s%.255s", c->path,
		 error ? "" : "warning: ", msg);
	p->is_error[p->count++] = error;
	if (error)
		p->errors++;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void default_host_id(char out[ID_MAX + 1])
{
	char host[256] = "";
	size_t j = 0;

	gethostname(host, sizeof(host) - 1);
	for (size_t i = 0; host[i] && host[i] != '.' && j < ID_MAX; i++) {
		char ch = (char)tolower((unsigned char)host[i]);

		if (isalnum((unsigned char)ch) || ch == '_' || ch == '-')
			out[j++] = ch;
	}
	out[j] = '\0';
	if (j == 0)
		copy_str(out, ID_MAX + 1, "skylapse");
}

static void set_defaults(struct config *c)
{
	c->latitude = 0;
	c->longitude = 0;
	copy_str(c->timezone, sizeof(c->timezone), "UTC");
	c->pi_port = 8080;
	c->pi_timeout_seconds = 10;
	profile_set_builtin(&c->profiles);
	copy_str(c->mqtt_url, sizeof(c->mqtt_url), "mqtt://localhost:1883");
	copy_str(c->topic_root, sizeof(c->topic_root), "skylapse");
	copy_str(c->ha_prefix, sizeof(c->ha_prefix), "homeassistant");
	c->ha_discovery = true;
	default_host_id(c->camera_id);
	default_host_id(c->backend_name);
}

/* --- file sections ------------------------------------------------------ */

/* location.<key>: a number in -limit..limit. */
static void load_coordinate(struct config *c, struct config_problems *p, const json_t *loc,
			    const char *key, double limit, double *out)
{
	const json_t *v = json_object_get(loc, key);

	if (!json_is_number(v))
		config_problem(p, c, true, "location.%s: must be a number", key);
	else if (json_number_value(v) < -limit || json_number_value(v) > limit)
		config_problem(p, c, true, "location.%s: %g is outside -%g..%g", key,
			       json_number_value(v), limit, limit);
	else
		*out = json_number_value(v);
}

static void load_location(struct config *c, struct config_problems *p)
{
	const json_t *loc = json_object_get(c->root, "location");
	const json_t *v;

	if (loc == NULL) {
		if (c->have_file)
			config_problem(p, c, true,
				       "location: missing (latitude, longitude, timezone)");
		return;
	}
	if (!json_is_object(loc)) {
		config_problem(p, c, true, "location: must be an object");
		return;
	}
	c->have_location = true;
	load_coordinate(c, p, loc, "latitude", 90, &c->latitude);
	load_coordinate(c, p, loc, "longitude", 180, &c->longitude);
	v = json_object_get(loc, "timezone");
	if (v == NULL)
		config_problem(p, c, true,
			       "location.timezone: missing (an IANA name like Europe/Paris)");
	else if (!json_is_string(v))
		config_problem(p, c, true, "location.timezone: must be a string");
	else if (!time_zone_exists(json_string_value(v)))
		config_problem(p, c, true,
			       "location.timezone: '%s' is not in the IANA time zone database",
			       json_string_value(v));
	else
		copy_str(c->timezone, sizeof(c->timezone), json_string_value(v));
	v = json_object_get(loc, "name");
	if (json_is_string(v))
		copy_str(c->location_name, sizeof(c->location_name), json_string_value(v));
}

bool config_file_int(const struct config *c, struct config_problems *p, const json_t *obj,
		     const char *where, const char *key, long long lo, long long hi, int *out)
{
	char why[ERRMSG_MAX];
	long long x;
	int rc = jx_get_int(obj, key, lo, hi, &x, why);

	if (rc == SL_ERR_NOTFOUND)
		return false;
	if (rc == SL_ERR_INVAL) {
		config_problem(p, c, true, "%s.%s: must be an integer", where, key);
		return false;
	}
	if (rc == SL_ERR_RANGE) {
		config_problem(p, c, true, "%s.%s: %lld is outside %lld..%lld", where, key,
			       (long long)json_number_value(json_object_get(obj, key)), lo, hi);
		return false;
	}
	*out = (int)x;
	return true;
}

bool config_file_number(const struct config *c, struct config_problems *p, const json_t *obj,
			const char *where, const char *key, double lo, double hi, double *out)
{
	char why[ERRMSG_MAX];
	int rc = jx_get_number(obj, key, lo, hi, out, why);

	if (rc == SL_OK || rc == SL_ERR_NOTFOUND)
		return rc == SL_OK;
	config_problem(p, c, true, "%s.%s: must be a number %g..%g", where, key, lo, hi);
	return false;
}

const json_t *config_section(const struct config *c, struct config_problems *p,
			     const char *name)
{
	const json_t *sec = json_object_get(c->root, name);

	if (sec && !json_is_object(sec)) {
		config_problem(p, c, true, "%s: must be an object", name);
		return NULL;
	}
	return sec;
}

static void load_schedule_profiles(struct config *c, struct config_problems *p,
				   struct schedule *s, const json_t *js, const char *where)
{
	const json_t *one = json_object_get(js, "profile");
	const json_t *many = json_object_get(js, "profiles");
	const json_t *v;
	size_t i, n = 0;

	if (one && many)
		config_problem(p, c, false, "%s: both 'profile' and 'profiles'; using 'profiles'",
			       where);
	if (many) {
		if (!json_is_array(many)) {
			config_problem(p, c, true, "%s.profiles: must be a list of profile ids",
				       where);
			return;
		}
		json_array_foreach(many, i, v) {
			const struct profile *pr =
			    json_is_string(v) ? profile_find(&c->profiles, json_string_value(v))
					      : NULL;

			if (pr == NULL) {
				config_problem(
				    p, c, true, "%s.profiles[%zu]: unknown profile %s", where, i,
				    json_is_string(v) ? json_string_value(v) : "(not a string)");
				continue;
			}
			if (n < PROFILE_MAX && !strchr(s->profiles, pr->id))
				s->profiles[n++] = pr->id;
		}
		s->profiles[n] = '\0';
	} else if (one) {
		const struct profile *pr =
		    json_is_string(one) ? profile_find(&c->profiles, json_string_value(one)) : NULL;

		if (pr == NULL)
			config_problem(p, c, true, "%s.profile: unknown profile %s", where,
				       json_is_string(one) ? json_string_value(one)
							   : "(not a string)");
		else
			s->profiles[0] = pr->id;
	}
}

/* "kind", "codec", ... of a timelapse object: absent, or one of `allowed`. */
static void timelapse_choice(struct config *c, struct config_problems *p, const json_t *tl,
			     const char *where, const char *key, const char *const *allowed)
{
	const json_t *v = json_object_get(tl, key);
	char names[192] = "";

	if (v == NULL || (json_is_string(v) && in_list(json_string_value(v), allowed)))
		return;
	for (int i = 0; allowed[i]; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", allowed[i]);
	config_problem(p, c, true, "%s.timelapse.%s: must be one of %s", where, key, names);
}

static void timelapse_number(struct config *c, struct config_problems *p, const json_t *tl,
			     const char *where, const char *key, bool integer, double lo, double hi)
{
	const json_t *v = json_object_get(tl, key);

	if (v == NULL || ((integer ? json_is_integer(v) : json_is_number(v)) &&
			  json_number_value(v) >= lo && json_number_value(v) <= hi))
		return;
	config_problem(p, c, true, "%s.timelapse.%s: must be %s in %g..%g", where, key,
		       integer ? "an integer" : "a number", lo, hi);
}

/* The encoder's job fields (schema/encode-job.json), checked here so that
 * the job of a window that closes at night is not refused then. */
static void load_timelapse(struct config *c, struct config_problems *p, const json_t *tl,
			   const char *where)
{
	static const char *const kinds[] = {"video", "keogram", "startrails", NULL};
	static const char *const codecs[] = {"h264", "h265", "hevc", "vp9", "av1", NULL};
	static const char *const tiers[] = {"preview", "archive", NULL};
	static const char *const qualities[] = {"low", "medium", "high", NULL};
	static const char *const presets[] = {"ultrafast", "superfast", "veryfast", "faster",
					      "fast",	   "medium",	"slow",	    "slower",
					      "veryslow",  "placebo",	NULL};

	/* the scheduler's own switches: the video, the night's pictures */
	static const char *const flags[] = {"auto", "keogram", "startrails", NULL};
	const json_t *v;
	const char *key;

	json_object_foreach((json_t *)tl, key, v) {
		if (!in_list(key, flags) && !in_list(key, config_timelapse_fields))
			config_problem(p, c, false,
				       "%s.timelapse.%.64s: not an encoder field; not passed on",
				       where, key);
	}
	for (int i = 0; flags[i]; i++) {
		v = json_object_get(tl, flags[i]);
		if (v && !json_is_boolean(v))
			config_problem(p, c, true, "%s.timelapse.%s: must be true or false",
				       where, flags[i]);
	}
	timelapse_choice(c, p, tl, where, "kind", kinds);
	timelapse_choice(c, p, tl, where, "codec", codecs);
	timelapse_choice(c, p, tl, where, "preset", presets);
	timelapse_choice(c, p, tl, where, "quality_tier", tiers);
	timelapse_choice(c, p, tl, where, "quality", qualities);
	timelapse_number(c, p, tl, where, "fps", true, 1, 120);
	timelapse_number(c, p, tl, where, "duration_seconds", false, 0.001, 86400);
	timelapse_number(c, p, tl, where, "width", true, 0, 7680);
	timelapse_number(c, p, tl, where, "height", true, 0, 8192);
	timelapse_number(c, p, tl, where, "crf", true, 0, 63);
	timelapse_number(c, p, tl, where, "bracket", true, 0, 99);
	if (json_object_get(tl, "fps") && json_object_get(tl, "duration_seconds"))
		config_problem(p, c, true, "%s.timelapse: give fps or duration_seconds, not both",
			       where);
	v = json_object_get(tl, "deflicker");
	if (v && !json_is_boolean(v) && !json_is_object(v))
		config_problem(p, c, true,
			       "%s.timelapse.deflicker: must be true, false or {\"window\": N}",
			       where);
}

static void load_schedule(struct config *c, struct config_problems *p, const char *name,
			  const json_t *js, struct schedule *s)
{
	char where[128], why[ERRMSG_MAX];
	const char *type = NULL, *str = NULL;
	const json_t *tl;
	bool b;

	snprintf(where, sizeof(where), "schedules.%.64s", name);
	memset(s, 0, sizeof(*s));
	copy_str(s->name, sizeof(s->name), name);
	s->enabled = true;
	s->interval_seconds = 30;
	if (!id_is_valid(name))
		config_problem(p, c, true,
			       "%s: schedule names must match [a-z0-9_-]+ (they name MQTT topics)",
			       where);
	if (!json_is_object(js)) {
		config_problem(p, c, true, "%s: must be an object", where);
		return;
	}
	if (jx_get_bool(js, "enabled", &b, why) == SL_OK)
		s->enabled = b;
	else if (json_object_get(js, "enabled"))
		config_problem(p, c, true, "%s.enabled: must be true or false", where);
	config_file_int(c, p, js, where, "interval_seconds", 1, 86400, &s->interval_seconds);
	if (jx_get_string(js, "type", &type, why) != SL_OK) {
		config_problem(p, c, true,
			       "%s.type: missing or not a string (solar_relative or time_of_day)",
			       where);
	} else if (strcmp(type, "solar_relative") == 0) {
		s->type = SCHEDULE_SOLAR;
		if (jx_get_string(js, "anchor", &str, why) != SL_OK)
			config_problem(p, c, true, "%s.anchor: missing or not a string", where);
		else if (sun_event_parse(str, &s->anchor) != SL_OK)
			config_problem(p, c, true, "%s.anchor: unknown anchor '%s'", where, str);
		if (json_object_get(js, "offset_minutes"))
			config_file_int(c, p, js, where, "offset_minutes", -1440, 1440,
					&s->offset_minutes);
		if (json_object_get(js, "duration_minutes") == NULL)
			config_problem(p, c, true, "%s.duration_minutes: missing", where);
		else
			config_file_int(c, p, js, where, "duration_minutes", 1, 1440,
					&s->duration_minutes);
	} else if (strcmp(type, "time_of_day") == 0) {
		s->type = SCHEDULE_TIME_OF_DAY;
		if (jx_get_string(js, "start_time", &str, why) != SL_OK ||
		    time_parse_hhmm(str, &s->start_minute) != SL_OK)
			config_problem(p, c, true, "%s.start_time: must be \"HH:MM\"", where);
		if (jx_get_string(js, "end_time", &str, why) != SL_OK ||
		    time_parse_hhmm(str, &s->end_minute) != SL_OK)
			config_problem(p, c, true, "%s.end_time: must be \"HH:MM\"", where);
	} else {
		config_problem(p, c, true, "%s.type: unknown schedule type '%s'", where, type);
	}
	load_schedule_profiles(c, p, s, js, where);
	s->timelapse_auto = true;
	tl = json_object_get(js, "timelapse");
	if (tl && !json_is_object(tl)) {
		config_problem(p, c, true, "%s.timelapse: must be an object", where);
	} else if (tl) {
		s->timelapse = tl;
		s->timelapse_auto = !json_is_false(json_object_get(tl, "auto"));
		load_timelapse(c, p, tl, where);
	}
}

static void load_schedules(struct config *c, struct config_problems *p)
{
	const json_t *scheds = json_object_get(c->root, "schedules");
	const char *name;
	json_t *js;
	int i = 0;

	if (scheds == NULL)
		return;
	if (!json_is_object(scheds)) {
		config_problem(p, c, true, "schedules: must be an object of named schedules");
		return;
	}
	c->schedules = calloc(json_object_size(scheds) + 1, sizeof(*c->schedules));
	if (c->schedules == NULL) {
		config_problem(p, c, true, "schedules: out of memory");
		return;
	}
	json_object_foreach((json_t *)scheds, name, js)
		load_schedule(c, p, name, js, &c->schedules[i++]);
	c->nschedules = i;
}

static void load_pi(struct config *c, struct config_problems *p)
{
	const json_t *pi = json_object_get(c->root, "pi");
	const char *host;
	char why[ERRMSG_MAX];

	if (pi == NULL)
		return;
	if (!json_is_object(pi)) {
		config_problem(p, c, true, "pi: must be an object");
		return;
	}
	if (jx_get_string(pi, "host", &host, why) == SL_OK)
		copy_str(c->pi_host, sizeof(c->pi_host), host);
	else if (json_object_get(pi, "host"))
		config_problem(p, c, true, "pi.host: must be a string");
	config_file_int(c, p, pi, "pi", "port", 1, 65535, &c->pi_port);
	config_file_int(c, p, pi, "pi", "timeout_seconds", 1, 3600, &c->pi_timeout_seconds);
}

static void load_sections(struct config *c, struct config_problems *p)
{
	const char *key;
	json_t *v;
	char why[ERRMSG_MAX];

	json_object_foreach(c->root, key, v) {
		if (in_list(key, known_sections))
			continue;
		if (in_list(key, legacy_sections))
			config_problem(p, c, false, "%s: section of the earlier stack, ignored",
				       key);
		else
			config_problem(p, c, false, "%s: unknown section, ignored", key);
	}
	load_location(c, p);
	if (profile_set_load(&c->profiles, json_object_get(c->root, "profiles"), why) != SL_OK)
		config_problem(p, c, true, "%s", why);
	load_schedules(c, p);
	load_pi(c, p);
	c->encoder = json_object_get(c->root, "encoder");
	c->retention = json_object_get(c->root, "retention");
}

/* --- environment ---------------------------------------------------------- */

const char *config_value(const struct config *c, const char *name)
{
	const char *v = NULL;

	for (int i = c->flags.count - 1; i >= 0 && v == NULL; i--)
		if (strcmp(c->flags.name[i], name) == 0)
			v = c->flags.value[i];
	if (v == NULL)
		v = getenv(name);
	return v && *v ? v : NULL;
}

void config_env_str(const struct config *c, const char *name, char *dst, size_t n)
{
	const char *v = config_value(c, name);

	if (v)
		copy_str(dst, n, v);
}

void config_env_int(const struct config *c, struct config_problems *p, const char *name,
		    long lo, long hi, int *dst)
{
	const char *v = config_value(c, name);
	char *end;
	long x;

	if (v == NULL)
		return;
	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || *end || x < lo || x > hi) {
		config_problem(p, c, true, "env %s: '%s' is not an integer in %ld..%ld", name, v,
			       lo, hi);
		return;
	}
	*dst = (int)x;
}

void config_env_number(const struct config *c, struct config_problems *p, const char *name,
		       double lo, double hi, double *dst)
{
	const char *v = config_value(c, name);
	char *end;
	double d;

	if (v == NULL)
		return;
	d = strtod(v, &end);
	if (*end || end == v || d < lo || d > hi)
		config_problem(p, c, true, "env %s: '%s' is not a number in %g..%g", name, v, lo,
			       hi);
	else
		*dst = d;
}

void config_env_bool(const struct config *c, struct config_problems *p, const char *name,
		     bool *dst)
{
	const char *v = config_value(c, name);

	if (v == NULL)
		return;
	if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
		*dst = true;
	else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no"))
		*dst = false;
	else
		config_problem(p, c, true, "env %s: '%s' is not true or false", name, v);
}

void config_env_id(const struct config *c, struct config_problems *p, const char *name,
		   char *dst)
{
	const char *v = config_value(c, name);

	if (v == NULL)
		return;
	if (!id_is_valid(v)) {
		config_problem(p, c, true, "env %s: '%s' must match [a-z0-9_-]+", name, v);
		return;
	}
	copy_str(dst, ID_MAX + 1, v);
}

/* The TLS files: readable, a key only beside a certificate, and a warning
 * when the broker URL would not use them. */
static void load_tls(struct config *c, struct config_problems *p)
{
	const char *names[] = {"MQTT_CA_FILE", "MQTT_CERT_FILE", "MQTT_KEY_FILE"};
	const char *files[] = {c->mqtt_ca_file, c->mqtt_cert_file, c->mqtt_key_file};
	bool any = false;

	for (int i = 0; i < 3; i++) {
		if (files[i][0] == '\0')
			continue;
		any = true;
		if (access(files[i], R_OK) != 0)
			config_problem(p, c, true, "env %s: cannot read '%s': %s", names[i],
				       files[i], strerror(errno));
	}
	if (c->mqtt_key_file[0] && c->mqtt_cert_file[0] == '\0')
		config_problem(p, c, true, "env MQTT_KEY_FILE is set without MQTT_CERT_FILE");
	if (any && strncmp(c->mqtt_url, "mqtts://", 8) && strncmp(c->mqtt_url, "ssl://", 6))
		config_problem(p, c, false,
			       "the MQTT_*_FILE settings apply to mqtts:// only; MQTT_URL is '%s'",
			       c->mqtt_url);
}

static void load_env(struct config *c, struct config_problems *p)
{
	char why[ERRMSG_MAX];
	const char *clock;

	config_env_str(c, "MQTT_URL", c->mqtt_url, sizeof(c->mqtt_url));
	config_env_str(c, "MQTT_USERNAME", c->mqtt_username, sizeof(c->mqtt_username));
	config_env_str(c, "MQTT_PASSWORD", c->mqtt_password, sizeof(c->mqtt_password));
	config_env_str(c, "MQTT_TOPIC_ROOT", c->topic_root, sizeof(c->topic_root));
	config_env_str(c, "MQTT_CA_FILE", c->mqtt_ca_file, sizeof(c->mqtt_ca_file));
	config_env_str(c, "MQTT_CERT_FILE", c->mqtt_cert_file, sizeof(c->mqtt_cert_file));
	config_env_str(c, "MQTT_KEY_FILE", c->mqtt_key_file, sizeof(c->mqtt_key_file));
	config_env_id(c, p, "CAMERA_ID", c->camera_id);
	config_env_id(c, p, "BACKEND_NAME", c->backend_name);
	config_env_str(c, "IMAGES_DIR", c->images_dir, sizeof(c->images_dir));
	config_env_str(c, "TIMELAPSES_DIR", c->timelapses_dir, sizeof(c->timelapses_dir));
	config_env_str(c, "BACKEND_URL", c->backend_url, sizeof(c->backend_url));
	config_env_str(c, "PI_HOST", c->pi_host, sizeof(c->pi_host));
	config_env_int(c, p, "PI_PORT", 1, 65535, &c->pi_port);
	config_env_str(c, "HA_DISCOVERY_PREFIX", c->ha_prefix, sizeof(c->ha_prefix));
	config_env_bool(c, p, "HA_DISCOVERY", &c->ha_discovery);
	if (strncmp(c->mqtt_url, "mqtt://", 7) && strncmp(c->mqtt_url, "mqtts://", 8) &&
	    strncmp(c->mqtt_url, "tcp://", 6) && strncmp(c->mqtt_url, "ssl://", 6))
		config_problem(p, c, true, "broker URL '%s' must start with mqtt:// or mqtts://",
			       c->mqtt_url);
	load_tls(c, p);
	if (strchr(c->topic_root, '#') || strchr(c->topic_root, '+') || c->topic_root[0] == '\0')
		config_problem(p, c, true, "env MQTT_TOPIC_ROOT: '%s' must be a plain topic prefix",
			       c->topic_root);
	if (c->ha_prefix[0] == '\0' || strpbrk(c->ha_prefix, "#+") || c->ha_prefix[0] == '/' ||
	    c->ha_prefix[strlen(c->ha_prefix) - 1] == '/')
		config_problem(p, c, true,
			       "env HA_DISCOVERY_PREFIX: '%s' must be a plain topic prefix",
			       c->ha_prefix);
	clock = config_value(c, "SKYLAPSE_CLOCK");
	if (clock && time_clock_parse(clock, time_real_ms(), &c->clock, why) != SL_OK)
		config_problem(p, c, true, "env SKYLAPSE_CLOCK: %s", why);
	else
		c->have_clock = clock != NULL;
}

/* --- public -------------------------------------------------------------- */

int config_load(struct config *c, const char *path, const struct config_flags *flags,
		struct config_problems *p)
{
	bool named = path != NULL, seed = false;
	json_error_t jerr;

	memset(c, 0, sizeof(*c));
	memset(p, 0, sizeof(*p));
	if (flags)
		c->flags = *flags;
	if (path == NULL)
		path = getenv("SKYLAPSE_CONFIG");
	if (path && *path)
		named = true;
	else if ((seed = access(CONFIG_DEFAULT_PATH, F_OK) != 0 &&
			  access(CONFIG_SEED_PATH, F_OK) == 0))
		path = CONFIG_SEED_PATH;
	else
		path = CONFIG_DEFAULT_PATH;
	copy_str(c->path, sizeof(c->path), path);
	set_defaults(c);
	if (seed)
		config_problem(p, c, false, "no %s; reading the seed installation's file",
			       CONFIG_DEFAULT_PATH);
	if (access(path, F_OK) != 0 && !named) {
		config_problem(p, c, false, "no configuration file; using defaults");
		c->root = json_object();
	} else {
		c->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (c->root == NULL) {
			if (access(path, R_OK) != 0)
				config_problem(p, c, true, "cannot read: %s", strerror(errno));
			else
				config_problem(p, c, true, "invalid JSON: %s (line %d, column %d)",
					       jerr.text, jerr.line, jerr.column);
			c->root = json_object();
		} else if (!json_is_object(c->root)) {
			config_problem(p, c, true, "the file must hold one JSON object");
			json_decref(c->root);
			c->root = json_object();
		} else {
			c->have_file = true;
		}
	}
	if (c->have_file)
		load_sections(c, p);
	load_env(c, p);
	return p->errors ? SL_ERR_INVAL : SL_OK;
}

void config_free(struct config *c)
{
	if (c == NULL)
		return;
	json_decref(c->root);
	free(c->schedules);
	memset(c, 0, sizeof(*c));
}

void config_problems_print(const struct config_problems *p, FILE *f)
{
	for (int i = 0; i < p->count; i++)
		fprintf(f, "%s\n", p->lines[i]);
}

/* The length of the key path `line` starts with ("a.b[0].c: ..."), 0 when
 * it starts with something else ("env X: ...", "invalid JSON: ..."). */
static size_t field_len(const char *line)
{
	const char *colon = strstr(line, ": ");
	size_t n = colon ? (size_t)(colon - line) : 0;

	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)line[i]) && !strchr("_-.[]", line[i]))
			return 0;
	return n;
}

json_t *config_problems_json(const struct config_problems *p, const char *path)
{
	json_t *out = json_array();
	size_t plen = strlen(path);

	for (int i = 0; out && i < p->count; i++) {
		const char *line = p->lines[i];
		size_t n;

		if (strncmp(line, path, plen) == 0 && strncmp(line + plen, ": ", 2) == 0)
			line += plen + 2;
		if (strncmp(line, "warning: ", 9) == 0)
			line += 9;
		n = field_len(line);
		json_array_append_new(out, json_pack("{s:s%, s:s, s:s}", "field", line, n,
						     "message", n ? line + n + 2 : line, "severity",
						     p->is_error[i] ? "error" : "warning"));
	}
	return out;
}

int config_changed(bool changed, const char *name)
{
	if (changed)
		log_warn("reload: %s changed; it applies after a restart", name);
	return changed;
}

static int changed(const char *old, const char *fresh, const char *name)
{
	return config_changed(strcmp(old, fresh) != 0, name);
}

int config_restart_needed(const struct config *old, const struct config *fresh)
{
	return changed(old->mqtt_url, fresh->mqtt_url, "MQTT_URL") +
	       changed(old->mqtt_username, fresh->mqtt_username, "MQTT_USERNAME") +
	       changed(old->mqtt_password, fresh->mqtt_password, "MQTT_PASSWORD") +
	       changed(old->mqtt_ca_file, fresh->mqtt_ca_file, "MQTT_CA_FILE") +
	       changed(old->mqtt_cert_file, fresh->mqtt_cert_file, "MQTT_CERT_FILE") +
	       changed(old->mqtt_key_file, fresh->mqtt_key_file, "MQTT_KEY_FILE") +
	       changed(old->topic_root, fresh->topic_root, "MQTT_TOPIC_ROOT") +
	       changed(old->camera_id, fresh->camera_id, "CAMERA_ID") +
	       changed(old->backend_name, fresh->backend_name, "BACKEND_NAME") +
	       changed(old->images_dir, fresh->images_dir, "IMAGES_DIR") +
	       changed(old->timelapses_dir, fresh->timelapses_dir, "TIMELAPSES_DIR") +
	       changed(old->ha_prefix, fresh->ha_prefix, "HA_DISCOVERY_PREFIX") +
	       config_changed(old->ha_discovery != fresh->ha_discovery, "HA_DISCOVERY");
}

const struct schedule *config_schedule(const struct config *c, const char *name)
{
	for (int i = 0; i < c->nschedules; i++)
		if (strcmp(c->schedules[i].name, name) == 0)
			return &c->schedules[i];
	return NULL;
}
