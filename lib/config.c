/* config.c - load and check the configuration; see config.h.
 *
 * Order: defaults, then the file's sections (location, schedules, pi,
 * profiles, capture, encoder, retention; unknown top-level sections warn),
 * then the environment. Every problem found is recorded; checking goes on so
 * that one run of --check lists them all.
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
#include "timeutil.h"

#define CONFIG_FILE_MAX (1024 * 1024)

static const char *known_sections[] = {"location", "schedules", "pi",	     "profiles",
				       "encoder",  "retention", "capture", NULL};
/* Sections of the earlier stack: accepted, warned about, ignored. */
static const char *legacy_sections[] = {"storage",     "processing", "smoothing", "video_debug",
					"stack_images", "capture_settings", "transfer", "api",
					"frontend",    "hdr",	     "exposure",  NULL};

__attribute__((format(printf, 4, 5))) static void problem(struct config_problems *p,
							   const struct config *c, bool error,
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

static bool in_list(const char *s, const char **list)
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
	const char *user = getenv("USER");

	c->latitude = 0;
	c->longitude = 0;
	copy_str(c->timezone, sizeof(c->timezone), "UTC");
	c->pi_port = 8080;
	c->pi_timeout_seconds = 10;
	profile_set_builtin(&c->profiles);
	c->min_free_pct = 5.0;
	copy_str(c->mqtt_url, sizeof(c->mqtt_url), "mqtt://localhost:1883");
	copy_str(c->topic_root, sizeof(c->topic_root), "skylapse");
	default_host_id(c->camera_id);
	default_host_id(c->backend_name);
	copy_str(c->camera_source, sizeof(c->camera_source), "libcamera");
	c->backend_port = 8082;
	c->frontend_port = 3000;
	copy_str(c->pi_user, sizeof(c->pi_user), user ? user : "pi");
	copy_str(c->pi_source, sizeof(c->pi_source), "~/skylapse-images/");
	c->pi_ssh_port = 22;
	c->transfer_enabled = true;
	c->transfer_interval_minutes = 5;
	c->delete_after_days = 1;
}

/* --- file sections ------------------------------------------------------ */

static void load_location(struct config *c, struct config_problems *p)
{
	const json_t *loc = json_object_get(c->root, "location");
	const json_t *v;

	if (loc == NULL) {
		if (c->have_file)
			problem(p, c, true, "location: missing (latitude, longitude, timezone)");
		return;
	}
	if (!json_is_object(loc)) {
		problem(p, c, true, "location: must be an object");
		return;
	}
	c->have_location = true;
	v = json_object_get(loc, "latitude");
	if (!json_is_number(v))
		problem(p, c, true, "location.latitude: must be a number");
	else if (json_number_value(v) < -90 || json_number_value(v) > 90)
		problem(p, c, true, "location.latitude: %g is outside -90..90",
			json_number_value(v));
	else
		c->latitude = json_number_value(v);
	v = json_object_get(loc, "longitude");
	if (!json_is_number(v))
		problem(p, c, true, "location.longitude: must be a number");
	else if (json_number_value(v) < -180 || json_number_value(v) > 180)
		problem(p, c, true, "location.longitude: %g is outside -180..180",
			json_number_value(v));
	else
		c->longitude = json_number_value(v);
	v = json_object_get(loc, "timezone");
	if (v == NULL)
		problem(p, c, true, "location.timezone: missing (an IANA name like Europe/Paris)");
	else if (!json_is_string(v))
		problem(p, c, true, "location.timezone: must be a string");
	else if (!time_zone_exists(json_string_value(v)))
		problem(p, c, true, "location.timezone: '%s' is not in the IANA time zone database",
			json_string_value(v));
	else
		copy_str(c->timezone, sizeof(c->timezone), json_string_value(v));
	v = json_object_get(loc, "name");
	if (json_is_string(v))
		copy_str(c->location_name, sizeof(c->location_name), json_string_value(v));
}

