/* passnum voucher show CODE|TOKEN | qr TOKEN --out FILE | revoke CODE|--booklet ID|--batch ID */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "cli.h"
#include "cli_args.h"
#include "issuance.h"
#include "registry.h"
#include "code.h"
#include "keys.h"
#include "money.h"
#include "qr.h"
#include "token.h"

const char cmd_voucher_help[] =
    "usage: passnum voucher show CODE|TOKEN\n"
    "       passnum voucher show TOKEN --public-key HEX\n"
    "       passnum voucher qr TOKEN --out FILE.png|FILE.svg\n"
    "       passnum voucher revoke CODE|TOKEN | --booklet ID | --batch ID\n"
    "\n"
    "show    with a home: what the home knows of the pass (by its human code or\n"
    "        its token): status (pending, issued, redeemed, revoked, expired),\n"
    "        campaign, value, last day and last usable day, batch, booklet and\n"
    "        position, when it was issued and last changed, its booklet's hand-out\n"
    "        day, its redemption (place, day); for a token, its signature against\n"
    "        the home's issuer keys and whether its bytes are the ones issued.\n"
    "        Exit 1 when the home never issued it, or the token is not the one\n"
    "        issued or not validly signed.\n"
    "        With --public-key, offline: decodes the token and checks its\n"
    "        signature against that Ed25519 public key (hex) only.\n"
    "qr      draws the pass's QR code (alphanumeric, level M, version 7, quiet\n"
    "        zone of 4 modules) as PNG or SVG, chosen by the file's extension.\n"
    "revoke  opposition for lost or stolen passes: every issued pass of the pass,\n"
    "        booklet or batch becomes revoked (refused at redemption) and its\n"
    "        value goes back to the funder's balance, one ledger entry per\n"
    "        campaign. Refused when nothing is revocable.\n";

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

/* Adds what the home knows of v (and its redemption) to out. */
static void
voucher_describe_home(struct cli *cli, const struct voucher_state *v, json_t *out)
{
	char issued[CLOCK_INSTANT_SIZE] = "", changed[CLOCK_INSTANT_SIZE] = "";
	char day[DATE_FORMAT_SIZE] = "", usable[DATE_FORMAT_SIZE] = "";
	struct voucher_redemption red;
	struct campaign c;
	struct error e;

	clock_instant_format(v->issued_at, issued);
	if (v->changed_at != 0)
		clock_instant_format(v->changed_at, changed);
	if (v->handout_day >= 0)
		date_format(v->handout_day, day);
	if (registry_campaign_get(cli->home.db, v->campaign_id, &c, &e) == 0)
		date_format(issuance_last_usable_day(v, c.tolerance_days,
		    c.valid_days_after_handout), usable);
	json_object_set_new(out, "status", json_string(issuance_status_name(v->status)));
	json_object_set_new(out, "batch", json_integer(v->batch_id));
	json_object_set_new(out, "booklet", json_integer(v->booklet_id));
	json_object_set_new(out, "position", json_integer(v->position));
	json_object_set_new(out, "issued_at", json_string(issued));
	json_object_set_new(out, "changed_at", changed[0] ? json_string(changed) : json_null());
	json_object_set_new(out, "handout_day", day[0] ? json_string(day) : json_null());
	json_object_set_new(out, "usable_until", usable[0] ? json_string(usable) : json_null());
	if (v->redemption_id == 0 ||
	    issuance_voucher_redemption(cli->home.db, v->redemption_id, &red, &e) != 0) {
		json_object_set_new(out, "redemption", json_null());
		return;
	}
	date_format(red.day, day);
	json_object_set_new(out, "redemption", json_pack("{s:I, s:I, s:I, s:s}", "id",
	    (json_int_t)red.id, "place", (json_int_t)red.place_id, "service",
	    (json_int_t)red.service_id, "day", day));
}

