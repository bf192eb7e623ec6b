/* passnum funder add | list | show | edit | order | credit | orders | credits */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "db.h"
#include "identifiers.h"
#include "money.h"
#include "registry.h"

static const char funder_add_help[] =
    "usage: passnum funder add NAME [--siret S] [--public-name N] [--allow-duplicate]\n"
    "                          [--frame purchase|mandate|prepaid] [--territory T]\n"
    "                          [--service-code CODE]\n"
    "\n"
    "Registers a funder (financeur). Its public name (default: NAME) is the\n"
    "only funder name printed on passes. A NAME already used by another\n"
    "funder is refused unless --allow-duplicate. Prints its id.\n"
    "  --frame F         its legal frame (docs/accounting.md): purchase (a public\n"
    "                    contract, invoiced monthly for the passes redeemed),\n"
    "                    mandate (funds received ahead, a yearly account\n"
    "                    rendered) or prepaid (money received first); default\n"
    "                    purchase when the SIRET starts with 1 or 2 (a public\n"
    "                    body), else prepaid\n"
    "  --territory T     where it is established, for the VAT on fees: metropole\n"
    "                    (default), guadeloupe, martinique, reunion, guyane, mayotte\n"
    "  --service-code C  its Chorus Pro code service, printed on invoices\n"
    "\n"
    "example:\n"
    "  passnum funder add \"Conseil régional d'Île-de-France\" --public-name \"Région Île-de-France\"\n";

static const char funder_list_help[] =
    "usage: passnum funder list\n"
    "\n"
    "Every funder: id, SIRET, public name and name.\n"
    "\n"
    "example:\n"
    "  passnum funder list\n";

static const char funder_show_help[] =
    "usage: passnum funder show ID\n"
    "\n"
    "A funder, its spendable balance, what it owes on its orders, its\n"
    "campaigns and the corrections made to it (who, when, old and new).\n"
    "Under --json money is in *_cents integers beside formatted strings.\n"
    "\n"
    "example:\n"
    "  passnum --json funder show 1\n";

static const char funder_edit_help[] =
    "usage: passnum funder edit ID [--name NAME] [--public-name N] [--allow-duplicate]\n"
    "                          [--frame F] [--territory T] [--service-code C]\n"
    "                          [--token-file F]\n"
    "\n"
    "Corrects a funder's name, public name, frame, territory or Chorus Pro code\n"
    "service (invoices already made keep theirs; passes already printed keep the\n"
    "public name printed on them; its SIRET is not corrected here). A name\n"
    "already used by another funder is refused unless --allow-duplicate. The\n"
    "change is recorded with who made it: the admin token read from F (\"-\":\n"
    "standard input) or $PASSNUM_TOKEN when given, else the OS user. Prints\n"
    "what changed.\n"
    "\n"
    "example:\n"
    "  passnum funder edit 1 --public-name \"Département de la Seine-Saint-Denis\"\n";

static const char funder_order_help[] =
    "usage: passnum funder order ID AMOUNT --ref ORDER\n"
    "\n"
    "Records a public funder's order (bon de commande) of AMOUNT euros (up to\n"
    "two decimals): spendable now, owed until paid. ORDER is its number, once\n"
    "per funder. Prints the order's id (see funder orders; orders and credits\n"
    "share one sequence of ids), not the ledger entry's number.\n"
    "\n"
    "example:\n"
    "  passnum funder order 1 5000 --ref BC-2027-001\n";

static const char funder_credit_help[] =
    "usage: passnum funder credit ID AMOUNT --ref REF\n"
    "\n"
    "Records AMOUNT euros received from the funder. REF is the payment's\n"
    "reference, once per funder (bank import matches it, never doubles it).\n"
    "Prints the credit's id (see funder credits).\n"
    "\n"
    "example:\n"
    "  passnum funder credit 1 1000.50 --ref VIR-2027-04\n";

static const char funder_orders_help[] =
    "usage: passnum funder orders ID\n"
    "\n"
    "A funder's orders, oldest first: id, date (Europe/Paris), amount, the\n"
    "ledger entry that posted it, and its reference.\n"
    "\n"
    "example:\n"
    "  passnum funder orders 1\n";

static const char funder_credits_help[] =
    "usage: passnum funder credits ID\n"
    "\n"
    "The money received from a funder, oldest first, as funder orders lists\n"
    "orders.\n"
    "\n"
    "example:\n"
    "  passnum --json funder credits 1\n";

