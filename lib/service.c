/* service.c - systemd's notify protocol from the main loop; see service.h.
 *
 * The protocol is one datagram of "KEY=VALUE" lines to the Unix socket named
 * by $NOTIFY_SOCKET (a leading '@' names an abstract socket), as described in
 * sd_notify(3). Speaking it directly instead of linking libsystemd keeps a
 * megabyte of resident memory out of every daemon.
 */
#include "service.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"

static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	len = strlen(path);
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
		/* systemd went away: nothing to tell */
	}
	close(fd);
}

/* The period travels in the timer's argument itself. */
static int64_t watchdog_ping(struct loop *l, long id, void *arg)
{
	(void)l;
	(void)id;
	notify("WATCHDOG=1");
	return (int64_t)(intptr_t)arg;
}

/* WATCHDOG_USEC, when systemd set it for this process (WATCHDOG_PID). */
static uint64_t watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");

	if (usec == NULL || (pid && strtol(pid, NULL, 10) != (long)getpid()))
		return 0;
	return strtoull(usec, NULL, 10);
}

int service_ready(struct loop *loop, const char *status)
{
	uint64_t usec = watchdog_usec();
	char line[256];

	snprintf(line, sizeof(line), "READY=1\nSTATUS=%s", status ? status : "running");
	notify(line);
	if (usec > 0) {
		int64_t period_ms = (int64_t)(usec / 2000);

		loop_add_timer(loop, period_ms > 0 ? period_ms : 1, watchdog_ping,
			       (void *)(intptr_t)(period_ms > 0 ? period_ms : 1));
	}
	return SL_OK;
}

void service_stopping(void)
{
	notify("STOPPING=1");
}
