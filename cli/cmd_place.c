/* passnum place add | edit | label | suspend | unlabel | list | show
 *              | iban-request | iban-requests | iban-approve */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "db.h"
#include "identifiers.h"
#include "registry.h"

static const char place_add_help[] =
    "usage: passnum place add NAME --siret S --commune INSEE [--iban IBAN] [--type T]\n"
    "                 [--services a,b] [--allow-duplicate]\n"
    "\n"
    "Registers a place (lieu qualifié) in the commune whose INSEE code is given\n"
    "(an arrondissement's code for Paris, Lyon, Marseille); département,\n"
    "région, EPCI and time zone are derived. S is the SIRET of who is paid for\n"
    "it: a SIRET already known joins its payee (same IBAN), a new one needs\n"
    "--iban. T is one of epn, france-services, pimms, centre-social,\n"
    "mediatheque, ccas, association, other (default). --services: the codes\n"
    "of the services it offers (place edit changes them later). A place with\n"
    "the same name in the same commune is refused unless --allow-duplicate.\n"
    "A new place is not labelled. Prints its id.\n"
    "\n"
    "example:\n"
    "  passnum place add \"EPN Bobigny\" --siret 12345678200002 --commune 93008 \\\n"
    "      --iban FR7630006000011234567890189 --type epn --services internet,demarches\n";

static const char place_edit_help[] =
    "usage: passnum place edit ID [--name NAME] [--type T] [--commune INSEE]\n"
    "                  [--services a,b] [--allow-duplicate] [--token-file F]\n"
    "\n"
    "Corrects a place: its name, type, commune (département, région, EPCI and\n"
    "time zone derived again) or the services it offers (--services replaces\n"
    "the list; --services \"\" offers none). Its payee's IBAN changes with\n"
    "iban-request, its label with label. A name already used in the same\n"
    "commune is refused unless --allow-duplicate. Each change is recorded with\n"
    "who made it: the admin token read from F (\"-\": standard input) or\n"
    "$PASSNUM_TOKEN when given, else the OS user. Prints what changed.\n"
    "\n"
    "example:\n"
    "  passnum place edit 1 --services internet,demarches,courrier\n";

static const char place_label_help[] =
    "usage: passnum place label ID [--until DATE]\n"
    "\n"
    "Labels the place (it may then take passes) until DATE (YYYY-MM-DD,\n"
    "inclusive, Europe/Paris, not past); without --until, until\n"
    "31 December of next year.\n"
    "\n"
    "example:\n"
    "  passnum place label 1 --until 2027-12-31\n";

static const char place_suspend_help[] =
    "usage: passnum place suspend ID\n"
    "\n"
    "Suspends a labelled place: it takes no pass until labelled again.\n"
    "\n"
    "example:\n"
    "  passnum place suspend 1\n";

static const char place_unlabel_help[] =
    "usage: passnum place unlabel ID\n"
    "\n"
    "Removes the place's label: it takes no pass.\n"
    "\n"
    "example:\n"
    "  passnum place unlabel 1\n";

static const char place_list_help[] =
    "usage: passnum place list\n"
    "\n"
    "Every place: id, commune, type, label and its last day, name.\n"
    "\n"
    "example:\n"
    "  passnum place list\n";

static const char place_show_help[] =
    "usage: passnum place show ID\n"
    "\n"
    "One place with its payee (SIRET, IBAN), its services, and the corrections\n"
    "made to it and to its payee's IBAN (who, when, old and new).\n"
    "\n"
    "example:\n"
    "  passnum place show 1\n";

static const char place_iban_request_help[] =
    "usage: passnum place iban-request PAYEE-ID IBAN [--token-file F]\n"
    "\n"
    "Asks to change a payee's IBAN (every place paid to that SIRET): the first\n"
    "of two admins. The admin token is read from F (\"-\": standard input),\n"
    "else $PASSNUM_TOKEN (--token TOKEN still works, but puts the secret in the\n"
    "shell's history). Prints the request id; another admin approves it with\n"
    "iban-approve.\n"
    "\n"
    "example:\n"
    "  passnum place iban-request 1 FR1420041010050500013M02606 --token-file ~/.passnum-admin\n";

