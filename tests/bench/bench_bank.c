/* Bank benchmark (issue 11): settlement of P payees, bank import of an
 * L-line camt.053 statement (time, and peak memory for L and 5 L lines in
 * fresh processes: the streaming reader's memory does not grow with the
 * file), reconcile over a ledger of N entries. Each figure is the measured
 * call alone, inside its own transaction and commit where it writes; the
 * setup (places, redemptions, entries) is not timed. Setup shortcut, said
 * plainly: the redemptions settled are written as rows and ledger entries
 * directly, their passes linked by serial with foreign keys off during the
 * setup only (the real redemption path needs signed passes; bench_redeem
 * measures that path), so the settlement reads the same tables and posts
 * the same entries as in production.
 *
 *   bench_bank [P [L [N]]]   defaults 3000 10000 1000000
 *   bench_bank import HOME FILE   (internal: one import, prints its RSS)
 * Lines starting with RESULT are for tests/bench/run-all.sh's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bank.h"
#include "db.h"
#include "home.h"
#include "ledger.h"
#include "reconcile.h"
#include "registry.h"
#include "sepa.h"
#include "settlement.h"

#define OP_IBAN "FR7610107001011234567890129"
#define T0 INT64_C(1809000000) /* 2027-04-30, before the settled period's end */

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process (user + system): on a shared, loaded
 * machine the wall time also counts waiting for a core. */
static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, const struct error *e)
{
	fprintf(stderr, "bench_bank: %s: %s\n", what, e != NULL ? e->message : "failed");
	exit(1);
}

static void
make_home(struct home *h, const char *dir)
{
	struct operator_info op = { 0 };
	struct error e;

	snprintf(op.name, sizeof(op.name), "Opérateur de mesure");
	snprintf(op.origin, sizeof(op.origin), "bench.example/ledger");
	snprintf(op.iban, sizeof(op.iban), "%s", OP_IBAN);
	snprintf(op.bic, sizeof(op.bic), "AGRIFRPP");
	if (home_create(h, dir, &op, T0 - 86400 * 60, &e) != 0)
		die("home", &e);
}

/* A SIRET of SIREN 123456782 for payee i (Luhn over 14 digits). */
static void
siret_for(int i, char out[15])
{
	for (int nic = i * 10;; nic++) {
		int sum = 0;
		snprintf(out, 15, "123456782%05u", (unsigned)nic % 100000u);
		for (int k = 0; k < 14; k++) {
			int d = out[k] - '0';
			if ((14 - k) % 2 == 0 && (d *= 2) > 9)
				d -= 9;
			sum += d;
		}
		if (sum % 10 == 0)
			return;
	}
}

/* A French IBAN whose BBAN holds i. */
static void
iban_for(int i, char out[40])
{
	char bban[24], digits[40];
	int r = 0;

	snprintf(bban, sizeof(bban), "2004101005%011d00", i);
	snprintf(digits, sizeof(digits), "%s152700", bban);
	for (const char *p = digits; *p != '\0'; p++)
		r = (r * 10 + (*p - '0')) % 97;
	snprintf(out, 40, "FR%02d%s", 98 - r, bban);
}

static void
post2(struct db *db, const char *kind, enum ledger_account_kind a, int64_t ao,
    enum ledger_account_kind b, int64_t bo, int64_t cents, int64_t time, struct merkle_state *tree,
    uint64_t *seq)
{
	struct ledger_entry entry = { .time = time };
	struct error e;

	snprintf(entry.kind, sizeof(entry.kind), "%s", kind);
	if (ledger_post(&entry, a, ao, cents, &e) != 0 || ledger_post(&entry, b, bo, -cents, &e) != 0 ||
	    ledger_append(db, &entry, tree, &e) != 0)
		die("append", &e);
	if (seq != NULL)
		*seq = entry.seq;
}

/* P places (one payee each) and one redemption of 10.00 at each. With
 * purchase, the funder's frame is purchase and the odd payees' passes are
 * its campaign's (voucher rows, never invoiced: they wait for an invoice),
 * the even payees' another prepaid funder's: settle pays half, holds half. */
