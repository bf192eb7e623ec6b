/* passnum campaign create | list | show */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "date.h"
#include "db.h"
#include "money.h"
#include "registry.h"
#include "report_close.h"

static const char campaign_create_help[] =
    "usage: passnum campaign create --funder ID --name N --value 10.00 --last-day DATE\n"
    "               [--tolerance-days 30] [--valid-days-after-handout N]\n"
    "               [--unused credit|refund] [--departments 93,94] [--communes C,..]\n"
    "               [--epci E,..] [--places P,..] [--services a,b]\n"
    "               [--exclude-place-types t,..]\n"
    "\n"
    "A funder's campaign: N is its internal name (never printed on passes nor\n"
    "shown to places), the face value of a pass in euros (0.01 to 1000.00),\n"
    "the last day printed on passes (YYYY-MM-DD, not past); passes are still\n"
    "taken for --tolerance-days after it (0 to 366, default 30);\n"
    "--valid-days-after-handout counts validity from the hand-out too;\n"
    "--unused: unused value is credited back to the funder's balance (credit,\n"
    "default) or owed back as a credit note (refund). Territory: départements,\n"
    "INSEE communes (a commune includes its arrondissements), EPCI SIRENs or\n"
    "place ids; none means everywhere. --services: the service codes it pays\n"
    "for (default: all); --exclude-place-types: place types that may not take\n"
    "its passes. Prints the campaign id (the passes' campaign number).\n"
    "\n"
    "example:\n"
    "  passnum campaign create --funder 1 --name \"RSA 2027\" --value 10 \\\n"
    "      --last-day 2027-12-31 --departments 93 --services internet,demarches\n";

static const char campaign_edit_help[] =
    "usage: passnum campaign edit ID [--name N] [--tolerance-days N] [--last-day DATE]\n"
    "               [--departments 93,94] [--communes C,..] [--epci E,..]\n"
    "               [--places P,..] [--services a,b] [--exclude-place-types t,..]\n"
    "               [--token-file F]\n"
    "\n"
    "Corrects the rules of a campaign that touch no money already issued: its\n"
    "name, tolerance days, territory lists, services and excluded place types\n"
    "(a list given replaces the campaign's; \"\" empties it), and its last day,\n"
    "only later and not before today (passes already issued keep the last day\n"
    "printed on them; new batches take the new one). Its funder, value, unused\n"
    "rule and validity after hand-out never change: create another campaign.\n"
    "Each change is recorded with who made it: the admin token read from F\n"
    "(\"-\": standard input) or $PASSNUM_TOKEN when given, else the OS user.\n"
    "Prints what changed.\n"
    "\n"
    "example:\n"
    "  passnum campaign edit 1 --departments 93,94 --tolerance-days 45\n";

static const char campaign_list_help[] =
    "usage: passnum campaign list [--funder ID]\n"
    "\n"
    "Campaigns (of one funder with --funder): id, funder, value, last day, name.\n"
    "\n"
    "example:\n"
    "  passnum campaign list --funder 1\n";

static const char campaign_show_help[] =
    "usage: passnum campaign show ID\n"
    "\n"
    "One campaign with its rules and the corrections made to it (who, when,\n"
    "old and new).\n"
    "\n"
    "example:\n"
    "  passnum --json campaign show 1\n";

static const char campaign_summary_help[] =
    "usage: passnum campaign summary ID\n"
    "\n"
    "The campaign's close summary, frozen by `passnum expire` once the campaign\n"
    "is over (before its hand-out detail is purged): its evaluation figures\n"
    "and the note signed by the ledger key, verified with the home's ledger\n"
    "keys. A campaign without one is refused (exit 1), and so is a summary\n"
    "whose signature or figures do not verify. With --json: campaign_id,\n"
    "frozen_at, key_id, figures, note.\n"
    "\n"
    "example:\n"
    "  passnum --json campaign summary 1\n";

