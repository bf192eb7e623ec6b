/* passnum service add | list | show | edit */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "db.h"
#include "registry.h"

static const char service_add_help[] =
    "usage: passnum service add CODE NAME [--passes N]\n"
    "\n"
    "Adds a service to the catalogue: CODE (1 to 32 of a-z, 0-9, '-'; once\n"
    "per catalogue, never changed), its NAME, and N the passes a session\n"
    "costs (1 to 10, default 1). Prints its id.\n"
    "\n"
    "example:\n"
    "  passnum service add demarches \"Démarches en ligne\" --passes 2\n";

static const char service_list_help[] =
    "usage: passnum service list\n"
    "\n"
    "The catalogue: each service's id, code, passes and name.\n"
    "\n"
    "example:\n"
    "  passnum --json service list\n";

static const char service_show_help[] =
    "usage: passnum service show CODE\n"
    "\n"
    "One service, with the corrections made to it (who, when, old and new).\n"
    "\n"
    "example:\n"
    "  passnum service show internet\n";

static const char service_edit_help[] =
    "usage: passnum service edit CODE --name NAME [--token-file F]\n"
    "\n"
    "Corrects a service's name (its code and passes never change: add another\n"
    "service). The change is recorded with who made it: the admin token read\n"
    "from F (\"-\": standard input) or $PASSNUM_TOKEN when given, else the OS\n"
    "user. Prints what changed.\n"
    "\n"
    "example:\n"
    "  passnum service edit internet --name \"Découvrir internet et le courriel\"\n";

const char cmd_service_help[] =
    "usage: passnum service add CODE NAME [--passes N]\n"
    "       passnum service list\n"
    "       passnum service show CODE\n"
    "       passnum service edit CODE --name NAME [--token-file F]\n"
    "\n"
    "add    adds a service to the catalogue: CODE (1 to 32 of a-z, 0-9, '-'),\n"
    "       its NAME, and N the passes a session costs (1 to 10, default 1);\n"
    "       prints its id\n"
    "list   the catalogue\n"
    "show   one service and its corrections\n"
    "edit   corrects its name (recorded with who and when)\n"
    "\n"
    "`passnum service SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum service add internet \"Découvrir internet\"\n"
    "  passnum service edit internet --name \"Découvrir internet et le courriel\"\n";

/* Options of the service verbs, as typed. */
struct service_options {
	const char *passes, *name, *token_file;
};

static int
service_option(int opt, const char *arg, void *ctx)
{
	struct service_options *o = ctx;

	if (opt == 'p')
		o->passes = arg;
	else if (opt == 'n')
		o->name = arg;
	else
		o->token_file = arg;
	return 0;
}

/* Parses and checks CODE and NAME of service add into s (before the home is
 * opened); 0, or an exit code. */
static int
service_add_parse(struct service *s, const char *code, const char *name,
    const struct service_options *o)
{
	struct error e;
	long passes = 1;

	if (o->passes != NULL && cli_args_int(o->passes, 1, 10, &passes) != 0)
		return cli_usage_error("service add", "--passes takes a number from 1 to 10");
	memset(s, 0, sizeof(*s));
	s->passes = (int)passes;
	if (cli_args_copy(s->code, sizeof(s->code), code) != 0)
		error_set(&e, 400, "BAD_SERVICE_CODE", "a service code has at most 32 characters");
	else if (cli_args_copy(s->name, sizeof(s->name), name) != 0)
		error_set(&e, 400, "BAD_NAME", "a name has at most %d bytes", REGISTRY_NAME_MAX);
	else if (registry_service_code_check(s->code, &e) == 0 &&
	    registry_name_check("a service's name", s->name, &e) == 0)
		return 0;
	return cli_bad_value("service add", &e);
}

static int
service_add_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "passes", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct service_options o = { 0 };
	struct service service;
	struct error e;
	int64_t id = 0;
	int rc, first = cli_options(cli, argc, argv, "service add", service_add_help, opts,
	    service_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 2)
		return cli_usage_error("service add", "give a CODE and a NAME");
	if ((rc = service_add_parse(&service, argv[first], argv[first + 1], &o)) != 0)
		return rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_service_add(cli->home.db, &service, &id, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I}", "id", (json_int_t)id));
	printf("%lld\n", (long long)id);
	return EXIT_OK;
}

static json_t *
service_json(const struct service *s)
{
	return json_pack("{s:I, s:s, s:s, s:i}", "id", (json_int_t)s->id, "code", s->code, "name",
	    s->name, "passes", s->passes);
}