static void
setup_settlement(struct db *db, int payees, bool purchase)
{
	struct funder f = { 0 };
	struct service s = { 0 };
	struct merkle_state tree;
	int64_t funder, service, id;
	struct error e;
	uint8_t hash[32] = { 0 };

	merkle_state_init(&tree);
	/* The passes redeemed are linked by serial without voucher rows (setup
	 * only: foreign keys are back on before anything is measured). */
	if (db_exec(db, "PRAGMA foreign_keys = OFF", &e) != 0 ||
	    db_write_begin(db, DB_BUSY_DEFAULT, &e) != 0)
		die("begin", &e);
	snprintf(f.name, sizeof(f.name), "Financeur");
	snprintf(s.code, sizeof(s.code), "atelier");
	snprintf(s.name, sizeof(s.name), "Atelier");
	s.passes = 1;
	if (purchase)
		snprintf(f.frame, sizeof(f.frame), "purchase");
	if (registry_funder_add(db, &f, T0, &funder, &e) != 0 ||
	    registry_service_add(db, &s, &service, &e) != 0 ||
	    registry_funder_fund(db, funder, FUND_ORDER, (int64_t)payees * 1000, "BC-BENCH", T0,
	    NULL, &e) != 0 || ledger_account_open(db, ACCOUNT_OUTSTANDING, 1, "C", &e) != 0)
		die("registry", &e);
	post2(db, "issue", ACCOUNT_FUNDER_BALANCE, funder, ACCOUNT_OUTSTANDING, 1,
	    (int64_t)payees * 1000, T0, &tree, NULL);
	if (purchase) { /* campaign 1: the purchase funder's; 2: a prepaid one's */
		struct funder g = { 0 };
		int64_t other;
		snprintf(g.name, sizeof(g.name), "Financeur privé");
		snprintf(g.frame, sizeof(g.frame), "prepaid");
		if (registry_funder_add(db, &g, T0, &other, &e) != 0 ||
		    db_run(db, "INSERT INTO campaigns (id, funder_id, name, value_cents, last_day, unused,"
		    " created_at) VALUES (1, ?1, 'C1', 1000, 99999, 'refund', ?3), (2, ?2, 'C2', 1000,"
		    " 99999, 'credit', ?3)", DB_ARGS(DB_INT(funder), DB_INT(other), DB_INT(T0)), &e) != 0)
			die("campaigns", &e);
	}
	for (int i = 1; i <= payees; i++) {
		struct place p = { .label_until = -1 };
		char siret[15], iban[40], key[32];
		uint64_t seq;
		snprintf(p.name, sizeof(p.name), "Lieu %d", i);
		snprintf(p.commune, sizeof(p.commune), "93048");
		snprintf(p.type, sizeof(p.type), "epn");
		siret_for(i, siret);
		iban_for(i, iban);
		if (registry_place_add(db, &p, siret, iban, &service, 1, T0, &id, &e) != 0)
			die("place", &e);
		post2(db, "redeem", ACCOUNT_OUTSTANDING, 1, ACCOUNT_PAYEE, i, 1000, T0 + i, &tree, &seq);
		snprintf(key, sizeof(key), "k%d", i);
		if (db_run(db, "INSERT INTO redemptions (place_id, service_id, created_at, day, value_cents,"
		    " entry_seq, idempotency_key, request_hash, response) VALUES (?1, ?2, ?3, 0, 1000, ?4,"
		    " ?5, ?6, '{}')", DB_ARGS(DB_INT(id), DB_INT(service), DB_INT(T0 + i), DB_INT(seq),
		    DB_TEXT(key), DB_BLOB(hash, 32)), &e) != 0)
			die("redemption", &e);
		uint8_t serial[12] = { 0 };
		memcpy(serial, &i, sizeof(i));
		int64_t redemption = db_last_rowid(db);
		if (db_run(db, "INSERT INTO redemption_vouchers (redemption_id, serial) VALUES (?1, ?2)",
		    DB_ARGS(DB_INT(redemption), DB_BLOB(serial, 12)), &e) != 0)
			die("redemption pass", &e);
		uint8_t token[93] = { 0 };
		if (purchase && db_run(db, "INSERT INTO vouchers (serial, token, campaign_id, batch_id,"
		    " booklet_id, position, value_cents, last_day, status, issued_at, redemption_id)"
		    " VALUES (?1, ?2, ?3, 1, ?4, 1, 1000, 99999, 'redeemed', ?5, ?6)",
		    DB_ARGS(DB_BLOB(serial, 12), DB_BLOB(token, 93), DB_INT(i % 2 == 1 ? 1 : 2),
		    DB_INT(i), DB_INT(T0), DB_INT(redemption)), &e) != 0)
			die("voucher", &e);
	}
	if (db_write_end(db, 0, &e) != 0 || db_exec(db, "PRAGMA foreign_keys = ON", &e) != 0)
		die("commit", &e);
}

