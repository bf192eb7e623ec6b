/* passnum place add | label | suspend | unlabel | list | show | iban-request | iban-approve */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "clock.h"
#include "db.h"
#include "identifiers.h"
#include "registry.h"

const char cmd_place_help[] =
    "usage: passnum place add NAME --siret S --commune INSEE [--iban IBAN] [--type T]\n"
    "                 [--services a,b]\n"
    "       passnum place label ID [--until DATE]\n"
    "       passnum place suspend ID\n"
    "       passnum place unlabel ID\n"
    "       passnum place list\n"
    "       passnum place show ID\n"
    "       passnum place iban-request PAYEE-ID IBAN --token ADMIN-TOKEN\n"
    "       passnum place iban-approve REQUEST-ID --token OTHER-ADMIN-TOKEN\n"
    "\n"
    "add           registers a place (lieu qualifié) in the commune whose INSEE code\n"
    "              is given (an arrondissement's code for Paris, Lyon, Marseille);\n"
    "              département, région, EPCI and time zone are derived. S is the\n"
    "              SIRET of who is paid for it: a SIRET already known joins its\n"
    "              payee (same IBAN), a new one needs --iban. T is one of epn,\n"
    "              france-services, pimms, centre-social, mediatheque, ccas,\n"
    "              association, other (default). --services: the codes of the\n"
    "              services it offers. A new place is not labelled; prints its id\n"
    "label         labels the place (it may then take passes) until DATE\n"
    "              (YYYY-MM-DD, inclusive, Europe/Paris); without --until, until\n"
    "              31 December of next year\n"
    "suspend       suspends a labelled place: it takes no pass until labelled again\n"
    "unlabel       removes the label\n"
    "list, show    places, with their label; show adds the payee and services\n"
    "iban-request  asks to change a payee's IBAN; prints the request id\n"
    "iban-approve  applies the change; needs another admin token than the request's\n";

/* Options of the place verbs. */
struct place_options {
	const char *siret, *commune, *iban, *type, *services, *until, *token;
};

static int
place_option(int opt, const char *arg, void *ctx)
{
	struct place_options *o = ctx;

	switch (opt) {
	case 's': o->siret = arg; break;
	case 'c': o->commune = arg; break;
	case 'i': o->iban = arg; break;
	case 't': o->type = arg; break;
	case 'v': o->services = arg; break;
	case 'u': o->until = arg; break;
	default: o->token = arg; break;
	}
	return 0;
}

/* A place to add, as parsed from the command line, and its id once added. */
struct place_add {
	struct place place;
	const struct place_options *o;
	char codes[REGISTRY_LIST_MAX][33];
	size_t count;
	int64_t id;
};

/* Resolves w's service codes and adds the place (sets w->id); inside the
 * verb's write transaction. Returns 0, or -1 with e set. */
static int
place_add_store(struct db *db, struct place_add *w, struct error *e)
{
	int64_t ids[REGISTRY_LIST_MAX];
	struct service s;

	for (size_t i = 0; i < w->count; i++) {
		if (registry_service_find(db, w->codes[i], &s, e) != 0)
			return -1;
		ids[i] = s.id;
	}
	return registry_place_add(db, &w->place, w->o->siret, w->o->iban, ids, w->count,
	    clock_now(), &w->id, e);
}

/* Fills w from the operands and options of place add; 0, or an exit code. */
static int
place_add_parse(struct place_add *w, const char *name, const struct place_options *o)
{
	struct error e;

	if (cli_args_copy(w->place.name, sizeof(w->place.name), name) != 0) {
		error_set(&e, 400, "BAD_NAME", "a name has at most %d bytes", REGISTRY_NAME_MAX);
		return cli_fail(&e);
	}
	if (cli_args_copy(w->place.commune, sizeof(w->place.commune), o->commune) != 0) {
		error_set(&e, 400, "BAD_COMMUNE", "a commune code has 5 characters, not \"%.20s\"",
		    o->commune);
		return cli_fail(&e);
	}
	if (registry_place_type_check(o->type != NULL ? o->type : "other", &e) != 0)
		return cli_fail(&e);
	cli_args_copy(w->place.type, sizeof(w->place.type), o->type != NULL ? o->type : "other");
	if (o->services != NULL && cli_args_list(o->services, &w->codes[0][0], sizeof(w->codes[0]),
	    REGISTRY_LIST_MAX, &w->count) != 0)
		return cli_usage_error("place add", "--services takes up to %d codes separated by commas",
		    REGISTRY_LIST_MAX);
	w->o = o;
	return 0;
}

static int
place_add_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "siret", required_argument, NULL, 's' },
		{ "commune", required_argument, NULL, 'c' },
		{ "iban", required_argument, NULL, 'i' },
		{ "type", required_argument, NULL, 't' },
		{ "services", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct place_options o = { 0 };
	struct place_add w;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "place add", cmd_place_help, opts,
	    place_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("place add", "give exactly one NAME");
	if (o.siret == NULL || o.commune == NULL)
		return cli_usage_error("place add", "--siret and --commune are required");
	memset(&w, 0, sizeof(w));
	if ((rc = place_add_parse(&w, argv[first], &o)) != 0)
		return rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = place_add_store(cli->home.db, &w, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I}", "id", (json_int_t)w.id));
	printf("%lld\n", (long long)w.id);
	return EXIT_OK;
}

