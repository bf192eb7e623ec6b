/* CFONB 120 ("relevé de compte 120 caractères"): records of exactly 120
 * characters, each ended by CR LF, LF or nothing; 01 the old balance, 04 a
 * movement, 05 a complement of the 04 before it, 07 the new balance. An
 * amount is 14 characters whose last one also gives the sign ({ = +0, A..I
 * = +1..9, } = -0, J..R = -1..9); + is a credit. A 05 record qualified RCN
 * carries the EndToEndId, LIB more text. A 04 with a reject or return
 * reason code (41-42) is a return. A statement (01 .. 07) is
 * identified by the SHA-256 of its records. Any broken record refuses the
 * file, naming its number. */
#include <stdio.h>
#include <string.h>
#include "bank_private.h"
#include "date.h"

#define CFONB_RECORD 120

struct cfonb {
	const struct bank_sink *sink;
	struct bank_statement st;
	struct bank_line line;
	bool in_stmt, have_line;
	char rib[22];           /* bank guichet account of the open statement */
	int decimals;
	struct hash_sha256_state hash;
	int64_t record;         /* the record's number, from 1 */
};

/* Copies field [from, from+len) (1-based) of rec into out, trimmed. */
static void
cfonb_field(const char *rec, int from, int len, char *out, size_t size)
{
	int a = from - 1, b = from - 1 + len;

	while (a < b && rec[a] == ' ')
		a++;
	while (b > a && rec[b - 1] == ' ')
		b--;
	snprintf(out, size, "%.*s", b - a, rec + a);
}

static int
cfonb_fail(struct cfonb *c, struct error *e, const char *what)
{
	return error_set(e, 400, "BAD_BANK_FILE", "CFONB record %lld: %s", (long long)c->record, what);
}

/* JJMMAA at [from] (1-based) to a day. */
static int
cfonb_date(struct cfonb *c, const char *rec, int from, int32_t *day, struct error *e)
{
	int d, m, y;

	if (date_digits(rec + from - 1, 2, &d) != 0 || date_digits(rec + from + 1, 2, &m) != 0 ||
	    date_digits(rec + from + 3, 2, &y) != 0 || date_from_ymd(2000 + y, m, d, day) != 0)
		return cfonb_fail(c, e, "a date that is not JJMMAA");
	return 0;
}

/* The signed amount at 91-104 with the record's number of decimals. */
static int
cfonb_amount(struct cfonb *c, const char *rec, int decimals, int64_t *cents, struct error *e)
{
	const char *p = rec + 90;
	int64_t v = 0;
	int sign = 1, last;
	char s = p[13];

	for (int i = 0; i < 13; i++) {
		if (p[i] < '0' || p[i] > '9')
			return cfonb_fail(c, e, "an amount that is not 13 digits and a signed digit");
		v = v * 10 + (p[i] - '0');
	}
	if (s == '{')
		last = 0;
	else if (s >= 'A' && s <= 'I')
		last = s - 'A' + 1;
	else if (s == '}')
		last = 0, sign = -1;
	else if (s >= 'J' && s <= 'R')
		last = s - 'J' + 1, sign = -1;
	else
		return cfonb_fail(c, e, "an amount whose last character is not a signed digit"
		    " ({, A-I, }, J-R)");
	v = v * 10 + last;
	for (int d = decimals; d < 2; d++)
		v *= 10;
	if (v > INT64_C(4503599627370496))
		return cfonb_fail(c, e, "an amount too large");
	*cents = sign * v;
	return 0;
}

static int
cfonb_flush(struct cfonb *c, struct error *e)
{
	if (!c->have_line)
		return 0;
	c->have_line = false;
	if (c->line.amount_cents == 0)
		return 0;
	c->st.lines++;
	return c->sink->line != NULL ? c->sink->line(c->sink->ctx, &c->st, &c->line, e) : 0;
}

