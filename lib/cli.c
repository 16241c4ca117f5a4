/* cli.c - shared command-line handling; see cli.h. */
#include "cli.h"

bool cli_common(struct cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case CLI_CONFIG: cli->config_path = arg; return true;
	case CLI_BROKER: cli->broker = arg; return true;
	case CLI_CHECK: cli->check = true; return true;
	case CLI_HELP: cli->help = true; return true;
	case CLI_VERSION: cli->version = true; return true;
	}
	return false;
}

int cli_load_config(const struct cli *cli, const char *prog, struct config *c)
{
	struct config_problems probs;
	int rc = config_load(c, cli->config_path, cli->broker, &probs);

	config_problems_print(&probs, stderr);
	if (cli->check) {
		if (rc == 0)
			fprintf(stderr, "%s: %s: configuration ok\n", prog, c->path);
		else
			fprintf(stderr, "%s: %s: %d error%s\n", prog, c->path, probs.errors,
				probs.errors == 1 ? "" : "s");
	}
	return rc == 0 ? 0 : 1;
}

struct mqtt_opts cli_mqtt_opts(const struct config *c, const char *client_id)
{
	struct mqtt_opts o = {0};

	o.url = c->mqtt_url;
	o.username = c->mqtt_username[0] ? c->mqtt_username : NULL;
	o.password = c->mqtt_password[0] ? c->mqtt_password : NULL;
	o.client_id = client_id;
	return o;
}
