/* sidecar.c - fuzzes a frame's .json sidecar as the server reads it: the
 * transfer's check of its copy (agents/transfer/verify.c: verify_frame(),
 * which reads size, sha256 and captured_at) and the bridge's metadata of a
 * frame (lib/frames.c: frames_load_sidecar()). The frame beside it is
 * "frame\n": 6 bytes, sha256 3c04009b8f1d7bee2e496be23c08761744b26c499ca15f3c125643be85c86e0c,
 * so a sidecar naming them verifies. */
#include "fuzz.h"

#include <sys/stat.h>

#include "frames.h"
#include "verify.h"

#define DAY_DIR	 "helios/profile-a/2026-06-21"
#define FRAME	 "capture_20260621_120000_123.jpg"

static char root[128], camera_root[160], sidecar[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[256];

	(void)argc, (void)argv;
	fuzz_quiet();
	snprintf(root, sizeof(root), "%s", fuzz_tmpdir());
	snprintf(camera_root, sizeof(camera_root), "%s/helios", root);
	snprintf(path, sizeof(path), "%s/helios", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/helios/profile-a", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/" DAY_DIR, root);
	if (mkdir(path, 0700) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/" DAY_DIR "/" FRAME, root);
	fuzz_write_file(path, "frame\n", 6);
	snprintf(sidecar, sizeof(sidecar), "%s/" DAY_DIR "/capture_20260621_120000_123.json",
		 root);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_info info;
	char why[ERRMSG_MAX];
	json_t *meta;

	fuzz_write_file(sidecar, data, size);
	verify_frame(camera_root, "profile-a/2026-06-21/" FRAME, &info, why);
	meta = frames_load_sidecar(root, DAY_DIR "/" FRAME);
	json_decref(meta);
	return 0;
}