static bool get_int(struct config *c, struct config_problems *p, const json_t *obj,
		    const char *where, const char *key, long long lo, long long hi, int *out)
{
	char why[ERRMSG_MAX];
	long long x;
	int rc = jx_get_int(obj, key, lo, hi, &x, why);

	if (rc == SL_ERR_NOTFOUND)
		return false;
	if (rc == SL_ERR_INVAL) {
		problem(p, c, true, "%s.%s: must be an integer", where, key);
		return false;
	}
	if (rc == SL_ERR_RANGE) {
		problem(p, c, true, "%s.%s: %lld is outside %lld..%lld", where, key,
			(long long)json_number_value(json_object_get(obj, key)), lo, hi);
		return false;
	}
	*out = (int)x;
	return true;
}

static void load_schedule_profiles(struct config *c, struct config_problems *p,
				   struct schedule *s, const json_t *js, const char *where)
{
	const json_t *one = json_object_get(js, "profile");
	const json_t *many = json_object_get(js, "profiles");
	const json_t *v;
	size_t i, n = 0;

	if (one && many)
		problem(p, c, false, "%s: both 'profile' and 'profiles'; using 'profiles'", where);
	if (many) {
		if (!json_is_array(many)) {
			problem(p, c, true, "%s.profiles: must be a list of profile ids", where);
			return;
		}
		json_array_foreach(many, i, v) {
			const struct profile *pr = json_is_string(v)
							   ? profile_find(&c->profiles, json_string_value(v))
							   : NULL;

			if (pr == NULL) {
				problem(p, c, true, "%s.profiles[%zu]: unknown profile %s", where, i,
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
			problem(p, c, true, "%s.profile: unknown profile %s", where,
				json_is_string(one) ? json_string_value(one) : "(not a string)");
		else
			s->profiles[0] = pr->id;
	}
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
		problem(p, c, true, "%s: schedule names must match [a-z0-9_-]+ (they name MQTT topics)",
			where);
	if (!json_is_object(js)) {
		problem(p, c, true, "%s: must be an object", where);
		return;
	}
	if (jx_get_bool(js, "enabled", &b, why) == SL_OK)
		s->enabled = b;
	else if (json_object_get(js, "enabled"))
		problem(p, c, true, "%s.enabled: must be true or false", where);
	get_int(c, p, js, where, "interval_seconds", 1, 86400, &s->interval_seconds);
	if (jx_get_string(js, "type", &type, why) != SL_OK) {
		problem(p, c, true, "%s.type: missing or not a string (solar_relative or time_of_day)",
			where);
	} else if (strcmp(type, "solar_relative") == 0) {
		s->type = SCHEDULE_SOLAR;
		if (jx_get_string(js, "anchor", &str, why) != SL_OK)
			problem(p, c, true, "%s.anchor: missing or not a string", where);
		else if (sun_event_parse(str, &s->anchor) != SL_OK)
			problem(p, c, true, "%s.anchor: unknown anchor '%s'", where, str);
		if (json_object_get(js, "offset_minutes"))
			get_int(c, p, js, where, "offset_minutes", -1440, 1440, &s->offset_minutes);
		if (json_object_get(js, "duration_minutes") == NULL)
			problem(p, c, true, "%s.duration_minutes: missing", where);
		else
			get_int(c, p, js, where, "duration_minutes", 1, 1440, &s->duration_minutes);
	} else if (strcmp(type, "time_of_day") == 0) {
		s->type = SCHEDULE_TIME_OF_DAY;
		if (jx_get_string(js, "start_time", &str, why) != SL_OK ||
		    time_parse_hhmm(str, &s->start_minute) != SL_OK)
			problem(p, c, true, "%s.start_time: must be \"HH:MM\"", where);
		if (jx_get_string(js, "end_time", &str, why) != SL_OK ||
		    time_parse_hhmm(str, &s->end_minute) != SL_OK)
			problem(p, c, true, "%s.end_time: must be \"HH:MM\"", where);
	} else {
		problem(p, c, true, "%s.type: unknown schedule type '%s'", where, type);
	}
	load_schedule_profiles(c, p, s, js, where);
	tl = json_object_get(js, "timelapse");
	if (tl && !json_is_object(tl)) {
		problem(p, c, true, "%s.timelapse: must be an object", where);
	} else if (tl) {
		s->timelapse = tl;
		s->timelapse_auto = json_is_true(json_object_get(tl, "auto"));
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
		problem(p, c, true, "schedules: must be an object of named schedules");
		return;
	}
	c->schedules = calloc(json_object_size(scheds) + 1, sizeof(*c->schedules));
	if (c->schedules == NULL) {
		problem(p, c, true, "schedules: out of memory");
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
		problem(p, c, true, "pi: must be an object");
		return;
	}
	if (jx_get_string(pi, "host", &host, why) == SL_OK)
		copy_str(c->pi_host, sizeof(c->pi_host), host);
	else if (json_object_get(pi, "host"))
		problem(p, c, true, "pi.host: must be a string");
	get_int(c, p, pi, "pi", "port", 1, 65535, &c->pi_port);
	get_int(c, p, pi, "pi", "timeout_seconds", 1, 3600, &c->pi_timeout_seconds);
}

static void load_capture(struct config *c, struct config_problems *p)
{
	const json_t *cap = json_object_get(c->root, "capture");
	char why[ERRMSG_MAX];
	int rc;

	if (cap == NULL)
		return;
	if (!json_is_object(cap)) {
		problem(p, c, true, "capture: must be an object");
		return;
	}
	rc = jx_get_number(cap, "min_free_pct", 0, 100, &c->min_free_pct, why);
	if (rc != SL_OK && rc != SL_ERR_NOTFOUND)
		problem(p, c, true, "capture.min_free_pct: must be a number 0..100");
	get_int(c, p, cap, "capture", "sim_width", 16, 16384, &c->sim_width);
	get_int(c, p, cap, "capture", "sim_height", 16, 16384, &c->sim_height);
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
			problem(p, c, false, "%s: section of the earlier stack, ignored", key);
		else
			problem(p, c, false, "%s: unknown section, ignored", key);
	}
	load_location(c, p);
	if (profile_set_load(&c->profiles, json_object_get(c->root, "profiles"), why) != SL_OK)
		problem(p, c, true, "%s", why);
	load_schedules(c, p);
	load_pi(c, p);
	load_capture(c, p);
	c->encoder = json_object_get(c->root, "encoder");
	c->retention = json_object_get(c->root, "retention");
}

/* --- environment ---------------------------------------------------------- */

static void env_str(const char *name, char *dst, size_t n)
{
	const char *v = getenv(name);

	if (v && *v)
		copy_str(dst, n, v);
}

static void env_int(struct config *c, struct config_problems *p, const char *name, long lo,
		    long hi, int *dst)
{
	const char *v = getenv(name);
	char *end;
	long x;

	if (v == NULL || *v == '\0')
		return;
	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || *end || x < lo || x > hi) {
		problem(p, c, true, "env %s: '%s' is not an integer in %ld..%ld", name, v, lo, hi);
		return;
	}
	*dst = (int)x;
}

static void env_id(struct config *c, struct config_problems *p, const char *name, char *dst)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		return;
	if (!id_is_valid(v)) {
		problem(p, c, true, "env %s: '%s' must match [a-z0-9_-]+", name, v);
		return;
	}
	copy_str(dst, ID_MAX + 1, v);
}

