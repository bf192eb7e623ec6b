/* passnum invoice create | credit-note | list | show | status | pay | terms | config */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "date.h"
#include "db.h"
#include "invoice.h"
#include "money.h"
#include "registry.h"

static const char invoice_create_help[] =
    "usage: passnum invoice create --funder ID (--period YYYY-MM | --campaign ID | --order REF)\n"
    "                              --out DIR [--engagement N] [--force] [--dry-run]\n"
    "                              [--token-file F]\n"
    "\n"
    "Invoices a funder and writes each document as DIR/NUMBER.pdf (French) and\n"
    "DIR/NUMBER.xml (UBL 2.1, EN 16931, for Chorus Pro). Two documents, never\n"
    "one mixing them: the face value of the passes redeemed and not invoiced yet\n"
    "(funders on purchase; VAT category O, outside the scope of VAT) and the\n"
    "operator's fees on them (campaigns with a fee, passnum invoice terms; VAT\n"
    "at the funder's territory's rate, due when paid). --period bills a closed\n"
    "month (Europe/Paris); --campaign every closed month of one campaign;\n"
    "--order the face value of an order on delivery (A1) or of money already\n"
    "received (A2, already paid). Numbers FA-YYYY-NNNNNN follow one unbroken\n"
    "sequence per year; a document is never edited or deleted (a credit note\n"
    "corrects it). --engagement: the funder's engagement number (one per\n"
    "invoice). Ledger: an \"invoice\" entry per document that is owed.\n"
    "A document cannot be undone: confirmed (--yes in scripts); --dry-run says\n"
    "what would be invoiced and records nothing.\n"
    "With --json: {\"invoices\": [{number, part, total_cents, total, pdf, xml}]}.\n"
    "\n"
    "example:\n"
    "  passnum --yes invoice create --funder 1 --period 2027-04 --engagement EJ-2027-17 \\\n"
    "      --out factures/\n";

static const char invoice_credit_help[] =
    "usage: passnum invoice credit-note NUMBER --reason error|rejection|unused\n"
    "                                   [--amount EUR] --out DIR [--force] [--dry-run]\n"
    "                                   [--token-file F]\n"
    "\n"
    "Makes a credit note AV-YYYY-NNNNNN on invoice NUMBER and writes its PDF and\n"
    "UBL CreditNote (type 381) into DIR: for an error (all that is not credited\n"
    "yet, or --amount), a Chorus Pro rejection (the whole invoice; its passes\n"
    "may then be invoiced again) or unused value (what passnum expire put on\n"
    "the funder's credit notes account). It first reduces what is still owed\n"
    "on the invoice; the rest is owed back and refunded (passnum refund), never\n"
    "netted against a later invoice. Confirmed (--yes in scripts); --dry-run\n"
    "says what it would credit.\n"
    "\n"
    "example:\n"
    "  passnum --yes invoice credit-note FA-2027-000001 --reason rejection --out factures/\n";

static const char invoice_list_help[] =
    "usage: passnum invoice list [--funder ID]\n"
    "\n"
    "Every invoice and credit note: number, funder, part, total, status, due\n"
    "day, days late.\n"
    "\n"
    "example:\n"
    "  passnum invoice list --funder 1\n";

static const char invoice_show_help[] =
    "usage: passnum invoice show NUMBER [--xml]\n"
    "\n"
    "One document: its lines, amounts, status history, what is owed on it and\n"
    "its payment-delay clock. --xml prints the UBL document as issued.\n"
    "\n"
    "example:\n"
    "  passnum --json invoice show FA-2027-000001\n";

static const char invoice_status_help[] =
    "usage: passnum invoice status NUMBER [--set STATUS [--day YYYY-MM-DD]] [--token-file F]\n"
    "\n"
    "Shows, or records (--set), the document's status on Chorus Pro: Déposée,\n"
    "Rejetée, Suspendue, Mise en paiement, Payée (on --day, default today,\n"
    "Europe/Paris). Then prints the payment-delay clock: received on its first\n"
    "Déposée (else its issue day), due 30 days later (délai global de\n"
    "paiement), not running while Suspendue, stopped at Rejetée, Mise en\n"
    "paiement or Payée; late interest at the ECB rate (passnum invoice config)\n"
    "plus 8 points on the total, and the fixed indemnity of 40 EUR once late.\n"
    "A status never changes the ledger (payments do).\n"
    "\n"
    "example:\n"
    "  passnum invoice status FA-2027-000001 --set Déposée --day 2027-05-03\n";

