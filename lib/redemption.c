#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "checkpoint.h"
#include "receipt.h"
#include "clock.h"
#include "code.h"
#include "db.h"
#include "ledger.h"
#include "money.h"
#include "hash.h"
#include "redemption.h"
#include "takeover.h"

int
redemption_pass_read(const char *text, size_t len, struct redemption_pass *p, struct error *e)
{
	struct token t;
	enum token_result tr;
	enum code_result cr;

	memset(p, 0, sizeof(*p));
	if (token_classify(text, len) == TOKEN_INPUT_TOKEN) {
		if ((tr = token_from_text(text, len, p->token)) != TOKEN_OK ||
		    (tr = token_decode(p->token, TOKEN_BYTES, &t)) != TOKEN_OK)
			return error_set(e, 422, token_result_code(tr), "not a valid pass: %s",
			    token_result_message(tr));
		memcpy(p->serial, t.serial, TOKEN_SERIAL_BYTES);
		p->has_token = true;
		return 0;
	}
	if ((cr = code_parse(text, len, p->serial, NULL)) != CODE_OK)
		return error_set(e, 422, code_result_code(cr), "not a valid pass code: %s",
		    code_result_message(cr));
	return 0;
}

/* The checks of docs/token-format.md that need no database, on a scanned
 * token, in their order: key id known (UNKNOWN_KEY), then the signature
 * under a key with that id (BAD_SIGNATURE), whatever the key's status: the
 * status needs the pass's issue time, which only the database knows.
 * Sets *key to the key that verified. */
static int
redemption_token_signed(const struct keyset *keys, const uint8_t token[TOKEN_BYTES],
    const struct issuer_key **key, struct error *e)
{
	struct token t;
	enum token_result tr;

	if ((tr = token_decode(token, TOKEN_BYTES, &t)) != TOKEN_OK ||
	    (tr = token_verify(&t, keys, TOKEN_ISSUED_AT_UNKNOWN + 1, key)) != TOKEN_OK)
		return error_set(e, 422, token_result_code(tr), "not a valid pass: %s",
		    token_result_message(tr));
	return 0;
}

int
redemption_pass_check(struct db *db, const struct keyset *keys, struct redemption_pass *p,
    struct error *e)
{
	const struct issuer_key *key = NULL;
	struct token t;
	enum token_result tr;
	bool imported;

	if (p->has_token && redemption_token_signed(keys, p->token, &key, e) != 0)
		return -1;
	if (issuance_voucher_lookup(db, p->serial, &p->state, e) != 0) {
		if (e != NULL && e->status == 404)
			e->status = 422;
		return -1;
	}
	if (p->state.status == VOUCHER_PENDING)
		return error_set(e, 422, "UNKNOWN_VOUCHER", "no pass with this serial was issued");
	imported = takeover_token_is_placeholder(p->state.token);
	if (p->has_token && (imported ? !takeover_token_matches(p->state.token, p->token) :
	    sodium_memcmp(p->token, p->state.token, TOKEN_BYTES) != 0))
		return error_set(e, 422, "TOKEN_MISMATCH",
		    "this pass does not match the one issued with its number: it is forged");
	if (key != NULL) /* the same bytes as issued, already verified above */
		tr = token_key_allows(key, p->state.issued_at) ? TOKEN_OK : TOKEN_KEY_REVOKED;
	else if (imported) /* taken over: only the token's SHA-256 is here (docs/takeover.md) */
		tr = TOKEN_OK;
	else if ((tr = token_decode(p->state.token, TOKEN_BYTES, &t)) == TOKEN_OK)
		tr = token_verify(&t, keys, p->state.issued_at, NULL);
	if (tr != TOKEN_OK)
		return error_set(e, 422, token_result_code(tr), "not a valid pass: %s",
		    token_result_message(tr));
	return 0;
}

