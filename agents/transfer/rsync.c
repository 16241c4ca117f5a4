/* rsync.c - command lines for the pull and the Pi clean-up, quoting, and
 * reading rsync's output; see rsync.h.
 *
 * The ssh options are built once as a list of words; the pull renders them
 * into rsync's -e string (quoted for rsync's own parser), the clean-up
 * passes them to ssh as separate arguments. The clean-up script is the same
 * text whether it runs through ssh or through a local sh.
 */
#include "rsync.h"
#include "err.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

#define WORD_MAX 4096

/* The script reads paths the transfer already validated (frame layout
 * only), so the quoting of "$p" is belt and braces; only the folder is
 * spliced in, through shell_quote(). */
static const char clean_script_fmt[] = "cd %s || exit 3\n"
				       "while IFS= read -r p; do\n"
				       "\tcase $p in\n"
				       "\t*/) rmdir \"$p\" 2>/dev/null || : ;;\n"
				       "\t*) rm -f \"$p\" || exit 4; printf '%%s\\n' \"$p\" ;;\n"
				       "\tesac\n"
				       "done\n";

void argv_list_free(struct argv_list *a)
{
	if (a == NULL)
		return;
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	*a = (struct argv_list){0};
}

static int push(struct argv_list *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));

		if (v == NULL)
			return SL_ERR_NOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (a->v[a->n] == NULL)
		return SL_ERR_NOMEM;
	a->v[++a->n] = NULL;
	return SL_OK;
}

