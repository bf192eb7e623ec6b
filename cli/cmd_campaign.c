/* passnum campaign create | list | show */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "clock.h"
#include "db.h"
#include "money.h"
#include "registry.h"

const char cmd_campaign_help[] =
    "usage: passnum campaign create --funder ID --name N --value 10.00 --last-day DATE\n"
    "               [--tolerance-days 30] [--valid-days-after-handout N]\n"
    "               [--unused credit|refund] [--departments 93,94] [--communes C,..]\n"
    "               [--epci E,..] [--places P,..] [--services a,b]\n"
    "               [--exclude-place-types t,..]\n"
    "       passnum campaign list [--funder ID]\n"
    "       passnum campaign show ID\n"
    "\n"
    "create  a funder's campaign: N is its internal name (never printed on passes\n"
    "        nor shown to places), the face value of a pass in euros, the last\n"
    "        day printed on passes (YYYY-MM-DD, not past); passes are still taken\n"
    "        for --tolerance-days after it (0 to 366, default 30);\n"
    "        --valid-days-after-handout counts validity from the hand-out too;\n"
    "        --unused: unused value is credited back to the funder's balance\n"
    "        (credit, default) or owed back as a credit note (refund).\n"
    "        Territory: départements, INSEE communes (a commune includes its\n"
    "        arrondissements), EPCI SIRENs or place ids; none means everywhere.\n"
    "        --services: the service codes it pays for (default: all);\n"
    "        --exclude-place-types: place types that may not take its passes.\n"
    "        Prints the campaign id (the passes' campaign number)\n"
    "list    campaigns (of one funder with --funder)\n"
    "show    one campaign with its rules\n";

/* Options of campaign create, as typed. */
struct campaign_options {
	const char *funder, *name, *value, *last_day, *tolerance, *validity, *unused;
	const char *departments, *communes, *epci, *places, *services, *excluded;
};

static int
campaign_option(int opt, const char *arg, void *ctx)
{
	struct campaign_options *o = ctx;
	const char **slot[] = {
		['f'] = &o->funder, ['n'] = &o->name, ['v'] = &o->value, ['l'] = &o->last_day,
		['t'] = &o->tolerance, ['a'] = &o->validity, ['u'] = &o->unused,
		['d'] = &o->departments, ['c'] = &o->communes, ['e'] = &o->epci, ['p'] = &o->places,
		['s'] = &o->services, ['x'] = &o->excluded,
	};

	if (opt < 0 || (size_t)opt >= sizeof(slot) / sizeof(slot[0]) || slot[opt] == NULL)
		return -1;
	*slot[opt] = arg;
	return 0;
}

/* A campaign to create, as parsed from the command line (services by
 * code), and its id once created. */
struct campaign_create {
	struct campaign campaign;
	char codes[REGISTRY_LIST_MAX][33];
	size_t code_count;
	int64_t id;
};

/* Resolves w's service codes and creates the campaign (sets w->id); inside
 * the verb's write transaction. Returns 0, or -1 with e set. */
static int
campaign_create_store(struct db *db, struct campaign_create *w, struct error *e)
{
	struct service s;

	for (size_t i = 0; i < w->code_count; i++) {
		if (registry_service_find(db, w->codes[i], &s, e) != 0)
			return -1;
		w->campaign.services[i] = s.id;
	}
	w->campaign.service_count = w->code_count;
	return registry_campaign_create(db, &w->campaign, clock_now(), &w->id, e);
}

/* Parses the territory lists of o into c; 0, or -1 after a usage error. */
static int
campaign_parse_lists(const struct campaign_options *o, struct campaign_create *w)
{
	struct campaign *c = &w->campaign;
	char places[REGISTRY_LIST_MAX][24];
	size_t count = 0;

#define CAMPAIGN_LIST(text, array, n, what) \
	if ((text) != NULL && cli_args_list((text), &(array)[0][0], sizeof((array)[0]), \
	    REGISTRY_LIST_MAX, &(n)) != 0) { \
		cli_usage_error("campaign create", "%s takes up to %d codes separated by commas", \
		    what, REGISTRY_LIST_MAX); \
		return -1; \
	}
	CAMPAIGN_LIST(o->departments, c->departments, c->department_count, "--departments")
	CAMPAIGN_LIST(o->communes, c->communes, c->commune_count, "--communes")
	CAMPAIGN_LIST(o->epci, c->epcis, c->epci_count, "--epci")
	CAMPAIGN_LIST(o->excluded, c->excluded_types, c->excluded_type_count,
	    "--exclude-place-types")
	CAMPAIGN_LIST(o->services, w->codes, w->code_count, "--services")
	CAMPAIGN_LIST(o->places, places, count, "--places")
#undef CAMPAIGN_LIST
	for (size_t i = 0; i < count; i++)
		if (cli_args_id(places[i], &c->places[i]) != 0) {
			cli_usage_error("campaign create", "--places takes place ids");
			return -1;
		}
	c->place_count = count;
	return 0;
}

