/* capture_request.c - fuzzes a capture request message as skylapse-capture
 * takes it (agents/capture/request.c: request_take()), then what the shoot
 * reads from it before the camera: its profile and the overrides
 * (profile_controls(), as capture_shoot() calls it), and the answer built
 * for it (capture_result()). The primary backend is "dagon". */
#include "fuzz.h"

#include "capture.h"
#include "jsonx.h"
#include "mqtt.h"
#include "profile.h"
#include "request.h"

static struct config cfg;
static struct capture_settings set;
static struct capture_agent agent;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	fuzz_config(&cfg, FUZZ_CONFIG_MIN);
	snprintf(set.primary_backend, sizeof(set.primary_backend), "dagon");
	agent.cfg = &cfg;
	agent.set = &set;
	agent.cam = (struct camera *)&agent; /* "ready"; request_take() never uses it */
	snprintf(agent.images_root, sizeof(agent.images_root), "/nonexistent");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *payload = fuzz_cstr(data, size), why[ERRMSG_MAX];
	struct mqtt_message m = {
	    .topic = "skylapse/helios/capture/request",
	    .payload = (const unsigned char *)payload,
	    .len = size,
	    .qos = 1,
	    .response_topic = "skylapse/reply/1",
	    .correlation = data,
	    .correlation_len = size < 16 ? size : 16,
	};
	struct capture_job *job = request_take(&agent, &m);
	json_t *result;
	char *text;

	if (job == NULL)
		abort(); /* not retained: every request gets a job (or we are out of memory) */
	if (job->rc == SL_OK) {
		const struct profile *p = job->profile_asked
					      ? profile_find(&cfg.profiles, job->profile_asked)
					      : profile_first_enabled(&cfg.profiles);
		struct camera_controls ctl;

		if (p) {
			profile_controls(p, -1, job->overrides, &ctl, why);
			if (profile_controls(p, 12000, job->overrides, &ctl, why) == SL_OK)
				profile_controls_bracket(&ctl, 2);
		}
	}
	result = capture_result(job);
	text = result ? jx_dump(result) : NULL;
	free(text);
	json_decref(result);
	agent.jobs_open = 0;
	capture_job_free(&job);
	free(payload);
	return 0;
}