const char cmd_campaign_help[] =
    "usage: passnum campaign create --funder ID --name N --value 10.00 --last-day DATE\n"
    "               [--tolerance-days 30] [--valid-days-after-handout N]\n"
    "               [--unused credit|refund] [--departments 93,94] [--communes C,..]\n"
    "               [--epci E,..] [--places P,..] [--services a,b]\n"
    "               [--exclude-place-types t,..]\n"
    "       passnum campaign edit ID [--name N] [--tolerance-days N] [--last-day DATE]\n"
    "               [--departments ..] [--communes ..] [--epci ..] [--places ..]\n"
    "               [--services ..] [--exclude-place-types ..]\n"
    "       passnum campaign list [--funder ID]\n"
    "       passnum campaign show ID\n"
    "       passnum campaign summary ID\n"
    "\n"
    "create  a funder's campaign: its internal name, the face value of a pass,\n"
    "        the last day printed on passes, tolerance, territory, services and\n"
    "        excluded place types; prints the campaign id\n"
    "edit    corrects the rules that touch no money already issued (recorded\n"
    "        with who and when); the last day only moves later\n"
    "list    campaigns (of one funder with --funder)\n"
    "show    one campaign with its rules and corrections\n"
    "summary the close summary frozen at the campaign's end, its signature checked\n"
    "\n"
    "`passnum campaign SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum campaign create --funder 1 --name \"RSA 2027\" --value 10 --last-day 2027-12-31\n"
    "  passnum campaign edit 1 --last-day 2028-03-31\n";

/* Options of campaign create and edit, as typed. */
struct campaign_options {
	const char *funder, *name, *value, *last_day, *tolerance, *validity, *unused;
	const char *departments, *communes, *epci, *places, *services, *excluded;
	const char *token_file;
};

static int
campaign_option(int opt, const char *arg, void *ctx)
{
	struct campaign_options *o = ctx;
	const char **slot[] = {
		['f'] = &o->funder, ['n'] = &o->name, ['v'] = &o->value, ['l'] = &o->last_day,
		['t'] = &o->tolerance, ['a'] = &o->validity, ['u'] = &o->unused,
		['d'] = &o->departments, ['c'] = &o->communes, ['e'] = &o->epci, ['p'] = &o->places,
		['s'] = &o->services, ['x'] = &o->excluded, ['k'] = &o->token_file,
	};

	if (opt < 0 || (size_t)opt >= sizeof(slot) / sizeof(slot[0]) || slot[opt] == NULL)
		return -1;
	*slot[opt] = arg;
	return 0;
}

/* A campaign to create or edit, as parsed from the command line (services
 * by code), and its id once created. */
struct campaign_create {
	struct campaign campaign;
	char codes[REGISTRY_LIST_MAX][33];
	size_t code_count;
	int64_t id;
	json_t *changes; /* edit: what it changed */
};

/* Resolves w's service codes into w->campaign's service ids. */
static int
campaign_services_resolve(struct db *db, struct campaign_create *w, struct error *e)
{
	struct service s;

	for (size_t i = 0; i < w->code_count; i++) {
		if (registry_service_find(db, w->codes[i], &s, e) != 0)
			return -1;
		w->campaign.services[i] = s.id;
	}
	w->campaign.service_count = w->code_count;
	return 0;
}

/* Resolves w's service codes and creates the campaign (sets w->id); inside
 * the verb's write transaction. Returns 0, or -1 with e set. */
static int
campaign_create_store(struct db *db, struct campaign_create *w, struct error *e)
{
	if (campaign_services_resolve(db, w, e) != 0)
		return -1;
	return registry_campaign_create(db, &w->campaign, clock_now(), &w->id, e);
}

/* Splits one list option (NULL: not given, "": empty) into array; 0, or an
 * exit code after a usage error. */
static int
campaign_list_parse(const char *verb, const char *what, const char *text, char *array,
    size_t item_size, size_t *count)
{
	*count = 0;
	if (text == NULL || text[0] == '\0')
		return 0;
	if (cli_args_list(text, array, item_size, REGISTRY_LIST_MAX, count) != 0)
		return cli_usage_error(verb, "%s takes up to %d codes separated by commas", what,
		    REGISTRY_LIST_MAX);
	return 0;
}

