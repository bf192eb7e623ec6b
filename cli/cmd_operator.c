/* passnum operator show | set [--name N] [--address A] [--siren S] ... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_io.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "registry.h"

static const char operator_show_help[] =
    "usage: passnum operator show\n"
    "\n"
    "The operator's identity (name, address, SIREN, SIRET, VAT number, legal\n"
    "form, capital, RCS, the third-party funds account IBAN and BIC, the\n"
    "operating IBAN), the ledger's origin, whether a FEC was exported (the\n"
    "SIREN is then fixed), and every change made, with who and when.\n"
    "\n"
    "example:\n"
    "  passnum operator show --json | jq -r .siren\n";

static const char operator_set_help[] =
    "usage: passnum operator set [--name N] [--address A] [--siren S] [--siret S]\n"
    "                            [--vat-number V] [--legal-form F] [--capital AMOUNT]\n"
    "                            [--rcs \"RCS TOWN SIREN\"] [--iban IBAN] [--bic BIC]\n"
    "                            [--operating-iban IBAN] [--token-file F]\n"
    "\n"
    "Corrects the operator's identity; each field that changes is recorded with\n"
    "who (the admin token of --token-file or $PASSNUM_TOKEN, else the OS user)\n"
    "and when. Every identifier is checked: SIREN and SIRET (Luhn), the VAT\n"
    "number (FR, its key, the SIREN), the RCS (its SIREN), the IBANs (mod 97),\n"
    "the BIC; the SIRET, VAT number and RCS must carry the SIREN. \"\" clears a\n"
    "field (not the name). The SIREN may be set or corrected until the first\n"
    "FEC export (ledger export --format fec), and never afterwards.\n"
    "\n"
    "  --iban, --bic       the third-party funds account (funders' money)\n"
    "  --operating-iban    the operator's own account (its fees)\n"
    "  --capital AMOUNT    the share capital in euros (37000, 1000.50)\n"
    "\n"
    "example:\n"
    "  passnum operator set --siren 123456782 --vat-number FR11123456782 \\\n"
    "      --legal-form SAS --capital 10000 --rcs \"RCS Paris 123 456 782\"\n";

const char cmd_operator_help[] =
    "usage: passnum operator show\n"
    "       passnum operator set [--name N] [--address A] [--siren S] [--siret S]\n"
    "                            [--vat-number V] [--legal-form F] [--capital AMOUNT]\n"
    "                            [--rcs \"RCS TOWN SIREN\"] [--iban IBAN] [--bic BIC]\n"
    "                            [--operating-iban IBAN] [--token-file F]\n"
    "\n"
    "show  the operator's identity and every change made to it\n"
    "set   corrects it (each identifier checked, each change recorded); the\n"
    "      SIREN only until the first FEC export\n"
    "\n"
    "`passnum operator SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum operator show\n"
    "  passnum operator set --siren 123456782 --iban \"FR76 3000 6000 0112 3456 7890 189\"\n";

/* Labels of the fields in text output, by enum home_operator_field. */
static const char *const operator_labels[HOME_OP_FIELD_COUNT] = {
	"name", "address", "SIREN", "SIRET", "VAT number", "legal form", "capital", "RCS",
	"IBAN (third-party funds)", "BIC (third-party funds)", "operating IBAN",
};

/* The operator as JSON (caller owns it): every field, money as *_cents plus
 * its formatted string, and the changes. */
static json_t *
operator_json(const struct operator_info *op, json_t *changes)
{
	char value[400], when[CLOCK_INSTANT_SIZE];
	json_t *obj = json_pack("{s:i}", "id", 1);

	for (int f = 0; f < HOME_OP_FIELD_COUNT; f++) {
		if (f == HOME_OP_CAPITAL)
			continue;
		home_operator_value(op, (enum home_operator_field)f, value, sizeof(value));
		json_object_set_new(obj, home_operator_field_name((enum home_operator_field)f),
		    json_string(value));
	}
	home_operator_value(op, HOME_OP_CAPITAL, value, sizeof(value));
	json_object_set_new(obj, "capital_cents", op->capital_known ?
	    json_integer(op->capital_cents) : json_null());
	json_object_set_new(obj, "capital", op->capital_known ? json_string(value) : json_null());
	json_object_set_new(obj, "origin", json_string(op->origin));
	clock_instant_format(op->fec_exported_at, when);
	json_object_set_new(obj, "fec_exported_at", op->fec_exported_at != 0 ?
	    json_string(when) : json_null());
	json_object_set_new(obj, "siren_settable", json_boolean(op->fec_exported_at == 0));
	json_object_set_new(obj, "changes", changes);
	return obj;
}

