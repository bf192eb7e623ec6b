/* POST /v1/distributors/me/handouts (distributor): a booklet of its stock
 * is handed to a person — {"booklet": N} or {"pass": any pass of it, QR
 * text or printed code}, and "day": "YYYY-MM-DD" (default today, Europe/
 * Paris; never after today nor before the delivery). Only booklet,
 * distributor and day are kept, never who. 201 with the booklet; refusals
 * 403 NOT_YOURS, 409 ALREADY_HANDED_OUT, CAMPAIGN_ENDED, BOOKLET_NOT_USABLE,
 * 400 BAD_DATE, 404 UNKNOWN_BOOKLET / UNKNOWN_VOUCHER, 422 for a pass that
 * cannot be read. One writer job (lib/issuance_stock.c). */
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "daemon.h"
#include "handlers.h"
#include "issuance.h"
#include "redemption.h"
#include "request.h"
#include "writer.h"

struct h_handout_job {
	struct writer_job job;
	int64_t distributor_id, booklet_id;
	bool by_pass;
	uint8_t serial[TOKEN_SERIAL_BYTES];
	int32_t day;
	struct booklet_info b;
};

static int
h_handout_work(struct db *db, const struct writer_context *w, struct writer_job *job,
    struct error *e)
{
	struct h_handout_job *j = (struct h_handout_job *)job;

	if (j->by_pass && issuance_booklet_of_serial(db, j->serial, &j->booklet_id, e) != 0)
		return -1;
	return issuance_distributor_handout(db, j->distributor_id, j->booklet_id, j->day, w->now,
	    &j->b, e);
}

static void
h_handout_done(struct writer_job *job, int rc, const struct error *e)
{
	struct h_handout_job *j = (struct h_handout_job *)job;
	char day[DATE_FORMAT_SIZE];

	if (rc == 0) {
		date_format(j->day, day);
		reply_json(job->req, 201, json_pack("{s:I, s:I, s:i, s:s, s:s}", "booklet",
		    (json_int_t)j->b.id, "campaign_id", (json_int_t)j->b.campaign_id, "size",
		    j->b.size, "day", day, "status", j->b.status));
	} else {
		reply_from_error(job->req, e);
	}
	free(j);
}

/* The booklet number of the body: a JSON integer 1 .. 2^53. */
static int
h_handout_booklet(json_t *v, int64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > ((json_int_t)1 << 53))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

void
h_distributor_handout(struct request *req)
{
	json_t *booklet = json_object_get(req->json, "booklet");
	json_t *pass = json_object_get(req->json, "pass");
	json_t *day = json_object_get(req->json, "day");
	struct h_handout_job *j;
	struct redemption_pass p;
	struct error e;

	error_clear(&e);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		abort();
	j->distributor_id = req->bearer.subject_id;
	j->day = clock_today(CLOCK_TZ_PARIS);
	if (!json_is_object(req->json) || (booklet == NULL) == (pass == NULL) ||
	    (booklet != NULL && h_handout_booklet(booklet, &j->booklet_id) != 0) ||
	    (pass != NULL && (!json_is_string(pass) || json_string_length(pass) > 512)) ||
	    (day != NULL && !json_is_string(day))) {
		free(j);
		reply_error(req, 400, "BAD_REQUEST", "send {\"booklet\": N} or {\"pass\": TEXT},"
		    " and \"day\": \"YYYY-MM-DD\" if not today");
		return;
	}
	if ((day != NULL && date_parse(json_string_value(day), &j->day, &e) != 0) ||
	    (pass != NULL && redemption_pass_read(json_string_value(pass), json_string_length(pass),
	    &p, &e) != 0)) {
		free(j);
		reply_from_error(req, &e);
		return;
	}
	if (day != NULL && j->day > clock_today(CLOCK_TZ_PARIS)) {
		free(j);
		reply_error(req, 400, "BAD_DATE", "the hand-out date is in the future");
		return;
	}
	if (pass != NULL) {
		j->by_pass = true;
		memcpy(j->serial, p.serial, sizeof(j->serial));
	}
	j->job.req = req;
	j->job.work = h_handout_work;
	j->job.done = h_handout_done;
	writer_submit(req->daemon->writer, &j->job);
}
