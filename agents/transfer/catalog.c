/* catalog.c - frame records by path, and the saved verification cache;
 * see catalog.h.
 *
 * The cache file is text, one verified frame a line:
 *   <size> <mtime_ns> <captured_ms> <path>
 * after a first line naming the format. Frames verified in a cycle are
 * appended; the owner rewrites it (atomically, only the frames still on the
 * Pi) once stale lines outnumber live ones, so it stays about as small as
 * the Pi's backlog without being rewritten for every new frame.
 */
#include "catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "verify.h"

#define CACHE_HEADER "# skylapse-transfer verified frames v1: size mtime_ns captured_ms path\n"
#define CACHE_MAX    (256u * 1024 * 1024)

static size_t hash_path(const char *s)
{
	size_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int catalog_init(struct catalog *c)
{
	*c = (struct catalog){0};
	c->nbuckets = 1024;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	c->gen = 1;
	return c->buckets ? SL_OK : SL_ERR_NOMEM;
}

static bool every(struct frame_rec *r, void *arg)
{
	(void)r;
	(void)arg;
	return true;
}

void catalog_free(struct catalog *c)
{
	if (c == NULL || c->buckets == NULL)
		return;
	catalog_sweep(c, every, NULL);
	free(c->buckets);
	*c = (struct catalog){0};
}

struct frame_rec *catalog_find(const struct catalog *c, const char *path)
{
	struct frame_rec *r = c->buckets[hash_path(path) % c->nbuckets];

	for (; r; r = r->next)
		if (strcmp(r->path, path) == 0)
			return r;
	return NULL;
}

/* Doubles the table when it gets crowded; on allocation failure the table
 * just stays as it is (slower, still correct). */
static void grow(struct catalog *c)
{
	size_t n = c->nbuckets * 2;
	struct frame_rec **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct frame_rec *r = c->buckets[i];

		while (r) {
			struct frame_rec *next = r->next;
			size_t h = hash_path(r->path) % n;

			r->next = b[h];
			b[h] = r;
			r = next;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = n;
}

int catalog_add(struct catalog *c, const char *path, struct frame_rec **out)
{
	struct frame_rec *r = catalog_find(c, path);
	size_t h;

	if (r == NULL) {
		if (c->count >= c->nbuckets)
			grow(c);
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return SL_ERR_NOMEM;
		r->path = strdup(path);
		if (r->path == NULL) {
			free(r);
			return SL_ERR_NOMEM;
		}
		h = hash_path(path) % c->nbuckets;
		r->next = c->buckets[h];
		c->buckets[h] = r;
		c->count++;
	}
	*out = r;
	return SL_OK;
}

/* Unlinks the record *link points to and frees it. */
static void drop(struct catalog *c, struct frame_rec **link)
{
	struct frame_rec *r = *link;

	*link = r->next;
	free(r->path);
	free(r);
	c->count--;
}

void catalog_remove(struct catalog *c, const char *path)
{
	struct frame_rec **link = &c->buckets[hash_path(path) % c->nbuckets];

	for (; *link; link = &(*link)->next) {
		if (strcmp((*link)->path, path) == 0) {
			drop(c, link);
			return;
		}
	}
}

void catalog_sweep(struct catalog *c, catalog_visit_fn *fn, void *arg)
{
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct frame_rec **link = &c->buckets[i];

		while (*link) {
			if (fn(*link, arg))
				drop(c, link);
			else
				link = &(*link)->next;
		}
	}
}

size_t catalog_count(const struct catalog *c, catalog_pred_fn *pred, const void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nbuckets; i++)
		for (const struct frame_rec *r = c->buckets[i]; r; r = r->next)
			n += pred(r, arg);
	return n;
}

bool catalog_on_pi(const struct catalog *c, const struct frame_rec *r)
{
	return r->pi_gen == c->gen;
}

static int load_line(struct catalog *c, char *line)
{
	long long size, mtime, captured;
	struct frame_rec *r;
	int used = 0;

	if (line[0] == '#' || line[0] == '\0')
		return SL_OK;
	if (sscanf(line, "%lld %lld %lld %n", &size, &mtime, &captured, &used) != 3 || used == 0 ||
	    size < 0 || !verify_frame_path(line + used))
		return SL_OK; /* a damaged line only costs one more hash */
	if (catalog_add(c, line + used, &r) != SL_OK)
		return SL_ERR_NOMEM;
	r->flags |= CAT_VERIFIED;
	r->size = size;
	r->mtime_ns = mtime;
	r->captured_ms = captured;
	return SL_OK;
}

int catalog_load(struct catalog *c, const char *file, size_t *lines)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len;
	int rc = SL_OK;

	*lines = 0;
	if (file_read_all(file, CACHE_MAX, &buf, &len) < 0)
		return errno == ENOENT ? SL_OK : SL_ERR_IO;
	for (line = strtok_r(buf, "\n", &save); line && rc == SL_OK;
	     line = strtok_r(NULL, "\n", &save)) {
		rc = load_line(c, line);
		(*lines)++;
	}
	free(buf);
	return rc;
}

static void put_line(FILE *m, const struct frame_rec *r)
{
	fprintf(m, "%" PRId64 " %" PRId64 " %" PRId64 " %s\n", r->size, r->mtime_ns, r->captured_ms,
		r->path);
}

int catalog_append(struct frame_rec *const *recs, size_t n, const char *file, size_t *lines)
{
	char *buf = NULL;
	size_t len = 0, count = 0, done = 0;
	FILE *m = open_memstream(&buf, &len);
	int fd, rc = SL_OK;

	if (m == NULL)
		return SL_ERR_IO;
	for (size_t i = 0; i < n; i++)
		if (recs[i]->flags & CAT_VERIFIED) {
			put_line(m, recs[i]);
			count++;
		}
	if (fclose(m) != 0 || buf == NULL) {
		free(buf);
		return SL_ERR_IO;
	}
	fd = len ? open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -2;
	if (fd == -1)
		rc = SL_ERR_IO;
	while (fd >= 0 && done < len) {
		ssize_t w = write(fd, buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = SL_ERR_IO;
			break;
		}
		done += (size_t)w;
	}
	if (fd >= 0)
		close(fd);
	if (rc == SL_OK)
		*lines += count;
	free(buf);
	return rc;
}

int catalog_save(const struct catalog *c, const char *file, size_t *lines)
{
	char *buf = NULL;
	size_t len = 0, count = 1;
	FILE *m = open_memstream(&buf, &len);
	int rc = SL_OK;

	if (m == NULL)
		return SL_ERR_IO;
	fputs(CACHE_HEADER, m);
	for (size_t i = 0; i < c->nbuckets; i++)
		for (const struct frame_rec *r = c->buckets[i]; r; r = r->next)
			if ((r->flags & CAT_VERIFIED) && catalog_on_pi(c, r)) {
				put_line(m, r);
				count++;
			}
	if (fclose(m) != 0 || buf == NULL) {
		free(buf);
		return SL_ERR_IO;
	}
	if (file_write_atomic(file, buf, len) < 0)
		rc = SL_ERR_IO;
	else
		*lines = count;
	free(buf);
	return rc;
}
