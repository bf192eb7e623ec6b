/* The documented CSV statement (docs/accounting.md, "The CSV statement"):
 * UTF-8, ";" separators, no quoting, LF or CR LF line ends, at most 1024
 * bytes a line.
 *   passnum-bank-csv-v1;IBAN;STATEMENT_ID;OPENING_DATE;OPENING;CLOSING_DATE;CLOSING
 *   booking_date;value_date;amount;bank_ref;end_to_end_id;pmt_inf_id;remittance;counterparty;code
 *   2027-05-03;2027-05-03;-1234.56;REF;PN-...;PI-...;text;name;
 * Amounts are signed euros with at most two decimals ("-12.50": a debit);
 * dates YYYY-MM-DD. One statement per file, identified by STATEMENT_ID, or
 * by the SHA-256 of the file when that is empty. */
#include <stdio.h>
#include <string.h>
#include "bank_private.h"
#include "utf8.h"

#define CSV_HEADER "booking_date;value_date;amount;bank_ref;end_to_end_id;pmt_inf_id;" \
	"remittance;counterparty;code"

/* Splits line at ';' into at most max fields; returns the count. */
static int
csv_split(char *line, char **fields, int max)
{
	int n = 0;

	fields[n++] = line;
	for (char *p = line; *p != '\0'; p++)
		if (*p == ';') {
			*p = '\0';
			if (n == max)
				return max + 1;
			fields[n++] = p + 1;
		}
	return n;
}

static int
csv_fail(int64_t lineno, struct error *e, const char *what)
{
	return error_set(e, 400, "BAD_BANK_FILE", "CSV line %lld: %s", (long long)lineno, what);
}

static int
csv_signed(const char *text, int64_t *cents, struct error *e)
{
	bool neg = text[0] == '-';

	if (bank_amount(text + (neg ? 1 : 0), cents, e) != 0)
		return -1;
	if (neg)
		*cents = -*cents;
	return 0;
}

int
bank_read_csv(const struct bank_source *src, const struct bank_sink *sink, struct error *e)
{
	struct bank_statement st = { .format = BANK_CSV };
	struct hash_sha256_state hash;
	char buf[BANK_LINE_MAX + 2], *f[10];
	int64_t lineno = 0;
	FILE *in = bank_open(src, e);
	int rc = 0;

	if (in == NULL)
		return -1;
	hash_sha256_init(&hash);
	snprintf(st.version, sizeof(st.version), "passnum-bank-csv-v1");
	while (rc == 0 && fgets(buf, sizeof(buf), in) != NULL) {
		size_t len = strlen(buf);
		lineno++;
		if (len > BANK_LINE_MAX || (len == BANK_LINE_MAX && buf[len - 1] != '\n')) {
			rc = csv_fail(lineno, e, "longer than 1024 bytes");
			break;
		}
		hash_sha256_update(&hash, buf, len);
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (memchr(buf, '\0', len) != NULL || strlen(buf) != len || !utf8_valid(buf, len)) {
			rc = csv_fail(lineno, e, "not UTF-8 text");
			break;
		}
		for (size_t i = 0; i < len && rc == 0; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				rc = csv_fail(lineno, e, "a control character");
		if (rc != 0)
			break;
		if (lineno == 1) {
			if (csv_split(buf, f, 7) != 7 || strcmp(f[0], "passnum-bank-csv-v1") != 0) {
				rc = csv_fail(lineno, e, "not \"passnum-bank-csv-v1;IBAN;STATEMENT_ID;OPENING_DATE;"
				    "OPENING;CLOSING_DATE;CLOSING\"");
				break;
			}
			if (strlen(f[1]) < 15 || strlen(f[1]) > 34 || strlen(f[2]) > BANK_REF_MAX) {
				rc = csv_fail(lineno, e, "an IBAN or statement id of the wrong length");
				break;
			}
			snprintf(st.iban, sizeof(st.iban), "%s", f[1]);
			snprintf(st.id, sizeof(st.id), "%s", f[2]);
			if (bank_iso_day(f[3], &st.opening_day, e) != 0 ||
			    csv_signed(f[4], &st.opening_cents, e) != 0 ||
			    bank_iso_day(f[5], &st.closing_day, e) != 0 ||
			    csv_signed(f[6], &st.closing_cents, e) != 0) {
				char why[200];
				snprintf(why, sizeof(why), "%.190s", e->message);
				rc = csv_fail(lineno, e, why);
				break;
			}
			st.has_balances = true;
			if (sink->begin != NULL && (rc = sink->begin(sink->ctx, &st, e)) != 0)
				break;
			continue;
		}
		if (lineno == 2) {
			if (strcmp(buf, CSV_HEADER) != 0)
				rc = csv_fail(lineno, e, "not the column header \"" CSV_HEADER "\"");
			continue;
		}
		if (len == 0)
			continue;
		struct bank_line l = { 0 };
		if (csv_split(buf, f, 9) != 9) {
			rc = csv_fail(lineno, e, "not 9 fields separated by ;");
			break;
		}
		if (bank_iso_day(f[0], &l.booking_day, e) != 0 || bank_iso_day(f[1], &l.value_day, e) != 0 ||
		    csv_signed(f[2], &l.amount_cents, e) != 0) {
			char why[200];
			snprintf(why, sizeof(why), "%.190s", e->message);
			rc = csv_fail(lineno, e, why);
			break;
		}
		if (l.amount_cents == 0) {
			rc = csv_fail(lineno, e, "an amount of zero");
			break;
		}
		if (strlen(f[3]) > BANK_REF_MAX || strlen(f[4]) > BANK_ID_MAX || strlen(f[5]) > BANK_ID_MAX ||
		    strlen(f[8]) > BANK_CODE_MAX) {
			rc = csv_fail(lineno, e, "a reference, id or code too long");
			break;
		}
		snprintf(l.bank_ref, sizeof(l.bank_ref), "%s", f[3]);
		snprintf(l.end_to_end_id, sizeof(l.end_to_end_id), "%s", f[4]);
		snprintf(l.pmt_inf_id, sizeof(l.pmt_inf_id), "%s", f[5]);
		bank_copy_text(l.remittance, sizeof(l.remittance), f[6], false);
		bank_copy_text(l.counterparty, sizeof(l.counterparty), f[7], false);
		snprintf(l.code, sizeof(l.code), "%s", f[8]);
		l.is_charges = strcmp(l.code, "charges") == 0;
		l.is_return = strcmp(l.code, "return") == 0;
		st.lines++;
		if (sink->line != NULL)
			rc = sink->line(sink->ctx, &st, &l, e);
	}
	if (rc == 0 && ferror(in))
		rc = error_set(e, 400, "BAD_BANK_FILE", "cannot read the CSV file");
	fclose(in);
	if (rc != 0)
		return -1;
	if (lineno < 2)
		return error_set(e, 400, "BAD_BANK_FILE", "the CSV file has no column header");
	hash_sha256_final(&hash, st.content_hash);
	return sink->end != NULL ? sink->end(sink->ctx, &st, e) : 0;
}
