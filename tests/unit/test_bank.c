/* Unit tests of the bank readers (lib/bank_*.c), from memory: CFONB 120
 * signed-digit amounts and records, camt.053 in both versions (balances,
 * signs, reversal, pending entries, batch and references), camt.054
 * details, pain.002 levels, the CSV, and the refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "bank.h"

/* What a reading saw. */
struct seen {
	int statements, lines, statuses;
	struct bank_statement st;
	struct bank_line line[8];
	struct bank_status status[8];
};

static int
seen_begin(void *ctx, struct bank_statement *st, struct error *e)
{
	(void)ctx;
	(void)st;
	(void)e;
	return 0;
}

static int
seen_line(void *ctx, struct bank_statement *st, const struct bank_line *l, struct error *e)
{
	struct seen *s = ctx;

	(void)st;
	(void)e;
	if (s->lines < 8)
		s->line[s->lines] = *l;
	s->lines++;
	return 0;
}

static int
seen_end(void *ctx, struct bank_statement *st, struct error *e)
{
	struct seen *s = ctx;

	(void)e;
	s->st = *st;
	s->statements++;
	return 0;
}

static int
seen_status(void *ctx, const struct bank_status *st, struct error *e)
{
	struct seen *s = ctx;

	(void)e;
	if (s->statuses < 8)
		s->status[s->statuses] = *st;
	s->statuses++;
	return 0;
}

static int
read_text(const char *text, struct seen *s, enum bank_format *format, struct error *e)
{
	struct bank_sink sink = { seen_begin, seen_line, seen_end, seen_status, s };
	struct bank_source src = { .data = (const uint8_t *)text, .size = strlen(text) };

	memset(s, 0, sizeof(*s));
	return bank_read(&src, &sink, format, e);
}

/* A CFONB record: code, amount field (14), text (31), reference, decimals. */
static void
cfonb(char *out, const char *code, const char *amount, const char *text, const char *ref)
{
	snprintf(out, 122, "%-2s%-5s%-4s%-5s%-3s%-1s%-1s%-11s%-2s%-6s%-2s%-6s%-31s%-2s%-7s%-1s%-1s"
	    "%-14s%-16s\n", code, "30004", "", "00003", "EUR", "2", "", "12345678901", "",
	    "040527", "", "050527", text, "", "", "", "", amount, ref);
}

static void
test_cfonb(void **state)
{
	char file[2048] = "", rec[130];
	struct seen s;
	enum bank_format f;
	struct error e;

	(void)state;
	cfonb(rec, "01", "0000000001000{", "", "");
	strcat(file, rec);
	cfonb(rec, "04", "0000000000123M", "FRAIS", "REF1");
	strcat(file, rec);
	/* 05 RCN: the EndToEndId. */
	snprintf(rec, sizeof(rec), "%-2s%-5s%-4s%-5s%-3s%-1s%-1s%-11s%-2s%-6s%-5s%-3s%-70s%-2s\n",
	    "05", "30004", "", "00003", "EUR", "2", "", "12345678901", "", "040527", "", "RCN",
	    "PN-1234ABCD-P0000000001", "");
	strcat(file, rec);
	cfonb(rec, "04", "0000000000500A", "VIR RECU", "REF2");
	strcat(file, rec);
	cfonb(rec, "07", "0000000000927}", "", "");
	strcat(file, rec);
	if (read_text(file, &s, &f, &e) != 0)
		fail_msg("refused: %s", e.message);
	assert_int_equal(f, BANK_CFONB120);
	assert_int_equal(s.statements, 1);
	assert_int_equal(s.lines, 2);
	assert_int_equal(s.st.opening_cents, 10000);          /* 1000{ = +10000 */
	assert_int_equal(s.st.closing_cents, -9270);          /* 927} = -9270 */
	assert_int_equal(s.line[0].amount_cents, -1234);      /* 123M = -1234 */
	assert_int_equal(s.line[1].amount_cents, 5001);       /* 500A = +5001 */
	assert_string_equal(s.line[0].end_to_end_id, "PN-1234ABCD-P0000000001");
	assert_string_equal(s.line[0].bank_ref, "REF1");
	assert_string_equal(s.st.iban, "RIB:300040000312345678901");
	/* The same records without line ends read the same. */
	char flat[2048];
	size_t n = 0;
	for (const char *p = file; *p != '\0'; p++)
		if (*p != '\n')
			flat[n++] = *p;
	flat[n] = '\0';
	if (read_text(flat, &s, &f, &e) != 0)
		fail_msg("refused without line ends: %s", e.message);
	assert_int_equal(s.lines, 2);
	/* A broken record: named by its number. */
	file[120 * 2 + 2 + 5] = '\n'; /* cuts record 3 */
	assert_int_equal(read_text(file, &s, &f, &e), -1);
	assert_non_null(strstr(e.message, "CFONB record 3"));
	/* A statement without its 07. */
	cfonb(rec, "01", "0000000001000{", "", "");
	assert_int_equal(read_text(rec, &s, &f, &e), -1);
	assert_non_null(strstr(e.message, "ends inside a statement"));
}

