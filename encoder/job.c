/* job.c - encode jobs from untrusted JSON; see job.h.
 *
 * The same field reader runs twice: over config.json's `encoder` defaults,
 * then over the job, so a job only states what differs. The range, the id
 * and the name come from the job alone. CRF and preset are resolved last:
 * an explicit `crf`/`preset` wins, then the quality tier, then H.264's own
 * defaults (CRF 23, medium); tier CRFs are H.264 values, shifted for the
 * other codecs so that a tier means about the same quality everywhere.
 */
#include "job.h"
#include "err.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "jsonx.h"
#include "timeutil.h"

enum tier { TIER_NONE = -1, TIER_PREVIEW, TIER_ARCHIVE };
enum quality { QUALITY_LOW, QUALITY_MEDIUM, QUALITY_HIGH };

/* REFERENCE.md: the earlier stack's presets, per tier and quality. */
static const struct {
	int crf;
	const char *preset;
} tier_table[2][3] = {
    {{28, "fast"}, {23, "medium"}, {18, "medium"}},
    {{20, "medium"}, {16, "slow"}, {12, "slow"}},
};

const char *const job_presets[] = {"ultrafast", "superfast", "veryfast", "faster",
				   "fast",	"medium",    "slow",	 "slower",
				   "veryslow",	"placebo",   NULL};

static const char *const codec_names[] = {"h264", "h265", "vp9", "av1"};
/* CRF shift from an H.264 tier value, and each codec's CRF ceiling. */
static const int codec_crf_shift[] = {0, 5, 8, 12};
static const int codec_crf_max[] = {51, 51, 63, 63};

/* What one object said about quality; resolved after both passes. */
struct quality_acc {
	int crf;	    /* -1: not given */
	const char *preset; /* NULL: not given (borrowed from the JSON) */
	int tier;	    /* TIER_NONE: not given */
	int quality;	    /* -1: not given */
};