/* The refusal for a pass that is no longer 'issued'. */
static int
redemption_status_refusal(const struct redemption_pass *p, struct error *e)
{
	char code[CODE_TEXT_LEN + 1];

	code_format(p->serial, code);
	switch (p->state.status) {
	case VOUCHER_REDEEMED:
		return error_set(e, 409, "ALREADY_REDEEMED", "pass %s was already redeemed", code);
	case VOUCHER_REVOKED:
		return error_set(e, 410, "REVOKED", "pass %s was revoked (declared lost or stolen)", code);
	case VOUCHER_EXPIRED:
		return error_set(e, 410, "EXPIRED", "pass %s has expired", code);
	default:
		return error_set(e, 422, "UNKNOWN_VOUCHER", "pass %s was never issued", code);
	}
}

int
redemption_pass_usable(struct db *db, const struct redemption_pass *p,
    const struct campaign *c, const struct place *place, const struct service *service,
    int32_t day, char *reason, size_t reason_size, struct error *e)
{
	char text[256] = "", date[DATE_FORMAT_SIZE];
	const char *code = NULL;
	int32_t last;

	if (p->state.status != VOUCHER_ISSUED)
		return redemption_status_refusal(p, e);
	last = issuance_last_usable_day(&p->state, c->tolerance_days, c->valid_days_after_handout);
	if (day > last) {
		date_format(last, date);
		if (reason != NULL)
			snprintf(reason, reason_size, "Ce pass n'est plus valable (dernier jour : %s).", date);
		return error_set(e, 410, "EXPIRED", "this pass could be used until %s", date);
	}
	if (registry_campaign_accepts(db, c, place, service, day, &code, text, sizeof(text), e) != 0)
		return -1;
	if (code == NULL)
		return 0;
	if (reason != NULL)
		snprintf(reason, reason_size, "%s", text);
	return error_set(e, 403, code, "%s", text);
}

static int
redemption_serial_compare(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_SERIAL_BYTES);
}

void
redemption_request_hash(struct redemption_request *r)
{
	uint8_t serials[REDEMPTION_MAX_PASSES][TOKEN_SERIAL_BYTES];
	char hex[2 * TOKEN_SERIAL_BYTES + 1];
	struct hash_sha256_state st;

	for (size_t i = 0; i < r->count; i++)
		memcpy(serials[i], r->passes[i].serial, TOKEN_SERIAL_BYTES);
	qsort(serials, r->count, TOKEN_SERIAL_BYTES, redemption_serial_compare);
	hash_sha256_init(&st);
	hash_sha256_update(&st, (const uint8_t *)REDEMPTION_HASH_DOMAIN "\n",
	    strlen(REDEMPTION_HASH_DOMAIN) + 1);
	hash_sha256_update(&st, (const uint8_t *)r->service_code, strlen(r->service_code));
	hash_sha256_update(&st, (const uint8_t *)"\n", 1);
	for (size_t i = 0; i < r->count; i++) {
		sodium_bin2hex(hex, sizeof(hex), serials[i], TOKEN_SERIAL_BYTES);
		hex[2 * TOKEN_SERIAL_BYTES] = '\n';
		hash_sha256_update(&st, (const uint8_t *)hex, sizeof(hex));
	}
	hash_sha256_final(&st, r->request_hash);
}

/* What redemption_find_key compares and returns. */
struct redemption_key_ctx {
	const uint8_t *hash;
	bool *same;
	char **response;
};

/* Row (request_hash, response): sets *same, and *response to a malloc'd
 * copy of the stored answer. */
static int
redemption_key_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct redemption_key_ctx *c = ctx;
	uint8_t stored[32];

	(void)e;
	*c->same = db_row_blob(row, 0, stored, sizeof(stored)) == 0 &&
	    sodium_memcmp(stored, c->hash, sizeof(stored)) == 0;
	if ((*c->response = strdup(db_row_text_ptr(row, 1, NULL))) == NULL)
		abort();
	return 0;
}

