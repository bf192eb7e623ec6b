/* camt.053 (statements, .001.02 and .001.08) and camt.054 (debit/credit
 * notifications) through the streaming walk of bank_xml.c. A statement is
 * Stmt (camt.054: Ntfctn); a line is a booked Ntry (Sts BOOK; .001.02 has
 * Sts as text, .001.08 as Sts/Cd). In camt.054 each TxDtls is a line of
 * its own (a notification details a movement; it is never posted).
 * Amounts: CdtDbtInd CRDT is +, DBIT -, and a reversal (RvslInd true)
 * turns the sign over. */
#include <stdio.h>
#include <string.h>
#include "bank_private.h"

struct camt {
	const struct bank_sink *sink;
	enum bank_format format;
	struct bank_statement st;
	bool in_stmt, begun;
	/* The balance being read. */
	char bal_type[8], bal_sign[8];
	int64_t bal_cents;
	int32_t bal_day;
	bool bal_amount;
	/* The entry being read. */
	struct bank_line line;
	char sign[8], sts[8], domn[8], fmly[8], subfmly[8], prtry[BANK_CODE_MAX + 1];
	bool have_amount, reversal, details;
	int64_t tx_cents;       /* camt.054: the TxDtls amount */
	bool tx_amount;
	struct bank_line tx;    /* camt.054: the TxDtls being read */
	char tx_sign[8];
};

static int
camt_begin(struct camt *c, struct error *e)
{
	if (c->begun)
		return 0;
	if (c->st.iban[0] == '\0')
		return error_set(e, 400, "BAD_BANK_FILE", "a %s statement without an account IBAN",
		    bank_format_name(c->format));
	c->begun = true;
	return c->sink->begin != NULL ? c->sink->begin(c->sink->ctx, &c->st, e) : 0;
}

static int
camt_open(struct bank_xml *x, void *ctx, struct error *e)
{
	struct camt *c = ctx;
	const char *name = x->names[x->depth - 1];

	if (x->depth == 1 && strcmp(name, "Document") != 0)
		return error_set(e, 400, "BAD_BANK_FILE", "the root element is %s, not Document", name);
	if (x->depth == 2) {
		c->format = strcmp(name, "BkToCstmrStmt") == 0 ? BANK_CAMT053 :
		    strcmp(name, "BkToCstmrDbtCdtNtfctn") == 0 ? BANK_CAMT054 : BANK_UNKNOWN;
		if (c->format == BANK_UNKNOWN)
			return error_set(e, 400, "BAD_BANK_FILE", "%s is not a camt.053 or camt.054"
			    " message", name);
	}
	if (x->depth == 3 && (strcmp(name, "Stmt") == 0 || strcmp(name, "Ntfctn") == 0)) {
		memset(&c->st, 0, sizeof(c->st));
		c->st.format = c->format;
		bank_xml_version(x, c->st.version, sizeof(c->st.version));
		if (strncmp(c->st.version, bank_format_name(c->format), 8) != 0)
			snprintf(c->st.version, sizeof(c->st.version), "%s", bank_format_name(c->format));
		c->in_stmt = true;
		c->begun = false;
	}
	if (!c->in_stmt)
		return 0;
	if (x->depth == 4 && strcmp(name, "Bal") == 0) {
		c->bal_type[0] = c->bal_sign[0] = '\0';
		c->bal_amount = false;
		c->bal_day = 0;
	}
	if (x->depth == 4 && strcmp(name, "Ntry") == 0) {
		if (camt_begin(c, e) != 0)
			return -1;
		memset(&c->line, 0, sizeof(c->line));
		c->sign[0] = c->sts[0] = c->domn[0] = c->fmly[0] = c->subfmly[0] = c->prtry[0] = '\0';
		c->have_amount = c->reversal = c->details = false;
	}
	if (strcmp(name, "TxDtls") == 0 && bank_xml_in(x, "Ntry")) {
		c->tx = c->line;
		c->tx.end_to_end_id[0] = c->tx.remittance[0] = c->tx.return_reason[0] = '\0';
		c->tx.is_return = false; /* a return is each detail's own (its RtrInf) */
		c->tx_amount = false;
		c->tx_sign[0] = '\0';
	}
	if (strcmp(name, "Amt") == 0 && x->attr_ccy[0] != '\0' && strcmp(x->attr_ccy, "EUR") != 0)
		return error_set(e, 400, "BAD_BANK_FILE", "an amount in %s: passnum reads statements"
		    " in EUR only", x->attr_ccy);
	return 0;
}

