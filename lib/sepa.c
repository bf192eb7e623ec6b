#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libxml/xmlwriter.h>
#include "clock.h"
#include "date.h"
#include "money.h"
#include "sepa.h"

static const char *const sepa_names[] = {
	[SEPA_PAIN_001_001_09] = "pain.001.001.09",
	[SEPA_PAIN_001_001_03] = "pain.001.001.03",
	[SEPA_PAYMENT_LIST] = "payment-list",
};

int
sepa_format_parse(const char *text, enum sepa_format *format, struct error *e)
{
	for (size_t i = 0; i < sizeof(sepa_names) / sizeof(sepa_names[0]); i++)
		if (strcmp(text, sepa_names[i]) == 0) {
			*format = (enum sepa_format)i;
			return 0;
		}
	return error_set(e, 400, "BAD_FORMAT", "unknown format \"%s\": pain.001.001.09,"
	    " pain.001.001.03 or payment-list", text);
}

const char *
sepa_format_name(enum sepa_format format)
{
	return sepa_names[format];
}

/* A writer and whether any of its calls failed (later calls then do
 * nothing), so that an element reads as one line. */
struct sepa_xml {
	xmlTextWriterPtr w;
	int failed;
	enum sepa_format format;
};

static void
sepa_open(struct sepa_xml *x, const char *name)
{
	if (!x->failed && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
		x->failed = 1;
}

static void
sepa_close(struct sepa_xml *x)
{
	if (!x->failed && xmlTextWriterEndElement(x->w) < 0)
		x->failed = 1;
}

/* <name>text</name> (text escaped by the writer). */
static void
sepa_text(struct sepa_xml *x, const char *name, const char *text)
{
	if (!x->failed && xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text) < 0)
		x->failed = 1;
}

static void
sepa_amount(struct sepa_xml *x, const char *name, int64_t cents, int currency)
{
	char amount[MONEY_FORMAT_SIZE];

	money_format(cents, amount, sizeof(amount));
	sepa_open(x, name);
	if (currency && !x->failed &&
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "Ccy", BAD_CAST "EUR") < 0)
		x->failed = 1;
	if (!x->failed && xmlTextWriterWriteString(x->w, BAD_CAST amount) < 0)
		x->failed = 1;
	sepa_close(x);
}

/* <Nm>name</Nm> inside element. */
static void
sepa_party(struct sepa_xml *x, const char *element, const char *name)
{
	sepa_open(x, element);
	sepa_text(x, "Nm", name);
	sepa_close(x);
}

/* <element><Id><IBAN>iban</IBAN></Id></element> */
static void
sepa_account(struct sepa_xml *x, const char *element, const char *iban)
{
	sepa_open(x, element);
	sepa_open(x, "Id");
	sepa_text(x, "IBAN", iban);
	sepa_close(x);
	sepa_close(x);
}

/* The debtor's bank: its BIC (BICFI in .09, BIC in .03), or NOTPROVIDED
 * when the operator recorded none (the EPC rulebook makes it optional). */
static void
sepa_debtor_agent(struct sepa_xml *x, const char *bic)
{
	sepa_open(x, "DbtrAgt");
	sepa_open(x, "FinInstnId");
	if (bic[0] != '\0')
		sepa_text(x, x->format == SEPA_PAIN_001_001_09 ? "BICFI" : "BIC", bic);
	else {
		sepa_open(x, "Othr");
		sepa_text(x, "Id", "NOTPROVIDED");
		sepa_close(x);
	}
	sepa_close(x);
	sepa_close(x);
}

static void
sepa_group_header(struct sepa_xml *x, const struct settlement *s)
{
	char created[CLOCK_INSTANT_SIZE], count[24];

	clock_instant_format(s->created_at, created);
	snprintf(count, sizeof(count), "%lld", (long long)s->count);
	sepa_open(x, "GrpHdr");
	sepa_text(x, "MsgId", s->msg_id);
	sepa_text(x, "CreDtTm", created);
	sepa_text(x, "NbOfTxs", count);
	sepa_amount(x, "CtrlSum", s->total_cents, 0);
	sepa_party(x, "InitgPty", s->debtor_name);
	sepa_close(x);
}

static void
sepa_transaction(struct sepa_xml *x, const struct settlement_payout *p)
{
	sepa_open(x, "CdtTrfTxInf");
	sepa_open(x, "PmtId");
	sepa_text(x, "EndToEndId", p->end_to_end_id);
	sepa_close(x);
	sepa_open(x, "Amt");
	sepa_amount(x, "InstdAmt", p->amount_cents, 1);
	sepa_close(x);
	sepa_party(x, "Cdtr", p->creditor);
	sepa_account(x, "CdtrAcct", p->iban);
	sepa_open(x, "RmtInf");
	sepa_text(x, "Ustrd", p->remittance);
	sepa_close(x);
	sepa_close(x);
}

