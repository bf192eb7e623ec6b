/* GET /v1/funders/{id}/audit (funder: its own; admin: any): the funder's
 * audit pack (lib/audit_pack.c, docs/ledger.md "Audit packs") as of the
 * latest checkpoint, jsonl (application/x-ndjson): its own entries in full
 * with inclusion proofs, its campaigns' redemptions aggregated by month,
 * the checkpoints and the consistency proofs between them. 404 NO_FUNDER,
 * 404 NO_CHECKPOINT before the first checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include "audit_pack.h"
#include "handlers.h"
#include "request.h"

void
h_funder_audit(struct request *req)
{
	struct error e;
	char *end, *text = NULL;
	size_t len = 0;
	long long id = strtoll(req->params[0], &end, 10);
	FILE *out;
	int rc;

	error_clear(&e);
	if (*req->params[0] < '1' || *req->params[0] > '9' || *end != '\0' || id <= 0) {
		reply_error(req, 404, "NO_FUNDER", "no funder %s", req->params[0]);
		return;
	}
	if (req->bearer.role == ROLE_FUNDER && req->bearer.subject_id != id) {
		reply_error(req, 403, "NOT_YOURS", "a funder sees only its own audit pack");
		return;
	}
	if ((out = open_memstream(&text, &len)) == NULL) {
		reply_error(req, 500, "WRITE_FAILED", "cannot write the audit pack");
		return;
	}
	rc = audit_pack_write(req->db, id, out, NULL, &e);
	if (fclose(out) != 0 && rc == 0)
		rc = error_set(&e, 500, "WRITE_FAILED", "cannot write the audit pack");
	if (rc != 0)
		reply_from_error(req, &e);
	else
		reply_raw(req, 200, "application/x-ndjson", text, len);
	free(text);
}
