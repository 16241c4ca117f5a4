/* child.h - running rsync and ssh without blocking the event loop.
 *
 * A child runs in its own process group (so stopping it also stops the ssh
 * it started), with the signal mask and SIGPIPE reset (the agent blocks its
 * signals for the loop's signalfd) and a parent-death signal, so that a
 * killed agent does not leave an rsync behind. Its stdout and stderr come
 * back line by line through non-blocking pipes, and its exit through a
 * pidfd, all watched by the loop (where pidfd_open() is missing, as on
 * kernels before 5.3 or under valgrind, waitpid() every 20 ms instead).
 */
#ifndef SKYLAPSE_AGENTS_TRANSFER_CHILD_H
#define SKYLAPSE_AGENTS_TRANSFER_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

#define CHILD_LINE_MAX 8192

struct child;

/* stream: 1 stdout, 2 stderr; `line` has no newline and is borrowed. */
typedef void child_line_fn(void *arg, int stream, const char *line);
/* status: the exit code, or 128 + the signal that ended it. Called last;
 * the callback may free the child. */
typedef void child_exit_fn(void *arg, int status);

struct child_spec {
	char *const *argv; /* argv[0] is looked up in PATH */
	int stdin_fd;	   /* -1: /dev/null; otherwise borrowed (duplicated) */
	child_line_fn *on_line;
	child_exit_fn *on_exit;
	void *arg;
};

/* Starts the command; 0 and *out, SL_ERR_NOTFOUND (no such program),
 * SL_ERR_IO (fork or pipe failed), SL_ERR_NOMEM. */
int child_spawn(struct loop *loop, const struct child_spec *spec, struct child **out);
pid_t child_pid(const struct child *c);
/* A memfd holding text[0..len), at offset 0, to give a child as stdin;
 * -1 and errno on failure. The caller closes it. */
int child_input_fd(const char *text, size_t len);
/* SIGTERM to the child's process group now, SIGKILL after grace_ms if it
 * is still running. The exit callback comes as usual. */
void child_terminate(struct child *c, int grace_ms);
/* Kills (SIGKILL) and reaps a child still running, without calling its
 * callbacks; frees *c and sets it to NULL. Accepts NULL. */
void child_free(struct child **c);

#endif
