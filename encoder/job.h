/* job.h - an encode job: parsed from untrusted JSON, checked, resolved.
 *
 * job_parse() reads a job (SPEC section 4) over the optional `encoder`
 * defaults of config.json and fills a struct encode_job with plain values;
 * every problem is a sentence naming the key. Quality tiers (REFERENCE.md)
 * become a CRF and a preset there too, so the encoder never sees a tier.
 * job_output_name() gives the file name of the job's outputs.
 */
#ifndef SKYLAPSE_ENCODER_JOB_H
#define SKYLAPSE_ENCODER_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "fsutil.h"

#define JOB_FPS_MAX	   120
#define JOB_WIDTH_MAX	   7680
#define JOB_HEIGHT_MAX	   8192
#define JOB_WINDOW_DEFAULT 15
#define JOB_WINDOW_MAX	   301
#define JOB_PRESET_MAX	   16
#define JOB_NAME_MAX	   192 /* output base name, with room for the id */
#define JOB_DARK_MAX	   256 /* a dark frame's path under the images root */
/* Returned by the encoding steps when the job was cancelled; positive, so
 * never confused with an SL_ERR_* code. */
#define ENC_CANCELLED 1

enum job_kind { JOB_VIDEO, JOB_KEOGRAM, JOB_STARTRAILS };
enum job_codec { CODEC_H264, CODEC_H265, CODEC_VP9, CODEC_AV1 };

struct encode_job {
	char job_id[ID_MAX + 1]; /* "" until job_parse() finds or makes one */
	bool id_generated;
	enum job_kind kind;
	char camera[ID_MAX + 1];
	char profile; /* 'a'..'z'; 0: the one profile with frames */
	/* the range: from/to, or a local date (+ schedule) resolved later */
	int64_t from_ms, to_ms;	   /* [from, to); 0 when given as a date */
	int year, month, day;	   /* 0 when given as from/to */
	char schedule[ID_MAX + 1]; /* "" : the whole local day */
	int fps;		   /* 1..JOB_FPS_MAX; 0 with duration_seconds */
	double duration_seconds;   /* > 0: fps comes from the frame count */
	int width;		   /* 0: source width; even */
	bool width_given;	   /* by the job or the defaults (else 1920) */
	int height;		   /* 0: from the width and the aspect (keogram: the
				    * frames' height, at most 1080) */
	enum job_codec codec;
	int crf;
	char preset[JOB_PRESET_MAX];
	int deflicker_window;  /* 0: no deflicker; odd otherwise */
	int bracket;	       /* -1: the middle exposure of a bracket */
	bool hdr;	       /* fuse each slot's brackets (unless `bracket`) */
	char name[ID_MAX + 1]; /* output name; "" : job_output_name() makes one */
	char dark[JOB_DARK_MAX]; /* startrails: a dark frame under the images root; "" */
};

/* Fills *job from `obj` (borrowed) over `defaults` (the config's encoder
 * object, borrowed, may be NULL). A missing job_id is generated; unknown
 * keys are refused. Returns 0,
 * or SL_ERR_INVAL / SL_ERR_RANGE with `why` naming the key and, when the
 * job carried a valid job_id, job->job_id set so the failure can be
 * reported under it. */
int job_parse(const json_t *obj, const json_t *defaults, struct encode_job *job,
	      char why[ERRMSG_MAX]);

/* Only the encoding settings (kind, fps or duration_seconds, width,
 * height, codec, crf, preset, quality_tier, quality, deflicker, hdr) of `obj`
 * over `defaults`: what the `encode` command line gives. Same returns. */
int job_parse_settings(const json_t *obj, const json_t *defaults, struct encode_job *job,
		       char why[ERRMSG_MAX]);

/* Checks the `encoder` section of config.json alone; 0 or SL_ERR_INVAL
 * with `why`. Worker-only keys (concurrency, threads) are allowed there. */
int job_check_defaults(const json_t *defaults, char why[ERRMSG_MAX]);

/* A fresh job id, "job-<time base 36>-<random hex>" (valid as an id). */
void job_make_id(char out[ID_MAX + 1]);

/* The outputs' base name: job->name, else
 * "<YYYYmmdd>_<HHMMSS>_<profile>_<job_id>" from the start of the range
 * (UTC), with "_keogram" or "_startrails" added for those kinds. `start_ms` is the resolved
 * start of the range, `profile` the resolved profile. */
void job_output_name(const struct encode_job *job, int64_t start_ms, char profile,
		     char out[JOB_NAME_MAX]);

/* The x264 preset names `preset` accepts, fastest first, NULL-terminated. */
extern const char *const job_presets[];

const char *job_codec_name(enum job_codec c);
const char *job_kind_name(enum job_kind k);

#endif
