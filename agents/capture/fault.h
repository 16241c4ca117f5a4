/* fault.h - test-only pause points, for the kill -9 fault tests.
 *
 * SKYLAPSE_FAULT_PAUSE_AT=<phase>[@n] makes the agent stop itself (SIGSTOP,
 * every thread) the n-th time (default 1) it reaches <phase>, after logging
 * "fault pause at <phase>", so that a test can kill it at exactly that
 * moment of a capture (tests/integration/test_kills.py). Unset, a pause
 * point costs one comparison. The phases, in a capture's order:
 *   shoot      a job is about to be shot (nothing of it exists yet)
 *   write      frame and sidecar written under their temporary names
 *   rename     the frame under its final name, its sidecar not yet
 *   announce   both stored, nothing announced yet
 *   announced  announced (handed to MQTT), not answered yet
 *   answered   the job is over
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_FAULT_H
#define SKYLAPSE_AGENTS_CAPTURE_FAULT_H

/* Reads SKYLAPSE_FAULT_PAUSE_AT; call once, before any thread starts. */
void fault_init(void);

/* A pause point. Each phase is reached on one thread only (the writer's
 * or the main loop's), which the count relies on. */
void fault_point(const char *phase);

#endif
