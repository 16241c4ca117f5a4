/* switches.c - schedule switches, profile selections and their state file;
 * see switches.h.
 *
 * The file is {"schedules": {"<name>": {"state": "ON"|"OFF",
 * "config_enabled": bool}}, "camera_profiles": {"<camera>": "<id>"}},
 * rewritten whole (file_write_atomic) on every change: a handful of
 * entries, changed by hand now and then. A file written before
 * "camera_profiles" existed reads as no selection.
 */
#include "switches.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonx.h"

#define STATE_FILE_MAX (64 * 1024)

/* Narrows [*p, *end) to its text without the blanks around it. */
static void trim(const char **p, const char **end)
{
	while (*p < *end && isspace((unsigned char)**p))
		(*p)++;
	while (*end > *p && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

int switch_parse(const void *payload, size_t len, bool *on)
{
	const char *p = payload, *end = p + len;

	trim(&p, &end);
	if (end - p == 2 && strncasecmp(p, "on", 2) == 0) {
		*on = true;
		return SL_OK;
	}
	if (end - p == 3 && strncasecmp(p, "off", 3) == 0) {
		*on = false;
		return SL_OK;
	}
	return SL_ERR_INVAL;
}

int switch_parse_profile(const struct profile_set *set, const void *payload, size_t len,
			 char *id)
{
	const char *p = payload, *end = p + len;
	const struct profile *prof;
	char text[2];

	trim(&p, &end);
	if (end - p != 1)
		return SL_ERR_INVAL;
	text[0] = *p;
	text[1] = '\0';
	prof = profile_find(set, text);
	if (prof == NULL)
		return SL_ERR_INVAL;
	*id = prof->id;
	return SL_OK;
}

static struct switch_entry *find(struct switches *sw, const char *name)
{
	for (int i = 0; i < sw->n; i++)
		if (strcmp(sw->e[i].name, name) == 0)
			return &sw->e[i];
	return NULL;
}

static struct profile_choice *find_camera(struct switches *sw, const char *camera)
{
	for (int i = 0; i < sw->ncam; i++)
		if (strcmp(sw->cam[i].camera, camera) == 0)
			return &sw->cam[i];
	return NULL;
}

static int save(const struct switches *sw)
{
	json_t *root = json_object(), *all = json_object(), *cams = json_object();
	char *text = NULL;
	int rc = SL_ERR_NOMEM;

	if (root == NULL || all == NULL || cams == NULL)
		goto out;
	for (int i = 0; i < sw->n; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "state", json_string(sw->e[i].on ? "ON" : "OFF"));
		json_object_set_new(e, "config_enabled", json_boolean(sw->e[i].config_enabled));
		json_object_set_new(all, sw->e[i].name, e);
	}
	for (int i = 0; i < sw->ncam; i++) {
		char id[2] = {sw->cam[i].profile, '\0'};

		json_object_set_new(cams, sw->cam[i].camera, json_string(id));
	}
	json_object_set(root, "schedules", all);
	json_object_set(root, "camera_profiles", cams);
	text = jx_dump(root);
	if (text == NULL)
		goto out;
	rc = SL_OK;
	if (sw->path[0] && file_write_atomic(sw->path, text, strlen(text)) < 0)
		rc = SL_ERR_IO;
out:
	free(text);
	json_decref(cams);
	json_decref(all);
	json_decref(root);
	return rc;
}

static void load_profiles(struct switches *sw, const json_t *cams)
{
	const char *camera;
	json_t *v;

	json_object_foreach((json_t *)cams, camera, v) {
		const char *id = json_string_value(v);

		if (sw->ncam == SWITCHES_CAMERAS_MAX || !id_is_valid(camera) || id == NULL ||
		    strlen(id) != 1 || !islower((unsigned char)id[0]))
			continue;
		snprintf(sw->cam[sw->ncam].camera, ID_MAX + 1, "%s", camera);
		sw->cam[sw->ncam++].profile = id[0];
	}
}

int switches_load(struct switches *sw, const char *path)
{
	char *text = NULL, why[ERRMSG_MAX];
	json_t *root = NULL, *e;
	const json_t *all;
	const char *name;
	size_t len;
	int rc = SL_OK;

	memset(sw, 0, sizeof(*sw));
	snprintf(sw->path, sizeof(sw->path), "%s", path ? path : "");
	if (path == NULL || file_read_all(path, STATE_FILE_MAX, &text, &len) < 0)
		goto out; /* none kept yet */
	root = jsonx_parse_object("payload", text, len, STATE_FILE_MAX, why);
	all = root ? json_object_get(root, "schedules") : NULL;
	if (!json_is_object(all)) {
		rc = SL_ERR_PARSE;
		goto out;
	}
	json_object_foreach((json_t *)all, name, e) {
		const char *state = json_string_value(json_object_get(e, "state"));
		struct switch_entry *s;

		if (sw->n == SWITCHES_MAX || !id_is_valid(name) || state == NULL ||
		    !json_is_boolean(json_object_get(e, "config_enabled")))
			continue;
		s = &sw->e[sw->n];
		if (switch_parse(state, strlen(state), &s->on) != SL_OK)
			continue;
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->config_enabled = json_is_true(json_object_get(e, "config_enabled"));
		sw->n++;
	}
	if (json_is_object(json_object_get(root, "camera_profiles")))
		load_profiles(sw, json_object_get(root, "camera_profiles"));
out:
	json_decref(root);
	free(text);
	return rc;
}

int switches_set(struct switches *sw, const struct schedule *s, bool on)
{
	struct switch_entry *e = find(sw, s->name);

	if (e == NULL) {
		if (sw->n == SWITCHES_MAX)
			return SL_ERR_RANGE;
		e = &sw->e[sw->n++];
		snprintf(e->name, sizeof(e->name), "%s", s->name);
	}
	e->on = on;
	e->config_enabled = s->enabled;
	return save(sw);
}

int switches_set_profile(struct switches *sw, const char *camera, char profile)
{
	struct profile_choice *c = find_camera(sw, camera);

	if (c == NULL) {
		if (sw->ncam == SWITCHES_CAMERAS_MAX)
			return SL_ERR_RANGE;
		c = &sw->cam[sw->ncam++];
		snprintf(c->camera, sizeof(c->camera), "%s", camera);
	}
	c->profile = (char)tolower((unsigned char)profile);
	return save(sw);
}

char switches_profile(const struct switches *sw, const char *camera)
{
	for (int i = 0; i < sw->ncam; i++)
		if (strcmp(sw->cam[i].camera, camera) == 0)
			return sw->cam[i].profile;
	return '\0';
}

bool switches_runs(struct switches *sw, const struct schedule *s)
{
	struct switch_entry *e = find(sw, s->name);

	if (e == NULL)
		return s->enabled;
	if (e->config_enabled == s->enabled)
		return e->on;
	*e = sw->e[--sw->n];
	save(sw);
	return s->enabled;
}
