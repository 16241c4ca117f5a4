/* routes_config.c - GET and PUT /config: the configuration file edited over
 * HTTP (the dashboard's settings page).
 *
 * PUT checks the new file exactly as `--check` would: the body is written
 * beside config.json as a candidate and loaded from there with this
 * bridge's environment and flags, then the bridge's own section and the
 * scheduler's checks (agents/scheduler/check.c) run over it. With an error
 * nothing is saved: 422 with every problem as {field, message, severity}.
 * Otherwise the running file is kept as config.json.prev, the candidate's
 * text replaces config.json atomically (fsutil.h), the bridge reloads, and
 * R/backend/<name>/config/changed tells the other programs of this backend
 * to reload as on SIGHUP (schema/asyncapi.yaml).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../agents/scheduler/check.h"
#include "cli.h"
#include "err.h"
#include "fsutil.h"
#include "jsonx.h"
#include "log.h"
#include "routes.h"
#include "timeutil.h"
#include "topics.h"

#define CONFIG_TEXT_MAX (1024 * 1024)

/* Loads `candidate` as every program would, plus the checks of --check;
 * *probs gets every problem. Returns the error count. */
static int check_candidate(const struct bridge *b, const char *candidate,
			   struct config_problems *probs)
{
	struct bridge_settings own;
	struct config c;

	config_load(&c, candidate, &b->cli->flags, probs);
	bridge_settings_load(&c, &own, probs);
	if (c.have_file)
		check_schedules(&c, probs);
	config_free(&c);
	return probs->errors;
}

/* Keeps the running file as PATH.prev (*kept: whether there was one) and
 * puts `text` in its place, each step atomic. 0, or an sl_err with the
 * reason in why. */
static int save(const char *path, const char *text, bool *kept, char why[ERRMSG_MAX])
{
	char prev[PATH_MAX];
	char *old = NULL;
	size_t len;
	int rc = SL_OK;

	if (snprintf(prev, sizeof(prev), "%s.prev", path) >= (int)sizeof(prev)) {
		err_why(why, "%s: path too long", path);
		return SL_ERR_RANGE;
	}
	*kept = false;
	if (file_read_all(path, CONFIG_TEXT_MAX, &old, &len) == 0) {
		*kept = true;
		if (file_write_atomic(prev, old, len) != 0) {
			err_why(why, "cannot keep the previous file as %s: %s", prev,
				strerror(errno));
			rc = err_from_errno(errno);
			goto out;
		}
	} else if (errno != ENOENT) {
		err_why(why, "cannot read %s: %s", path, strerror(errno));
		rc = SL_ERR_IO;
		goto out;
	}
	if (file_write_atomic(path, text, strlen(text)) != 0) {
		err_why(why, "cannot write %s: %s", path, strerror(errno));
		rc = err_from_errno(errno);
	}
out:
	free(old);
	return rc;
}

static int notice_topic(const struct bridge *b, char topic[TOPIC_MAX])
{
	return topic_fmt(topic, b->cfg.topic_root, "backend/%s/config/changed",
			 b->cfg.backend_name);
}

/* Tells the scheduler (and whoever else listens) to read the file again. */
static void announce(struct bridge *b)
{
	char topic[TOPIC_MAX], now[TIME_ISO_MAX];
	json_t *msg;
	char *text;

	if (notice_topic(b, topic) != SL_OK)
		return;
	time_format_local(time_now_ms(), now);
	msg = json_pack("{s:s, s:s, s:s}", "path", b->cfg.path, "changed_at", now, "by",
			b->client_id);
	text = msg ? jx_dump(msg) : NULL;
	if (text == NULL || mqtt_publish(b->mqtt, topic, text, strlen(text), 1, false) != SL_OK)
		log_warn("PUT /config: could not publish %s; the other programs reload on "
			 "SIGHUP or at their next start", topic);
	free(text);
	json_decref(msg);
}

static int config_put(struct bridge *b, struct request *rq)
{
	char candidate[PATH_MAX], prev[PATH_MAX + 8], why[ERRMSG_MAX];
	struct config_problems probs;
	bool kept;
	json_t *body = body_json(rq), *problems = NULL, *answer;
	char *text = NULL;
	int rc;

	if (body == NULL)
		return SL_OK; /* answered */
	text = jx_dump_pretty(body);
	if (text == NULL) {
		rc = http_reply_error(rq, 500, SL_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (snprintf(candidate, sizeof(candidate), "%s.new", b->cfg.path) >=
	    (int)sizeof(candidate)) {
		rc = http_reply_error(rq, 500, SL_ERR_RANGE, "%s: path too long", b->cfg.path);
		goto out;
	}
	if (file_write_synced(candidate, text, strlen(text)) != 0) {
		rc = http_reply_error(rq, 500, err_from_errno(errno), "cannot write %s: %s",
				      candidate, strerror(errno));
		goto out;
	}
	check_candidate(b, candidate, &probs);
	unlink(candidate);
	problems = config_problems_json(&probs, candidate);
	if (probs.errors) {
		answer = json_pack("{s:s+, s:s, s:O}", "error", "the configuration has errors; ",
				   "nothing was saved", "error_kind", err_kind(SL_ERR_INVAL),
				   "problems", problems);
		rc = http_reply_json(rq, 422, answer);
		goto out;
	}
	rc = save(b->cfg.path, text, &kept, why);
	if (rc != SL_OK) {
		log_error("PUT /config: %s", why);
		rc = http_reply_error(rq, 500, rc, "%s", why);
		goto out;
	}
	snprintf(prev, sizeof(prev), "%s.prev", b->cfg.path);
	log_info("PUT /config: %s saved%s%s", b->cfg.path, kept ? "; the previous one is " : "",
		 kept ? prev : "");
	answer = json_pack("{s:s, s:o, s:O, s:b}", "path", b->cfg.path, "previous",
			   kept ? json_string(prev) : json_null(), "problems", problems, "broker",
			   bridge_broker_up(b));
	bridge_reload(b, "PUT /config");
	announce(b);
	rc = http_reply_json(rq, 200, answer);
out:
	json_decref(problems);
	json_decref(body);
	free(text);
	return rc;
}

void config_on_notice(struct bridge *b, const struct mqtt_message *m)
{
	char topic[TOPIC_MAX], why[ERRMSG_MAX];
	const char *by = NULL;
	json_t *msg;

	if (m->retained || notice_topic(b, topic) != SL_OK || strcmp(m->topic, topic) != 0)
		return;
	msg = jsonx_parse_object("payload", (const char *)m->payload, m->len, 4096, why);
	if (msg == NULL || jx_get_string(msg, "by", &by, why) != SL_OK ||
	    strcmp(by, b->client_id) != 0)
		bridge_reload(b, "config/changed");
	json_decref(msg);
}

int route_config(struct bridge *b, struct request *rq)
{
	if (req_method(rq) == HTTP_PUT)
		return config_put(b, rq);
	return http_reply_json(rq, 200, json_incref(b->cfg.root));
}