#define CAMT_HEAD(v) "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt." v \
	"\"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S1</Id>" \
	"<ElctrncSeqNb>7</ElctrncSeqNb><Acct><Id><IBAN>FR7610107001011234567890129</IBAN></Id></Acct>" \
	"<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">10.00</Amt>" \
	"<CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2027-05-01</Dt></Dt></Bal>" \
	"<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">5.00</Amt>" \
	"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-05-31</Dt></Dt></Bal>"
#define CAMT_TAIL "</Stmt></BkToCstmrStmt></Document>"

static void
test_camt053(void **state)
{
	static const char v08[] = CAMT_HEAD("053.001.08")
	    "<Ntry><Amt Ccy=\"EUR\">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
	    "<BookgDt><Dt>2027-05-03</Dt></BookgDt><AcctSvcrRef>A1</AcctSvcrRef><NtryDtls><TxDtls>"
	    "<Refs><EndToEndId>E2E-1</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>Commune</Nm></Pty>"
	    "</Dbtr></RltdPties><RmtInf><Ustrd>Paiement</Ustrd><Ustrd>BC-1</Ustrd></RmtInf></TxDtls>"
	    "</NtryDtls></Ntry>"
	    "<Ntry><Amt Ccy=\"EUR\">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>"
	    "<BookgDt><Dt>2027-05-03</Dt></BookgDt></Ntry>"
	    "<Ntry><Amt Ccy=\"EUR\">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>"
	    "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2027-05-04</Dt></BookgDt><BkTxCd><Domn><Cd>ACMT"
	    "</Cd><Fmly><Cd>MDOP</Cd><SubFmlyCd>CHRG</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls>"
	    "<Btch><PmtInfId>PI-1</PmtInfId></Btch></NtryDtls></Ntry>" CAMT_TAIL;
	static const char v02[] = CAMT_HEAD("053.001.02")
	    "<Ntry><Amt Ccy=\"EUR\">1.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
	    "<BookgDt><Dt>2027-05-03</Dt></BookgDt><ValDt><Dt>2027-05-02</Dt></ValDt></Ntry>"
	    CAMT_TAIL;
	struct seen s;
	enum bank_format f;
	struct error e;

	(void)state;
	if (read_text(v08, &s, &f, &e) != 0)
		fail_msg("refused: %s", e.message);
	assert_int_equal(f, BANK_CAMT053);
	assert_string_equal(s.st.version, "camt.053.001.08");
	assert_string_equal(s.st.id, "S1");
	assert_string_equal(s.st.seq, "7");
	assert_int_equal(s.st.opening_cents, -1000);
	assert_int_equal(s.st.closing_cents, 500);
	assert_int_equal(s.lines, 2); /* the pending entry is not a movement */
	assert_int_equal(s.line[0].amount_cents, 2000);
	assert_string_equal(s.line[0].end_to_end_id, "E2E-1");
	assert_string_equal(s.line[0].remittance, "Paiement BC-1");
	assert_string_equal(s.line[0].counterparty, "Commune");
	assert_int_equal(s.line[1].amount_cents, -500); /* a reversed credit */
	assert_true(s.line[1].is_charges);
	assert_string_equal(s.line[1].pmt_inf_id, "PI-1");
	if (read_text(v02, &s, &f, &e) != 0)
		fail_msg("refused .02: %s", e.message);
	assert_string_equal(s.st.version, "camt.053.001.02");
	assert_int_equal(s.lines, 1);
	assert_int_equal(s.line[0].amount_cents, -150);
	/* Refusals: three decimals, another currency, malformed XML, a DTD. */
	char bad[4096];
	snprintf(bad, sizeof(bad), "%s", v02);
	memcpy(strstr(bad, "1.50"), "1.505", 5);
	assert_int_equal(read_text(bad, &s, &f, &e), -1);
	snprintf(bad, sizeof(bad), "%s", v02);
	memcpy(strstr(bad, "Ccy=\"EUR\">1.50"), "Ccy=\"USD\"", 9);
	assert_int_equal(read_text(bad, &s, &f, &e), -1);
	assert_non_null(strstr(e.message, "EUR only"));
	snprintf(bad, sizeof(bad), "%.300s", v02);
	assert_int_equal(read_text(bad, &s, &f, &e), -1);
	assert_null(strchr(e.message, '\n'));
	assert_int_equal(read_text("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x \"y\">]><Document>"
	    "<BkToCstmrStmt/></Document>", &s, &f, &e), -1);
}