int
redemption_find_key(struct db *db, int64_t place_id, const char *key, const uint8_t hash[32],
    bool *same, char **response, struct error *e)
{
	struct redemption_key_ctx c = { hash, same, response };

	*same = false;
	*response = NULL;
	return db_one(db, "SELECT request_hash, response FROM redemptions"
	    " WHERE place_id = ?1 AND idempotency_key = ?2",
	    DB_ARGS(DB_INT(place_id), DB_TEXT(key)), redemption_key_row, &c, e);
}

/* The place and its local date now. */
static int
redemption_place_today(struct db *db, int64_t place_id, int64_t now, struct place *place,
    int32_t *day, struct error *e)
{
	enum clock_tz tz;

	if (registry_place_get(db, place_id, place, e) != 0 ||
	    clock_tz_from_name(place->time_zone, &tz, e) != 0)
		return -1;
	*day = clock_local_day(now, tz);
	return 0;
}

int
redemption_prepare(struct db *db, const struct keyset *keys, struct redemption_request *r,
    int64_t now, struct error *e)
{
	struct campaign c;

	if (registry_service_find(db, r->service_code, &r->service, e) != 0)
		return -1;
	if (r->count != (size_t)r->service.passes)
		return error_set(e, 400, "WRONG_PASS_COUNT", "the service %s costs %d pass(es), not %zu",
		    r->service.code, r->service.passes, r->count);
	for (size_t i = 0; i < r->count; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(r->passes[i].serial, r->passes[j].serial, TOKEN_SERIAL_BYTES) == 0)
				return error_set(e, 400, "DUPLICATE_PASS", "the same pass is given twice");
	if (redemption_place_today(db, r->place_id, now, &r->place, &r->day, e) != 0)
		return -1;
	r->value_cents = 0;
	for (size_t i = 0; i < r->count; i++) {
		struct redemption_pass *p = &r->passes[i];
		if (redemption_pass_check(db, keys, p, e) != 0 ||
		    registry_campaign_get(db, p->state.campaign_id, &c, e) != 0 ||
		    redemption_pass_usable(db, p, &c, &r->place, &r->service, r->day, NULL, 0, e) != 0)
			return -1;
		if (money_add(r->value_cents, p->state.value_cents, &r->value_cents) != 0)
			return error_set(e, 400, "AMOUNT_OVERFLOW", "the passes' values overflow");
	}
	return 0;
}

/* A redemption's place, day and stored answer (malloc'd). */
struct redemption_stored {
	int64_t place_id;
	int32_t day;
	char *response;
};

static int
redemption_stored_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct redemption_stored *s = ctx;

	(void)e;
	s->place_id = db_row_int64(row, 0);
	s->day = (int32_t)db_row_int64(row, 1);
	if ((s->response = strdup(db_row_text_ptr(row, 2, NULL))) == NULL)
		abort();
	return 0;
}

/* The stored answer of redemption id (malloc'd), with its place and day; NULL
 * with e set when it is missing (500 STORE_ERROR) or on a store error. */
static char *
redemption_stored_response(struct db *db, int64_t id, int64_t *place_id, int32_t *day,
    struct error *e)
{
	struct redemption_stored s = { 0, 0, NULL };
	int rc = db_one(db, "SELECT place_id, day, response FROM redemptions WHERE id = ?1",
	    DB_ARGS(DB_INT(id)), redemption_stored_row, &s, e);

	if (rc == 0)
		error_set(e, 500, "STORE_ERROR", "redemption %lld is missing", (long long)id);
	if (rc == 1) {
		*place_id = s.place_id;
		*day = s.day;
	}
	return s.response;
}

json_t *
redemption_conflict(struct db *db, const uint8_t serial[TOKEN_SERIAL_BYTES], int64_t place_id,
    struct error *e)
{
	struct voucher_state v;
	char date[DATE_FORMAT_SIZE], *response;
	int64_t by = 0;
	int32_t day = 0;
	json_t *extra, *stored;

