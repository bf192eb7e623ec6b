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
#include "redemption.h"

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

int
redemption_pass_check(struct db *db, const struct keyset *keys, struct redemption_pass *p,
    struct error *e)
{
	struct token t;
	enum token_result tr;

	if (issuance_voucher_lookup(db, p->serial, &p->state, e) != 0) {
		if (e != NULL && e->status == 404)
			e->status = 422;
		return -1;
	}
	if (p->state.status == VOUCHER_PENDING)
		return error_set(e, 422, "UNKNOWN_VOUCHER", "no pass with this serial was issued");
	if (p->has_token && sodium_memcmp(p->token, p->state.token, TOKEN_BYTES) != 0)
		return error_set(e, 422, "TOKEN_MISMATCH",
		    "this pass does not match the one issued with its number: it is forged");
	if ((tr = token_decode(p->state.token, TOKEN_BYTES, &t)) != TOKEN_OK ||
	    (tr = token_verify(&t, keys, p->state.issued_at, NULL)) != TOKEN_OK)
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
	crypto_hash_sha256_state st;

	for (size_t i = 0; i < r->count; i++)
		memcpy(serials[i], r->passes[i].serial, TOKEN_SERIAL_BYTES);
	qsort(serials, r->count, TOKEN_SERIAL_BYTES, redemption_serial_compare);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)REDEMPTION_HASH_DOMAIN "\n",
	    strlen(REDEMPTION_HASH_DOMAIN) + 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)r->service_code, strlen(r->service_code));
	crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
	for (size_t i = 0; i < r->count; i++) {
		sodium_bin2hex(hex, sizeof(hex), serials[i], TOKEN_SERIAL_BYTES);
		hex[2 * TOKEN_SERIAL_BYTES] = '\n';
		crypto_hash_sha256_update(&st, (const uint8_t *)hex, sizeof(hex));
	}
	crypto_hash_sha256_final(&st, r->request_hash);
}

int
redemption_find_key(struct db *db, int64_t place_id, const char *key, const uint8_t hash[32],
    bool *same, char **response, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT request_hash, response FROM redemptions"
	    " WHERE place_id = ?1 AND idempotency_key = ?2");
	uint8_t stored[32];
	int rc;

	*same = false;
	*response = NULL;
	sqlite3_bind_int64(stmt, 1, place_id);
	sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
	if ((rc = db_step(db, stmt, e)) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return rc < 0 ? -1 : 0;
	}
	*same = db_column_blob(stmt, 0, stored, sizeof(stored)) == 0 &&
	    sodium_memcmp(stored, hash, sizeof(stored)) == 0;
	if ((*response = strdup((const char *)sqlite3_column_text(stmt, 1))) == NULL)
		abort();
	sqlite3_reset(stmt);
	return 1;
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

/* The stored answer of redemption id (malloc'd), NULL when none. */
static char *
redemption_stored_response(struct db *db, int64_t id, int64_t *place_id, int32_t *day,
    struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT place_id, day, response FROM redemptions WHERE id = ?1");
	char *response = NULL;
	int rc;

	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = db_step(db, stmt, e)) == SQLITE_ROW) {
		*place_id = sqlite3_column_int64(stmt, 0);
		*day = sqlite3_column_int(stmt, 1);
		if ((response = strdup((const char *)sqlite3_column_text(stmt, 2))) == NULL)
			abort();
	} else if (rc == SQLITE_DONE)
		error_set(e, 500, "STORE_ERROR", "redemption %lld is missing", (long long)id);
	sqlite3_reset(stmt);
	return response;
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

/* Stores the redemption row, its passes, and the passes' new status. */
static int
redemption_store(struct db *db, const struct redemption_request *r, int64_t id, int64_t now,
    uint64_t seq, const char *response, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "INSERT INTO redemptions (id, place_id, service_id, created_at, day, value_cents,"
	    " entry_seq, idempotency_key, request_hash, response)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");

	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, r->place.id);
	sqlite3_bind_int64(stmt, 3, r->service.id);
	sqlite3_bind_int64(stmt, 4, now);
	sqlite3_bind_int(stmt, 5, r->day);
	sqlite3_bind_int64(stmt, 6, r->value_cents);
	sqlite3_bind_int64(stmt, 7, (int64_t)seq);
	sqlite3_bind_text(stmt, 8, r->idempotency_key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 9, r->request_hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, response, -1, SQLITE_STATIC);
	if (db_exec_stmt(db, stmt, e) != 0)
		return -1;
	for (size_t i = 0; i < r->count; i++) {
		stmt = db_prepare(db, "INSERT INTO redemption_vouchers (redemption_id, serial)"
		    " VALUES (?1, ?2)");
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_blob(stmt, 2, r->passes[i].serial, TOKEN_SERIAL_BYTES, SQLITE_STATIC);
		if (db_exec_stmt(db, stmt, e) != 0)
			return -1;
		stmt = db_prepare(db, "UPDATE vouchers SET status = 'redeemed', redemption_id = ?1,"
		    " changed_at = ?2 WHERE serial = ?3 AND status = 'issued'");
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, now);
		sqlite3_bind_blob(stmt, 3, r->passes[i].serial, TOKEN_SERIAL_BYTES, SQLITE_STATIC);
		if (db_exec_stmt(db, stmt, e) != 0)
			return -1;
		if (sqlite3_changes(db_handle(db)) != 1)
			return error_set(e, 409, "ALREADY_REDEEMED", "a pass changed status meanwhile");
	}
	return 0;
}

