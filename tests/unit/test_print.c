/* Booklet PDFs (lib/print.c): page count (pdfinfo), every QR code read back
 * from a 200 dpi rendering (pdftoppm + zbarimg) equals exactly the tokens
 * written, and so does a 100 dpi one; each QR is a 1-bit image mask
 * without interpolation (pdfimages); the plain-French sentences are in the
 * text (pdftotext); refusals leave no file behind. Needs poppler-utils and
 * zbar-tools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cairo.h>
#include "print.h"

#define BOOKLETS 2
#define PER_BOOKLET 10
#define VOUCHERS (BOOKLETS * PER_BOOKLET)

static const char vector1[] =
    "PN1:3A0CQS.GML72TL6$ZA05F8JJ$SN000V50300$ET$10S8O1%AF5OHIBEFVE0PZTFDFC1HMHYI/W4AUU5FJX2IC6GGQC$JHH9T30Q6DJ9HH3:2BHJ$BQB/A33D45P RF*3U+DCT:FK 100";
static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

static const struct print_place places[] = {
	{ "Espace public num\u00e9rique de la m\u00e9diath\u00e8que", "Bobigny" },
	{ "France Services", "Pantin" },
	{ "Centre social Les Courtilli\u00e8res", "Pantin" },
};
static const struct print_campaign campaign = {
	places, 3, "Et d'autres lieux : demandez \u00e0 la structure."
};

static char tmpdir[] = "/tmp/passnum-test-print-XXXXXX";
static char tokens[VOUCHERS][145];

static int
setup(void **state)
{
	uint32_t seed = 12345;
	int i, j;

	(void)state;
	/* token 0 is the TOKEN.md vector 1; the others are distinct 144-char
	 * texts over the alphanumeric alphabet (including space) */
	memcpy(tokens[0], vector1, sizeof(vector1));
	for (i = 1; i < VOUCHERS; i++) {
		memcpy(tokens[i], "PN1:", 4);
		for (j = 4; j < 144; j++) {
			seed = seed * 1103515245u + 12345u;
			tokens[i][j] = alphabet[(seed >> 16) % 45];
		}
		tokens[i][144] = '\0';
	}
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs cmd and returns its whole stdout (malloc'd, NUL-terminated). */
static char *
run(const char *cmd)
{
	size_t len = 0, cap = 1 << 16, n;
	char *buf;
	FILE *p;

	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(buf = malloc(cap));
	while ((n = fread(buf + len, 1, cap - 1 - len, p)) > 0) {
		len += n;
		if (len == cap - 1)
			assert_non_null(buf = realloc(buf, cap *= 2));
	}
	buf[len] = '\0';
	assert_int_equal(pclose(p), 0);
	return buf;
}

static void
voucher_init(struct print_voucher *v, int i)
{
	memset(v, 0, sizeof(*v));
	v->booklet = (uint32_t)(i / PER_BOOKLET + 1);
	v->index = (unsigned)(i % PER_BOOKLET + 1);
	v->booklet_size = PER_BOOKLET;
	v->token = tokens[i];
	v->human_code = "000H4-8SM8N-B6EY4-9KANV-C";
	v->value_cents = 1000;
	v->last_day = "31 d\u00e9cembre 2027";
	v->funder_name = "D\u00e9partement de la Seine-Saint-Denis";
}

static void
write_pdf(const char *path)
{
	struct print_booklets *b;
	struct print_voucher v;
	struct error e = {0};
	int i;

	assert_non_null(b = print_booklet_open(path, &campaign, &e));
	for (i = 0; i < VOUCHERS; i++) {
		voucher_init(&v, i);
		assert_int_equal(print_booklet_add(b, &v, &e), 0);
	}
	assert_int_equal(print_booklet_close(b, &e), 0);
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Renders path at dpi (pdftoppm) and checks that zbarimg reads back every
 * token written, each once, and nothing else. */
static void
check_qr_codes(const char *path, int dpi)
{
	char cmd[600], *out, *line, *save, *read[VOUCHERS + 1];
	const char *written[VOUCHERS];
	int n = 0, i;

	/* zbarimg exits 4 when some image (here the covers) has no code */
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/page-*.png && "
	    "pdftoppm -r %d -png '%s' '%s/page' && "
	    "{ zbarimg --raw -q --nodbus '%s'/page-*.png 2>/dev/null; rc=$?; "
	    "test $rc -eq 0 -o $rc -eq 4; }", tmpdir, dpi, path, tmpdir, tmpdir);
	out = run(cmd);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_true(n < VOUCHERS);   /* no code read twice, no extra */
		read[n++] = line;
	}
	if (n != VOUCHERS)
		fail_msg("%d of %d QR codes read at %d dpi", n, VOUCHERS, dpi);
	for (i = 0; i < VOUCHERS; i++)
		written[i] = tokens[i];
	qsort(read, n, sizeof(read[0]), compare_strings);
	qsort(written, VOUCHERS, sizeof(written[0]), compare_strings);
	for (i = 0; i < VOUCHERS; i++)
		assert_string_equal(read[i], written[i]);
	free(out);
}