/* Prints out (consumed) as JSON or as "name value" lines. */
static void
voucher_print(struct cli *cli, json_t *out)
{
	const char *key;
	json_t *v;

	if (cli->json) {
		cli_print_json(out);
		return;
	}
	json_object_foreach(out, key, v) {
		if (json_is_integer(v))
			printf("%-13s %lld\n", key, (long long)json_integer_value(v));
		else if (json_is_string(v))
			printf("%-13s %s\n", key, json_string_value(v));
		else if (json_is_boolean(v))
			printf("%-13s %s\n", key, json_is_true(v) ? "yes" : "no");
		else if (json_is_object(v))
			printf("%-13s place %lld, %s\n", key,
			    (long long)json_integer_value(json_object_get(v, "place")),
			    json_string_value(json_object_get(v, "day")));
	}
	json_decref(out);
}

/* Reads a serial from a human code or a token (bytes and *t set for a
 * token, *is_token then 1). Prints the error; returns 0 or an exit code. */
static int
voucher_input(const char *text, uint8_t serial[TOKEN_SERIAL_BYTES], uint8_t bytes[TOKEN_BYTES],
    struct token *t, int *is_token)
{
	enum token_result r;
	enum code_result cr;

	*is_token = token_classify(text, strlen(text)) == TOKEN_INPUT_TOKEN;
	if (!*is_token) {
		cr = code_parse(text, strlen(text), serial, NULL);
		if (cr == CODE_OK)
			return 0;
		fprintf(stderr, "passnum: not a pass code: %s\n", code_result_message(cr));
		return EXIT_REFUSED;
	}
	r = token_from_text(text, strlen(text), bytes);
	if (r == TOKEN_OK)
		r = token_decode(bytes, TOKEN_BYTES, t);
	if (r != TOKEN_OK) {
		fprintf(stderr, "passnum: not a valid pass: %s\n", token_result_message(r));
		return EXIT_REFUSED;
	}
	memcpy(serial, t->serial, TOKEN_SERIAL_BYTES);
	return 0;
}

