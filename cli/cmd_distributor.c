/* passnum distributor add | list | show | edit */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "db.h"
#include "identifiers.h"
#include "registry.h"

static const char distributor_add_help[] =
    "usage: passnum distributor add NAME [--siret S] [--allow-duplicate]\n"
    "\n"
    "Registers a distributor (structure distributrice: a social service, a\n"
    "CCAS, a town hall...) that hands booklets to people, never recording\n"
    "who. A NAME already used by another distributor is refused unless\n"
    "--allow-duplicate. Prints its id.\n"
    "\n"
    "example:\n"
    "  passnum distributor add \"CCAS de Bobigny\" --siret 21930008400015\n";

static const char distributor_list_help[] =
    "usage: passnum distributor list\n"
    "\n"
    "Every distributor: id, SIRET, name.\n"
    "\n"
    "example:\n"
    "  passnum --json distributor list\n";

static const char distributor_show_help[] =
    "usage: passnum distributor show ID\n"
    "\n"
    "One distributor, with the corrections made to it (who, when, old and new).\n"
    "\n"
    "example:\n"
    "  passnum distributor show 1\n";

static const char distributor_edit_help[] =
    "usage: passnum distributor edit ID --name NAME [--allow-duplicate] [--token-file F]\n"
    "\n"
    "Corrects a distributor's name (its SIRET is not corrected here). A name\n"
    "already used by another distributor is refused unless --allow-duplicate.\n"
    "The change is recorded with who made it: the admin token read from F\n"
    "(\"-\": standard input) or $PASSNUM_TOKEN when given, else the OS user.\n"
    "Prints what changed.\n"
    "\n"
    "example:\n"
    "  passnum distributor edit 1 --name \"CCAS de Bobigny (centre-ville)\"\n";

const char cmd_distributor_help[] =
    "usage: passnum distributor add NAME [--siret S] [--allow-duplicate]\n"
    "       passnum distributor list\n"
    "       passnum distributor show ID\n"
    "       passnum distributor edit ID --name NAME [--allow-duplicate] [--token-file F]\n"
    "\n"
    "add    registers a distributor (structure distributrice: a social service,\n"
    "       a CCAS, a town hall...) that hands booklets to people, never\n"
    "       recording who; prints its id\n"
    "list   every distributor\n"
    "show   one distributor and its corrections\n"
    "edit   corrects its name (recorded with who and when)\n"
    "\n"
    "`passnum distributor SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum distributor add \"CCAS de Bobigny\" --siret 21930008400015\n"
    "  passnum distributor show 1\n";

/* Options of the distributor verbs, as typed. */
struct distributor_options {
	const char *siret, *name, *token_file;
	unsigned flags;
};

static int
distributor_option(int opt, const char *arg, void *ctx)
{
	struct distributor_options *o = ctx;

	if (opt == 's')
		o->siret = arg;
	else if (opt == 'n')
		o->name = arg;
	else if (opt == 'k')
		o->token_file = arg;
	else
		o->flags |= REGISTRY_ALLOW_DUPLICATE;
	return 0;
}

/* Checks and copies name (and siret, may be NULL) into d before the home
 * is opened; 0, or an exit code. */
static int
distributor_parse(const char *verb, struct distributor *d, const char *name, const char *siret)
{
	struct error e;

	if (cli_args_copy(d->name, sizeof(d->name), name) != 0)
		error_set(&e, 400, "BAD_NAME", "a name has at most %d bytes", REGISTRY_NAME_MAX);
	else if (registry_name_check("a distributor's name", d->name, &e) == 0 &&
	    (siret == NULL || identifiers_siret_normalize(siret, d->siret, &e) == 0))
		return 0;
	return cli_bad_value(verb, &e);
}

static int
distributor_add_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "siret", required_argument, NULL, 's' },
		{ "allow-duplicate", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct distributor_options o = { 0 };
	struct distributor distributor;
	struct error e;
	int64_t id = 0;
	int rc, first = cli_options(cli, argc, argv, "distributor add", distributor_add_help, opts,
	    distributor_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("distributor add", "give exactly one NAME");
	memset(&distributor, 0, sizeof(distributor));
	if ((rc = distributor_parse("distributor add", &distributor, argv[first], o.siret)) != 0)
		return rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_distributor_add_flags(cli->home.db, &distributor, o.flags, clock_now(), &id,
	    &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I}", "id", (json_int_t)id));
	printf("%lld\n", (long long)id);
	return EXIT_OK;
}

static json_t *
distributor_json(const struct distributor *d)
{
	char created[CLOCK_INSTANT_SIZE];
	json_t *obj;

	clock_instant_format(d->created_at, created);
	obj = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)d->id, "name", d->name,
	    "created_at", created);
	json_object_set_new(obj, "siret", d->siret[0] != '\0' ? json_string(d->siret) : json_null());
	return obj;
}