static const char *const label_names[] = { "none", "labelled", "suspended" };

static int
place_label_common(struct cli *cli, int argc, char **argv, const char *verb,
    enum place_label label)
{
	static const struct option label_opts[] = {
		{ "until", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct place_options o = { 0 };
	char until[DATE_FORMAT_SIZE] = "";
	int32_t last_day = -1;
	struct error e;
	int64_t id;
	int rc, first = cli_options(cli, argc, argv, verb, cmd_place_help,
	    label == PLACE_LABEL_LABELLED ? label_opts : NULL, place_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error(verb, "give one place ID (a positive number)");
	if (label == PLACE_LABEL_LABELLED) {
		if (o.until == NULL)
			last_day = registry_label_default_until(clock_today(CLOCK_TZ_PARIS));
		else if (date_parse(o.until, &last_day, &e) != 0)
			return cli_usage_error(verb, "--until: %s", e.message);
		date_format(last_day, until);
	}
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_place_set_label(cli->home.db, id, label, last_day, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:s, s:s?}", "id", (json_int_t)id,
		    "label", label_names[label], "label_until", until[0] != '\0' ? until : NULL));
	if (label == PLACE_LABEL_LABELLED)
		printf("place %lld labelled until %s\n", (long long)id, until);
	else
		printf("place %lld %s\n", (long long)id,
		    label == PLACE_LABEL_SUSPENDED ? "suspended" : "unlabelled");
	return EXIT_OK;
}

static int
place_label_run(struct cli *cli, int argc, char **argv)
{
	return place_label_common(cli, argc, argv, "place label", PLACE_LABEL_LABELLED);
}

static int
place_suspend_run(struct cli *cli, int argc, char **argv)
{
	return place_label_common(cli, argc, argv, "place suspend", PLACE_LABEL_SUSPENDED);
}

static int
place_unlabel_run(struct cli *cli, int argc, char **argv)
{
	return place_label_common(cli, argc, argv, "place unlabel", PLACE_LABEL_NONE);
}

static json_t *
place_json(const struct place *p)
{
	char until[DATE_FORMAT_SIZE] = "";

	if (p->label_until >= 0)
		date_format(p->label_until, until);
	return json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?}",
	    "id", (json_int_t)p->id, "name", p->name, "payee_id", (json_int_t)p->payee_id,
	    "commune", p->commune, "commune_name", p->commune_name, "department", p->department,
	    "region", p->region, "epci", p->epci, "time_zone", p->time_zone, "type", p->type,
	    "label", label_names[p->label], "label_until", until[0] != '\0' ? until : NULL);
}

static void
place_print(const json_t *p)
{
	const json_t *until = json_object_get(p, "label_until");

	printf("%-6lld %-5s %-16s %-9s %-10s %s\n",
	    (long long)json_integer_value(json_object_get(p, "id")),
	    json_string_value(json_object_get(p, "commune")),
	    json_string_value(json_object_get(p, "type")),
	    json_string_value(json_object_get(p, "label")),
	    json_is_string(until) ? json_string_value(until) : "-",
	    json_string_value(json_object_get(p, "name")));
}

static int
place_collect(const struct place *p, void *ctx)
{
	json_array_append_new(ctx, place_json(p));
	return 0;
}

