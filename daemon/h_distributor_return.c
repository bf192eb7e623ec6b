/* POST /v1/distributors/me/returns (distributor): a booklet of its stock,
 * never handed out, goes back to the operator — {"booklet": N, "reason":
 * "unused" | "lost"} (a lost one the operator may then revoke). 200 with
 * the booklet; refusals 403 NOT_YOURS, 409 BOOKLET_HANDED_OUT (a booklet
 * handed to a person never comes back), 400 BAD_REASON, 404
 * UNKNOWN_BOOKLET. One writer job (lib/issuance_stock.c). */
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "handlers.h"
#include "issuance.h"
#include "request.h"
#include "writer.h"

struct h_return_job {
	struct writer_job job;
	int64_t distributor_id, booklet_id;
	char reason[8];
};

static int
h_return_work(struct db *db, const struct writer_context *w, struct writer_job *job,
    struct error *e)
{
	struct h_return_job *j = (struct h_return_job *)job;

	return issuance_distributor_return(db, j->distributor_id, j->booklet_id, j->reason, w->now, e);
}

static void
h_return_done(struct writer_job *job, int rc, const struct error *e)
{
	struct h_return_job *j = (struct h_return_job *)job;

	if (rc == 0)
		reply_json(job->req, 200, json_pack("{s:I, s:s, s:s}", "booklet",
		    (json_int_t)j->booklet_id, "reason", j->reason, "status", "returned"));
	else
		reply_from_error(job->req, e);
	free(j);
}

void
h_distributor_return(struct request *req)
{
	json_t *booklet = json_object_get(req->json, "booklet");
	const char *reason = json_string_value(json_object_get(req->json, "reason"));
	struct h_return_job *j;

	if (!json_is_object(req->json) || !json_is_integer(booklet) ||
	    json_integer_value(booklet) < 1 || json_integer_value(booklet) > ((json_int_t)1 << 53)) {
		reply_error(req, 400, "BAD_REQUEST", "send {\"booklet\": N, \"reason\": \"unused\" or"
		    " \"lost\"}");
		return;
	}
	if (reason == NULL || (strcmp(reason, "unused") != 0 && strcmp(reason, "lost") != 0)) {
		reply_error(req, 400, "BAD_REASON", "reason is \"unused\" or \"lost\"");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		abort();
	j->distributor_id = req->bearer.subject_id;
	j->booklet_id = json_integer_value(booklet);
	strcpy(j->reason, reason);
	j->job.req = req;
	j->job.work = h_return_work;
	j->job.done = h_return_done;
	writer_submit(req->daemon->writer, &j->job);
}
