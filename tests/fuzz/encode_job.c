/* encode_job.c - fuzzes an encode job payload as skylapse-encoder takes it
 * (encoder/worker.c: jsonx_parse_object(), then encoder/job.c: job_parse()
 * with and without the configuration's `encoder` defaults), the output name
 * of a job that parses, and the same object read as the command line's
 * settings and as an `encoder` section of config.json. */
#include "fuzz.h"

#include "job.h"
#include "jsonx.h"

static json_t *defaults;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char why[ERRMSG_MAX];

	(void)argc, (void)argv;
	fuzz_quiet();
	defaults = json_loads("{\"codec\": \"h265\", \"fps\": 30, \"quality\": \"high\","
			      " \"deflicker\": {\"window\": 9}, \"concurrency\": 2}",
			      0, NULL);
	if (defaults == NULL || job_check_defaults(defaults, why) != SL_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[ERRMSG_MAX], name[JOB_NAME_MAX];
	struct encode_job job;
	json_t *obj = jsonx_parse_object("payload", (const char *)data, size, PAYLOAD_MAX, why);

	if (obj == NULL)
		return 0;
	if (job_parse(obj, NULL, &job, why) == SL_OK) {
		job_output_name(&job, job.from_ms, job.profile ? job.profile : 'a', name);
		job_codec_name(job.codec);
		job_kind_name(job.kind);
	}
	if (job_parse(obj, defaults, &job, why) == SL_OK)
		job_output_name(&job, INT64_MAX / 2, 'z', name);
	job_parse_settings(obj, defaults, &job, why);
	job_check_defaults(obj, why);
	json_decref(obj);
	return 0;
}
