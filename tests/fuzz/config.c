/* config.c - fuzzes config.json as every program reads it (lib/config.c:
 * config_load() through a file), then what a loaded configuration feeds:
 * each program's own section (its settings module), the time zone, each
 * schedule's window of a summer and a winter day (lib/window.c), the
 * restart check of a reload against the default configuration, and the
 * problem lines. */
#include "fuzz.h"

#include "../../agents/capture/settings.h"
#include "../../agents/transfer/settings.h"
#include "../../bridge-http/settings.h"
#include "../../encoder/settings.h"
#include "timeutil.h"
#include "window.h"

static struct config base;
static char path[160];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	fuzz_config(&base, FUZZ_CONFIG_MIN);
	snprintf(path, sizeof(path), "%s/fuzzed.json", fuzz_tmpdir());
	devnull = fopen("/dev/null", "w");
	if (devnull == NULL)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct config_problems p;
	struct window w;

	fuzz_write_file(path, data, size);
	if (config_load(&c, path, NULL, &p) == SL_OK) {
		struct capture_settings cs;
		struct transfer_settings ts;
		struct bridge_settings bs;
		struct encoder_settings es;

		capture_settings_load(&c, &cs, &p);
		transfer_settings_load(&c, &ts, &p);
		bridge_settings_load(&c, &bs, &p);
		encoder_settings_load(&c, &es, &p);
	}
	if (p.errors == 0 && time_set_zone(c.timezone) == SL_OK) {
		for (int i = 0; i < c.nschedules; i++) {
			const struct schedule *s = &c.schedules[i];

			window_for_date(&c, s, 2026, 6, 21, &w);
			window_for_date(&c, s, 2026, 12, 21, &w);
			if (config_schedule(&c, s->name) != s)
				abort();
		}
		config_restart_needed(&base, &c);
	}
	config_problems_print(&p, devnull);
	config_free(&c);
	return 0;
}
