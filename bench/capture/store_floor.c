/* store_floor - the machine's part of a stored frame, for the capture benchmark:
 * the given frame's bytes written to a new file in FOLDER, fsync'd, renamed to
 * its final name and the folder fsync'd, as the agent stores a frame, with no
 * hash, sidecar or preview. Nothing a program does to store a frame durably on
 * this disk costs less.
 *
 *   store_floor FRAME.jpg FOLDER COUNT  ->  prints "wall_ms W cpu_ms C" (medians)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int store(const char *folder, int i, const char *data, long len)
{
	char tmp[4096], path[4096];
	int fd, dir, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s/.floor_%d.jpg.tmp", folder, i);
	snprintf(path, sizeof(path), "%s/floor_%d.jpg", folder, i);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, (size_t)len) != len || fsync(fd) < 0)
		rc = -1;
	if (fd >= 0)
		close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fsync(dir) < 0)
		rc = -1;
	if (dir >= 0)
		close(dir);
	return rc;
}

int main(int argc, char **argv)
{
	double *wall, *cpu;
	char *data;
	long len;
	int n;
	FILE *f;

	if (argc != 4 || (n = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: store_floor FRAME.jpg FOLDER COUNT\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET))
		return 1;
	data = malloc((size_t)len);
	wall = calloc((size_t)n, sizeof(*wall));
	cpu = calloc((size_t)n, sizeof(*cpu));
	if (!data || !wall || !cpu || fread(data, 1, (size_t)len, f) != (size_t)len)
		return 1;
	fclose(f);
	for (int i = 0; i < n; i++) {
		double w0 = ms(CLOCK_MONOTONIC), c0 = ms(CLOCK_THREAD_CPUTIME_ID);

		if (store(argv[2], i, data, len)) {
			perror("store_floor");
			return 1;
		}
		wall[i] = ms(CLOCK_MONOTONIC) - w0;
		cpu[i] = ms(CLOCK_THREAD_CPUTIME_ID) - c0;
	}
	for (int i = 0; i < n; i++) { /* kept until now, as the agent's frames are */
		char path[4096];

		snprintf(path, sizeof(path), "%s/floor_%d.jpg", argv[2], i);
		unlink(path);
	}
	qsort(wall, (size_t)n, sizeof(*wall), by_value);
	qsort(cpu, (size_t)n, sizeof(*cpu), by_value);
	printf("wall_ms %.2f cpu_ms %.2f\n", wall[n / 2], cpu[n / 2]);
	free(data);
	free(wall);
	free(cpu);
	return 0;
}
