# Unit tests of skylapse-bridge's pure parts (routing, URL and Range
# parsing, token and CORS, the state cache, the sky figures).
UNIT_TESTS += test_bridge
test_bridge_SRCS := bridge-http/router.c bridge-http/urlparse.c bridge-http/auth_cors.c \
	bridge-http/state.c bridge-http/sky.c
