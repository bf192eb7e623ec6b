/* passnum voucher show CODE|TOKEN|- | qr TOKEN|- --out FILE | revoke CODE|--booklet ID|--batch ID */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "clock.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "issuance.h"
#include "registry.h"
#include "code.h"
#include "keys.h"
#include "money.h"
#include "qr.h"
#include "takeover.h"
#include "token.h"

static const char voucher_show_help[] =
    "usage: passnum voucher show CODE|TOKEN|-\n"
    "       passnum voucher show TOKEN|- --public-key HEX\n"
    "\n"
    "With a home: what the home knows of the pass (by its human code or its\n"
    "token; - reads it from standard input, as tokens hold spaces and $):\n"
    "status (pending, issued, redeemed, revoked, expired), campaign, value,\n"
    "last day and last usable day, batch, booklet and position, when it was\n"
    "issued and last changed, its booklet's hand-out day, its redemption\n"
    "(place, service code, day); for a token, its signature checked against\n"
    "the home's issuer keys and whether its bytes are the ones issued. Exit 1\n"
    "when the home never issued it, or the token is not the one issued or not\n"
    "validly signed.\n"
    "With --public-key, offline: decodes the token and checks its signature\n"
    "against that Ed25519 public key (hex) only.\n"
    "\n"
    "examples:\n"
    "  passnum voucher show 000H4-8SM8N-B6EY4-9KANV-C\n"
    "  zbarimg --raw -q pass.png | passnum --json voucher show -\n";

static const char voucher_qr_help[] =
    "usage: passnum voucher qr TOKEN|- --out FILE.png|FILE.svg [--force]\n"
    "\n"
    "Draws the pass's QR code (alphanumeric, level M, version 7, quiet zone of\n"
    "4 modules) as PNG or SVG, chosen by the file's extension. - reads the\n"
    "token from standard input. The folder of FILE is made when missing; an\n"
    "existing FILE is never replaced without --force.\n"
    "\n"
    "example:\n"
    "  passnum voucher qr - --out qr/pass-1.png < token.txt\n";

static const char voucher_revoke_help[] =
    "usage: passnum voucher revoke CODE|TOKEN|-\n"
    "       passnum voucher revoke --booklet ID | --batch ID [--dry-run] [--yes]\n"
    "\n"
    "Opposition for lost or stolen passes: every issued pass of the pass,\n"
    "booklet or batch becomes revoked (refused at redemption) and its value\n"
    "goes back to the funder's balance (a pass taken over: to the claim on the\n"
    "old operator while it lasts), in one ledger entry. Cannot be undone.\n"
    "Refused when nothing is revocable.\n"
    "A booklet or a batch is a mass action: --dry-run says how many passes,\n"
    "which booklets and what value would be opposed, and changes nothing;\n"
    "without it the revocation is confirmed at a prompt on a terminal, and\n"
    "refused without a terminal unless --yes is given. A single pass is not\n"
    "confirmed.\n"
    "\n"
    "examples:\n"
    "  passnum voucher revoke --booklet 12 --dry-run\n"
    "  passnum --yes voucher revoke --booklet 12\n"
    "  passnum voucher revoke 000H4-8SM8N-B6EY4-9KANV-C\n";

const char cmd_voucher_help[] =
    "usage: passnum voucher show CODE|TOKEN|- [--public-key HEX]\n"
    "       passnum voucher qr TOKEN|- --out FILE.png|FILE.svg [--force]\n"
    "       passnum voucher revoke CODE|TOKEN|- | --booklet ID | --batch ID\n"
    "                              [--dry-run] [--yes]\n"
    "\n"
    "show    a pass's status as the home knows it, its token's signature checked\n"
    "qr      draws a pass's QR code into a PNG or SVG file\n"
    "revoke  opposes lost or stolen passes (a booklet or batch: confirmed)\n"
    "\n"
    "`passnum voucher SUB --help` shows a sub-command's page.\n"
    "\n"
    "examples:\n"
    "  passnum voucher show 000H4-8SM8N-B6EY4-9KANV-C\n"
    "  passnum voucher revoke --batch 2 --dry-run\n";

/* Reads a pass operand ("-": standard input) into buf. Returns 0, or an
 * exit code (printed). */
