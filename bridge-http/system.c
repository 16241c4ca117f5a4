/* system.c - the system health report; see system.h.
 *
 * In order: one line per agent (the bridge, the schedulers, the cameras by
 * id, the encoder workers, the transfer), the disks, the transfer and
 * encoder figures, and the last errors gathered from every agent's status,
 * newest first.
 */
#include "system.h"

#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

static json_t *or_null(json_t *v)
{
	return v ? v : json_null();
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj sorted; a new array of borrowed strings (caller frees),
 * NULL when empty or out of memory. */
static const char **sorted_keys(json_t *obj, size_t *n)
{
	const char **keys, *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	if (*n == 0 || (keys = malloc(*n * sizeof(*keys))) == NULL)
		return NULL;
	json_object_foreach(obj, k, v) keys[i++] = k;
	qsort(keys, *n, sizeof(*keys), cmp_str);
	return keys;
}

/* Adds an error line {kind, id, error, error_kind, at} when status says so. */
static void add_errors(json_t *errors, const char *kind, const char *id, json_t *status)
{
	json_t *err = json_object_get(status, "last_error");
	json_t *cfg = json_object_get(status, "config_error");

	if (json_is_string(err) && json_string_length(err) > 0)
		json_array_append_new(
		    errors,
		    json_pack("{s:s, s:s, s:O, s:O, s:O}", "kind", kind, "id", id, "error", err,
			      "error_kind", or_null(json_object_get(status, "error_kind")), "at",
			      or_null(json_object_get(status, "last_error_at"))));
	if (json_is_string(cfg) && json_string_length(cfg) > 0)
		json_array_append_new(errors,
				      json_pack("{s:s, s:s, s:O, s:s, s:n}", "kind", kind, "id", id,
						"error", cfg, "error_kind", "invalid", "at"));
}

/* {kind, id, availability, version, state, last_error, error_kind,
 * last_error_at}, the figures every agent's status shares. */
static json_t *agent_line(const char *kind, const char *id, json_t *avail, json_t *status)
{
	static const char *keys[] = {"version",	   "state",	    "last_error",
				     "error_kind", "last_error_at", "config_error"};
	json_t *a = json_pack("{s:s, s:s, s:O}", "kind", kind, "id", id, "availability",
			      or_null(json_is_string(avail) ? avail : NULL));

	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set(a, keys[i], or_null(json_object_get(status, keys[i])));
	return a;
}

static json_t *disk_line(const char *where, const char *id, json_t *free_b, json_t *total_b,
			 json_t *pct, bool low)
{
	return json_pack("{s:s, s:s, s:O, s:O, s:O, s:b}", "where", where, "id", id, "free_bytes",
			 or_null(free_b), "total_bytes", or_null(total_b), "free_pct", or_null(pct),
			 "low", low);
}

static void add_cameras(const struct bridge_state *st, json_t *agents, json_t *disks,
			json_t *errors)
{
	size_t n;
	const char **ids = sorted_keys(st->cameras, &n);

	for (size_t i = 0; ids && i < n; i++) {
		json_t *cam = json_object_get(st->cameras, ids[i]);
		json_t *status = json_object_get(cam, "status");
		json_t *disk = json_object_get(status, "disk");

		if (!state_camera_known(st, ids[i]))
			continue;
		json_array_append_new(
		    agents,
		    agent_line("camera", ids[i], json_object_get(cam, "availability"), status));
		if (json_is_object(disk))
			json_array_append_new(
			    disks, disk_line("camera", ids[i], json_object_get(disk, "free_bytes"),
					     json_object_get(disk, "total_bytes"),
					     json_object_get(disk, "free_pct"),
					     json_is_true(json_object_get(status, "disk_low"))));
		add_errors(errors, "camera", ids[i], status);
	}
	free(ids);
}

static void add_schedulers(const struct bridge_state *st, json_t *agents, json_t *errors)
{
	size_t n;
	const char **ids = sorted_keys(st->backends, &n);

	for (size_t i = 0; ids && i < n; i++) {
		json_t *be = json_object_get(st->backends, ids[i]);
		json_t *status = json_object_get(be, "status");

		if (!json_object_get(be, "availability") && !json_object_get(be, "status"))
			continue; /* only schedule switches were seen */
		json_array_append_new(
		    agents,
		    agent_line("scheduler", ids[i], json_object_get(be, "availability"), status));
		add_errors(errors, "scheduler", ids[i], status);
	}
	free(ids);
}

/* The workers' lines, and {queued, running} of the retained job states
 * beside each worker's own counts. */
static json_t *add_encoders(const struct bridge_state *st, json_t *agents, json_t *errors)
{
	size_t n;
	const char **ids = sorted_keys(st->workers, &n);
	json_int_t queued = 0, running = 0, online = 0;
	const char *id;
	json_t *job;

	for (size_t i = 0; ids && i < n; i++) {
		json_t *w = json_object_get(st->workers, ids[i]);
		json_t *status = json_object_get(w, "status");
		json_t *line =
		    agent_line("encoder", ids[i], json_object_get(w, "availability"), status);

		json_object_set(line, "running", or_null(json_object_get(status, "running")));
		json_object_set(line, "queued", or_null(json_object_get(status, "queued")));
		json_array_append_new(agents, line);
		online +=
		    json_is_string(json_object_get(w, "availability")) &&
		    strcmp(json_string_value(json_object_get(w, "availability")), "online") == 0;
		add_errors(errors, "encoder", ids[i], status);
	}
	free(ids);
	json_object_foreach(st->jobs, id, job)
	{
		const char *s = json_string_value(json_object_get(job, "state"));

		queued += s && strcmp(s, "queued") == 0;
		running += s && strcmp(s, "running") == 0;
	}
	return json_pack("{s:I, s:I, s:I, s:I}", "queued", queued, "running", running, "workers",
			 (json_int_t)n, "workers_online", online);
}

static json_t *add_transfer(const struct bridge_state *st, json_t *agents, json_t *errors)
{
	static const char *keys[] = {"state", "backlog",    "last_sync",
				     "on_pi", "unverified", "next_sync_at"};
	json_t *status = json_is_object(st->transfer) ? st->transfer : NULL, *t;

	if (status == NULL && !json_is_string(st->transfer_availability))
		return json_null();
	json_array_append_new(
	    agents, agent_line("transfer", "transfer", st->transfer_availability, status));
	add_errors(errors, "transfer", "transfer", status);
	t = json_pack("{s:O}", "availability", st->transfer_availability);
	for (size_t i = 0; t && i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set(t, keys[i], or_null(json_object_get(status, keys[i])));
	return t;
}

static int64_t error_time(json_t *e)
{
	int64_t ms;
	const char *at = json_string_value(json_object_get(e, "at"));

	return at && time_parse_iso(at, &ms) == 0 ? ms : INT64_MIN;
}

static int cmp_newest(const void *a, const void *b)
{
	int64_t ta = error_time(*(json_t *const *)a), tb = error_time(*(json_t *const *)b);

	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* The same errors, newest first (those without a time last). New reference. */
static json_t *newest_first(json_t *errors)
{
	size_t n = json_array_size(errors);
	json_t **v = n ? malloc(n * sizeof(*v)) : NULL, *out = json_array();

	for (size_t i = 0; v && i < n; i++)
		v[i] = json_array_get(errors, i);
	if (v)
		qsort(v, n, sizeof(*v), cmp_newest);
	for (size_t i = 0; v && out && i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

json_t *system_report(const struct bridge_state *st, const struct system_self *self)
{
	json_t *agents = json_array(), *disks = json_array(), *errors = json_array();
	json_t *bridge, *encoder, *transfer, *sorted, *out = NULL, *a;
	json_int_t online = 0, offline = 0;
	size_t i;

	if (!agents || !disks || !errors)
		goto out;
	bridge = json_pack("{s:s, s:s, s:s, s:s, s:n, s:s?, s:n, s:n, s:n, s:I}", "kind", "bridge",
			   "id", self->backend_name, "availability", "online", "version",
			   self->version, "state", "config_error",
			   self->config_error && self->config_error[0] ? self->config_error : NULL,
			   "last_error", "error_kind", "last_error_at", "uptime_seconds",
			   (json_int_t)self->uptime_seconds);
	json_array_append_new(agents, bridge);
	if (self->config_error && self->config_error[0])
		json_array_append_new(errors,
				      json_pack("{s:s, s:s, s:s, s:s, s:n}", "kind", "bridge", "id",
						self->backend_name, "error", self->config_error,
						"error_kind", "invalid", "at"));
	add_schedulers(st, agents, errors);
	add_cameras(st, agents, disks, errors);
	encoder = add_encoders(st, agents, errors);
	transfer = add_transfer(st, agents, errors);
	for (int d = 0; d < self->ndisks; d++) {
		const struct system_disk *k = &self->disks[d];
		double pct =
		    k->total_bytes ? 100.0 * (double)k->free_bytes / (double)k->total_bytes : 0.0;
		json_t *line = k->known
				   ? json_pack("{s:s, s:s, s:I, s:I, s:f, s:b}", "where", "server",
					       "id", k->id, "free_bytes", (json_int_t)k->free_bytes,
					       "total_bytes", (json_int_t)k->total_bytes,
					       "free_pct", (double)(int64_t)(pct * 10 + 0.5) / 10,
					       "low", pct < self->disk_low_pct)
				   : disk_line("server", k->id, NULL, NULL, NULL, false);

		json_object_set_new(line, "path", json_string(k->path));
		json_array_append_new(disks, line);
	}
	json_array_foreach(agents, i, a)
	{
		const char *av = json_string_value(json_object_get(a, "availability"));

		online += av && strcmp(av, "online") == 0;
		offline += av && strcmp(av, "offline") == 0;
	}
	sorted = newest_first(errors);
	out = json_pack("{s:{s:b, s:s}, s:{s:I, s:I, s:I, s:I}, s:O, s:O, s:o, s:o, s:o}", "broker",
			"connected", self->broker_up, "url", self->broker_url, "summary", "agents",
			(json_int_t)json_array_size(agents), "online", online, "offline", offline,
			"errors", (json_int_t)json_array_size(errors), "agents", agents, "disks",
			disks, "transfer", transfer, "encoder", encoder, "errors", sorted);
out:
	json_decref(agents);
	json_decref(disks);
	json_decref(errors);
	return out;
}
