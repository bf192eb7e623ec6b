/* passnum keys list | rotate --issuer|--ledger | revoke KID [--compromised-at TIME] */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "cli.h"
#include "keys.h"

const char cmd_keys_help[] =
    "usage: passnum keys list\n"
    "       passnum keys rotate --issuer|--ledger\n"
    "       passnum keys revoke KID [--compromised-at TIME]\n"
    "\n"
    "list     every issuer key (signs passes) and ledger key (signs checkpoints\n"
    "         and receipts), with its 8-hex-digit key id and status:\n"
    "         active (signs), retired (still verifies), revoked (verifies only\n"
    "         passes issued before its compromise time)\n"
    "rotate   makes a new active key; the old one is retired and kept\n"
    "revoke   marks the key(s) with id KID compromised since TIME\n"
    "         (YYYY-MM-DDTHH:MM:SSZ, default now); a revoked active key leaves\n"
    "         no active key until the next rotate\n";

static const char *const status_names[] = { "active", "retired", "revoked" };

static json_t *
keys_json(const struct key_info *key)
{
	char kid[9], pub[65], created[CLOCK_INSTANT_SIZE];
	json_t *obj;

	keys_id_hex(key->key_id, kid);
	sodium_bin2hex(pub, sizeof(pub), key->public_key, 32);
	clock_instant_format(key->created_at, created);
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind",
	    key->kind == KEY_ISSUER ? "issuer" : "ledger", "key_id", kid,
	    "status", status_names[key->status], "public_key", pub, "created_at", created);
	if (key->status == KEY_REVOKED) {
		char when[CLOCK_INSTANT_SIZE];
		clock_instant_format(key->compromised_at, when);
		json_object_set_new(obj, "compromised_at", json_string(when));
	}
	return obj;
}

static int
keys_collect(const struct key_info *key, void *ctx)
{
	json_array_append_new(ctx, keys_json(key));
	return 0;
}

static int
keys_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all;
	size_t i;
	json_t *key;
	int first = cli_options(cli, argc, argv, "keys list", cmd_keys_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("keys list", "unexpected argument \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (keys_list(cli->home.db, keys_collect, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	printf("%-7s %-8s %-8s %-20s %s\n", "KIND", "KEY ID", "STATUS", "CREATED", "PUBLIC KEY");
	json_array_foreach(all, i, key) {
		printf("%-7s %-8s %-8s %-20s %s", json_string_value(json_object_get(key, "kind")),
		    json_string_value(json_object_get(key, "key_id")),
		    json_string_value(json_object_get(key, "status")),
		    json_string_value(json_object_get(key, "created_at")),
		    json_string_value(json_object_get(key, "public_key")));
		if (json_object_get(key, "compromised_at") != NULL)
			printf("  compromised since %s",
			    json_string_value(json_object_get(key, "compromised_at")));
		putchar('\n');
	}
	json_decref(all);
	return EXIT_OK;
}

static int
keys_kind_option(int opt, const char *arg, void *ctx)
{
	int *kind = ctx;

	(void)arg;
	if (*kind != -1) {
		cli_usage_error("keys rotate", "give one of --issuer or --ledger");
		return -1;
	}
	*kind = opt == 'i' ? KEY_ISSUER : KEY_LEDGER;
	return 0;
}

static int
keys_rotate_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "issuer", no_argument, NULL, 'i' },
		{ "ledger", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct operator_info op;
	struct key_info key;
	struct error e;
	char kid[9];
	int kind = -1, rc;
	int first = cli_options(cli, argc, argv, "keys rotate", cmd_keys_help, opts,
	    keys_kind_option, &kind);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("keys rotate", "unexpected argument \"%s\"", argv[first]);
	if (kind == -1)
		return cli_usage_error("keys rotate", "give --issuer or --ledger");
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = home_operator(cli->home.db, &op, &e) != 0 ||
	    keys_rotate(cli->home.db, cli->home.dir, (enum key_kind)kind, op.origin, clock_now(),
	    &key, &e) != 0 ? -1 : 0;
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	keys_id_hex(key.key_id, kid);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:o}", "id", kid, "key", keys_json(&key)));
	printf("%s\n", kid);
	return EXIT_OK;
}

static int
keys_time_option(int opt, const char *arg, void *ctx)
{
	struct error e;

	(void)opt;
	if (clock_instant_parse(arg, ctx, &e) != 0) {
		cli_usage_error("keys revoke", "--compromised-at: %s", e.message);
		return -1;
	}
	return 0;
}

static int
keys_revoke_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "compromised-at", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t now = clock_now(), when = now;
	uint8_t key_id[4];
	struct error e;
	int rc;
	int first = cli_options(cli, argc, argv, "keys revoke", cmd_keys_help, opts,
	    keys_time_option, &when);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("keys revoke", "give exactly one key id");
	if (keys_id_parse(argv[first], key_id) != 0)
		return cli_usage_error("keys revoke", "a key id is 8 hexadecimal digits, not \"%s\"",
		    argv[first]);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = keys_revoke(cli->home.db, key_id, when, now, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b}", "id", argv[first], "revoked", 1));
	printf("revoked %s\n", argv[first]);
	return EXIT_OK;
}

static const struct cli_verb keys_verbs[] = {
	{ "list", keys_list_run, "list keys", cmd_keys_help },
	{ "rotate", keys_rotate_run, "make a new active key", cmd_keys_help },
	{ "revoke", keys_revoke_run, "revoke a key", cmd_keys_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_keys(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, keys_verbs, "keys", cmd_keys_help, argc, argv);
}