static const char invoice_pay_help[] =
    "usage: passnum invoice pay NUMBER AMOUNT --ref REF [--day YYYY-MM-DD]\n"
    "\n"
    "Records a payment received for invoice NUMBER (what bank import does when\n"
    "a credit's remittance names the invoice): bank debited, the funder's\n"
    "invoiced receivable credited, the VAT on fees moved from « TVA en attente »\n"
    "to « TVA collectée »; status Payée once nothing is owed. An amount above\n"
    "what is owed is refused.\n"
    "\n"
    "example:\n"
    "  passnum invoice pay FA-2027-000001 150.00 --ref VIR-DGFIP-0042\n";

static const char invoice_terms_help[] =
    "usage: passnum invoice terms CAMPAIGN --fee-percent P [--vat-class multi|single]\n"
    "                             [--token-file F]\n"
    "\n"
    "Sets a campaign's billing terms for invoices made from now on: the\n"
    "operator's fee in percent of the face value of each pass redeemed (up to\n"
    "two decimals; 0 for none) and the VAT class of its passes (multi: multi-\n"
    "purpose vouchers, outside the scope of VAT, the default; single: single-\n"
    "purpose, whose invoicing is an open question and is refused).\n"
    "\n"
    "example:\n"
    "  passnum invoice terms 2 --fee-percent 5\n";

static const char invoice_config_help[] =
    "usage: passnum invoice config [--ecb-rate PCT] [--late-margin PCT]\n"
    "                              [--vat-franchise yes|no] [--mention-face TEXT]\n"
    "                              [--mention-franchise TEXT] [--mention-outside TEXT]\n"
    "\n"
    "Shows or sets the invoicing settings: the ECB main refinancing rate\n"
    "(default 2.15) and the points added for late interest (default 8.00),\n"
    "the VAT franchise of art. 293 B of the CGI (no fee VAT when yes), and the\n"
    "legal wording printed for the face value (outside the scope of VAT), the\n"
    "franchise, and Guyane and Mayotte (the references move to a new code).\n"
    "\n"
    "example:\n"
    "  passnum invoice config --ecb-rate 2.40\n";

const char cmd_invoice_help[] =
    "usage: passnum invoice create --funder ID (--period P | --campaign ID | --order REF) --out DIR\n"
    "       passnum invoice credit-note NUMBER --reason error|rejection|unused --out DIR\n"
    "       passnum invoice list [--funder ID]\n"
    "       passnum invoice show NUMBER [--xml]\n"
    "       passnum invoice status NUMBER [--set STATUS [--day D]]\n"
    "       passnum invoice pay NUMBER AMOUNT --ref REF [--day D]\n"
    "       passnum invoice terms CAMPAIGN --fee-percent P [--vat-class multi|single]\n"
    "       passnum invoice config [--ecb-rate PCT] [--vat-franchise yes|no] ...\n"
    "\n"
    "create       invoices a funder (face value and fees, never mixed): PDF + UBL\n"
    "credit-note  a credit note AV-YYYY-NNNNNN on an invoice\n"
    "list         every invoice and credit note\n"
    "show         one document, what is owed on it, its clock\n"
    "status       its Chorus Pro status and the payment-delay clock\n"
    "pay          records a payment received for an invoice\n"
    "terms        a campaign's fee and VAT class\n"
    "config       the ECB rate, the VAT franchise, the legal wording\n"
    "\n"
    "`passnum invoice SUB --help` shows one sub-command. See docs/accounting.md.\n"
    "\n"
    "examples:\n"
    "  passnum invoice create --funder 1 --period 2027-04 --out factures/\n"
    "  passnum invoice status FA-2027-000001 --set Déposée\n";