static const char place_iban_requests_help[] =
    "usage: passnum place iban-requests\n"
    "       passnum place iban-pending\n"
    "\n"
    "The IBAN changes waiting for approval: request id, payee, SIRET, legal\n"
    "name, current IBAN, requested IBAN, who asked and when.\n"
    "\n"
    "example:\n"
    "  passnum place iban-requests\n";

static const char place_iban_approve_help[] =
    "usage: passnum place iban-approve REQUEST-ID [--token-file F] [--dry-run] [--yes]\n"
    "\n"
    "Approves an IBAN change with another admin token than the request's, read\n"
    "from F (\"-\": standard input), else $PASSNUM_TOKEN (--token TOKEN still\n"
    "works). Shows the payee's legal name and SIRET and the IBAN old -> new\n"
    "first, then asks for confirmation (a prompt on a terminal; without one,\n"
    "refused unless --yes). --dry-run shows it and changes nothing.\n"
    "\n"
    "example:\n"
    "  PASSNUM_TOKEN=$(cat ~/.passnum-admin) passnum place iban-approve 3\n";

const char cmd_place_help[] =
    "usage: passnum place add NAME --siret S --commune INSEE [--iban IBAN] [--type T]\n"
    "                 [--services a,b] [--allow-duplicate]\n"
    "       passnum place edit ID [--name NAME] [--type T] [--commune INSEE]\n"
    "                 [--services a,b] [--allow-duplicate]\n"
    "       passnum place label ID [--until DATE]\n"
    "       passnum place suspend ID\n"
    "       passnum place unlabel ID\n"
    "       passnum place list\n"
    "       passnum place show ID\n"
    "       passnum place iban-request PAYEE-ID IBAN [--token-file F]\n"
    "       passnum place iban-requests\n"
    "       passnum place iban-approve REQUEST-ID [--token-file F] [--dry-run]\n"
    "\n"
    "add            registers a place (lieu qualifié) in a commune (INSEE code);\n"
    "               S is the SIRET of who is paid for it; prints its id\n"
    "edit           corrects its name, type, commune or services (recorded with\n"
    "               who and when)\n"
    "label          labels the place (it may then take passes) until DATE\n"
    "               (YYYY-MM-DD, inclusive, Europe/Paris); without --until, until\n"
    "               31 December of next year\n"
    "suspend        suspends a labelled place: it takes no pass until labelled again\n"
    "unlabel        removes the label\n"
    "list, show     places, with their label; show adds the payee, services and\n"
    "               corrections\n"
    "iban-request   asks to change a payee's IBAN; prints the request id\n"
    "iban-requests  the IBAN changes waiting for approval (also: iban-pending)\n"
    "iban-approve   shows the change (old -> new IBAN, legal name, SIRET) and\n"
    "               applies it once confirmed; needs another admin token than the\n"
    "               request's\n"
    "Admin tokens are read from --token-file F or $PASSNUM_TOKEN, never\n"
    "required on the command line.\n"
    "\n"
    "`passnum place SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum place add \"EPN Bobigny\" --siret 12345678200002 --commune 93008 \\\n"
    "      --iban FR7630006000011234567890189 --services internet\n"
    "  passnum place label 1\n"
    "  passnum place iban-requests\n";

/* Options of the place verbs, as typed. */
struct place_options {
	const char *siret, *commune, *iban, *type, *services, *until, *token, *token_file, *name;
	unsigned flags;
	bool dry_run;
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
	case 'f': o->token_file = arg; break;
	case 'n': o->name = arg; break;
	case 'D': o->flags |= REGISTRY_ALLOW_DUPLICATE; break;
	case 'y': o->dry_run = true; break;
	default: o->token = arg; break;
	}
	return 0;
}

/* Service codes as typed (--services), checked for their syntax. */
struct place_codes {
	char codes[REGISTRY_LIST_MAX][33];
	size_t count;
	bool given;
};

