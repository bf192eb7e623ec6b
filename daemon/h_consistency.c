/* GET /v1/ledger/consistency?from=&to= (no auth): the RFC 9162 consistency
 * proof between two tree sizes, with both roots (hashes only). */
#include <sodium.h>
#include "handlers.h"
#include "ledger.h"
#include "request.h"

void
h_consistency(struct request *req)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], r1[MERKLE_HASH_SIZE], r2[MERKLE_HASH_SIZE];
	char h1[2 * MERKLE_HASH_SIZE + 1], h2[2 * MERKLE_HASH_SIZE + 1];
	struct db *db = req->db;
	uint64_t from = 0, to = 0, ledger;
	bool has_from, has_to;
	size_t count = 0;
	struct error e;

	if (request_query_u64(req, "from", &from, &has_from) != 0 ||
	    request_query_u64(req, "to", &to, &has_to) != 0)
		return;
	if (!has_from || !has_to) {
		reply_error(req, 400, "BAD_PARAMETER", "give both from and to");
		return;
	}
	if (ledger_size(db, &ledger, &e) != 0) {
		reply_error(req, 503, "STORE_UNAVAILABLE", "the database does not answer");
		return;
	}
	if (from < 1 || from > to || to > ledger) {
		reply_error(req, 400, "BAD_SIZE", "need 1 <= from <= to <= %llu",
		    (unsigned long long)ledger);
		return;
	}
	if (ledger_consistency_proof(db, from, to, proof, &count, &e) != 0 ||
	    ledger_root(db, from, r1, &e) != 0 || ledger_root(db, to, r2, &e) != 0) {
		reply_error(req, 503, "STORE_UNAVAILABLE", "cannot read the tree");
		return;
	}
	sodium_bin2hex(h1, sizeof(h1), r1, sizeof(r1));
	sodium_bin2hex(h2, sizeof(h2), r2, sizeof(r2));
	reply_json(req, 200, json_pack("{s:I, s:I, s:s, s:s, s:o}", "from", (json_int_t)from,
	    "to", (json_int_t)to, "from_root", h1, "to_root", h2, "proof", ledger_proof_json(proof, count)));
}
