/* cli.c - shared command-line handling; see cli.h. */
#include "cli.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "timeutil.h"

bool cli_common(struct cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case CLI_CONFIG: cli->config_path = arg; return true;
	case CLI_BROKER: cli_flag(cli, "MQTT_URL", arg); return true;
	case CLI_CHECK: cli->check = true; return true;
	case CLI_HELP: cli->help = true; return true;
	case CLI_VERSION: cli->version = true; return true;
	}
	return false;
}

int cli_finish(const struct cli *cli, const char *prog, int argc, char **argv,
	       void (*usage)(FILE *f))
{
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return 1;
	}
	if (cli->help)
		usage(stdout);
	else if (cli->version)
		printf("%s %s\n", prog, SKYLAPSE_VERSION);
	return cli->help || cli->version ? -1 : 0;
}

void cli_flag(struct cli *cli, const char *name, const char *value)
{
	struct config_flags *f = &cli->flags;

	for (int i = 0; i < f->count; i++)
		if (strcmp(f->name[i], name) == 0) {
			f->value[i] = value;
			return;
		}
	assert(f->count < CONFIG_FLAGS_MAX); /* the programs' tables are fixed */
	if (f->count < CONFIG_FLAGS_MAX) {
		f->name[f->count] = name;
		f->value[f->count++] = value;
	}
}

int cli_check_id(const struct cli *cli, const char *prog, const char *flag, const char *name)
{
	for (int i = 0; i < cli->flags.count; i++)
		if (strcmp(cli->flags.name[i], name) == 0 && !id_is_valid(cli->flags.value[i])) {
			fprintf(stderr, "%s: %s '%s' must match [a-z0-9_-]+\n", prog, flag,
				cli->flags.value[i]);
			return SL_ERR_INVAL;
		}
	return SL_OK;
}

/* The simulated clock is the process's from its first configuration on: a
 * reload never moves it (the environment is the same anyway). */
static void apply_clock(const struct config *c)
{
	char at[TIME_ISO_MAX], anchor[TIME_ISO_MAX];

	if (!c->have_clock || time_clock_get(NULL))
		return;
	time_clock_set(&c->clock);
	time_format_utc(c->clock.start_ms, at);
	time_format_utc(c->clock.anchor_ms, anchor);
	log_info("simulated clock (SKYLAPSE_CLOCK): %s was real %s, %g times real speed; now "
		 "%+.0f s from the real clock",
		 at, anchor, c->clock.speed, (double)(time_now_ms() - time_real_ms()) / 1000);
}

static int load(const struct cli *cli, const char *prog, struct config *c,
		cli_section_fn *section, void *own, struct config_problems *out)
{
	struct config_problems probs;
	int rc = config_load(c, cli->config_path, &cli->flags, &probs);

	if (section) {
		section(c, own, &probs);
		rc = probs.errors ? SL_ERR_INVAL : rc;
	}

	config_problems_print(&probs, stderr);
	if (rc == 0 && !cli->check)
		apply_clock(c);
	if (cli->check) {
		if (rc == 0)
			fprintf(stderr, "%s: %s: configuration ok\n", prog, c->path);
		else
			fprintf(stderr, "%s: %s: %d error%s\n", prog, c->path, probs.errors,
				probs.errors == 1 ? "" : "s");
	}
	if (out)
		*out = probs;
	return rc == 0 ? 0 : 1;
}

int cli_load_config(const struct cli *cli, const char *prog, struct config *c,
		    cli_section_fn *section, void *own)
{
	return load(cli, prog, c, section, own, NULL);
}

int cli_reload_config(const struct cli *cli, const char *prog, struct config *c,
		      cli_section_fn *section, void *own, char why[ERRMSG_MAX])
{
	struct config_problems *probs = malloc(sizeof(*probs)); /* 32 KiB: not on the stack */
	int rc = load(cli, prog, c, section, own, probs);

	why[0] = '\0';
	for (int i = 0; rc && probs && i < probs->count; i++)
		if (probs->is_error[i]) {
			err_why(why, "%d error%s, keeping the previous configuration: %s",
				probs->errors, probs->errors == 1 ? "" : "s", probs->lines[i]);
			break;
		}
	if (rc && !why[0])
		err_why(why, "the configuration has errors; keeping the previous one");
	free(probs);
	return rc;
}

struct mqtt_opts cli_mqtt_opts(const struct config *c, const char *client_id)
{
	struct mqtt_opts o = {0};

	o.url = c->mqtt_url;
	o.username = c->mqtt_username[0] ? c->mqtt_username : NULL;
	o.password = c->mqtt_password[0] ? c->mqtt_password : NULL;
	o.ca_file = c->mqtt_ca_file[0] ? c->mqtt_ca_file : NULL;
	o.cert_file = c->mqtt_cert_file[0] ? c->mqtt_cert_file : NULL;
	o.key_file = c->mqtt_key_file[0] ? c->mqtt_key_file : NULL;
	o.client_id = client_id;
	o.topic_root = c->topic_root[0] ? c->topic_root : NULL;
	return o;
}
