# Unit tests of skylapse-bridge's pure parts (routing, URL and Range
# parsing, token and CORS, the state cache, the sky figures, the HTTP
# status of a result's error_kind).
UNIT_TESTS += test_bridge
test_bridge_SRCS := bridge-http/router.c bridge-http/urlparse.c bridge-http/auth_cors.c \
	bridge-http/state.c bridge-http/sky.c bridge-http/result_status.c \
	bridge-http/settings.c bridge-http/system.c tests/unit/testutil.c