static void
test_pages_and_qr_codes(void **state)
{
	char path[256], cmd[600], *out;

	(void)state;
	snprintf(path, sizeof(path), "%s/booklets.pdf", tmpdir);
	write_pdf(path);

	snprintf(cmd, sizeof(cmd), "pdfinfo '%s' | sed -n 's/^Pages: *//p'", path);
	out = run(cmd);
	assert_int_equal(atoi(out), BOOKLETS * print_booklet_pages(PER_BOOKLET));
	assert_int_equal(atoi(out), 8);
	free(out);

	check_qr_codes(path, 200);
	check_qr_codes(path, 100);   /* 2.8 pixels per module: still crisp */
}

/* Each QR code is one 53 × 53 1-bit stencil image (quiet zone included)
 * that the reader must not interpolate (pdfimages -list: type stencil,
 * bpc 1, interp no), on a pass page, and there is no other image. */
static void
test_qr_images(void **state)
{
	char path[256], cmd[600], *out, *line, *save, type[32], interp[8];
	int n = 0, page, num, width, height, components, bpc, fields;

	(void)state;
	snprintf(path, sizeof(path), "%s/images.pdf", tmpdir);
	write_pdf(path);
	snprintf(cmd, sizeof(cmd), "pdfimages -list '%s' | tail -n +3", path);
	out = run(cmd);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		fields = sscanf(line, "%d %d %31s %d %d %*s %d %d %*s %7s",
		    &page, &num, type, &width, &height, &components, &bpc, interp);
		assert_int_equal(fields, 8);
		assert_string_equal(type, "stencil");
		assert_int_equal(width, 53);
		assert_int_equal(height, 53);
		assert_int_equal(components, 1);
		assert_int_equal(bpc, 1);
		assert_string_equal(interp, "no");
		assert_int_not_equal((page - 1) % print_booklet_pages(PER_BOOKLET), 0);
		n++;
	}
	assert_int_equal(n, VOUCHERS);
	free(out);
}

/* Replaces runs of white space (line breaks of wrapped text) by one space. */
static void
squeeze_spaces(char *s)
{
	char *w = s;
	int space = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\f') {
			space = 1;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = 0;
		*w++ = *s;
	}
	*w = '\0';
}

static void
test_text(void **state)
{
	static const char *const sentences[] = {
		"Pass num\u00e9rique",
		"Ce carnet est gratuit.",
		"Un pass paie un atelier pour apprendre l'ordinateur, le t\u00e9l\u00e9phone, internet.",
		"Donnez un pass au d\u00e9but de l'atelier.",
		"Vous n'avez rien \u00e0 payer en plus.",
		"O\u00f9 l'utiliser :",
		"Espace public num\u00e9rique de la m\u00e9diath\u00e8que, Bobigny",
		"Centre social Les Courtilli\u00e8res, Pantin",
		"Carnet n\u00b0 000001",
		"Carnet n\u00b0 000002",
		"Gardez ce talon. Si vous perdez le carnet, donnez ce num\u00e9ro \u00e0 la structure qui vous l'a donn\u00e9.",
		"10,00 \u20ac",
		"Valable jusqu'au 31 d\u00e9cembre 2027",
		"D\u00e9partement de la Seine-Saint-Denis",
		"000H4-8SM8N-B6EY4-9KANV-C",
		"Carnet n\u00b0 000001 \u2014 pass 3 sur 10",
		"Carnet n\u00b0 000002 \u2014 pass 10 sur 10",
		"Il contient 10 pass de 10,00 \u20ac.",
	};
	char path[256], cmd[600], *out;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/text.pdf", tmpdir);
	write_pdf(path);
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path);
	out = run(cmd);
	squeeze_spaces(out);
	for (i = 0; i < sizeof(sentences) / sizeof(sentences[0]); i++) {
		if (strstr(out, sentences[i]) == NULL)
			fail_msg("missing from the PDF text: %s", sentences[i]);
	}
	assert_null(strstr(out, "pass 11 sur 10"));
	free(out);
}