static int
camt_text(struct bank_xml *x, const char *text, void *ctx, struct error *e)
{
	struct camt *c = ctx;
	const char *leaf = x->names[x->depth - 1];

	if (!c->in_stmt)
		return 0;
	if (x->depth == 4 && strcmp(leaf, "Id") == 0)
		return bank_copy_id(c->st.id, sizeof(c->st.id), text, leaf, e);
	if (x->depth == 4 && strcmp(leaf, "ElctrncSeqNb") == 0)
		return bank_copy_id(c->st.seq, sizeof(c->st.seq), text, leaf, e);
	if (x->depth == 6 && bank_xml_at(x, 3, "Acct", "Id", "IBAN"))
		return bank_copy_id(c->st.iban, sizeof(c->st.iban), text, leaf, e);
	if (bank_xml_in(x, "Bal") && x->depth >= 5) {
		if (strcmp(leaf, "Cd") == 0 && bank_xml_in(x, "Tp"))
			return bank_copy_id(c->bal_type, sizeof(c->bal_type), text, leaf, e);
		else if (strcmp(leaf, "Amt") == 0 && x->depth == 5) {
			if (bank_amount(text, &c->bal_cents, e) != 0)
				return -1;
			c->bal_amount = true;
		} else if (strcmp(leaf, "CdtDbtInd") == 0)
			return bank_copy_id(c->bal_sign, sizeof(c->bal_sign), text, leaf, e);
		else if ((strcmp(leaf, "Dt") == 0 || strcmp(leaf, "DtTm") == 0) && bank_xml_at(x, 2, "Dt",
		    leaf) && bank_iso_day(text, &c->bal_day, e) != 0)
			return -1;
		return 0;
	}
	if (!bank_xml_in(x, "Ntry"))
		return 0;
	bool in_tx = bank_xml_in(x, "TxDtls");
	struct bank_line *l = c->format == BANK_CAMT054 && in_tx ? &c->tx : &c->line;
	if (x->depth == 5 && strcmp(leaf, "Amt") == 0) {
		if (bank_amount(text, &c->line.amount_cents, e) != 0)
			return -1;
		c->have_amount = true;
	} else if (x->depth == 5 && strcmp(leaf, "CdtDbtInd") == 0)
		return bank_copy_id(c->sign, sizeof(c->sign), text, leaf, e);
	else if (x->depth == 5 && strcmp(leaf, "RvslInd") == 0)
		c->reversal = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
	else if ((x->depth == 5 && strcmp(leaf, "Sts") == 0) || bank_xml_at(x, 3, "Ntry", "Sts", "Cd"))
		return bank_copy_id(c->sts, sizeof(c->sts), text, leaf, e);
	else if (bank_xml_at(x, 3, "Ntry", "BookgDt", "Dt") || bank_xml_at(x, 3, "Ntry", "BookgDt", "DtTm")) {
		if (bank_iso_day(text, &c->line.booking_day, e) != 0)
			return -1;
	} else if (bank_xml_at(x, 3, "Ntry", "ValDt", "Dt") || bank_xml_at(x, 3, "Ntry", "ValDt", "DtTm")) {
		if (bank_iso_day(text, &c->line.value_day, e) != 0)
			return -1;
	} else if (x->depth == 5 && strcmp(leaf, "AcctSvcrRef") == 0)
		return bank_copy_id(c->line.bank_ref, sizeof(c->line.bank_ref), text, leaf, e);
	else if (x->depth == 5 && strcmp(leaf, "AddtlNtryInf") == 0)
		bank_copy_text(c->line.remittance, sizeof(c->line.remittance), text, true);
	else if (bank_xml_in(x, "BkTxCd") && !in_tx) {
		if (bank_xml_at(x, 2, "Domn", "Cd"))
			return bank_copy_id(c->domn, sizeof(c->domn), text, leaf, e);
		else if (bank_xml_at(x, 2, "Fmly", "Cd"))
			return bank_copy_id(c->fmly, sizeof(c->fmly), text, leaf, e);
		else if (strcmp(leaf, "SubFmlyCd") == 0)
			return bank_copy_id(c->subfmly, sizeof(c->subfmly), text, leaf, e);
		else if (bank_xml_at(x, 2, "Prtry", "Cd"))
			return bank_copy_id(c->prtry, sizeof(c->prtry), text, leaf, e);
	} else if (bank_xml_at(x, 2, "Btch", "PmtInfId"))
		return bank_copy_id(c->line.pmt_inf_id, sizeof(c->line.pmt_inf_id), text, leaf, e);
	else if (bank_xml_at(x, 2, "Refs", "EndToEndId")) {
		if (l->end_to_end_id[0] == '\0' && strcmp(text, "NOTPROVIDED") != 0)
			return bank_copy_id(l->end_to_end_id, sizeof(l->end_to_end_id), text, leaf, e);
	} else if (bank_xml_at(x, 2, "Refs", "PmtInfId")) {
		if (l->pmt_inf_id[0] == '\0')
			return bank_copy_id(l->pmt_inf_id, sizeof(l->pmt_inf_id), text, leaf, e);
	} else if (bank_xml_at(x, 2, "Refs", "MsgId"))
		return bank_copy_id(l->msg_id, sizeof(l->msg_id), text, leaf, e);
	else if (bank_xml_at(x, 2, "RmtInf", "Ustrd") || (bank_xml_in(x, "Strd") && strcmp(leaf, "Ref") == 0))
		bank_copy_text(l->remittance, sizeof(l->remittance), text, true);
	else if (strcmp(leaf, "Nm") == 0 && bank_xml_in(x, "RltdPties") && l->counterparty[0] == '\0')
		bank_copy_text(l->counterparty, sizeof(l->counterparty), text, false);
	else if (bank_xml_at(x, 3, "RtrInf", "Rsn", "Cd")) {
		l->is_return = c->line.is_return = true;
		return bank_copy_id(l->return_reason, sizeof(l->return_reason), text, leaf, e);
	} else if (c->format == BANK_CAMT054 && in_tx && strcmp(leaf, "Amt") == 0 &&
	    (bank_xml_at(x, 2, "TxDtls", "Amt") || bank_xml_at(x, 3, "AmtDtls", "TxAmt", "Amt"))) {
		if (bank_amount(text, &c->tx_cents, e) != 0)
			return -1;
		c->tx_amount = true;
	} else if (c->format == BANK_CAMT054 && bank_xml_at(x, 2, "TxDtls", "CdtDbtInd"))
		return bank_copy_id(c->tx_sign, sizeof(c->tx_sign), text, leaf, e);
	return 0;
}

