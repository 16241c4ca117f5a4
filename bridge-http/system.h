/* system.h - the system health report behind GET /system: every agent's
 * availability and version, the disks of the cameras and of the server, the
 * transfer's backlog, the encoder's queue and the last errors, read from the
 * retained state (state.h). The shape is documented in docs/BRIDGE.md.
 *
 * Pure: what only the bridge knows about itself (its broker link, the free
 * space of its folders) comes in through struct system_self.
 */
#ifndef SKYLAPSE_BRIDGE_HTTP_SYSTEM_H
#define SKYLAPSE_BRIDGE_HTTP_SYSTEM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "state.h"

/* A server folder's file system; known false when statvfs failed. */
struct system_disk {
	const char *id; /* "images", "timelapses" */
	const char *path;
	bool known;
	uint64_t free_bytes, total_bytes;
};

struct system_self {
	const char *backend_name;
	const char *version;
	const char *broker_url;
	const char *config_error; /* the last reload's, NULL or "" when it loaded */
	bool broker_up;
	int64_t uptime_seconds;
	const struct system_disk *disks;
	int ndisks;
	double disk_low_pct; /* a server disk with less free is "low" */
};

/* The report; returns a new reference, NULL when out of memory. Borrows
 * both arguments. */
json_t *system_report(const struct bridge_state *st, const struct system_self *self);

#endif