struct invoice_options {
	const char *funder, *period, *campaign, *order, *out, *engagement, *token_file, *reason,
	    *amount, *set, *day, *ref, *fee, *vat_class;
	const char *ecb, *margin, *franchise, *mention_face, *mention_franchise, *mention_outside;
	bool force, xml, dry_run;
};

static int
invoice_option(int opt, const char *arg, void *ctx)
{
	struct invoice_options *o = ctx;

	switch (opt) {
	case 'f': o->funder = arg; break;
	case 'p': o->period = arg; break;
	case 'c': o->campaign = arg; break;
	case 'r': o->order = arg; break;
	case 'o': o->out = arg; break;
	case 'e': o->engagement = arg; break;
	case 'k': o->token_file = arg; break;
	case 'R': o->reason = arg; break;
	case 'a': o->amount = arg; break;
	case 's': o->set = arg; break;
	case 'd': o->day = arg; break;
	case 'x': o->ref = arg; break;
	case 'P': o->fee = arg; break;
	case 'V': o->vat_class = arg; break;
	case 'E': o->ecb = arg; break;
	case 'M': o->margin = arg; break;
	case 'F': o->franchise = arg; break;
	case '1': o->mention_face = arg; break;
	case '2': o->mention_franchise = arg; break;
	case '3': o->mention_outside = arg; break;
	case 'X': o->xml = true; break;
	case 'n': o->dry_run = true; break;
	default: o->force = true; break;
	}
	return 0;
}

/* The two paths of document number in dir. */
static void
invoice_paths(const char *dir, const char *number, char *pdf, char *xml, size_t size)
{
	size_t len = strlen(dir);
	const char *sep = len > 0 && dir[len - 1] == '/' ? "" : "/";

	snprintf(pdf, size, "%s%s%s.pdf", dir, sep, number);
	snprintf(xml, size, "%s%s%s.xml", dir, sep, number);
}

/* Writes inv's PDF and XML into dir (refusing existing files unless
 * force); on failure removes what it wrote. */
static int
invoice_files(const struct invoice *inv, const char *dir, bool force, struct error *e)
{
	char pdf[4096], xml[4096];
	FILE *f;

	invoice_paths(dir, inv->number, pdf, xml, sizeof(pdf));
	if (cli_out_file(pdf, force, e) != 0 || cli_out_file(xml, force, e) != 0)
		return -1;
	if (invoice_pdf_write(inv, pdf, e) != 0)
		return -1;
	f = fopen(xml, "w");
	if (f == NULL || fputs(inv->xml, f) < 0 || fclose(f) != 0) {
		if (f != NULL)
			fclose(f);
		unlink(pdf);
		unlink(xml);
		return error_set(e, 500, "WRITE_FAILED", "cannot write %s: %s", xml, strerror(errno));
	}
	return 0;
}

static void
invoice_unlink(const struct invoice *inv, const char *dir)
{
	char pdf[4096], xml[4096];

	invoice_paths(dir, inv->number, pdf, xml, sizeof(pdf));
	unlink(pdf);
	unlink(xml);
}

/* Prints the documents made, as text or JSON. */
static int
invoice_print_made(const struct cli *cli, const struct invoice *docs, size_t count,
    const char *dir, bool dry_run)
{
	char total[MONEY_FORMAT_SIZE], pdf[4096], xml[4096];
	json_t *all = json_array();

	for (size_t i = 0; i < count; i++) {
		money_format(docs[i].total_cents, total, sizeof(total));
		invoice_paths(dir, docs[i].number, pdf, xml, sizeof(pdf));
		if (cli->json) {
			json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s?, s:s?}",
			    "number", docs[i].number, "kind", docs[i].credit_note ? "credit_note" :
			    "invoice", "part", docs[i].part, "total_cents", (json_int_t)docs[i].total_cents,
			    "total", total, "pdf", dry_run ? NULL : pdf, "xml", dry_run ? NULL : xml));
			continue;
		}
		printf("%s%s %s (%s): %s EUR\n", dry_run ? "would make " : "", docs[i].credit_note ?
		    "credit note" : "invoice", docs[i].number, strcmp(docs[i].part, "face") == 0 ?
		    "face value" : "fees", total);
		if (!dry_run)
			printf("wrote %s\nwrote %s\n", pdf, xml);
	}
	if (cli->json)
		return cli_print_json(json_pack("{s:o, s:b}", "invoices", all, "dry_run", dry_run));
	json_decref(all);
	return EXIT_OK;
}