/* Parses --services text ("" for none) into c; 0, or an exit code. */
static int
place_codes_parse(const char *verb, const char *text, struct place_codes *c)
{
	struct error e;

	memset(c, 0, sizeof(*c));
	if (text == NULL)
		return 0;
	c->given = true;
	if (text[0] == '\0')
		return 0;
	if (cli_args_list(text, &c->codes[0][0], sizeof(c->codes[0]), REGISTRY_LIST_MAX,
	    &c->count) != 0)
		return cli_usage_error(verb, "--services takes up to %d codes separated by commas",
		    REGISTRY_LIST_MAX);
	for (size_t i = 0; i < c->count; i++)
		if (registry_service_code_check(c->codes[i], &e) != 0)
			return cli_bad_value(verb, &e);
	return 0;
}

/* Resolves the codes of c into ids (unknown: 404). */
static int
place_codes_resolve(struct db *db, const struct place_codes *c, int64_t ids[REGISTRY_LIST_MAX],
    struct error *e)
{
	struct service s;

	for (size_t i = 0; i < c->count; i++) {
		if (registry_service_find(db, c->codes[i], &s, e) != 0)
			return -1;
		ids[i] = s.id;
	}
	return 0;
}

/* A place to add, as parsed from the command line, and its id once added. */
struct place_add {
	struct place place;
	const struct place_options *o;
	char iban[IDENTIFIERS_IBAN_SIZE];
	struct place_codes services;
	int64_t id;
};

/* Resolves w's service codes and adds the place (sets w->id); inside the
 * verb's write transaction. Returns 0, or -1 with e set. */
static int
place_add_store(struct db *db, struct place_add *w, struct error *e)
{
	int64_t ids[REGISTRY_LIST_MAX];

	if (place_codes_resolve(db, &w->services, ids, e) != 0)
		return -1;
	return registry_place_add_flags(db, &w->place, w->o->siret, w->o->iban, ids,
	    w->services.count, w->o->flags, clock_now(), &w->id, e);
}

/* Copies and checks a place's name, commune and type (each NULL: not
 * given) into p; 0, or -1 with e set. */
static int
place_fields_parse(struct place *p, const char *name, const char *commune, const char *type,
    struct error *e)
{
	if (name != NULL) {
		if (cli_args_copy(p->name, sizeof(p->name), name) != 0)
			return error_set(e, 400, "BAD_NAME", "a place's name has at most %d bytes",
			    REGISTRY_NAME_MAX);
		if (registry_name_check("a place's name", p->name, e) != 0)
			return -1;
	}
	if (commune != NULL) {
		if (cli_args_copy(p->commune, sizeof(p->commune), commune) != 0)
			return error_set(e, 400, "BAD_COMMUNE", "a commune code has 5 characters, not"
			    " \"%.20s\"", commune);
		if (registry_place_commune_check(p->commune, e) != 0)
			return -1;
	}
	if (type != NULL) {
		if (registry_place_type_check(type, e) != 0)
			return -1;
		(void)cli_args_copy(p->type, sizeof(p->type), type);
	}
	return 0;
}

/* Fills w from the operands and options of place add, checking every value
 * that needs no database; 0, or an exit code. */
