/* cmd_encode.c - the `encode` subcommand; see cmd_encode.h.
 *
 * Flags become a small JSON object read by job_parse_settings(), so the
 * command line and MQTT jobs accept and refuse exactly the same values.
 * SIGINT/SIGTERM stop the encoding between frames (they are blocked and
 * polled, so no handler and no global flag); the partial file is removed.
 */
#include "cmd_encode.h"
#include "err.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "jsonx.h"
#include "job.h"
#include "log.h"
#include "select.h"
#include "video.h"

#define BAR_WIDTH     30
#define BAR_PERIOD_MS 100

struct cli_run {
	struct selection sel;
	bool bar;
	int64_t started_ms, last_bar_ms;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: skylapse-encoder encode --input DIR --output FILE [options]\n"
		   "Encodes the .jpg files of DIR (in name order) into a video; the\n"
		   "exposures of a bracket (capture_..._bracket<i>.jpg) are fused into one frame.\n\n"
		   "  --input DIR          folder of JPEG frames\n"
		   "  --output FILE        the video to write (MP4)\n"
		   "  --fps N              frames per second (default 30)\n"
		   "  --duration SECONDS   or: the video's length (fps = frames / seconds)\n"
		   "  --width W            output width, 0 = the frames' width (default 1920)\n"
		   "  --codec C            h264 (default), h265, vp9, av1\n"
		   "  --crf C              constant rate factor (default 23 for h264)\n"
		   "  --preset P           x264 preset name (default medium)\n"
		   "  --quality-tier T     preview or archive (REFERENCE quality presets)\n"
		   "  --deflicker[=N]      flatten brightness flicker over N frames (default 15)\n"
		   "  --no-hdr             keep each exposure of a bracket as a frame of its own\n"
		   "  --threads N          decoding threads (default: one per CPU)\n"
		   "  --thumbnail FILE     also write a JPEG thumbnail of the frame at 1 s\n"
		   "  --help               this text\n"
		   "A progress bar goes to stderr on a terminal; a JSON summary to stdout.\n");
}

/* A flag's value as JSON: an integer or number when it reads as one, else
 * a string, so the job rules report wrong types in their own words. */
static json_t *flag_value(const char *s)
{
	char *end;
	long long i;
	double d;

	errno = 0;
	i = strtoll(s, &end, 10);
	if (*s && *end == '\0' && errno == 0)
		return json_integer(i);
	d = strtod(s, &end);
	if (*s && *end == '\0')
		return json_real(d);
	return json_string(s);
}

static void progress(void *arg, size_t done, size_t total)
{
	struct cli_run *r = arg;
	int64_t now = mono_ms();
	double secs, rate;
	int fill;

	if (!r->bar || (done < total && now - r->last_bar_ms < BAR_PERIOD_MS))
		return;
	r->last_bar_ms = now;
	secs = (double)(now - r->started_ms) / 1000.0;
	rate = secs > 0 ? (double)done / secs : 0;
	fill = total ? (int)(BAR_WIDTH * done / total) : BAR_WIDTH;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %zu/%zu frames %5.1f fps, %ds left ", fill,
		"##############################", BAR_WIDTH - fill, "",
		total ? (int)(100 * done / total) : 100, done, total, rate,
		rate > 0 ? (int)((double)(total - done) / rate + 0.5) : 0);
	if (done == total)
		fputc('\n', stderr);
}

static int skip(void *arg, const char *rel, const char *reason, const char *detail)
{
	struct cli_run *r = arg;

	return skip_list_add(&r->sel.skipped, rel, reason, detail);
}

/* SIGINT and SIGTERM are blocked (before any thread starts), so a stop
 * request waits as a pending signal until the next frame looks for it. */
static bool cancelled(void *arg)
{
	sigset_t pending;

	(void)arg;
	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1);
}

static void print_summary(const struct cli_run *r, const struct encode_job *job, const char *output,
			  const char *thumb, const struct video_result *res, const char *error)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:i, s:i, s:i, s:s, s:i, s:s, s:i, "
		      "s:f, s:I, s:f}",
		      "status", error ? "error" : "ok", "output", output, "frames",
		      (json_int_t)res->frames, "frames_total", (json_int_t)(r->sel.count),
		      "frames_skipped", (json_int_t)r->sel.skipped.count, "skipped",
		      skip_list_json(&r->sel.skipped, SKIP_JSON_MAX), "width", res->width, "height",
		      res->height, "fps", res->fps, "codec", job_codec_name(job->codec), "crf",
		      job->crf, "preset", job->preset, "deflicker_window", job->deflicker_window,
		      "duration_seconds", res->duration_seconds, "size", (json_int_t)res->size,
		      "elapsed_seconds", (double)(mono_ms() - r->started_ms) / 1000.0);
	char *text;

	if (o == NULL)
		return;
	jx_set_str(o, "error", error);
	jx_set_str(o, "thumbnail", res->thumbnail ? thumb : NULL);
	text = jx_dump_pretty(o);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

