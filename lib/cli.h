/* cli.h - the flags every Skylapse binary shares (SPEC section 3):
 * --config PATH, --broker URL, --check, --help, --version.
 *
 * Programs put CLI_COMMON_OPTIONS at the end of their getopt_long table and
 * pass each option to cli_common() before their own switch. A program's flag
 * that stands for an environment variable (--camera for CAMERA_ID, ...) is
 * recorded with cli_flag(); --broker is MQTT_URL's. cli_load_config() hands
 * them to the configuration, where they beat the environment (config.h).
 */
#ifndef SKYLAPSE_LIB_CLI_H
#define SKYLAPSE_LIB_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "mqtt.h"

#define SKYLAPSE_VERSION "0.1.0"

enum cli_opt { CLI_CONFIG = 1000, CLI_BROKER, CLI_CHECK, CLI_HELP, CLI_VERSION };

#define CLI_COMMON_OPTIONS                                                                      \
	{"config", required_argument, NULL, CLI_CONFIG},                                        \
		{"broker", required_argument, NULL, CLI_BROKER},                                \
		{"check", no_argument, NULL, CLI_CHECK}, {"help", no_argument, NULL, CLI_HELP}, \
		{"version", no_argument, NULL, CLI_VERSION},                                    \
	{                                                                                       \
		NULL, 0, NULL, 0                                                                \
	}

#define CLI_COMMON_HELP                                                                  \
	"  --config PATH   configuration file (default $SKYLAPSE_CONFIG, else\n"         \
	"                  config/config.json)\n"                                         \
	"  --broker URL    MQTT broker, mqtt://host:port or mqtts://... (default\n"      \
	"                  $MQTT_URL, else mqtt://localhost:1883)\n"                      \
	"  --check         validate the configuration, print each problem, exit 0 or 1\n" \
	"  --help          this text\n"                                                   \
	"  --version       print the version\n"

struct cli {
	const char *config_path; /* borrowed from argv */
	bool check, help, version;
	struct config_flags flags; /* --broker and the program's own, by variable */
};

/* Records a common option; returns true when `opt` was one. */
bool cli_common(struct cli *cli, int opt, const char *arg);

/* After getopt_long: refuses an argument left over ("PROG: unexpected
 * argument 'x'", returns 1), prints `usage` to stdout for --help or the
 * version for --version (returns -1: exit 0), else returns 0. */
int cli_finish(const struct cli *cli, const char *prog, int argc, char **argv,
	       void (*usage)(FILE *f));

/* Records `value` (borrowed, argv) as the flag standing for the environment
 * variable `name` (a string literal); a later one for the same name wins. */
void cli_flag(struct cli *cli, const char *name, const char *value);

/* Refuses the flag `flag` recorded for `name` when it is not an id, saying
 * "PROG: FLAG 'X' must match [a-z0-9_-]+" on stderr. 0 or SL_ERR_INVAL. */
int cli_check_id(const struct cli *cli, const char *prog, const char *flag, const char *name);

/* A program's own section: reads it from c (file, then config_value()) into
 * `own`, adding problems to p. */
typedef void cli_section_fn(const struct config *c, void *own, struct config_problems *p);

/* Loads the configuration named by the flags into *c, then the program's own
 * section into `own` when `section` is not NULL, and prints problems on
 * stderr (warnings too). With --check also prints "ok" or the error count.
 * Returns 0 when the configuration has no error, 1 otherwise: the exit code
 * for bad configuration. *c is the caller's to free either way. */
int cli_load_config(const struct cli *cli, const char *prog, struct config *c,
		    cli_section_fn *section, void *own);

/* cli_load_config() for a SIGHUP: the same, and on 1 `why` says so for the
 * status ("2 errors, keeping the previous configuration: PATH: key: ...");
 * "" on 0. */
int cli_reload_config(const struct cli *cli, const char *prog, struct config *c,
		      cli_section_fn *section, void *own, char why[ERRMSG_MAX]);

/* MQTT options from the configuration: URL and credentials (empty ones as
 * NULL) and `client_id` (borrowed); the rest left for the caller. */
struct mqtt_opts cli_mqtt_opts(const struct config *c, const char *client_id);

#endif