static int
voucher_operand(const char *verb, const char *text, char *buf, size_t size)
{
	struct error e;

	if (cli_read_operand(text, buf, size, &e) != 0)
		return cli_bad_value(verb, &e);
	return 0;
}

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
	    "serial", serial, "code", code, "campaign_id", (json_int_t)t->campaign,
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
	struct service service;
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
	json_object_set_new(out, "batch_id", json_integer(v->batch_id));
	json_object_set_new(out, "booklet_id", json_integer(v->booklet_id));
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
	if (registry_service_get(cli->home.db, red.service_id, &service, &e) != 0)
		snprintf(service.code, sizeof(service.code), "%lld", (long long)red.service_id);
	json_object_set_new(out, "redemption", json_pack("{s:I, s:I, s:s, s:s, s:b}", "id",
	    (json_int_t)red.id, "place_id", (json_int_t)red.place_id, "service", service.code,
	    "day", day, "cancelled", red.cancelled_at != 0));
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
			printf("%-13s place %lld, service %s, %s\n", key,
			    (long long)json_integer_value(json_object_get(v, "place_id")),
			    json_string_value(json_object_get(v, "service")),
			    json_string_value(json_object_get(v, "day")));
	}
	json_decref(out);
}

/* Reads a serial from a human code or a token (bytes and *t set for a
 * token, *is_token then 1). Text that is no pass in any state (a code or
 * token that does not parse) is a usage error (docs/cli.md). Prints the
 * error; returns 0 or an exit code. */
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
		return EXIT_USAGE;
	}
	r = token_from_text(text, strlen(text), bytes);
	if (r == TOKEN_OK)
		r = token_decode(bytes, TOKEN_BYTES, t);
	if (r != TOKEN_OK) {
		fprintf(stderr, "passnum: not a valid pass: %s\n", token_result_message(r));
		return EXIT_USAGE;
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
	if (found && takeover_token_is_placeholder(v.token)) {
		/* Taken over (docs/takeover.md): only the token's SHA-256 is here;
		 * a scanned token is verified against the old (verify-only) keys. */
		if (keys_load_issuers(cli->home.db, &set, &e) != 0)
			return cli_fail(&e);
		r = is_token ? token_verify(&t, &set, v.issued_at, NULL) : TOKEN_OK;
		keyset_free(&set);
		out = is_token ? voucher_describe(&t, r) : json_object();
		json_object_set_new(out, "taken_over", json_true());
		voucher_describe_home(cli, &v, out);
		if (is_token)
			json_object_set_new(out, "token_matches",
			    json_boolean(takeover_token_matches(v.token, bytes)));
		voucher_print(cli, out);
		if (is_token && (r != TOKEN_OK || !takeover_token_matches(v.token, bytes))) {
			fprintf(stderr, "passnum: %s\n", r != TOKEN_OK ? token_result_message(r) :
			    "this token is not the one taken over with this serial");
			return EXIT_REFUSED;
		}
		return EXIT_OK;
	}
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
		return EXIT_USAGE;
	}
	r = token_from_text(text, strlen(text), bytes);
	if (r == TOKEN_OK)
		r = token_decode(bytes, sizeof(bytes), &t);
	if (r != TOKEN_OK) {
		fprintf(stderr, "passnum: not a valid pass: %s\n", token_result_message(r));
		return EXIT_USAGE;
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
	char text[1024];
	int rc, first = cli_options(cli, argc, argv, "voucher show", voucher_show_help, opts,
	    voucher_show_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("voucher show", "give exactly one pass");
	if ((rc = voucher_operand("voucher show", argv[first], text, sizeof(text))) != 0)
		return rc;
	if (o.public_key != NULL)
		return voucher_show_offline(cli, text, o.public_key);
	return voucher_show_home(cli, text);
}

/* Options of voucher revoke. */
struct voucher_revoke_options {
	const char *booklet, *batch;
	bool dry_run;
};

static int
voucher_revoke_option(int opt, const char *arg, void *ctx)
{
	struct voucher_revoke_options *o = ctx;

	if (opt == 'b')
		o->booklet = arg;
	else if (opt == 'n')
		o->dry_run = true;
	else
		o->batch = arg;
	return 0;
}

static const char *
voucher_passes(int64_t n)
{
	return n == 1 ? "pass" : "passes";
}

/* What a mass revocation targets, into buf: "booklet 000012", or "batch 2
 * in 3 booklets (000001-000003)". */
static void
voucher_target_text(int64_t booklet, int64_t batch, const struct issuance_revoke_plan *p,
    char *buf, size_t size)
{
	if (booklet != 0)
		snprintf(buf, size, "booklet %06lld", (long long)booklet);
	else if (p->booklets == 1)
		snprintf(buf, size, "batch %lld in booklet %06lld", (long long)batch,
		    (long long)p->first_booklet);
	else
		snprintf(buf, size, "batch %lld in %lld booklets (%06lld-%06lld)", (long long)batch,
		    (long long)p->booklets, (long long)p->first_booklet, (long long)p->last_booklet);
}

/* --dry-run, or the confirmation of a booklet or a batch: what would be
 * opposed (read only). Returns 0 to go on (confirmed), -1 after a dry run
 * (printed), or an exit code. */
static int
voucher_revoke_check(struct cli *cli, int64_t booklet, int64_t batch, bool dry_run)
{
	struct issuance_revoke_plan p;
	char amount[MONEY_FORMAT_SIZE], target[128], what[256], where[192];
	char funder[MONEY_FORMAT_SIZE], claim[MONEY_FORMAT_SIZE];
	struct error e;

	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (issuance_revoke_plan(cli->home.db, NULL, booklet, batch, &p, &e) != 0)
		return cli_fail(&e);
	money_format(p.cents, amount, sizeof(amount));
	money_format(p.cents - p.to_claim_cents, funder, sizeof(funder)); /* to_claim <= cents */
	money_format(p.to_claim_cents, claim, sizeof(claim));
	voucher_target_text(booklet, batch, &p, target, sizeof(target));
	if (dry_run && cli->json) {
		cli_print_json(json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I}", "dry_run", 1,
		    "campaign_id", (json_int_t)p.campaign_id, "count", (json_int_t)p.count,
		    "booklets", (json_int_t)p.booklets, "first_booklet", (json_int_t)p.first_booklet,
		    "last_booklet", (json_int_t)p.last_booklet, "amount_cents", (json_int_t)p.cents,
		    "amount", amount, "to_funder_cents", (json_int_t)(p.cents - p.to_claim_cents),
		    "to_claim_cents", (json_int_t)p.to_claim_cents));
		return -1;
	}
	if (p.to_claim_cents == 0)
		snprintf(where, sizeof(where), "back to the funder's balance");
	else if (p.to_claim_cents == p.cents)
		snprintf(where, sizeof(where), "to the claim on the old operator (passes taken over)");
	else
		snprintf(where, sizeof(where), "%s back to the funder's balance, %s to the claim on the"
		    " old operator (passes taken over)", funder, claim);
	if (dry_run) {
		printf("would revoke %lld %s of %s: %s EUR %s (campaign %lld); nothing was changed\n",
		    (long long)p.count, voucher_passes(p.count), target, amount, where,
		    (long long)p.campaign_id);
		return -1;
	}
	snprintf(what, sizeof(what), "revoke %lld %s of %s, %s EUR, for good",
	    (long long)p.count, voucher_passes(p.count), target, amount);
	return cli_confirm(cli, what, &e) != 0 ? cli_fail(&e) : 0;
}

