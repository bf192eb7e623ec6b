/* Batches as people see them: `batch list` and `batch show`
 * (lib/issuance.h). */
#include <string.h>
#include "db.h"
#include "issuance.h"

/* The columns batch_row_read reads, over batches b. The face value is the
 * passes' own (fixed at issue), else the campaign's (an abandoned batch). */
#define BATCH_COLUMNS \
	"SELECT b.id, b.campaign_id, b.count, b.booklet_size, b.status," \
	" (SELECT MIN(id) FROM booklets WHERE batch_id = b.id)," \
	" (SELECT MAX(id) FROM booklets WHERE batch_id = b.id)," \
	" COALESCE((SELECT value_cents FROM vouchers WHERE batch_id = b.id LIMIT 1)," \
	" (SELECT value_cents FROM campaigns WHERE id = b.campaign_id), 0)," \
	" b.entry_seq, b.created_at, b.activated_at FROM batches b"

static int
batch_row_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct batch_info *b = ctx;

	(void)e;
	memset(b, 0, sizeof(*b));
	b->id = db_row_int64(row, 0);
	b->campaign_id = db_row_int64(row, 1);
	b->count = db_row_int64(row, 2);
	b->booklet_size = (int)db_row_int64(row, 3);
	db_row_text(row, 4, b->status, sizeof(b->status));
	b->first_booklet = db_row_int64(row, 5);
	b->last_booklet = db_row_int64(row, 6);
	b->value_cents = db_row_int64(row, 7);
	/* count <= 10^7 and value < 2^32 (the token's field): no overflow. */
	b->total_cents = b->count * b->value_cents;
	b->entry_seq = db_row_int64(row, 8);
	b->created_at = db_row_int64(row, 9);
	b->activated_at = db_row_int64(row, 10);
	return 0;
}

/* Adds one row (status, count) to b's counts. */
static int
batch_count_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct batch_info *b = ctx;
	const char *status = db_row_text_ptr(row, 0, NULL);
	int64_t n = db_row_int64(row, 1);

	(void)e;
	if (strcmp(status, "pending") == 0)
		b->pending = n;
	else if (strcmp(status, "issued") == 0)
		b->issued = n;
	else if (strcmp(status, "redeemed") == 0)
		b->redeemed = n;
	else if (strcmp(status, "revoked") == 0)
		b->revoked = n;
	else if (strcmp(status, "expired") == 0)
		b->expired = n;
	return 0;
}

int
issuance_batch_get(struct db *db, int64_t id, struct batch_info *b, struct error *e)
{
	int rc = db_one(db, BATCH_COLUMNS " WHERE b.id = ?1", DB_ARGS(DB_INT(id)), batch_row_read,
	    b, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return error_set(e, 404, "UNKNOWN_BATCH", "no batch %lld", (long long)id);
	return db_each(db, "SELECT status, COUNT(*) FROM vouchers WHERE batch_id = ?1"
	    " GROUP BY status", DB_ARGS(DB_INT(id)), batch_count_read, b, e);
}

/* The caller's callback of issuance_batch_list. */
struct batch_list {
	int (*fn)(const struct batch_info *b, void *ctx);
	void *ctx;
};

static int
batch_list_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct batch_list *l = ctx;
	struct batch_info b;

	batch_row_read(row, &b, e);
	return l->fn(&b, l->ctx) != 0 ? 1 : 0;
}

int
issuance_batch_list(struct db *db, int (*fn)(const struct batch_info *b, void *ctx),
    void *ctx, struct error *e)
{
	struct batch_list l = { fn, ctx };

	return db_each(db, BATCH_COLUMNS " ORDER BY b.id", DB_NO_ARGS, batch_list_row, &l, e);
}
