/* fuzz.h - what the libFuzzer targets of tests/fuzz share: a quiet log, a
 * NUL-terminated copy of the fuzzer's bytes, a file holding them, and a
 * configuration loaded from JSON text.
 *
 * Each target is one file, tests/fuzz/<name>.c, defining
 * LLVMFuzzerTestOneInput() over a production parser; fuzz.mk builds and
 * runs them (`make fuzz`, and the corpus replay of `make test`).
 */
#ifndef SKYLAPSE_TESTS_FUZZ_FUZZ_H
#define SKYLAPSE_TESTS_FUZZ_FUZZ_H

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Warnings about bad input are the expected outcome: none is printed. */
static inline void fuzz_quiet(void)
{
	log_init("fuzz");
	log_set_level((enum log_level)(LOG_ERROR + 1));
}

/* data[0..size) and a NUL (owned by the caller; aborts when out of memory). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Replaces `path` with data[0..size); aborts when it cannot. */
static inline void fuzz_write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

static char fuzz_dir[64];

static inline int fuzz_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static inline void fuzz_tmpdir_remove(void)
{
	nftw(fuzz_dir, fuzz_remove, 8, FTW_DEPTH | FTW_PHYS);
}

/* A private folder for the files a target needs (in memory, /dev/shm, where
 * there is one), made on the first call and removed with what it holds when
 * the process exits. */
static inline const char *fuzz_tmpdir(void)
{
	if (fuzz_dir[0] == '\0') {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/dev/shm/skylapse-fuzz-XXXXXX");
		if (mkdtemp(fuzz_dir) == NULL) {
			snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/skylapse-fuzz-XXXXXX");
			if (mkdtemp(fuzz_dir) == NULL)
				abort();
		}
		atexit(fuzz_tmpdir_remove);
	}
	return fuzz_dir;
}

/* The smallest configuration that loads. */
#define FUZZ_CONFIG_MIN                                                                            \
	"{\"location\": {\"latitude\": 39.6333, \"longitude\": -105.3167,"                          \
	" \"timezone\": \"America/Denver\"}}"

/* Loads the configuration `json` (through a file, as config_load() reads
 * one) into *c; aborts when it does not load. */
static inline void fuzz_config(struct config *c, const char *json)
{
	char path[160];
	struct config_problems p;

	snprintf(path, sizeof(path), "%s/config.json", fuzz_tmpdir());
	fuzz_write_file(path, json, strlen(json));
	if (config_load(c, path, NULL, &p) != 0) {
		config_problems_print(&p, stderr);
		abort();
	}
	unlink(path);
}

#endif
