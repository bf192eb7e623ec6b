/* passnum settle --period YYYY-MM --out FILE [--format F] [--reissue] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "cli_io.h"
#include "clock.h"
#include "date.h"
#include "db.h"
#include "money.h"
#include "report.h"
#include "registry.h"
#include "sepa.h"
#include "settlement.h"

const char cmd_settle_help[] =
    "usage: passnum settle --period YYYY-MM --out FILE [--format F] [--min-amount EUR]\n"
    "                      [--advance-float] [--force] [--dry-run] [--token-file F]\n"
    "       passnum settle --period YYYY-MM --reissue --out FILE [--format F] [--force]\n"
    "\n"
    "Pays the payees for a closed period (a calendar month, Europe/Paris): its\n"
    "last day has ended and no redemption in it may still be cancelled. One\n"
    "SEPA credit transfer per payee (SIRET + IBAN) not on hold (passnum payee\n"
    "hold), for every redemption not cancelled and not yet paid made before the\n"
    "period's end (what a hold kept back is paid by the first settlement after\n"
    "its release); a payee owed less than --min-amount (default 0.01) waits for\n"
    "a later one. The debtor is the operator (its IBAN and BIC from init).\n"
    "The passes of a funder on purchase (invoiced monthly for the passes\n"
    "redeemed) wait until the invoice billing them is paid in full (one not\n"
    "issued yet counts as unpaid): they stay payable, are listed per funder and\n"
    "invoice, and are paid by the first settlement after the payment.\n"
    "Ledger: entries \"settle\" move each payee's payable to payouts in transit\n"
    "(4678), in the same transaction that records the settlement and its\n"
    "payouts. A period is settled once, in order; settling cannot be undone and\n"
    "is confirmed (--yes in scripts; --dry-run says what it would pay).\n"
    "\n"
    "  --format F     pain.001.001.09 (default), pain.001.001.03 (for banks that\n"
    "                 still ask), or payment-list (CSV for a public accountant:\n"
    "                 amount, legal name, SIRET, IBAN, statement), with each\n"
    "                 payee's statement beside it (RLV-....html, passnum report\n"
    "                 payee in HTML): the supporting documents\n"
    "  --advance-float pays those waiting passes anyway, from the operator's own\n"
    "                 money: entries \"float-advance\" on operator:float:<funder>\n"
    "                 (8018), cleared (\"float-repaid\") when the invoice is paid\n"
    "  --reissue      writes again the file of the period's payouts the bank has\n"
    "                 rejected or not confirmed (pain.002, statements), with the\n"
    "                 same MsgId, PmtInfId and EndToEndIds (new ids would pay\n"
    "                 twice); changes nothing\n"
    "  --out FILE     never replaced unless --force\n"
    "\n"
    "With --json: id, period, msg_id, pmt_inf_id, count, total_cents, total,\n"
    "format, file, payouts [{id, payee_id, siret, name, iban, end_to_end_id,\n"
    "statement, passes, amount_cents, amount}], held {payees, amount_cents},\n"
    "held_for_invoices {advanced, payees, amount_cents, funders [{funder_id,\n"
    "name, invoice (null: not invoiced), amount_cents, amount, passes, payees}]}.\n"
    "\n"
    "examples:\n"
    "  passnum --yes settle --period 2027-04 --out virements-2027-04.xml\n"
    "  passnum settle --period 2027-04 --reissue --out virements-2027-04.xml --force\n"
    "  passnum --yes settle --period 2027-04 --format payment-list --out liste-2027-04.csv\n"
    "  passnum --yes settle --period 2027-05 --advance-float --out virements-2027-05.xml\n";

struct settle_options {
	const char *period, *out, *token_file;
	enum sepa_format format;
	int64_t min_cents;
	bool reissue, force, dry_run, advance_float;
};

static int
settle_option(int opt, const char *arg, void *ctx)
{
	struct settle_options *o = ctx;
	struct error e;

	switch (opt) {
	case 'p': o->period = arg; return 0;
	case 'o': o->out = arg; return 0;
	case 't': o->token_file = arg; return 0;
	case 'r': o->reissue = true; return 0;
	case 'f': o->force = true; return 0;
	case 'n': o->dry_run = true; return 0;
	case 'a': o->advance_float = true; return 0;
	case 'F':
		return sepa_format_parse(arg, &o->format, &e) == 0 ? 0 : (cli_bad_value("settle", &e), -1);
	case 'm':
		if (money_parse(arg, &o->min_cents, &e) != 0)
			return cli_bad_value("settle", &e), -1;
		if (o->min_cents == 0)
			return cli_usage_error("settle", "--min-amount must be at least 0.01"), -1;
		return 0;
	}
	return -1;
}

/* The payees' statements: each payout's statement (the payee's statement
 * of the period, passnum report payee, in HTML) beside the transfer file
 * or payment list, named after its statement number (the remittance text's
 * « releve », the list's "releve" column): the supporting documents. A
 * reissue (reissue true) writes those missing (all with --force): the
 * others were written by the settlement, and a closed period's figures do
 * not move. */
