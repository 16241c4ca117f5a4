/* settings.c - skylapse-transfer's own settings; see settings.h. */
#include "settings.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "timeutil.h"
#include "retention.h"
#include "rsync.h"

#define DEFAULT_IMAGES_ROOT "/data/images"
#define BATCH_MS	    1000 /* announcements closer than this are one sync */
#define BACKOFF_MIN_MS	    2000
#define BACKOFF_MAX_MS	    300000
#define IO_TIMEOUT_S	    120
#define CONNECT_TIMEOUT_S   10
#define CLEAN_MAX	    20000

static bool is_address(const char *host)
{
	if (strchr(host, ':'))
		return true; /* IPv6 */
	for (; *host; host++)
		if (!isdigit((unsigned char)*host) && *host != '.')
			return false;
	return true;
}

/* --camera or CAMERA_ID, else the first label of PI_HOST ("helios" for
 * helios.local), else the configuration's default (this host's name). */
static void pick_camera(const struct config *c, char out[ID_MAX + 1])
{
	const char *host = c->pi_host;
	size_t j = 0;

	snprintf(out, ID_MAX + 1, "%s", c->camera_id);
	if (config_value(c, "CAMERA_ID") || !*host || strcmp(host, "local") == 0 ||
	    is_address(host))
		return;
	for (; host[j] && host[j] != '.' && j < ID_MAX; j++)
		out[j] = (char)tolower((unsigned char)host[j]);
	out[j] = '\0';
	if (!id_is_valid(out))
		snprintf(out, ID_MAX + 1, "%s", c->camera_id);
}

static void resolve(const char *path, char *out, size_t outlen)
{
	char *r = realpath(path, NULL);

	snprintf(out, outlen, "%s", r ? r : path);
	free(r);
}

/* PI_HOST=local with PI_SOURCE inside the server folder (or the reverse)
 * would "verify" frames against themselves and then delete the only copy. */
static void check_not_same_place(const struct config *c, const struct transfer_settings *s,
				 struct config_problems *p)
{
	char src[PATH_MAX], rsrc[PATH_MAX], root[PATH_MAX], rdest[PATH_MAX];
	size_t a, b;

	if (!s->enabled || strcmp(c->pi_host, "local") != 0 ||
	    path_expand_home(s->pi_source, src, sizeof(src)) != SL_OK)
		return;
	resolve(src, rsrc, sizeof(rsrc));
	resolve(s->images_root, root, sizeof(root)); /* the camera folder may not exist yet */
	snprintf(rdest, sizeof(rdest), "%s/%s", root, s->camera);
	while ((a = strlen(rsrc)) > 1 && rsrc[a - 1] == '/')
		rsrc[a - 1] = '\0';
	a = strlen(rsrc);
	b = strlen(rdest);
	if ((strncmp(rsrc, rdest, a < b ? a : b) == 0) &&
	    (a == b || (a < b ? rdest[a] : rsrc[b]) == '/'))
		config_problem(p, c, true,
			       "PI_SOURCE %.100s and the server folder %.100s overlap: frames "
			       "written there need no transfer (set TRANSFER_ENABLED=false)",
			       rsrc, rdest);
}

/* What the settings say, checked together with the shared configuration. */
static void check(const struct config *c, struct transfer_settings *s, struct config_problems *p)
{
	const char *root = c->images_dir[0] ? c->images_dir : DEFAULT_IMAGES_ROOT;
	struct xfer_settings x;
	struct retention ret = {0};
	char why[ERRMSG_MAX];

	pick_camera(c, s->camera);
	if (!id_is_valid(s->camera) || !strcmp(s->camera, "backend") ||
	    !strcmp(s->camera, "encoder") || !strcmp(s->camera, "transfer"))
		config_problem(p, c, true, "camera id '%s' is not usable (set CAMERA_ID)",
			       s->camera);
	if (path_expand_home(root, s->images_root, sizeof(s->images_root)) != SL_OK ||
	    strlen(s->images_root) + 1 + strlen(s->camera) >= sizeof(x.dest)) {
		config_problem(p, c, true, "IMAGES_DIR is too long");
		return;
	}
	check_not_same_place(c, s, p);
	transfer_settings_apply(c, s, 0, &x);
	if (s->enabled && rsync_opts_check(&x.rsync, why) != SL_OK)
		config_problem(p, c, true, "%s", why);
	if (retention_configure(&ret, c->retention, why) != SL_OK)
		config_problem(p, c, true, "%s", why);
	retention_free(&ret);
}