static int
redemption_next_id(struct db *db, int64_t *id, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM redemptions");
	int rc = db_step(db, stmt, e);

	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 0 : -1;
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
redemption_record_get(struct db *db, int64_t id, struct redemption_record *rec, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT place_id, created_at, value_cents, entry_seq,"
	    " COALESCE(cancelled_at, 0) FROM redemptions WHERE id = ?1");
	int rc;

	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = db_step(db, stmt, e)) == SQLITE_ROW) {
		rec->place_id = sqlite3_column_int64(stmt, 0);
		rec->created_at = sqlite3_column_int64(stmt, 1);
		rec->value_cents = sqlite3_column_int64(stmt, 2);
		rec->entry_seq = (uint64_t)sqlite3_column_int64(stmt, 3);
		rec->cancelled_at = sqlite3_column_int64(stmt, 4);
	}
	sqlite3_reset(stmt);
	if (rc < 0)
		return -1;
	return rc == SQLITE_ROW ? 0 : error_set(e, 404, "NO_REDEMPTION", "no redemption %lld",
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

/* Puts the passes of redemption id back to 'issued' and marks it cancelled. */
static int
redemption_cancel_store(struct db *db, int64_t id, int64_t now, uint64_t seq, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db, "UPDATE vouchers SET status = 'issued',"
	    " redemption_id = NULL, changed_at = ?2 WHERE redemption_id = ?1 AND status = 'redeemed'");
	int64_t passes;

	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	if (db_exec_stmt(db, stmt, e) != 0)
		return -1;
	passes = sqlite3_changes(db_handle(db));
	stmt = db_prepare(db, "SELECT COUNT(*) FROM redemption_vouchers WHERE redemption_id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	if (db_step(db, stmt, e) != SQLITE_ROW)
		return -1;
	if (sqlite3_column_int64(stmt, 0) != passes) {
		sqlite3_reset(stmt);
		return error_set(e, 409, "PASSES_CHANGED", "the passes of this redemption changed status since");
	}
	sqlite3_reset(stmt);
	stmt = db_prepare(db, "UPDATE redemptions SET cancelled_at = ?2, cancel_seq = ?3 WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int64(stmt, 3, (int64_t)seq);
	return db_exec_stmt(db, stmt, e);
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

int
redemption_list(struct db *db, int64_t place_id, int32_t from, int32_t to,
    int (*fn)(const struct redemption_row *row, void *ctx), void *ctx, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT r.id, r.created_at, r.value_cents, COALESCE(r.cancelled_at, 0), r.day,"
	    " r.entry_seq, COALESCE(r.cancel_seq, -1), s.code,"
	    " (SELECT COUNT(*) FROM redemption_vouchers v WHERE v.redemption_id = r.id)"
	    " FROM redemptions r JOIN services s ON s.id = r.service_id"
	    " WHERE r.place_id = ?1 AND r.day BETWEEN ?2 AND ?3 ORDER BY r.id");
	struct redemption_row row;
	int rc;

	sqlite3_bind_int64(stmt, 1, place_id);
	sqlite3_bind_int(stmt, 2, from);
	sqlite3_bind_int(stmt, 3, to);
	while ((rc = db_step(db, stmt, e)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.id = sqlite3_column_int64(stmt, 0);
		row.created_at = sqlite3_column_int64(stmt, 1);
		row.value_cents = sqlite3_column_int64(stmt, 2);
		row.cancelled_at = sqlite3_column_int64(stmt, 3);
		row.day = sqlite3_column_int(stmt, 4);
		row.entry_seq = (uint64_t)sqlite3_column_int64(stmt, 5);
		row.cancel_seq = (uint64_t)sqlite3_column_int64(stmt, 6);
		db_column_text(stmt, 7, row.service_code, sizeof(row.service_code));
		row.passes = (size_t)sqlite3_column_int64(stmt, 8);
		if (fn(&row, ctx) != 0) {
			sqlite3_reset(stmt);
			return -1;
		}
	}
	sqlite3_reset(stmt);
	return rc < 0 ? -1 : 0;
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

int
redemption_campaign_departments(struct db *db, int64_t campaign_id,
    int (*fn)(const char *department, int64_t passes, int64_t cents, void *ctx), void *ctx,
    struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT p.department, COUNT(*), SUM(v.value_cents) FROM redemption_vouchers rv"
	    " JOIN redemptions r ON r.id = rv.redemption_id AND r.cancelled_at IS NULL"
	    " JOIN vouchers v ON v.serial = rv.serial AND v.campaign_id = ?1"
	    " JOIN places p ON p.id = r.place_id GROUP BY p.department ORDER BY p.department");
	char department[8];
	int rc;

	sqlite3_bind_int64(stmt, 1, campaign_id);
	while ((rc = db_step(db, stmt, e)) == SQLITE_ROW) {
		db_column_text(stmt, 0, department, sizeof(department));
		if (fn(department, sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2),
		    ctx) != 0) {
			sqlite3_reset(stmt);
			return -1;
		}
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}