/* Confirms making docs (cannot be undone). */
static int
invoice_confirm(const struct cli *cli, const struct invoice *docs, size_t count,
    struct error *e)
{
	char what[300] = "make", part[80], total[MONEY_FORMAT_SIZE];

	for (size_t i = 0; i < count && i < 2; i++) {
		money_format(docs[i].total_cents, total, sizeof(total));
		snprintf(part, sizeof(part), "%s %.14s (%.24s EUR)", i > 0 ? "," : "",
		    docs[i].number, total);
		strncat(what, part, sizeof(what) - strlen(what) - 1);
	}
	strncat(what, " (never edited nor deleted)", sizeof(what) - strlen(what) - 1);
	return cli_confirm(cli, what, e);
}

/* Ends a dry run: rolls back and prints what would have been made. */
static int
invoice_dry_run(struct cli *cli, const struct invoice *docs, size_t count, const char *dir)
{
	struct error e;

	db_write_end(cli->home.db, -1, &e);
	return invoice_print_made(cli, docs, count, dir, true);
}

static int
invoice_create_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "funder", required_argument, NULL, 'f' },
		{ "period", required_argument, NULL, 'p' },
		{ "campaign", required_argument, NULL, 'c' },
		{ "order", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "engagement", required_argument, NULL, 'e' },
		{ "token-file", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'Z' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct invoice_options o = { 0 };
	struct invoice_request req = { 0 };
	struct invoice docs[2];
	char who[REGISTRY_ACTOR_SIZE];
	size_t count = 0, written = 0;
	int32_t first_day, last_day;
	struct error e;
	int rc, bases, first = cli_options(cli, argc, argv, "invoice create", invoice_create_help,
	    opts, invoice_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("invoice create", "unexpected operand \"%s\"", argv[first]);
	bases = (o.period != NULL) + (o.campaign != NULL) + (o.order != NULL);
	if (o.funder == NULL || cli_args_id(o.funder, &req.funder_id) != 0)
		return cli_usage_error("invoice create", "--funder ID (a positive number) is required");
	if (bases != 1)
		return cli_usage_error("invoice create", "give one of --period, --campaign, --order");
	if (o.out == NULL)
		return cli_usage_error("invoice create", "--out DIR is required");
	if (o.period != NULL) {
		if (date_period_parse(o.period, &first_day, &last_day, &e) != 0)
			return cli_bad_value("invoice create", &e);
		req.basis = INVOICE_BY_PERIOD;
		snprintf(req.period, sizeof(req.period), "%s", o.period);
	} else if (o.campaign != NULL) {
		if (cli_args_id(o.campaign, &req.campaign_id) != 0)
			return cli_usage_error("invoice create", "--campaign takes a campaign ID");
		req.basis = INVOICE_BY_CAMPAIGN;
	} else {
		if (registry_fund_ref_check(o.order, &e) != 0)
			return cli_bad_value("invoice create", &e);
		req.basis = INVOICE_BY_ORDER;
		snprintf(req.order_ref, sizeof(req.order_ref), "%s", o.order);
	}
	if (o.engagement != NULL) {
		if (invoice_engagement_check(o.engagement, &e) != 0)
			return cli_bad_value("invoice create", &e);
		snprintf(req.engagement, sizeof(req.engagement), "%s", o.engagement);
	}
	if (cli_out_dir(o.out, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = invoice_create(cli->home.db, &req, clock_now(), who, docs, &count, &e);
	if (rc == 0 && o.dry_run) {
		rc = invoice_dry_run(cli, docs, count, o.out);
		for (size_t i = 0; i < count; i++)
			invoice_free(&docs[i]);
		return rc;
	}
	if (rc == 0)
		rc = invoice_confirm(cli, docs, count, &e);
	for (; rc == 0 && written < count; written++)
		rc = invoice_files(&docs[written], o.out, o.force, &e);
	if ((rc = cli_commit(cli, rc, &e)) == EXIT_OK)
		rc = invoice_print_made(cli, docs, count, o.out, false);
	else
		for (size_t i = 0; i < written; i++)
			invoice_unlink(&docs[i], o.out);
	for (size_t i = 0; i < count; i++)
		invoice_free(&docs[i]);
	return rc;
}

static int
invoice_credit_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'R' },
		{ "amount", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "token-file", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'Z' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct invoice_options o = { 0 };
	enum invoice_reason reason;
	char who[REGISTRY_ACTOR_SIZE];
	struct invoice cn = { 0 };
	int64_t amount = 0;
	bool wrote = false;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "invoice credit-note", invoice_credit_help,
	    opts, invoice_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("invoice credit-note", "give one invoice NUMBER");
	if (o.reason == NULL || o.out == NULL)
		return cli_usage_error("invoice credit-note", "--reason and --out DIR are required");
	if (invoice_number_check(argv[first], &e) != 0 || invoice_reason_parse(o.reason, &reason,
	    &e) != 0 || (o.amount != NULL && money_parse(o.amount, &amount, &e) != 0))
		return cli_bad_value("invoice credit-note", &e);
	if (o.amount != NULL && amount == 0)
		return cli_usage_error("invoice credit-note", "--amount must be at least 0.01");
	if (cli_out_dir(o.out, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = invoice_credit_note(cli->home.db, argv[first], reason, amount, clock_now(), who,
		    &cn, &e);
	if (rc == 0 && o.dry_run) {
		rc = invoice_dry_run(cli, &cn, 1, o.out);
		invoice_free(&cn);
		return rc;
	}
	if (rc == 0)
		rc = invoice_confirm(cli, &cn, 1, &e);
	if (rc == 0 && (rc = invoice_files(&cn, o.out, o.force, &e)) == 0)
		wrote = true;
	if ((rc = cli_commit(cli, rc, &e)) == EXIT_OK)
		rc = invoice_print_made(cli, &cn, 1, o.out, false);
	else if (wrote)
		invoice_unlink(&cn, o.out);
	invoice_free(&cn);
	return rc;
}

static void
invoice_row_print(const json_t *d)
{
	const json_t *clock = json_object_get(d, "clock");

	printf("%-14s %-6s %-4s funder %-4lld %12s EUR  %-16s due %s  late %lld d\n",
	    json_string_value(json_object_get(d, "number")),
	    strcmp(json_string_value(json_object_get(d, "kind")), "invoice") == 0 ? "FA" : "AV",
	    json_string_value(json_object_get(d, "part")),
	    (long long)json_integer_value(json_object_get(d, "funder_id")),
	    json_string_value(json_object_get(d, "total")),
	    json_string_value(json_object_get(d, "status")),
	    json_string_value(json_object_get(clock, "due_day")),
	    (long long)json_integer_value(json_object_get(clock, "days_late")));
}

static int
invoice_list_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "funder", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct invoice_options o = { 0 };
	int64_t funder = 0;
	struct error e;
	json_t *all, *d;
	size_t i;
	int first = cli_options(cli, argc, argv, "invoice list", invoice_list_help, opts,
	    invoice_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("invoice list", "unexpected operand \"%s\"", argv[first]);
	if (o.funder != NULL && cli_args_id(o.funder, &funder) != 0)
		return cli_usage_error("invoice list", "--funder takes a funder ID");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if ((all = invoice_list_json(cli->home.db, funder, &e)) == NULL)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(all);
	json_array_foreach(all, i, d)
		invoice_row_print(d);
	json_decref(all);
	return EXIT_OK;
}

/* Prints the clock of document d. */
static void
invoice_clock_print(const json_t *d)
{
	const json_t *c = json_object_get(d, "clock"), *s;
	size_t i;

	printf("status: %s\n", json_string_value(json_object_get(d, "status")));
	json_array_foreach(json_object_get(d, "statuses"), i, s)
		printf("  %s %s (%s)\n", json_string_value(json_object_get(s, "day")),
		    json_string_value(json_object_get(s, "status")),
		    json_string_value(json_object_get(s, "recorded_by")));
	if (strcmp(json_string_value(json_object_get(d, "kind")), "invoice") != 0)
		return;
	printf("owed: %s EUR\n", json_string_value(json_object_get(d, "owed")));
	printf("received: %s, due: %s, days late: %lld (suspended %lld)\n",
	    json_string_value(json_object_get(c, "receipt_day")),
	    json_string_value(json_object_get(c, "due_day")),
	    (long long)json_integer_value(json_object_get(c, "days_late")),
	    (long long)json_integer_value(json_object_get(c, "suspended_days")));
	printf("late interest: %s EUR, indemnity: %s EUR\n",
	    json_string_value(json_object_get(c, "interest")),
	    json_string_value(json_object_get(c, "indemnity")));
}

/* Reads document number and prints it (show, status). */
static int
invoice_describe(struct cli *cli, const char *number, bool lines, bool xml)
{
	struct invoice inv;
	struct error e;
	json_t *d, *l;
	size_t i;

	if (invoice_get(cli->home.db, number, &inv, &e) != 0)
		return cli_fail(&e);
	if (xml) {
		fputs(inv.xml, stdout);
		invoice_free(&inv);
		return EXIT_OK;
	}
	d = invoice_json(cli->home.db, &inv, clock_today(CLOCK_TZ_PARIS), &e);
	invoice_free(&inv);
	if (d == NULL)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(d);
	printf("%s %s of funder %lld, %s, issued %s\n", json_string_value(json_object_get(d,
	    "kind")), number, (long long)json_integer_value(json_object_get(d, "funder_id")),
	    json_string_value(json_object_get(d, "part")),
	    json_string_value(json_object_get(d, "issue_day")));
	if (lines) {
		json_array_foreach(json_object_get(d, "lines"), i, l)
			printf("  %lld x %s = %s  %s\n", (long long)json_integer_value(json_object_get(l,
			    "quantity")), json_string_value(json_object_get(l, "unit")),
			    json_string_value(json_object_get(l, "net")),
			    json_string_value(json_object_get(l, "description")));
		printf("net %s, VAT %s (%s), total %s EUR\n", json_string_value(json_object_get(d,
		    "net")), json_string_value(json_object_get(d, "vat")),
		    json_string_value(json_object_get(d, "vat_category")),
		    json_string_value(json_object_get(d, "total")));
	}
	invoice_clock_print(d);
	json_decref(d);
	return EXIT_OK;
}

static int
invoice_show_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "xml", no_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	struct invoice_options o = { 0 };
	struct error e;
	int first = cli_options(cli, argc, argv, "invoice show", invoice_show_help, opts,
	    invoice_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("invoice show", "give one NUMBER");
	if (invoice_number_check(argv[first], &e) != 0)
		return cli_bad_value("invoice show", &e);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	return invoice_describe(cli, argv[first], true, o.xml);
}

static int
invoice_status_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "day", required_argument, NULL, 'd' },
		{ "token-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct invoice_options o = { 0 };
	int32_t today = clock_today(CLOCK_TZ_PARIS), day = today;
	char who[REGISTRY_ACTOR_SIZE];
	struct error e;
	int status = 0, rc, first = cli_options(cli, argc, argv, "invoice status",
	    invoice_status_help, opts, invoice_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("invoice status", "give one NUMBER");
	if (invoice_number_check(argv[first], &e) != 0 ||
	    (o.set != NULL && invoice_status_parse(o.set, &status, &e) != 0) ||
	    (o.day != NULL && date_parse(o.day, &day, &e) != 0))
		return cli_bad_value("invoice status", &e);
	if (o.day != NULL && o.set == NULL)
		return cli_usage_error("invoice status", "--day goes with --set");
	if (o.set == NULL) {
		if (cli_open_home(cli) != 0)
			return EXIT_REFUSED;
		return invoice_describe(cli, argv[first], false, false);
	}
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = invoice_status_set(cli->home.db, argv[first], status, day, today, who,
		    clock_now(), &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return invoice_describe(cli, argv[first], false, false);
}

static int
invoice_pay_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ref", required_argument, NULL, 'x' },
		{ "day", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct invoice_options o = { 0 };
	int32_t today = clock_today(CLOCK_TZ_PARIS), day = today;
	int64_t amount = 0;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "invoice pay", invoice_pay_help, opts,
	    invoice_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 2)
		return cli_usage_error("invoice pay", "give a NUMBER and an AMOUNT");
	if (o.ref == NULL)
		return cli_usage_error("invoice pay", "--ref is required");
	if (invoice_number_check(argv[first], &e) != 0 || money_parse(argv[first + 1], &amount,
	    &e) != 0 || registry_fund_ref_check(o.ref, &e) != 0 ||
	    (o.day != NULL && date_parse(o.day, &day, &e) != 0))
		return cli_bad_value("invoice pay", &e);
	if (amount == 0)
		return cli_usage_error("invoice pay", "AMOUNT must be at least 0.01");
	if (day > today)
		return cli_usage_error("invoice pay", "--day is after today");
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = invoice_record_payment(cli->home.db, argv[first], amount, day, o.ref, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return invoice_describe(cli, argv[first], false, false);
}

static int
invoice_terms_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fee-percent", required_argument, NULL, 'P' },
		{ "vat-class", required_argument, NULL, 'V' },
		{ "token-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct invoice_options o = { 0 };
	char who[REGISTRY_ACTOR_SIZE];
	int64_t campaign, bp = 0;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "invoice terms", invoice_terms_help, opts,
	    invoice_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &campaign) != 0)
		return cli_usage_error("invoice terms", "give one CAMPAIGN id");
	if (o.fee == NULL)
		return cli_usage_error("invoice terms", "--fee-percent is required (0 for none)");
	if (invoice_fee_parse(o.fee, &bp, &e) != 0)
		return cli_bad_value("invoice terms", &e);
	if (o.vat_class != NULL && strcmp(o.vat_class, "multi") != 0 &&
	    strcmp(o.vat_class, "single") != 0)
		return cli_usage_error("invoice terms", "--vat-class is multi or single");
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = invoice_terms_set(cli->home.db, campaign, bp, o.vat_class != NULL ? o.vat_class :
		    "multi", who, clock_now(), &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:s}", "campaign_id", (json_int_t)campaign,
		    "fee_bp", (json_int_t)bp, "vat_class", o.vat_class != NULL ? o.vat_class : "multi"));
	printf("campaign %lld: fee %s %%, VAT class %s\n", (long long)campaign, o.fee,
	    o.vat_class != NULL ? o.vat_class : "multi");
	return EXIT_OK;
}

/* Prints every invoicing setting. */
static int
invoice_config_print(struct cli *cli)
{
	char ecb[MONEY_FORMAT_SIZE], margin[MONEY_FORMAT_SIZE], franchise[8], face[201],
	    fr[201], outside[201];
	int64_t ecb_bp = 0, margin_bp = 0;
	struct db *db = cli->home.db;
	struct error e;

	if (registry_setting_int(db, INVOICE_SETTING_ECB_RATE, INVOICE_DEFAULT_ECB_RATE_BP, &ecb_bp,
	    &e) != 0 || registry_setting_int(db, INVOICE_SETTING_LATE_MARGIN,
	    INVOICE_DEFAULT_LATE_MARGIN_BP, &margin_bp, &e) != 0 ||
	    registry_setting_text(db, INVOICE_SETTING_FRANCHISE, "no", franchise, sizeof(franchise),
	    &e) != 0 || registry_setting_text(db, INVOICE_SETTING_MENTION_FACE,
	    INVOICE_DEFAULT_MENTION_FACE, face, sizeof(face), &e) != 0 ||
	    registry_setting_text(db, INVOICE_SETTING_MENTION_FRANCHISE,
	    INVOICE_DEFAULT_MENTION_FRANCHISE, fr, sizeof(fr), &e) != 0 ||
	    registry_setting_text(db, INVOICE_SETTING_MENTION_OUTSIDE, INVOICE_DEFAULT_MENTION_OUTSIDE,
	    outside, sizeof(outside), &e) != 0)
		return cli_fail(&e);
	money_format(ecb_bp, ecb, sizeof(ecb));
	money_format(margin_bp, margin, sizeof(margin));
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ecb_rate", ecb,
		    "late_margin", margin, "vat_franchise", franchise, "mention_face", face,
		    "mention_franchise", fr, "mention_outside", outside));
	printf("ecb rate: %s %%\nlate margin: %s points\nvat franchise: %s\nmention face: %s\n"
	    "mention franchise: %s\nmention outside: %s\n", ecb, margin, franchise, face, fr,
	    outside);
	return EXIT_OK;
}