void transfer_settings_load(const struct config *c, void *own, struct config_problems *p)
{
	struct transfer_settings *s = own;
	const char *user = getenv("USER");

	*s = (struct transfer_settings){
	    .pi_ssh_port = 22, .enabled = true, .interval_minutes = 5, .delete_after_days = 1};
	snprintf(s->pi_user, sizeof(s->pi_user), "%s", user ? user : "pi");
	snprintf(s->pi_source, sizeof(s->pi_source), "~/skylapse-images/");
	config_env_str(c, "PI_USER", s->pi_user, sizeof(s->pi_user));
	config_env_str(c, "PI_SOURCE", s->pi_source, sizeof(s->pi_source));
	config_env_int(c, p, "PI_SSH_PORT", 1, 65535, &s->pi_ssh_port);
	config_env_str(c, "SSH_KEY", s->ssh_key, sizeof(s->ssh_key));
	config_env_str(c, "SSH_KNOWN_HOSTS", s->ssh_known_hosts, sizeof(s->ssh_known_hosts));
	config_env_int(c, p, "TRANSFER_INTERVAL_MINUTES", 1, 10080, &s->interval_minutes);
	config_env_bool(c, p, "TRANSFER_ENABLED", &s->enabled);
	config_env_bool(c, p, "TRANSFER_PER_CAMERA", &s->per_camera);
	config_env_number(c, p, "DELETE_AFTER_DAYS", 0, 36500, &s->delete_after_days);
	check(c, s, p);
}

int64_t transfer_backoff_max(int64_t interval_ms)
{
	int64_t m = interval_ms < BACKOFF_MAX_MS ? interval_ms : BACKOFF_MAX_MS;

	return m < BACKOFF_MIN_MS ? BACKOFF_MIN_MS : m;
}

void transfer_settings_apply(const struct config *c, const struct transfer_settings *o,
			     int bwlimit_kbps, struct xfer_settings *s)
{
	/* a simulated clock's minutes (timeutil.h) are shorter */
	int64_t interval = time_real_delay_ms((int64_t)o->interval_minutes * 60000);

	*s = (struct xfer_settings){0};
	snprintf(s->camera, sizeof(s->camera), "%s", o->camera);
	snprintf(s->images_root, sizeof(s->images_root), "%s", o->images_root);
	snprintf(s->dest, sizeof(s->dest), "%s/%s", o->images_root, o->camera);
	s->rsync = (struct rsync_opts){.host = c->pi_host,
				       .user = o->pi_user,
				       .source = o->pi_source,
				       .dest = s->dest,
				       .port = o->pi_ssh_port,
				       .ssh_key = o->ssh_key,
				       .known_hosts = o->ssh_known_hosts,
				       .bwlimit_kbps = bwlimit_kbps,
				       .io_timeout_s = IO_TIMEOUT_S,
				       .connect_timeout_s = CONNECT_TIMEOUT_S};
	if (strcmp(c->pi_host, "local") == 0)
		snprintf(s->source_label, sizeof(s->source_label), "%s", o->pi_source);
	else
		snprintf(s->source_label, sizeof(s->source_label), "%s%s%s:%s", o->pi_user,
			 o->pi_user[0] ? "@" : "", c->pi_host, o->pi_source);
	s->delete_after_days = o->delete_after_days;
	s->interval_minutes = o->interval_minutes;
	s->timing = (struct xfer_timing){interval, BATCH_MS, BACKOFF_MIN_MS,
					 transfer_backoff_max(interval)};
	s->enabled = o->enabled;
	s->clean_max = CLEAN_MAX;
}

int transfer_settings_restart_needed(const struct transfer_settings *old,
				     const struct transfer_settings *fresh)
{
	return config_changed(strcmp(old->pi_user, fresh->pi_user) != 0, "PI_USER") +
	       config_changed(strcmp(old->pi_source, fresh->pi_source) != 0, "PI_SOURCE") +
	       config_changed(old->pi_ssh_port != fresh->pi_ssh_port, "PI_SSH_PORT") +
	       config_changed(strcmp(old->ssh_key, fresh->ssh_key) != 0, "SSH_KEY") +
	       config_changed(strcmp(old->ssh_known_hosts, fresh->ssh_known_hosts) != 0,
			      "SSH_KNOWN_HOSTS") +
	       config_changed(old->enabled != fresh->enabled, "TRANSFER_ENABLED") +
	       config_changed(old->per_camera != fresh->per_camera, "TRANSFER_PER_CAMERA");
}