/* Parses voucher revoke's operands (every value checked before the home).
 * Returns 0 or an exit code; -1 for help shown. */
static int
voucher_revoke_args(struct cli *cli, int argc, char **argv, struct voucher_revoke_options *o,
    uint8_t serial[TOKEN_SERIAL_BYTES], int *has_code, int64_t *booklet, int64_t *batch)
{
	static const struct option opts[] = {
		{ "booklet", required_argument, NULL, 'b' },
		{ "batch", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t bytes[TOKEN_BYTES];
	char text[1024];
	struct token t;
	int rc, is_token, first = cli_options(cli, argc, argv, "voucher revoke",
	    voucher_revoke_help, opts, voucher_revoke_option, o);

	if (first < 0)
		return first == -1 ? -1 : EXIT_USAGE;
	*has_code = argc - first == 1;
	if (argc - first > 1 || *has_code + (o->booklet != NULL) + (o->batch != NULL) != 1)
		return cli_usage_error("voucher revoke", "give one CODE, or --booklet ID, or --batch ID");
	if (o->booklet != NULL && cli_args_id(o->booklet, booklet) != 0)
		return cli_usage_error("voucher revoke", "--booklet takes a booklet number");
	if (o->batch != NULL && cli_args_id(o->batch, batch) != 0)
		return cli_usage_error("voucher revoke", "--batch takes a batch id");
	if (*has_code && o->dry_run)
		return cli_usage_error("voucher revoke", "--dry-run is for --booklet and --batch");
	if (!*has_code)
		return 0;
	if ((rc = voucher_operand("voucher revoke", argv[first], text, sizeof(text))) != 0)
		return rc;
	return voucher_input(text, serial, bytes, &t, &is_token);
}

static int
voucher_revoke_run(struct cli *cli, int argc, char **argv)
{
	struct voucher_revoke_options o = { NULL, NULL, false };
	uint8_t serial[TOKEN_SERIAL_BYTES];
	int64_t booklet = 0, batch = 0, count = 0, cents = 0, to_claim = 0, to_funder;
	char amount[MONEY_FORMAT_SIZE], claim[MONEY_FORMAT_SIZE], funder[MONEY_FORMAT_SIZE];
	struct error e;
	int has_code = 0, rc = voucher_revoke_args(cli, argc, argv, &o, serial, &has_code,
	    &booklet, &batch);

	if (rc != 0)
		return rc == -1 ? EXIT_OK : rc;
	if (!has_code && (rc = voucher_revoke_check(cli, booklet, batch, o.dry_run)) != 0)
		return rc == -1 ? EXIT_OK : rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_revoke(cli->home.db, has_code ? serial : NULL, booklet, batch, clock_now(),
	    &count, &cents, &to_claim, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	to_funder = cents - to_claim; /* 0 <= to_claim <= cents (issuance_revoke) */
	money_format(cents, amount, sizeof(amount));
	money_format(to_claim, claim, sizeof(claim));
	money_format(to_funder, funder, sizeof(funder));
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:s, s:I, s:I}", "revoked",
		    (json_int_t)count, "amount_cents", (json_int_t)cents, "amount", amount,
		    "to_funder_cents", (json_int_t)to_funder, "to_claim_cents", (json_int_t)to_claim));
	if (to_claim == 0)
		printf("%lld %s revoked; %s EUR back to the funder's balance\n", (long long)count,
		    voucher_passes(count), amount);
	else if (to_funder == 0)
		printf("%lld %s revoked; %s EUR to the claim on the old operator (passes taken"
		    " over)\n", (long long)count, voucher_passes(count), amount);
	else
		printf("%lld %s revoked; %s EUR: %s back to the funder's balance, %s to the claim"
		    " on the old operator (passes taken over)\n", (long long)count,
		    voucher_passes(count), amount, funder, claim);
	return EXIT_OK;
}