/* Checks every code of c's lists and w's service codes that needs no
 * database (départements, communes, EPCI, place types, service codes). */
static int
campaign_check_codes(const struct campaign_create *w, struct error *e)
{
	if (registry_campaign_codes_check(&w->campaign, e) != 0)
		return -1;
	for (size_t i = 0; i < w->code_count; i++)
		if (registry_service_code_check(w->codes[i], e) != 0)
			return -1;
	return 0;
}

/* Parses the lists of o into w and checks their codes; 0, or an exit
 * code. */
static int
campaign_parse_lists(const char *verb, const struct campaign_options *o,
    struct campaign_create *w)
{
	struct campaign *c = &w->campaign;
	char places[REGISTRY_LIST_MAX][24];
	size_t count = 0;
	struct error e;
	int rc;

	if ((rc = campaign_list_parse(verb, "--departments", o->departments, c->departments[0],
	    sizeof(c->departments[0]), &c->department_count)) != 0 ||
	    (rc = campaign_list_parse(verb, "--communes", o->communes, c->communes[0],
	    sizeof(c->communes[0]), &c->commune_count)) != 0 ||
	    (rc = campaign_list_parse(verb, "--epci", o->epci, c->epcis[0], sizeof(c->epcis[0]),
	    &c->epci_count)) != 0 ||
	    (rc = campaign_list_parse(verb, "--exclude-place-types", o->excluded,
	    c->excluded_types[0], sizeof(c->excluded_types[0]), &c->excluded_type_count)) != 0 ||
	    (rc = campaign_list_parse(verb, "--services", o->services, w->codes[0],
	    sizeof(w->codes[0]), &w->code_count)) != 0 ||
	    (rc = campaign_list_parse(verb, "--places", o->places, places[0], sizeof(places[0]),
	    &count)) != 0)
		return rc;
	for (size_t i = 0; i < count; i++)
		if (cli_args_id(places[i], &c->places[i]) != 0)
			return cli_usage_error(verb, "--places takes place ids");
	c->place_count = count;
	if (campaign_check_codes(w, &e) != 0)
		return cli_bad_value(verb, &e);
	return 0;
}

/* Parses --name, --last-day and --tolerance-days (each optional) into c;
 * 0, or an exit code. */
static int
campaign_parse_rules(const char *verb, const struct campaign_options *o, struct campaign *c)
{
	struct error e;
	long n;

	if (o->last_day != NULL && date_parse(o->last_day, &c->last_day, &e) != 0)
		return cli_usage_error(verb, "--last-day: %s", e.message);
	if (o->tolerance != NULL) {
		if (cli_args_int(o->tolerance, 0, 366, &n) != 0)
			return cli_usage_error(verb, "--tolerance-days goes from 0 to 366");
		c->tolerance_days = (int)n;
	}
	if (o->name != NULL && cli_args_copy(c->name, sizeof(c->name), o->name) != 0) {
		error_set(&e, 400, "BAD_NAME", "a name has at most %d bytes", REGISTRY_NAME_MAX);
		return cli_bad_value(verb, &e);
	}
	if (o->name != NULL && registry_name_check("a campaign's name", c->name, &e) != 0)
		return cli_bad_value(verb, &e);
	return 0;
}

/* Parses the scalar options of o into c; 0, or an exit code. */
static int
campaign_parse_fields(const struct campaign_options *o, struct campaign *c)
{
	struct error e;
	long n;
	int rc;

	if (o->funder == NULL || o->name == NULL || o->value == NULL || o->last_day == NULL)
		return cli_usage_error("campaign create",
		    "--funder, --name, --value and --last-day are required");
	if (cli_args_id(o->funder, &c->funder_id) != 0)
		return cli_usage_error("campaign create", "--funder takes a funder id");
	c->tolerance_days = 30;
	if ((rc = campaign_parse_rules("campaign create", o, c)) != 0)
		return rc;
	if (o->validity != NULL) {
		if (cli_args_int(o->validity, 1, 3660, &n) != 0)
			return cli_usage_error("campaign create",
			    "--valid-days-after-handout goes from 1 to 3660");
		c->valid_days_after_handout = (int)n;
	}
	if (o->unused != NULL && strcmp(o->unused, "credit") != 0 && strcmp(o->unused, "refund") != 0)
		return cli_usage_error("campaign create", "--unused is credit or refund");
	c->unused_refund = o->unused != NULL && strcmp(o->unused, "refund") == 0;
	if (money_parse(o->value, &c->value_cents, &e) != 0 ||
	    registry_campaign_value_check(c->value_cents, &e) != 0)
		return cli_bad_value("campaign create", &e);
	return 0;
}