/* A camt.053 of lines lines (one batch debit of the settlement, the rest
 * credits naming nothing: suspense, the costliest path per line). */
static void
write_statement(const char *path, int lines, const char *pmt_inf_id, int64_t batch_cents)
{
	FILE *f = fopen(path, "w");
	int64_t total = -batch_cents;

	if (f == NULL)
		die("statement file", NULL);
	for (int i = 1; i < lines; i++)
		total += 100 + i % 50;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:"
	    "tech:xsd:camt.053.001.08\"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt>"
	    "<Id>BENCH-%d</Id><ElctrncSeqNb>1</ElctrncSeqNb><Acct><Id><IBAN>%s</IBAN></Id></Acct>\n"
	    "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">%lld.00</Amt>"
	    "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-05-01</Dt></Dt></Bal>\n"
	    "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">%lld.%02lld</Amt>"
	    "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-05-31</Dt></Dt></Bal>\n", lines, OP_IBAN,
	    (long long)(batch_cents / 100), (long long)(total + batch_cents) / 100,
	    (long long)(total + batch_cents) % 100);
	if (pmt_inf_id != NULL)
		fprintf(f, "<Ntry><Amt Ccy=\"EUR\">%lld.%02lld</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK"
		    "</Cd></Sts><BookgDt><Dt>2027-05-03</Dt></BookgDt><AcctSvcrRef>B</AcctSvcrRef><NtryDtls>"
		    "<Btch><PmtInfId>%s</PmtInfId></Btch></NtryDtls></Ntry>\n",
		    (long long)batch_cents / 100, (long long)batch_cents % 100, pmt_inf_id);
	for (int i = 1; i < lines; i++)
		fprintf(f, "<Ntry><Amt Ccy=\"EUR\">%d.%02d</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd>"
		    "</Sts><BookgDt><Dt>2027-05-03</Dt></BookgDt><AcctSvcrRef>R%d</AcctSvcrRef><NtryDtls>"
		    "<TxDtls><RmtInf><Ustrd>VIREMENT %d SANS REFERENCE</Ustrd></RmtInf></TxDtls></NtryDtls>"
		    "</Ntry>\n", (100 + i % 50) / 100, (100 + i % 50) % 100, i, i);
	fprintf(f, "</Stmt></BkToCstmrStmt></Document>\n");
	fclose(f);
}

/* One import in this process; prints seconds and peak RSS. */
static int
import_once(const char *dir, const char *file)
{
	struct bank_import_result r;
	struct home h;
	struct error e;
	struct rusage ru;
	double t, c;

	if (home_open(&h, dir, &e) != 0)
		die("open", &e);
	c = cpu_seconds();
	t = now_seconds();
	if (db_write_begin(h.db, DB_BUSY_DEFAULT, &e) != 0 ||
	    db_write_end(h.db, bank_import(h.db, file, "user:bench", T0 + 86400 * 5, &r, &e), &e) != 0)
		die("import", &e);
	t = now_seconds() - t;
	c = cpu_seconds() - c;
	getrusage(RUSAGE_SELF, &ru);
	printf("%lld %.3f %.3f %ld\n", (long long)r.lines, t, c, ru.ru_maxrss);
	bank_import_result_free(&r);
	home_close(&h);
	return 0;
}

/* Runs `bench_bank import DIR FILE` in a fresh process; reads its line. */
static void
import_child(const char *self, const char *dir, const char *file, long long *lines,
    double *seconds, double *cpu, long *rss)
{
	char cmd[8400];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' import '%s' '%s'", self, dir, file);
	if ((p = popen(cmd, "r")) == NULL || fscanf(p, "%lld %lf %lf %ld", lines, seconds, cpu, rss) != 4)
		die("import child", NULL);
	pclose(p);
}