	if (issuance_voucher_lookup(db, serial, &v, e) != 0 || v.redemption_id == 0)
		return NULL;
	if ((response = redemption_stored_response(db, v.redemption_id, &by, &day, e)) == NULL)
		return NULL;
	date_format(day, date);
	extra = json_pack("{s:s, s:b}", "redeemed_on", date, "by_you", by == place_id);
	if (by == place_id && (stored = json_loads(response, 0, NULL)) != NULL)
		json_object_set_new(extra, "redemption", stored);
	free(response);
	return extra;
}

/* Re-reads every pass inside the write transaction: still 'issued'? */
static int
redemption_recheck(struct db *db, struct redemption_request *r, struct error *e)
{
	for (size_t i = 0; i < r->count; i++) {
		struct redemption_pass *p = &r->passes[i];
		if (issuance_voucher_lookup(db, p->serial, &p->state, e) != 0)
			return -1;
		if (p->state.status != VOUCHER_ISSUED)
			return redemption_status_refusal(p, e);
	}
	return 0;
}

/* Builds the "redeem" entry: each campaign's outstanding account debited by
 * the value of its passes, the payee credited with the total. */
static int
redemption_entry(const struct redemption_request *r, int64_t id, int64_t now,
    struct ledger_entry *entry, struct error *e)
{
	char hash[65];

	memset(entry, 0, sizeof(*entry));
	entry->time = now;
	snprintf(entry->kind, sizeof(entry->kind), "redeem");
	snprintf(entry->reference, sizeof(entry->reference), "redemption:%lld", (long long)id);
	sodium_bin2hex(hash, sizeof(hash), r->request_hash, sizeof(r->request_hash));
	snprintf(entry->memo, sizeof(entry->memo), "place:%lld service:%s passes:%zu request:%s",
	    (long long)r->place.id, r->service.code, r->count, hash);
	for (size_t i = 0; i < r->count; i++) {
		int64_t campaign = r->passes[i].state.campaign_id, sum = 0;
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || r->passes[j].state.campaign_id == campaign;
		if (seen)
			continue;
		for (size_t j = i; j < r->count; j++)
			if (r->passes[j].state.campaign_id == campaign)
				sum += r->passes[j].state.value_cents;
		if (ledger_post(entry, ACCOUNT_OUTSTANDING, campaign, sum, e) != 0)
			return -1;
	}
	return ledger_post(entry, ACCOUNT_PAYEE, r->place.payee_id, -r->value_cents, e);
}

/* The 201 body: the redemption and its signed receipt. */
static char *
redemption_response(const struct redemption_request *r, int64_t id, const struct receipt *rc)
{
	char date[DATE_FORMAT_SIZE], value[32], hash[65], hex[2 * TOKEN_SERIAL_BYTES + 1];
	uint8_t serials[REDEMPTION_MAX_PASSES][TOKEN_SERIAL_BYTES];
	json_t *vouchers = json_array(), *body;
	char *text;

	for (size_t i = 0; i < r->count; i++)
		memcpy(serials[i], r->passes[i].serial, TOKEN_SERIAL_BYTES);
	qsort(serials, r->count, TOKEN_SERIAL_BYTES, redemption_serial_compare);
	for (size_t i = 0; i < r->count; i++) {
		sodium_bin2hex(hex, sizeof(hex), serials[i], TOKEN_SERIAL_BYTES);
		json_array_append_new(vouchers, json_string(hex));
	}
	date_format(r->day, date);
	money_format(r->value_cents, value, sizeof(value));
	sodium_bin2hex(hash, sizeof(hash), r->request_hash, sizeof(r->request_hash));
	body = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:o, s:s, s:o}",
	    "id", (json_int_t)id, "place", (json_int_t)r->place.id, "service", r->service.code,
	    "day", date, "value_cents", (json_int_t)r->value_cents, "value", value,
	    "vouchers", vouchers, "request_hash", hash, "receipt", receipt_to_json(rc));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		abort();
	return text;
}

