/* cameras.c - the scheduler's table of cameras; see cameras.h. */
#include "cameras.h"

#include <stdio.h>
#include <string.h>

#include "core.h"
#include "log.h"

bool cameras_reserved_id(const char *id)
{
	return strcmp(id, "backend") == 0 || strcmp(id, "encoder") == 0 ||
	       strcmp(id, "transfer") == 0;
}

void cameras_configure(struct sched_core *c)
{
	const json_t *list = json_object_get(c->cfg->root, "cameras"), *v;
	struct sched_camera *cam;
	const char *id;

	for (int i = 0; i < c->ncams; i++) {
		c->cams[i].listed = false;
		c->cams[i].schedules = NULL; /* the old configuration's: gone */
	}
	c->listed_only = json_is_object(list) && json_object_size(list) > 0;
	json_object_foreach((json_t *)list, id, v) {
		const json_t *s = json_object_get(v, "schedules");

		if ((cam = cameras_find(c, id, true)) == NULL)
			continue;
		cam->listed = true;
		cam->schedules = json_is_array(s) ? s : NULL;
	}
	c->plans_dirty = true;
}

struct sched_camera *cameras_find(struct sched_core *c, const char *id, bool create)
{
	struct sched_camera *cam;

	for (int i = 0; i < c->ncams; i++)
		if (strcmp(c->cams[i].id, id) == 0)
			return &c->cams[i];
	if (!create || !id_is_valid(id) || cameras_reserved_id(id))
		return NULL;
	if (c->ncams == CAMERAS_MAX) {
		log_warn("camera '%s' ignored: already %d cameras", id, CAMERAS_MAX);
		return NULL;
	}
	cam = &c->cams[c->ncams++];
	memset(cam, 0, sizeof(*cam));
	snprintf(cam->id, sizeof(cam->id), "%s", id);
	return cam;
}

bool cameras_follows(const struct sched_core *c, const struct sched_camera *cam,
		     const struct runner *r)
{
	const json_t *name;
	size_t i;

	if (c->listed_only && !cam->listed && !cam->pinned)
		return false;
	if (r == NULL || cam->schedules == NULL)
		return true;
	json_array_foreach(cam->schedules, i, name)
		if (json_is_string(name) && strcmp(json_string_value(name), r->name) == 0)
			return true;
	return false;
}

int cameras_targets(const struct sched_core *c, const struct runner *r,
		    const char *out[CAMERAS_MAX])
{
	int n = 0;

	for (int i = 0; i < c->ncams; i++) {
		const struct sched_camera *cam = &c->cams[i];

		if ((cam->online || ((cam->pinned || cam->listed) && !cam->known)) &&
		    cameras_follows(c, cam, r))
			out[n++] = cam->id;
	}
	return n;
}
