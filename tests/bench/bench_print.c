/* Booklet PDF throughput: N vouchers in booklets of 10 (default 10000).
 * Prints seconds, vouchers per second, PDF bytes per voucher and peak RSS.
 * Usage: bench_print [VOUCHERS [OUTPUT.pdf]] (default /tmp/bench_print.pdf,
 * removed at the end unless given). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "print.h"

static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fills token with a distinct 144-char alphanumeric text for voucher i. */
static void
bench_token(char token[145], long i)
{
	uint32_t seed = (uint32_t)i * 2654435761u + 1;
	int j;

	memcpy(token, "PN1:", 4);
	for (j = 4; j < 144; j++) {
		seed = seed * 1103515245u + 12345u;
		token[j] = alphabet[(seed >> 16) % 45];
	}
	token[144] = '\0';
}

int
main(int argc, char **argv)
{
	static const struct print_place places[] = {
		{ "Espace public num\u00e9rique de la m\u00e9diath\u00e8que", "Bobigny" },
		{ "France Services", "Pantin" },
		{ "Centre social Les Courtilli\u00e8res", "Pantin" },
	};
	const struct print_campaign campaign = { places, 3, NULL };
	long n = argc > 1 ? atol(argv[1]) : 10000, i;
	const char *path = argc > 2 ? argv[2] : "/tmp/bench_print.pdf";
	struct print_booklets *b;
	struct print_voucher v;
	struct error e = {0};
	struct rusage usage;
	struct stat st;
	char token[145];
	double start, seconds;

	if (n <= 0 || n % 10 != 0) {
		fprintf(stderr, "usage: bench_print [VOUCHERS (multiple of 10) [OUT.pdf]]\n");
		return 2;
	}
	start = bench_now();
	if ((b = print_booklet_open(path, &campaign, &e)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		bench_token(token, i);
		v = (struct print_voucher){
			.booklet = (uint32_t)(i / 10 + 1), .index = (unsigned)(i % 10 + 1),
			.booklet_size = 10, .token = token,
			.human_code = "000H4-8SM8N-B6EY4-9KANV-C", .value_cents = 1000,
			.last_day = "31 d\u00e9cembre 2027",
			.funder_name = "D\u00e9partement de la Seine-Saint-Denis",
		};
		if (print_booklet_add(b, &v, &e) != 0) {
			print_booklet_abort(b);
			goto fail;
		}
	}
	if (print_booklet_close(b, &e) != 0)
		goto fail;
	seconds = bench_now() - start;
	if (stat(path, &st) != 0 || getrusage(RUSAGE_SELF, &usage) != 0) {
		perror(path);
		return 1;
	}
	printf("print: %ld vouchers (%ld booklets, %ld pages) in %.2f s: %.0f vouchers/s\n",
	    n, n / 10, n / 10 * print_booklet_pages(10), seconds, n / seconds);
	printf("print: %lld bytes, %.0f bytes per voucher\n",
	    (long long)st.st_size, (double)st.st_size / n);
	printf("print: peak RSS %ld KiB\n", usage.ru_maxrss);
	if (argc <= 2)
		unlink(path);
	return 0;
fail:
	fprintf(stderr, "bench_print: %s\n", e.message);
	return 1;
}
