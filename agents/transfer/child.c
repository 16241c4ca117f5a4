/* child.c - child processes watched by the loop; see child.h.
 *
 * fork + execv rather than posix_spawn, for the two things posix_spawn
 * cannot do: the parent-death signal and checking that the parent is still
 * there after setting it. Between fork and exec the child only makes
 * async-signal-safe calls (the agent has other threads: Paho's).
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"

#define EXIT_POLL_MS 20

struct stream {
	int fd; /* -1 once closed */
	char buf[CHILD_LINE_MAX];
	size_t len;
};

struct child {
	struct loop *loop;
	pid_t pid;
	int pidfd;
	bool running;
	long kill_timer;
	long exit_poll_timer; /* without a pidfd: waitpid() every EXIT_POLL_MS */
	struct stream out, err;
	child_line_fn *on_line;
	child_exit_fn *on_exit;
	void *arg;
};

static int find_program(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	const char *p;

	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return access(out, X_OK) == 0 ? SL_OK : SL_ERR_NOTFOUND;
	}
	for (p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		if (n > 0 && (size_t)snprintf(out, outlen, "%.*s/%s", (int)n, p, name) < outlen &&
		    access(out, X_OK) == 0)
			return SL_OK;
		p += n;
		if (*p == ':')
			p++;
	}
	return SL_ERR_NOTFOUND;
}

/* In the child: only async-signal-safe calls until exec. */
static void exec_child(const char *path, char *const *argv, pid_t parent, int in, int out, int err)
{
	struct sigaction dfl = {0};
	sigset_t none;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127); /* the agent died before the line above */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &dfl, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	execv(path, argv);
	_exit(127);
}

/* Stops watching *fd and closes it; -1 is left alone. */
static void unwatch(struct child *c, int *fd)
{
	if (*fd < 0)
		return;
	loop_del_fd(c->loop, *fd);
	close(*fd);
	*fd = -1;
}

static void emit(struct child *c, int which, struct stream *s)
{
	s->buf[s->len] = '\0';
	if (c->on_line)
		c->on_line(c->arg, which, s->buf);
	s->len = 0;
}

/* Reads what is there; splits lines; closes on end of file. */
static void drain(struct child *c, struct stream *s, int which)
{
	char chunk[16384];

	while (s->fd >= 0) {
		ssize_t n = read(s->fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (s->len)
				emit(c, which, s);
			unwatch(c, &s->fd);
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (chunk[i] == '\n') {
				emit(c, which, s);
			} else if (s->len < sizeof(s->buf) - 1) {
				s->buf[s->len++] = chunk[i];
			}
			/* a line over the limit is cut; the rest of it is dropped */
		}
	}
}

static void on_out(struct loop *l, int fd, short revents, void *arg)
{
	struct child *c = arg;

	(void)l;
	(void)revents;
	drain(c, fd == c->out.fd ? &c->out : &c->err, fd == c->out.fd ? 1 : 2);
}

static void forget_fds(struct child *c)
{
	if (c->kill_timer > 0)
		loop_del_timer(c->loop, c->kill_timer);
	c->kill_timer = 0;
	if (c->exit_poll_timer > 0)
		loop_del_timer(c->loop, c->exit_poll_timer);
	c->exit_poll_timer = 0;
	unwatch(c, &c->pidfd);
	unwatch(c, &c->out.fd);
	unwatch(c, &c->err.fd);
}

/* Reaps the child if it has exited and reports it; true then (the exit
 * callback may have freed c). */
static bool reap(struct child *c)
{
	int st = 0, status;

	if (waitpid(c->pid, &st, WNOHANG) <= 0)
		return false;
	/* what it wrote before exiting is still in the pipes */
	drain(c, &c->out, 1);
	drain(c, &c->err, 2);
	c->running = false;
	forget_fds(c);
	status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	if (c->on_exit)
		c->on_exit(c->arg, status);
	return true;
}

static void on_exit_ready(struct loop *l, int fd, short revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	reap(arg);
}

/* Without a pidfd (kernels before 5.3, valgrind): look now and then. */
static int64_t exit_poll(struct loop *l, long id, void *arg)
{
	struct child *c = arg;

	(void)l;
	c->exit_poll_timer = 0;
	if (reap(c))
		return -1;
	c->exit_poll_timer = id;
	return EXIT_POLL_MS;
}

int child_spawn(struct loop *loop, const struct child_spec *spec, struct child **out)
{
	char path[PATH_MAX];
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, in = -1, rc = SL_ERR_IO;
	pid_t parent = getpid();
	struct child *c = NULL;

	*out = NULL;
	if (find_program(spec->argv[0], path, sizeof(path)) != SL_OK)
		return SL_ERR_NOTFOUND;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return SL_ERR_NOMEM;
	*c = (struct child){.loop = loop,
			    .pidfd = -1,
			    .out.fd = -1,
			    .err.fd = -1,
			    .on_line = spec->on_line,
			    .on_exit = spec->on_exit,
			    .arg = spec->arg};
	in = spec->stdin_fd >= 0 ? spec->stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		goto fail;
	c->pid = fork();
	if (c->pid < 0)
		goto fail;
	if (c->pid == 0)
		exec_child(path, spec->argv, parent, in, outp[1], errp[1]);
	setpgid(c->pid, c->pid); /* also here: no window where a signal misses it */
	c->running = true;
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	c->out.fd = outp[0];
	c->err.fd = errp[0];
	fcntl(c->out.fd, F_SETFL, O_NONBLOCK);
	fcntl(c->err.fd, F_SETFL, O_NONBLOCK);
	c->pidfd = pidfd_open(c->pid, 0);
	if (c->pidfd >= 0 && loop_add_fd(loop, c->pidfd, POLLIN, on_exit_ready, c) != SL_OK) {
		close(c->pidfd);
		c->pidfd = -1;
	}
	if (c->pidfd < 0)
		c->exit_poll_timer = loop_add_timer(loop, EXIT_POLL_MS, exit_poll, c);
	if ((c->pidfd < 0 && c->exit_poll_timer <= 0) ||
	    loop_add_fd(loop, c->out.fd, POLLIN, on_out, c) ||
	    loop_add_fd(loop, c->err.fd, POLLIN, on_out, c)) {
		child_free(&c);
		rc = SL_ERR_IO;
		goto out;
	}
	*out = c;
	rc = SL_OK;
	goto out;
fail:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	free(c);
out:
	if (in >= 0 && in != spec->stdin_fd)
		close(in);
	return rc;
}

pid_t child_pid(const struct child *c)
{
	return c->pid;
}

int child_input_fd(const char *text, size_t len)
{
	int fd = memfd_create("skylapse-transfer-input", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == 0)
		return fd;
fail : {
	int saved = errno;

	close(fd);
	errno = saved;
	return -1;
}
}

static int64_t kill_timer_fired(struct loop *l, long id, void *arg)
{
	struct child *c = arg;

	(void)l;
	(void)id;
	c->kill_timer = 0;
	if (c->running)
		kill(-c->pid, SIGKILL);
	return -1;
}

void child_terminate(struct child *c, int grace_ms)
{
	if (c == NULL || !c->running)
		return;
	kill(-c->pid, SIGTERM);
	if (c->kill_timer <= 0)
		c->kill_timer = loop_add_timer(c->loop, grace_ms, kill_timer_fired, c);
}

void child_free(struct child **cp)
{
	struct child *c;

	if (cp == NULL || *cp == NULL)
		return;
	c = *cp;
	if (c->running) {
		kill(-c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->running = false;
	}
	forget_fds(c);
	free(c);
	*cp = NULL;
}
