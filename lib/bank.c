/* Bank files: what the readers share, and format detection (bank.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bank_private.h"
#include "date.h"
#include "money.h"
#include "utf8.h"

const char *
bank_format_name(enum bank_format format)
{
	switch (format) {
	case BANK_CAMT053: return "camt.053";
	case BANK_CAMT054: return "camt.054";
	case BANK_PAIN002: return "pain.002";
	case BANK_CFONB120: return "cfonb120";
	case BANK_CSV: return "csv";
	default: return "unknown";
	}
}

int
bank_amount(const char *text, int64_t *cents, struct error *e)
{
	struct error ignored;

	if (money_parse(text, cents, &ignored) != 0)
		return error_set(e, 400, "BAD_BANK_FILE", "\"%.40s\" is not an amount with at most two"
		    " decimals", text);
	if (*cents > INT64_C(4503599627370496))
		return error_set(e, 400, "BAD_BANK_FILE", "amount %.40s is too large", text);
	return 0;
}

int
bank_iso_day(const char *text, int32_t *day, struct error *e)
{
	char buf[11];
	struct error ignored;

	if (strlen(text) < 10)
		return error_set(e, 400, "BAD_BANK_FILE", "\"%.40s\" is not a date YYYY-MM-DD", text);
	memcpy(buf, text, 10);
	buf[10] = '\0';
	if ((text[10] != '\0' && text[10] != 'T') || date_parse(buf, day, &ignored) != 0)
		return error_set(e, 400, "BAD_BANK_FILE", "\"%.40s\" is not a date YYYY-MM-DD", text);
	return 0;
}

int
bank_copy_id(char *out, size_t size, const char *text, const char *name, struct error *e)
{
	size_t n = strlen(text);

	if (n >= size)
		return error_set(e, 400, "BAD_BANK_FILE", "%s \"%.40s\" is longer than %zu bytes", name, text,
		    size - 1);
	memcpy(out, text, n + 1);
	return 0;
}

void
bank_copy_text(char *out, size_t size, const char *text, bool append)
{
	size_t n = append ? strlen(out) : 0;
	const unsigned char *p = (const unsigned char *)text;

	if (!append)
		out[0] = '\0';
	if (append && n > 0 && n + 1 < size && *text != '\0')
		out[n++] = ' ';
	for (; *p != '\0' && n + 1 < size; p++) {
		unsigned char c = *p;
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = (char)c;
	}
	/* Cut short: never end inside a UTF-8 sequence (drop the last
	 * character when the next byte would have continued it). */
	if (*p != '\0' && (*p & 0xC0) == 0x80) {
		while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)out[n - 1] >= 0xC0)
			n--;
	}
	out[n] = '\0';
	if (!utf8_valid(out, n))
		out[0] = '\0'; /* the readers give UTF-8; anything else is not kept */
}

/* The first bytes of src (up to cap). */
static size_t
bank_head(const struct bank_source *src, char *buf, size_t cap, struct error *e)
{
	size_t n;

	if (src->path == NULL) {
		n = src->size < cap ? src->size : cap;
		memcpy(buf, src->data, n);
		return n;
	}
	FILE *f = fopen(src->path, "rb");
	if (f == NULL)
		return error_set(e, 404, "NO_FILE", "cannot read %s", src->path), (size_t)-1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

int
bank_detect(const struct bank_source *src, enum bank_format *format, struct error *e)
{
	char head[4096];
	size_t n = bank_head(src, head, sizeof(head) - 1, e);

	*format = BANK_UNKNOWN;
	if (n == (size_t)-1)
		return -1;
	head[n] = '\0';
	if (memchr(head, '\0', n) != NULL)
		return error_set(e, 400, "BAD_BANK_FILE", "not a bank file: it holds NUL bytes");
	if (strncmp(head, "passnum-bank-csv-v1;", 20) == 0) {
		*format = BANK_CSV;
		return 0;
	}
	if (n >= 120 && strncmp(head, "01", 2) == 0) {
		*format = BANK_CFONB120;
		return 0;
	}
	if (strstr(head, "<BkToCstmrStmt") != NULL || strstr(head, ":BkToCstmrStmt") != NULL)
		*format = BANK_CAMT053;
	else if (strstr(head, "BkToCstmrDbtCdtNtfctn") != NULL)
		*format = BANK_CAMT054;
	else if (strstr(head, "CstmrPmtStsRpt") != NULL)
		*format = BANK_PAIN002;
	if (*format != BANK_UNKNOWN)
		return 0;
	return error_set(e, 400, "BAD_BANK_FILE", "not a bank file passnum reads: camt.053, camt.054,"
	    " pain.002, CFONB 120 or passnum-bank-csv-v1");
}

int
bank_read(const struct bank_source *src, const struct bank_sink *sink,
    enum bank_format *format, struct error *e)
{
	if (bank_detect(src, format, e) != 0)
		return -1;
	switch (*format) {
	case BANK_CAMT053:
	case BANK_CAMT054:
		return bank_read_camt(src, sink, e);
	case BANK_PAIN002:
		return bank_read_pain002(src, sink, e);
	case BANK_CFONB120:
		return bank_read_cfonb(src, sink, e);
	case BANK_CSV:
		return bank_read_csv(src, sink, e);
	default:
		return error_set(e, 400, "BAD_BANK_FILE", "unknown bank file format");
	}
}

FILE *
bank_open(const struct bank_source *src, struct error *e)
{
	FILE *f;

	if (src->path != NULL)
		f = fopen(src->path, "rb");
	else if (src->size == 0)
		return error_set(e, 400, "BAD_BANK_FILE", "the file is empty"), NULL;
	else
		f = fmemopen((void *)src->data, src->size, "rb");
	if (f == NULL)
		error_set(e, 404, "NO_FILE", "cannot read %s", src->path != NULL ? src->path : "the input");
	return f;
}