const char cmd_funder_help[] =
    "usage: passnum funder add NAME [--siret S] [--public-name N] [--allow-duplicate]\n"
    "                          [--frame F] [--territory T] [--service-code C]\n"
    "       passnum funder list\n"
    "       passnum funder show ID\n"
    "       passnum funder edit ID [--name NAME] [--public-name N] [--allow-duplicate]\n"
    "                          [--frame F] [--territory T] [--service-code C]\n"
    "       passnum funder order ID AMOUNT --ref ORDER\n"
    "       passnum funder credit ID AMOUNT --ref REF\n"
    "       passnum funder orders ID\n"
    "       passnum funder credits ID\n"
    "\n"
    "add      registers a funder (financeur); its public name (default: NAME) is\n"
    "         the only funder name printed on passes; prints its id\n"
    "list     every funder\n"
    "show     a funder, its spendable balance, what it owes on its orders, its\n"
    "         campaigns and its corrections\n"
    "edit     corrects its name or public name (recorded with who and when)\n"
    "order    records a public funder's order (bon de commande) of AMOUNT euros:\n"
    "         spendable now, owed until paid; ORDER is its number, once per\n"
    "         funder; prints the order's id\n"
    "credit   records AMOUNT euros received from the funder; REF is the payment's\n"
    "         reference, once per funder (bank import matches it, never doubles\n"
    "         it); prints the credit's id\n"
    "orders   a funder's orders (id, date, amount, ledger entry, reference)\n"
    "credits  the money received from a funder, likewise\n"
    "\n"
    "`passnum funder SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum funder add \"CAF de la Seine-Saint-Denis\"\n"
    "  passnum funder order 1 5000 --ref BC-2027-001\n"
    "  passnum funder orders 1\n";

/* Options of the funder verbs, as typed. */
struct funder_options {
	const char *siret, *public_name, *ref, *name, *token_file, *frame, *territory,
	    *service_code;
	unsigned flags;
};

static int
funder_option(int opt, const char *arg, void *ctx)
{
	struct funder_options *o = ctx;

	switch (opt) {
	case 's': o->siret = arg; break;
	case 'p': o->public_name = arg; break;
	case 'r': o->ref = arg; break;
	case 'n': o->name = arg; break;
	case 'k': o->token_file = arg; break;
	case 'F': o->frame = arg; break;
	case 'T': o->territory = arg; break;
	case 'S': o->service_code = arg; break;
	default: o->flags |= REGISTRY_ALLOW_DUPLICATE; break;
	}
	return 0;
}

/* Checks and copies a funder's name (what names it) into dst before the
 * home is opened: 0, or -1 with e set. */
static int
funder_name_parse(char dst[REGISTRY_NAME_MAX + 1], const char *what, const char *name,
    struct error *e)
{
	if (cli_args_copy(dst, REGISTRY_NAME_MAX + 1, name) != 0)
		return error_set(e, 400, "BAD_NAME", "%s has at most %d bytes", what,
		    REGISTRY_NAME_MAX);
	return registry_name_check(what, dst, e);
}

/* Checks and copies --frame, --territory and --service-code into f (those
 * not given stay as they are). */
static int
funder_terms_parse(struct funder *f, const struct funder_options *o, struct error *e)
{
	if (o->frame != NULL && (registry_frame_check(o->frame, e) != 0 ||
	    cli_args_copy(f->frame, sizeof(f->frame), o->frame) != 0))
		return -1;
	if (o->territory != NULL && (registry_territory_check(o->territory, e) != 0 ||
	    cli_args_copy(f->vat_territory, sizeof(f->vat_territory), o->territory) != 0))
		return -1;
	if (o->service_code != NULL && cli_args_copy(f->service_code, sizeof(f->service_code),
	    o->service_code) != 0)
		return error_set(e, 400, "BAD_SERVICE_CODE", "a Chorus Pro code service has at most"
		    " 100 bytes");
	return 0;
}

static int
funder_add_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "siret", required_argument, NULL, 's' },
		{ "public-name", required_argument, NULL, 'p' },
		{ "allow-duplicate", no_argument, NULL, 'D' },
		{ "frame", required_argument, NULL, 'F' },
		{ "territory", required_argument, NULL, 'T' },
		{ "service-code", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct funder_options o = { 0 };
	struct funder funder;
	struct error e;
	int64_t id = 0;
	int rc, first = cli_options(cli, argc, argv, "funder add", funder_add_help, opts,
	    funder_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("funder add", "give exactly one NAME");
	memset(&funder, 0, sizeof(funder));
	if (funder_name_parse(funder.name, "a funder's name", argv[first], &e) != 0 ||
	    (o.public_name != NULL && funder_name_parse(funder.public_name,
	    "a funder's public name", o.public_name, &e) != 0) ||
	    (o.siret != NULL && identifiers_siret_normalize(o.siret, funder.siret, &e) != 0) ||
	    funder_terms_parse(&funder, &o, &e) != 0)
		return cli_bad_value("funder add", &e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_funder_add_flags(cli->home.db, &funder, o.flags, clock_now(), &id, &e);
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
	obj = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)f->id, "name",
	    f->name, "public_name", f->public_name, "created_at", created, "frame", f->frame,
	    "territory", f->vat_territory, "service_code", f->service_code);
	json_object_set_new(obj, "siret", f->siret[0] != '\0' ? json_string(f->siret) : json_null());
	return obj;
}