static int pick(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int get_choice(const json_t *obj, const char *key, const char *const *names, int *out,
		      char why[ERRMSG_MAX])
{
	const char *s;
	int rc = jx_get_string(obj, key, &s, why), i;

	if (rc)
		return rc == SL_ERR_NOTFOUND ? SL_OK : rc;
	i = pick(s, names);
	if (i < 0) {
		char list[160] = "";

		for (int k = 0; names[k]; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 k ? ", " : "", names[k]);
		err_why(why, "unknown %s '%.40s' (one of: %s)", key, s, list);
		return SL_ERR_INVAL;
	}
	*out = i;
	return SL_OK;
}

/* `deflicker`: true, false, or {"window": N} (N odd, 3..JOB_WINDOW_MAX). */
static int get_deflicker(const json_t *obj, int *window, char why[ERRMSG_MAX])
{
	json_t *v = json_object_get(obj, "deflicker");
	long long w = JOB_WINDOW_DEFAULT;
	bool on = true;
	int rc;

	if (v == NULL || json_is_null(v))
		return SL_OK;
	if (json_is_boolean(v)) {
		*window = json_is_true(v) ? JOB_WINDOW_DEFAULT : 0;
		return SL_OK;
	}
	if (!json_is_object(v)) {
		err_why(why, "'deflicker' must be true, false or {\"window\": N}");
		return SL_ERR_INVAL;
	}
	rc = jx_get_bool(v, "enabled", &on, why);
	if (rc && rc != SL_ERR_NOTFOUND)
		return rc;
	rc = jx_get_int(v, "window", 3, JOB_WINDOW_MAX, &w, why);
	if (rc && rc != SL_ERR_NOTFOUND) {
		err_why(why, "'deflicker.window' must be an integer between 3 and %d",
			 JOB_WINDOW_MAX);
		return rc;
	}
	*window = on ? (int)(w | 1) : 0;
	return SL_OK;
}

/* Fields shared by the defaults and the job. */
static int read_common(const json_t *obj, struct encode_job *job, struct quality_acc *q,
		       char why[ERRMSG_MAX])
{
	static const char *const kinds[] = {"video", "keogram", "startrails", NULL};
	static const char *const codecs[] = {"h264", "h265", "vp9", "av1", "hevc", NULL};
	static const char *const tiers[] = {"preview", "archive", NULL};
	static const char *const qualities[] = {"low", "medium", "high", NULL};
	long long v;
	double d;
	int c, rc, has_fps = 0;

	c = (int)job->kind;
	if ((rc = get_choice(obj, "kind", kinds, &c, why)))
		return rc;
	job->kind = (enum job_kind)c;
	c = (int)job->codec;
	if ((rc = get_choice(obj, "codec", codecs, &c, why)))
		return rc;
	job->codec = c == 4 ? CODEC_H265 : (enum job_codec)c;
	rc = jx_get_int(obj, "fps", 1, JOB_FPS_MAX, &v, why);
	if (rc == SL_OK) {
		job->fps = (int)v;
		job->duration_seconds = 0;
		has_fps = 1;
	} else if (rc != SL_ERR_NOTFOUND) {
		return rc;
	}
	rc = jx_get_number(obj, "duration_seconds", 0.001, 86400, &d, why);
	if (rc == SL_OK) {
		if (has_fps) {
			err_why(why, "give 'fps' or 'duration_seconds', not both");
			return SL_ERR_INVAL;
		}
		job->duration_seconds = d;
		job->fps = 0;
	} else if (rc != SL_ERR_NOTFOUND) {
		return rc;
	}
	rc = jx_get_int(obj, "width", 0, JOB_WIDTH_MAX, &v, why);
	if (rc == SL_OK) {
		if (v > 0 && v < 16) {
			err_why(why, "'width' must be 0 (source size) or 16..%d",
				 JOB_WIDTH_MAX);
			return SL_ERR_RANGE;
		}
		job->width = (int)v & ~1;
		job->width_given = true;
	} else if (rc != SL_ERR_NOTFOUND) {
		return rc;
	}
	rc = jx_get_int(obj, "height", 0, JOB_HEIGHT_MAX, &v, why);
	if (rc == SL_OK)
		job->height = (int)v;
	else if (rc != SL_ERR_NOTFOUND)
		return rc;
	rc = jx_get_int(obj, "crf", 0, 63, &v, why);
	if (rc == SL_OK)
		q->crf = (int)v;
	else if (rc != SL_ERR_NOTFOUND)
		return rc;
	c = -1;
	if ((rc = get_choice(obj, "preset", job_presets, &c, why)))
		return rc;
	if (c >= 0)
		q->preset = job_presets[c];
	if ((rc = get_choice(obj, "quality_tier", tiers, &q->tier, why)) ||
	    (rc = get_choice(obj, "quality", qualities, &q->quality, why)))
		return rc;
	if ((rc = jx_get_bool(obj, "hdr", &job->hdr, why)) && rc != SL_ERR_NOTFOUND)
		return rc;
	return get_deflicker(obj, &job->deflicker_window, why);
}

static int read_range(const json_t *obj, struct encode_job *job, char why[ERRMSG_MAX])
{
	const char *from = NULL, *to = NULL, *date = NULL, *sched = NULL;
	int rc;

	if ((rc = jx_get_string(obj, "from", &from, why)) && rc != SL_ERR_NOTFOUND)
		return rc;
	if ((rc = jx_get_string(obj, "to", &to, why)) && rc != SL_ERR_NOTFOUND)
		return rc;
	if ((rc = jx_get_string(obj, "date", &date, why)) && rc != SL_ERR_NOTFOUND)
		return rc;
	if ((rc = jx_get_string(obj, "schedule", &sched, why)) && rc != SL_ERR_NOTFOUND)
		return rc;
	if (date && (from || to)) {
		err_why(why, "give either 'from'/'to' or 'date', not both");
		return SL_ERR_INVAL;
	}
	if (date) {
		if (time_parse_date(date, &job->year, &job->month, &job->day)) {
			err_why(why, "'date' must be YYYY-MM-DD, not '%.40s'", date);
			return SL_ERR_INVAL;
		}
		if (sched && !id_is_valid(sched)) {
			err_why(why, "'schedule' must match [a-z0-9_-]{1,64}");
			return SL_ERR_INVAL;
		}
		snprintf(job->schedule, sizeof(job->schedule), "%s", sched ? sched : "");
		return SL_OK;
	}
	if (sched) {
		err_why(why, "'schedule' needs a 'date'");
		return SL_ERR_INVAL;
	}
	if (from == NULL || to == NULL) {
		err_why(why, "a frame range is required: 'from' and 'to', or 'date' (and 'schedule')");
		return SL_ERR_INVAL;
	}
	if (time_parse_iso(from, &job->from_ms)) {
		err_why(why, "'from' is not an ISO 8601 time: '%.40s'", from);
		return SL_ERR_INVAL;
	}
	if (time_parse_iso(to, &job->to_ms)) {
		err_why(why, "'to' is not an ISO 8601 time: '%.40s'", to);
		return SL_ERR_INVAL;
	}
	if (job->from_ms >= job->to_ms) {
		err_why(why, "empty range: 'from' must be before 'to'");
		return SL_ERR_RANGE;
	}
	return SL_OK;
}

static int read_id_field(const json_t *obj, const char *key, char out[ID_MAX + 1],
			 char why[ERRMSG_MAX])
{
	const char *s;
	int rc = jx_get_string(obj, key, &s, why);

	if (rc)
		return rc == SL_ERR_NOTFOUND ? SL_OK : rc;
	if (!id_is_valid(s)) {
		err_why(why, "'%s' must match [a-z0-9_-]{1,64}, not '%.64s'", key, s);
		return SL_ERR_INVAL;
	}
	snprintf(out, ID_MAX + 1, "%s", s);
	return SL_OK;
}

/* `dark`: a relative path under the images root, for star trails only. */
static int read_dark(const json_t *obj, struct encode_job *job, char why[ERRMSG_MAX])
{
	char joined[JOB_DARK_MAX + 2];
	const char *s;
	int rc = jx_get_string(obj, "dark", &s, why);

	if (rc)
		return rc == SL_ERR_NOTFOUND ? SL_OK : rc;
	if (job->kind != JOB_STARTRAILS) {
		err_why(why, "'dark' is only for kind startrails");
		return SL_ERR_INVAL;
	}
	if (strlen(s) >= JOB_DARK_MAX || path_join_safe("/", s, joined, sizeof(joined))) {
		err_why(why, "'dark' must be a relative path under the images root, without "
			     "'..', at most %d characters",
			 JOB_DARK_MAX - 1);
		return SL_ERR_INVAL;
	}
	snprintf(job->dark, sizeof(job->dark), "%s", s);
	return SL_OK;
}

static int read_job_only(const json_t *obj, struct encode_job *job, char why[ERRMSG_MAX])
{
	const char *prof;
	long long v;
	int rc;

	if ((rc = read_id_field(obj, "camera", job->camera, why)) ||
	    (rc = read_id_field(obj, "name", job->name, why)))
		return rc;
	if (job->camera[0] == '\0') {
		err_why(why, "'camera' is required");
		return SL_ERR_INVAL;
	}
	rc = jx_get_string(obj, "profile", &prof, why);
	if (rc == SL_OK) {
		char p = prof[0] >= 'A' && prof[0] <= 'Z' ? (char)(prof[0] - 'A' + 'a') : prof[0];

		if (strlen(prof) != 1 || p < 'a' || p > 'z') {
			err_why(why, "'profile' must be one letter, not '%.20s'",
				 prof);
			return SL_ERR_INVAL;
		}
		job->profile = p;
	} else if (rc != SL_ERR_NOTFOUND) {
		return rc;
	}
	rc = jx_get_int(obj, "bracket", 0, 99, &v, why);
	if (rc == SL_OK)
		job->bracket = (int)v;
	else if (rc != SL_ERR_NOTFOUND)
		return rc;
	if ((rc = read_dark(obj, job, why)))
		return rc;
	return read_range(obj, job, why);
}

static void resolve_quality(struct encode_job *job, const struct quality_acc *q)
{
	int tier = q->tier != TIER_NONE ? q->tier : TIER_PREVIEW;
	int quality = q->quality >= 0 ? q->quality : QUALITY_HIGH;
	int crf = 23;
	const char *preset = "medium";

	if (q->tier != TIER_NONE || q->quality >= 0) {
		crf = tier_table[tier][quality].crf;
		preset = tier_table[tier][quality].preset;
	}
	crf += codec_crf_shift[job->codec];
	job->crf = q->crf >= 0 ? q->crf : crf;
	if (job->crf > codec_crf_max[job->codec])
		job->crf = codec_crf_max[job->codec];
	snprintf(job->preset, sizeof(job->preset), "%s", q->preset ? q->preset : preset);
}

/* A later object's quality settings replace an earlier one's as a whole
 * when it names a tier, so a job's tier is not undone by a default crf. */
static void merge_quality(struct quality_acc *into, const struct quality_acc *from)
{
	if (from->tier != TIER_NONE || from->quality >= 0) {
		into->crf = -1;
		into->preset = NULL;
		into->tier = from->tier;
		into->quality = from->quality;
	}
	if (from->crf >= 0)
		into->crf = from->crf;
	if (from->preset)
		into->preset = from->preset;
}

static void job_init(struct encode_job *job)
{
	memset(job, 0, sizeof(*job));
	job->kind = JOB_VIDEO;
	job->fps = 30;
	job->width = 1920;
	job->codec = CODEC_H264;
	job->crf = 23;
	job->bracket = -1;
	job->hdr = true;
}

static int read_defaults(const json_t *defaults, struct encode_job *job, struct quality_acc *q,
			 char why[ERRMSG_MAX])
{
	char inner[ERRMSG_MAX];
	long long v;
	int rc;

	if (defaults == NULL || json_is_null(defaults))
		return SL_OK;
	if (!json_is_object(defaults)) {
		err_why(why, "encoder defaults: 'encoder' must be an object");
		return SL_ERR_INVAL;
	}
	rc = read_common(defaults, job, q, inner);
	if (rc == SL_OK &&
	    (rc = jx_get_int(defaults, "concurrency", 1, 64, &v, inner)) == SL_ERR_NOTFOUND)
		rc = SL_OK;
	if (rc == SL_OK &&
	    (rc = jx_get_int(defaults, "threads", 0, 64, &v, inner)) == SL_ERR_NOTFOUND)
		rc = SL_OK;
	if (rc)
		err_why(why, "encoder defaults: %s", inner);
	return rc;
}

int job_check_defaults(const json_t *defaults, char why[ERRMSG_MAX])
{
	struct quality_acc q = {-1, NULL, TIER_NONE, -1};
	struct encode_job job;

	job_init(&job);
	return read_defaults(defaults, &job, &q, why);
}

/* Defaults, then the job's settings, then (with_target) its camera and
 * range; quality resolved last. */
static int parse_fields(const json_t *obj, const json_t *defaults, struct encode_job *job,
			bool with_target, char why[ERRMSG_MAX])
{
	struct quality_acc qd = {-1, NULL, TIER_NONE, -1}, qj = {-1, NULL, TIER_NONE, -1};
	int rc;

	if ((rc = read_defaults(defaults, job, &qd, why)) || (rc = read_common(obj, job, &qj, why)))
		return rc;
	if (with_target && (rc = read_job_only(obj, job, why)))
		return rc;
	merge_quality(&qd, &qj);
	if (qd.crf > codec_crf_max[job->codec]) {
		err_why(why, "'crf' must be between 0 and %d for %s",
			 codec_crf_max[job->codec], codec_names[job->codec]);
		return SL_ERR_RANGE;
	}
	resolve_quality(job, &qd);
	return SL_OK;
}

/* Jobs are strict (schema/encode-job.json): a misspelt key is an error,
 * not a silently ignored wish. */
static int check_keys(const json_t *obj, char why[ERRMSG_MAX])
{
	static const char *const known[] = {
	    "job_id", "kind",	  "camera", "profile",		"from",	   "to",
	    "date",   "schedule", "fps",    "duration_seconds", "width",   "height",
	    "codec",  "crf",	  "preset", "quality_tier",	"quality", "deflicker",
	    "name",   "bracket",  "hdr",	"dark",		    NULL};
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		(void)v;
		if (pick(key, known) < 0) {
			err_why(why, "unknown field '%.64s'", key);
			return SL_ERR_INVAL;
		}
	}
	return SL_OK;
}