static int
place_add_parse(struct place_add *w, const char *name, const struct place_options *o)
{
	char siret[IDENTIFIERS_SIRET_SIZE];
	struct error e;

	w->o = o;
	if (place_fields_parse(&w->place, name, o->commune, o->type != NULL ? o->type : "other",
	    &e) != 0 || identifiers_siret_normalize(o->siret, siret, &e) != 0 ||
	    (o->iban != NULL && identifiers_iban_normalize(o->iban, w->iban, &e) != 0))
		return cli_bad_value("place add", &e);
	return place_codes_parse("place add", o->services, &w->services);
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
		{ "allow-duplicate", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct place_options o = { 0 };
	struct place_add w;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "place add", place_add_help, opts,
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

/* A correction of a place, as parsed, and the changes it made. */
struct place_edit {
	int64_t id;
	const struct place_options *o;
	struct place fields; /* the name, commune and type given */
	struct place_codes services;
	json_t *changes;
};

/* Applies w inside the verb's write transaction; 0, or -1 with e set. */
static int
place_edit_store(struct db *db, struct place_edit *w, struct error *e)
{
	char who[REGISTRY_ACTOR_SIZE];
	int64_t last = 0, ids[REGISTRY_LIST_MAX];
	struct place p;

	if (registry_actor_find(db, w->o->token_file, getenv("PASSNUM_TOKEN"), who, e) != 0 ||
	    registry_place_get(db, w->id, &p, e) != 0 ||
	    place_codes_resolve(db, &w->services, ids, e) != 0 ||
	    registry_change_last(db, &last, e) != 0)
		return -1;
	if (w->o->name != NULL)
		(void)cli_args_copy(p.name, sizeof(p.name), w->fields.name);
	if (w->o->commune != NULL)
		(void)cli_args_copy(p.commune, sizeof(p.commune), w->fields.commune);
	if (w->o->type != NULL)
		(void)cli_args_copy(p.type, sizeof(p.type), w->fields.type);
	if (registry_place_edit(db, &p, w->services.given ? ids : NULL, w->services.count,
	    w->o->flags, who, clock_now(), e) != 0)
		return -1;
	w->changes = registry_change_json(db, "place", p.id, last, e);
	return w->changes != NULL ? 0 : -1;
}

/* Checks place edit's operand and options before the home is opened. */
static int
place_edit_parse(int argc, char **argv, int first, struct place_edit *w)
{
	const struct place_options *o = w->o;
	struct error e;

	if (argc - first != 1 || cli_args_id(argv[first], &w->id) != 0)
		return cli_usage_error("place edit", "give one place ID (a positive number)");
	if (o->name == NULL && o->commune == NULL && o->type == NULL && o->services == NULL)
		return cli_usage_error("place edit", "nothing to change: give --name, --type,"
		    " --commune or --services");
	if (place_fields_parse(&w->fields, o->name, o->commune, o->type, &e) != 0)
		return cli_bad_value("place edit", &e);
	return place_codes_parse("place edit", o->services, &w->services);
}

static int
place_edit_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "commune", required_argument, NULL, 'c' },
		{ "type", required_argument, NULL, 't' },
		{ "services", required_argument, NULL, 'v' },
		{ "allow-duplicate", no_argument, NULL, 'D' },
		{ "token-file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct place_options o = { 0 };
	struct place_edit w;
	struct error e;
	char label[80];
	int rc, first = cli_options(cli, argc, argv, "place edit", place_edit_help, opts,
	    place_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	memset(&w, 0, sizeof(w));
	w.o = &o;
	if ((rc = place_edit_parse(argc, argv, first, &w)) != 0)
		return rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = place_edit_store(cli->home.db, &w, &e);
	snprintf(label, sizeof(label), "place %lld", (long long)w.id);
	return cli_edit_done(cli, rc, &e, label, w.id, w.changes);
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
	int rc, first = cli_options(cli, argc, argv, verb, label == PLACE_LABEL_LABELLED ?
	    place_label_help : label == PLACE_LABEL_SUSPENDED ? place_suspend_help :
	    place_unlabel_help, label == PLACE_LABEL_LABELLED ? label_opts : NULL, place_option, &o);

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

/* Prints the place table: id, commune, type, label, last day, name last. */
static void
place_table(const json_t *all)
{
	const json_t *p, *until;
	char id[24];
	size_t i;

	cli_cell(stdout, "ID", 6, false);
	cli_cell(stdout, "INSEE", 5, false);
	cli_cell(stdout, "TYPE", 16, false);
	cli_cell(stdout, "LABEL", 9, false);
	cli_cell(stdout, "UNTIL", 10, false);
	cli_cell(stdout, "NAME", 0, true);
	fputc('\n', stdout);
	json_array_foreach(all, i, p) {
		until = json_object_get(p, "label_until");
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(p, "id")));
		cli_cell(stdout, id, 6, false);
		cli_cell(stdout, json_string_value(json_object_get(p, "commune")), 5, false);
		cli_cell(stdout, json_string_value(json_object_get(p, "type")), 16, false);
		cli_cell(stdout, json_string_value(json_object_get(p, "label")), 9, false);
		cli_cell(stdout, json_is_string(until) ? json_string_value(until) : "-", 10, false);
		cli_cell(stdout, json_string_value(json_object_get(p, "name")), 0, true);
		fputc('\n', stdout);
	}
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
	json_t *all;
	int first = cli_options(cli, argc, argv, "place list", place_list_help, NULL, NULL, NULL);

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
	place_table(all);
	json_decref(all);
	return EXIT_OK;
}

static int
place_service_collect(const struct service *s, void *ctx)
{
	json_array_append_new(ctx, json_string(s->code));
	return 0;
}

/* The JSON of payee (id, siret, name, iban formatted) with its IBAN's
 * recorded changes; NULL with e set. */
static json_t *
place_payee_json(struct db *db, const struct payee *payee, struct error *e)
{
	char iban[IDENTIFIERS_IBAN_PRINT_SIZE];
	json_t *changes = registry_change_json(db, "payee", payee->id, 0, e);

	if (changes == NULL)
		return NULL;
	identifiers_iban_format(payee->iban, iban);
	return json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)payee->id, "siret",
	    payee->siret, "name", payee->name, "iban", iban, "changes", changes);
}

