/* Issuance: batches of vouchers and their print files, booklet stock and
 * hand-outs, voucher status (show, revoke, expire). The only module that
 * talks SQL to the tables batches, booklets, vouchers (except the daemon's
 * redemption updates), handouts and handout_totals.
 *
 * Voucher life: pending (staged, never redeemable) -> issued (the batch's
 * ledger entry is posted) -> redeemed | revoked | expired. Only 'issued'
 * vouchers are redeemable, revocable or expirable.
 *
 * Booklet life: stock -> delivered (to a distributor) -> handed-out (to a
 * person, never recorded who); a delivered booklet may come back
 * (returned), which counts as stock again. A handed-out booklet never comes
 * back: if it is lost, revoke it. */
#ifndef PASSNUM_ISSUANCE_H
#define PASSNUM_ISSUANCE_H
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "token.h"

struct db;
struct campaign;

#define ISSUANCE_MAX_COUNT 10000000
#define ISSUANCE_MAX_BOOKLET 100
#define ISSUANCE_CHUNK 10000 /* vouchers staged per short transaction (~0.3 s) */

/* Output formats of `batch issue` (bit set). */
enum issuance_format {
	ISSUANCE_FORMAT_CSV = 1 << 0, /* DIR/batch-<id>.csv */
	ISSUANCE_FORMAT_PDF = 1 << 1, /* DIR/batch-<id>.pdf (lib/print.h) */
	ISSUANCE_FORMAT_PNG = 1 << 2, /* DIR/<serial>.png, one per voucher */
	ISSUANCE_FORMAT_SVG = 1 << 3, /* DIR/<serial>.svg, one per voucher */
};
#define ISSUANCE_FORMAT_DEFAULT (ISSUANCE_FORMAT_CSV | ISSUANCE_FORMAT_PDF)

/* Parses "pdf,png,svg,csv" (any order, no repeats needed) into *formats.
 * Returns 0, or -1 (400 BAD_FORMAT). */
int issuance_formats_parse(const char *text, unsigned *formats, struct error *e);

struct issuance_request {
	int64_t campaign_id;
	int64_t count;        /* 1 .. ISSUANCE_MAX_COUNT */
	int booklet_size;     /* 1 .. ISSUANCE_MAX_BOOKLET */
	const char *out_dir;  /* a writable directory (made by out_prepare when missing) */
	unsigned formats;     /* enum issuance_format bits, at least one */
	/* Called with out_dir once every check that needs no file has passed
	 * (campaign, balance, key...), before out_dir is checked: may create
	 * it. Returns 0, or -1 with e set (the issuance is then refused). May
	 * be NULL. */
	int (*out_prepare)(const char *out_dir, struct error *e);
	/* Called now and then from the staging loop (may be NULL). */
	void (*progress)(int64_t done, int64_t total, void *ctx);
	void *progress_ctx;
};

struct issuance_result {
	int64_t batch_id;
	int64_t first_booklet, last_booklet;
	int64_t total_cents;
	uint64_t entry_seq;   /* the "issue" ledger entry */
	int64_t swept;        /* pending vouchers of abandoned batches removed first */
	struct issuance_sweep_report {
		int64_t batch_id;    /* the interrupted batch swept or finished, 0 none */
		bool finished;       /* it was charged: its activation was finished */
		char dir[PATH_MAX];  /* its temporary folder, "" when not known */
		bool dir_removed;    /* abandoned: its useless folder was removed */
	} sweep;
	char out_dir[PATH_MAX];  /* the real path of --out */
	char csv_path[PATH_MAX + 64], pdf_path[PATH_MAX + 64]; /* "" when not written */
	char tmp_dir[PATH_MAX];  /* failure after activation: where the files are */
};

/* Issues a batch (PRODUCT.md `batch issue`). Checks every refusal first
 * (count, booklet size, formats, --out, campaign ended, active issuer key,
 * funder balance), then takes HOME/issue.lock (one issuance at a time),
 * sweeps abandoned pending batches, stages the vouchers signed with the
 * active issuer key as 'pending' in short transactions while the files are
 * written to a temporary directory beside out_dir, and activates the batch
 * in one short transaction (funder balance re-checked, ledger entry
 * "issue", batch 'active'); its vouchers are then flipped from 'pending' to
 * 'issued' in short transactions (one big UPDATE would hold the write lock
 * for seconds on a large batch). Only then are the files moved into
 * out_dir. On failure before activation, staged rows and temporary files
 * are removed. home is the home directory. A long job that commits in
 * chunks of its own (db_write per chunk): it must be called outside a write
 * transaction (else 500 IN_TRANSACTION, a bug). Returns 0 with *out filled,
 * or -1 with e set (out->batch_id is then set if the batch was activated). */
