/* GET /v1/ledger/checkpoint (no auth): the latest signed checkpoint, a C2SP
 * signed note (text/plain): the ledger key's signature, then the
 * cosignatures (C2SP cosignature/v1) that the configured witnesses have
 * returned for this very checkpoint so far (none until they answer). 404
 * NO_CHECKPOINT before the first one. */
#include <string.h>
#include "checkpoint.h"
#include "daemon.h"
#include "handlers.h"
#include "request.h"
#include "witness_client.h"

void
h_checkpoint(struct request *req)
{
	char note[NOTE_MAX_BYTES + 1];
	struct checkpoint cp;
	struct error e;
	size_t len;

	if (checkpoint_latest(req->db, &cp, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	len = strlen(cp.note);
	memcpy(note, cp.note, len + 1);
	len += witness_client_cosignatures(req->daemon->witnesses, cp.size, cp.root, note + len,
	    sizeof(note) - len);
	reply_raw(req, 200, "text/plain; charset=utf-8", note, len);
}