static int
funder_collect(const struct funder *f, void *ctx)
{
	json_array_append_new(ctx, funder_json(f));
	return 0;
}

/* Prints the funder table: id, SIRET, public name (as wide as the widest),
 * name last. */
static void
funder_table(const json_t *all)
{
	size_t i, width = cli_display_width("PUBLIC NAME");
	const json_t *f, *siret;
	char id[24];

	json_array_foreach(all, i, f) {
		size_t w = cli_display_width(json_string_value(json_object_get(f, "public_name")));
		width = w > width ? w : width;
	}
	cli_cell(stdout, "ID", 6, false);
	cli_cell(stdout, "SIRET", 14, false);
	cli_cell(stdout, "PUBLIC NAME", width, false);
	cli_cell(stdout, "NAME", 0, true);
	fputc('\n', stdout);
	json_array_foreach(all, i, f) {
		siret = json_object_get(f, "siret");
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(f, "id")));
		cli_cell(stdout, id, 6, false);
		cli_cell(stdout, json_is_string(siret) ? json_string_value(siret) : "-", 14, false);
		cli_cell(stdout, json_string_value(json_object_get(f, "public_name")), width, false);
		cli_cell(stdout, json_string_value(json_object_get(f, "name")), 0, true);
		fputc('\n', stdout);
	}
}

static int
funder_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all;
	int first = cli_options(cli, argc, argv, "funder list", funder_list_help, NULL, NULL, NULL);

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
	funder_table(all);
	json_decref(all);
	return EXIT_OK;
}

/* Sets NAME_cents (integer) and NAME (formatted euros) in obj. */
static void
funder_money_set(json_t *obj, const char *name, int64_t cents)
{
	char text[MONEY_FORMAT_SIZE], key[64];

	money_format(cents, text, sizeof(text));
	snprintf(key, sizeof(key), "%s_cents", name);
	json_object_set_new(obj, key, json_integer(cents));
	json_object_set_new(obj, name, json_string(text));
}

static json_t *
funder_campaign_json(const struct campaign *c)
{
	char last_day[DATE_FORMAT_SIZE];
	json_t *obj;

	date_format(c->last_day, last_day);
	obj = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->id, "name", c->name,
	    "last_day", last_day);
	funder_money_set(obj, "value", c->value_cents);
	return obj;
}

static int
funder_campaign_collect(const struct campaign *c, void *ctx)
{
	json_array_append_new(ctx, funder_campaign_json(c));
	return 0;
}

/* Builds the JSON description of funder id: the funder, its money, its
 * campaigns and its corrections. Returns NULL with e set. */
static json_t *
funder_describe(struct db *db, int64_t id, struct error *e)
{
	int64_t spendable = 0, owed = 0;
	json_t *obj, *campaigns, *changes;
	struct funder f;

	if (registry_funder_get(db, id, &f, e) != 0 ||
	    registry_funder_money(db, id, &spendable, &owed, e) != 0 ||
	    (changes = registry_change_json(db, "funder", id, 0, e)) == NULL)
		return NULL;
	campaigns = json_array();
	if (registry_campaign_list(db, id, funder_campaign_collect, campaigns, e) != 0) {
		json_decref(campaigns);
		json_decref(changes);
		return NULL;
	}
	obj = funder_json(&f);
	funder_money_set(obj, "spendable", spendable);
	funder_money_set(obj, "owed_on_orders", owed);
	json_object_set_new(obj, "campaigns", campaigns);
	json_object_set_new(obj, "changes", changes);
	return obj;
}