static void load_env(struct config *c, struct config_problems *p)
{
	const char *v;
	char *end;

	env_str("MQTT_URL", c->mqtt_url, sizeof(c->mqtt_url));
	env_str("MQTT_USERNAME", c->mqtt_username, sizeof(c->mqtt_username));
	env_str("MQTT_PASSWORD", c->mqtt_password, sizeof(c->mqtt_password));
	env_str("MQTT_TOPIC_ROOT", c->topic_root, sizeof(c->topic_root));
	env_id(c, p, "CAMERA_ID", c->camera_id);
	env_str("CAMERA_SOURCE", c->camera_source, sizeof(c->camera_source));
	env_id(c, p, "PRIMARY_BACKEND", c->primary_backend);
	env_id(c, p, "BACKEND_NAME", c->backend_name);
	env_str("IMAGES_DIR", c->images_dir, sizeof(c->images_dir));
	env_str("TIMELAPSES_DIR", c->timelapses_dir, sizeof(c->timelapses_dir));
	env_str("API_TOKEN", c->api_token, sizeof(c->api_token));
	env_int(c, p, "BACKEND_PORT", 1, 65535, &c->backend_port);
	env_str("BACKEND_URL", c->backend_url, sizeof(c->backend_url));
	env_int(c, p, "FRONTEND_PORT", 1, 65535, &c->frontend_port);
	env_str("PI_HOST", c->pi_host, sizeof(c->pi_host));
	env_int(c, p, "PI_PORT", 1, 65535, &c->pi_port);
	env_str("PI_USER", c->pi_user, sizeof(c->pi_user));
	env_str("PI_SOURCE", c->pi_source, sizeof(c->pi_source));
	env_int(c, p, "PI_SSH_PORT", 1, 65535, &c->pi_ssh_port);
	env_str("SSH_KEY", c->ssh_key, sizeof(c->ssh_key));
	env_str("SSH_KNOWN_HOSTS", c->ssh_known_hosts, sizeof(c->ssh_known_hosts));
	env_int(c, p, "TRANSFER_INTERVAL_MINUTES", 1, 10080, &c->transfer_interval_minutes);
	v = getenv("TRANSFER_ENABLED");
	if (v && *v) {
		if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
			c->transfer_enabled = true;
		else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no"))
			c->transfer_enabled = false;
		else
			problem(p, c, true, "env TRANSFER_ENABLED: '%s' is not true or false", v);
	}
	v = getenv("DELETE_AFTER_DAYS");
	if (v && *v) {
		double d = strtod(v, &end);

		if (*end || d < 0 || d > 36500)
			problem(p, c, true, "env DELETE_AFTER_DAYS: '%s' is not a number of days", v);
		else
			c->delete_after_days = d;
	}
	if (strncmp(c->mqtt_url, "mqtt://", 7) && strncmp(c->mqtt_url, "mqtts://", 8) &&
	    strncmp(c->mqtt_url, "tcp://", 6) && strncmp(c->mqtt_url, "ssl://", 6))
		problem(p, c, true, "broker URL '%s' must start with mqtt:// or mqtts://", c->mqtt_url);
	if (strchr(c->topic_root, '#') || strchr(c->topic_root, '+') || c->topic_root[0] == '\0')
		problem(p, c, true, "env MQTT_TOPIC_ROOT: '%s' must be a plain topic prefix",
			c->topic_root);
}