__attribute__((format(printf, 2, 3))) static int pushf(struct argv_list *a, const char *fmt, ...)
{
	char buf[WORD_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return SL_ERR_RANGE;
	return push(a, buf);
}

bool rsync_is_local(const struct rsync_opts *o)
{
	return strcmp(o->host, "local") == 0;
}

static bool has_text(const char *s)
{
	return s && *s;
}

/* Whether every character of s is a letter, a digit or one of `extra`. */
static bool only_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

static bool host_ok(const char *h)
{
	return has_text(h) && h[0] != '-' && strlen(h) <= 253 && only_chars(h, ".-_:%");
}

static bool user_ok(const char *u)
{
	return !has_text(u) || (u[0] != '-' && strlen(u) <= 64 && only_chars(u, "._-$"));
}

static bool plain_path(const char *p)
{
	for (; *p; p++)
		if (isspace((unsigned char)*p) || strchr("'\"\\", *p) || (unsigned char)*p < 0x20)
			return false;
	return true;
}

int rsync_opts_check(const struct rsync_opts *o, char why[ERRMSG_MAX])
{
	char tmp[WORD_MAX];

	if (!has_text(o->host)) {
		err_why(why, "PI_HOST is not set (the Pi's host name, or 'local')");
		return SL_ERR_INVAL;
	}
	if (!rsync_is_local(o) && !host_ok(o->host)) {
		err_why(why, "PI_HOST '%.100s' is not a host name or address",
			 o->host);
		return SL_ERR_INVAL;
	}
	if (!user_ok(o->user)) {
		err_why(why, "PI_USER '%.100s' is not a user name", o->user);
		return SL_ERR_INVAL;
	}
	if (!has_text(o->source) || o->source[0] == '-' || strchr(o->source, '\n')) {
		err_why(why, "PI_SOURCE '%.100s' is not a folder", o->source);
		return SL_ERR_INVAL;
	}
	if (has_text(o->ssh_key) && rsync_e_quote(o->ssh_key, tmp, sizeof(tmp)) != SL_OK) {
		err_why(why, "SSH_KEY '%.100s' holds both kinds of quote", o->ssh_key);
		return SL_ERR_INVAL;
	}
	if (has_text(o->known_hosts) && !plain_path(o->known_hosts)) {
		err_why(why, "SSH_KNOWN_HOSTS '%.100s' must not hold spaces, quotes or backslashes",
			 o->known_hosts);
		return SL_ERR_INVAL;
	}
	return SL_OK;
}

int shell_quote(const char *s, char *out, size_t outlen)
{
	size_t home = s[0] == '~' && (s[1] == '/' || s[1] == '\0') ? (s[1] ? 2 : 1) : 0;
	const char *rest = s + home, *p;
	size_t need = home + 1, j = home;

	if (*rest) {
		need += 2;
		for (p = rest; *p; p++)
			need += *p == '\'' ? 4 : 1;
	}
	if (need > outlen)
		return SL_ERR_RANGE;
	memcpy(out, s, home);
	if (*rest) {
		out[j++] = '\'';
		for (p = rest; *p; p++) {
			if (*p == '\'') {
				memcpy(out + j, "'\\''", 4); /* close, escaped quote, reopen */
				j += 4;
			} else {
				out[j++] = *p;
			}
		}
		out[j++] = '\'';
	}
	out[j] = '\0';
	return SL_OK;
}

int rsync_e_quote(const char *s, char *out, size_t outlen)
{
	bool single = strchr(s, '\'') != NULL, dbl = strchr(s, '"') != NULL;
	int n;

	if (single && dbl)
		return SL_ERR_INVAL;
	if (!single && !dbl && strchr(s, ' ') == NULL)
		n = snprintf(out, outlen, "%s", s);
	else
		n = snprintf(out, outlen, single ? "\"%s\"" : "'%s'", s);
	return n < 0 || (size_t)n >= outlen ? SL_ERR_RANGE : SL_OK;
}

/* The ssh options, as separate words. */
static int ssh_words(const struct rsync_opts *o, struct argv_list *a)
{
	int rc = push(a, "ssh");

	if (!rc)
		rc = pushf(a, "-p%d", o->port);
	if (!rc && has_text(o->ssh_key))
		rc = push(a, "-i") || push(a, o->ssh_key) || push(a, "-o") ||
		     push(a, "IdentitiesOnly=yes");
	if (!rc && has_text(o->known_hosts))
		rc = push(a, "-o") || pushf(a, "UserKnownHostsFile=%s", o->known_hosts);
	if (!rc)
		rc = push(a, "-o") || push(a, "BatchMode=yes") || push(a, "-o") ||
		     pushf(a, "ConnectTimeout=%d", o->connect_timeout_s) || push(a, "-o") ||
		     push(a, "ServerAliveInterval=15") || push(a, "-o") ||
		     push(a, "ServerAliveCountMax=4");
	return rc ? SL_ERR_NOMEM : SL_OK;
}

int rsync_ssh_command(const struct rsync_opts *o, char *out, size_t outlen)
{
	struct argv_list w = {0};
	char q[WORD_MAX];
	size_t len = 0;
	int rc = ssh_words(o, &w);

	out[0] = '\0';
	for (int i = 0; rc == SL_OK && i < w.n; i++) {
		rc = rsync_e_quote(w.v[i], q, sizeof(q));
		if (rc == SL_OK && len + strlen(q) + 2 > outlen)
			rc = SL_ERR_RANGE;
		if (rc == SL_OK)
			len += (size_t)sprintf(out + len, "%s%s", i ? " " : "", q);
	}
	argv_list_free(&w);
	return rc;
}

/* "user@host:source/" (the trailing slash copies the folder's contents). */
static int remote_source(const struct rsync_opts *o, char *out, size_t outlen)
{
	const char *slash = o->source[strlen(o->source) - 1] == '/' ? "" : "/";
	bool v6 = strchr(o->host, ':') != NULL;
	int n;

	if (rsync_is_local(o)) {
		char expanded[WORD_MAX];

		if (path_expand_home(o->source, expanded, sizeof(expanded)) != SL_OK)
			return SL_ERR_RANGE;
		n = snprintf(out, outlen, "%s%s", expanded, slash);
	} else {
		n = snprintf(out, outlen, "%s%s%s%s%s:%s%s", has_text(o->user) ? o->user : "",
			     has_text(o->user) ? "@" : "", v6 ? "[" : "", o->host, v6 ? "]" : "",
			     o->source, slash);
	}
	return n < 0 || (size_t)n >= outlen ? SL_ERR_RANGE : SL_OK;
}

int rsync_pull_argv(const struct rsync_opts *o, bool listed_only, struct argv_list *out)
{
	char src[WORD_MAX], ecmd[WORD_MAX];
	int rc;

	*out = (struct argv_list){0};
	rc = remote_source(o, src, sizeof(src));
	if (rc == SL_OK && !rsync_is_local(o))
		rc = rsync_ssh_command(o, ecmd, sizeof(ecmd));
	if (rc != SL_OK)
		return SL_ERR_INVAL;
	/* -ii itemizes unchanged files too: the output is the Pi's whole listing.
	 * Hidden names are the capture agent's temporaries; rsync's own temporary
	 * files and --partial-dir keep partial data off every final name. */
	rc = push(out, "rsync") || push(out, "-rt") || push(out, "-ii") ||
	     push(out, "--out-format=%i %l %n") || push(out, "--exclude=.*") ||
	     push(out, "--partial-dir=" RSYNC_PARTIAL_DIR) ||
	     pushf(out, "--timeout=%d", o->io_timeout_s);
	if (!rc && listed_only)
		rc = push(out, "--files-from=-") || push(out, "--ignore-missing-args");
	if (!rc && o->bwlimit_kbps > 0)
		rc = pushf(out, "--bwlimit=%d", o->bwlimit_kbps);
	if (!rc && !rsync_is_local(o))
		rc = push(out, "-e") || push(out, ecmd);
	if (!rc)
		rc = push(out, "--") || push(out, src) || pushf(out, "%s/", o->dest);
	if (rc) {
		argv_list_free(out);
		return SL_ERR_NOMEM;
	}
	return SL_OK;
}

int rsync_clean_argv(const struct rsync_opts *o, struct argv_list *out)
{
	char dir[WORD_MAX], quoted[WORD_MAX], script[WORD_MAX + sizeof(clean_script_fmt)];
	int rc;

	*out = (struct argv_list){0};
	if (rsync_is_local(o))
		rc = path_expand_home(o->source, dir, sizeof(dir));
	else
		rc = snprintf(dir, sizeof(dir), "%s", o->source) >= (int)sizeof(dir) ? SL_ERR_RANGE
										     : SL_OK;
	if (rc == SL_OK)
		rc = shell_quote(dir, quoted, sizeof(quoted));
	if (rc != SL_OK)
		return SL_ERR_INVAL;
	snprintf(script, sizeof(script), clean_script_fmt, quoted);
	if (rsync_is_local(o)) {
		rc = push(out, "sh") || push(out, "-c") || push(out, script);
	} else {
		rc = ssh_words(o, out);
		if (!rc)
			rc = push(out, "-T") ||
			     (has_text(o->user) ? pushf(out, "%s@%s", o->user, o->host)
						: push(out, o->host)) ||
			     push(out, script);
	}
	if (rc) {
		argv_list_free(out);
		return SL_ERR_NOMEM;
	}
	return SL_OK;
}

int rsync_parse_item(const char *line, struct rsync_item *it)
{
	const char *p;
	char *end;
	long long size;

	/* "%i %l %n": an 11-character item (it may hold spaces), the size, the name */
	if (strlen(line) < 15 || !strchr("<>ch.*", line[0]) || !strchr("fdLDS", line[1]) ||
	    line[11] != ' ')
		return SL_ERR_PARSE;
	p = line + 12;
	if (!isdigit((unsigned char)*p))
		return SL_ERR_PARSE;
	size = strtoll(p, &end, 10);
	if (*end != ' ' || end[1] == '\0')
		return SL_ERR_PARSE;
	it->type = line[1];
	it->received = line[0] == '>';
	it->size = size;
	it->name = end + 1;
	return SL_OK;
}

/* the err.h code each kind crosses the wire as (error_kind) */
static const int xerr_codes[] = {
    [XERR_NONE] = SL_OK,		[XERR_UNREACHABLE] = SL_ERR_UNREACHABLE,
    [XERR_AUTH] = SL_ERR_DENIED,	[XERR_HOSTKEY] = SL_ERR_DENIED,
    [XERR_DISK_FULL] = SL_ERR_NOSPACE,	[XERR_NO_SOURCE] = SL_ERR_NOTFOUND,
    [XERR_COMMAND] = SL_ERR_IO,		[XERR_INTERRUPTED] = SL_ERR_IO,
};

const char *xfer_error_kind(enum xfer_error e)
{
	if (e == XERR_NONE)
		return "none";
	if ((unsigned)e >= sizeof(xerr_codes) / sizeof(xerr_codes[0]))
		return err_kind(SL_ERR_IO);
	return err_kind(xerr_codes[e]);
}

/* Copies the line of `text` holding `at` into out. */
static void line_of(const char *text, const char *at, char *out, size_t outlen)
{
	const char *start = at, *end = strchr(at, '\n');

	while (start > text && start[-1] != '\n')
		start--;
	if (end == NULL)
		end = at + strlen(at);
	snprintf(out, outlen, "%.*s", (int)(end - start), start);
}

static const char *find_any(const char *text, const char *const *needles)
{
	for (; *needles; needles++) {
		const char *at = strstr(text, *needles);

		if (at)
			return at;
	}
	return NULL;
}

static void last_line(const char *text, char *out, size_t outlen)
{
	const char *end = text + strlen(text);

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	line_of(text, end > text ? end - 1 : text, out, outlen);
}

enum xfer_error rsync_classify(int exit_code, const char *err_text, char why[ERRMSG_MAX])
{
	static const struct {
		enum xfer_error kind;
		const char *what;
		const char *const needles[8];
	} rules[] = {
	    {XERR_DISK_FULL,
	     "server disk full",
	     {"No space left on device", "Disk quota exceeded", NULL}},
	    {XERR_HOSTKEY,
	     "SSH host key not trusted (see SSH_KNOWN_HOSTS)",
	     {"Host key verification failed", "HOST IDENTIFICATION HAS CHANGED", NULL}},
	    {XERR_AUTH,
	     "SSH authentication refused (see SSH_KEY)",
	     {"Permission denied (", "Too many authentication failures", NULL}},
	    {XERR_COMMAND, "rsync is not installed on the Pi", {"command not found", NULL}},
	    {XERR_UNREACHABLE,
	     "Pi unreachable",
	     {"Connection refused", "No route to host", "Connection timed out",
	      "Network is unreachable", "Could not resolve hostname",
	      "Temporary failure in name resolution", "Connection reset", NULL}},
	    {XERR_NO_SOURCE, "PI_SOURCE folder missing", {"change_dir \"", "link_stat \"", NULL}},
	    {XERR_UNREACHABLE,
	     "connection to the Pi lost",
	     {"connection unexpectedly closed", "Broken pipe", "timeout in data send", "timed out",
	      NULL}},
	};
	char line[ERRMSG_MAX];
	const char *text = err_text ? err_text : "";

	if (exit_code == 0 || exit_code == 24) {
		why[0] = '\0';
		return XERR_NONE;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const char *at = find_any(text, rules[i].needles);

		if (at) {
			line_of(text, at, line, sizeof(line));
			err_why(why, "%s: %.180s", rules[i].what, line);
			return rules[i].kind;
		}
	}
	last_line(text, line, sizeof(line));
	if (exit_code > 128) {
		err_why(why, "stopped by signal %d", exit_code - 128);
		return XERR_INTERRUPTED;
	}
	if (exit_code == 127)
		err_why(why, "could not run the command: %.180s",
			 line[0] ? line : "not found");
	else
		err_why(why, "exit code %d%s%.180s", exit_code, line[0] ? ": " : "",
			 line);
	return XERR_COMMAND;
}
