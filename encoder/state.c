/* state.c - building the job state message; see state.h.
 *
 * Times are UTC ISO 8601 with milliseconds, or null when the moment has
 * not come. Keys are always present (null when unknown), so a dashboard
 * never has to ask whether a field exists.
 */
#include "state.h"

#include <string.h>

#include "jsonx.h"
#include "timeutil.h"

static const char *const names[] = {"queued", "running", "done", "failed", "cancelled"};

const char *job_state_name(enum job_state s)
{
	return names[s];
}

int job_state_parse(const char *name, enum job_state *out)
{
	for (int i = 0; name && i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum job_state)i;
			return SL_OK;
		}
	return SL_ERR_NOTFOUND;
}

bool job_state_active(enum job_state s)
{
	return s == JOB_QUEUED || s == JOB_RUNNING;
}

static json_t *time_or_null(int64_t ms)
{
	char iso[TIME_ISO_MAX];

	if (ms <= 0)
		return json_null();
	time_format_utc(ms, iso);
	return json_string(iso);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *positive_or_null(int64_t v)
{
	return v > 0 ? json_integer(v) : json_null();
}

json_t *state_json(const struct job_view *v)
{
	const struct encode_job *j = v->spec;
	char profile[2] = {v->profile ? v->profile : (j ? j->profile : 0), 0};
	double progress = v->state == JOB_DONE ? 1.0
			  : v->frames_total    ? (double)v->frames_done / (double)v->frames_total
					       : 0.0;
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "job_id", json_string(v->job_id));
	json_object_set_new(o, "state", json_string(job_state_name(v->state)));
	json_object_set_new(o, "progress", json_real(progress > 1 ? 1 : progress));
	json_object_set_new(o, "frames_total", json_integer((json_int_t)v->frames_total));
	json_object_set_new(o, "frames_done", json_integer((json_int_t)v->frames_done));
	json_object_set_new(o, "frames_skipped",
			    json_integer(v->skipped ? (json_int_t)v->skipped->count : 0));
	json_object_set_new(o, "skipped",
			    v->skipped ? skip_list_json(v->skipped, SKIP_JSON_MAX) : json_array());
	json_object_set_new(o, "output", str_or_null(v->output));
	json_object_set_new(o, "thumbnail", str_or_null(v->thumbnail));
	json_object_set_new(o, "size", positive_or_null(v->size));
	json_object_set_new(o, "duration_seconds",
			    v->duration_seconds > 0 ? json_real(v->duration_seconds) : json_null());
	json_object_set_new(o, "error", str_or_null(v->error));
	/* an error without a code is "internal" */
	json_object_set_new(o, "error_kind",
			    v->error
				? json_string(v->error_code ? err_kind(v->error_code) : "internal")
				: json_null());
	json_object_set_new(o, "worker", str_or_null(v->worker));
	json_object_set_new(o, "created_at", time_or_null(v->created_ms));
	json_object_set_new(o, "started_at", time_or_null(v->started_ms));
	json_object_set_new(o, "finished_at", time_or_null(v->finished_ms));
	json_object_set_new(o, "kind", j ? json_string(job_kind_name(j->kind)) : json_null());
	json_object_set_new(o, "camera", j ? str_or_null(j->camera) : json_null());
	json_object_set_new(o, "profile", str_or_null(profile));
	json_object_set_new(o, "codec", j ? json_string(job_codec_name(j->codec)) : json_null());
	json_object_set_new(o, "width", positive_or_null(v->width));
	json_object_set_new(o, "height", positive_or_null(v->height));
	json_object_set_new(o, "fps", positive_or_null(v->fps));
	json_object_set_new(o, "attempts", json_integer(v->attempts));
	json_object_set_new(o, "request", v->request ? json_deep_copy(v->request) : json_null());
	return o;
}

char *state_text(const struct job_view *v)
{
	json_t *o = state_json(v);
	char *text = o ? jx_dump(o) : NULL;

	json_decref(o);
	return text;
}
