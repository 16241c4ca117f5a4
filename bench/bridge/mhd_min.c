/* mhd_min.c - the baseline of the bridge benchmark: a minimal
 * libmicrohttpd server answering every request with the same bytes from
 * memory (a file read once at start), with the same headers the bridge
 * sends for GET /status. It is what libmicrohttpd itself can do, so the
 * bridge's figure divided by this one is the cost of everything the bridge
 * adds (routing, state, its event loop).
 *
 *   mhd_min FILE PORT [threads]
 *
 * threads 1 (default): one internal epoll thread, the bridge's model (one
 * thread). threads N > 1: a pool of N epoll threads, for reference.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *answer;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **ctx)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)data;
	(void)size;
	/* the same two-call pattern as the bridge: answering before MHD has
	 * the whole request closes the connection */
	if (*ctx == NULL) {
		*ctx = (void *)1;
		return MHD_YES;
	}
	return MHD_queue_response(c, MHD_HTTP_OK, answer);
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	unsigned threads = argc > 3 ? (unsigned)atoi(argv[3]) : 1;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	FILE *f;
	char *buf;
	long len;
	sigset_t set;
	int sig;

	if (argc < 3) {
		fprintf(stderr, "usage: mhd_min FILE PORT [threads]\n");
		return 1;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
		perror(argv[1]);
		return 1;
	}
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(argv[1]);
		return 1;
	}
	fclose(f);
	answer = MHD_create_response_from_buffer((size_t)len, buf, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(answer, "Content-Type", "application/json");
	MHD_add_response_header(answer, "Cache-Control", "no-store");
	MHD_add_response_header(answer, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(answer, "Access-Control-Expose-Headers",
				"Content-Range, Accept-Ranges, Content-Length, Allow, Location");
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(flags, (uint16_t)atoi(argv[2]), NULL, NULL, on_request, NULL,
			     MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0,
			     MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
			     MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "mhd_min: cannot listen on port %s\n", argv[2]);
		return 2;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(answer);
	free(buf);
	return 0;
}
