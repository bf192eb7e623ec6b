/* passnum voucher show TOKEN | qr TOKEN --out FILE.png|.svg */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "cli.h"
#include "code.h"
#include "keys.h"
#include "money.h"
#include "qr.h"
#include "token.h"

const char cmd_voucher_help[] =
    "usage: passnum voucher show TOKEN [--public-key HEX]\n"
    "       passnum voucher qr TOKEN --out FILE.png|FILE.svg\n"
    "\n"
    "show   decodes a pass and checks its signature offline against the home's\n"
    "       issuer keys (or only the Ed25519 public key given in hex): serial,\n"
    "       human code, campaign, value, last day, key id, signature status.\n"
    "       Exit 1 when the pass is not validly signed.\n"
    "qr     draws the pass's QR code (alphanumeric, level M, version 7, quiet\n"
    "       zone of 4 modules) as PNG or SVG, chosen by the file's extension.\n";

/* The options of `voucher show`. */
struct voucher_show_options {
	const char *public_key;
};

static int
voucher_show_option(int opt, const char *arg, void *ctx)
{
	struct voucher_show_options *o = ctx;

	(void)opt;
	o->public_key = arg;
	return 0;
}

/* Fills set from --public-key HEX, or from the home. Returns 0, or an exit code. */
static int
voucher_keyset(struct cli *cli, const char *public_key, struct keyset *set)
{
	struct issuer_key key = { .status = KEY_ACTIVE };
	struct error e;
	size_t len;

	if (public_key == NULL) {
		if (cli_open_home(cli) != 0)
			return EXIT_REFUSED;
		return keys_load_issuers(cli->home.db, set, &e) == 0 ? 0 : cli_fail(&e);
	}
	if (strlen(public_key) != 64 || sodium_hex2bin(key.public_key, 32, public_key, 64,
	    NULL, &len, NULL) != 0 || len != 32)
		return cli_usage_error("voucher show", "--public-key takes 64 hexadecimal digits");
	keys_issuer_key_id(key.public_key, key.key_id);
	keyset_add(set, &key);
	return 0;
}

static json_t *
voucher_describe(const struct token *t, enum token_result verdict)
{
	char serial[2 * TOKEN_SERIAL_BYTES + 1], code[CODE_TEXT_LEN + 1], kid[9];
	char value[MONEY_FORMAT_SIZE], last_day[DATE_FORMAT_SIZE];

	sodium_bin2hex(serial, sizeof(serial), t->serial, sizeof(t->serial));
	code_format(t->serial, code);
	keys_id_hex(t->key_id, kid);
	money_format(t->value_cents, value, sizeof(value));
	date_format((int32_t)t->last_day, last_day);
	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:b}",
	    "serial", serial, "code", code, "campaign", (json_int_t)t->campaign,
	    "value", value, "value_cents", (json_int_t)t->value_cents, "last_day", last_day,
	    "key_id", kid, "signature", token_result_code(verdict), "valid", verdict == TOKEN_OK);
}

static int
voucher_show_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "public-key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct voucher_show_options o = { NULL };
	struct keyset set = { NULL, 0 };
	uint8_t bytes[TOKEN_BYTES];
	enum token_result r;
	struct token t;
	json_t *out;
	int rc, first = cli_options(cli, argc, argv, "voucher show", cmd_voucher_help, opts,
	    voucher_show_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("voucher show", "give exactly one pass");
	if (token_classify(argv[first], strlen(argv[first])) != TOKEN_INPUT_TOKEN) {
		fprintf(stderr, "passnum: looking a human code up needs the issued passes of a home;"
		    " give the token text (PN1:...)\n");
		return EXIT_REFUSED;
	}
	r = token_from_text(argv[first], strlen(argv[first]), bytes);
	if (r == TOKEN_OK)
		r = token_decode(bytes, sizeof(bytes), &t);
	if (r != TOKEN_OK) {
		fprintf(stderr, "passnum: not a valid pass: %s\n", token_result_message(r));
		return EXIT_REFUSED;
	}
	if ((rc = voucher_keyset(cli, o.public_key, &set)) != 0)
		return rc;
	r = token_verify(&t, &set, TOKEN_ISSUED_AT_UNKNOWN, NULL);
	keyset_free(&set);
	out = voucher_describe(&t, r);
	if (cli->json) {
		cli_print_json(out);
	} else {
		const char *keys[] = { "serial", "code", "campaign", "value", "last_day", "key_id",
		    "signature" };
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			json_t *v = json_object_get(out, keys[i]);
			if (json_is_integer(v))
				printf("%-10s %lld\n", keys[i], (long long)json_integer_value(v));
			else
				printf("%-10s %s\n", keys[i], json_string_value(v));
		}
		json_decref(out);
	}
	if (r != TOKEN_OK) {
		fprintf(stderr, "passnum: %s\n", token_result_message(r));
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

static int
voucher_out_option(int opt, const char *arg, void *ctx)
{
	(void)opt;
	*(const char **)ctx = arg;
	return 0;
}

static int
voucher_qr_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *dot;
	char text[TOKEN_TEXT_LEN + 1];
	uint8_t bytes[TOKEN_BYTES];
	struct qr_matrix *m = NULL;
	enum token_result r;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "voucher qr", cmd_voucher_help, opts,
	    voucher_out_option, &out);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("voucher qr", "give exactly one token");
	if (out == NULL)
		return cli_usage_error("voucher qr", "--out FILE.png or FILE.svg is required");
	dot = strrchr(out, '.');
	if (dot == NULL || (strcmp(dot, ".png") != 0 && strcmp(dot, ".svg") != 0))
		return cli_usage_error("voucher qr", "--out must end in .png or .svg");
	r = token_from_text(argv[first], strlen(argv[first]), bytes);
	if (r != TOKEN_OK) {
		fprintf(stderr, "passnum: not a pass: %s\n", token_result_message(r));
		return EXIT_REFUSED;
	}
	token_to_text(bytes, text);
	if (qr_encode(text, &m, &e) != 0)
		return cli_fail(&e);
	rc = strcmp(dot, ".png") == 0 ? qr_write_png(m, out, 8, &e) : qr_write_svg(m, out, &e);
	qr_free(m);
	if (rc != 0)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(json_pack("{s:s}", "id", out));
	printf("%s\n", out);
	return EXIT_OK;
}

static const struct cli_verb voucher_verbs[] = {
	{ "show", voucher_show_run, "decode and verify a pass", cmd_voucher_help },
	{ "qr", voucher_qr_run, "draw a pass's QR code", cmd_voucher_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_voucher(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, voucher_verbs, "voucher", cmd_voucher_help, argc, argv);
}