/* voucher show CODE|TOKEN against the home. */
static int
voucher_show_home(struct cli *cli, const char *text)
{
	uint8_t serial[TOKEN_SERIAL_BYTES], bytes[TOKEN_BYTES];
	struct keyset set = { NULL, 0 };
	enum token_result r = TOKEN_OK;
	struct voucher_state v;
	struct token t;
	struct error e, lookup;
	const char *problem = NULL;
	int rc, is_token, found;
	json_t *out;

	if ((rc = voucher_input(text, serial, bytes, &t, &is_token)) != 0)
		return rc;
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	found = issuance_voucher_lookup(cli->home.db, serial, &v, &lookup) == 0;
	if (!found && lookup.status != 404)
		return cli_fail(&lookup);
	if (!is_token && !found)
		return cli_fail(&lookup);
	if (!is_token) {
		token_decode(v.token, TOKEN_BYTES, &t);
		memcpy(bytes, v.token, TOKEN_BYTES);
	}
	if (keys_load_issuers(cli->home.db, &set, &e) != 0)
		return cli_fail(&e);
	r = token_verify(&t, &set, found ? v.issued_at : TOKEN_ISSUED_AT_UNKNOWN, NULL);
	keyset_free(&set);
	out = voucher_describe(&t, r);
	if (found) {
		voucher_describe_home(cli, &v, out);
		json_object_set_new(out, "token_matches",
		    json_boolean(sodium_memcmp(bytes, v.token, TOKEN_BYTES) == 0));
	}
	if (r != TOKEN_OK)
		problem = token_result_message(r);
	else if (!found)
		problem = "this home never issued this pass";
	else if (sodium_memcmp(bytes, v.token, TOKEN_BYTES) != 0)
		problem = "this token is not the one issued with this serial";
	voucher_print(cli, out);
	if (problem != NULL) {
		fprintf(stderr, "passnum: %s\n", problem);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

/* voucher show TOKEN --public-key HEX: offline. */
static int
voucher_show_offline(struct cli *cli, const char *text, const char *public_key)
{
	struct keyset set = { NULL, 0 };
	uint8_t bytes[TOKEN_BYTES];
	enum token_result r;
	struct token t;
	int rc;

	if (token_classify(text, strlen(text)) != TOKEN_INPUT_TOKEN) {
		fprintf(stderr, "passnum: --public-key checks a token (PN1:...), not a human code\n");
		return EXIT_REFUSED;
	}
	r = token_from_text(text, strlen(text), bytes);
	if (r == TOKEN_OK)
		r = token_decode(bytes, sizeof(bytes), &t);
	if (r != TOKEN_OK) {
		fprintf(stderr, "passnum: not a valid pass: %s\n", token_result_message(r));
		return EXIT_REFUSED;
	}
	if ((rc = voucher_keyset(cli, public_key, &set)) != 0)
		return rc;
	r = token_verify(&t, &set, TOKEN_ISSUED_AT_UNKNOWN, NULL);
	keyset_free(&set);
	voucher_print(cli, voucher_describe(&t, r));
	if (r != TOKEN_OK) {
		fprintf(stderr, "passnum: %s\n", token_result_message(r));
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

static int
voucher_show_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "public-key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct voucher_show_options o = { NULL };
	int first = cli_options(cli, argc, argv, "voucher show", cmd_voucher_help, opts,
	    voucher_show_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("voucher show", "give exactly one pass");
	if (o.public_key != NULL)
		return voucher_show_offline(cli, argv[first], o.public_key);
	return voucher_show_home(cli, argv[first]);
}

/* Options of voucher revoke. */
struct voucher_revoke_options {
	const char *booklet, *batch;
};

static int
voucher_revoke_option(int opt, const char *arg, void *ctx)
{
	struct voucher_revoke_options *o = ctx;

	if (opt == 'b')
		o->booklet = arg;
	else
		o->batch = arg;
	return 0;
}

static int
voucher_revoke_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "booklet", required_argument, NULL, 'b' },
		{ "batch", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct voucher_revoke_options o = { NULL, NULL };
	uint8_t serial[TOKEN_SERIAL_BYTES], bytes[TOKEN_BYTES];
	int64_t booklet = 0, batch = 0, count = 0, cents = 0;
	char amount[MONEY_FORMAT_SIZE];
	struct token t;
	struct error e;
	int rc, is_token, has_code, first = cli_options(cli, argc, argv, "voucher revoke",
	    cmd_voucher_help, opts, voucher_revoke_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	has_code = argc - first == 1;
	if (argc - first > 1 || has_code + (o.booklet != NULL) + (o.batch != NULL) != 1)
		return cli_usage_error("voucher revoke", "give one CODE, or --booklet ID, or --batch ID");
	if (o.booklet != NULL && cli_args_id(o.booklet, &booklet) != 0)
		return cli_usage_error("voucher revoke", "--booklet takes a booklet number");
	if (o.batch != NULL && cli_args_id(o.batch, &batch) != 0)
		return cli_usage_error("voucher revoke", "--batch takes a batch id");
	if (has_code && (rc = voucher_input(argv[first], serial, bytes, &t, &is_token)) != 0)
		return rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_revoke(cli->home.db, has_code ? serial : NULL, booklet, batch, clock_now(),
	    &count, &cents, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	money_format(cents, amount, sizeof(amount));
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:s}", "revoked", (json_int_t)count,
		    "amount", amount));
	printf("%lld passes revoked; %s back to the funder's balance\n", (long long)count, amount);
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
	{ "show", voucher_show_run, "a pass's status, or decode and verify it", cmd_voucher_help },
	{ "qr", voucher_qr_run, "draw a pass's QR code", cmd_voucher_help },
	{ "revoke", voucher_revoke_run, "revoke lost or stolen passes", cmd_voucher_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_voucher(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, voucher_verbs, "voucher", cmd_voucher_help, argc, argv);
}
