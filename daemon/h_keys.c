/* GET /v1/keys (no auth): the issuer keys (BLAKE2b key ids, status) and the
 * ledger keys (signed-note key id and verifier key, the log origin), each
 * with its public key, so anyone can check passes, checkpoints and receipts. */
#include <sodium.h>
#include "clock.h"
#include "handlers.h"
#include "home.h"
#include "keys.h"
#include "note.h"
#include "request.h"

struct h_keys_ctx {
	json_t *issuers, *ledger;
	const char *origin;
};

static int
h_keys_add(const struct key_info *key, void *arg)
{
	static const char *const status[] = { "active", "retired", "revoked" };
	struct h_keys_ctx *ctx = arg;
	char pub[65], kid[9], created[CLOCK_INSTANT_SIZE], vkey[NOTE_VKEY_MAX];
	json_t *k;

	sodium_bin2hex(pub, sizeof(pub), key->public_key, 32);
	keys_id_hex(key->key_id, kid);
	clock_instant_format(key->created_at, created);
	k = json_pack("{s:s, s:s, s:s, s:s}", "key_id", kid, "public_key", pub,
	    "status", status[key->status], "created_at", created);
	if (key->status == KEY_REVOKED) {
		clock_instant_format(key->compromised_at, created);
		json_object_set_new(k, "compromised_at", json_string(created));
	}
	if (key->kind == KEY_ISSUER) {
		json_array_append_new(ctx->issuers, k);
		return 0;
	}
	if (note_vkey_format(ctx->origin, key->public_key, vkey) == 0)
		json_object_set_new(k, "vkey", json_string(vkey));
	json_object_set_new(k, "origin", json_string(ctx->origin));
	json_array_append_new(ctx->ledger, k);
	return 0;
}

void
h_keys(struct request *req)
{
	struct db *db = req->db;
	struct operator_info op;
	struct h_keys_ctx ctx = { json_array(), json_array(), op.origin };
	struct error e;

	if (home_operator(db, &op, &e) != 0 || keys_list(db, h_keys_add, &ctx, &e) != 0) {
		json_decref(ctx.issuers);
		json_decref(ctx.ledger);
		reply_error(req, 503, "STORE_UNAVAILABLE", "the database does not answer");
		return;
	}
	reply_json(req, 200, json_pack("{s:s, s:o, s:o}", "origin", op.origin, "issuer_keys", ctx.issuers,
	    "ledger_keys", ctx.ledger));
}