/* Stores the redemption row, its passes, and the passes' new status: one
 * INSERT, then per pass one INSERT and one UPDATE (409 ALREADY_REDEEMED
 * when the pass was no longer 'issued'). */
static int
redemption_store(struct db *db, const struct redemption_request *r, int64_t id, int64_t now,
    uint64_t seq, const char *response, struct error *e)
{
	if (db_run(db, "INSERT INTO redemptions (id, place_id, service_id, created_at, day,"
	    " value_cents, entry_seq, idempotency_key, request_hash, response)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    DB_ARGS(DB_INT(id), DB_INT(r->place.id), DB_INT(r->service.id), DB_INT(now),
	    DB_INT(r->day), DB_INT(r->value_cents), DB_INT(seq), DB_TEXT(r->idempotency_key),
	    DB_BLOB(r->request_hash, sizeof(r->request_hash)), DB_TEXT(response)), e) != 0)
		return -1;
	for (size_t i = 0; i < r->count; i++) {
		const uint8_t *serial = r->passes[i].serial;
		if (db_run(db, "INSERT INTO redemption_vouchers (redemption_id, serial)"
		    " VALUES (?1, ?2)", DB_ARGS(DB_INT(id), DB_BLOB(serial, TOKEN_SERIAL_BYTES)),
		    e) != 0 ||
		    db_run(db, "UPDATE vouchers SET status = 'redeemed', redemption_id = ?1,"
		    " changed_at = ?2 WHERE serial = ?3 AND status = 'issued'",
		    DB_ARGS(DB_INT(id), DB_INT(now), DB_BLOB(serial, TOKEN_SERIAL_BYTES)), e) != 0)
			return -1;
		if (db_changes(db) != 1)
			return error_set(e, 409, "ALREADY_REDEEMED", "a pass changed status meanwhile");
	}
	return 0;
}

/* The id of the next redemption: one more than the highest so far. */
static int
redemption_next_id(struct db *db, int64_t *id, struct error *e)
{
	return db_int64(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM redemptions", DB_NO_ARGS, id,
	    e) == 1 ? 0 : -1;
}

int
redemption_commit(struct db *db, struct redemption_request *r,
    const struct redemption_signer *signer, struct merkle_state *cache, int64_t now,
    struct redemption_outcome *out, struct error *e)
{
	struct ledger_entry entry;
	struct receipt receipt;
	bool same = false;
	int found;

	memset(out, 0, sizeof(*out));
	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	found = redemption_find_key(db, r->place_id, r->idempotency_key, r->request_hash, &same,
	    &out->response, e);
	if (found < 0)
		return -1;
	if (found && !same) {
		redemption_outcome_free(out);
		return error_set(e, 422, "IDEMPOTENCY_KEY_REUSED",
		    "this idempotency key was used for another request");
	}
	if (found) {
		out->replayed = true;
		return 0;
	}
	if (redemption_recheck(db, r, e) != 0 || redemption_next_id(db, &out->id, e) != 0 ||
	    redemption_entry(r, out->id, now, &entry, e) != 0 ||
	    ledger_append(db, &entry, cache, e) != 0)
		return -1;
	receipt_sign(&receipt, &entry, signer->secret, signer->key_id);
	out->response = redemption_response(r, out->id, &receipt);
	if (redemption_store(db, r, out->id, now, entry.seq, out->response, e) != 0) {
		redemption_outcome_free(out);
		return -1;
	}
	return 0;
}

void
redemption_outcome_free(struct redemption_outcome *out)
{
	free(out->response);
	out->response = NULL;
}

/* The redemption to cancel: its place, time, value, entry and passes. */
struct redemption_record {
	int64_t place_id, created_at, value_cents, cancelled_at;
	uint64_t entry_seq;
};