static void
distributor_print(const json_t *d)
{
	const json_t *siret = json_object_get(d, "siret");
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(d, "id")));
	cli_cell(stdout, id, 6, false);
	cli_cell(stdout, json_is_string(siret) ? json_string_value(siret) : "-", 14, false);
	cli_cell(stdout, json_string_value(json_object_get(d, "name")), 0, true);
	fputc('\n', stdout);
}

static int
distributor_collect(const struct distributor *d, void *ctx)
{
	json_array_append_new(ctx, distributor_json(d));
	return 0;
}

static int
distributor_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all, *d;
	size_t i;
	int first = cli_options(cli, argc, argv, "distributor list", distributor_list_help, NULL,
	    NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("distributor list", "unexpected argument \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (registry_distributor_list(cli->home.db, distributor_collect, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	cli_cell(stdout, "ID", 6, false);
	cli_cell(stdout, "SIRET", 14, false);
	cli_cell(stdout, "NAME", 0, true);
	fputc('\n', stdout);
	json_array_foreach(all, i, d)
		distributor_print(d);
	json_decref(all);
	return EXIT_OK;
}

static int
distributor_show_run(struct cli *cli, int argc, char **argv)
{
	struct distributor d;
	struct error e;
	json_t *obj, *changes;
	int64_t id;
	int first = cli_options(cli, argc, argv, "distributor show", distributor_show_help, NULL,
	    NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error("distributor show", "give one distributor ID (a positive number)");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (registry_distributor_get(cli->home.db, id, &d, &e) != 0 ||
	    (changes = registry_change_json(cli->home.db, "distributor", id, 0, &e)) == NULL)
		return cli_fail(&e);
	obj = distributor_json(&d);
	json_object_set_new(obj, "changes", changes);
	if (cli->json)
		return cli_print_json(obj);
	printf("distributor %lld\nname: %s\nsiret: %s\ncreated: %s\nchanges: %zu\n",
	    (long long)d.id, d.name, d.siret[0] != '\0' ? d.siret : "-",
	    json_string_value(json_object_get(obj, "created_at")), json_array_size(changes));
	cli_print_changes(changes);
	json_decref(obj);
	return EXIT_OK;
}

/* A correction of a distributor, as parsed, and the changes it made. */
struct distributor_edit {
	int64_t id;
	const struct distributor_options *o;
	json_t *changes;
};

/* Applies w inside the verb's write transaction; 0, or -1 with e set. */
static int
distributor_edit_store(struct db *db, struct distributor_edit *w, struct error *e)
{
	char who[REGISTRY_ACTOR_SIZE];
	struct distributor d;
	int64_t last = 0;

	if (registry_actor_find(db, w->o->token_file, getenv("PASSNUM_TOKEN"), who, e) != 0 ||
	    registry_distributor_get(db, w->id, &d, e) != 0 ||
	    registry_change_last(db, &last, e) != 0)
		return -1;
	(void)cli_args_copy(d.name, sizeof(d.name), w->o->name);
	if (registry_distributor_edit(db, &d, w->o->flags, who, clock_now(), e) != 0)
		return -1;
	w->changes = registry_change_json(db, "distributor", d.id, last, e);
	return w->changes != NULL ? 0 : -1;
}

static int
distributor_edit_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "allow-duplicate", no_argument, NULL, 'D' },
		{ "token-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct distributor_options o = { 0 };
	struct distributor_edit w = { 0 };
	struct distributor check = { 0 };
	struct error e;
	char label[80];
	int rc, first = cli_options(cli, argc, argv, "distributor edit", distributor_edit_help,
	    opts, distributor_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &w.id) != 0)
		return cli_usage_error("distributor edit", "give one distributor ID (a positive number)");
	if (o.name == NULL)
		return cli_usage_error("distributor edit", "nothing to change: give --name");
	if ((rc = distributor_parse("distributor edit", &check, o.name, NULL)) != 0)
		return rc;
	w.o = &o;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = distributor_edit_store(cli->home.db, &w, &e);
	snprintf(label, sizeof(label), "distributor %lld", (long long)w.id);
	return cli_edit_done(cli, rc, &e, label, w.id, w.changes);
}

static const struct cli_verb distributor_verbs[] = {
	{ "add", distributor_add_run, "register a distributor", distributor_add_help },
	{ "list", distributor_list_run, "list distributors", distributor_list_help },
	{ "show", distributor_show_run, "show a distributor and its corrections",
	    distributor_show_help },
	{ "edit", distributor_edit_run, "correct a distributor's name", distributor_edit_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_distributor(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, distributor_verbs, "distributor", cmd_distributor_help, argc, argv);
}
