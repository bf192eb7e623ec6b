/* QR throughput: encode only, encode + PNG (4 px per module, to a memory
 * stream), encode + SVG. Usage: bench_qr [ITERATIONS] (default 2000). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "qr.h"

static const char token[] =
    "PN1:3A0CQS.GML72TL6$ZA05F8JJ$SN000V50300$ET$10S8O1%AF5OHIBEFVE0PZTFDFC1HMHYI/W4AUU5FJX2IC6GGQC$JHH9T30Q6DJ9HH3:2BHJ$BQB/A33D45P RF*3U+DCT:FK 100";

enum bench_mode { ENCODE, PNG, SVG };

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs n iterations of mode; returns per second, or -1 on error. */
static double
bench_run(enum bench_mode mode, long n, size_t *bytes)
{
	struct qr_matrix *m;
	struct error e = {0};
	double start = bench_now();
	char *buf = NULL;
	size_t size = 0;
	FILE *out;
	long i;

	for (i = 0; i < n; i++) {
		if (qr_encode(token, &m, &e) != 0)
			goto fail;
		if (mode != ENCODE) {
			if ((out = open_memstream(&buf, &size)) == NULL)
				goto fail;
			if ((mode == PNG ? qr_write_png_stream(m, 4, out, &e) :
			    qr_write_svg_stream(m, out, &e)) != 0)
				goto fail;
			fclose(out);
			*bytes = size;
			free(buf);
			buf = NULL;
		}
		qr_free(m);
	}
	return n / (bench_now() - start);
fail:
	fprintf(stderr, "bench_qr: %s\n", e.message);
	return -1;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	size_t png = 0, svg = 0;
	double encode_rate, png_rate, svg_rate;

	if (n <= 0) {
		fprintf(stderr, "usage: bench_qr [ITERATIONS]\n");
		return 2;
	}
	if ((encode_rate = bench_run(ENCODE, n, NULL)) < 0 ||
	    (png_rate = bench_run(PNG, n, &png)) < 0 ||
	    (svg_rate = bench_run(SVG, n, &svg)) < 0)
		return 1;
	printf("qr encode (version 7-M, alphanumeric): %.0f /s\n", encode_rate);
	printf("qr encode + PNG 212x212 (%zu bytes): %.0f /s\n", png, png_rate);
	printf("qr encode + SVG (%zu bytes): %.0f /s\n", svg, svg_rate);
	return 0;
}