/* The JSON description of place id with its payee, services and changes,
 * or NULL with e set. */
static json_t *
place_describe(struct db *db, int64_t id, struct error *e)
{
	json_t *obj, *services, *payee_json, *changes;
	struct payee payee;
	struct place p;

	if (registry_place_get(db, id, &p, e) != 0 ||
	    registry_payee_get(db, p.payee_id, &payee, e) != 0 ||
	    (payee_json = place_payee_json(db, &payee, e)) == NULL)
		return NULL;
	services = json_array();
	if (registry_place_services(db, id, place_service_collect, services, e) != 0 ||
	    (changes = registry_change_json(db, "place", id, 0, e)) == NULL) {
		json_decref(services);
		json_decref(payee_json);
		return NULL;
	}
	obj = place_json(&p);
	json_object_set_new(obj, "payee", payee_json);
	json_object_set_new(obj, "services", services);
	json_object_set_new(obj, "changes", changes);
	return obj;
}

/* Prints the text form of place_describe's obj. */
static void
place_print(const json_t *obj)
{
	const json_t *payee = json_object_get(obj, "payee"), *s;
	size_t i;

	printf("place %lld\nname: %s\ntype: %s\ncommune: %s %s (département %s, région %s,"
	    " EPCI %s)\ntime zone: %s\n", (long long)json_integer_value(json_object_get(obj, "id")),
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
	printf("\npayee %lld: %s, SIRET %s, IBAN %s\nservices:",
	    (long long)json_integer_value(json_object_get(payee, "id")),
	    json_string_value(json_object_get(payee, "name")),
	    json_string_value(json_object_get(payee, "siret")),
	    json_string_value(json_object_get(payee, "iban")));
	json_array_foreach(json_object_get(obj, "services"), i, s)
		printf(" %s", json_string_value(s));
	printf("%s\nchanges: %zu\n", json_array_size(json_object_get(obj, "services")) == 0 ?
	    " none" : "", json_array_size(json_object_get(obj, "changes")) +
	    json_array_size(json_object_get(payee, "changes")));
	cli_print_changes(json_object_get(obj, "changes"));
	cli_print_changes(json_object_get(payee, "changes"));
}

static int
place_show_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *obj;
	int64_t id;
	int first = cli_options(cli, argc, argv, "place show", place_show_help, NULL, NULL, NULL);

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
	place_print(obj);
	json_decref(obj);
	return EXIT_OK;
}

/* IBAN changes. */

