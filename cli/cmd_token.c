/* passnum token create | list | revoke */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "db.h"
#include "registry.h"

static const char token_create_help[] =
    "usage: passnum token create --role admin|funder|distributor|place --id ID\n"
    "\n"
    "Makes a bearer token ID.SECRET for the API, acting for the funder,\n"
    "distributor or place ID. An admin token acts for no one: its --id may be\n"
    "given (a positive number) and is ignored. The whole token is printed\n"
    "once (under --json in \"token\"): only a hash of its secret is kept.\n"
    "\n"
    "example:\n"
    "  passnum token create --role place --id 3 > place-3.token\n";

static const char token_list_help[] =
    "usage: passnum token list\n"
    "\n"
    "Every token's id, role, subject and status (never a secret).\n"
    "\n"
    "example:\n"
    "  passnum token list\n";

static const char token_revoke_help[] =
    "usage: passnum token revoke TOKEN-ID|TOKEN|-\n"
    "\n"
    "Ends a token, given by its id (the part before the dot) or whole\n"
    "(ID.SECRET: only its id is used); \"-\" reads it from standard input.\n"
    "\n"
    "examples:\n"
    "  passnum token revoke 0123456789abcdef\n"
    "  passnum token revoke - < place-3.token\n";

const char cmd_token_help[] =
    "usage: passnum token create --role admin|funder|distributor|place --id ID\n"
    "       passnum token list\n"
    "       passnum token revoke TOKEN-ID|TOKEN|-\n"
    "\n"
    "create  makes a bearer token ID.SECRET for the API, acting for the funder,\n"
    "        distributor or place ID (ignored for admin). The whole token is\n"
    "        printed once: only a hash of its secret is kept\n"
    "list    every token's id, role, subject and status (never a secret)\n"
    "revoke  ends the token whose id (the part before the dot) or whole token\n"
    "        is given\n"
    "\n"
    "`passnum token SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum token create --role admin > admin.token\n"
    "  passnum token revoke - < admin.token\n";

struct token_options {
	const char *role;
	const char *id;
};

static int
token_option(int opt, const char *arg, void *ctx)
{
	struct token_options *o = ctx;

	if (opt == 'r')
		o->role = arg;
	else
		o->id = arg;
	return 0;
}

/* A token being created: what it is for, and what registry_token_create
 * gives back. */
struct token_create {
	enum token_role role;
	int64_t subject_id;
	struct bearer bearer;
	char text[REGISTRY_TOKEN_TEXT_MAX];
};

static int
token_create_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct token_options o = { 0 };
	struct token_create w;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "token create", token_create_help, opts,
	    token_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("token create", "unexpected argument \"%s\"", argv[first]);
	memset(&w, 0, sizeof(w));
	if (o.role == NULL || registry_role_parse(o.role, &w.role) != 0)
		return cli_usage_error("token create", "--role is admin, funder, distributor or place");
	if ((w.role != ROLE_ADMIN || o.id != NULL) &&
	    (o.id == NULL || cli_args_id(o.id, &w.subject_id) != 0))
		return cli_usage_error("token create", "--id: the %s's id (a positive number)", o.role);
	if (w.role == ROLE_ADMIN)
		w.subject_id = 0; /* an admin token acts for no one: its --id is ignored */
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_token_create(cli->home.db, w.role, w.subject_id, clock_now(), &w.bearer, w.text,
	    &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json) {
		json_t *obj = json_pack("{s:s, s:s, s:s}", "id", w.bearer.id, "role",
		    registry_role_name(w.role), "token", w.text);
		if (w.role != ROLE_ADMIN)
			json_object_set_new(obj, "subject_id", json_integer(w.subject_id));
		sodium_memzero(w.text, sizeof(w.text));
		json_dumpf(obj, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(obj);
		return EXIT_OK;
	}
	printf("%s\n", w.text);
	sodium_memzero(w.text, sizeof(w.text));
	return EXIT_OK;
}

static int
token_collect(const struct bearer *b, void *ctx)
{
	char created[CLOCK_INSTANT_SIZE], revoked[CLOCK_INSTANT_SIZE];
	json_t *obj;

	clock_instant_format(b->created_at, created);
	obj = json_pack("{s:s, s:s, s:s, s:s}", "id", b->id, "role", registry_role_name(b->role),
	    "status", b->revoked_at != 0 ? "revoked" : "valid", "created_at", created);
	json_object_set_new(obj, "subject_id", b->role == ROLE_ADMIN ? json_null() :
	    json_integer(b->subject_id));
	if (b->revoked_at != 0) {
		clock_instant_format(b->revoked_at, revoked);
		json_object_set_new(obj, "revoked_at", json_string(revoked));
	}
	json_array_append_new(ctx, obj);
	return 0;
}

static int
token_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all, *t, *subject;
	char who[24];
	size_t i;
	int first = cli_options(cli, argc, argv, "token list", token_list_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("token list", "unexpected argument \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (registry_token_list(cli->home.db, token_collect, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	cli_cell(stdout, "ID", 16, false);
	cli_cell(stdout, "ROLE", 11, false);
	cli_cell(stdout, "SUBJECT", 7, false);
	cli_cell(stdout, "STATUS", 7, false);
	cli_cell(stdout, "CREATED", 0, true);
	fputc('\n', stdout);
	json_array_foreach(all, i, t) {
		subject = json_object_get(t, "subject_id");
		snprintf(who, sizeof(who), "%lld", (long long)json_integer_value(subject));
		cli_cell(stdout, json_string_value(json_object_get(t, "id")), 16, false);
		cli_cell(stdout, json_string_value(json_object_get(t, "role")), 11, false);
		cli_cell(stdout, json_is_integer(subject) ? who : "-", 7, false);
		cli_cell(stdout, json_string_value(json_object_get(t, "status")), 7, false);
		cli_cell(stdout, json_string_value(json_object_get(t, "created_at")), 0, true);
		fputc('\n', stdout);
	}
	json_decref(all);
	return EXIT_OK;
}

/* The token id in operand: a token id, a whole token ID.SECRET (its id is
 * taken), or "-" for either on standard input. 0 with id set, or -1 with e
 * set. */
static int
token_revoke_operand(const char *operand, char id[17], struct error *e)
{
	char text[REGISTRY_TOKEN_TEXT_MAX];
	size_t len;

	if (cli_read_operand(operand, text, sizeof(text), e) != 0)
		return -1;
	len = strcspn(text, ".");
	if (len > 16) {
		sodium_memzero(text, sizeof(text));
		return error_set(e, 400, "BAD_TOKEN_ID", "a token id is 16 hexadecimal digits");
	}
	memcpy(id, text, len);
	id[len] = '\0';
	sodium_memzero(text, sizeof(text));
	return registry_token_id_check(id, e);
}

static int
token_revoke_run(struct cli *cli, int argc, char **argv)
{
	char id[17];
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "token revoke", token_revoke_help, NULL, NULL,
	    NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("token revoke", "give exactly one TOKEN-ID (or TOKEN, or -)");
	if (token_revoke_operand(argv[first], id, &e) != 0)
		return cli_bad_value("token revoke", &e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_token_revoke(cli->home.db, id, clock_now(), &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b}", "id", id, "revoked", 1));
	printf("revoked %s\n", id);
	return EXIT_OK;
}

static const struct cli_verb token_verbs[] = {
	{ "create", token_create_run, "make a bearer token", token_create_help },
	{ "list", token_list_run, "list tokens", token_list_help },
	{ "revoke", token_revoke_run, "revoke a token", token_revoke_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_token(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, token_verbs, "token", cmd_token_help, argc, argv);
}