int issuance_batch_issue(struct db *db, const char *home, const struct issuance_request *r,
    int64_t now, struct issuance_result *out, struct error *e);

/* Cleans up after an interrupted issuance, in short transactions: a batch
 * left 'pending' (no ledger entry) loses its pending vouchers and booklets
 * and becomes 'abandoned'; an 'active' batch (ledger entry posted) still
 * holding pending vouchers has them flipped to 'issued'. The caller must
 * hold HOME/issue.lock (so that no issuance is running);
 * issuance_batch_issue does this itself. Commits in chunks of its own: call
 * it outside a write transaction (else 500 IN_TRANSACTION). Sets *removed to
 * the number of vouchers removed. */
int issuance_sweep_abandoned(struct db *db, int64_t *removed, struct error *e);

/* Takes HOME/issue.lock without waiting: returns a file descriptor to give
 * to issuance_unlock, or -1 (409 ISSUANCE_BUSY) when another issuance runs. */
int issuance_lock(const char *home, struct error *e);
void issuance_unlock(int fd);

/* Booklet stock. deliver: booklets first..last (all of them) of active
 * batches, in stock or returned, with only issued vouchers, go to the
 * distributor's stock. handout: a booklet of that distributor's stock is
 * handed to a person on day (local date, not in the future, not before its
 * delivery); recorded booklet -> distributor -> day, never who. return: a
 * delivered booklet comes back to the operator ('returned', deliverable
 * again); a handed-out one is refused. Each runs inside the caller's write
 * transaction (else 500 NO_TRANSACTION), which must be rolled back when it
 * fails. Return 0, or -1 with e set. */
int issuance_booklet_deliver(struct db *db, int64_t first, int64_t last, int64_t distributor_id,
    int64_t now, struct error *e);
int issuance_booklet_handout(struct db *db, int64_t booklet_id, int64_t distributor_id,
    int32_t day, int64_t now, struct error *e);
int issuance_booklet_return(struct db *db, int64_t booklet_id, int64_t now, struct error *e);

struct booklet_info {
	int64_t id, batch_id, campaign_id, distributor_id; /* distributor 0 when none */
	int size;
	char status[16];     /* stock, delivered, handed-out, returned */
	int64_t delivered_at;/* 0 when never */
	int32_t handout_day; /* -1 when none (or purged) */
	/* Its passes by status (issued, redeemed, revoked, expired). */
	int64_t issued, redeemed, revoked, expired;
};
/* Reads booklet id of an active batch into *b. Returns 0, or -1 (404
 * UNKNOWN_BOOKLET, or a store error). */
int issuance_booklet_get(struct db *db, int64_t id, struct booklet_info *b, struct error *e);

/* What a person would call the booklet's state: "revoked" when every pass
 * of it is revoked (opposed), else its stock status. Pure. */
const char *issuance_booklet_state(const struct booklet_info *b);

/* Calls fn for every booklet of an active batch, in number order: those
 * of distributor_id only when not 0 (its stock, handed out or not), and
 * whose state (issuance_booklet_state) is state only when state is not
 * NULL. Stops at fn's first non-zero return (returned). Returns 0, or -1
 * with e set. */
int issuance_booklet_list(struct db *db, int64_t distributor_id, const char *state,
    int (*fn)(const struct booklet_info *b, void *ctx), void *ctx, struct error *e);

/* The distributor's side (its page, daemon/h_distributor_*.c). */
struct distributor_campaign_stock {
	int64_t campaign_id, value_cents;
	int32_t last_day;
	char funder[201];            /* the funder's public name */
	/* Booklets: received (delivered to it, returned ones included), handed
	 * out to people, returned to the operator, in stock (delivered). */
	int64_t received, handed_out, returned, in_stock;
};
/* Calls fn for each campaign of which distributor_id has had booklets, by
 * last day then campaign. Returns 0, or -1 with e set. */
