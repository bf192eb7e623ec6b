/* passnum reconcile [--period YYYY-MM] [--out REPORT] [--force] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_io.h"
#include "clock.h"
#include "date.h"
#include "money.h"
#include "reconcile.h"

const char cmd_reconcile_help[] =
    "usage: passnum reconcile [--period YYYY-MM] [--out REPORT] [--force]\n"
    "\n"
    "The état de rapprochement and the coverage check (docs/accounting.md):\n"
    "for each of the operator's two accounts, the ledger's bank balance\n"
    "against the last statement's closing balance, each difference explained;\n"
    "per statement, opening + lines = closing, and each statement opening where\n"
    "the one before closed; the lines still in suspense; payouts not yet seen\n"
    "at the bank, with their age; invoices unpaid past due; the ledger's\n"
    "invariants (balances, not hashes: that is passnum ledger verify); and\n"
    "the coverage check: the third-party funds account holds at least the\n"
    "payouts in transit, the payees' payables, the balances and passes\n"
    "outstanding of funders who paid ahead, the credit notes owed and the fees\n"
    "and VAT not swept — total and per funder (a funder on purchase is a\n"
    "commitment shown apart). Without --period: every statement imported up to\n"
    "today. Exits 1 on any difference, each printed in cents with what to do.\n"
    "\n"
    "  --out REPORT   also writes the result as JSON and REPORT.note, a detached\n"
    "                 signature by the ledger key (C2SP signed note over its\n"
    "                 SHA-256); it says what it cannot prove\n"
    "\n"
    "With --json: the report itself.\n"
    "\n"
    "examples:\n"
    "  passnum reconcile\n"
    "  passnum reconcile --period 2027-05 --out rapprochement-2027-05.json\n";

struct reconcile_options {
	const char *period, *out;
	bool force;
};

static int
reconcile_option(int opt, const char *arg, void *ctx)
{
	struct reconcile_options *o = ctx;

	switch (opt) {
	case 'p': o->period = arg; return 0;
	case 'o': o->out = arg; return 0;
	case 'f': o->force = true; return 0;
	}
	return -1;
}

static void
reconcile_print(const json_t *report)
{
	const json_t *bank = json_object_get(report, "bank"), *cov = json_object_get(report, "coverage");
	const char *names[2] = { "funds", "operating" };
	char a[MONEY_FORMAT_SIZE], b[MONEY_FORMAT_SIZE];
	size_t i;
	json_t *x;

	for (int k = 0; k < 2; k++) {
		const json_t *acc = json_object_get(bank, names[k]);
		if (acc == NULL || !json_is_true(json_object_get(acc, "has_statement")))
			continue;
		money_format(json_integer_value(json_object_get(acc, "ledger_cents")), a, sizeof(a));
		money_format(json_integer_value(json_object_get(acc, "statement_closing_cents")), b,
		    sizeof(b));
		printf("%s account: ledger %s EUR, last statement %s EUR\n", names[k], a, b);
	}
	json_array_foreach(json_object_get(report, "statements"), i, x) {
		money_format(json_integer_value(json_object_get(x, "closing_cents")), a, sizeof(a));
		printf("statement %lld %s %s closing %s EUR%s\n",
		    (long long)json_integer_value(json_object_get(x, "id")),
		    json_string_value(json_object_get(x, "account")),
		    json_string_value(json_object_get(x, "ident")), a,
		    json_integer_value(json_object_get(x, "difference_cents")) != 0 ? " (does not add up)" :
		    "");
	}
	json_array_foreach(json_object_get(report, "payouts_not_seen"), i, x) {
		money_format(json_integer_value(json_object_get(x, "amount_cents")), a, sizeof(a));
		printf("payout %lld not seen at the bank: %s EUR, %s, %lld days\n",
		    (long long)json_integer_value(json_object_get(x, "payout")), a,
		    json_string_value(json_object_get(x, "status")),
		    (long long)json_integer_value(json_object_get(x, "age_days")));
	}
	money_format(json_integer_value(json_object_get(cov, "bank_cents")), a, sizeof(a));
	money_format(json_integer_value(json_object_get(cov, "owed_in_cash_cents")), b, sizeof(b));
	printf("coverage: bank %s EUR, owed in cash %s EUR: %s\n", a, b,
	    json_is_true(json_object_get(cov, "covered")) ? "covered" : "NOT COVERED");
	json_array_foreach(json_object_get(report, "funders"), i, x) {
		money_format(json_integer_value(json_object_get(x, "uncovered_cents")), a, sizeof(a));
		printf("funder %lld (%s): uncovered %s EUR\n",
		    (long long)json_integer_value(json_object_get(x, "funder")),
		    json_string_value(json_object_get(x, "frame")), a);
	}
	json_array_foreach(json_object_get(report, "differences"), i, x)
		printf("difference: %s: %lld cents; to do: %s\n",
		    json_string_value(json_object_get(x, "what")),
		    (long long)json_integer_value(json_object_get(x, "amount_cents")),
		    json_string_value(json_object_get(x, "todo")));
	printf("%s\n", json_is_true(json_object_get(report, "clean")) ? "reconciled: no difference" :
	    "NOT reconciled");
}

int
cmd_reconcile(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct reconcile_options o = { 0 };
	int32_t first_day, last_day;
	int64_t differences;
	json_t *report;
	struct error e;
	int first = cli_options(cli, argc, argv, "reconcile", cmd_reconcile_help, opts,
	    reconcile_option, &o);

	if (first == -1)
		return EXIT_OK;
	if (first < 0)
		return EXIT_USAGE;
	if (argc != first)
		return cli_usage_error("reconcile", "unexpected operand \"%s\"", argv[first]);
	if (o.period != NULL && date_period_parse(o.period, &first_day, &last_day, &e) != 0)
		return cli_bad_value("reconcile", &e);
	if (o.out != NULL && cli_out_file(o.out, o.force, &e) != 0)
		return cli_fail(&e);
	if (o.out != NULL) {
		char note[4200];
		snprintf(note, sizeof(note), "%s.note", o.out);
		if (cli_out_file(note, o.force, &e) != 0)
			return cli_fail(&e);
	}
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (reconcile_run(cli->home.db, o.period, clock_now(), &report, &differences, &e) != 0)
		return cli_fail(&e);
	if (o.out != NULL && reconcile_write_signed(cli->home.db, cli->home.dir, report, o.out,
	    &e) != 0) {
		json_decref(report);
		return cli_fail(&e);
	}
	if (cli->json)
		cli_print_json(json_incref(report));
	else
		reconcile_print(report);
	json_decref(report);
	if (differences > 0) {
		fprintf(stderr, "passnum: reconcile found %lld %s\n", (long long)differences,
		    differences == 1 ? "difference" : "differences");
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}
