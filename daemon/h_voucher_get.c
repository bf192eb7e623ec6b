/* GET /v1/vouchers/{code} (place | admin): what POST /v1/vouchers/lookup
 * says, for a human code (tokens go by POST: their alphabet is not
 * path-safe). */
#include <string.h>
#include "handlers.h"
#include "request.h"

void
h_voucher_get(struct request *req)
{
	h_voucher_answer(req, req->params[0], strlen(req->params[0]));
}
