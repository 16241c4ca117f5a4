/* service.h - telling systemd how a daemon is doing (Type=notify units).
 *
 * service_ready() says READY=1 once the program is set up; the watchdog
 * pings WATCHDOG=1 from the program's own loop at half of WatchdogSec, so a
 * loop that hangs gets the service restarted. Outside systemd (no
 * NOTIFY_SOCKET) both do nothing.
 */
#ifndef SKYLAPSE_LIB_SERVICE_H
#define SKYLAPSE_LIB_SERVICE_H

#include "loop.h"

/* Sends READY=1 and a STATUS= line; starts the watchdog timer on `loop`
 * when systemd asked for one. Call once. Returns 0 (also when not under
 * systemd). */
int service_ready(struct loop *loop, const char *status);
/* Sends STOPPING=1. */
void service_stopping(void);

#endif