static int
redemption_record_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct redemption_record *rec = ctx;

	(void)e;
	rec->place_id = db_row_int64(row, 0);
	rec->created_at = db_row_int64(row, 1);
	rec->value_cents = db_row_int64(row, 2);
	rec->entry_seq = (uint64_t)db_row_int64(row, 3);
	rec->cancelled_at = db_row_int64(row, 4);
	return 0;
}

/* Reads redemption id into rec: 0, or -1 with e set (404 NO_REDEMPTION). */
static int
redemption_record_get(struct db *db, int64_t id, struct redemption_record *rec, struct error *e)
{
	int rc = db_one(db, "SELECT place_id, created_at, value_cents, entry_seq,"
	    " COALESCE(cancelled_at, 0) FROM redemptions WHERE id = ?1", DB_ARGS(DB_INT(id)),
	    redemption_record_row, rec, e);

	if (rc < 0)
		return -1;
	return rc == 1 ? 0 : error_set(e, 404, "NO_REDEMPTION", "no redemption %lld",
	    (long long)id);
}

/* Builds the "cancel" entry: the redemption's postings reversed. */
static int
redemption_cancel_entry(struct db *db, int64_t id, const struct redemption_record *rec,
    int64_t now, struct ledger_entry *entry, struct error *e)
{
	struct ledger_entry original;

	if (ledger_read(db, rec->entry_seq, &original, e) != 0)
		return -1;
	memset(entry, 0, sizeof(*entry));
	entry->time = now;
	snprintf(entry->kind, sizeof(entry->kind), "cancel");
	snprintf(entry->reference, sizeof(entry->reference), "redemption:%lld", (long long)id);
	snprintf(entry->memo, sizeof(entry->memo), "cancels entry %llu",
	    (unsigned long long)rec->entry_seq);
	entry->count = original.count;
	for (size_t i = 0; i < original.count; i++) {
		entry->postings[i] = original.postings[i];
		entry->postings[i].amount = -original.postings[i].amount;
	}
	return 0;
}

/* Puts the passes of redemption id back to 'issued' and marks it cancelled
 * (409 PASSES_CHANGED when one of them is no longer 'redeemed'). */
static int
redemption_cancel_store(struct db *db, int64_t id, int64_t now, uint64_t seq, struct error *e)
{
	int64_t passes, linked;

	if (db_run(db, "UPDATE vouchers SET status = 'issued', redemption_id = NULL,"
	    " changed_at = ?2 WHERE redemption_id = ?1 AND status = 'redeemed'",
	    DB_ARGS(DB_INT(id), DB_INT(now)), e) != 0)
		return -1;
	passes = db_changes(db);
	if (db_int64(db, "SELECT COUNT(*) FROM redemption_vouchers WHERE redemption_id = ?1",
	    DB_ARGS(DB_INT(id)), &linked, e) != 1)
		return -1;
	if (linked != passes)
		return error_set(e, 409, "PASSES_CHANGED", "the passes of this redemption changed status since");
	return db_run(db, "UPDATE redemptions SET cancelled_at = ?2, cancel_seq = ?3 WHERE id = ?1",
	    DB_ARGS(DB_INT(id), DB_INT(now), DB_INT(seq)), e);
}

int
redemption_cancel(struct db *db, int64_t place_id, int64_t id,
    const struct redemption_signer *signer, struct merkle_state *cache, int64_t now,
    struct redemption_outcome *out, struct error *e)
{
	struct redemption_record rec = { 0 };
	struct ledger_entry entry;
	struct receipt receipt;
	json_t *body;

