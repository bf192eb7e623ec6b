/* passnum funder add | list | show | order | credit */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "clock.h"
#include "db.h"
#include "identifiers.h"
#include "money.h"
#include "registry.h"

const char cmd_funder_help[] =
    "usage: passnum funder add NAME [--siret S] [--public-name N]\n"
    "       passnum funder list\n"
    "       passnum funder show ID\n"
    "       passnum funder order ID AMOUNT --ref ORDER\n"
    "       passnum funder credit ID AMOUNT --ref REF\n"
    "\n"
    "add     registers a funder (financeur); its public name (default: NAME) is\n"
    "        the only funder name printed on passes; prints its id\n"
    "list    every funder\n"
    "show    a funder, its spendable balance, what it owes on its orders and\n"
    "        its campaigns\n"
    "order   records a public funder's order (bon de commande) of AMOUNT euros:\n"
    "        spendable now, owed until paid; ORDER is its number, once per funder\n"
    "credit  records AMOUNT euros received from the funder; REF is the payment's\n"
    "        reference, once per funder (bank import matches it, never doubles it)\n";

/* Options of funder add, order and credit. */
struct funder_options {
	const char *siret;
	const char *public_name;
	const char *ref;
};

static int
funder_option(int opt, const char *arg, void *ctx)
{
	struct funder_options *o = ctx;

	if (opt == 's')
		o->siret = arg;
	else if (opt == 'p')
		o->public_name = arg;
	else
		o->ref = arg;
	return 0;
}

static int
funder_add_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "siret", required_argument, NULL, 's' },
		{ "public-name", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct funder_options o = { 0 };
	struct funder funder;
	struct error e;
	int64_t id = 0;
	int rc, first = cli_options(cli, argc, argv, "funder add", cmd_funder_help, opts,
	    funder_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("funder add", "give exactly one NAME");
	memset(&funder, 0, sizeof(funder));
	if (cli_args_copy(funder.name, sizeof(funder.name), argv[first]) != 0 ||
	    (o.public_name != NULL && cli_args_copy(funder.public_name,
	    sizeof(funder.public_name), o.public_name) != 0)) {
		error_set(&e, 400, "BAD_NAME", "a name has at most %d bytes", REGISTRY_NAME_MAX);
		return cli_fail(&e);
	}
	if (o.public_name != NULL && o.public_name[0] == '\0') {
		error_set(&e, 400, "BAD_NAME", "a funder's public name must not be empty");
		return cli_fail(&e);
	}
	if (o.siret != NULL && identifiers_siret_normalize(o.siret, funder.siret, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_funder_add(cli->home.db, &funder, clock_now(), &id, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I}", "id", (json_int_t)id));
	printf("%lld\n", (long long)id);
	return EXIT_OK;
}

static json_t *
funder_json(const struct funder *f)
{
	char created[CLOCK_INSTANT_SIZE];
	json_t *obj;

	clock_instant_format(f->created_at, created);
	obj = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)f->id, "name", f->name,
	    "public_name", f->public_name, "created_at", created);
	json_object_set_new(obj, "siret", f->siret[0] != '\0' ? json_string(f->siret) : json_null());
	return obj;
}

static int
funder_collect(const struct funder *f, void *ctx)
{
	json_array_append_new(ctx, funder_json(f));
	return 0;
}

static int
funder_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all, *f;
	size_t i;
	int first = cli_options(cli, argc, argv, "funder list", cmd_funder_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("funder list", "unexpected argument \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (registry_funder_list(cli->home.db, funder_collect, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	printf("%-6s %-14s %-30s %s\n", "ID", "SIRET", "PUBLIC NAME", "NAME");
	json_array_foreach(all, i, f) {
		json_t *siret = json_object_get(f, "siret");
		printf("%-6lld %-14s %-30s %s\n", (long long)json_integer_value(json_object_get(f, "id")),
		    json_is_string(siret) ? json_string_value(siret) : "-",
		    json_string_value(json_object_get(f, "public_name")),
		    json_string_value(json_object_get(f, "name")));
	}
	json_decref(all);
	return EXIT_OK;
}

static json_t *
funder_campaign_json(const struct campaign *c)
{
	char value[MONEY_FORMAT_SIZE], last_day[DATE_FORMAT_SIZE];

	money_format(c->value_cents, value, sizeof(value));
	date_format(c->last_day, last_day);
	return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)c->id, "name", c->name,
	    "value", value, "last_day", last_day);
}