/* Options of voucher qr. */
struct voucher_qr_options {
	const char *out;
	bool force;
};

static int
voucher_qr_option(int opt, const char *arg, void *ctx)
{
	struct voucher_qr_options *o = ctx;

	if (opt == 'f')
		o->force = true;
	else
		o->out = arg;
	return 0;
}

static int
voucher_qr_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct voucher_qr_options o = { NULL, false };
	char text[TOKEN_TEXT_LEN + 1], input[1024];
	const char *dot;
	uint8_t bytes[TOKEN_BYTES];
	struct qr_matrix *m = NULL;
	enum token_result r;
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "voucher qr", voucher_qr_help, opts,
	    voucher_qr_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("voucher qr", "give exactly one token");
	if (o.out == NULL)
		return cli_usage_error("voucher qr", "--out FILE.png or FILE.svg is required");
	dot = strrchr(o.out, '.');
	if (dot == NULL || (strcmp(dot, ".png") != 0 && strcmp(dot, ".svg") != 0))
		return cli_usage_error("voucher qr", "--out must end in .png or .svg");
	if ((rc = voucher_operand("voucher qr", argv[first], input, sizeof(input))) != 0)
		return rc;
	r = token_from_text(input, strlen(input), bytes);
	if (r != TOKEN_OK) { /* no pass in any state: a usage error (docs/cli.md) */
		fprintf(stderr, "passnum: not a pass: %s\n", token_result_message(r));
		return EXIT_USAGE;
	}
	token_to_text(bytes, text);
	if (cli_out_file(o.out, o.force, &e) != 0 || qr_encode(text, &m, &e) != 0)
		return cli_fail(&e);
	rc = strcmp(dot, ".png") == 0 ? qr_write_png(m, o.out, 8, &e) : qr_write_svg(m, o.out, &e);
	qr_free(m);
	if (rc != 0)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:[s]}", "id", o.out, "files", o.out));
	printf("wrote %s\n", o.out);
	return EXIT_OK;
}

static const struct cli_verb voucher_verbs[] = {
	{ "show", voucher_show_run, "a pass's status, its signature checked", voucher_show_help },
	{ "qr", voucher_qr_run, "draw a pass's QR code", voucher_qr_help },
	{ "revoke", voucher_revoke_run, "revoke lost or stolen passes", voucher_revoke_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_voucher(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, voucher_verbs, "voucher", cmd_voucher_help, argc, argv);
}