static void
test_camt054(void **state)
{
	static const char text[] = "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:"
	    "tech:xsd:camt.054.001.08\"><BkToCstmrDbtCdtNtfctn><Ntfctn><Id>N1</Id><Acct><Id><IBAN>"
	    "FR7610107001011234567890129</IBAN></Id></Acct><Ntry><Amt Ccy=\"EUR\">30.00</Amt>"
	    "<CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2027-05-03</Dt></BookgDt>"
	    "<NtryDtls><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs><Amt Ccy=\"EUR\">10.00</Amt>"
	    "</TxDtls><TxDtls><Refs><EndToEndId>E2</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">"
	    "20.00</Amt></TxAmt></AmtDtls><RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls>"
	    "</Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>";
	struct seen s;
	enum bank_format f;
	struct error e;

	(void)state;
	if (read_text(text, &s, &f, &e) != 0)
		fail_msg("refused: %s", e.message);
	assert_int_equal(f, BANK_CAMT054);
	assert_int_equal(s.lines, 2); /* one line per detail, not the entry again */
	assert_int_equal(s.line[0].amount_cents, -1000);
	assert_string_equal(s.line[0].end_to_end_id, "E1");
	assert_int_equal(s.line[1].amount_cents, -2000);
	assert_true(s.line[1].is_return);
	assert_string_equal(s.line[1].return_reason, "AC04");
}

static void
test_pain002(void **state)
{
	static const char text[] = "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:"
	    "tech:xsd:pain.002.001.10\"><CstmrPmtStsRpt><GrpHdr><MsgId>R1</MsgId></GrpHdr>"
	    "<OrgnlGrpInfAndSts><OrgnlMsgId>PN-1</OrgnlMsgId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>"
	    "<OrgnlPmtInfAndSts><OrgnlPmtInfId>PI-1</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>E1"
	    "</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>"
	    "</TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>";
	struct seen s;
	enum bank_format f;
	struct error e;

	(void)state;
	if (read_text(text, &s, &f, &e) != 0)
		fail_msg("refused: %s", e.message);
	assert_int_equal(f, BANK_PAIN002);
	assert_int_equal(s.statuses, 2); /* the group, the transaction (no PmtInfSts) */
	assert_int_equal(s.status[0].level, BANK_STATUS_GROUP);
	assert_string_equal(s.status[0].status, "PART");
	assert_int_equal(s.status[1].level, BANK_STATUS_TX);
	assert_string_equal(s.status[1].id, "E1");
	assert_string_equal(s.status[1].status, "RJCT");
	assert_string_equal(s.status[1].reason, "AC04");
	assert_string_equal(s.status[1].orig_msg_id, "PN-1");
	assert_string_equal(s.status[1].msg_id, "R1");
}

static void
test_csv(void **state)
{
	static const char text[] = "passnum-bank-csv-v1;FR7610107001011234567890129;C1;2027-06-01;"
	    "-1.00;2027-06-30;0.50\r\nbooking_date;value_date;amount;bank_ref;end_to_end_id;pmt_inf_id;"
	    "remittance;counterparty;code\r\n2027-06-03;2027-06-03;1.50;R1;E1;;Virement réçu;Nom;\r\n";
	struct seen s;
	enum bank_format f;
	struct error e;

	(void)state;
	if (read_text(text, &s, &f, &e) != 0)
		fail_msg("refused: %s", e.message);
	assert_int_equal(f, BANK_CSV);
	assert_int_equal(s.st.opening_cents, -100);
	assert_int_equal(s.st.closing_cents, 50);
	assert_int_equal(s.lines, 1);
	assert_int_equal(s.line[0].amount_cents, 150);
	assert_string_equal(s.line[0].remittance, "Virement réçu");
	char bad[1024];
	snprintf(bad, sizeof(bad), "%s2027-06-03;2027-06-03;1.5.0;R;;;;;\n", text);
	assert_int_equal(read_text(bad, &s, &f, &e), -1);
	assert_non_null(strstr(e.message, "CSV line 4"));
}

static void
test_copy_text(void **state)
{
	char out[8];

	(void)state;
	bank_copy_text(out, sizeof(out), "ab\tc  é", false);
	assert_string_equal(out, "ab c é");
	bank_copy_text(out, sizeof(out), "abcdeéé", false); /* the first é fits whole */
	assert_string_equal(out, "abcdeé");
	bank_copy_text(out, sizeof(out), "abcdefé", false); /* cut inside é: dropped */
	assert_string_equal(out, "abcdef");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfonb),
		cmocka_unit_test(test_camt053),
		cmocka_unit_test(test_camt054),
		cmocka_unit_test(test_pain002),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_copy_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
