/* POST /v1/redemptions (place): {"vouchers": [token-or-code, ...],
 * "service": CODE, "idempotency_key": "..."} -> 201 with the signed receipt.
 * Reads the body, decodes the passes, answers a replay from the stored
 * answer, runs the read-only checks here (any worker thread), then hands the
 * request to the writer, which re-checks and commits it with others. */
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "daemon.h"
#include "handlers.h"
#include "metrics.h"
#include "redemption.h"
#include "utf8.h"
#include "request.h"
#include "store.h"
#include "writer.h"

struct h_redemption_job {
	struct writer_job job;
	struct redemption_request r;
	struct redemption_outcome out;
	json_t *conflict; /* the 409's extra members, when the writer found one */
};

/* Reads the body's fields into r; on a refusal sets the reply. */
/* Whether key is 1 to REDEMPTION_KEY_MAX characters of valid UTF-8 (the
 * schema's length() counts characters too). */
static bool
h_redemption_key_ok(const char *key)
{
	size_t len = key != NULL ? strlen(key) : 0, characters = 0;

	if (len == 0 || len > 4 * REDEMPTION_KEY_MAX || !utf8_valid(key, len))
		return false;
	for (size_t i = 0; i < len; i++)
		characters += ((unsigned char)key[i] & 0xC0) != 0x80;
	return characters <= REDEMPTION_KEY_MAX;
}

static int
h_redemption_parse_or_reply(struct request *req, struct redemption_request *r)
{
	json_t *vouchers = json_object_get(req->json, "vouchers"), *v;
	const char *service = json_string_value(json_object_get(req->json, "service"));
	const char *key = json_string_value(json_object_get(req->json, "idempotency_key"));
	struct error e;
	size_t i;

	if (req->json == NULL || !json_is_array(vouchers) || json_array_size(vouchers) == 0 ||
	    json_array_size(vouchers) > REDEMPTION_MAX_PASSES || service == NULL ||
	    strlen(service) == 0 || strlen(service) >= sizeof(r->service_code)) {
		reply_error(req, 400, "BAD_REQUEST",
		    "expected {\"vouchers\": [1 to %d passes], \"service\": CODE, \"idempotency_key\": KEY}",
		    REDEMPTION_MAX_PASSES);
		return -1;
	}
	if (!h_redemption_key_ok(key)) {
		reply_error(req, 400, "BAD_IDEMPOTENCY_KEY", "idempotency_key must be 1 to %d characters of UTF-8",
		    REDEMPTION_KEY_MAX);
		return -1;
	}
	r->place_id = req->bearer.subject_id;
	snprintf(r->service_code, sizeof(r->service_code), "%s", service);
	snprintf(r->idempotency_key, sizeof(r->idempotency_key), "%s", key);
	json_array_foreach(vouchers, i, v) {
		if (!json_is_string(v) || json_string_length(v) > 512) {
			reply_error(req, 400, "BAD_REQUEST", "each voucher must be a token or a code (text)");
			return -1;
		}
		if (redemption_pass_read(json_string_value(v), json_string_length(v), &r->passes[i], &e) != 0) {
			reply_from_error(req, &e);
			return -1;
		}
	}
	r->count = json_array_size(vouchers);
	redemption_request_hash(r);
	return 0;
}

/* Answers from an earlier redemption with the same (place, key): its stored
 * body, or 422 when the request differs. Returns 1 when it replied. */
static int
h_redemption_replay_or_reply(struct request *req, struct db *db, const struct redemption_request *r)
{
	struct error e;
	char *stored = NULL;
	bool same = false;
	int found = redemption_find_key(db, r->place_id, r->idempotency_key, r->request_hash, &same,
	    &stored, &e);

	if (found < 0)
		reply_from_error(req, &e);
	else if (found && same)
		reply_raw(req, 201, "application/json", stored, strlen(stored));
	else if (found)
		reply_error(req, 422, "IDEMPOTENCY_KEY_REUSED",
		    "this idempotency key was used for another request");
	free(stored);
	return found != 0;
}

/* The 409's extra members for the first pass of r already redeemed. */
static json_t *
h_redemption_conflict(struct db *db, const struct redemption_request *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->passes[i].state.status == VOUCHER_REDEEMED)
			return redemption_conflict(db, r->passes[i].serial, r->place_id, NULL);
	return NULL;
}

/* Writer side: commit in the batch; a conflict's details are read there. */
static int
h_redemption_work(struct db *db, const struct writer_context *w, struct writer_job *job,
    struct error *e)
{
	struct h_redemption_job *j = (struct h_redemption_job *)job;
	struct redemption_signer signer = { w->ledger_secret, { 0 } };
	int rc;

	memcpy(signer.key_id, w->ledger_key_id, sizeof(signer.key_id));
	rc = redemption_commit(db, &j->r, &signer, w->cache, w->now, &j->out, e);
	if (rc != 0 && e->status == 409)
		j->conflict = h_redemption_conflict(db, &j->r);
	return rc;
}

/* After the commit (writer thread): the reply, then the job is freed. */
static void
h_redemption_done(struct writer_job *job, int rc, const struct error *e)
{
	struct h_redemption_job *j = (struct h_redemption_job *)job;
	struct request *req = job->req;

	if (rc == 0) {
		reply_raw(req, 201, "application/json", j->out.response, strlen(j->out.response));
		if (!j->out.replayed)
			metrics_redemption(req->daemon->metrics);
	} else if (e->status == 409 && j->conflict != NULL) {
		reply_error_with(req, 409, e->code, j->conflict, "%s", e->message);
		j->conflict = NULL;
	} else
		reply_from_error(req, e);
	json_decref(j->conflict);
	redemption_outcome_free(&j->out);
	free(j);
}

/* The read-only checks; refreshes the issuer keys once on an unknown key. */
static int
h_redemption_prepare(struct request *req, struct db *db, struct redemption_request *r,
    struct error *e)
{
	if (redemption_prepare(db, store_keyset(req->daemon->store, false), r, clock_now(), e) == 0)
		return 0;
	if (e->code == NULL || strcmp(e->code, "UNKNOWN_KEY") != 0)
		return -1;
	return redemption_prepare(db, store_keyset(req->daemon->store, true), r, clock_now(), e);
}

void
h_redemption_post(struct request *req)
{
	struct h_redemption_job *j = calloc(1, sizeof(*j));
	struct db *db = req->db;
	struct error e;

	if (j == NULL)
		abort();
	error_clear(&e);
	if (h_redemption_parse_or_reply(req, &j->r) != 0 ||
	    h_redemption_replay_or_reply(req, db, &j->r))
		goto done;
	if (h_redemption_prepare(req, db, &j->r, &e) != 0) {
		/* Already redeemed: perhaps by this very request, committed meanwhile. */
		if (e.status == 409 && h_redemption_replay_or_reply(req, db, &j->r))
			goto done;
		if (e.status == 409)
			reply_error_with(req, 409, e.code, h_redemption_conflict(db, &j->r), "%s", e.message);
		else
			reply_from_error(req, &e);
		goto done;
	}
	j->job.req = req;
	j->job.work = h_redemption_work;
	j->job.done = h_redemption_done;
	writer_submit(req->daemon->writer, &j->job);
	return;
done:
	free(j);
}