int
main(int argc, char **argv)
{
	int payees = 3000, lines = 10000;
	long entries = 1000000;
	char dir[] = "/tmp/bench-bank.XXXXXX", home[64], home2[64], home3[64], file[96], file5[96];
	struct home h;
	struct settlement s;
	struct error e;
	double t, c;

	if (argc == 4 && strcmp(argv[1], "import") == 0)
		return import_once(argv[2], argv[3]);
	if (argc > 1)
		payees = atoi(argv[1]);
	if (argc > 2)
		lines = atoi(argv[2]);
	if (argc > 3)
		entries = atol(argv[3]);
	if (payees < 1 || lines < 2 || entries < 10 || mkdtemp(dir) == NULL)
		die("usage: bench_bank [PAYEES [LINES [ENTRIES]]]", NULL);
	setenv("PASSNUM_NOW", "2027-05-02T08:00:00Z", 1);
	snprintf(home, sizeof(home), "%s/home", dir);
	snprintf(home2, sizeof(home2), "%s/home2", dir);
	snprintf(home3, sizeof(home3), "%s/home3", dir);
	printf("# bench_bank: %d payees, %d-line statement, %ld-entry ledger\n", payees, lines, entries);

	/* 1. Settlement of P payees: the rules, the payouts, 1 + P/31 entries,
	 * the pain.001 file, one commit. */
	make_home(&h, home);
	setup_settlement(h.db, payees, false);
	snprintf(file, sizeof(file), "%s/virements.xml", dir);
	c = cpu_seconds();
	t = now_seconds();
	if (db_write_begin(h.db, DB_BUSY_DEFAULT, &e) != 0 ||
	    settlement_create(h.db, "2027-04", 1, false, T0 + 86400 * 3, "user:bench", &s, &e) != 0 ||
	    sepa_write(&s, SEPA_PAIN_001_001_09, file, &e) != 0 || db_write_end(h.db, 0, &e) != 0)
		die("settle", &e);
	t = now_seconds() - t;
	c = cpu_seconds() - c;
	printf("settle %d payees: %.3f s wall, %.3f s CPU (goal <= 1 s)\n", (int)s.payout_count, t, c);
	printf("RESULT settle_%d_payees_s %.3f\n", payees, t);
	printf("RESULT settle_%d_payees_cpu_s %.3f\n", payees, c);
	char pmt_inf_id[SETTLEMENT_ID_MAX + 1];
	snprintf(pmt_inf_id, sizeof(pmt_inf_id), "%s", s.pmt_inf_id);
	int64_t total = s.total_cents;
	settlement_free(&s);
	home_close(&h);

	/* 1b. The same for a purchase funder: half the passes wait for its
	 * invoice (the waiting check on every redemption, the list of what
	 * waits), then all paid with --advance-float (the float's entries). */
	for (int advance = 0; advance <= 1; advance++) {
		char purchase_home[80];
		snprintf(purchase_home, sizeof(purchase_home), "%s/purchase%d", dir, advance);
		make_home(&h, purchase_home);
		setup_settlement(h.db, payees, true);
		c = cpu_seconds();
		t = now_seconds();
		if (db_write_begin(h.db, DB_BUSY_DEFAULT, &e) != 0 ||
		    settlement_create(h.db, "2027-04", 1, advance, T0 + 86400 * 3, "user:bench", &s, &e) != 0 ||
		    sepa_write(&s, SEPA_PAIN_001_001_09, file, &e) != 0 || db_write_end(h.db, 0, &e) != 0)
			die("settle (purchase)", &e);
		t = now_seconds() - t;
		c = cpu_seconds() - c;
		printf("settle %d payees, a purchase funder's passes %s: %.3f s wall, %.3f s CPU"
		    " (goal <= 1 s), %lld.%02lld EUR waiting\n", (int)s.payout_count, advance ?
		    "advanced (float)" : "waiting (half)", t, c, (long long)(s.waiting_cents / 100),
		    (long long)(s.waiting_cents % 100));
		printf("RESULT settle_%d_payees_purchase_%s_s %.3f\n", payees, advance ? "float" : "wait", t);
		if (!advance && (s.waiting_cents != (int64_t)(payees + 1) / 2 * 1000 ||
		    s.payout_count != (size_t)payees / 2))
			die("settle (purchase): not half paid, half waiting", NULL);
		if (advance && s.payout_count != (size_t)payees)
			die("settle (purchase, float): not all paid", NULL);
		settlement_free(&s);
		if (!advance) { /* reconcile reads what waits for the purchase funder's invoices */
			json_t *rep;
			int64_t diffs;
			t = now_seconds();
			if (reconcile_run(h.db, NULL, T0 + 86400 * 7, &rep, &diffs, &e) != 0)
				die("reconcile (purchase)", &e);
			t = now_seconds() - t;
			json_t *cov = json_object_get(rep, "coverage");
			printf("reconcile with %lld.%02lld EUR waiting for a purchase funder's invoice:"
			    " %.3f s wall\n", (long long)(json_integer_value(json_object_get(cov,
			    "payables_awaiting_invoices_cents")) / 100), (long long)(json_integer_value(
			    json_object_get(cov, "payables_awaiting_invoices_cents")) % 100), t);
			json_decref(rep);
		}
		home_close(&h);
	}

	/* 2. Import of an L-line statement (and of a 5 L one into a copy of
	 * the same home, to compare peak memory), each in a fresh process. */
	snprintf(file, sizeof(file), "%s/stmt.xml", dir);
	snprintf(file5, sizeof(file5), "%s/stmt5.xml", dir);
	write_statement(file, lines, pmt_inf_id, total);
	write_statement(file5, lines * 5, pmt_inf_id, total);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", home, home2);
	if (system(cmd) != 0)
		die("copy", NULL);
	long long n1, n5;
	double t1, t5, c1, c5;
	long rss1, rss5;
	import_child(argv[0], home, file, &n1, &t1, &c1, &rss1);
	import_child(argv[0], home2, file5, &n5, &t5, &c5, &rss5);
	printf("bank import %lld lines: %.3f s wall, %.3f s CPU (goal <= 1 s), peak RSS %ld KiB;"
	    " %lld lines: %.3f s wall, %.3f s CPU, peak RSS %ld KiB\n", n1, t1, c1, rss1, n5, t5, c5,
	    rss5);
	printf("RESULT bank_import_%d_lines_s %.3f\n", lines, t1);
	printf("RESULT bank_import_%d_lines_cpu_s %.3f\n", lines, c1);
	printf("RESULT bank_import_rss_ratio_5x %.2f\n", (double)rss5 / (double)rss1);

	/* 3. Reconcile over a ledger of N entries (the settled home plus bank
	 * lines: the entries themselves are appended in batches, not timed). */
	if (home_open(&h, home, &e) != 0)
		die("open", &e);
	uint64_t size;
	struct merkle_state tree;
	merkle_state_init(&tree);
	if (ledger_size(h.db, &size, &e) != 0)
		die("size", &e);
	for (long done = (long)size; done < entries;) {
		if (db_write_begin(h.db, DB_BUSY_DEFAULT, &e) != 0)
			die("begin", &e);
		for (int k = 0; k < 10000 && done < entries; k++, done++)
			post2(h.db, "credit", ACCOUNT_BANK, 0, ACCOUNT_SUSPENSE, 0, 100 + done % 7,
			    T0 + 86400 * 6, &tree, NULL);
		if (db_write_end(h.db, 0, &e) != 0)
			die("commit", &e);
	}
	json_t *report;
	int64_t differences;
	c = cpu_seconds();
	t = now_seconds();
	if (reconcile_run(h.db, NULL, T0 + 86400 * 7, &report, &differences, &e) != 0)
		die("reconcile", &e);
	t = now_seconds() - t;
	c = cpu_seconds() - c;
	if (ledger_size(h.db, &size, &e) != 0)
		die("size", &e);
	printf("reconcile over %llu entries: %.3f s wall, %.3f s CPU (goal <= 2 s), %lld differences"
	    " (expected: the lines in suspense, and the entries no statement shows)\n",
	    (unsigned long long)size, t, c, (long long)differences);
	printf("RESULT reconcile_%ld_entries_s %.3f\n", entries, t);
	printf("RESULT reconcile_%ld_entries_cpu_s %.3f\n", entries, c);
	json_decref(report);
	home_close(&h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)home3;
	return system(cmd) == 0 ? 0 : 1;
}
