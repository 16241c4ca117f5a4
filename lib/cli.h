/* cli.h - the flags every Skylapse binary shares (SPEC section 3):
 * --config PATH, --broker URL, --check, --help, --version.
 *
 * Programs put CLI_COMMON_OPTIONS at the end of their getopt_long table and
 * pass each option to cli_common() before their own switch.
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
	const char *broker;
	bool check, help, version;
};

/* Records a common option; returns true when `opt` was one. */
bool cli_common(struct cli *cli, int opt, const char *arg);

/* Loads the configuration named by the flags into *c and prints problems on
 * stderr (warnings too). With --check also prints "ok" or the error count.
 * Returns 0 when the configuration has no error, 1 otherwise: the exit code
 * for bad configuration. */
int cli_load_config(const struct cli *cli, const char *prog, struct config *c);

/* MQTT options from the configuration: URL and credentials (empty ones as
 * NULL) and `client_id` (borrowed); the rest left for the caller. */
struct mqtt_opts cli_mqtt_opts(const struct config *c, const char *client_id);

#endif