	memset(out, 0, sizeof(*out));
	out->id = id;
	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (redemption_record_get(db, id, &rec, e) != 0)
		return -1;
	if (rec.place_id != place_id)
		return error_set(e, 404, "NO_REDEMPTION", "no redemption %lld", (long long)id);
	if (rec.cancelled_at != 0)
		return error_set(e, 409, "ALREADY_CANCELLED", "redemption %lld was already cancelled",
		    (long long)id);
	if (now - rec.created_at > REDEMPTION_CANCEL_SECONDS)
		return error_set(e, 403, "TOO_LATE_TO_CANCEL",
		    "a redemption can be cancelled only within 15 minutes");
	if (redemption_cancel_entry(db, id, &rec, now, &entry, e) != 0 ||
	    ledger_append(db, &entry, cache, e) != 0 ||
	    redemption_cancel_store(db, id, now, entry.seq, e) != 0)
		return -1;
	receipt_sign(&receipt, &entry, signer->secret, signer->key_id);
	body = json_pack("{s:I, s:b, s:o}", "id", (json_int_t)id, "cancelled", 1,
	    "receipt", receipt_to_json(&receipt));
	out->response = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (out->response == NULL)
		abort();
	return 0;
}

/* The caller's callback of redemption_list. */
struct redemption_list_ctx {
	int (*fn)(const struct redemption_row *row, void *ctx);
	void *ctx;
};

/* One row of redemption_list's query as a redemption_row, given to the
 * caller's fn (non-zero stops the list with -1). */
static int
redemption_list_row(const struct db_row *dbrow, void *ctx, struct error *e)
{
	struct redemption_list_ctx *c = ctx;
	struct redemption_row row;

	(void)e;
	memset(&row, 0, sizeof(row));
	row.id = db_row_int64(dbrow, 0);
	row.created_at = db_row_int64(dbrow, 1);
	row.value_cents = db_row_int64(dbrow, 2);
	row.cancelled_at = db_row_int64(dbrow, 3);
	row.day = (int32_t)db_row_int64(dbrow, 4);
	row.entry_seq = (uint64_t)db_row_int64(dbrow, 5);
	row.cancel_seq = (uint64_t)db_row_int64(dbrow, 6);
	(void)db_row_text(dbrow, 7, row.service_code, sizeof(row.service_code));
	row.passes = (size_t)db_row_int64(dbrow, 8);
	return c->fn(&row, c->ctx) != 0 ? -1 : 0;
}

int
redemption_list(struct db *db, int64_t place_id, int32_t from, int32_t to,
    int (*fn)(const struct redemption_row *row, void *ctx), void *ctx, struct error *e)
{
	struct redemption_list_ctx c = { fn, ctx };

	return db_each(db,
	    "SELECT r.id, r.created_at, r.value_cents, COALESCE(r.cancelled_at, 0), r.day,"
	    " r.entry_seq, COALESCE(r.cancel_seq, -1), s.code,"
	    " (SELECT COUNT(*) FROM redemption_vouchers v WHERE v.redemption_id = r.id)"
	    " FROM redemptions r JOIN services s ON s.id = r.service_id"
	    " WHERE r.place_id = ?1 AND r.day BETWEEN ?2 AND ?3 ORDER BY r.id",
	    DB_ARGS(DB_INT(place_id), DB_INT(from), DB_INT(to)), redemption_list_row, &c, e);
}

/* Adds to out the services the campaign pays for at place (offered there). */
struct redemption_services_ctx {
	struct db *db;
	struct redemption_lookup *out;
	const struct place *place;
	int32_t day;
};

static int
redemption_service_fits(const struct service *s, void *ctx)
{
	struct redemption_services_ctx *c = ctx;
	const char *code = NULL;
	char reason[8];

	if (c->out->service_count >= REGISTRY_LIST_MAX ||
	    registry_campaign_accepts(c->db, &c->out->campaign, c->place, s, c->day, &code, reason,
	    sizeof(reason), NULL) != 0 || code != NULL)
		return 0;
	c->out->services[c->out->service_count++] = *s;
	return 0;
}