/* Prints the operator (text): one aligned line per field, then changes. */
static void
operator_print(const struct operator_info *op, json_t *changes)
{
	char value[400], when[CLOCK_INSTANT_SIZE];
	json_t *c;
	size_t i;

	for (int f = 0; f < HOME_OP_FIELD_COUNT; f++) {
		home_operator_value(op, (enum home_operator_field)f, value, sizeof(value));
		cli_cell(stdout, operator_labels[f], 24, false);
		cli_cell(stdout, value[0] != '\0' ? value : "-", 0, true);
		putchar('\n');
	}
	cli_cell(stdout, "ledger origin", 24, false);
	printf("%s (never changes)\n", op->origin);
	cli_cell(stdout, "FEC exported", 24, false);
	clock_instant_format(op->fec_exported_at, when);
	if (op->fec_exported_at != 0)
		printf("%s (the SIREN is fixed)\n", when);
	else
		printf("never (the SIREN may still be set)\n");
	if (json_array_size(changes) > 0)
		printf("changes:\n");
	json_array_foreach(changes, i, c)
		printf("  %s %s: \"%s\" -> \"%s\" by %s\n",
		    json_string_value(json_object_get(c, "changed_at")),
		    json_string_value(json_object_get(c, "field")),
		    json_string_value(json_object_get(c, "old_value")),
		    json_string_value(json_object_get(c, "new_value")),
		    json_string_value(json_object_get(c, "changed_by")));
}

/* Reads the operator and its changes and prints them. */
static int
operator_output(struct cli *cli)
{
	struct operator_info op;
	struct error e;
	json_t *changes;

	if (home_operator(cli->home.db, &op, &e) != 0 ||
	    (changes = home_operator_changes_json(cli->home.db, &e)) == NULL)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(operator_json(&op, changes));
	operator_print(&op, changes);
	json_decref(changes);
	return EXIT_OK;
}

static int
operator_show_run(struct cli *cli, int argc, char **argv)
{
	int first = cli_options(cli, argc, argv, "operator show", operator_show_help, NULL, NULL,
	    NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("operator show", "unexpected argument \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	return operator_output(cli);
}

/* What operator set was given: the values (parsed and checked as they
 * come), which fields (1 << field), and the token file for who. */
struct operator_set {
	struct operator_info values;
	unsigned mask;
	const char *token_file;
};

/* getopt values of the field options (away from 0 and cli_options' own). */
#define OPERATOR_OPT(field) (0x200 + (field))

static int
operator_set_option(int opt, const char *arg, void *ctx)
{
	struct operator_set *s = ctx;
	struct error e;

	if (opt == 'k') {
		s->token_file = arg;
		return 0;
	}
	opt -= OPERATOR_OPT(0);
	if (home_operator_parse(&s->values, (enum home_operator_field)opt, arg, &e) != 0) {
		cli_bad_value("operator set", &e);
		return -1;
	}
	s->mask |= 1u << opt;
	return 0;
}

static int
operator_set_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, OPERATOR_OPT(HOME_OP_NAME) },
		{ "address", required_argument, NULL, OPERATOR_OPT(HOME_OP_ADDRESS) },
		{ "siren", required_argument, NULL, OPERATOR_OPT(HOME_OP_SIREN) },
		{ "siret", required_argument, NULL, OPERATOR_OPT(HOME_OP_SIRET) },
		{ "vat-number", required_argument, NULL, OPERATOR_OPT(HOME_OP_VAT_NUMBER) },
		{ "legal-form", required_argument, NULL, OPERATOR_OPT(HOME_OP_LEGAL_FORM) },
		{ "capital", required_argument, NULL, OPERATOR_OPT(HOME_OP_CAPITAL) },
		{ "rcs", required_argument, NULL, OPERATOR_OPT(HOME_OP_RCS) },
		{ "iban", required_argument, NULL, OPERATOR_OPT(HOME_OP_IBAN) },
		{ "bic", required_argument, NULL, OPERATOR_OPT(HOME_OP_BIC) },
		{ "operating-iban", required_argument, NULL, OPERATOR_OPT(HOME_OP_OPERATING_IBAN) },
		{ "token-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct operator_set s = { .mask = 0 };
	char who[REGISTRY_ACTOR_SIZE];
	struct error e;
	int changed = 0, rc;
	int first = cli_options(cli, argc, argv, "operator set", operator_set_help, opts,
	    operator_set_option, &s);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("operator set", "unexpected argument \"%s\"", argv[first]);
	if (s.mask == 0)
		return cli_usage_error("operator set", "give at least one field to set");
	/* Identifiers given together that contradict each other: never valid. */
	if (home_operator_consistent(&s.values, &e) != 0)
		return cli_bad_value("operator set", &e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, s.token_file, getenv("PASSNUM_TOKEN"), who, &e) != 0 ||
	    home_operator_update(cli->home.db, &s.values, s.mask, who, clock_now(), &changed,
	    &e) != 0 ? -1 : 0;
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (!cli->json)
		printf("%d field%s changed\n", changed, changed == 1 ? "" : "s");
	return operator_output(cli);
}

static const struct cli_verb operator_verbs[] = {
	{ "show", operator_show_run, "the operator's identity", operator_show_help },
	{ "set", operator_set_run, "correct the operator's identity", operator_set_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_operator(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, operator_verbs, "operator", cmd_operator_help, argc, argv);
}
