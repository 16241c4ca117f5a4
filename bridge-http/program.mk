# skylapse-bridge: the REST API over MQTT, the dashboard's server (SPEC 5).
BRIDGE_LOGIC_SRCS := bridge-http/router.c bridge-http/urlparse.c bridge-http/auth_cors.c \
	bridge-http/state.c bridge-http/sky.c bridge-http/result_status.c bridge-http/system.c
PROGRAMS += skylapse-bridge
skylapse-bridge_SRCS := bridge-http/main.c bridge-http/http.c bridge-http/http_reply.c bridge-http/routes.c \
	bridge-http/routes_status.c bridge-http/routes_images.c \
	bridge-http/routes_timelapses.c bridge-http/capture.c bridge-http/focus.c bridge-http/files.c \
	bridge-http/sse.c bridge-http/settings.c bridge-http/routes_config.c \
	agents/scheduler/check.c $(BRIDGE_LOGIC_SRCS)
skylapse-bridge_PKGS := libmicrohttpd libturbojpeg