/* An IBAN change as JSON: id, payee_id, payee_name, payee_siret, old_iban
 * (the payee's IBAN now), new_iban (formatted), requested_by, requested_at,
 * approved (and approved_by, approved_at once approved). */
static json_t *
place_iban_json(const struct iban_change *c)
{
	char old_iban[IDENTIFIERS_IBAN_PRINT_SIZE], new_iban[IDENTIFIERS_IBAN_PRINT_SIZE];
	char requested[CLOCK_INSTANT_SIZE], approved[CLOCK_INSTANT_SIZE];
	json_t *obj;

	identifiers_iban_format(c->current_iban, old_iban);
	identifiers_iban_format(c->iban, new_iban);
	clock_instant_format(c->requested_at, requested);
	obj = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)c->id,
	    "payee_id", (json_int_t)c->payee_id, "payee_name", c->payee_name, "payee_siret",
	    c->payee_siret, "old_iban", old_iban, "new_iban", new_iban, "requested_by",
	    c->requested_by, "requested_at", requested, "approved", c->approved_by[0] != '\0');
	if (c->approved_by[0] != '\0') {
		clock_instant_format(c->approved_at, approved);
		json_object_set_new(obj, "approved_by", json_string(c->approved_by));
		json_object_set_new(obj, "approved_at", json_string(approved));
	}
	return obj;
}

/* Finds the admin token of an IBAN verb: --token-file, else --token, else
 * $PASSNUM_TOKEN. Returns 0 with out set, or an exit code. */
static int
place_iban_token(const char *verb, const struct place_options *o,
    char out[REGISTRY_TOKEN_TEXT_MAX])
{
	struct error e;
	int found = registry_token_source(o->token_file, o->token != NULL ? o->token :
	    getenv("PASSNUM_TOKEN"), out, &e);

	if (found < 0)
		return cli_fail(&e); /* a file missing or unreadable: the state, not the syntax */
	if (found == 0)
		return cli_usage_error(verb, "give an admin token with --token-file F or"
		    " $PASSNUM_TOKEN");
	return 0;
}

/* A request of an IBAN change, as parsed, and the request once stored. */
struct place_iban_request {
	int64_t payee_id;
	char iban[IDENTIFIERS_IBAN_SIZE];
	char token[REGISTRY_TOKEN_TEXT_MAX];
	struct iban_change change;
};

/* Authenticates w's admin token and records the request (sets w->change);
 * inside the verb's write transaction. Returns 0, or -1 with e set. */
static int
place_iban_request_store(struct db *db, struct place_iban_request *w, struct error *e)
{
	struct bearer b;
	int64_t id = 0;

	if (registry_admin_authenticate(db, w->token, &b, e) != 0 ||
	    registry_payee_iban_request(db, w->payee_id, w->iban, b.id, clock_now(), &id, e) != 0)
		return -1;
	return registry_iban_change_get(db, id, &w->change, e);
}

