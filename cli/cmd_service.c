/* passnum service add | list */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "db.h"
#include "registry.h"

const char cmd_service_help[] =
    "usage: passnum service add CODE NAME [--passes N]\n"
    "       passnum service list\n"
    "\n"
    "add    adds a service to the catalogue: CODE (1 to 32 of a-z, 0-9, '-'),\n"
    "       its NAME, and N the passes a session costs (1 to 10, default 1);\n"
    "       prints its id\n"
    "list   the catalogue\n";

static int
service_option(int opt, const char *arg, void *ctx)
{
	long passes;

	(void)opt;
	if (cli_args_int(arg, 1, 10, &passes) != 0) {
		cli_usage_error("service add", "--passes takes a number from 1 to 10");
		return -1;
	}
	*(int *)ctx = (int)passes;
	return 0;
}

static int
service_add_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "passes", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct service service;
	struct error e;
	int64_t id = 0;
	int rc, passes = 1;
	int first = cli_options(cli, argc, argv, "service add", cmd_service_help, opts,
	    service_option, &passes);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 2)
		return cli_usage_error("service add", "give a CODE and a NAME");
	memset(&service, 0, sizeof(service));
	service.passes = passes;
	if (cli_args_copy(service.code, sizeof(service.code), argv[first]) != 0) {
		error_set(&e, 400, "BAD_SERVICE_CODE", "a service code has at most 32 characters");
		return cli_fail(&e);
	}
	if (cli_args_copy(service.name, sizeof(service.name), argv[first + 1]) != 0) {
		error_set(&e, 400, "BAD_NAME", "a name has at most %d bytes", REGISTRY_NAME_MAX);
		return cli_fail(&e);
	}
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

static int
service_collect(const struct service *s, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:i}", "id", (json_int_t)s->id,
	    "code", s->code, "name", s->name, "passes", s->passes));
	return 0;
}

static int
service_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all, *s;
	size_t i;
	int first = cli_options(cli, argc, argv, "service list", cmd_service_help, NULL, NULL, NULL);

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
	printf("%-6s %-20s %-6s %s\n", "ID", "CODE", "PASSES", "NAME");
	json_array_foreach(all, i, s)
		printf("%-6lld %-20s %-6lld %s\n", (long long)json_integer_value(json_object_get(s, "id")),
		    json_string_value(json_object_get(s, "code")),
		    (long long)json_integer_value(json_object_get(s, "passes")),
		    json_string_value(json_object_get(s, "name")));
	json_decref(all);
	return EXIT_OK;
}

static const struct cli_verb service_verbs[] = {
	{ "add", service_add_run, "add a service", cmd_service_help },
	{ "list", service_list_run, "list services", cmd_service_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_service(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, service_verbs, "service", cmd_service_help, argc, argv);
}
