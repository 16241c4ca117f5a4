/* http_path.c - fuzzes a request target as skylapse-bridge routes it
 * (bridge-http/http.c: url_path_len(), http_method_parse(), then
 * router_match() over the real route tables of routes.c, the bridge's and
 * the Pi API's), with the parameters' decoding, the Allow list of a 405,
 * and the strict percent-decoding of the query part (urlparse.c). A path
 * parameter ("/images/{path*}", "/{path*}") then goes where route_image()
 * and route_static() send it: files_content_type() and files_resolve()
 * under a folder holding a frame, a hidden temporary and a symlink out.
 *
 * The input is "<METHOD> <target>"; without a space, all of it is a GET's
 * target. */
#include "fuzz.h"

#include <sys/stat.h>

#include "bridge.h"
#include "files.h"
#include "router.h"
#include "routes.h"
#include "urlparse.h"

/* The two functions of main.c the route handlers call (none runs here). */
bool bridge_broker_up(const struct bridge *b)
{
	(void)b;
	return true;
}

bool bridge_state_ready(const struct bridge *b)
{
	(void)b;
	return true;
}

int bridge_reload(struct bridge *b, const char *cause)
{
	(void)b;
	(void)cause;
	return 0;
}

static char root[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[256];

	(void)argc, (void)argv;
	fuzz_quiet();
	snprintf(root, sizeof(root), "%s", fuzz_tmpdir());
	snprintf(path, sizeof(path), "%s/helios", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/helios/capture_20260621_120000.jpg", root);
	fuzz_write_file(path, "frame\n", 6);
	snprintf(path, sizeof(path), "%s/helios/.capture_20260621_120000.jpg.tmp", root);
	fuzz_write_file(path, "part", 4);
	snprintf(path, sizeof(path), "%s/escape", root);
	if (symlink("/etc", path) != 0)
		abort();
	return 0;
}

static void route(const struct route *table, size_t n, unsigned method, const char *path,
		  char *buf, size_t buflen)
{
	struct route_match m = {.buf = buf, .buflen = buflen};
	unsigned allowed = 0;
	char allow[128];
	int rc = router_match(table, n, method, path, &m, &allowed);

	if (rc == SL_OK) {
		if (m.route == NULL || m.nparams < 0 || m.nparams > ROUTE_PARAMS_MAX)
			abort();
		for (int i = 0; i < m.nparams; i++)
			if (strlen(m.params[i]) >= buflen) /* each within the caller's buffer */
				abort();
		if (m.nparams == 1 && strstr(m.route->pattern, "{path*}")) {
			char file[PATH_MAX];

			files_content_type(m.params[0]);
			if (files_resolve(root, m.params[0], file, sizeof(file)) == SL_OK &&
			    (strncmp(file, root, strlen(root)) != 0 || strstr(file, "/.")))
				abort(); /* out of the root, or a hidden temporary */
		}
	} else if (rc == SL_ERR_UNSUPPORTED) {
		router_allow_list(allowed, allow, sizeof(allow));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *sp = strchr(text, ' '), *target = text, *path, *buf;
	const char *method = "GET";
	size_t plen, buflen;
	char *query;

	if (sp) {
		*sp = '\0';
		method = text;
		target = sp + 1;
	}
	plen = url_path_len(target);
	if (plen > strlen(target))
		abort();
	path = fuzz_cstr((const uint8_t *)target, plen);
	buflen = plen + 2; /* what router.h says is enough */
	buf = malloc(buflen);
	if (buf == NULL)
		abort();
	route(bridge_routes, bridge_nroutes, http_method_parse(method), path, buf, buflen);
	route(pi_routes, pi_nroutes, http_method_parse(method), path, buf, buflen);
	route(bridge_routes, bridge_nroutes, HTTP_OPTIONS, path, buf, 8); /* a small buffer */
	query = target[plen] == '?' ? target + plen + 1 : NULL;
	if (query) {
		size_t qlen = strlen(query);
		char *out = malloc(qlen + 1);

		if (out == NULL)
			abort();
		if (url_decode(query, qlen, out, qlen + 1) >= 0 && strlen(out) > qlen)
			abort();
		url_decode(query, qlen, out, qlen / 2 + 1);
		free(out);
	}
	free(buf);
	free(path);
	free(text);
	return 0;
}
