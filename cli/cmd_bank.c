/* passnum bank import FILE | match LINE (--invoice N | --payout ID | --funder ID |
 * --charges | --sweep) | lines [--unmatched] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bank.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "registry.h"

static const char bank_import_help[] =
    "usage: passnum bank import FILE [--token-file F]\n"
    "\n"
    "Imports a bank file, detected by its content: a statement (camt.053\n"
    ".001.02 or .001.08, CFONB 120, or the CSV of docs/accounting.md), a\n"
    "notification (camt.054: it details batches and returns and posts\n"
    "nothing; a return it names holds the payee, or rejects a payout not\n"
    "debited yet) or a payment status report (pain.002: marks the payouts of\n"
    "a settlement accepted or rejected). The file is read whole before anything\n"
    "is written: a malformed record or a statement of an account that is\n"
    "neither the operator's third-party funds account (operator set --iban)\n"
    "nor its operating account (--operating-iban) refuses the file whole.\n"
    "A statement already imported (same account and Stmt/Id + ElctrncSeqNb, or\n"
    "the same content for CFONB 120) changes nothing. Each line is posted by\n"
    "one entry: batch and single payouts, returns, funders' payments named in\n"
    "the remittance text, charges; what matches nothing goes to suspense\n"
    "(471) and is listed (passnum bank match resolves it).\n"
    "\n"
    "With --json: format, statements, duplicates, lines, payouts_debited,\n"
    "returns, receipts, tied, charges, suspense, details, accepted, rejected,\n"
    "returns_notified, unmatched [{line, amount_cents, remittance,\n"
    "end_to_end_id, bank_ref}].\n"
    "\n"
    "example:\n"
    "  passnum bank import releve-2027-05.xml\n";

static const char bank_match_help[] =
    "usage: passnum bank match LINE (--invoice N | --payout ID | --funder ID |\n"
    "                               --charges | --sweep) [--token-file F]\n"
    "\n"
    "Resolves a line in suspense by hand, with an entry (the line never\n"
    "changes): --payout (its debit, or on a credit its return), --funder (its\n"
    "payment of its orders; beyond what it owes, money received ahead),\n"
    "--invoice (an order reference BC-...; invoice numbers once invoices are\n"
    "merged), --charges (bank charges), --sweep (the operator's fees moved\n"
    "between its two accounts).\n"
    "\n"
    "example:\n"
    "  passnum bank match 12 --funder 3\n";

static const char bank_lines_help[] =
    "usage: passnum bank lines [--unmatched]\n"
    "\n"
    "The imported lines (id, date, account, amount, how each was posted);\n"
    "--unmatched: only those still in suspense.\n"
    "\n"
    "example:\n"
    "  passnum --json bank lines --unmatched\n";

const char cmd_bank_help[] =
    "usage: passnum bank import FILE\n"
    "       passnum bank match LINE (--invoice N | --payout ID | --funder ID | --charges |\n"
    "                                --sweep)\n"
    "       passnum bank lines [--unmatched]\n"
    "\n"
    "Bank statements and status reports of the operator's two accounts, and\n"
    "matching their lines. `passnum bank SUB --help` for each.\n"
    "\n"
    "examples:\n"
    "  passnum bank import releve.xml\n"
    "  passnum bank match 12 --payout 4\n"
    "  passnum bank lines --unmatched\n";

struct bank_options {
	const char *token_file, *target_id;
	int targets;
	enum bank_target target;
	bool unmatched;
};

static int
bank_option(int opt, const char *arg, void *ctx)
{
	struct bank_options *o = ctx;

	switch (opt) {
	case 't': o->token_file = arg; return 0;
	case 'u': o->unmatched = true; return 0;
	case 'i': o->target = BANK_TARGET_INVOICE; break;
	case 'p': o->target = BANK_TARGET_PAYOUT; break;
	case 'f': o->target = BANK_TARGET_FUNDER; break;
	case 'c': o->target = BANK_TARGET_CHARGES; break;
	case 's': o->target = BANK_TARGET_SWEEP; break;
	default: return -1;
	}
	o->targets++;
	o->target_id = arg != NULL ? arg : "";
	return 0;
}

static void
bank_print_unmatched(const json_t *unmatched)
{
	size_t i;
	json_t *u;

	json_array_foreach(unmatched, i, u) {
		char amount[MONEY_FORMAT_SIZE];
		money_format(json_integer_value(json_object_get(u, "amount_cents")), amount,
		    sizeof(amount));
		printf("  line %lld: %s EUR, %s\n", (long long)json_integer_value(json_object_get(u,
		    "line")), amount, json_string_value(json_object_get(u, "remittance")));
	}
}

static int
bank_import_cmd(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token-file", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct bank_options o = { 0 };
	struct bank_import_result r = { 0 };
	char who[REGISTRY_ACTOR_SIZE];
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "bank import", bank_import_help, opts,
	    bank_option, &o);

	if (first == -1)
		return EXIT_OK;
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("bank import", "one FILE is required");
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = bank_import(cli->home.db, argv[first], who, clock_now(), &r, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK) {
		bank_import_result_free(&r);
		return rc;
	}
	if (cli->json) {
		rc = cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		    " s:I, s:I, s:I, s:O}", "format", bank_format_name(r.format), "statements",
		    (json_int_t)r.statements, "duplicates", (json_int_t)r.duplicates, "lines",
		    (json_int_t)r.lines, "payouts_debited", (json_int_t)r.payouts_debited, "returns",
		    (json_int_t)r.returns, "receipts", (json_int_t)r.receipts, "tied", (json_int_t)r.tied,
		    "charges", (json_int_t)r.charges, "suspense", (json_int_t)r.suspense, "details",
		    (json_int_t)r.details, "accepted", (json_int_t)r.statuses_accepted, "rejected",
		    (json_int_t)r.statuses_rejected, "returns_notified", (json_int_t)r.returns_notified,
		    "unmatched", r.unmatched));
		bank_import_result_free(&r);
		return rc;
	}
	if (r.format == BANK_PAIN002)
		printf("%s: %s\n", bank_format_name(r.format), r.duplicates > 0 ?
		    "already imported, nothing changed" : "imported");
	else
		printf("%s: %lld %s imported, %lld already imported (nothing changed)\n",
		    bank_format_name(r.format), (long long)r.statements,
		    r.statements == 1 ? "statement" : "statements", (long long)r.duplicates);
	if (r.format == BANK_PAIN002)
		printf("payouts accepted %lld, rejected %lld\n", (long long)r.statuses_accepted,
		    (long long)r.statuses_rejected);
	else
		printf("%lld lines: %lld payouts debited, %lld returns, %lld funders' payments, %lld"
		    " already counted, %lld charges, %lld details, %lld in suspense\n", (long long)r.lines,
		    (long long)r.payouts_debited, (long long)r.returns, (long long)r.receipts,
		    (long long)r.tied, (long long)r.charges, (long long)r.details, (long long)r.suspense);
	if (r.format == BANK_CAMT054)
		printf("returns notified %lld (payees held until the statement posts them), payouts"
		    " rejected %lld\n", (long long)r.returns_notified, (long long)r.statuses_rejected);
	if (r.suspense > 0) {
		printf("in suspense (passnum bank match LINE ...):\n");
		bank_print_unmatched(r.unmatched);
	}
	bank_import_result_free(&r);
	return EXIT_OK;
}

static int
bank_match_cmd(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "invoice", required_argument, NULL, 'i' },
		{ "payout", required_argument, NULL, 'p' },
		{ "funder", required_argument, NULL, 'f' },
		{ "charges", no_argument, NULL, 'c' },
		{ "sweep", no_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "funder", "payout", "invoice", "charges", "sweep" };
	struct bank_options o = { 0 };
	char who[REGISTRY_ACTOR_SIZE];
	int64_t line, id;
	uint64_t seq = 0;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "bank match", bank_match_help, opts,
	    bank_option, &o);

	if (first == -1)
		return EXIT_OK;
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &line) != 0)
		return cli_usage_error("bank match", "one LINE id is required");
	if (o.targets != 1)
		return cli_usage_error("bank match", "exactly one of --invoice, --payout, --funder,"
		    " --charges, --sweep is required");
	if ((o.target == BANK_TARGET_PAYOUT || o.target == BANK_TARGET_FUNDER) &&
	    cli_args_id(o.target_id, &id) != 0)
		return cli_usage_error("bank match", "\"%s\" is not an id", o.target_id);
	if (o.target == BANK_TARGET_INVOICE && (o.target_id[0] == '\0' || strlen(o.target_id) > 200))
		return cli_usage_error("bank match", "--invoice needs a number or reference");
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = bank_match(cli->home.db, line, o.target, o.target_id, who, clock_now(), &seq, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:s, s:s, s:I}", "line", (json_int_t)line,
		    "target", names[o.target], "target_id", o.target_id, "entry_seq", (json_int_t)seq));
	printf("bank line %lld matched to %s %s (entry %llu)\n", (long long)line, names[o.target],
	    o.target_id, (unsigned long long)seq);
	return EXIT_OK;
}

static int
bank_lines_cmd(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unmatched", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct bank_options o = { 0 };
	struct error e;
	json_t *lines, *l;
	size_t i;
	int first = cli_options(cli, argc, argv, "bank lines", bank_lines_help, opts, bank_option, &o);

	if (first == -1)
		return EXIT_OK;
	if (first < 0)
		return EXIT_USAGE;
	if (argc != first)
		return cli_usage_error("bank lines", "unexpected operand \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if ((lines = bank_lines_json(cli->home.db, o.unmatched, &e)) == NULL)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(lines);
	json_array_foreach(lines, i, l) {
		char amount[MONEY_FORMAT_SIZE];
		money_format(json_integer_value(json_object_get(l, "amount_cents")), amount,
		    sizeof(amount));
		printf("%lld %s %s %12s %-12s %s%s\n", (long long)json_integer_value(json_object_get(l,
		    "line")), json_string_value(json_object_get(l, "booking_date")),
		    json_string_value(json_object_get(l, "account")), amount,
		    json_string_value(json_object_get(l, "kind")),
		    json_string_value(json_object_get(l, "remittance")),
		    json_is_true(json_object_get(l, "matched")) ? " (matched)" : "");
	}
	json_decref(lines);
	return EXIT_OK;
}

int
cmd_bank(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb subs[] = {
		{ "import", bank_import_cmd, "import a statement or a status report", bank_import_help },
		{ "match", bank_match_cmd, "resolve a line in suspense by hand", bank_match_help },
		{ "lines", bank_lines_cmd, "the imported lines, or those in suspense", bank_lines_help },
		{ NULL, NULL, NULL, NULL },
	};

	return cli_dispatch(cli, subs, "bank", cmd_bank_help, argc, argv);
}