int
redemption_lookup(struct db *db, const struct keyset *keys, struct redemption_pass *p,
    const struct place *place, int64_t now, struct redemption_lookup *out, struct error *e)
{
	struct redemption_services_ctx sc = { db, out, place, 0 };
	struct funder funder;
	struct error why;
	enum clock_tz tz = CLOCK_TZ_PARIS;

	memset(out, 0, sizeof(*out));
	if (redemption_pass_check(db, keys, p, e) != 0) {
		if (e == NULL || e->code == NULL || strcmp(e->code, "UNKNOWN_VOUCHER") != 0)
			return -1;
		out->status = "unknown";
		return 0;
	}
	out->state = p->state;
	if (registry_campaign_get(db, p->state.campaign_id, &out->campaign, e) != 0 ||
	    registry_funder_get(db, out->campaign.funder_id, &funder, e) != 0)
		return -1;
	snprintf(out->funder, sizeof(out->funder), "%s", funder.public_name);
	if (place != NULL && clock_tz_from_name(place->time_zone, &tz, e) != 0)
		return -1;
	sc.day = clock_local_day(now, tz);
	out->last_usable_day = issuance_last_usable_day(&p->state, out->campaign.tolerance_days,
	    out->campaign.valid_days_after_handout);
	static const char *const names[] = { "unknown", "valid", "redeemed", "revoked", "expired" };
	out->status = names[p->state.status];
	if (p->state.status == VOUCHER_ISSUED && sc.day > out->last_usable_day)
		out->status = "expired";
	if (place == NULL || strcmp(out->status, "valid") != 0)
		return 0;
	error_clear(&why);
	if (redemption_pass_usable(db, p, &out->campaign, place, NULL, sc.day, out->reason,
	    sizeof(out->reason), &why) != 0) {
		if (why.status >= 500) {
			if (e != NULL)
				*e = why;
			return -1;
		}
		out->refusal = why.code;
		return 0;
	}
	if (registry_service_list(db, redemption_service_fits, &sc, e) != 0)
		return -1;
	if (out->service_count == 0) {
		out->refusal = "NO_SERVICE_HERE";
		snprintf(out->reason, sizeof(out->reason),
		    "Ce lieu ne propose aucun service que ce pass peut payer.");
	}
	return 0;
}

int
redemption_payee_totals(struct db *db,
    int (*fn)(int64_t payee_id, int64_t cents, void *ctx), void *ctx, struct error *e)
{
	return db_each_int64_pair(db, "SELECT p.payee_id, SUM(r.value_cents) FROM redemptions r"
	    " JOIN places p ON p.id = r.place_id WHERE r.cancelled_at IS NULL"
	    " GROUP BY p.payee_id", fn, ctx, e);
}

/* The caller's callback of redemption_campaign_departments. */
struct redemption_departments_ctx {
	int (*fn)(const char *department, int64_t passes, int64_t cents, void *ctx);
	void *ctx;
};

/* Row (department, passes, cents) given to the caller's fn (non-zero stops
 * with -1). */
static int
redemption_department_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct redemption_departments_ctx *c = ctx;
	char department[8];

	(void)e;
	(void)db_row_text(row, 0, department, sizeof(department));
	return c->fn(department, db_row_int64(row, 1), db_row_int64(row, 2), c->ctx) != 0 ?
	    -1 : 0;
}

int
redemption_campaign_departments(struct db *db, int64_t campaign_id,
    int (*fn)(const char *department, int64_t passes, int64_t cents, void *ctx), void *ctx,
    struct error *e)
{
	struct redemption_departments_ctx c = { fn, ctx };

	return db_each(db,
	    "SELECT p.department, COUNT(*), SUM(v.value_cents) FROM redemption_vouchers rv"
	    " JOIN redemptions r ON r.id = rv.redemption_id AND r.cancelled_at IS NULL"
	    " JOIN vouchers v ON v.serial = rv.serial AND v.campaign_id = ?1"
	    " JOIN places p ON p.id = r.place_id GROUP BY p.department ORDER BY p.department",
	    DB_ARGS(DB_INT(campaign_id)), redemption_department_row, &c, e);
}
