/* job_state.c - fuzzes encode job requests and states as the server's
 * agents learn them from R/encoder/jobs and R/encoder/jobs/<id> (retained):
 * the encoder's registry (encoder/registry.c: registry_note_state(), then
 * registry_decide() and, for a job to take over, job_parse() of its
 * "request" as worker.c does) and the transfer's retention guards
 * (agents/transfer/retention.c: retention_on_job(), retention_protects()).
 *
 * The input is lines, each one message: "<job id> <payload>" for a state,
 * "- <payload>" for a request, "@<worker> <online|offline>" for a worker's
 * availability. Worker "w1" decides, 10 s after its view became complete. */
#include "fuzz.h"

#include "job.h"
#include "registry.h"
#include "retention.h"
#include "timeutil.h"

#define NOW_MS 1782064800000LL /* 2026-06-21T18:00:00Z */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

static void message(struct registry *reg, struct retention *ret, char *line)
{
	char *sp = strchr(line, ' '), why[ERRMSG_MAX];
	const char *payload = sp ? sp + 1 : "";
	size_t len = strlen(payload);
	struct encode_job job;
	const json_t *st;
	int attempts = 0;

	if (sp)
		*sp = '\0';
	if (line[0] == '@') {
		registry_note_worker(reg, line + 1, strcmp(payload, "online") == 0, NOW_MS);
		return;
	}
	if (strcmp(line, "-") == 0) {
		retention_on_job(ret, NULL, payload, len, NOW_MS);
		return;
	}
	if (!id_is_valid(line)) /* the topic's last level, as the agents check it */
		return;
	retention_on_job(ret, line, payload, len, NOW_MS);
	st = registry_note_state(reg, line, payload, len);
	if (st && registry_decide(reg, "w1", st, NOW_MS, NOW_MS - 10000, &attempts, why) ==
		      CLAIM_TAKE) {
		json_t *req = json_deep_copy(json_object_get(st, "request"));

		job_parse(req, NULL, &job, why);
		json_decref(req);
	}
	registry_note_published(reg, line, payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *line, *save = NULL;
	struct registry reg;
	struct retention ret = {.days = 30};

	if (registry_init(&reg) != SL_OK)
		abort();
	registry_note_worker(&reg, "w1", true, NOW_MS - 60000);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		message(&reg, &ret, line);
	retention_protects(&ret, "helios", 'a', NOW_MS - 3600000, NOW_MS);
	retention_protects(&ret, "selene", 'b', 0, NOW_MS + 2 * 86400000LL);
	retention_free(&ret);
	registry_free(&reg);
	free(text);
	return 0;
}
