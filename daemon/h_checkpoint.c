/* GET /v1/ledger/checkpoint (no auth): the latest signed checkpoint, a C2SP
 * signed note (text/plain). 404 NO_CHECKPOINT before the first one. */
#include <string.h>
#include "checkpoint.h"
#include "handlers.h"
#include "request.h"

void
h_checkpoint(struct request *req)
{
	struct checkpoint cp;
	struct error e;

	if (checkpoint_latest(req->db, &cp, &e) != 0) {
		reply_from_error(req, &e);
		return;
	}
	reply_raw(req, 200, "text/plain; charset=utf-8", cp.note, strlen(cp.note));
}
