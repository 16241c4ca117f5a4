/* plan.c - fuzzes the capture plan (R/<camera>/plan, retained) as
 * skylapse-capture takes it (agents/capture/offline.c: jsonx_parse_object()
 * then plan.c: plan_parse()), then what the agent asks of a plan while the
 * broker is away: the window at a time, and the slot in it. */
#include "fuzz.h"

#include "jsonx.h"
#include "plan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t times[] = {0, 1782064800000, INT64_MIN, INT64_MAX};
	char why[ERRMSG_MAX];
	struct plan p;
	json_t *obj = jsonx_parse_object("payload", (const char *)data, size, PAYLOAD_MAX, why);

	if (obj == NULL)
		return 0;
	if (plan_parse(obj, &p, why) == SL_OK) {
		if (p.n < 0 || p.n > PLAN_WINDOWS_MAX)
			abort();
		for (size_t t = 0; t < sizeof(times) / sizeof(times[0]); t++) {
			int i = plan_window_at(&p, times[t]);

			if (i >= 0)
				plan_slot_at(&p.w[i], times[t]);
		}
		for (int i = 0; i < p.n; i++) {
			plan_window_at(&p, p.w[i].start_ms);
			plan_slot_at(&p.w[i], p.w[i].start_ms);
			plan_slot_at(&p.w[i], p.w[i].end_ms - 1);
		}
	}
	json_decref(obj);
	return 0;
}