static int
settle_statements(struct cli *cli, const struct settlement *s, const struct settle_options *o,
    bool check_only, bool reissue, struct error *e)
{
	struct report_period period;
	char dir[4096], path[4200];
	const char *slash;

	if (s->payout_count == 0)
		return 0;
	slash = strrchr(o->out, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash != NULL ? (int)(slash - o->out) : 1,
	    slash != NULL ? o->out : ".");
	if (report_period_parse(s->period, &period, e) != 0)
		return -1;
	for (size_t i = 0; i < s->payout_count; i++) {
		struct report_doc *doc = NULL;
		FILE *f;
		int rc;
		snprintf(path, sizeof(path), "%s/%s.html", dir, s->payouts[i].statement);
		if (reissue && !o->force && access(path, F_OK) == 0)
			continue;
		if (cli_out_file(path, o->force, e) != 0)
			return -1;
		if (check_only)
			continue;
		if (report_build(cli->home.db, REPORT_PAYEE, s->payouts[i].payee_id, &period,
		    clock_now(), &doc, e) != 0)
			return -1;
		if ((f = fopen(path, "w")) == NULL) {
			report_doc_free(doc);
			return error_set(e, 500, "WRITE_ERROR", "cannot write %s", path);
		}
		rc = report_write(doc, REPORT_HTML, f, e);
		report_doc_free(doc);
		if (fclose(f) != 0 && rc == 0)
			rc = error_set(e, 500, "WRITE_ERROR", "cannot write %s", path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* What waits for purchase funders' invoices (or was advanced), as JSON. */
static json_t *
settle_waiting_json(const struct settlement *s)
{
	json_t *list = json_array();
	char amount[MONEY_FORMAT_SIZE];

	for (size_t i = 0; i < s->waiting_count; i++) {
		const struct settlement_waiting *w = &s->waiting[i];
		money_format(w->cents, amount, sizeof(amount));
		json_array_append_new(list, json_pack("{s:I, s:s, s:s?, s:I, s:s, s:I, s:I}",
		    "funder_id", (json_int_t)w->funder_id, "name", w->funder, "invoice",
		    w->invoice[0] != '\0' ? w->invoice : NULL, "amount_cents", (json_int_t)w->cents,
		    "amount", amount, "passes", (json_int_t)w->passes, "payees", (json_int_t)w->payees));
	}
	return json_pack("{s:b, s:I, s:I, s:o}", "advanced", s->advance_float, "payees",
	    (json_int_t)s->waiting_payees, "amount_cents", (json_int_t)s->waiting_cents, "funders",
	    list);
}

/* Prints what waits for purchase funders' invoices (or was advanced). */
static void
settle_waiting_print(const struct settlement *s)
{
	char amount[MONEY_FORMAT_SIZE];

	for (size_t i = 0; i < s->waiting_count; i++) {
		const struct settlement_waiting *w = &s->waiting[i];
		money_format(w->cents, amount, sizeof(amount));
		printf("%s for funder %lld %s: %s EUR (%lld passes, %lld %s), %s%s%s\n",
		    s->advance_float ? "advanced" : "held", (long long)w->funder_id, w->funder, amount,
		    (long long)w->passes, (long long)w->payees, w->payees == 1 ? "payee" : "payees",
		    w->invoice[0] != '\0' ? "invoice " : "« not invoiced »",
		    w->invoice, w->invoice[0] != '\0' ? " not paid in full" : "");
	}
	if (s->waiting_count == 0)
		return;
	money_format(s->waiting_cents, amount, sizeof(amount));
	if (s->advance_float)
		printf("float advanced from the operator's own money: %s EUR (operator:float:<funder>),"
		    " repaid when the invoices are paid\n", amount);
	else
		printf("held back until purchase funders pay their invoices: %s EUR, %lld %s (still"
		    " payable; --advance-float pays it from the operator's own money)\n", amount,
		    (long long)s->waiting_payees, s->waiting_payees == 1 ? "payee" : "payees");
}

/* Prints what s pays (or would pay), as text or JSON. */
static int
settle_print(const struct cli *cli, const struct settlement *s, const struct settle_options *o,
    bool done)
{
	char total[MONEY_FORMAT_SIZE], amount[MONEY_FORMAT_SIZE], held[MONEY_FORMAT_SIZE];
	json_t *payouts = json_array();

	money_format(s->total_cents, total, sizeof(total));
	money_format(s->held_cents, held, sizeof(held));
	for (size_t i = 0; i < s->payout_count; i++) {
		const struct settlement_payout *p = &s->payouts[i];
		money_format(p->amount_cents, amount, sizeof(amount));
		if (cli->json)
			json_array_append_new(payouts, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s,"
			    " s:I, s:I, s:s}", "id", (json_int_t)p->id, "payee_id", (json_int_t)p->payee_id,
			    "siret", p->siret, "name", p->name, "iban", p->iban, "end_to_end_id",
			    p->end_to_end_id, "statement", p->statement, "passes", (json_int_t)p->passes,
			    "amount_cents", (json_int_t)p->amount_cents, "amount", amount));
		else
			printf("payee %lld %s %s: %s EUR for %lld passes (%s)\n", (long long)p->payee_id,
			    p->siret, p->name, amount, (long long)p->passes, p->end_to_end_id);
	}
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s?, s:b,"
		    " s:o, s:{s:I, s:I}, s:o}", "id", (json_int_t)s->id, "period", s->period, "msg_id",
		    s->msg_id, "pmt_inf_id", s->pmt_inf_id, "count", (json_int_t)s->count,
		    "total_cents", (json_int_t)s->total_cents, "total", total, "format",
		    sepa_format_name(o->format), "file", done ? o->out : NULL, "dry_run", !done,
		    "payouts", payouts, "held", "payees", (json_int_t)s->held_payees, "amount_cents",
		    (json_int_t)s->held_cents, "held_for_invoices", settle_waiting_json(s)));
	json_decref(payouts);
	printf("%s %s: %lld %s, %s EUR, MsgId %s\n", done ? "settlement" : "would settle",
	    s->period, (long long)s->count, s->count == 1 ? "transfer" : "transfers", total,
	    s->msg_id);
	if (s->held_payees > 0)
		printf("kept on hold: %lld %s, %s EUR\n", (long long)s->held_payees,
		    s->held_payees == 1 ? "payee" : "payees", held);
	settle_waiting_print(s);
	if (done)
		printf("wrote %s (%s)\n", o->out, sepa_format_name(o->format));
	if (done && s->payout_count > 0)
		printf("wrote the %zu payees' statements beside it, each named after its statement"
		    " number (RLV-...html)\n", s->payout_count);
	return EXIT_OK;
}

