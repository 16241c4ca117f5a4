/* http_range.c - fuzzes a Range header as skylapse-bridge reads it for a
 * video or a frame (bridge-http/urlparse.c: range_parse(), called by
 * http_reply.c), for files of several sizes; a satisfiable range must lie
 * inside the file. */
#include "fuzz.h"

#include "err.h"
#include "urlparse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = {0, 1, 1000, 1ULL << 40, UINT64_MAX};
	char *header = fuzz_cstr(data, size);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct byte_range r;

		if (range_parse(header, sizes[i], &r) == SL_OK &&
		    (sizes[i] == 0 || r.first > r.last || r.last >= sizes[i]))
			abort();
	}
	free(header);
	return 0;
}
