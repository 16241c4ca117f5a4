/* tj_rate - the reference of the capture benchmark: how many times a second
 * TurboJPEG alone compresses one given frame (decoded once to its YUV planes,
 * then compressed from them at the agent's quality, as the sim source does).
 *
 *   tj_rate FRAME.jpg SECONDS QUALITY   ->  prints "frames_per_s N"
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <turbojpeg.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	tjhandle dec = tjInitDecompress(), enc = tjInitCompress();
	unsigned char *jpeg, *yuv, *out = NULL;
	unsigned long outsize = 0;
	long len;
	int w, h, sub, cs, n = 0;
	double secs, t0;
	FILE *f;

	if (argc != 4)
		return 1;
	f = fopen(argv[1], "rb");
	if (f == NULL)
		return 1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	jpeg = malloc((size_t)len);
	if (fread(jpeg, 1, (size_t)len, f) != (size_t)len)
		return 1;
	fclose(f);
	secs = atof(argv[2]);
	tjDecompressHeader3(dec, jpeg, (unsigned long)len, &w, &h, &sub, &cs);
	yuv = malloc(tjBufSizeYUV2(w, 1, h, sub));
	if (tjDecompressToYUV2(dec, jpeg, (unsigned long)len, yuv, w, 1, h, 0) < 0)
		return 1;
	t0 = now();
	while (now() - t0 < secs) {
		if (tjCompressFromYUV(enc, yuv, w, 1, h, sub, &out, &outsize, atoi(argv[3]), 0) < 0)
			return 1;
		n++;
	}
	printf("frames_per_s %.3f\n", n / (now() - t0));
	tjFree(out);
	free(yuv);
	free(jpeg);
	return 0;
}