/* Stores the settings o gives, inside the verb's transaction. */
static int
invoice_config_store(struct db *db, const struct invoice_options *o, int64_t ecb_bp,
    int64_t margin_bp, struct error *e)
{
	char text[32];

	if (o->ecb != NULL) {
		snprintf(text, sizeof(text), "%lld", (long long)ecb_bp);
		if (registry_setting_set(db, INVOICE_SETTING_ECB_RATE, text, e) != 0)
			return -1;
	}
	if (o->margin != NULL) {
		snprintf(text, sizeof(text), "%lld", (long long)margin_bp);
		if (registry_setting_set(db, INVOICE_SETTING_LATE_MARGIN, text, e) != 0)
			return -1;
	}
	return (o->franchise != NULL && registry_setting_set(db, INVOICE_SETTING_FRANCHISE,
	    o->franchise, e) != 0) || (o->mention_face != NULL && registry_setting_set(db,
	    INVOICE_SETTING_MENTION_FACE, o->mention_face, e) != 0) ||
	    (o->mention_franchise != NULL && registry_setting_set(db,
	    INVOICE_SETTING_MENTION_FRANCHISE, o->mention_franchise, e) != 0) ||
	    (o->mention_outside != NULL && registry_setting_set(db, INVOICE_SETTING_MENTION_OUTSIDE,
	    o->mention_outside, e) != 0) ? -1 : 0;
}

