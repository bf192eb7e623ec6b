/* passnum init: create a new home. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "cli.h"
#include "identifiers.h"
#include "keys.h"
#include "utf8.h"

const char cmd_init_help[] =
    "usage: passnum [--home DIR] init [--operator NAME] [--siren S] [--iban IBAN] [--bic BIC]\n"
    "                                  [--origin LOG-ORIGIN]\n"
    "\n"
    "Creates the home DIR (or $PASSNUM_HOME): the database, an issuer key and a\n"
    "ledger key under DIR/keys/ (mode 0600), and the operator's identity.\n"
    "Missing parent folders of DIR are made (mode 0700). Refuses a directory\n"
    "that already holds anything. The rest of the operator's identity (address,\n"
    "SIRET, VAT number, ...) is set later with passnum operator set.\n"
    "\n"
    "  --operator NAME     the operator's legal name (default \"passnum operator\")\n"
    "  --siren S           its SIREN, 9 digits (Luhn checked)\n"
    "  --iban IBAN         its bank account (mod 97 checked; spaces allowed)\n"
    "  --bic BIC           its bank's BIC (8 or 11 characters)\n"
    "  --origin ORIGIN     the ledger's log origin, e.g. \"passnum.example.fr/ledger\";\n"
    "                      set once and never changed (default: a random one,\n"
    "                      printed, with a warning on stderr)\n"
    "\n"
    "example:\n"
    "  passnum --home /var/lib/passnum init --operator \"Pass Numérique 93\" \\\n"
    "      --siren 123456782 --origin passnum.example.fr/ledger\n";

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

/* The options of init: the operator's name and origin, and the raw SIREN,
 * IBAN and BIC (checked and normalised after parsing). */
struct init_options {
	struct operator_info op;
	const char *siren, *iban, *bic;
};

static int
init_option(int opt, const char *arg, void *ctx)
{
	struct init_options *o = ctx;

	switch (opt) {
	case 'o': return init_copy(o->op.name, sizeof(o->op.name), arg, "--operator") ? -1 : 0;
	case 's': o->siren = arg; return 0;
	case 'i': o->iban = arg; return 0;
	case 'b': o->bic = arg; return 0;
	case 'r': return init_copy(o->op.origin, sizeof(o->op.origin), arg, "--origin") ? -1 : 0;
	}
	return -1;
}

/* Checks (Luhn, mod 97, format) and normalises the SIREN, IBAN and BIC
 * given, into op. Returns 0, or -1 with e set. */
static int
init_identity(struct init_options *o, struct error *e)
{
	if (o->siren != NULL && identifiers_siren_normalize(o->siren, o->op.siren, e) != 0)
		return -1;
	if (o->iban != NULL && identifiers_iban_normalize(o->iban, o->op.iban, e) != 0)
		return -1;
	if (o->bic != NULL && identifiers_bic_normalize(o->bic, o->op.bic, e) != 0)
		return -1;
	return 0;
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
	struct init_options o = { .op = { .name = "passnum operator" } };
	struct operator_info *op = &o.op;
	char dir[4096];
	struct error e;
	bool chosen = false;
	int first;

	first = cli_options(cli, argc, argv, "init", cmd_init_help, init_options, init_option, &o);
	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("init", "unexpected argument \"%s\"", argv[first]);
	if (op->origin[0] == '\0') {
		uint8_t random[6];
		char hex[13];
		randombytes_buf(random, sizeof(random));
		sodium_bin2hex(hex, sizeof(hex), random, sizeof(random));
		snprintf(op->origin, sizeof(op->origin), "passnum.localhost/%s", hex);
		chosen = true;
	}
	if (op->name[0] == '\0' || !utf8_valid(op->name, strlen(op->name)))
		return cli_usage_error("init", "--operator must be a name in valid UTF-8 text");
	if (!init_origin_valid(op->origin))
		return cli_usage_error("init", "--origin must be printable, without spaces or '+'");
	if (init_identity(&o, &e) != 0)
		return cli_bad_value("init", &e);
	if (home_resolve(cli->home_option, dir, sizeof(dir), &e) != 0 ||
	    home_create(&cli->home, dir, op, clock_now(), &e) != 0)
		return cli_fail(&e);
	if (chosen)
		fprintf(stderr, "passnum: warning: no --origin given: the ledger's origin is %s,"
		    " and it can never change\n", op->origin);
	if (cli->json) {
		return cli_print_json(json_pack("{s:s, s:s, s:s, s:b}", "id", dir, "home", dir,
		    "origin", op->origin, "origin_chosen", chosen));
	}
	printf("created home %s\norigin %s\n", dir, op->origin);
	return keys_list(cli->home.db, init_print_key, NULL, &e) == 0 ? EXIT_OK : cli_fail(&e);
}
