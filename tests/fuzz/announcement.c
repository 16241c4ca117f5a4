/* announcement.c - fuzzes a frame announcement (R/<camera>/frames) as its
 * two readers take it: skylapse-transfer (agents/transfer/main.c reads
 * "path" with jx_get_string(); transfer_announce() admits it with
 * verify_frame_path() and records it in the catalog, catalog.c) and
 * skylapse-bridge (bridge-http/state.c: state_apply(), which keeps the
 * latest frame and rewrites it for the API with frame_to_server()). */
#include "fuzz.h"

#include "catalog.h"
#include "jsonx.h"
#include "state.h"
#include "verify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

static void transfer(const uint8_t *data, size_t size)
{
	char why[ERRMSG_MAX], jpg[512];
	const char *path = NULL;
	struct catalog cat;
	struct frame_rec *r;
	json_t *obj = jsonx_parse_object("payload", (const char *)data, size, PAYLOAD_MAX, why);

	if (obj == NULL || jx_get_string(obj, "path", &path, why) != SL_OK)
		goto out;
	verify_sidecar_path(path, jpg, sizeof(jpg));
	if (!verify_frame_path(path))
		goto out;
	if (catalog_init(&cat) != SL_OK)
		abort();
	if (catalog_add(&cat, path, &r) != SL_OK || catalog_find(&cat, path) != r)
		abort();
	catalog_remove(&cat, path);
	if (catalog_find(&cat, path) != NULL)
		abort();
	catalog_free(&cat);
out:
	json_decref(obj);
}

static void bridge(const uint8_t *data, size_t size)
{
	struct bridge_state st;
	struct state_change ch;

	if (state_init(&st) != SL_OK)
		abort();
	if (state_apply(&st, "sky", "sky/helios/frames", data, size, &ch) == SL_OK) {
		state_change_clear(&ch);
		json_decref(state_camera(&st, "helios") ? json_deep_copy(state_camera(&st, "helios"))
							 : NULL);
	}
	state_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *payload = fuzz_cstr(data, size); /* MQTT payloads are NUL-terminated */

	transfer((const uint8_t *)payload, size);
	bridge((const uint8_t *)payload, size);
	free(payload);
	return 0;
}