int job_parse(const json_t *obj, const json_t *defaults, struct encode_job *job,
	      char why[ERRMSG_MAX])
{
	json_t *id;

	job_init(job);
	id = json_object_get(obj, "job_id");
	if (json_is_string(id) && id_is_valid(json_string_value(id))) {
		snprintf(job->job_id, sizeof(job->job_id), "%s", json_string_value(id));
	} else {
		job_make_id(job->job_id);
		job->id_generated = true;
		if (id && !json_is_null(id)) {
			err_why(why, "'job_id' must be a string matching [a-z0-9_-]{1,64}");
			return SL_ERR_INVAL;
		}
	}
	if (check_keys(obj, why))
		return SL_ERR_INVAL;
	return parse_fields(obj, defaults, job, true, why);
}

int job_parse_settings(const json_t *obj, const json_t *defaults, struct encode_job *job,
		       char why[ERRMSG_MAX])
{
	job_init(job);
	return parse_fields(obj, defaults, job, false, why);
}

void job_make_id(char out[ID_MAX + 1])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char b36[16];
	unsigned int rnd = 0;
	uint64_t t = (uint64_t)time_now_ms();
	int n = 0;

	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (unsigned int)(t * 2654435761u);
	do {
		b36[n++] = digits[t % 36];
		t /= 36;
	} while (t && n < (int)sizeof(b36));
	for (int i = 0; i < n / 2; i++) {
		char c = b36[i];

		b36[i] = b36[n - 1 - i];
		b36[n - 1 - i] = c;
	}
	snprintf(out, ID_MAX + 1, "job-%.*s-%06x", n, b36, rnd & 0xffffff);
}

void job_output_name(const struct encode_job *job, int64_t start_ms, char profile,
		     char out[JOB_NAME_MAX])
{
	char iso[TIME_ISO_MAX];

	if (job->name[0]) {
		snprintf(out, JOB_NAME_MAX, "%s", job->name);
		return;
	}
	/* "YYYY-MM-DDTHH:MM:SS.mmmZ" -> "YYYYmmdd_HHMMSS" */
	time_format_utc(start_ms, iso);
	snprintf(out, JOB_NAME_MAX, "%.4s%.2s%.2s_%.2s%.2s%.2s_%c_%s%s", iso, iso + 5, iso + 8,
		 iso + 11, iso + 14, iso + 17, profile ? profile : 'x', job->job_id,
		 job->kind == JOB_KEOGRAM ? "_keogram" : job->kind == JOB_STARTRAILS ? "_startrails" : "");
}

const char *job_codec_name(enum job_codec c)
{
	return codec_names[c];
}

const char *job_kind_name(enum job_kind k)
{
	return k == JOB_STARTRAILS ? "startrails" : k == JOB_KEOGRAM ? "keogram" : "video";
}
