/* bridge_state.c - fuzzes the retained state skylapse-bridge keeps from
 * the broker (bridge-http/state.c: state_apply() for every topic it
 * subscribes to: cameras' availability, status, plan, frames and preview,
 * the backends', the encoder's jobs and workers, the transfer's status).
 *
 * The input is messages separated by "\n--\n", each "<topic>\n<payload>"
 * (topic root "sky"); the topic "!reconnect" forgets the retained state as
 * a reconnection does. The state lives for one input. */
#include "fuzz.h"

#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

static void apply(struct bridge_state *st, char *msg, size_t len)
{
	char *nl = memchr(msg, '\n', len);
	size_t tlen = nl ? (size_t)(nl - msg) : len, plen = nl ? len - tlen - 1 : 0;
	char *payload = fuzz_cstr((const uint8_t *)msg + len - plen, plen); /* as MQTT's */
	char *topic = fuzz_cstr((const uint8_t *)msg, tlen);
	struct state_change ch;

	if (strcmp(topic, "!reconnect") == 0)
		state_clear_retained(st);
	else if (state_apply(st, "sky", topic, payload, plen, &ch) == SL_OK)
		state_change_clear(&ch);
	free(topic);
	free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sep = "\n--\n";
	char *text = fuzz_cstr(data, size), *p = text, *end = text + size;
	struct bridge_state st;

	if (state_init(&st) != SL_OK)
		abort();
	while (p <= end) {
		char *next = memmem(p, (size_t)(end - p), sep, 4);
		size_t len = next ? (size_t)(next - p) : (size_t)(end - p);

		apply(&st, p, len);
		if (next == NULL)
			break;
		p = next + 4;
	}
	state_camera_known(&st, "helios");
	state_preview(&st, "helios");
	state_free(&st);
	free(text);
	return 0;
}