static int
campaign_create_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "funder", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "value", required_argument, NULL, 'v' },
		{ "last-day", required_argument, NULL, 'l' },
		{ "tolerance-days", required_argument, NULL, 't' },
		{ "valid-days-after-handout", required_argument, NULL, 'a' },
		{ "unused", required_argument, NULL, 'u' },
		{ "departments", required_argument, NULL, 'd' },
		{ "communes", required_argument, NULL, 'c' },
		{ "epci", required_argument, NULL, 'e' },
		{ "places", required_argument, NULL, 'p' },
		{ "services", required_argument, NULL, 's' },
		{ "exclude-place-types", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct campaign_options o = { 0 };
	struct campaign_create *w;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "campaign create", campaign_create_help, opts,
	    campaign_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("campaign create", "unexpected argument \"%s\"", argv[first]);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		abort();
	if ((rc = campaign_parse_fields(&o, &w->campaign)) != 0)
		goto done;
	if ((rc = campaign_parse_lists("campaign create", &o, w)) != 0)
		goto done;
	if (cli_begin(cli) != 0) {
		rc = EXIT_REFUSED;
		goto done;
	}
	rc = campaign_create_store(cli->home.db, w, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		goto done;
	if (cli->json)
		rc = cli_print_json(json_pack("{s:I}", "id", (json_int_t)w->id));
	else
		printf("%lld\n", (long long)w->id);
done:
	free(w);
	return rc;
}

/* A JSON array of n strings, each item_size bytes apart from first. */
static json_t *
campaign_strings(const char *first, size_t item_size, size_t n)
{
	json_t *array = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(array, json_string(first + i * item_size));
	return array;
}

/* The JSON description of c, services by code. Returns NULL with e set. */
static json_t *
campaign_json(struct db *db, const struct campaign *c, struct error *e)
{
	char value[MONEY_FORMAT_SIZE], last_day[DATE_FORMAT_SIZE];
	json_t *obj, *places = json_array(), *services = json_array();
	struct service s;

	for (size_t i = 0; i < c->place_count; i++)
		json_array_append_new(places, json_integer(c->places[i]));
	for (size_t i = 0; i < c->service_count; i++) {
		if (registry_service_get(db, c->services[i], &s, e) != 0) {
			json_decref(places);
			json_decref(services);
			return NULL;
		}
		json_array_append_new(services, json_string(s.code));
	}
	money_format(c->value_cents, value, sizeof(value));
	date_format(c->last_day, last_day);
	obj = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:i, s:s}", "id", (json_int_t)c->id,
	    "funder_id", (json_int_t)c->funder_id, "name", c->name, "value", value,
	    "value_cents", (json_int_t)c->value_cents, "last_day", last_day,
	    "tolerance_days", c->tolerance_days, "unused", c->unused_refund ? "refund" : "credit");
	json_object_set_new(obj, "valid_days_after_handout", c->valid_days_after_handout > 0 ?
	    json_integer(c->valid_days_after_handout) : json_null());
	json_object_set_new(obj, "departments", campaign_strings(c->departments[0], 4,
	    c->department_count));
	json_object_set_new(obj, "communes", campaign_strings(c->communes[0], 6, c->commune_count));
	json_object_set_new(obj, "epci", campaign_strings(c->epcis[0], 10, c->epci_count));
	json_object_set_new(obj, "places", places);
	json_object_set_new(obj, "services", services);
	json_object_set_new(obj, "excluded_place_types", campaign_strings(c->excluded_types[0], 20,
	    c->excluded_type_count));
	return obj;
}

