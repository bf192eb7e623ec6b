/* POST /v1/redemptions/{id}/cancel (place): the place that made redemption
 * id undoes it within 15 minutes: a reversing ledger entry "cancel", the
 * passes valid again. 200 with the cancellation's receipt. Runs on the
 * writer like a redemption. */
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "handlers.h"
#include "redemption.h"
#include "request.h"
#include "writer.h"

struct h_cancel_job {
	struct writer_job job;
	int64_t place_id, id;
	struct redemption_outcome out;
};

static int
h_cancel_work(struct db *db, const struct writer_context *w, struct writer_job *job,
    struct error *e)
{
	struct h_cancel_job *j = (struct h_cancel_job *)job;
	struct redemption_signer signer = { w->ledger_secret, { 0 } };

	memcpy(signer.key_id, w->ledger_key_id, sizeof(signer.key_id));
	return redemption_cancel(db, j->place_id, j->id, &signer, w->cache, w->now, &j->out, e);
}

static void
h_cancel_done(struct writer_job *job, int rc, const struct error *e)
{
	struct h_cancel_job *j = (struct h_cancel_job *)job;

	if (rc == 0)
		reply_raw(job->req, 200, "application/json", j->out.response, strlen(j->out.response));
	else
		reply_from_error(job->req, e);
	redemption_outcome_free(&j->out);
	free(j);
}

void
h_redemption_cancel(struct request *req)
{
	struct h_cancel_job *j;
	char *end;
	long long id = strtoll(req->params[0], &end, 10);

	if (*end != '\0' || id <= 0) {
		reply_error(req, 404, "NO_REDEMPTION", "no redemption %s", req->params[0]);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		abort();
	j->place_id = req->bearer.subject_id;
	j->id = id;
	j->job.req = req;
	j->job.work = h_cancel_work;
	j->job.done = h_cancel_done;
	writer_submit(req->daemon->writer, &j->job);
}