static int
place_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all, *p;
	size_t i;
	int first = cli_options(cli, argc, argv, "place list", cmd_place_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("place list", "unexpected argument \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (registry_place_list(cli->home.db, place_collect, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	printf("%-6s %-5s %-16s %-9s %-10s %s\n", "ID", "INSEE", "TYPE", "LABEL", "UNTIL", "NAME");
	json_array_foreach(all, i, p)
		place_print(p);
	json_decref(all);
	return EXIT_OK;
}

static int
place_service_collect(const struct service *s, void *ctx)
{
	json_array_append_new(ctx, json_string(s->code));
	return 0;
}

/* The JSON description of place id with its payee and services, or NULL. */
static json_t *
place_describe(struct db *db, int64_t id, struct error *e)
{
	char iban[IDENTIFIERS_IBAN_PRINT_SIZE];
	json_t *obj, *services;
	struct payee payee;
	struct place p;

	if (registry_place_get(db, id, &p, e) != 0 ||
	    registry_payee_get(db, p.payee_id, &payee, e) != 0)
		return NULL;
	services = json_array();
	if (registry_place_services(db, id, place_service_collect, services, e) != 0) {
		json_decref(services);
		return NULL;
	}
	identifiers_iban_format(payee.iban, iban);
	obj = place_json(&p);
	json_object_set_new(obj, "payee", json_pack("{s:I, s:s, s:s, s:s}", "id",
	    (json_int_t)payee.id, "siret", payee.siret, "name", payee.name, "iban", iban));
	json_object_set_new(obj, "services", services);
	return obj;
}

static int
place_show_run(struct cli *cli, int argc, char **argv)
{
	json_t *obj, *payee, *s;
	struct error e;
	int64_t id;
	size_t i;
	int first = cli_options(cli, argc, argv, "place show", cmd_place_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error("place show", "give one place ID (a positive number)");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if ((obj = place_describe(cli->home.db, id, &e)) == NULL)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(obj);
	payee = json_object_get(obj, "payee");
	printf("place %lld\nname: %s\ntype: %s\ncommune: %s %s (département %s, région %s,"
	    " EPCI %s)\ntime zone: %s\n", (long long)id,
	    json_string_value(json_object_get(obj, "name")),
	    json_string_value(json_object_get(obj, "type")),
	    json_string_value(json_object_get(obj, "commune")),
	    json_string_value(json_object_get(obj, "commune_name")),
	    json_string_value(json_object_get(obj, "department")),
	    json_string_value(json_object_get(obj, "region")),
	    json_string_value(json_object_get(obj, "epci"))[0] != '\0' ?
	    json_string_value(json_object_get(obj, "epci")) : "-",
	    json_string_value(json_object_get(obj, "time_zone")));
	printf("label: %s", json_string_value(json_object_get(obj, "label")));
	if (json_is_string(json_object_get(obj, "label_until")))
		printf(" until %s", json_string_value(json_object_get(obj, "label_until")));
	printf("\npayee %lld: SIRET %s, IBAN %s\nservices:",
	    (long long)json_integer_value(json_object_get(payee, "id")),
	    json_string_value(json_object_get(payee, "siret")),
	    json_string_value(json_object_get(payee, "iban")));
	json_array_foreach(json_object_get(obj, "services"), i, s)
		printf(" %s", json_string_value(s));
	printf("\n");
	json_decref(obj);
	return EXIT_OK;
}

/* An IBAN change request or approval, as parsed from the command line. */
struct place_iban {
	int64_t id; /* payee id (request) or request id (approve) */
	const char *iban; /* NULL for approve */
	const char *token;
	int64_t request_id;
};

/* Authenticates w's admin token and records the request (sets
 * w->request_id) or the approval; inside the verb's write transaction.
 * Returns 0, or -1 with e set. */
static int
place_iban_store(struct db *db, struct place_iban *w, struct error *e)
{
	struct bearer b;

	if (registry_token_authenticate(db, w->token, &b, e) != 0)
		return -1;
	if (b.role != ROLE_ADMIN)
		return error_set(e, 403, "NOT_ADMIN", "an IBAN change needs an admin token");
	if (w->iban != NULL)
		return registry_payee_iban_request(db, w->id, w->iban, b.id, clock_now(),
		    &w->request_id, e);
	w->request_id = w->id;
	return registry_payee_iban_approve(db, w->id, b.id, clock_now(), e);
}

static int
place_iban_common(struct cli *cli, int argc, char **argv, const char *verb, int request)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct place_options o = { 0 };
	struct place_iban w = { 0 };
	struct error e;
	int rc, first = cli_options(cli, argc, argv, verb, cmd_place_help, opts, place_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != (request ? 2 : 1) || cli_args_id(argv[first], &w.id) != 0)
		return cli_usage_error(verb, request ? "give a PAYEE-ID and an IBAN" :
		    "give one REQUEST-ID (a positive number)");
	if (o.token == NULL)
		return cli_usage_error(verb, "--token is required");
	w.iban = request ? argv[first + 1] : NULL;
	w.token = o.token;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = place_iban_store(cli->home.db, &w, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:b}", "id", (json_int_t)w.request_id,
		    "approved", !request));
	if (request)
		printf("%lld\n", (long long)w.request_id);
	else
		printf("IBAN change %lld approved\n", (long long)w.request_id);
	return EXIT_OK;
}

static int
place_iban_request_run(struct cli *cli, int argc, char **argv)
{
	return place_iban_common(cli, argc, argv, "place iban-request", 1);
}

static int
place_iban_approve_run(struct cli *cli, int argc, char **argv)
{
	return place_iban_common(cli, argc, argv, "place iban-approve", 0);
}

static const struct cli_verb place_verbs[] = {
	{ "add", place_add_run, "register a place", cmd_place_help },
	{ "label", place_label_run, "label a place", cmd_place_help },
	{ "suspend", place_suspend_run, "suspend a place", cmd_place_help },
	{ "unlabel", place_unlabel_run, "remove a place's label", cmd_place_help },
	{ "list", place_list_run, "list places", cmd_place_help },
	{ "show", place_show_run, "show a place", cmd_place_help },
	{ "iban-request", place_iban_request_run, "ask to change a payee's IBAN", cmd_place_help },
	{ "iban-approve", place_iban_approve_run, "approve an IBAN change", cmd_place_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_place(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, place_verbs, "place", cmd_place_help, argc, argv);
}