/* Parses the scalar options of o into c; 0, or an exit code. */
static int
campaign_parse_fields(const struct campaign_options *o, struct campaign *c)
{
	struct error e;
	long n;

	if (o->funder == NULL || o->name == NULL || o->value == NULL || o->last_day == NULL)
		return cli_usage_error("campaign create",
		    "--funder, --name, --value and --last-day are required");
	if (cli_args_id(o->funder, &c->funder_id) != 0)
		return cli_usage_error("campaign create", "--funder takes a funder id");
	if (date_parse(o->last_day, &c->last_day, &e) != 0)
		return cli_usage_error("campaign create", "--last-day: %s", e.message);
	c->tolerance_days = 30;
	if (o->tolerance != NULL) {
		if (cli_args_int(o->tolerance, 0, 366, &n) != 0)
			return cli_usage_error("campaign create", "--tolerance-days goes from 0 to 366");
		c->tolerance_days = (int)n;
	}
	if (o->validity != NULL) {
		if (cli_args_int(o->validity, 1, 3660, &n) != 0)
			return cli_usage_error("campaign create",
			    "--valid-days-after-handout goes from 1 to 3660");
		c->valid_days_after_handout = (int)n;
	}
	if (o->unused != NULL && strcmp(o->unused, "credit") != 0 && strcmp(o->unused, "refund") != 0)
		return cli_usage_error("campaign create", "--unused is credit or refund");
	c->unused_refund = o->unused != NULL && strcmp(o->unused, "refund") == 0;
	if (cli_args_copy(c->name, sizeof(c->name), o->name) != 0) {
		error_set(&e, 400, "BAD_NAME", "a name has at most %d bytes", REGISTRY_NAME_MAX);
		return cli_fail(&e);
	}
	if (money_parse(o->value, &c->value_cents, &e) != 0)
		return cli_fail(&e);
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
	int rc, first = cli_options(cli, argc, argv, "campaign create", cmd_campaign_help, opts,
	    campaign_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("campaign create", "unexpected argument \"%s\"", argv[first]);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		abort();
	if ((rc = campaign_parse_fields(&o, &w->campaign)) != 0)
		goto done;
	if (campaign_parse_lists(&o, w) != 0) {
		rc = EXIT_USAGE;
		goto done;
	}
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
	json_t *c;
	size_t i;
	int first = cli_options(cli, argc, argv, "campaign list", cmd_campaign_help, opts,
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
	printf("%-10s %-6s %-10s %-10s %s\n", "ID", "FUNDER", "VALUE", "LAST DAY", "NAME");
	json_array_foreach(cc.all, i, c)
		printf("%-10lld %-6lld %-10s %-10s %s\n",
		    (long long)json_integer_value(json_object_get(c, "id")),
		    (long long)json_integer_value(json_object_get(c, "funder_id")),
		    json_string_value(json_object_get(c, "value")),
		    json_string_value(json_object_get(c, "last_day")),
		    json_string_value(json_object_get(c, "name")));
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
	struct campaign *c;
	struct error e;
	json_t *obj = NULL;
	int64_t id;
	int first = cli_options(cli, argc, argv, "campaign show", cmd_campaign_help, NULL, NULL,
	    NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error("campaign show", "give one campaign ID (a positive number)");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if ((c = malloc(sizeof(*c))) == NULL)
		abort();
	if (registry_campaign_get(cli->home.db, id, c, &e) == 0)
		obj = campaign_json(cli->home.db, c, &e);
	free(c);
	if (obj == NULL)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(obj);
	campaign_print(obj);
	json_decref(obj);
	return EXIT_OK;
}

static const struct cli_verb campaign_verbs[] = {
	{ "create", campaign_create_run, "create a campaign", cmd_campaign_help },
	{ "list", campaign_list_run, "list campaigns", cmd_campaign_help },
	{ "show", campaign_show_run, "show a campaign", cmd_campaign_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_campaign(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, campaign_verbs, "campaign", cmd_campaign_help, argc, argv);
}
