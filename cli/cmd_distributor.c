/* passnum distributor add | list | show */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "clock.h"
#include "db.h"
#include "identifiers.h"
#include "registry.h"

const char cmd_distributor_help[] =
    "usage: passnum distributor add NAME [--siret S]\n"
    "       passnum distributor list\n"
    "       passnum distributor show ID\n"
    "\n"
    "add    registers a distributor (structure distributrice: a social service,\n"
    "       a CCAS, a town hall...) that hands booklets to people, never\n"
    "       recording who; prints its id\n"
    "list   every distributor\n"
    "show   one distributor\n";

static int
distributor_option(int opt, const char *arg, void *ctx)
{
	(void)opt;
	*(const char **)ctx = arg;
	return 0;
}

static int
distributor_add_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "siret", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct distributor distributor;
	const char *siret = NULL;
	struct error e;
	int64_t id = 0;
	int rc, first = cli_options(cli, argc, argv, "distributor add", cmd_distributor_help, opts,
	    distributor_option, &siret);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("distributor add", "give exactly one NAME");
	memset(&distributor, 0, sizeof(distributor));
	if (cli_args_copy(distributor.name, sizeof(distributor.name), argv[first]) != 0) {
		error_set(&e, 400, "BAD_NAME", "a name has at most %d bytes", REGISTRY_NAME_MAX);
		return cli_fail(&e);
	}
	if (siret != NULL && identifiers_siret_normalize(siret, distributor.siret, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_distributor_add(cli->home.db, &distributor, clock_now(), &id, &e);
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

	printf("%-6lld %-14s %s\n", (long long)json_integer_value(json_object_get(d, "id")),
	    json_is_string(siret) ? json_string_value(siret) : "-",
	    json_string_value(json_object_get(d, "name")));
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
	int first = cli_options(cli, argc, argv, "distributor list", cmd_distributor_help, NULL,
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
	printf("%-6s %-14s %s\n", "ID", "SIRET", "NAME");
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
	json_t *obj;
	int64_t id;
	int first = cli_options(cli, argc, argv, "distributor show", cmd_distributor_help, NULL,
	    NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || cli_args_id(argv[first], &id) != 0)
		return cli_usage_error("distributor show", "give one distributor ID (a positive number)");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (registry_distributor_get(cli->home.db, id, &d, &e) != 0)
		return cli_fail(&e);
	obj = distributor_json(&d);
	if (cli->json)
		return cli_print_json(obj);
	printf("distributor %lld\nname: %s\nsiret: %s\ncreated: %s\n", (long long)d.id, d.name,
	    d.siret[0] != '\0' ? d.siret : "-",
	    json_string_value(json_object_get(obj, "created_at")));
	json_decref(obj);
	return EXIT_OK;
}

static const struct cli_verb distributor_verbs[] = {
	{ "add", distributor_add_run, "register a distributor", cmd_distributor_help },
	{ "list", distributor_list_run, "list distributors", cmd_distributor_help },
	{ "show", distributor_show_run, "show a distributor", cmd_distributor_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_distributor(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, distributor_verbs, "distributor", cmd_distributor_help, argc, argv);
}