/* The signed amount of cents by indicator sign ("CRDT", "DBIT"). */
static int
camt_signed(const char *sign, bool reversal, int64_t cents, int64_t *out, struct error *e)
{
	if (strcmp(sign, "CRDT") != 0 && strcmp(sign, "DBIT") != 0)
		return error_set(e, 400, "BAD_BANK_FILE", "CdtDbtInd \"%.8s\" is neither CRDT nor DBIT",
		    sign);
	*out = (strcmp(sign, "DBIT") == 0) != reversal ? -cents : cents;
	return 0;
}

static void
camt_code(struct camt *c, struct bank_line *l)
{
	if (c->domn[0] != '\0')
		snprintf(l->code, sizeof(l->code), "%s/%s/%s", c->domn, c->fmly, c->subfmly);
	else
		snprintf(l->code, sizeof(l->code), "%s", c->prtry);
	if (strcmp(c->subfmly, "RRTN") == 0)
		l->is_return = true;
	if (strcmp(c->subfmly, "CHRG") == 0 || strcmp(c->fmly, "CHRG") == 0 ||
	    strcmp(c->subfmly, "FEES") == 0)
		l->is_charges = true;
}

static int
camt_close(struct bank_xml *x, void *ctx, struct error *e)
{
	struct camt *c = ctx;
	const char *name = x->names[x->depth - 1];

	if (!c->in_stmt)
		return 0;
	if (x->depth == 4 && strcmp(name, "Bal") == 0) {
		int64_t v = 0;
		if (!c->bal_amount || camt_signed(c->bal_sign, false, c->bal_cents, &v, e) != 0)
			return c->bal_amount ? -1 : error_set(e, 400, "BAD_BANK_FILE", "a balance without"
			    " an amount");
		if (strcmp(c->bal_type, "OPBD") == 0 || strcmp(c->bal_type, "PRCD") == 0) {
			c->st.opening_cents = v;
			c->st.opening_day = c->bal_day;
			c->st.has_balances = true;
		} else if (strcmp(c->bal_type, "CLBD") == 0) {
			c->st.closing_cents = v;
			c->st.closing_day = c->bal_day;
		}
		return 0;
	}
	if (c->format == BANK_CAMT054 && strcmp(name, "TxDtls") == 0 && bank_xml_in(x, "Ntry")) {
		/* A detail: its own amount, else the entry's. */
		if (camt_begin(c, e) != 0)
			return -1;
		camt_code(c, &c->tx);
		int64_t cents = c->tx_amount ? c->tx_cents : c->line.amount_cents;
		const char *sign = c->tx_sign[0] != '\0' ? c->tx_sign : c->sign;
		if (!c->have_amount && !c->tx_amount)
			return error_set(e, 400, "BAD_BANK_FILE", "an entry without an amount");
		if (camt_signed(sign, c->reversal, cents, &c->tx.amount_cents, e) != 0)
			return -1;
		c->tx.booking_day = c->line.booking_day;
		c->tx.value_day = c->line.value_day != 0 ? c->line.value_day : c->line.booking_day;
		if (c->tx.amount_cents == 0)
			return 0;
		c->st.lines++;
		c->details = true; /* the entry is reported by its details, not again below */
		return c->sink->line != NULL ? c->sink->line(c->sink->ctx, &c->st, &c->tx, e) : 0;
	}
	if (x->depth == 4 && strcmp(name, "Ntry") == 0) {
		if (!c->have_amount)
			return error_set(e, 400, "BAD_BANK_FILE", "an entry without an amount");
		if (c->sts[0] != '\0' && strcmp(c->sts, "BOOK") != 0)
			return 0; /* pending or information only: not a booked movement */
		if (c->format == BANK_CAMT054 && c->details)
			return 0;
		if (c->line.booking_day == 0)
			return error_set(e, 400, "BAD_BANK_FILE", "an entry without a booking date");
		if (camt_signed(c->sign, c->reversal, c->line.amount_cents, &c->line.amount_cents, e) != 0)
			return -1;
		if (c->line.value_day == 0)
			c->line.value_day = c->line.booking_day;
		camt_code(c, &c->line);
		if (c->line.amount_cents == 0)
			return 0;
		c->st.lines++;
		return c->sink->line != NULL ? c->sink->line(c->sink->ctx, &c->st, &c->line, e) : 0;
	}
	if (x->depth == 3 && (strcmp(name, "Stmt") == 0 || strcmp(name, "Ntfctn") == 0)) {
		c->in_stmt = false;
		if (c->format == BANK_CAMT053 && !c->st.has_balances)
			return error_set(e, 400, "BAD_BANK_FILE", "statement %.35s has no opening balance"
			    " (OPBD or PRCD)", c->st.id);
		if (c->st.id[0] == '\0')
			return error_set(e, 400, "BAD_BANK_FILE", "a %s statement without an Id",
			    bank_format_name(c->format));
		if (camt_begin(c, e) != 0)
			return -1;
		return c->sink->end != NULL ? c->sink->end(c->sink->ctx, &c->st, e) : 0;
	}
	return 0;
}

int
bank_read_camt(const struct bank_source *src, const struct bank_sink *sink, struct error *e)
{
	static const struct bank_xml_calls calls = { camt_open, camt_text, camt_close };
	struct camt c = { .sink = sink };

	return bank_xml_walk(src, &calls, &c, e);
}
