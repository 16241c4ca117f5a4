/* rsync.h - the command lines the transfer runs, and reading their output.
 *
 * Two commands: the pull (rsync over ssh, or a local rsync for
 * PI_HOST=local) and the clean-up on the Pi (a short POSIX sh script fed
 * the list of verified frames on stdin, through ssh, or through a local sh).
 * Building them is pure string work, so quoting is unit-tested: every value
 * that reaches a shell or rsync's -e parser is quoted here and nowhere else.
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_RSYNC_H
#define SKYLAPSE_AGENTS_TRANSFER_RSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define RSYNC_PARTIAL_DIR ".rsync-partial"

struct rsync_opts {
	const char *host;	 /* an SSH host, or "local" */
	const char *user;	 /* "" or NULL: ssh's default */
	const char *source;	 /* PI_SOURCE, on the Pi (or local) */
	const char *dest;	 /* the server's camera folder */
	int port;		 /* PI_SSH_PORT */
	const char *ssh_key;	 /* "" or NULL: ssh's default keys */
	const char *known_hosts; /* "" or NULL: ssh's default file */
	int bwlimit_kbps;	 /* 0: unlimited */
	int io_timeout_s;	 /* rsync --timeout */
	int connect_timeout_s;	 /* ssh ConnectTimeout */
};

/* A NULL-terminated argv whose strings are owned. */
struct argv_list {
	char **v;
	int n, cap;
};
void argv_list_free(struct argv_list *a);

/* True for PI_HOST=local. */
bool rsync_is_local(const struct rsync_opts *o);
/* Checks what ends up on a command line: host and user names, and paths
 * quotable for rsync's -e. Fills why ("PI_HOST 'x y' is not a host name"). */
int rsync_opts_check(const struct rsync_opts *o, char why[ERRMSG_MAX]);

/* Quotes s for a POSIX shell (single quotes, ' as '\''). A leading "~/" or
 * a lone "~" stays unquoted so that the remote shell expands it. 0 or
 * SL_ERR_RANGE. */
int shell_quote(const char *s, char *out, size_t outlen);
/* Quotes one word for rsync's -e option parser (spaces split words, single
 * or double quotes group them, backslashes are literal). SL_ERR_INVAL for a
 * word holding both kinds of quote, SL_ERR_RANGE when out is too small. */
int rsync_e_quote(const char *s, char *out, size_t outlen);

/* The value of rsync's -e: "ssh -p 22 -o BatchMode=yes ...". */
int rsync_ssh_command(const struct rsync_opts *o, char *out, size_t outlen);
/* The pull: rsync from the Pi into o->dest, itemizing every file (changed
 * or not) as "<%i> <size> <name>" on stdout. With listed_only, only the
 * paths read on stdin (one a line; missing ones are skipped), otherwise
 * the whole folder. 0, SL_ERR_INVAL, SL_ERR_NOMEM. */
int rsync_pull_argv(const struct rsync_opts *o, bool listed_only, struct argv_list *out);
/* The clean-up: reads relative paths on stdin, one a line; removes files,
 * and folders given with a trailing '/' when empty; prints each removed file. */
int rsync_clean_argv(const struct rsync_opts *o, struct argv_list *out);

/* One line of the pull's itemized output. */
struct rsync_item {
	char type;     /* 'f' file, 'd' folder, 'L' link, ... */
	bool received; /* content came over ('>' in the item) */
	int64_t size;
	const char *name; /* borrowed from the line */
};
/* 0, or SL_ERR_PARSE for a line that is not an item (rsync's own notes). */
int rsync_parse_item(const char *line, struct rsync_item *it);

/* What went wrong, from the exit code and what the command printed on
 * stderr (its last lines). Kinds are short words for status. */
enum xfer_error {
	XERR_NONE,
	XERR_UNREACHABLE, /* host down, refused, no route, name unknown, timeout */
	XERR_AUTH,	  /* key refused */
	XERR_HOSTKEY,	  /* host key unknown or changed */
	XERR_DISK_FULL,	  /* no space on the server */
	XERR_NO_SOURCE,	  /* PI_SOURCE missing on the Pi */
	XERR_COMMAND,	  /* rsync or ssh failed otherwise, or could not start */
	XERR_INTERRUPTED, /* stopped by a signal */
};
/* The err.h word of `e` (err_kind(): "unreachable", "denied", "no_space",
 * "not_found", "io"); "none" for XERR_NONE. Static. */
const char *xfer_error_kind(enum xfer_error e);
/* exit_code: the command's exit status, or 128 + signal. 24 (files vanished
 * while listing) counts as success. */
enum xfer_error rsync_classify(int exit_code, const char *err_text, char why[ERRMSG_MAX]);

#endif