/* Collects campaigns as JSON; ctx is a struct campaign_collect. */
struct campaign_collect {
	struct db *db;
	json_t *all;
	struct error *e;
};

static int
campaign_collect(const struct campaign *c, void *ctx)
{
	struct campaign_collect *cc = ctx;
	json_t *obj = campaign_json(cc->db, c, cc->e);

	if (obj == NULL)
		return -1;
	json_array_append_new(cc->all, obj);
	return 0;
}

static int
campaign_list_option(int opt, const char *arg, void *ctx)
{
	(void)opt;
	if (cli_args_id(arg, ctx) != 0) {
		cli_usage_error("campaign list", "--funder takes a funder id");
		return -1;
	}
	return 0;
}

/* Prints the campaign table: id, funder, value, last day, name last. */
static void
campaign_table(const json_t *all)
{
	char id[24], funder[24];
	const json_t *c;
	size_t i;

	cli_cell(stdout, "ID", 10, false);
	cli_cell(stdout, "FUNDER", 6, false);
	cli_cell(stdout, "VALUE", 10, false);
	cli_cell(stdout, "LAST DAY", 10, false);
	cli_cell(stdout, "NAME", 0, true);
	fputc('\n', stdout);
	json_array_foreach(all, i, c) {
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(c, "id")));
		snprintf(funder, sizeof(funder), "%lld",
		    (long long)json_integer_value(json_object_get(c, "funder_id")));
		cli_cell(stdout, id, 10, false);
		cli_cell(stdout, funder, 6, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "value")), 10, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "last_day")), 10, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "name")), 0, true);
		fputc('\n', stdout);
	}
}