/* --- public -------------------------------------------------------------- */

int config_load(struct config *c, const char *path, const char *broker_url,
		struct config_problems *p)
{
	bool named = path != NULL;
	json_error_t jerr;

	memset(c, 0, sizeof(*c));
	memset(p, 0, sizeof(*p));
	if (path == NULL)
		path = getenv("SKYLAPSE_CONFIG");
	if (path && *path)
		named = true;
	else
		path = CONFIG_DEFAULT_PATH;
	copy_str(c->path, sizeof(c->path), path);
	set_defaults(c);
	if (access(path, F_OK) != 0 && !named) {
		problem(p, c, false, "no configuration file; using defaults");
		c->root = json_object();
	} else {
		c->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (c->root == NULL) {
			if (access(path, R_OK) != 0)
				problem(p, c, true, "cannot read: %s", strerror(errno));
			else
				problem(p, c, true, "invalid JSON: %s (line %d, column %d)", jerr.text,
					jerr.line, jerr.column);
			c->root = json_object();
		} else if (!json_is_object(c->root)) {
			problem(p, c, true, "the file must hold one JSON object");
			json_decref(c->root);
			c->root = json_object();
		} else {
			c->have_file = true;
		}
	}
	if (c->have_file)
		load_sections(c, p);
	load_env(c, p);
	if (broker_url && *broker_url)
		copy_str(c->mqtt_url, sizeof(c->mqtt_url), broker_url);
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

const struct schedule *config_schedule(const struct config *c, const char *name)
{
	for (int i = 0; i < c->nschedules; i++)
		if (strcmp(c->schedules[i].name, name) == 0)
			return &c->schedules[i];
	return NULL;
}