static int parse_flags(int argc, char **argv, json_t *settings, const char **input,
		       const char **output, const char **thumb, int *threads)
{
	static const struct option opts[] = {{"input", required_argument, NULL, 'i'},
					     {"output", required_argument, NULL, 'o'},
					     {"fps", required_argument, NULL, 'f'},
					     {"duration", required_argument, NULL, 's'},
					     {"width", required_argument, NULL, 'w'},
					     {"codec", required_argument, NULL, 'c'},
					     {"crf", required_argument, NULL, 'r'},
					     {"preset", required_argument, NULL, 'p'},
					     {"quality-tier", required_argument, NULL, 'q'},
					     {"deflicker", optional_argument, NULL, 'd'},
					     {"threads", required_argument, NULL, 'j'},
					     {"thumbnail", required_argument, NULL, 't'},
					     {"no-hdr", no_argument, NULL, 'n'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': *input = optarg; break;
		case 'o': *output = optarg; break;
		case 't': *thumb = optarg; break;
		case 'j':
			*threads = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || *threads < 0 || *threads > 64) {
				fprintf(stderr,
					"skylapse-encoder encode: --threads must be 0..64\n");
				return 1;
			}
			break;
		case 'h': usage(stdout); return -1;
		case 'n': json_object_set_new(settings, "hdr", json_false()); break;
		case 'd':
			json_object_set_new(settings, "deflicker",
					    optarg
						? json_pack("{s:o}", "window", flag_value(optarg))
						: json_true());
			break;
		case 'c': json_object_set_new(settings, "codec", json_string(optarg)); break;
		case 'p': json_object_set_new(settings, "preset", json_string(optarg)); break;
		case 'q': json_object_set_new(settings, "quality_tier", json_string(optarg)); break;
		case 'f': json_object_set_new(settings, "fps", flag_value(optarg)); break;
		case 's':
			json_object_set_new(settings, "duration_seconds", flag_value(optarg));
			break;
		case 'w': json_object_set_new(settings, "width", flag_value(optarg)); break;
		case 'r': json_object_set_new(settings, "crf", flag_value(optarg)); break;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "skylapse-encoder encode: unexpected argument '%s'\n",
			argv[optind]);
		return 1;
	}
	if (*input == NULL || *output == NULL) {
		fprintf(stderr, "skylapse-encoder encode: --input and --output are required\n");
		usage(stderr);
		return 1;
	}
	return 0;
}

int cmd_encode(int argc, char **argv)
{
	struct cli_run r = {.started_ms = mono_ms()};
	struct video_hooks hooks = {progress, skip, cancelled, &r};
	struct video_result res = {0};
	struct encode_job job;
	sigset_t stop;
	const char *input = NULL, *output = NULL, *thumb = NULL;
	json_t *settings = json_object();
	char why[ERRMSG_MAX] = "";
	int threads = 0, rc;

	rc = parse_flags(argc, argv, settings, &input, &output, &thumb, &threads);
	if (rc)
		goto out;
	if (job_parse_settings(settings, NULL, &job, why)) {
		fprintf(stderr, "skylapse-encoder encode: %s\n", why);
		rc = 1;
		goto out;
	}
	if (job.kind != JOB_VIDEO) {
		fprintf(stderr,
			"skylapse-encoder encode: only videos are made from the command line\n");
		rc = 1;
		goto out;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	r.bar = isatty(STDERR_FILENO);
	if (select_folder(input, job.hdr, &r.sel, why) == SL_OK) {
		struct video_plan plan = {
		    .sel = &r.sel,
		    .width = job.width,
		    .fps = job.fps,
		    .duration_seconds = job.duration_seconds,
		    .codec = job.codec,
		    .crf = job.crf,
		    .preset = job.preset,
		    .deflicker_window = job.deflicker_window,
		    .threads = threads,
		    .output = output,
		    .thumbnail = thumb,
		};

		log_info("encoding %zu frames of %dx%d from %s", r.sel.count, r.sel.width,
			 r.sel.height, input);
		rc = video_encode(&plan, &hooks, &res, why);
		if (rc == ENC_CANCELLED)
			err_why(why, "stopped by a signal");
	} else {
		rc = SL_ERR_NOTFOUND;
	}
	if (rc)
		log_error("%s", why);
	print_summary(&r, &job, output, thumb, &res, rc ? why : NULL);
	rc = rc ? 2 : 0;
out:
	json_decref(settings);
	selection_free(&r.sel);
	return rc < 0 ? 0 : rc;
}