static int
campaign_list_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "funder", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct campaign_collect cc;
	struct error e;
	int64_t funder = 0;
	int first = cli_options(cli, argc, argv, "campaign list", campaign_list_help, opts,
	    campaign_list_option, &funder);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("campaign list", "unexpected argument \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	cc = (struct campaign_collect){ cli->home.db, json_array(), &e };
	if (registry_campaign_list(cli->home.db, funder, campaign_collect, &cc, &e) != 0) {
		json_decref(cc.all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(cc.all);
	campaign_table(cc.all);
	json_decref(cc.all);
	return EXIT_OK;
}

/* Prints "label: a, b" for a JSON array of strings or numbers ("all" or
 * "none" when empty). */
static void
campaign_print_list(const char *label, const json_t *array, const char *empty)
{
	const json_t *item;
	size_t i;

	printf("%s:", label);
	if (json_array_size(array) == 0)
		printf(" %s", empty);
	json_array_foreach(array, i, item) {
		if (json_is_integer(item))
			printf("%s %lld", i > 0 ? "," : "", (long long)json_integer_value(item));
		else
			printf("%s %s", i > 0 ? "," : "", json_string_value(item));
	}
	printf("\n");
}

static void
campaign_print(const json_t *c)
{
	const json_t *validity = json_object_get(c, "valid_days_after_handout");

	printf("campaign %lld\nfunder: %lld\nname: %s\nvalue: %s\nlast day: %s (tolerance %lld"
	    " days)\n", (long long)json_integer_value(json_object_get(c, "id")),
	    (long long)json_integer_value(json_object_get(c, "funder_id")),
	    json_string_value(json_object_get(c, "name")),
	    json_string_value(json_object_get(c, "value")),
	    json_string_value(json_object_get(c, "last_day")),
	    (long long)json_integer_value(json_object_get(c, "tolerance_days")));
	if (json_is_integer(validity))
		printf("valid after hand-out: %lld days\n", (long long)json_integer_value(validity));
	printf("unused value: %s\n", json_string_value(json_object_get(c, "unused")));
	campaign_print_list("départements", json_object_get(c, "departments"), "-");
	campaign_print_list("communes", json_object_get(c, "communes"), "-");
	campaign_print_list("EPCI", json_object_get(c, "epci"), "-");
	campaign_print_list("places", json_object_get(c, "places"), "-");
	campaign_print_list("services", json_object_get(c, "services"), "all");
	campaign_print_list("excluded place types", json_object_get(c, "excluded_place_types"),
	    "none");
}

static int
campaign_show_run(struct cli *cli, int argc, char **argv)
{
	json_t *obj = NULL, *changes = NULL;
	struct campaign *c;
	struct error e;
	int64_t id;
	int first = cli_options(cli, argc, argv, "campaign show", campaign_show_help, NULL, NULL,
	    NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error("campaign show", "give one campaign ID (a positive number)");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if ((c = malloc(sizeof(*c))) == NULL)
		abort();
	if (registry_campaign_get(cli->home.db, id, c, &e) == 0 &&
	    (changes = registry_change_json(cli->home.db, "campaign", id, 0, &e)) != NULL &&
	    (obj = campaign_json(cli->home.db, c, &e)) == NULL)
		json_decref(changes);
	free(c);
	if (obj == NULL)
		return cli_fail(&e);
	json_object_set_new(obj, "changes", changes);
	if (cli->json)
		return cli_print_json(obj);
	campaign_print(obj);
	printf("changes: %zu\n", json_array_size(changes));
	cli_print_changes(changes);
	json_decref(obj);
	return EXIT_OK;
}

static int
campaign_summary_run(struct cli *cli, int argc, char **argv)
{
	struct report_close_summary s;
	char day[DATE_FORMAT_SIZE];
	struct error e;
	json_t *figures;
	int64_t id;
	int first = cli_options(cli, argc, argv, "campaign summary", campaign_summary_help, NULL,
	    NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error("campaign summary", "give one campaign ID (a positive number)");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (report_close_get(cli->home.db, id, &s, &e) != 0)
		return cli_fail(&e);
	if (cli->json) {
		json_t *obj;

		figures = json_loads(s.figures, 0, NULL);
		obj = json_pack("{s:I, s:I, s:s, s:o, s:s}", "campaign_id", (json_int_t)id,
		    "frozen_at", (json_int_t)s.created_at, "key_id", s.key_id, "figures",
		    figures != NULL ? figures : json_null(), "note", s.note);
		report_close_summary_clear(&s);
		return cli_print_json(obj);
	}
	date_format(clock_local_day(s.created_at, CLOCK_TZ_PARIS), day);
	printf("campaign %lld: close summary frozen on %s, signed by ledger key %s"
	    " (verified)\n%s", (long long)id, day, s.key_id, s.note);
	report_close_summary_clear(&s);
	return EXIT_OK;
}

/* Copies the lists given in o from w's parsed campaign into c. */
static void
campaign_edit_apply(const struct campaign_options *o, const struct campaign_create *w,
    struct campaign *c)
{
	const struct campaign *n = &w->campaign;

	if (o->name != NULL)
		memcpy(c->name, n->name, sizeof(c->name));
	if (o->last_day != NULL)
		c->last_day = n->last_day;
	if (o->tolerance != NULL)
		c->tolerance_days = n->tolerance_days;
#define CAMPAIGN_COPY(option, array, count) \
	if ((option) != NULL) { \
		memcpy(c->array, n->array, sizeof(c->array)); \
		c->count = n->count; \
	}
	CAMPAIGN_COPY(o->departments, departments, department_count)
	CAMPAIGN_COPY(o->communes, communes, commune_count)
	CAMPAIGN_COPY(o->epci, epcis, epci_count)
	CAMPAIGN_COPY(o->places, places, place_count)
	CAMPAIGN_COPY(o->services, services, service_count)
	CAMPAIGN_COPY(o->excluded, excluded_types, excluded_type_count)
#undef CAMPAIGN_COPY
}

/* Applies the correction w (options o) to campaign w->id inside the verb's
 * write transaction; sets w->changes. 0, or -1 with e set. */
static int
campaign_edit_store(struct db *db, const struct campaign_options *o, struct campaign_create *w,
    struct error *e)
{
	char who[REGISTRY_ACTOR_SIZE];
	struct campaign *c = malloc(sizeof(*c));
	int64_t last = 0;
	int rc = -1;

	if (c == NULL)
		abort();
	if (registry_actor_find(db, o->token_file, getenv("PASSNUM_TOKEN"), who, e) != 0 ||
	    registry_campaign_get(db, w->id, c, e) != 0 ||
	    campaign_services_resolve(db, w, e) != 0 || registry_change_last(db, &last, e) != 0)
		goto done;
	campaign_edit_apply(o, w, c);
	if (registry_campaign_edit(db, c, who, clock_now(), e) != 0 ||
	    (w->changes = registry_change_json(db, "campaign", w->id, last, e)) == NULL)
		goto done;
	rc = 0;
done:
	free(c);
	return rc;
}

/* Checks campaign edit's operand and options before the home is opened;
 * 0, or an exit code. */
static int
campaign_edit_parse(int argc, char **argv, int first, const struct campaign_options *o,
    struct campaign_create *w)
{
	int rc;

	if (argc - first != 1 || cli_args_id(argv[first], &w->id) != 0)
		return cli_usage_error("campaign edit", "give one campaign ID (a positive number)");
	if (o->funder != NULL || o->value != NULL || o->unused != NULL || o->validity != NULL)
		return cli_usage_error("campaign edit", "a campaign's funder, value, unused rule and"
		    " validity after hand-out never change (passes carry them): create another"
		    " campaign");
	if (o->name == NULL && o->last_day == NULL && o->tolerance == NULL &&
	    o->departments == NULL && o->communes == NULL && o->epci == NULL && o->places == NULL &&
	    o->services == NULL && o->excluded == NULL)
		return cli_usage_error("campaign edit", "nothing to change (see the options)");
	if ((rc = campaign_parse_rules("campaign edit", o, &w->campaign)) != 0)
		return rc;
	return campaign_parse_lists("campaign edit", o, w);
}

static int
campaign_edit_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "last-day", required_argument, NULL, 'l' },
		{ "tolerance-days", required_argument, NULL, 't' },
		{ "departments", required_argument, NULL, 'd' },
		{ "communes", required_argument, NULL, 'c' },
		{ "epci", required_argument, NULL, 'e' },
		{ "places", required_argument, NULL, 'p' },
		{ "services", required_argument, NULL, 's' },
		{ "exclude-place-types", required_argument, NULL, 'x' },
		{ "token-file", required_argument, NULL, 'k' },
		/* Refused with a reason rather than as unknown options. */
		{ "funder", required_argument, NULL, 'f' },
		{ "value", required_argument, NULL, 'v' },
		{ "unused", required_argument, NULL, 'u' },
		{ "valid-days-after-handout", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct campaign_options o = { 0 };
	struct campaign_create *w;
	struct error e;
	char label[80];
	int rc, first = cli_options(cli, argc, argv, "campaign edit", campaign_edit_help, opts,
	    campaign_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		abort();
	if ((rc = campaign_edit_parse(argc, argv, first, &o, w)) != 0)
		goto done;
	if (cli_begin(cli) != 0) {
		rc = EXIT_REFUSED;
		goto done;
	}
	rc = campaign_edit_store(cli->home.db, &o, w, &e);
	snprintf(label, sizeof(label), "campaign %lld", (long long)w->id);
	rc = cli_edit_done(cli, rc, &e, label, w->id, w->changes);
	w->changes = NULL;
done:
	json_decref(w->changes);
	free(w);
	return rc;
}

static const struct cli_verb campaign_verbs[] = {
	{ "create", campaign_create_run, "create a campaign", campaign_create_help },
	{ "edit", campaign_edit_run, "correct a campaign's rules", campaign_edit_help },
	{ "list", campaign_list_run, "list campaigns", campaign_list_help },
	{ "show", campaign_show_run, "show a campaign", campaign_show_help },
	{ "summary", campaign_summary_run, "a campaign's close summary, verified",
	  campaign_summary_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_campaign(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, campaign_verbs, "campaign", cmd_campaign_help, argc, argv);
}
