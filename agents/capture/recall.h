/* recall.h - what the images folder says about the last frames, read once
 * when the agent starts.
 *
 * An agent killed (-9, power cut) mid-capture may have left a frame under
 * its final name without its sidecar (frame_store.h renames the frame
 * first), or temporaries. The frames of the last minutes are the slots it
 * took (their sidecars name them, slotbook.h), and the last few may never
 * have reached the broker. recall_frames() tidies the first and returns the
 * second; outbox.c books their slots and, after an unclean stop, announces
 * them again (at least once: consumers deduplicate by path).
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_RECALL_H
#define SKYLAPSE_AGENTS_CAPTURE_RECALL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Scans root/profile-* /<day>/ for frames captured at or after since_ms (by
 * their names). Removes a frame without its sidecar, a sidecar without its
 * frame and other processes' temporaries, each logged; returns the
 * sidecars of the newest `max` frames left, oldest first: a new array
 * reference (empty when none), NULL when out of memory. */
json_t *recall_frames(const char *root, int64_t since_ms, size_t max);

#endif