/* Prints the text form of funder_describe's obj. */
static void
funder_print(const json_t *obj)
{
	const json_t *c, *siret = json_object_get(obj, "siret");
	size_t i;

	printf("funder %lld\nname: %s\npublic name: %s\nsiret: %s\nframe: %s\nterritory: %s\n",
	    (long long)json_integer_value(json_object_get(obj, "id")),
	    json_string_value(json_object_get(obj, "name")),
	    json_string_value(json_object_get(obj, "public_name")),
	    json_is_string(siret) ? json_string_value(siret) : "-",
	    json_string_value(json_object_get(obj, "frame")),
	    json_string_value(json_object_get(obj, "territory")));
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
	printf("changes: %zu\n", json_array_size(json_object_get(obj, "changes")));
	cli_print_changes(json_object_get(obj, "changes"));
}

static int
funder_show_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *obj;
	int64_t id;
	int first = cli_options(cli, argc, argv, "funder show", funder_show_help, NULL, NULL, NULL);

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
	funder_print(obj);
	json_decref(obj);
	return EXIT_OK;
}

/* A correction of a funder, as parsed, and the changes it made. */
struct funder_edit {
	int64_t id;
	const struct funder_options *o;
	json_t *changes;
};

/* Applies w inside the verb's write transaction; 0, or -1 with e set. */
static int
funder_edit_store(struct db *db, struct funder_edit *w, struct error *e)
{
	char who[REGISTRY_ACTOR_SIZE];
	struct funder f;
	int64_t last = 0;

	if (registry_actor_find(db, w->o->token_file, getenv("PASSNUM_TOKEN"), who, e) != 0 ||
	    registry_funder_get(db, w->id, &f, e) != 0 ||
	    registry_change_last(db, &last, e) != 0)
		return -1;
	if (w->o->name != NULL)
		(void)cli_args_copy(f.name, sizeof(f.name), w->o->name);
	if (w->o->public_name != NULL)
		(void)cli_args_copy(f.public_name, sizeof(f.public_name), w->o->public_name);
	if (funder_terms_parse(&f, w->o, e) != 0)
		return -1;
	if (registry_funder_edit(db, &f, w->o->flags, who, clock_now(), e) != 0)
		return -1;
	w->changes = registry_change_json(db, "funder", f.id, last, e);
	return w->changes != NULL ? 0 : -1;
}

/* Checks funder edit's operand and options before the home is opened. */
static int
funder_edit_parse(int argc, char **argv, int first, const struct funder_options *o,
    int64_t *id)
{
	char name[REGISTRY_NAME_MAX + 1];
	struct error e;

	if (argc - first != 1 || cli_args_id(argv[first], id) != 0)
		return cli_usage_error("funder edit", "give one funder ID (a positive number)");
	struct funder terms = { 0 };

	if (o->name == NULL && o->public_name == NULL && o->frame == NULL && o->territory == NULL &&
	    o->service_code == NULL)
		return cli_usage_error("funder edit", "nothing to change: give --name, --public-name,"
		    " --frame, --territory or --service-code");
	if (funder_terms_parse(&terms, o, &e) != 0)
		return cli_bad_value("funder edit", &e);
	if ((o->name != NULL && funder_name_parse(name, "a funder's name", o->name, &e) != 0) ||
	    (o->public_name != NULL && funder_name_parse(name, "a funder's public name",
	    o->public_name, &e) != 0))
		return cli_bad_value("funder edit", &e);
	return 0;
}

static int
funder_edit_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "public-name", required_argument, NULL, 'p' },
		{ "allow-duplicate", no_argument, NULL, 'D' },
		{ "frame", required_argument, NULL, 'F' },
		{ "territory", required_argument, NULL, 'T' },
		{ "service-code", required_argument, NULL, 'S' },
		{ "token-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct funder_options o = { 0 };
	struct funder_edit w = { 0 };
	struct error e;
	char label[80];
	int rc, first = cli_options(cli, argc, argv, "funder edit", funder_edit_help, opts,
	    funder_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if ((rc = funder_edit_parse(argc, argv, first, &o, &w.id)) != 0)
		return rc;
	w.o = &o;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = funder_edit_store(cli->home.db, &w, &e);
	snprintf(label, sizeof(label), "funder %lld", (long long)w.id);
	return cli_edit_done(cli, rc, &e, label, w.id, w.changes);
}

/* A fund as JSON: id, funder_id, kind, ref, amount_cents, amount, entry_seq,
 * created_at and date (its Europe/Paris day). */
static json_t *
funder_fund_json(const struct funder_fund *f)
{
	char created[CLOCK_INSTANT_SIZE], day[DATE_FORMAT_SIZE];
	json_t *obj;

	clock_instant_format(f->created_at, created);
	date_format(clock_local_day(f->created_at, CLOCK_TZ_PARIS), day);
	obj = json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)f->id, "funder_id",
	    (json_int_t)f->funder_id, "kind", registry_fund_kind_name(f->kind), "ref", f->ref);
	funder_money_set(obj, "amount", f->amount_cents);
	json_object_set_new(obj, "entry_seq", json_integer((json_int_t)f->entry_seq));
	json_object_set_new(obj, "date", json_string(day));
	json_object_set_new(obj, "created_at", json_string(created));
	return obj;
}

