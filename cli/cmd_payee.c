/* passnum payee list | show ID | hold ID --reason TEXT | release ID | confirm-iban ID */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "identifiers.h"
#include "money.h"
#include "registry.h"
#include "settlement.h"
#include "takeover.h"

static const char payee_list_help[] =
    "usage: passnum payee list\n"
    "\n"
    "Every payee (the legal entity paid for its places: one SIRET, one IBAN):\n"
    "id, SIRET, what it is owed, whether it is on hold, and its name.\n"
    "\n"
    "example:\n"
    "  passnum payee list\n";

static const char payee_show_help[] =
    "usage: passnum payee show ID\n"
    "\n"
    "A payee: SIRET, name, IBAN, what it is owed and for how many passes not\n"
    "yet paid, its hold if any, every hold it had (who, when, why) and its\n"
    "payouts.\n"
    "\n"
    "example:\n"
    "  passnum --json payee show 2\n";

static const char payee_hold_help[] =
    "usage: passnum payee hold ID --reason TEXT [--token-file F]\n"
    "\n"
    "Puts a payee on hold (a pending IBAN change, a garnishment, a doubt): its\n"
    "payable stays in its account and settlements leave it out until release.\n"
    "Recorded with who (the admin token read from F or $PASSNUM_TOKEN when\n"
    "given, else the OS user) and when.\n"
    "\n"
    "example:\n"
    "  passnum payee hold 2 --reason \"changement d'IBAN en cours\"\n";

static const char payee_confirm_iban_help[] =
    "usage: passnum payee confirm-iban ID [--token-file F]\n"
    "\n"
    "Confirms the IBAN of a payee taken over from another operator (passnum\n"
    "takeover), after checking it with the payee itself (bank-detail fraud is\n"
    "the classic attack at a handover): ends the hold that kept every payout\n"
    "from it. Refused for a payee with no IBAN to confirm.\n"
    "\n"
    "example:\n"
    "  passnum payee confirm-iban 2\n";

static const char payee_release_help[] =
    "usage: passnum payee release ID [--token-file F]\n"
    "\n"
    "Ends a payee's hold: the next settlement pays what it is owed.\n"
    "\n"
    "example:\n"
    "  passnum payee release 2\n";

const char cmd_payee_help[] =
    "usage: passnum payee list | show ID | hold ID --reason TEXT | release ID | confirm-iban ID\n"
    "\n"
    "Payees (bénéficiaires): the legal entities paid for the passes their\n"
    "places redeem (places are added with passnum place add; an IBAN is\n"
    "changed with passnum place iban). Holds keep a payee's payable for later.\n"
    "`passnum payee SUB --help` for each.\n"
    "\n"
    "examples:\n"
    "  passnum payee list\n"
    "  passnum payee hold 2 --reason \"saisie-attribution\"\n";

struct payee_options {
	const char *reason, *token_file;
};

static int
payee_option(int opt, const char *arg, void *ctx)
{
	struct payee_options *o = ctx;

	if (opt == 'r')
		o->reason = arg;
	else if (opt == 't')
		o->token_file = arg;
	else
		return -1;
	return 0;
}

/* Parses `payee SUB [ID] [options]`: the options of opts, then exactly
 * want_id operands (an id). Returns 0, or the exit code to return (with
 * *done set). */
static int
payee_args(struct cli *cli, int argc, char **argv, const char *help, const struct option *opts,
    struct payee_options *o, int want_id, int64_t *id, int *done)
{
	char verb[32];
	int first;

	snprintf(verb, sizeof(verb), "payee %s", argv[0]);
	*done = 1;
	first = cli_options(cli, argc, argv, verb, help, opts, payee_option, o);
	if (first == -1)
		return EXIT_OK;
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != want_id)
		return cli_usage_error(verb, want_id ? "give one payee id" : "unexpected operand");
	if (want_id && cli_args_id(argv[first], id) != 0)
		return cli_usage_error(verb, "bad payee id \"%s\"", argv[first]);
	*done = 0;
	return 0;
}

static int
payee_print_row(const struct settlement_payee *p, void *ctx)
{
	char owed[MONEY_FORMAT_SIZE], id[24];

	(void)ctx;
	money_format(p->owed_cents, owed, sizeof(owed));
	snprintf(id, sizeof(id), "%lld", (long long)p->payee.id);
	cli_cell(stdout, id, 4, false);
	cli_cell(stdout, p->payee.siret, 14, false);
	cli_cell(stdout, owed, 12, false);
	cli_cell(stdout, p->held ? "held" : "-", 4, false);
	cli_cell(stdout, p->payee.name, 0, true);
	fputc('\n', stdout);
	return 0;
}

/* A payee as JSON (its hold, owed amount). */
static json_t *
payee_json(const struct settlement_payee *p)
{
	char owed[MONEY_FORMAT_SIZE], held_at[CLOCK_INSTANT_SIZE];
	json_t *hold = json_null();

	money_format(p->owed_cents, owed, sizeof(owed));
	if (p->held) {
		clock_instant_format(p->held_at, held_at);
		hold = json_pack("{s:s, s:s, s:s}", "reason", p->hold_reason, "held_by", p->held_by,
		    "held_at", held_at);
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:b, s:o}", "id",
	    (json_int_t)p->payee.id, "siret", p->payee.siret, "name", p->payee.name, "iban",
	    p->payee.iban, "owed_cents", (json_int_t)p->owed_cents, "owed", owed, "unpaid_passes",
	    (json_int_t)p->unpaid_passes, "held", p->held, "hold", hold);
}