static int
funder_campaign_collect(const struct campaign *c, void *ctx)
{
	json_array_append_new(ctx, funder_campaign_json(c));
	return 0;
}

/* Builds the JSON description of funder id: the funder, its money, its
 * campaigns. Returns NULL with e set. */
static json_t *
funder_describe(struct db *db, int64_t id, struct error *e)
{
	char spendable_text[MONEY_FORMAT_SIZE], owed_text[MONEY_FORMAT_SIZE];
	int64_t spendable = 0, owed = 0;
	struct funder f;
	json_t *obj, *campaigns;

	if (registry_funder_get(db, id, &f, e) != 0 ||
	    registry_funder_money(db, id, &spendable, &owed, e) != 0)
		return NULL;
	campaigns = json_array();
	if (registry_campaign_list(db, id, funder_campaign_collect, campaigns, e) != 0) {
		json_decref(campaigns);
		return NULL;
	}
	money_format(spendable, spendable_text, sizeof(spendable_text));
	money_format(owed, owed_text, sizeof(owed_text));
	obj = funder_json(&f);
	json_object_set_new(obj, "spendable", json_string(spendable_text));
	json_object_set_new(obj, "owed_on_orders", json_string(owed_text));
	json_object_set_new(obj, "campaigns", campaigns);
	return obj;
}

static int
funder_show_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *obj, *c;
	int64_t id;
	size_t i;
	int first = cli_options(cli, argc, argv, "funder show", cmd_funder_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error("funder show", "give one funder ID (a positive number)");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if ((obj = funder_describe(cli->home.db, id, &e)) == NULL)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(obj);
	printf("funder %lld\nname: %s\npublic name: %s\nsiret: %s\n", (long long)id,
	    json_string_value(json_object_get(obj, "name")),
	    json_string_value(json_object_get(obj, "public_name")),
	    json_is_string(json_object_get(obj, "siret")) ?
	    json_string_value(json_object_get(obj, "siret")) : "-");
	printf("spendable: %s\nowed on orders: %s\ncampaigns: %zu\n",
	    json_string_value(json_object_get(obj, "spendable")),
	    json_string_value(json_object_get(obj, "owed_on_orders")),
	    json_array_size(json_object_get(obj, "campaigns")));
	json_array_foreach(json_object_get(obj, "campaigns"), i, c)
		printf("  %lld  %s  %s  last day %s\n",
		    (long long)json_integer_value(json_object_get(c, "id")),
		    json_string_value(json_object_get(c, "name")),
		    json_string_value(json_object_get(c, "value")),
		    json_string_value(json_object_get(c, "last_day")));
	json_decref(obj);
	return EXIT_OK;
}

static int
funder_fund_run(struct cli *cli, int argc, char **argv, enum registry_fund_kind kind)
{
	static const struct option opts[] = {
		{ "ref", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb = kind == FUND_ORDER ? "funder order" : "funder credit";
	struct funder_options o = { 0 };
	char amount[MONEY_FORMAT_SIZE];
	int64_t funder_id, cents;
	uint64_t seq = 0;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, verb, cmd_funder_help, opts, funder_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 2 || cli_args_id(argv[first], &funder_id) != 0)
		return cli_usage_error(verb, "give a funder ID and an AMOUNT");
	if (o.ref == NULL)
		return cli_usage_error(verb, "--ref is required");
	if (money_parse(argv[first + 1], &cents, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_funder_fund(cli->home.db, funder_id, kind, cents, o.ref, clock_now(), &seq, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	money_format(cents, amount, sizeof(amount));
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)seq,
		    "entry", (json_int_t)seq, "kind", registry_fund_kind_name(kind),
		    "amount", amount, "ref", o.ref));
	printf("%llu\n", (unsigned long long)seq);
	return EXIT_OK;
}

static int
funder_order_run(struct cli *cli, int argc, char **argv)
{
	return funder_fund_run(cli, argc, argv, FUND_ORDER);
}

static int
funder_credit_run(struct cli *cli, int argc, char **argv)
{
	return funder_fund_run(cli, argc, argv, FUND_CREDIT);
}

static const struct cli_verb funder_verbs[] = {
	{ "add", funder_add_run, "register a funder", cmd_funder_help },
	{ "list", funder_list_run, "list funders", cmd_funder_help },
	{ "show", funder_show_run, "show a funder", cmd_funder_help },
	{ "order", funder_order_run, "record an order", cmd_funder_help },
	{ "credit", funder_credit_run, "record money received", cmd_funder_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_funder(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, funder_verbs, "funder", cmd_funder_help, argc, argv);
}
