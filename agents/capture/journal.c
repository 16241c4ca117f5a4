/* journal.c - append-only JSON-lines file of unpublished announcements. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonx.h"

#define JOURNAL_MAX (64 * 1024 * 1024)

int journal_append(const char *path, const json_t *ann)
{
	char *text = jx_dump(ann);
	size_t len;
	int fd, rc = -1;

	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL; we write len + 1 bytes */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, text, len + 1) == (ssize_t)(len + 1) && fsync(fd) == 0)
			rc = 0;
		close(fd);
	}
	free(text);
	return rc;
}

json_t *journal_read(const char *path)
{
	json_t *arr = json_array();
	char *buf, *line, *save = NULL;
	size_t len;

	if (file_read_all(path, JOURNAL_MAX, &buf, &len) < 0) {
		if (errno == ENOENT)
			return arr;
		json_decref(arr);
		return NULL;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *v = json_loads(line, 0, NULL);

		if (json_is_object(v))
			json_array_append(arr, v);
		json_decref(v);
	}
	free(buf);
	return arr;
}

int journal_clear(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}
