/* GET /v1/ledger/proof/{seq}?size=N (no auth): the inclusion proof of entry
 * seq in the tree of size N — hashes only, never the entry — with the same
 * members as `passnum ledger proof`: seq, size, leaf_hash, root, proof.
 * Without size, the oldest checkpoint covering seq is used and returned
 * with the proof as "checkpoint" (404 NO_CHECKPOINT until one covers it). */
#include <stdlib.h>
#include <sodium.h>
#include "checkpoint.h"
#include "handlers.h"
#include "ledger.h"
#include "request.h"

void
h_proof(struct request *req)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], leaf[MERKLE_HASH_SIZE],
	    root[MERKLE_HASH_SIZE];
	char hex[2 * MERKLE_HASH_SIZE + 1], root_hex[2 * MERKLE_HASH_SIZE + 1];
	struct db *db = req->db;
	struct checkpoint cp;
	uint64_t seq, size = 0, ledger;
	size_t count = 0;
	bool given;
	struct error e;
	json_t *body;

	if (request_parse_u64(req->params[0], &seq) != 0) {
		reply_error(req, 400, "BAD_PARAMETER",
		    "the sequence number must be a non-negative integer below 2^64");
		return;
	}
	if (request_query_u64(req, "size", &size, &given) != 0)
		return;
	if (ledger_size(db, &ledger, &e) != 0) {
		reply_error(req, 503, "STORE_UNAVAILABLE", "the database does not answer");
		return;
	}
	if (seq >= ledger) {
		reply_error(req, 404, "NO_ENTRY", "there is no entry %llu", (unsigned long long)seq);
		return;
	}
	if (!given && checkpoint_covering(db, seq + 1, &cp, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	if (!given)
		size = cp.size;
	if (size <= seq || size > ledger) {
		reply_error(req, 400, "BAD_SIZE", "size must be above %llu and at most %llu",
		    (unsigned long long)seq, (unsigned long long)ledger);
		return;
	}
	if (ledger_node_get(db, 0, seq, leaf) != 0 ||
	    ledger_inclusion_proof(db, seq, size, proof, &count, &e) != 0 ||
	    ledger_root(db, size, root, &e) != 0) {
		reply_error(req, 503, "STORE_UNAVAILABLE", "cannot read the tree");
		return;
	}
	sodium_bin2hex(hex, sizeof(hex), leaf, sizeof(leaf));
	sodium_bin2hex(root_hex, sizeof(root_hex), root, sizeof(root));
	body = json_pack("{s:I, s:I, s:s, s:s, s:o}", "seq", (json_int_t)seq, "size",
	    (json_int_t)size, "leaf_hash", hex, "root", root_hex, "proof",
	    ledger_proof_json(proof, count));
	if (!given)
		json_object_set_new(body, "checkpoint", json_string(cp.note));
	reply_json(req, 200, body);
}
