/* passnum keys list | rotate --issuer|--ledger | revoke KID [--compromised-at TIME] */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "cli.h"
#include "cli_io.h"
#include "keys.h"

static const char keys_list_help[] =
    "usage: passnum keys list\n"
    "\n"
    "Every issuer key (signs passes) and ledger key (signs checkpoints and\n"
    "receipts), with its 8-hex-digit key id and status: active (signs), retired\n"
    "(still verifies), revoked (verifies only what was signed before its\n"
    "compromise time).\n"
    "\n"
    "example:\n"
    "  passnum keys list --json | jq -r '.[] | select(.status == \"active\") | .key_id'\n";

static const char keys_rotate_help[] =
    "usage: passnum keys rotate --issuer|--ledger\n"
    "\n"
    "Makes a new active key of that kind; the old one is retired and kept (it\n"
    "still verifies what it signed). Prints the new key id.\n"
    "\n"
    "example:\n"
    "  passnum keys rotate --issuer\n";

static const char keys_revoke_help[] =
    "usage: passnum keys revoke KID [--compromised-at TIME] [--dry-run] [--yes]\n"
    "\n"
    "Marks the key(s) with id KID compromised since TIME (YYYY-MM-DDTHH:MM:SSZ,\n"
    "default now; not in the future): passes it signed from TIME on are no\n"
    "longer redeemable, those signed before stay so; checkpoints and receipts\n"
    "likewise. A revoked active key leaves no active key of its kind until the\n"
    "next rotate. It cannot be undone: --dry-run says what would be revoked and\n"
    "what stays redeemable; otherwise it asks for confirmation on a terminal,\n"
    "and without one is refused unless --yes.\n"
    "\n"
    "examples:\n"
    "  passnum keys revoke 6d9d1be1 --compromised-at 2027-03-01T00:00:00Z --dry-run\n"
    "  passnum keys revoke 6d9d1be1 --compromised-at 2027-03-01T00:00:00Z --yes\n";

const char cmd_keys_help[] =
    "usage: passnum keys list\n"
    "       passnum keys rotate --issuer|--ledger\n"
    "       passnum keys revoke KID [--compromised-at TIME] [--dry-run] [--yes]\n"
    "\n"
    "list     every issuer and ledger key, with its key id and status\n"
    "rotate   makes a new active key; the old one is retired and kept\n"
    "revoke   marks the key(s) with id KID compromised since TIME (confirmed;\n"
    "         --dry-run shows what stays redeemable)\n"
    "\n"
    "`passnum keys SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum keys list\n"
    "  passnum keys rotate --ledger\n";

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

/* One line of the keys table, aligned by display width (no newline). */
static void
keys_list_row_print(const char *kind, const char *kid, const char *status, const char *created,
    const char *pub)
{
	cli_cell(stdout, kind, 7, false);
	cli_cell(stdout, kid, 8, false);
	cli_cell(stdout, status, 8, false);
	cli_cell(stdout, created, 20, false);
	cli_cell(stdout, pub, 0, true);
}