static int
place_iban_request_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 'k' },
		{ "token-file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct place_options o = { 0 };
	struct place_iban_request w;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "place iban-request", place_iban_request_help,
	    opts, place_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	memset(&w, 0, sizeof(w));
	if (argc - first != 2 || cli_args_id(argv[first], &w.payee_id) != 0)
		return cli_usage_error("place iban-request", "give a PAYEE-ID and an IBAN");
	if (identifiers_iban_normalize(argv[first + 1], w.iban, &e) != 0)
		return cli_bad_value("place iban-request", &e);
	if ((rc = place_iban_token("place iban-request", &o, w.token)) != 0)
		return rc;
	if (cli_begin(cli) != 0)
		rc = EXIT_REFUSED;
	else
		rc = cli_commit(cli, place_iban_request_store(cli->home.db, &w, &e), &e);
	sodium_memzero(w.token, sizeof(w.token));
	if (rc != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(place_iban_json(&w.change));
	printf("%lld\n", (long long)w.change.id);
	return EXIT_OK;
}

static int
place_iban_collect(const struct iban_change *c, void *ctx)
{
	json_array_append_new(ctx, place_iban_json(c));
	return 0;
}

/* Prints the pending IBAN changes table, the legal name as wide as the
 * widest. */
static void
place_iban_table(const json_t *all)
{
	size_t i, width = cli_display_width("NAME");
	char id[24], payee[24];
	const json_t *c;

	json_array_foreach(all, i, c) {
		size_t w = cli_display_width(json_string_value(json_object_get(c, "payee_name")));
		width = w > width ? w : width;
	}
	cli_cell(stdout, "ID", 6, false);
	cli_cell(stdout, "PAYEE", 6, false);
	cli_cell(stdout, "SIRET", 14, false);
	cli_cell(stdout, "NAME", width, false);
	cli_cell(stdout, "OLD IBAN", 42, false);
	cli_cell(stdout, "NEW IBAN", 42, false);
	cli_cell(stdout, "REQUESTED BY", 16, false);
	cli_cell(stdout, "AT", 0, true);
	fputc('\n', stdout);
	json_array_foreach(all, i, c) {
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(c, "id")));
		snprintf(payee, sizeof(payee), "%lld",
		    (long long)json_integer_value(json_object_get(c, "payee_id")));
		cli_cell(stdout, id, 6, false);
		cli_cell(stdout, payee, 6, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "payee_siret")), 14, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "payee_name")), width, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "old_iban")), 42, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "new_iban")), 42, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "requested_by")), 16, false);
		cli_cell(stdout, json_string_value(json_object_get(c, "requested_at")), 0, true);
		fputc('\n', stdout);
	}
}

