/* journal.h - announcements not yet published, kept on disk.
 *
 * While the broker is away, each frame's announcement is appended here (one
 * JSON object a line, fsync'd) instead of being published; when the broker
 * is back they are published in order and the journal is emptied. A restart
 * in between loses none: the agent flushes the journal on every connect.
 */
#ifndef SKYLAPSE_AGENTS_CAPTURE_JOURNAL_H
#define SKYLAPSE_AGENTS_CAPTURE_JOURNAL_H

#include <jansson.h>
#include <stddef.h>

/* Appends `ann` (borrowed) as one line to the journal at `path`.
 * 0, or -1 with errno. */
int journal_append(const char *path, const json_t *ann);

/* Reads every entry: a new array reference (empty when there is no
 * journal), or NULL with errno. Lines that are not JSON objects (a torn
 * last line after a crash) are skipped. */
json_t *journal_read(const char *path);

/* Removes the journal; 0, or -1 with errno (ENOENT is success). */
int journal_clear(const char *path);

#endif