static void
test_refusals(void **state)
{
	struct print_booklets *b;
	struct print_voucher v;
	struct error e = {0};
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/refused.pdf", tmpdir);

	/* a booklet that does not start at pass 1 */
	assert_non_null(b = print_booklet_open(path, &campaign, &e));
	voucher_init(&v, 1);
	assert_int_equal(print_booklet_add(b, &v, &e), -1);
	assert_string_equal(e.code, "PRINT_ORDER");
	print_booklet_abort(b);
	assert_int_equal(access(path, F_OK), -1);

	/* a skipped pass, a lower-case token, then an incomplete booklet */
	assert_non_null(b = print_booklet_open(path, &campaign, &e));
	voucher_init(&v, 0);
	assert_int_equal(print_booklet_add(b, &v, &e), 0);
	voucher_init(&v, 2);
	assert_int_equal(print_booklet_add(b, &v, &e), -1);
	assert_string_equal(e.code, "PRINT_ORDER");
	voucher_init(&v, 1);
	v.token = "pn1:abc";
	assert_int_equal(print_booklet_add(b, &v, &e), -1);
	assert_string_equal(e.code, "QR_BAD_TEXT");
	voucher_init(&v, 1);
	v.funder_name = "bad \xff utf-8";
	assert_int_equal(print_booklet_add(b, &v, &e), -1);
	assert_string_equal(e.code, "PRINT_BAD_VOUCHER");
	voucher_init(&v, 1);
	assert_int_equal(print_booklet_add(b, &v, &e), 0);
	assert_int_equal(print_booklet_close(b, &e), -1);
	assert_string_equal(e.code, "PRINT_INCOMPLETE");
	assert_int_equal(access(path, F_OK), -1);

	/* nothing at all */
	assert_non_null(b = print_booklet_open(path, NULL, &e));
	assert_int_equal(print_booklet_close(b, &e), -1);
	assert_string_equal(e.code, "PRINT_INCOMPLETE");
	assert_int_equal(access(path, F_OK), -1);

	/* a directory that does not exist */
	snprintf(path, sizeof(path), "%s/missing/x.pdf", tmpdir);
	assert_null(print_booklet_open(path, &campaign, &e));
	assert_string_equal(e.code, "PRINT_WRITE");
}

static void
test_format_euros(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(print_format_euros(1000, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10,00 \u20ac");
	assert_int_equal(print_format_euros(5, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0,05 \u20ac");
	assert_int_equal(print_format_euros(125050, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1 250,50 \u20ac");
	assert_int_equal(print_format_euros(INT64_MAX, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "92 233 720 368 547 758,07 \u20ac");
	assert_int_equal(print_format_euros(-1, buf, sizeof(buf)), -1);
	assert_int_equal(print_format_euros(1000, buf, 8), -1);
	assert_int_equal(print_booklet_pages(10), 4);
	assert_int_equal(print_booklet_pages(4), 2);
	assert_int_equal(print_booklet_pages(5), 3);
}

/* fontconfig keeps its global configuration until FcFini, which cairo never
 * calls; that is not ours to free (read by LeakSanitizer under ASan). */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_and_qr_codes),
		cmocka_unit_test(test_qr_images),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_format_euros),
	};

	int failed;

	failed = cmocka_run_group_tests(tests, setup, teardown);
	cairo_debug_reset_static_data();   /* font caches, for LeakSanitizer */
	return failed;
}
