/* passnum init: create a new home. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "cli.h"
#include "keys.h"

const char cmd_init_help[] =
    "usage: passnum [--home DIR] init [--operator NAME] [--siren S] [--iban IBAN] [--bic BIC]\n"
    "                                  [--origin LOG-ORIGIN]\n"
    "\n"
    "Creates the home DIR (or $PASSNUM_HOME): the database, an issuer key and a\n"
    "ledger key under DIR/keys/ (mode 0600), and the operator's identity.\n"
    "Refuses a directory that already holds anything.\n"
    "\n"
    "  --operator NAME     the operator's legal name (default \"passnum operator\")\n"
    "  --siren S           its SIREN, 9 digits\n"
    "  --iban IBAN         its bank account\n"
    "  --bic BIC           its bank's BIC\n"
    "  --origin ORIGIN     the ledger's log origin, e.g. \"passnum.example.fr/ledger\";\n"
    "                      set once and never changed (default: a random one)\n";

static const struct option init_options[] = {
	{ "operator", required_argument, NULL, 'o' },
	{ "siren", required_argument, NULL, 's' },
	{ "iban", required_argument, NULL, 'i' },
	{ "bic", required_argument, NULL, 'b' },
	{ "origin", required_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

static int
init_copy(char *dst, size_t size, const char *arg, const char *what)
{
	if (strlen(arg) >= size || *arg == '\0')
		return cli_usage_error("init", "%s must be 1 to %zu characters", what, size - 1);
	memcpy(dst, arg, strlen(arg) + 1);
	return 0;
}

static int
init_option(int opt, const char *arg, void *ctx)
{
	struct operator_info *op = ctx;

	switch (opt) {
	case 'o': return init_copy(op->name, sizeof(op->name), arg, "--operator") ? -1 : 0;
	case 's': return init_copy(op->siren, sizeof(op->siren), arg, "--siren") ? -1 : 0;
	case 'i': return init_copy(op->iban, sizeof(op->iban), arg, "--iban") ? -1 : 0;
	case 'b': return init_copy(op->bic, sizeof(op->bic), arg, "--bic") ? -1 : 0;
	case 'r': return init_copy(op->origin, sizeof(op->origin), arg, "--origin") ? -1 : 0;
	}
	return -1;
}

static int
init_origin_valid(const char *origin)
{
	for (const char *p = origin; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '+')
			return 0;
	return *origin != '\0';
}

static int
init_print_key(const struct key_info *key, void *ctx)
{
	char kid[9];

	(void)ctx;
	keys_id_hex(key->key_id, kid);
	printf("%s key %s\n", key->kind == KEY_ISSUER ? "issuer" : "ledger", kid);
	return 0;
}

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	struct operator_info op = { .name = "passnum operator" };
	char dir[4096];
	struct error e;
	int first;

	first = cli_options(cli, argc, argv, "init", cmd_init_help, init_options, init_option, &op);
	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("init", "unexpected argument \"%s\"", argv[first]);
	if (op.origin[0] == '\0') {
		uint8_t random[6];
		char hex[13];
		randombytes_buf(random, sizeof(random));
		sodium_bin2hex(hex, sizeof(hex), random, sizeof(random));
		snprintf(op.origin, sizeof(op.origin), "passnum.localhost/%s", hex);
	}
	if (!init_origin_valid(op.origin))
		return cli_usage_error("init", "--origin must be printable, without spaces or '+'");
	if (op.siren[0] != '\0' && strspn(op.siren, "0123456789") != 9)
		return cli_usage_error("init", "--siren must be 9 digits");
	if (home_resolve(cli->home_option, dir, sizeof(dir), &e) != 0 ||
	    home_create(&cli->home, dir, &op, clock_now(), &e) != 0)
		return cli_fail(&e);
	if (cli->json) {
		return cli_print_json(json_pack("{s:s, s:s, s:s}", "id", dir, "home", dir,
		    "origin", op.origin));
	}
	printf("created home %s\norigin %s\n", dir, op.origin);
	return keys_list(cli->home.db, init_print_key, NULL, &e) == 0 ? EXIT_OK : cli_fail(&e);
}