static int
invoice_config_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ecb-rate", required_argument, NULL, 'E' },
		{ "late-margin", required_argument, NULL, 'M' },
		{ "vat-franchise", required_argument, NULL, 'F' },
		{ "mention-face", required_argument, NULL, '1' },
		{ "mention-franchise", required_argument, NULL, '2' },
		{ "mention-outside", required_argument, NULL, '3' },
		{ NULL, 0, NULL, 0 },
	};
	struct invoice_options o = { 0 };
	int64_t ecb_bp = 0, margin_bp = 0;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "invoice config", invoice_config_help, opts,
	    invoice_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("invoice config", "unexpected operand \"%s\"", argv[first]);
	if ((o.ecb != NULL && invoice_fee_parse(o.ecb, &ecb_bp, &e) != 0) ||
	    (o.margin != NULL && invoice_fee_parse(o.margin, &margin_bp, &e) != 0))
		return cli_bad_value("invoice config", &e);
	if (o.franchise != NULL && strcmp(o.franchise, "yes") != 0 && strcmp(o.franchise, "no") != 0)
		return cli_usage_error("invoice config", "--vat-franchise is yes or no");
	if (o.ecb == NULL && o.margin == NULL && o.franchise == NULL && o.mention_face == NULL &&
	    o.mention_franchise == NULL && o.mention_outside == NULL)
		return cli_open_home(cli) != 0 ? EXIT_REFUSED : invoice_config_print(cli);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = invoice_config_store(cli->home.db, &o, ecb_bp, margin_bp, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return invoice_config_print(cli);
}

int
cmd_invoice(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb subs[] = {
		{ "create", invoice_create_run, "invoice a funder (PDF + UBL)", invoice_create_help },
		{ "credit-note", invoice_credit_run, "a credit note on an invoice", invoice_credit_help },
		{ "list", invoice_list_run, "every invoice and credit note", invoice_list_help },
		{ "show", invoice_show_run, "one document", invoice_show_help },
		{ "status", invoice_status_run, "its Chorus Pro status and clock", invoice_status_help },
		{ "pay", invoice_pay_run, "record a payment received", invoice_pay_help },
		{ "terms", invoice_terms_run, "a campaign's fee and VAT class", invoice_terms_help },
		{ "config", invoice_config_run, "ECB rate, VAT franchise, wording", invoice_config_help },
		{ NULL, NULL, NULL, NULL },
	};

	return cli_dispatch(cli, subs, "invoice", cmd_invoice_help, argc, argv);
}