static int
payee_json_row(const struct settlement_payee *p, void *ctx)
{
	json_array_append_new(ctx, payee_json(p));
	return 0;
}

static int
payee_list(struct cli *cli, int argc, char **argv)
{
	struct payee_options o = { 0 };
	json_t *list;
	struct error e;
	int64_t id;
	int done, rc = payee_args(cli, argc, argv, payee_list_help, NULL, &o, 0, &id, &done);

	if (done)
		return rc;
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (!cli->json)
		return settlement_payee_list(cli->home.db, payee_print_row, cli, &e) == 0 ? EXIT_OK :
		    cli_fail(&e);
	list = json_array();
	if (settlement_payee_list(cli->home.db, payee_json_row, list, &e) != 0) {
		json_decref(list);
		return cli_fail(&e);
	}
	return cli_print_json(list);
}

static int
payee_show(struct cli *cli, int argc, char **argv)
{
	struct payee_options o = { 0 };
	struct settlement_payee p;
	char owed[MONEY_FORMAT_SIZE], iban[IDENTIFIERS_IBAN_PRINT_SIZE];
	json_t *holds, *payouts, *body;
	struct error e;
	int64_t id;
	int done, rc = payee_args(cli, argc, argv, payee_show_help, NULL, &o, 1, &id, &done);

	if (done)
		return rc;
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (settlement_payee_get(cli->home.db, id, &p, &e) != 0)
		return cli_fail(&e);
	if ((holds = settlement_holds_json(cli->home.db, id, &e)) == NULL)
		return cli_fail(&e);
	if ((payouts = settlement_payouts_json(cli->home.db, id, &e)) == NULL) {
		json_decref(holds);
		return cli_fail(&e);
	}
	body = payee_json(&p);
	json_object_set_new(body, "holds", holds);
	json_object_set_new(body, "payouts", payouts);
	if (cli->json)
		return cli_print_json(body);
	money_format(p.owed_cents, owed, sizeof(owed));
	identifiers_iban_format(p.payee.iban, iban);
	printf("payee %lld\nsiret %s\nname %s\niban %s\nowed %s EUR (%lld passes not yet paid)\n",
	    (long long)p.payee.id, p.payee.siret, p.payee.name, iban, owed,
	    (long long)p.unpaid_passes);
	if (p.held)
		printf("on hold since %s by %s: %s\n", json_string_value(json_object_get(
		    json_object_get(body, "hold"), "held_at")), p.held_by, p.hold_reason);
	printf("%zu holds, %zu payouts\n", json_array_size(holds), json_array_size(payouts));
	json_decref(body);
	return EXIT_OK;
}

/* hold (reason given) or release, in one write transaction. */
static int
payee_hold_or_release(struct cli *cli, int argc, char **argv, bool hold)
{
	static const struct option hold_opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "token-file", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct payee_options o = { 0 };
	char who[REGISTRY_ACTOR_SIZE];
	int64_t id, hold_id = 0, now = clock_now();
	struct error e;
	int done, rc = payee_args(cli, argc, argv, hold ? payee_hold_help : payee_release_help,
	    hold ? hold_opts : hold_opts + 1, &o, 1, &id, &done);

	if (done)
		return rc;
	if (hold && o.reason == NULL)
		return cli_usage_error("payee hold", "--reason TEXT is required");
	if (hold && settlement_reason_check(o.reason, &e) != 0)
		return cli_bad_value("payee hold", &e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0 && !hold && takeover_iban_unconfirmed(cli->home.db, id, &e) != 0)
		rc = -1;
	if (rc == 0)
		rc = hold ? settlement_hold(cli->home.db, id, o.reason, who, now, &hold_id, &e) :
		    settlement_release(cli->home.db, id, who, now, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:b, s:s}", "id", (json_int_t)hold_id,
		    "payee_id", (json_int_t)id, "held", hold, "by", who));
	if (hold)
		printf("payee %lld on hold (hold %lld)\n", (long long)id, (long long)hold_id);
	else
		printf("payee %lld released\n", (long long)id);
	return EXIT_OK;
}

static int
payee_hold(struct cli *cli, int argc, char **argv)
{
	return payee_hold_or_release(cli, argc, argv, true);
}

static int
payee_release(struct cli *cli, int argc, char **argv)
{
	return payee_hold_or_release(cli, argc, argv, false);
}

static int
payee_confirm_iban(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token-file", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct payee_options o = { 0 };
	char who[REGISTRY_ACTOR_SIZE];
	int64_t id;
	struct error e;
	int done, rc = payee_args(cli, argc, argv, payee_confirm_iban_help, opts, &o, 1, &id, &done);

	if (done)
		return rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, o.token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = takeover_confirm_iban(cli->home.db, id, who, clock_now(), &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:b, s:s}", "payee_id", (json_int_t)id,
		    "iban_confirmed", 1, "by", who));
	printf("payee %lld: IBAN confirmed, no longer on hold\n", (long long)id);
	return EXIT_OK;
}

int
cmd_payee(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb subs[] = {
		{ "list", payee_list, "every payee, what it is owed, its hold", payee_list_help },
		{ "show", payee_show, "one payee, its holds and payouts", payee_show_help },
		{ "hold", payee_hold, "keep a payee's payable for later", payee_hold_help },
		{ "release", payee_release, "end a payee's hold", payee_release_help },
		{ "confirm-iban", payee_confirm_iban, "confirm an IBAN taken over", payee_confirm_iban_help },
		{ NULL, NULL, NULL, NULL },
	};

	return cli_dispatch(cli, subs, "payee", cmd_payee_help, argc, argv);
}