static void
sepa_payment_info(struct sepa_xml *x, const struct settlement *s)
{
	char day[DATE_FORMAT_SIZE], count[24];

	date_format(s->execution_day, day);
	snprintf(count, sizeof(count), "%lld", (long long)s->count);
	sepa_open(x, "PmtInf");
	sepa_text(x, "PmtInfId", s->pmt_inf_id);
	sepa_text(x, "PmtMtd", "TRF");
	sepa_text(x, "BtchBookg", "true");
	sepa_text(x, "NbOfTxs", count);
	sepa_amount(x, "CtrlSum", s->total_cents, 0);
	sepa_open(x, "PmtTpInf");
	sepa_open(x, "SvcLvl");
	sepa_text(x, "Cd", "SEPA");
	sepa_close(x);
	sepa_close(x);
	if (x->format == SEPA_PAIN_001_001_09) {
		sepa_open(x, "ReqdExctnDt");
		sepa_text(x, "Dt", day);
		sepa_close(x);
	} else
		sepa_text(x, "ReqdExctnDt", day);
	sepa_party(x, "Dbtr", s->debtor_name);
	sepa_account(x, "DbtrAcct", s->debtor.iban);
	sepa_debtor_agent(x, s->debtor.bic);
	sepa_text(x, "ChrgBr", "SLEV");
	for (size_t i = 0; i < s->payout_count; i++)
		sepa_transaction(x, &s->payouts[i]);
	sepa_close(x);
}

/* Writes the pain.001 document of s to path. */
static int
sepa_write_xml(const struct settlement *s, enum sepa_format format, const char *path,
    struct error *e)
{
	char ns[80];
	struct sepa_xml x = { xmlNewTextWriterFilename(path, 0), 0, format };

	if (x.w == NULL)
		return error_set(e, 500, "WRITE_FAILED", "cannot write %s", path);
	snprintf(ns, sizeof(ns), "urn:iso:std:iso:20022:tech:xsd:%s", sepa_format_name(format));
	xmlTextWriterSetIndent(x.w, 1);
	xmlTextWriterSetIndentString(x.w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(x.w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(x.w, NULL, BAD_CAST "Document", BAD_CAST ns) < 0)
		x.failed = 1;
	sepa_open(&x, "CstmrCdtTrfInitn");
	sepa_group_header(&x, s);
	sepa_payment_info(&x, s);
	sepa_close(&x);
	sepa_close(&x);
	if (!x.failed && xmlTextWriterEndDocument(x.w) < 0)
		x.failed = 1;
	xmlFreeTextWriter(x.w); /* flushes and closes the file */
	return x.failed ? error_set(e, 500, "WRITE_FAILED", "cannot write %s", path) : 0;
}

/* Writes one CSV field: quoted (RFC 4180) when it holds the separator, a
 * quote or a line break. */
static void
sepa_csv_field(FILE *f, const char *text, int last)
{
	if (strpbrk(text, ";\"\r\n") != NULL) {
		fputc('"', f);
		for (const char *p = text; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else
		fputs(text, f);
	fputs(last ? "\r\n" : ";", f);
}

/* The payment list: a header, then one line per payout; ';' separated,
 * UTF-8, amounts with a decimal comma (as French spreadsheets read them). */
static int
sepa_write_list(const struct settlement *s, const char *path, struct error *e)
{
	FILE *f = fopen(path, "w");
	char amount[MONEY_FORMAT_SIZE], *dot, passes[24];

	if (f == NULL)
		return error_set(e, 500, "WRITE_FAILED", "cannot write %s", path);
	fputs("montant;nom_legal;siret;iban;releve;periode;pass;reference_virement\r\n", f);
	for (size_t i = 0; i < s->payout_count; i++) {
		const struct settlement_payout *p = &s->payouts[i];
		money_format(p->amount_cents, amount, sizeof(amount));
		if ((dot = strchr(amount, '.')) != NULL)
			*dot = ',';
		snprintf(passes, sizeof(passes), "%lld", (long long)p->passes);
		sepa_csv_field(f, amount, 0);
		sepa_csv_field(f, p->name, 0);
		sepa_csv_field(f, p->siret, 0);
		sepa_csv_field(f, p->iban, 0);
		sepa_csv_field(f, p->statement, 0);
		sepa_csv_field(f, s->period, 0);
		sepa_csv_field(f, passes, 0);
		sepa_csv_field(f, p->end_to_end_id, 1);
	}
	if (ferror(f) | (fclose(f) != 0))
		return error_set(e, 500, "WRITE_FAILED", "cannot write %s", path);
	return 0;
}

int
sepa_write(const struct settlement *s, enum sepa_format format, const char *path,
    struct error *e)
{
	char tmp[4200];
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return error_set(e, 400, "BAD_PATH", "the path is too long");
	rc = format == SEPA_PAYMENT_LIST ? sepa_write_list(s, tmp, e) :
	    sepa_write_xml(s, format, tmp, e);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = error_set(e, 500, "WRITE_FAILED", "cannot rename %s to %s", tmp, path);
	if (rc != 0)
		unlink(tmp);
	return rc;
}