static int
service_collect(const struct service *s, void *ctx)
{
	json_array_append_new(ctx, service_json(s));
	return 0;
}

/* Prints the service table: id, code and passes in columns, name last. */
static void
service_table(const json_t *all)
{
	char id[24], passes[8];
	const json_t *s;
	size_t i;

	cli_cell(stdout, "ID", 6, false);
	cli_cell(stdout, "CODE", 20, false);
	cli_cell(stdout, "PASSES", 6, false);
	cli_cell(stdout, "NAME", 0, true);
	fputc('\n', stdout);
	json_array_foreach(all, i, s) {
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(s, "id")));
		snprintf(passes, sizeof(passes), "%lld",
		    (long long)json_integer_value(json_object_get(s, "passes")));
		cli_cell(stdout, id, 6, false);
		cli_cell(stdout, json_string_value(json_object_get(s, "code")), 20, false);
		cli_cell(stdout, passes, 6, false);
		cli_cell(stdout, json_string_value(json_object_get(s, "name")), 0, true);
		fputc('\n', stdout);
	}
}

static int
service_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all;
	int first = cli_options(cli, argc, argv, "service list", service_list_help, NULL, NULL,
	    NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("service list", "unexpected argument \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (registry_service_list(cli->home.db, service_collect, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	service_table(all);
	json_decref(all);
	return EXIT_OK;
}

static int
service_show_run(struct cli *cli, int argc, char **argv)
{
	struct service s;
	struct error e;
	json_t *obj, *changes;
	int first = cli_options(cli, argc, argv, "service show", service_show_help, NULL, NULL,
	    NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("service show", "give one service CODE");
	if (registry_service_code_check(argv[first], &e) != 0)
		return cli_bad_value("service show", &e);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (registry_service_find(cli->home.db, argv[first], &s, &e) != 0 ||
	    (changes = registry_change_json(cli->home.db, "service", s.id, 0, &e)) == NULL)
		return cli_fail(&e);
	obj = service_json(&s);
	json_object_set_new(obj, "changes", changes);
	if (cli->json)
		return cli_print_json(obj);
	printf("service %lld\ncode: %s\nname: %s\npasses: %d\nchanges: %zu\n", (long long)s.id,
	    s.code, s.name, s.passes, json_array_size(changes));
	cli_print_changes(changes);
	json_decref(obj);
	return EXIT_OK;
}

/* A correction of a service, as parsed, and the changes it made. */
struct service_edit {
	const char *code, *name, *token_file;
	int64_t id;
	json_t *changes;
};

/* Applies w inside the verb's write transaction; 0, or -1 with e set. */
static int
service_edit_store(struct db *db, struct service_edit *w, struct error *e)
{
	char who[REGISTRY_ACTOR_SIZE];
	struct service s;
	int64_t last = 0;

	if (registry_actor_find(db, w->token_file, getenv("PASSNUM_TOKEN"), who, e) != 0 ||
	    registry_service_find(db, w->code, &s, e) != 0 ||
	    registry_change_last(db, &last, e) != 0)
		return -1;
	w->id = s.id;
	(void)cli_args_copy(s.name, sizeof(s.name), w->name);
	if (registry_service_edit(db, &s, who, clock_now(), e) != 0)
		return -1;
	w->changes = registry_change_json(db, "service", s.id, last, e);
	return w->changes != NULL ? 0 : -1;
}

static int
service_edit_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "token-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct service_options o = { 0 };
	struct service_edit w = { 0 };
	struct error e;
	char label[80];
	int rc, first = cli_options(cli, argc, argv, "service edit", service_edit_help, opts,
	    service_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("service edit", "give one service CODE");
	if (o.name == NULL)
		return cli_usage_error("service edit", "nothing to change: give --name");
	if (registry_service_code_check(argv[first], &e) != 0 ||
	    registry_name_check("a service's name", o.name, &e) != 0)
		return cli_bad_value("service edit", &e);
	w = (struct service_edit){ argv[first], o.name, o.token_file, 0, NULL };
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = service_edit_store(cli->home.db, &w, &e);
	snprintf(label, sizeof(label), "service %s", w.code);
	return cli_edit_done(cli, rc, &e, label, w.id, w.changes);
}

static const struct cli_verb service_verbs[] = {
	{ "add", service_add_run, "add a service", service_add_help },
	{ "list", service_list_run, "list services", service_list_help },
	{ "show", service_show_run, "show a service and its corrections", service_show_help },
	{ "edit", service_edit_run, "correct a service's name", service_edit_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_service(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, service_verbs, "service", cmd_service_help, argc, argv);
}
