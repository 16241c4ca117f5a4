/* fsutil.h - files and paths: ids, safe joins, atomic writes, free space.
 *
 * Everything that turns untrusted names (MQTT payloads, HTTP paths, file
 * names) into paths goes through here. Atomic writes follow one recipe:
 * write a hidden temporary in the same folder, fsync it, rename it over the
 * final name, fsync the folder, so a crash leaves either the whole file or
 * nothing under the final name.
 */
#ifndef SKYLAPSE_LIB_FSUTIL_H
#define SKYLAPSE_LIB_FSUTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ID_MAX 64

/* True for [a-z0-9_-]{1,64}: camera, backend, worker, job and schedule ids. */
bool id_is_valid(const char *s);

/* Joins root and a relative path into out. Refuses (SL_ERR_INVAL) absolute
 * paths, "." or ".." components, empty components, backslashes and control
 * characters; SL_ERR_RANGE when out is too small. Touches no file. */
int path_join_safe(const char *root, const char *rel, char *out, size_t outlen);

/* As path_join_safe, then resolves symlinks and requires the file to exist
 * inside the resolved root: SL_ERR_NOTFOUND otherwise. */
int path_resolve_under(const char *root, const char *rel, char *out, size_t outlen);

/* mkdir -p with mode; 0 or -1 with errno. */
int mkdir_p(const char *path, mode_t mode);

/* Writes buf to path atomically (see above); 0 or -1 with errno. */
int file_write_atomic(const char *path, const void *buf, size_t len);
/* The first half of that, for callers that rename themselves: creates or
 * truncates `path`, writes buf and fsyncs it; 0, or -1 with errno and no
 * file left at `path`. */
int file_write_synced(const char *path, const void *buf, size_t len);
/* Its first step, for callers that order their own waits: creates or
 * truncates `path` and writes buf, not synced; the open descriptor (the
 * caller closes it), or -1 with errno and no file left at `path`. */
int file_write_open(const char *path, const void *buf, size_t len);

/* Reads a whole file (at most max bytes) into a new buffer, NUL-terminated
 * after len bytes; caller frees. 0 or -1 with errno (EFBIG over max). */
int file_read_all(const char *path, size_t max, char **buf, size_t *len);

/* Free and total bytes of the file system holding path; 0 or -1 with errno. */
int disk_space(const char *path, uint64_t *free_bytes, uint64_t *total_bytes);

/* out = the running binary's folder + "/" + rel (e.g. "../share/skylapse"),
 * for files installed beside the programs. 0 or SL_ERR_RANGE/SL_ERR_IO. */
int path_beside_exe(const char *rel, char *out, size_t outlen);

/* Expands a leading "~/" with $HOME into out; SL_ERR_RANGE if too long. */
int path_expand_home(const char *in, char *out, size_t outlen);
/* The folder of a program's own state (kept plans, journals, switches), apart
 * from the frames so that the transfer never copies it, made when missing:
 * `flag` when given, else $SKYLAPSE_STATE_DIR, else systemd's
 * $STATE_DIRECTORY, else $XDG_STATE_HOME/skylapse, else
 * ~/.local/state/skylapse. 0 or -1 with errno (out holds the folder tried). */
int path_state_dir(const char *flag, char out[PATH_MAX]);

#endif