/* Checks funder order/credit's operands before the home is opened: sets
 * *funder_id and *cents; 0, or an exit code. */
static int
funder_fund_parse(const char *verb, int argc, char **argv, int first,
    const struct funder_options *o, int64_t *funder_id, int64_t *cents)
{
	struct error e;

	if (argc - first != 2 || cli_args_id(argv[first], funder_id) != 0)
		return cli_usage_error(verb, "give a funder ID and an AMOUNT");
	if (o->ref == NULL)
		return cli_usage_error(verb, "--ref is required");
	if (money_parse(argv[first + 1], cents, &e) != 0 ||
	    registry_fund_amount_check(*cents, &e) != 0 || registry_fund_ref_check(o->ref, &e) != 0)
		return cli_bad_value(verb, &e);
	return 0;
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
	struct funder_fund fund;
	int64_t funder_id, cents;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, verb, kind == FUND_ORDER ? funder_order_help :
	    funder_credit_help, opts, funder_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if ((rc = funder_fund_parse(verb, argc, argv, first, &o, &funder_id, &cents)) != 0)
		return rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_funder_fund_add(cli->home.db, funder_id, kind, cents, o.ref, clock_now(),
	    &fund, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(funder_fund_json(&fund));
	printf("%lld\n", (long long)fund.id);
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

static int
funder_fund_collect(const struct funder_fund *f, void *ctx)
{
	json_array_append_new(ctx, funder_fund_json(f));
	return 0;
}

/* Prints the funds table: id, date, amount, ledger entry, reference last. */
static void
funder_fund_table(const json_t *all)
{
	char id[24], seq[24];
	const json_t *f;
	size_t i;

	cli_cell(stdout, "ID", 6, false);
	cli_cell(stdout, "DATE", 10, false);
	cli_cell(stdout, "AMOUNT", 14, false);
	cli_cell(stdout, "ENTRY", 8, false);
	cli_cell(stdout, "REF", 0, true);
	fputc('\n', stdout);
	json_array_foreach(all, i, f) {
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(f, "id")));
		snprintf(seq, sizeof(seq), "%lld",
		    (long long)json_integer_value(json_object_get(f, "entry_seq")));
		cli_cell(stdout, id, 6, false);
		cli_cell(stdout, json_string_value(json_object_get(f, "date")), 10, false);
		cli_cell(stdout, json_string_value(json_object_get(f, "amount")), 14, false);
		cli_cell(stdout, seq, 8, false);
		cli_cell(stdout, json_string_value(json_object_get(f, "ref")), 0, true);
		fputc('\n', stdout);
	}
}

static int
funder_funds_run(struct cli *cli, int argc, char **argv, enum registry_fund_kind kind)
{
	const char *verb = kind == FUND_ORDER ? "funder orders" : "funder credits";
	struct error e;
	int64_t id;
	json_t *all;
	int first = cli_options(cli, argc, argv, verb, kind == FUND_ORDER ? funder_orders_help :
	    funder_credits_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error(verb, "give one funder ID (a positive number)");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (registry_fund_list(cli->home.db, id, kind, funder_fund_collect, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	funder_fund_table(all);
	json_decref(all);
	return EXIT_OK;
}

static int
funder_orders_run(struct cli *cli, int argc, char **argv)
{
	return funder_funds_run(cli, argc, argv, FUND_ORDER);
}

static int
funder_credits_run(struct cli *cli, int argc, char **argv)
{
	return funder_funds_run(cli, argc, argv, FUND_CREDIT);
}

static const struct cli_verb funder_verbs[] = {
	{ "add", funder_add_run, "register a funder", funder_add_help },
	{ "list", funder_list_run, "list funders", funder_list_help },
	{ "show", funder_show_run, "show a funder", funder_show_help },
	{ "edit", funder_edit_run, "correct a funder's names", funder_edit_help },
	{ "order", funder_order_run, "record an order", funder_order_help },
	{ "credit", funder_credit_run, "record money received", funder_credit_help },
	{ "orders", funder_orders_run, "list a funder's orders", funder_orders_help },
	{ "credits", funder_credits_run, "list the money received from a funder",
	    funder_credits_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_funder(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, funder_verbs, "funder", cmd_funder_help, argc, argv);
}
