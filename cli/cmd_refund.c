/* passnum refund --funder ID --titre REF --iban IBAN --out FILE.xml */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "identifiers.h"
#include "invoice.h"
#include "money.h"
#include "registry.h"
#include "sepa.h"
#include "settlement.h"

const char cmd_refund_help[] =
    "usage: passnum refund --funder ID --titre REF --iban IBAN --out FILE.xml\n"
    "                      [--amount EUR] [--creditor NAME] [--format F] [--force]\n"
    "                      [--token-file F]\n"
    "\n"
    "Pays back to a funder what is owed to it (its credit notes account, 4198:\n"
    "credit notes on invoices already paid, unused value after expiry), by a\n"
    "SEPA credit transfer to its public accountant's account IBAN quoting the\n"
    "funder's titre de recettes REF (once per titre). All that is owed unless\n"
    "--amount. --creditor: the account holder's name (default: the funder's\n"
    "name). --format: pain.001.001.09 (default) or pain.001.001.03. Ledger: a\n"
    "\"refund\" entry (credit notes owed debited, refunds in transit credited,\n"
    "4678). Cannot be undone: confirmed (--yes in scripts).\n"
    "\n"
    "example:\n"
    "  passnum --yes refund --funder 1 --titre T-2028-000123 --iban FR7630001007941234567890185 \\\n"
    "      --out remboursement.xml\n";

struct refund_options {
	const char *funder, *titre, *iban, *out, *amount, *creditor, *token_file;
	enum sepa_format format;
	bool force;
};

static int
refund_option(int opt, const char *arg, void *ctx)
{
	struct refund_options *o = ctx;
	struct error e;

	switch (opt) {
	case 'f': o->funder = arg; return 0;
	case 't': o->titre = arg; return 0;
	case 'i': o->iban = arg; return 0;
	case 'o': o->out = arg; return 0;
	case 'a': o->amount = arg; return 0;
	case 'c': o->creditor = arg; return 0;
	case 'k': o->token_file = arg; return 0;
	case 'F':
		if (sepa_format_parse(arg, &o->format, &e) != 0 || o->format == SEPA_PAYMENT_LIST)
			return cli_usage_error("refund", "--format is pain.001.001.09 or pain.001.001.03"),
			    -1;
		return 0;
	default: o->force = true; return 0;
	}
}

static int
refund_print(const struct cli *cli, const struct settlement *s, const char *out)
{
	char total[MONEY_FORMAT_SIZE];

	money_format(s->total_cents, total, sizeof(total));
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
		    (json_int_t)s->id, "msg_id", s->msg_id, "end_to_end_id",
		    s->payouts[0].end_to_end_id, "iban", s->payouts[0].iban, "amount_cents",
		    (json_int_t)s->total_cents, "amount", total, "remittance", s->payouts[0].remittance,
		    "file", out));
	printf("refund %lld: %s EUR to %s (%s), %s\nwrote %s\n", (long long)s->id, total,
	    s->payouts[0].name, s->payouts[0].iban, s->payouts[0].remittance, out);
	return EXIT_OK;
}

int
cmd_refund(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "funder", required_argument, NULL, 'f' },
		{ "titre", required_argument, NULL, 't' },
		{ "iban", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "amount", required_argument, NULL, 'a' },
		{ "creditor", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'F' },
		{ "token-file", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'Z' },
		{ NULL, 0, NULL, 0 },
	};
	struct refund_options o = { .format = SEPA_PAIN_001_001_09 };
	char iban[IDENTIFIERS_IBAN_SIZE], who[REGISTRY_ACTOR_SIZE], what[200], creditor[201] = "";
	struct settlement s = { 0 };
	int64_t funder, amount = 0;
	bool wrote = false;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "refund", cmd_refund_help, opts, refund_option,
	    &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("refund", "unexpected operand \"%s\"", argv[first]);
	if (o.funder == NULL || cli_args_id(o.funder, &funder) != 0)
		return cli_usage_error("refund", "--funder ID (a positive number) is required");
	if (o.titre == NULL || o.iban == NULL || o.out == NULL)
		return cli_usage_error("refund", "--titre, --iban and --out are required");
	if (strlen(o.titre) > 100)
		return cli_usage_error("refund", "a titre de recettes has at most 100 characters");
	if (registry_fund_ref_check(o.titre, &e) != 0 ||
	    identifiers_iban_normalize(o.iban, iban, &e) != 0 ||
	    (o.amount != NULL && money_parse(o.amount, &amount, &e) != 0) ||
	    (o.creditor != NULL && registry_name_check("the creditor's name", o.creditor, &e) != 0))
		return cli_bad_value("refund", &e);
	if (o.amount != NULL && amount == 0)
		return cli_usage_error("refund", "--amount must be at least 0.01");
	if (o.creditor != NULL)
		snprintf(creditor, sizeof(creditor), "%s", o.creditor);
	if (cli_out_file(o.out, o.force, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = invoice_refund(cli->home.db, funder, o.titre, iban, creditor, amount, clock_now(),
		    who, &s, &e);
	if (rc == 0) {
		money_format(s.total_cents, what, sizeof(what));
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " EUR to funder %lld's"
		    " accountant (cannot be undone)", (long long)funder);
		rc = cli_confirm(cli, what, &e);
	}
	if (rc == 0 && (rc = sepa_write(&s, o.format, o.out, &e)) == 0)
		wrote = true;
	if ((rc = cli_commit(cli, rc, &e)) == EXIT_OK)
		rc = refund_print(cli, &s, o.out);
	else if (wrote)
		unlink(o.out);
	settlement_free(&s);
	return rc;
}
