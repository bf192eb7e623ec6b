/* lib/redemption: reading passes, the request hash, the read-only checks,
 * commit with idempotency and concurrency re-checks, cancellation, lists and
 * lookups, on a home made by the real CLI (PASSNUM_BIN). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include "checkpoint.h"
#include "clock.h"
#include "code.h"
#include "db.h"
#include "keys.h"
#include "ledger.h"
#include "redemption.h"

#define NOW 1804845600 /* 2027-03-12T10:00:00Z */

static char dir[] = "/tmp/test-redemption.XXXXXX";
static char tokens[8][TOKEN_TEXT_LEN + 1];
static char codes[8][CODE_TEXT_LEN + 1];

struct fixture {
	struct db *db;
	struct keyset keys;
	struct secret_key ledger;
	struct redemption_signer signer;
	struct merkle_state cache;
};

static void
sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		abort();
	}
}

/* A home: two places (93 labelled, 69 labelled), services atelier (1 pass)
 * and parcours (2), a campaign for the 93, 8 passes. */
static int
group_setup(void **state)
{
	const char *pn = getenv("PASSNUM_BIN");
	char path[4200], line[1024];
	FILE *f;
	int n = 0;

	(void)state;
	if (pn == NULL || mkdtemp(dir) == NULL)
		return -1;
	setenv("PASSNUM_NOW", "2027-03-12T10:00:00Z", 1);
	sh("set -e; P='%s --home %s/h'; $P init --operator T --origin test.example/ledger >/dev/null;"
	    " $P funder add F >/dev/null; $P funder order 1 1000 --ref B >/dev/null;"
	    " $P service add atelier A >/dev/null; $P service add parcours P --passes 2 >/dev/null;"
	    " $P place add A --siret 12345678200002 --commune 93048 --iban FR7630006000011234567890189"
	    " --services atelier,parcours >/dev/null;"
	    " $P place add B --siret 12345678200010 --commune 69123 --iban FR7630006000011234567890189"
	    " --services atelier >/dev/null; $P place label 1 >/dev/null; $P place label 2 >/dev/null;"
	    " $P campaign create --funder 1 --name C --value 10 --last-day 2027-06-30 --departments 93"
	    " >/dev/null; mkdir %s/out; $P batch issue --campaign 1 --count 8 --out %s/out --format csv"
	    " >/dev/null", pn, dir, dir, dir);
	snprintf(path, sizeof(path), "cat %s/out/batch-*.csv", dir);
	if ((f = popen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && n < 8) {
		char *c = strchr(line, ','), *t = c != NULL ? strchr(c + 1, ',') : NULL;
		if (t == NULL || strncmp(t + 1, "PN1:", 4) != 0)
			continue;
		memcpy(codes[n], c + 1, CODE_TEXT_LEN);
		memcpy(tokens[n], t + 1, TOKEN_TEXT_LEN);
		n++;
	}
	pclose(f);
	return n == 8 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	return 0;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct key_info info;
	char path[4300], home[4200];
	struct error e;

	snprintf(home, sizeof(home), "%s/h", dir);
	snprintf(path, sizeof(path), "%s/passnum.db", home);
	if (db_open(&fx->db, path, DB_OPEN_EXISTING, &e) != 0 ||
	    keys_load_issuers(fx->db, &fx->keys, &e) != 0 ||
	    keys_load_active(fx->db, home, KEY_LEDGER, &fx->ledger, &info, &e) != 0)
		return -1;
	fx->signer.secret = fx->ledger.bytes;
	memcpy(fx->signer.key_id, info.key_id, 4);
	merkle_state_init(&fx->cache);
	fx->cache.size = UINT64_MAX;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	secret_key_wipe(&fx->ledger);
	keyset_free(&fx->keys);
	db_close(fx->db);
	free(fx);
	return 0;
}

static void
request(struct redemption_request *r, int64_t place, const char *service, const char *key,
    const char *a, const char *b)
{
	struct error e;

	memset(r, 0, sizeof(*r));
	r->place_id = place;
	snprintf(r->service_code, sizeof(r->service_code), "%s", service);
	snprintf(r->idempotency_key, sizeof(r->idempotency_key), "%s", key);
	assert_int_equal(redemption_pass_read(a, strlen(a), &r->passes[0], &e), 0);
	r->count = 1;
	if (b != NULL) {
		assert_int_equal(redemption_pass_read(b, strlen(b), &r->passes[1], &e), 0);
		r->count = 2;
	}
	redemption_request_hash(r);
}

struct commit_ctx {
	struct fixture *fx;
	struct redemption_request *r;
	struct redemption_outcome out;
	int64_t now;
};

static int
commit_work(struct db *db, void *arg, struct error *e)
{
	struct commit_ctx *c = arg;

	return redemption_commit(db, c->r, &c->fx->signer, &c->fx->cache, c->now, &c->out, e);
}

/* Prepares and commits r at now; returns 0 or the refusal's status. */
static int
redeem(struct fixture *fx, struct redemption_request *r, int64_t now, char **response)
{
	struct commit_ctx c = { fx, r, { 0 }, now };
	struct error e;

	error_clear(&e);
	if (redemption_prepare(fx->db, &fx->keys, r, now, &e) != 0 ||
	    db_write(fx->db, DB_BUSY_DEFAULT, commit_work, &c, &e) != 0)
		return e.status;
	if (response != NULL)
		*response = c.out.response;
	else
		redemption_outcome_free(&c.out);
	return 0;
}

static void
test_pass_read(void **state)
{
	struct redemption_pass p, q;
	char lower[TOKEN_TEXT_LEN + 1];
	struct error e;

	(void)state;
	assert_int_equal(redemption_pass_read(tokens[0], strlen(tokens[0]), &p, &e), 0);
	assert_true(p.has_token);
	assert_int_equal(redemption_pass_read(codes[0], strlen(codes[0]), &q, &e), 0);
	assert_false(q.has_token);
	assert_memory_equal(p.serial, q.serial, TOKEN_SERIAL_BYTES);
	for (size_t i = 0; i <= TOKEN_TEXT_LEN; i++)
		lower[i] = (char)(tokens[0][i] >= 'A' && tokens[0][i] <= 'Z' ? tokens[0][i] + 32 : tokens[0][i]);
	assert_int_equal(redemption_pass_read(lower, strlen(lower), &q, &e), 0);
	assert_memory_equal(p.token, q.token, TOKEN_BYTES);
	assert_int_equal(redemption_pass_read("PN1:!!", 6, &q, &e), -1);
	assert_int_equal(e.status, 422);
	assert_int_equal(redemption_pass_read("00000-00000-00000-00000-1", 25, &q, &e), -1);
	assert_string_equal(e.code, "CODE_BAD_CHECK");
}

static void
test_request_hash(void **state)
{
	struct redemption_request a, b, c;

	(void)state;
	request(&a, 1, "parcours", "k", tokens[0], tokens[1]);
	request(&b, 1, "parcours", "other key", codes[1], codes[0]);
	request(&c, 1, "atelier", "k", tokens[0], tokens[1]);
	assert_memory_equal(a.request_hash, b.request_hash, 32); /* order, form and key ignored */
	assert_memory_not_equal(a.request_hash, c.request_hash, 32);
}

static void
test_refusals(void **state)
{
	struct fixture *fx = *state;
	struct redemption_request r;
	struct error e;

	request(&r, 1, "parcours", "k", tokens[2], NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_string_equal(e.code, "WRONG_PASS_COUNT");
	request(&r, 1, "parcours", "k", tokens[2], codes[2]);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_string_equal(e.code, "DUPLICATE_PASS");
	request(&r, 2, "atelier", "k", tokens[2], NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_string_equal(e.code, "OUT_OF_TERRITORY");
	request(&r, 1, "nope", "k", tokens[2], NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_int_equal(e.status, 404);
	/* After last day + 30 days of tolerance: expired. */
	request(&r, 1, "atelier", "k", tokens[2], NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW + 150 * 86400, &e), -1);
	assert_string_equal(e.code, "EXPIRED");
	assert_int_equal(e.status, 410);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW + 100 * 86400, &e), 0);
}

/* A token signed with the home's own (leaked) issuer key: for a serial never
 * issued, unknown; for an issued serial with other bytes, a mismatch. */
static void
test_forged(void **state)
{
	struct fixture *fx = *state;
	struct redemption_request r;
	struct secret_key issuer;
	struct key_info info;
	struct token t;
	uint8_t bytes[TOKEN_BYTES];
	char text[TOKEN_TEXT_LEN + 1], home[4200];
	struct error e;

	snprintf(home, sizeof(home), "%s/h", dir);
	assert_int_equal(keys_load_active(fx->db, home, KEY_ISSUER, &issuer, &info, &e), 0);
	assert_int_equal(redemption_pass_read(tokens[3], strlen(tokens[3]), &r.passes[0], &e), 0);
	assert_int_equal(token_decode(r.passes[0].token, TOKEN_BYTES, &t), TOKEN_OK);
	t.value_cents = 100000;
	assert_int_equal(token_sign(&t, &issuer, bytes), 0);
	token_to_text(bytes, text);
	request(&r, 1, "atelier", "forged-1", text, NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_string_equal(e.code, "TOKEN_MISMATCH");
	randombytes_buf(t.serial, sizeof(t.serial));
	assert_int_equal(token_sign(&t, &issuer, bytes), 0);
	secret_key_wipe(&issuer);
	token_to_text(bytes, text);
	request(&r, 1, "atelier", "forged-2", text, NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_string_equal(e.code, "UNKNOWN_VOUCHER");
	assert_int_equal(e.status, 422);
}

/* A pass signed by another operator's issuer key is told UNKNOWN_KEY (the
 * documented order: key id before the database), whatever its serial; a
 * bit flipped in a real pass's key id too; a flipped signature bit is
 * BAD_SIGNATURE, not TOKEN_MISMATCH. */
static void
test_foreign_and_flipped(void **state)
{
	struct fixture *fx = *state;
	struct redemption_request r;
	struct secret_key other;
	uint8_t public_key[32], bytes[TOKEN_BYTES];
	char text[TOKEN_TEXT_LEN + 1];
	struct token t;
	struct error e;

	crypto_sign_keypair(public_key, other.bytes);
	assert_int_equal(redemption_pass_read(tokens[4], strlen(tokens[4]), &r.passes[0], &e), 0);
	assert_int_equal(token_decode(r.passes[0].token, TOKEN_BYTES, &t), TOKEN_OK);
	assert_int_equal(token_sign(&t, &other, bytes), 0); /* same serial, other key */
	secret_key_wipe(&other);
	token_to_text(bytes, text);
	request(&r, 1, "atelier", "foreign-1", text, NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_string_equal(e.code, "UNKNOWN_KEY");
	/* A real pass with one bit of its key id flipped. */
	assert_int_equal(redemption_pass_read(tokens[4], strlen(tokens[4]), &r.passes[0], &e), 0);
	memcpy(bytes, r.passes[0].token, TOKEN_BYTES);
	bytes[1] ^= 0x01;
	token_to_text(bytes, text);
	request(&r, 1, "atelier", "flip-kid", text, NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_string_equal(e.code, "UNKNOWN_KEY");
	/* ... and of its signature. */
	assert_int_equal(redemption_pass_read(tokens[4], strlen(tokens[4]), &r.passes[0], &e), 0);
	memcpy(bytes, r.passes[0].token, TOKEN_BYTES);
	bytes[TOKEN_BYTES - 1] ^= 0x01;
	token_to_text(bytes, text);
	request(&r, 1, "atelier", "flip-sig", text, NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), -1);
	assert_string_equal(e.code, "BAD_SIGNATURE");
}

static void
test_commit_replay_conflict(void **state)
{
	struct fixture *fx = *state;
	struct redemption_request r, again;
	char *first = NULL, *second = NULL, *stored = NULL;
	struct error e;
	uint64_t size0, size1;
	bool same;
	json_t *extra;

	assert_int_equal(ledger_size(fx->db, &size0, &e), 0);
	request(&r, 1, "parcours", "pair", tokens[4], codes[5]);
	assert_int_equal(redeem(fx, &r, NOW, &first), 0);
	assert_non_null(strstr(first, "\"kind\":\"redeem\""));
	assert_int_equal(ledger_size(fx->db, &size1, &e), 0);
	assert_int_equal(size1, size0 + 1);
	/* The same key and request: the stored answer, byte-identical, no new
	 * entry (committed without prepare: the passes are redeemed now). */
	struct commit_ctx c = { fx, &r, { 0 }, NOW };
	assert_int_equal(db_write(fx->db, DB_BUSY_DEFAULT, commit_work, &c, &e), 0);
	assert_true(c.out.replayed);
	assert_string_equal(c.out.response, first);
	redemption_outcome_free(&c.out);
	assert_int_equal(redemption_find_key(fx->db, 1, "pair", r.request_hash, &same, &stored, &e), 1);
	assert_true(same);
	assert_string_equal(stored, first);
	free(stored);
	/* The same key, another request: 422. */
	request(&again, 1, "atelier", "pair", tokens[6], NULL);
	c = (struct commit_ctx){ fx, &again, { 0 }, NOW };
	assert_int_equal(db_write(fx->db, DB_BUSY_DEFAULT, commit_work, &c, &e), -1);
	assert_string_equal(e.code, "IDEMPOTENCY_KEY_REUSED");
	/* Another key, a redeemed pass: 409 at prepare, and at commit too
	 * (the writer's re-check), with the receipt for this place only. */
	request(&again, 1, "atelier", "other", tokens[4], NULL);
	assert_int_equal(redeem(fx, &again, NOW, &second), 409);
	c = (struct commit_ctx){ fx, &again, { 0 }, NOW };
	assert_int_equal(db_write(fx->db, DB_BUSY_DEFAULT, commit_work, &c, &e), -1);
	assert_int_equal(e.status, 409);
	extra = redemption_conflict(fx->db, again.passes[0].serial, 1, &e);
	assert_true(json_is_true(json_object_get(extra, "by_you")));
	assert_non_null(json_object_get(extra, "redemption"));
	json_decref(extra);
	extra = redemption_conflict(fx->db, again.passes[0].serial, 2, &e);
	assert_true(json_is_false(json_object_get(extra, "by_you")));
	assert_null(json_object_get(extra, "redemption"));
	assert_string_equal(json_string_value(json_object_get(extra, "redeemed_on")), "2027-03-12");
	json_decref(extra);
	assert_int_equal(ledger_size(fx->db, &size1, &e), 0);
	assert_int_equal(size1, size0 + 1);
	free(first);
}

struct cancel_ctx {
	struct fixture *fx;
	int64_t place, id, now;
	struct redemption_outcome out;
};

static int
cancel_work(struct db *db, void *arg, struct error *e)
{
	struct cancel_ctx *c = arg;

	return redemption_cancel(db, c->place, c->id, &c->fx->signer, &c->fx->cache, c->now, &c->out, e);
}

static int
list_count(const struct redemption_row *row, void *ctx)
{
	(void)row;
	(*(int *)ctx)++;
	return 0;
}

static void
test_cancel_and_list(void **state)
{
	struct fixture *fx = *state;
	struct redemption_request r;
	struct redemption_lookup *l = calloc(1, sizeof(*l));
	struct redemption_pass p;
	struct place place;
	char *answer = NULL;
	int64_t id;
	struct error e;
	int n = 0;

	request(&r, 1, "atelier", "to-cancel", tokens[7], NULL);
	assert_int_equal(redeem(fx, &r, NOW, &answer), 0);
	json_t *j = json_loads(answer, 0, NULL);
	id = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	free(answer);
	struct cancel_ctx c = { fx, 2, id, NOW + 60, { 0 } };
	assert_int_equal(db_write(fx->db, DB_BUSY_DEFAULT, cancel_work, &c, &e), -1);
	assert_string_equal(e.code, "NO_REDEMPTION");
	c = (struct cancel_ctx){ fx, 1, id, NOW + REDEMPTION_CANCEL_SECONDS + 1, { 0 } };
	assert_int_equal(db_write(fx->db, DB_BUSY_DEFAULT, cancel_work, &c, &e), -1);
	assert_string_equal(e.code, "TOO_LATE_TO_CANCEL");
	c = (struct cancel_ctx){ fx, 1, id, NOW + 60, { 0 } };
	assert_int_equal(db_write(fx->db, DB_BUSY_DEFAULT, cancel_work, &c, &e), 0);
	assert_non_null(strstr(c.out.response, "\"kind\":\"cancel\""));
	redemption_outcome_free(&c.out);
	assert_int_equal(db_write(fx->db, DB_BUSY_DEFAULT, cancel_work, &c, &e), -1);
	assert_string_equal(e.code, "ALREADY_CANCELLED");
	/* The pass is valid again, and usable here for atelier and parcours. */
	assert_int_equal(redemption_pass_read(codes[7], strlen(codes[7]), &p, &e), 0);
	assert_int_equal(registry_place_get(fx->db, 1, &place, &e), 0);
	assert_int_equal(redemption_lookup(fx->db, &fx->keys, &p, &place, NOW, l, &e), 0);
	assert_string_equal(l->status, "valid");
	assert_null(l->refusal);
	assert_int_equal(l->service_count, 2);
	assert_int_equal(registry_place_get(fx->db, 2, &place, &e), 0);
	assert_int_equal(redemption_lookup(fx->db, &fx->keys, &p, &place, NOW, l, &e), 0);
	assert_string_equal(l->refusal, "OUT_OF_TERRITORY");
	assert_int_equal(redemption_pass_read("00000-00000-00000-00000-0", 25, &p, &e), 0);
	assert_int_equal(redemption_lookup(fx->db, &fx->keys, &p, NULL, NOW, l, &e), 0);
	assert_string_equal(l->status, "unknown");
	free(l);
	assert_int_equal(redemption_list(fx->db, 1, 0, INT32_MAX, list_count, &n, &e), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(redemption_list(fx->db, 2, 0, INT32_MAX, list_count, &n, &e), 0);
	assert_int_equal(n, 0);
}

/* Writes outside a write transaction are refused (a bug in the caller) and
 * change nothing. */
static void
test_outside_write(void **state)
{
	struct fixture *fx = *state;
	struct redemption_request r;
	struct redemption_outcome out;
	struct error e;
	int n = 0;

	request(&r, 1, "atelier", "outside", tokens[2], NULL);
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), 0);
	error_clear(&e);
	assert_int_equal(redemption_commit(fx->db, &r, &fx->signer, &fx->cache, NOW, &out, &e), -1);
	assert_int_equal(e.status, 500);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_null(out.response);
	error_clear(&e);
	assert_int_equal(redemption_cancel(fx->db, 1, 1, &fx->signer, &fx->cache, NOW, &out, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(redemption_prepare(fx->db, &fx->keys, &r, NOW, &e), 0);
	assert_int_equal(redemption_list(fx->db, 1, 0, INT32_MAX, list_count, &n, &e), 0);
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_read),
		cmocka_unit_test(test_request_hash),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_and_flipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_replay_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_write, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