int issuance_distributor_stock(struct db *db, int64_t distributor_id,
    int (*fn)(const struct distributor_campaign_stock *s, void *ctx), void *ctx, struct error *e);

/* Sets *booklet_id to the booklet holding the pass of that serial: 0, or
 * -1 (404 UNKNOWN_VOUCHER). */
int issuance_booklet_of_serial(struct db *db, const uint8_t serial[TOKEN_SERIAL_BYTES],
    int64_t *booklet_id, struct error *e);

/* issuance_booklet_handout as the distributor's page asks it, with the
 * refusals said apart: 404 UNKNOWN_BOOKLET, 403 NOT_YOURS (not in its
 * stock), 409 ALREADY_HANDED_OUT (by it), 409 CAMPAIGN_ENDED (day after
 * the campaign's last day), 409 BOOKLET_NOT_USABLE (a pass revoked), 400
 * BAD_DATE. Inside the caller's write transaction; *b is the booklet after. */
int issuance_distributor_handout(struct db *db, int64_t distributor_id, int64_t booklet_id,
    int32_t day, int64_t now, struct booklet_info *b, struct error *e);

/* A delivered booklet of distributor_id's stock goes back to the operator
 * (as issuance_booklet_return) for reason "unused" or "lost", recorded in
 * booklet_returns. 404 UNKNOWN_BOOKLET, 403 NOT_YOURS, 409
 * BOOKLET_HANDED_OUT, 400 BAD_REASON. In the caller's write transaction. */
int issuance_distributor_return(struct db *db, int64_t distributor_id, int64_t booklet_id,
    const char *reason, int64_t now, struct error *e);

/* Calls fn for each hand-out by distributor_id from local day from to to
 * (included), the most recent first. Returns 0, or -1 with e set. */
int issuance_distributor_handouts(struct db *db, int64_t distributor_id, int32_t from, int32_t to,
    int (*fn)(int64_t booklet_id, int64_t campaign_id, int32_t day, void *ctx), void *ctx,
    struct error *e);

/* Whether text names a booklet state ("stock", "delivered", "handed-out",
 * "returned", "revoked"). */
bool issuance_booklet_state_valid(const char *text);

/* Moves hand-out records of campaigns whose last day is 12 months or more
 * before today (same date a year later; 29 February -> 1 March) into
 * handout_totals (per campaign, distributor and month of hand-out) and
 * deletes them, inside the caller's write transaction (else 500
 * NO_TRANSACTION; roll it back on failure). Sets *purged to the records
 * moved (0 on failure). */
int issuance_purge_handouts(struct db *db, int32_t today, int64_t *purged, struct error *e);

enum voucher_status {
	VOUCHER_PENDING,
	VOUCHER_ISSUED,
	VOUCHER_REDEEMED,
	VOUCHER_REVOKED,
	VOUCHER_EXPIRED,
};
const char *issuance_status_name(enum voucher_status s);

/* A batch as `batch list|show` shows it. */
struct batch_info {
	int64_t id, campaign_id, count;
	int booklet_size;
	char status[16];        /* pending (being issued), active, abandoned */
	int64_t first_booklet, last_booklet; /* 0 when it has none */
	int64_t value_cents;    /* one pass's face value */
	int64_t total_cents;    /* count x value: what the funder was charged */
	int64_t entry_seq;      /* the "issue" ledger entry, 0 when not charged */
	int64_t created_at, activated_at; /* Unix seconds; activated_at 0 when never */
	/* Its passes by status: filled by issuance_batch_get only. */
	int64_t pending, issued, redeemed, revoked, expired;
};

/* Reads batch id (any status) into *b, with its passes counted by status.
 * Returns 0, or -1 (404 UNKNOWN_BATCH, or a store error). */
int issuance_batch_get(struct db *db, int64_t id, struct batch_info *b, struct error *e);

/* Calls fn for every batch, by id (passes not counted). Stops at fn's
 * first non-zero return. Returns 0, or -1 with e set. */
int issuance_batch_list(struct db *db, int (*fn)(const struct batch_info *b, void *ctx),
    void *ctx, struct error *e);