/* --reissue: reads the settlement (no write) and writes again the file of
 * its payouts the bank has not accepted (rejected or never confirmed),
 * with the same ids. */
static int
settle_reissue(struct cli *cli, const struct settle_options *o)
{
	struct settlement s;
	struct error e;
	int rc;

	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (settlement_load(cli->home.db, o->period, true, &s, &e) != 0)
		return cli_fail(&e);
	rc = settle_statements(cli, &s, o, true, true, &e) == 0 && sepa_write(&s, o->format, o->out,
	    &e) == 0 && settle_statements(cli, &s, o, false, true, &e) == 0 ?
	    settle_print(cli, &s, o, true) : cli_fail(&e);
	settlement_free(&s);
	return rc;
}

/* Confirms the settlement s about to be made (--yes, a terminal). */
static int
settle_confirm(const struct cli *cli, const struct settlement *s, struct error *e)
{
	char what[300], total[MONEY_FORMAT_SIZE], advanced[MONEY_FORMAT_SIZE];

	money_format(s->total_cents, total, sizeof(total));
	money_format(s->waiting_cents, advanced, sizeof(advanced));
	if (s->advance_float && s->waiting_cents > 0)
		snprintf(what, sizeof(what), "settle %s: %lld transfers, %s EUR, of which %s EUR"
		    " advanced from the operator's own money (cannot be undone)", s->period,
		    (long long)s->count, total, advanced);
	else
		snprintf(what, sizeof(what), "settle %s: %lld transfers, %s EUR (cannot be undone)",
		    s->period, (long long)s->count, total);
	return cli_confirm(cli, what, e);
}