static int
keys_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all;
	size_t i;
	json_t *key;
	int first = cli_options(cli, argc, argv, "keys list", keys_list_help, NULL, NULL, NULL);

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
	keys_list_row_print("KIND", "KEY ID", "STATUS", "CREATED", "PUBLIC KEY");
	json_array_foreach(all, i, key) {
		keys_list_row_print(json_string_value(json_object_get(key, "kind")),
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
	int first = cli_options(cli, argc, argv, "keys rotate", keys_rotate_help, opts,
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

struct revoke_options {
	int64_t when;
	bool dry_run;
};

static int
keys_revoke_option(int opt, const char *arg, void *ctx)
{
	struct revoke_options *o = ctx;
	struct error e;

	if (opt == 'n') {
		o->dry_run = true;
		return 0;
	}
	if (clock_instant_parse(arg, &o->when, &e) != 0) {
		cli_usage_error("keys revoke", "--compromised-at: %s", e.message);
		return -1;
	}
	return 0;
}

/* The one-line description of a revocation for its confirmation. */
static void
keys_revoke_what(const char *kid, const char *since, const struct keys_revoke_impact *i,
    char *out, size_t size)
{
	snprintf(out, size, "revoke key %s (%lld issuer, %lld ledger%s) compromised since %s:"
	    " %lld passes it signed stay redeemable, %lld become unredeemable", kid,
	    (long long)i->issuer_keys, (long long)i->ledger_keys,
	    i->issuer_active || i->ledger_active ? "; an active key, none left until rotate" : "",
	    since, (long long)i->passes_kept, (long long)i->passes_refused);
}

/* Prints the dry run (text or JSON): what would be revoked and what stays. */
static int
keys_revoke_dry_run(struct cli *cli, const char *kid, const char *since,
    const struct keys_revoke_impact *i)
{
	if (cli->json)
		return cli_print_json(json_pack("{s:b, s:s, s:s, s:I, s:I, s:b, s:b, s:I, s:I, s:I, s:I}",
		    "dry_run", 1, "key_id", kid, "compromised_at", since,
		    "issuer_keys", (json_int_t)i->issuer_keys, "ledger_keys", (json_int_t)i->ledger_keys,
		    "issuer_active", i->issuer_active, "ledger_active", i->ledger_active,
		    "passes_redeemable", (json_int_t)i->passes_kept,
		    "passes_unredeemable", (json_int_t)i->passes_refused,
		    "checkpoints_vouched", (json_int_t)i->checkpoints_kept,
		    "checkpoints_unvouched", (json_int_t)i->checkpoints_refused));
	printf("would revoke key %s: %lld issuer key(s), %lld ledger key(s), compromised since %s\n",
	    kid, (long long)i->issuer_keys, (long long)i->ledger_keys, since);
	if (i->issuer_keys > 0)
		printf("passes it signed before then stay redeemable: %lld; from then on, no longer"
		    " redeemable: %lld\n", (long long)i->passes_kept, (long long)i->passes_refused);
	if (i->ledger_keys > 0)
		printf("checkpoints it signed before then stay vouched for: %lld; from then on, no"
		    " longer: %lld (receipts likewise)\n", (long long)i->checkpoints_kept,
		    (long long)i->checkpoints_refused);
	if (i->issuer_active || i->ledger_active)
		printf("it is an active key: none of its kind is left until passnum keys rotate\n");
	printf("nothing was changed (dry run)\n");
	return EXIT_OK;
}

/* Reads what the revocation would do and refuses an unknown key or a
 * future time; outside any write (a confirmation may wait for a person). */
static int
keys_revoke_prepare(struct cli *cli, const uint8_t key_id[4], const char *kid, int64_t when,
    int64_t now, struct keys_revoke_impact *impact, struct error *e)
{
	if (cli_open_home(cli) != 0)
		return error_set(e, 503, "NO_HOME", "cannot open the home");
	if (keys_revoke_impact(cli->home.db, key_id, when, impact, e) != 0)
		return -1;
	if (impact->issuer_keys + impact->ledger_keys == 0)
		return error_set(e, 404, "UNKNOWN_KEY", "no key with id %s that is not already revoked",
		    kid);
	if (when > now)
		return error_set(e, 400, "BAD_TIME", "the compromise time is in the future");
	return 0;
}

static int
keys_revoke_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "compromised-at", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t now = clock_now();
	struct revoke_options o = { now, false };
	struct keys_revoke_impact impact;
	char kid[9], since[CLOCK_INSTANT_SIZE], what[400];
	uint8_t key_id[4];
	struct error e;
	int rc;
	int first = cli_options(cli, argc, argv, "keys revoke", keys_revoke_help, opts,
	    keys_revoke_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("keys revoke", "give exactly one key id");
	if (keys_id_parse(argv[first], key_id) != 0)
		return cli_usage_error("keys revoke", "a key id is 8 hexadecimal digits, not \"%s\"",
		    argv[first]);
	keys_id_hex(key_id, kid);
	clock_instant_format(o.when, since);
	if (keys_revoke_prepare(cli, key_id, kid, o.when, now, &impact, &e) != 0)
		return cli->home.db != NULL ? cli_fail(&e) : EXIT_REFUSED;
	if (o.dry_run)
		return keys_revoke_dry_run(cli, kid, since, &impact);
	keys_revoke_what(kid, since, &impact, what, sizeof(what));
	if (cli_confirm(cli, what, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = keys_revoke(cli->home.db, key_id, o.when, now, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b, s:s, s:I, s:I}", "id", kid, "revoked", 1,
		    "compromised_at", since, "passes_redeemable", (json_int_t)impact.passes_kept,
		    "passes_unredeemable", (json_int_t)impact.passes_refused));
	printf("revoked %s (compromised since %s): %lld passes stay redeemable, %lld no longer\n",
	    kid, since, (long long)impact.passes_kept, (long long)impact.passes_refused);
	return EXIT_OK;
}

static const struct cli_verb keys_verbs[] = {
	{ "list", keys_list_run, "list keys", keys_list_help },
	{ "rotate", keys_rotate_run, "make a new active key", keys_rotate_help },
	{ "revoke", keys_revoke_run, "revoke a key", keys_revoke_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_keys(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, keys_verbs, "keys", cmd_keys_help, argc, argv);
}