static int
cfonb_record(struct cfonb *c, const char *rec, struct error *e)
{
	char code[3], rib[22], ccy[4], buf[80];
	int64_t cents;

	for (int i = 0; i < CFONB_RECORD; i++)
		if ((unsigned char)rec[i] < 0x20 || (unsigned char)rec[i] > 0x7e)
			return cfonb_fail(c, e, "a character that is not printable ASCII");
	memcpy(code, rec, 2);
	code[2] = '\0';
	snprintf(rib, sizeof(rib), "%.5s%.5s%.11s", rec + 2, rec + 11, rec + 21);
	cfonb_field(rec, 17, 3, ccy, sizeof(ccy));
	if (strcmp(code, "01") != 0 && strcmp(code, "04") != 0 && strcmp(code, "05") != 0 &&
	    strcmp(code, "07") != 0)
		return cfonb_fail(c, e, "an unknown record code (01, 04, 05 or 07)");
	if (strcmp(code, "01") == 0) {
		if (c->in_stmt)
			return cfonb_fail(c, e, "an old balance (01) inside a statement");
		memset(&c->st, 0, sizeof(c->st));
		c->st.format = BANK_CFONB120;
		snprintf(c->st.version, sizeof(c->st.version), "cfonb120");
		snprintf(c->st.iban, sizeof(c->st.iban), "RIB:%s", rib);
		snprintf(c->rib, sizeof(c->rib), "%s", rib);
		if (rec[19] < '0' || rec[19] > '2')
			return cfonb_fail(c, e, "a number of decimals other than 0, 1 or 2");
		c->decimals = rec[19] - '0';
		if (strcmp(ccy, "EUR") != 0)
			return cfonb_fail(c, e, "a currency other than EUR");
		if (cfonb_date(c, rec, 35, &c->st.opening_day, e) != 0 ||
		    cfonb_amount(c, rec, c->decimals, &c->st.opening_cents, e) != 0)
			return -1;
		c->st.has_balances = true;
		c->in_stmt = true;
		hash_sha256_init(&c->hash);
		hash_sha256_update(&c->hash, rec, CFONB_RECORD);
		return c->sink->begin != NULL ? c->sink->begin(c->sink->ctx, &c->st, e) : 0;
	}
	if (!c->in_stmt)
		return cfonb_fail(c, e, "a record outside a statement (before its 01)");
	if (strcmp(rib, c->rib) != 0)
		return cfonb_fail(c, e, "a record of another account than its statement's 01");
	hash_sha256_update(&c->hash, rec, CFONB_RECORD);
	if (strcmp(code, "04") == 0) {
		if (cfonb_flush(c, e) != 0)
			return -1;
		memset(&c->line, 0, sizeof(c->line));
		if (rec[19] < '0' || rec[19] > '2')
			return cfonb_fail(c, e, "a number of decimals other than 0, 1 or 2");
		if (cfonb_date(c, rec, 35, &c->line.booking_day, e) != 0 ||
		    cfonb_date(c, rec, 43, &c->line.value_day, e) != 0 ||
		    cfonb_amount(c, rec, rec[19] - '0', &cents, e) != 0)
			return -1;
		c->line.amount_cents = cents;
		cfonb_field(rec, 49, 31, buf, sizeof(buf));
		bank_copy_text(c->line.remittance, sizeof(c->line.remittance), buf, false);
		cfonb_field(rec, 105, 16, buf, sizeof(buf));
		snprintf(c->line.bank_ref, sizeof(c->line.bank_ref), "%.16s", buf);
		char op[8];
		cfonb_field(rec, 33, 2, op, sizeof(op));
		snprintf(c->line.code, sizeof(c->line.code), "%s", op);
		/* 41-42: the interbank reject or return reason code (the CFONB's
		 * "liste interbancaire des codes motifs de rejet/retour"); blank
		 * or 00 on an ordinary movement. */
		char why[3];
		cfonb_field(rec, 41, 2, why, sizeof(why));
		if (why[0] != '\0' && strcmp(why, "00") != 0) {
			c->line.is_return = true;
			snprintf(c->line.return_reason, sizeof(c->line.return_reason), "CFONB %s", why);
		}
		c->have_line = true;
		return 0;
	}
	if (strcmp(code, "05") == 0) {
		char qual[4];
		if (!c->have_line)
			return cfonb_fail(c, e, "a complement (05) without its movement (04)");
		cfonb_field(rec, 46, 3, qual, sizeof(qual));
		cfonb_field(rec, 49, 70, buf, sizeof(buf));
		if (strcmp(qual, "RCN") == 0)
			snprintf(c->line.end_to_end_id, sizeof(c->line.end_to_end_id), "%.35s", buf);
		else if (strcmp(qual, "NPY") == 0 || strcmp(qual, "NBE") == 0)
			bank_copy_text(c->line.counterparty, sizeof(c->line.counterparty), buf, false);
		else
			bank_copy_text(c->line.remittance, sizeof(c->line.remittance), buf, true);
		return 0;
	}
	/* 07: the new balance closes the statement. */
	if (cfonb_flush(c, e) != 0 || cfonb_date(c, rec, 35, &c->st.closing_day, e) != 0 ||
	    cfonb_amount(c, rec, c->decimals, &c->st.closing_cents, e) != 0)
		return -1;
	c->in_stmt = false;
	hash_sha256_final(&c->hash, c->st.content_hash);
	return c->sink->end != NULL ? c->sink->end(c->sink->ctx, &c->st, e) : 0;
}

int
bank_read_cfonb(const struct bank_source *src, const struct bank_sink *sink, struct error *e)
{
	struct cfonb c = { .sink = sink };
	char rec[CFONB_RECORD + 1];
	FILE *f = bank_open(src, e);
	int ch, n = 0, rc = 0;

	if (f == NULL)
		return -1;
	while (rc == 0 && (ch = getc(f)) != EOF) {
		if (ch == '\r' || ch == '\n') {
			if (n != 0) {
				c.record++;
				rc = error_set(e, 400, "BAD_BANK_FILE", "CFONB record %lld is %d characters"
				    " long, not 120", (long long)c.record, n);
			}
			continue;
		}
		rec[n++] = (char)ch;
		if (n == CFONB_RECORD) {
			rec[n] = '\0';
			c.record++;
			rc = cfonb_record(&c, rec, e);
			n = 0;
		}
	}
	fclose(f);
	if (rc != 0)
		return -1;
	if (n != 0)
		return error_set(e, 400, "BAD_BANK_FILE", "CFONB record %lld is %d characters long,"
		    " not 120", (long long)c.record + 1, n);
	if (c.in_stmt)
		return error_set(e, 400, "BAD_BANK_FILE", "the CFONB file ends inside a statement (no"
		    " new balance 07)");
	if (c.record == 0)
		return error_set(e, 400, "BAD_BANK_FILE", "the CFONB file holds no record");
	return 0;
}