/* Settles in one write transaction, writes the file before committing
 * (removed again when the commit fails), prints the result. */
static int
settle_run(struct cli *cli, const struct settle_options *o)
{
	char who[REGISTRY_ACTOR_SIZE];
	struct settlement s = { 0 };
	bool wrote = false;
	struct error e;
	int rc;

	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o->token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = settlement_create(cli->home.db, o->period, o->min_cents, o->advance_float,
		    clock_now(), who, &s, &e);
	if (rc == 0 && o->dry_run) {
		db_write_end(cli->home.db, -1, &e);
		rc = settle_print(cli, &s, o, false);
		settlement_free(&s);
		return rc;
	}
	if (rc == 0)
		rc = settle_confirm(cli, &s, &e);
	if (rc == 0)
		rc = settle_statements(cli, &s, o, true, false, &e);
	if (rc == 0 && (rc = sepa_write(&s, o->format, o->out, &e)) == 0)
		wrote = true;
	if ((rc = cli_commit(cli, rc, &e)) == EXIT_OK)
		rc = settle_statements(cli, &s, o, false, false, &e) == 0 ? settle_print(cli, &s, o, true) :
		    cli_fail(&e);
	else if (wrote)
		unlink(o->out);
	settlement_free(&s);
	return rc;
}

int
cmd_settle(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "min-amount", required_argument, NULL, 'm' },
		{ "reissue", no_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "advance-float", no_argument, NULL, 'a' },
		{ "token-file", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct settle_options o = { .format = SEPA_PAIN_001_001_09, .min_cents = 1 };
	int32_t first_day, last_day;
	struct error e;
	int first = cli_options(cli, argc, argv, "settle", cmd_settle_help, opts, settle_option, &o);

	if (first == -1)
		return EXIT_OK;
	if (first < 0)
		return EXIT_USAGE;
	if (argc != first)
		return cli_usage_error("settle", "unexpected operand \"%s\"", argv[first]);
	if (o.period == NULL)
		return cli_usage_error("settle", "--period YYYY-MM is required");
	if (date_period_parse(o.period, &first_day, &last_day, &e) != 0)
		return cli_bad_value("settle", &e);
	if (o.out == NULL && !o.dry_run)
		return cli_usage_error("settle", "--out FILE is required");
	if (o.reissue && o.advance_float)
		return cli_usage_error("settle", "--reissue pays nothing new: --advance-float does not"
		    " apply");
	if (o.reissue && o.dry_run)
		return cli_usage_error("settle", "--reissue changes nothing: --dry-run does not apply");
	if (o.out != NULL && cli_out_file(o.out, o.force, &e) != 0)
		return cli_fail(&e);
	return o.reissue ? settle_reissue(cli, &o) : settle_run(cli, &o);
}