static int
place_iban_requests_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all;
	int first = cli_options(cli, argc, argv, "place iban-requests", place_iban_requests_help,
	    NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("place iban-requests", "unexpected argument \"%s\"",
		    argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (registry_iban_change_pending(cli->home.db, place_iban_collect, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	if (json_array_size(all) == 0)
		printf("no IBAN change is waiting for approval\n");
	else
		place_iban_table(all);
	json_decref(all);
	return EXIT_OK;
}

/* Prints what approving c does, for the admin to check before confirming. */
static void
place_iban_summary(const json_t *c)
{
	printf("IBAN change %lld of payee %lld: %s, SIRET %s\n  %s → %s\n"
	    "  requested by token %s at %s\n",
	    (long long)json_integer_value(json_object_get(c, "id")),
	    (long long)json_integer_value(json_object_get(c, "payee_id")),
	    json_string_value(json_object_get(c, "payee_name")),
	    json_string_value(json_object_get(c, "payee_siret")),
	    json_string_value(json_object_get(c, "old_iban")),
	    json_string_value(json_object_get(c, "new_iban")),
	    json_string_value(json_object_get(c, "requested_by")),
	    json_string_value(json_object_get(c, "requested_at")));
	fflush(stdout);
}

/* An approval of an IBAN change, as parsed. */
struct place_iban_approve {
	int64_t id;
	char token[REGISTRY_TOKEN_TEXT_MAX];
	struct iban_change change; /* as checked before confirmation */
};

/* Checks, without writing, that w's admin token may approve w->id (fills
 * w->change); 0, or -1 with e set. */
static int
place_iban_check(struct db *db, struct place_iban_approve *w, struct error *e)
{
	struct bearer b;

	if (registry_admin_authenticate(db, w->token, &b, e) != 0)
		return -1;
	return registry_payee_iban_approvable(db, w->id, b.id, &w->change, e);
}

/* Applies the approval inside the verb's write transaction, refusing a
 * request that changed since it was shown. */
static int
place_iban_approve_store(struct db *db, struct place_iban_approve *w, struct error *e)
{
	struct iban_change shown = w->change;
	struct bearer b;

	if (registry_admin_authenticate(db, w->token, &b, e) != 0 ||
	    registry_payee_iban_approvable(db, w->id, b.id, &w->change, e) != 0)
		return -1;
	if (strcmp(shown.current_iban, w->change.current_iban) != 0 ||
	    strcmp(shown.iban, w->change.iban) != 0)
		return error_set(e, 409, "CHANGED", "IBAN change %lld changed while it was shown:"
		    " run iban-approve again", (long long)w->id);
	return registry_payee_iban_approve(db, w->id, b.id, clock_now(), e);
}

/* Shows w's change and asks for confirmation (or stops at --dry-run):
 * returns -1 to go on, else the exit code. */
static int
place_iban_confirm(struct cli *cli, struct place_iban_approve *w, const struct place_options *o)
{
	char what[160], iban[IDENTIFIERS_IBAN_PRINT_SIZE];
	json_t *obj = place_iban_json(&w->change);
	struct error e;

	if (!cli->json)
		place_iban_summary(obj);
	if (o->dry_run) {
		if (!cli->json) {
			json_decref(obj);
			printf("dry run: nothing changed\n");
			return EXIT_OK;
		}
		json_object_set_new(obj, "dry_run", json_true());
		return cli_print_json(obj);
	}
	json_decref(obj);
	identifiers_iban_format(w->change.iban, iban);
	snprintf(what, sizeof(what), "pay payee %lld to %s from now on",
	    (long long)w->change.payee_id, iban);
	if (cli_confirm(cli, what, &e) != 0)
		return cli_fail(&e);
	return -1;
}

static int
place_iban_approve_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 'k' },
		{ "token-file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	struct place_options o = { 0 };
	struct place_iban_approve w;
	json_t *obj;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "place iban-approve", place_iban_approve_help,
	    opts, place_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	memset(&w, 0, sizeof(w));
	if (argc - first != 1 || cli_args_id(argv[first], &w.id) != 0)
		return cli_usage_error("place iban-approve", "give one REQUEST-ID (a positive number)");
	if ((rc = place_iban_token("place iban-approve", &o, w.token)) != 0)
		return rc;
	if (cli_open_home(cli) != 0)
		rc = EXIT_REFUSED;
	else if (place_iban_check(cli->home.db, &w, &e) != 0)
		rc = cli_fail(&e);
	else if ((rc = place_iban_confirm(cli, &w, &o)) == -1)
		rc = cli_begin(cli) != 0 ? EXIT_REFUSED :
		    cli_commit(cli, place_iban_approve_store(cli->home.db, &w, &e), &e);
	else
		w.id = 0; /* shown only (dry run) or refused */
	sodium_memzero(w.token, sizeof(w.token));
	if (rc != EXIT_OK || w.id == 0)
		return rc;
	obj = place_iban_json(&w.change); /* as approved: old_iban is the one replaced */
	json_object_set_new(obj, "approved", json_true());
	if (cli->json)
		return cli_print_json(obj);
	printf("IBAN change %lld approved: payee %lld is paid to %s (was %s)\n", (long long)w.id,
	    (long long)w.change.payee_id, json_string_value(json_object_get(obj, "new_iban")),
	    json_string_value(json_object_get(obj, "old_iban")));
	json_decref(obj);
	return EXIT_OK;
}

static const struct cli_verb place_verbs[] = {
	{ "add", place_add_run, "register a place", place_add_help },
	{ "edit", place_edit_run, "correct a place", place_edit_help },
	{ "label", place_label_run, "label a place", place_label_help },
	{ "suspend", place_suspend_run, "suspend a place", place_suspend_help },
	{ "unlabel", place_unlabel_run, "remove a place's label", place_unlabel_help },
	{ "list", place_list_run, "list places", place_list_help },
	{ "show", place_show_run, "show a place", place_show_help },
	{ "iban-request", place_iban_request_run, "ask to change a payee's IBAN",
	    place_iban_request_help },
	{ "iban-requests", place_iban_requests_run, "list IBAN changes waiting for approval",
	    place_iban_requests_help },
	{ "iban-pending", place_iban_requests_run, "the same as iban-requests",
	    place_iban_requests_help },
	{ "iban-approve", place_iban_approve_run, "approve an IBAN change",
	    place_iban_approve_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_place(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, place_verbs, "place", cmd_place_help, argc, argv);
}