/* What the database knows of one voucher: one indexed query. */
struct voucher_state {
	uint8_t serial[TOKEN_SERIAL_BYTES];
	enum voucher_status status;
	uint8_t token[TOKEN_BYTES];  /* the bytes issued: a scanned token must equal them */
	int64_t campaign_id;
	int64_t value_cents;
	int32_t last_day;
	int64_t issued_at;           /* Unix seconds UTC, for token_verify */
	int64_t batch_id;
	int64_t booklet_id;
	int position;
	int32_t handout_day;         /* local day of the booklet's hand-out, -1 when none */
	int64_t redemption_id;       /* 0 when none */
	int64_t changed_at;          /* last status change, 0 when none */
};

/* Looks serial up. Returns 0 with *out filled, or -1 (404 UNKNOWN_VOUCHER,
 * or a store error). Cheap enough for the daemon's redemption path. */
int issuance_voucher_lookup(struct db *db, const uint8_t serial[TOKEN_SERIAL_BYTES],
    struct voucher_state *out, struct error *e);

/* The last local day on which v may be redeemed: last_day + tolerance, or,
 * when the campaign counts validity from hand-out (valid_days_after_handout
 * > 0) and the booklet was handed out on day H, the earlier of that and
 * H + valid_days - 1 + tolerance. A booklet never handed out keeps the
 * campaign's last day. Pure. */
int32_t issuance_last_usable_day(const struct voucher_state *v, int tolerance_days,
    int valid_days_after_handout);

/* Where and when a redeemed voucher was redeemed (for admins). */
struct voucher_redemption {
	int64_t id, place_id, service_id, created_at;
	int32_t day;
	int64_t cancelled_at; /* 0 when not cancelled */
};
int issuance_voucher_redemption(struct db *db, int64_t redemption_id,
    struct voucher_redemption *out, struct error *e);

/* Revocation (opposition): every 'issued' voucher of the target becomes
 * 'revoked' and its value goes back to the funder's balance (a pass a
 * takeover imported: to takeover-claim while the claim lasts,
 * docs/takeover.md), one ledger entry "revoke" per campaign, inside the
 * caller's write transaction (else 500 NO_TRANSACTION; roll it back on failure). Exactly one of serial,
 * booklet_id, batch_id is given (the others NULL / 0). Refuses (409
 * NOTHING_TO_REVOKE) when no voucher is revocable; 404 when the target does
 * not exist. Sets *count, *cents and *to_claim (of cents, what went to
 * takeover-claim rather than the funder's balance). */
int issuance_revoke(struct db *db, const uint8_t *serial, int64_t booklet_id, int64_t batch_id,
    int64_t now, int64_t *count, int64_t *cents, int64_t *to_claim, struct error *e);

/* What revoking a target would do (for --dry-run and the confirmation):
 * the passes still issued, their value, the booklets they are in. Read
 * only; the same refusals as issuance_revoke. Returns 0, or -1 with e set. */
struct issuance_revoke_plan {
	int64_t campaign_id, count, cents;
	int64_t booklets, first_booklet, last_booklet;
	int64_t imported_cents; /* of cents, passes a takeover imported */
	int64_t to_claim_cents; /* of those, what would credit takeover-claim (the claim left) */
};
int issuance_revoke_plan(struct db *db, const uint8_t *serial, int64_t booklet_id, int64_t batch_id,
    struct issuance_revoke_plan *p, struct error *e);

/* Expiry as of a local date: 'issued' vouchers whose last usable day
 * (issuance_last_usable_day) is before as_of become 'expired'; their value
 * goes back per the campaign's unused rule (credit: funder balance; refund:
 * credit note; a pass a takeover imported: takeover-claim while the claim
 * lasts, docs/takeover.md), one ledger entry "expire" per campaign, one write
 * transaction per campaign (db_write): a long job that must be called
 * outside a write transaction (else 500 IN_TRANSACTION). Idempotent. fn (may
 * be NULL) is called per campaign touched, after its commit. */
int issuance_expire(struct db *db, int32_t as_of, int64_t now,
    int (*fn)(int64_t campaign_id, int64_t count, int64_t cents, bool refund, void *ctx),
    void *ctx, struct error *e);

/* Sums of value_cents by campaign and status, for `ledger verify`. Pending
 * vouchers of an active batch (its ledger entry posted, the flip to
 * 'issued' not finished) count as 'issued'. */
int issuance_voucher_totals(struct db *db,
    int (*fn)(int64_t campaign_id, const char *status, int64_t count, int64_t cents, void *ctx),
    void *ctx, struct error *e);

#endif
