/* Issuing a batch: checks, staging in short transactions while a second
 * thread signs the next chunk, activation with the ledger entry, then the
 * files moved into --out (lib/issuance.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "clock.h"
#include "code.h"
#include "db.h"
#include "issuance.h"
#include "issuance_private.h"
#include "keys.h"
#include "ledger.h"
#include "money.h"
#include "print.h"
#include "qr.h"
#include "registry.h"

#define ISSUE_COVER_PLACES 5

/* One chunk of vouchers: signed by the signer thread, then staged. */
struct issue_chunk {
	size_t n;
	int64_t first;                 /* index of its first voucher in the batch */
	int failed;
	uint8_t serial[ISSUANCE_CHUNK][TOKEN_SERIAL_BYTES];
	uint8_t token[ISSUANCE_CHUNK][TOKEN_BYTES];
	int64_t booklet[ISSUANCE_CHUNK]; /* set by staging */
};

#define ISSUE_SIGNERS 2 /* signing threads per chunk (the machine has 2 cores) */

/* A signing thread's job: fill vouchers lo..hi-1 of chunk. */
struct issue_signer {
	pthread_t thread;
	struct issue_chunk *chunk;
	size_t lo, hi;
	int failed;
	const struct secret_key *key;
	struct token proto;
	int running;
};

struct issue_cover {
	int count, more;
	struct print_place places[ISSUE_COVER_PLACES];
	char names[ISSUE_COVER_PLACES][REGISTRY_NAME_MAX + 1];
	char communes[ISSUE_COVER_PLACES][REGISTRY_NAME_MAX + 1];
	struct print_campaign info;
};

struct issue {
	struct db *db;
	const struct issuance_request *r;
	int64_t now;
	int32_t today;
	struct campaign campaign;
	struct funder funder;
	struct secret_key secret;
	int64_t key_row;          /* issuer_keys.id */
	int64_t total_cents;
	int64_t batch_id;
	int64_t booklet_id;       /* booklet being filled (committed) */
	int64_t first_booklet;
	uint64_t entry_seq;       /* the "issue" entry, once activated */
	char out[PATH_MAX];
	char tmp[PATH_MAX];       /* temporary directory beside out */
	char csv_name[64], pdf_name[64];
	FILE *csv;
	struct print_booklets *pdf;
	struct issue_cover cover;
	char last_day_iso[DATE_FORMAT_SIZE], last_day_fr[DATE_FORMAT_FR_SIZE];
	struct issue_chunk *chunks; /* two, used in turn */
};

int
issuance_formats_parse(const char *text, unsigned *formats, struct error *e)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "csv", ISSUANCE_FORMAT_CSV }, { "pdf", ISSUANCE_FORMAT_PDF },
		{ "png", ISSUANCE_FORMAT_PNG }, { "svg", ISSUANCE_FORMAT_SVG },
	};
	const char *p = text, *end;
	size_t len, i;

	*formats = 0;
	for (; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && strncmp(names[i].name, p, len) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return error_set(e, 400, "BAD_FORMAT",
			    "unknown format \"%.*s\" (formats: csv, pdf, png, svg)", (int)len, p);
		*formats |= names[i].bit;
	}
	if (*formats == 0)
		return error_set(e, 400, "BAD_FORMAT", "no format given (formats: csv, pdf, png, svg)");
	return 0;
}

static int issue_flip(struct db *db, int64_t batch_id, struct error *e);

int
issuance_lock(const char *home, struct error *e)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/issue.lock", home) >= sizeof(path))
		return error_set(e, 500, "ISSUANCE_LOCK", "home path too long");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return error_set(e, 500, "ISSUANCE_LOCK", "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return error_set(e, 409, "ISSUANCE_BUSY",
		    "another batch is being issued in this home; try again when it is done");
	}
	return fd;
}

void
issuance_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* One chunk of a statement over a batch's pending vouchers: sql binds the
 * batch as ?1 and the chunk size as ?2. */
struct issue_pending_chunk {
	const char *sql;
	int64_t batch_id;
	int64_t changed; /* rows the last chunk changed */
};

static int
issue_pending_chunk_work(struct db *db, void *ctx, struct error *e)
{
	struct issue_pending_chunk *c = ctx;

	if (db_run(db, c->sql, DB_ARGS(DB_INT(c->batch_id), DB_INT(ISSUANCE_CHUNK)), e) != 0)
		return -1;
	c->changed = db_changes(db);
	return 0;
}

/* Runs sql over batch_id's pending vouchers in short transactions of
 * ISSUANCE_CHUNK rows until a chunk changes nothing; adds the rows changed
 * to *total when not NULL. */
static int
issue_pending_chunks(struct db *db, const char *sql, int64_t batch_id, int64_t *total,
    struct error *e)
{
	struct issue_pending_chunk c = { sql, batch_id, 0 };

	do {
		if (db_write(db, DB_BUSY_DEFAULT, issue_pending_chunk_work, &c, e) != 0)
			return -1;
		if (total != NULL)
			*total += c.changed;
	} while (c.changed > 0);
	return 0;
}

/* Deletes the booklets of batch arg[0], then the batch (arg[2] == 0) or
 * marks it abandoned (arg[2] == 1). Refuses a batch that is no longer
 * pending. */
static int
issue_drop_batch(struct db *db, void *ctx, struct error *e)
{
	int64_t *arg = ctx;

	if (db_run(db, "DELETE FROM booklets WHERE batch_id = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM vouchers WHERE batch_id = ?1)",
	    DB_ARGS(DB_INT(arg[0])), e) != 0)
		return -1;
	return db_run(db, arg[2] ? "UPDATE batches SET status = 'abandoned'"
	    " WHERE id = ?1 AND status = 'pending'"
	    : "DELETE FROM batches WHERE id = ?1 AND status = 'pending'",
	    DB_ARGS(DB_INT(arg[0])), e);
}

/* Removes a pending batch's vouchers chunk by chunk, then its booklets and
 * the batch itself (abandon == 0) or its status (abandon == 1). Adds the
 * vouchers removed to *removed. */
static int
issue_remove_batch(struct db *db, int64_t batch_id, int abandon, int64_t *removed,
    struct error *e)
{
	int64_t arg[3] = { batch_id, 0, abandon };

	if (issue_pending_chunks(db, "DELETE FROM vouchers WHERE id IN (SELECT id FROM vouchers"
	    " WHERE batch_id = ?1 AND status = 'pending' LIMIT ?2)", batch_id, removed, e) != 0)
		return -1;
	return db_write(db, DB_BUSY_DEFAULT, issue_drop_batch, arg, e);
}

/* A batch row: its id and status. */
struct issue_batch_row {
	int64_t id;
	char status[16];
};

static int
issue_batch_row_read(const struct db_row *row, void *ctx, struct error *e)
{
	struct issue_batch_row *b = ctx;

	(void)e;
	b->id = db_row_int64(row, 0);
	db_row_text(row, 1, b->status, sizeof(b->status));
	return 0;
}

int
issuance_outside_write(const struct db *db, const char *function, struct error *e)
{
	if (!db_writing(db))
		return 0;
	return error_set(e, 500, "IN_TRANSACTION", "bug: %s commits in chunks of its own and"
	    " must be called outside a write transaction", function);
}

/* issuance_sweep_abandoned, also setting *last to the last batch swept or
 * finished (0 when none). */
static int
issue_sweep(struct db *db, int64_t *removed, int64_t *last, struct error *e)
{
	struct issue_batch_row b;
	int rc;

	*removed = 0;
	*last = 0;
	if (ISSUANCE_OUTSIDE_WRITE(db, e) != 0)
		return -1;
	for (;;) {
		rc = db_one(db, "SELECT b.id, b.status FROM batches b WHERE b.id ="
		    " (SELECT batch_id FROM vouchers WHERE status = 'pending' LIMIT 1)"
		    " UNION ALL SELECT id, status FROM batches WHERE status = 'pending' LIMIT 1",
		    DB_NO_ARGS, issue_batch_row_read, &b, e);
		if (rc <= 0)
			return rc;
		*last = b.id;
		/* An active batch was interrupted after its ledger entry: finish it. */
		if (strcmp(b.status, "active") == 0 ? issue_flip(db, b.id, e) != 0
		    : issue_remove_batch(db, b.id, 1, removed, e) != 0)
			return -1;
	}
}

int
issuance_sweep_abandoned(struct db *db, int64_t *removed, struct error *e)
{
	int64_t last;

	return issue_sweep(db, removed, &last, e);
}

/* Checks that out is a writable directory and copies its real path. */
static int
issue_check_out(struct issue *is, struct error *e)
{
	struct stat st;

	if (is->r->out_dir == NULL || *is->r->out_dir == '\0')
		return error_set(e, 400, "BAD_OUT", "--out DIR is required");
	if (realpath(is->r->out_dir, is->out) == NULL || stat(is->out, &st) != 0)
		return error_set(e, 400, "BAD_OUT", "--out %s: %s", is->r->out_dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error_set(e, 400, "BAD_OUT", "--out %s is not a directory", is->r->out_dir);
	if (access(is->out, W_OK | X_OK) != 0)
		return error_set(e, 400, "BAD_OUT", "--out %s cannot be written: %s", is->r->out_dir,
		    strerror(errno));
	return 0;
}

/* Reads the issuer_keys row id of the active key whose public key is pk. */
static int
issue_key_row(struct db *db, const uint8_t pk[32], int64_t *id, struct error *e)
{
	int rc;

	*id = 0;
	rc = db_int64(db, "SELECT id FROM issuer_keys WHERE public_key = ?1 AND status = 'active'",
	    DB_ARGS(DB_BLOB(pk, 32)), id, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return error_set(e, 503, "NO_ACTIVE_KEY", "there is no active issuer key");
	return 0;
}

/* The funder's spendable balance (the credit balance of its balance account). */
static int
issue_spendable(struct db *db, int64_t funder_id, int64_t *cents, struct error *e)
{
	char code[LEDGER_ACCOUNT_MAX + 1];
	int64_t balance;

	ledger_account_code(ACCOUNT_FUNDER_BALANCE, funder_id, code);
	if (ledger_balance(db, code, &balance, e) != 0)
		return -1;
	*cents = -balance;
	return 0;
}

static int
issue_balance_check(struct issue *is, struct error *e)
{
	char need[MONEY_FORMAT_SIZE], have[MONEY_FORMAT_SIZE];
	int64_t spendable;

	if (issue_spendable(is->db, is->funder.id, &spendable, e) != 0)
		return -1;
	if (spendable >= is->total_cents)
		return 0;
	money_format(is->total_cents, need, sizeof(need));
	money_format(spendable, have, sizeof(have));
	return error_set(e, 409, "INSUFFICIENT_BALANCE",
	    "funder %lld's balance is short: %s needed, %s available",
	    (long long)is->funder.id, need, have);
}

/* Every refusal that needs no write, in this order: bounds, formats,
 * campaign, balance, issuer key (loaded into is->secret), then --out
 * (r->out_prepare first), so that an unknown campaign is reported before
 * anything about files and no folder is made for a refused batch. */
static int
issue_check(struct issue *is, const char *home, struct error *e)
{
	const struct issuance_request *r = is->r;
	struct key_info info;
	char day[DATE_FORMAT_SIZE];

	if (r->count < 1 || r->count > ISSUANCE_MAX_COUNT)
		return error_set(e, 400, "BAD_COUNT", "--count must be 1 to %d", ISSUANCE_MAX_COUNT);
	if (r->booklet_size < 1 || r->booklet_size > ISSUANCE_MAX_BOOKLET)
		return error_set(e, 400, "BAD_BOOKLET", "--booklet must be 1 to %d",
		    ISSUANCE_MAX_BOOKLET);
	if (r->formats == 0 || (r->formats & ~0xfu) != 0)
		return error_set(e, 400, "BAD_FORMAT", "no valid format given");
	if (registry_campaign_get(is->db, r->campaign_id, &is->campaign, e) != 0 ||
	    registry_funder_get(is->db, is->campaign.funder_id, &is->funder, e) != 0)
		return -1;
	is->today = clock_local_day(is->now, CLOCK_TZ_PARIS);
	if (is->today > is->campaign.last_day) {
		date_format(is->campaign.last_day, day);
		return error_set(e, 409, "CAMPAIGN_ENDED", "campaign %lld ended on %s",
		    (long long)is->campaign.id, day);
	}
	if (money_mul(r->count, is->campaign.value_cents, &is->total_cents) != 0)
		return error_set(e, 400, "BAD_COUNT", "the batch's value overflows");
	if (issue_balance_check(is, e) != 0 ||
	    keys_load_active(is->db, home, KEY_ISSUER, &is->secret, &info, e) != 0)
		return -1;
	if (issue_key_row(is->db, info.public_key, &is->key_row, e) != 0 ||
	    (r->out_prepare != NULL && r->out_prepare(r->out_dir, e) != 0) ||
	    issue_check_out(is, e) != 0) {
		secret_key_wipe(&is->secret);
		return -1;
	}
	date_format(is->campaign.last_day, is->last_day_iso);
	date_format_fr(is->campaign.last_day, is->last_day_fr);
	return 0;
}

/* Fills is->cover with up to ISSUE_COVER_PLACES labelled places that take
 * the campaign's passes today. */
static int
issue_cover_place(const struct place *p, void *ctx)
{
	struct issue *is = ctx;
	struct issue_cover *c = &is->cover;
	const char *code = NULL;
	char reason[256];
	struct error e;

	if (p->label != PLACE_LABEL_LABELLED)
		return 0;
	if (registry_campaign_accepts(is->db, &is->campaign, p, NULL, is->today, &code, reason,
	    sizeof(reason), &e) != 0 || code != NULL)
		return 0;
	if (c->count == ISSUE_COVER_PLACES) {
		c->more = 1;
		return 0;
	}
	snprintf(c->names[c->count], sizeof(c->names[0]), "%s", p->name);
	snprintf(c->communes[c->count], sizeof(c->communes[0]), "%s",
	    p->commune_name[0] != '\0' ? p->commune_name : p->commune);
	c->count++;
	return 0;
}

static int
issue_cover(struct issue *is, struct error *e)
{
	struct issue_cover *c = &is->cover;

	if (registry_place_list(is->db, issue_cover_place, is, e) != 0)
		return -1;
	for (int i = 0; i < c->count; i++)
		c->places[i] = (struct print_place){ c->names[i], c->communes[i] };
	c->info.places = c->places;
	c->info.place_count = (size_t)c->count;
	c->info.places_more = c->more ? "Et d'autres lieux qualifi\u00e9s pr\u00e8s de chez vous." : NULL;
	return 0;
}

/* Inserts the batch row (status pending) with the id predicted before. */
static int
issue_insert_batch(struct db *db, void *ctx, struct error *e)
{
	struct issue *is = ctx;

	return db_run(db, "INSERT INTO batches (id, campaign_id, count, booklet_size, issuer_key,"
	    " status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
	    DB_ARGS(DB_INT(is->batch_id), DB_INT(is->campaign.id), DB_INT(is->r->count),
	    DB_INT(is->r->booklet_size), DB_INT(is->key_row), DB_INT(is->now)), e);
}

/* Picks the next batch id (the caller holds the issue lock, so no other
 * batch is inserted meanwhile) and checks that its files are not in out. */
static int
issue_names(struct issue *is, struct error *e)
{
	char path[PATH_MAX + 80];

	is->batch_id = 0;
	if (db_int64(is->db, "SELECT COALESCE(MAX(id), 0) + 1 FROM batches", DB_NO_ARGS,
	    &is->batch_id, e) != 1)
		return -1;
	snprintf(is->csv_name, sizeof(is->csv_name), "batch-%06lld.csv", (long long)is->batch_id);
	snprintf(is->pdf_name, sizeof(is->pdf_name), "batch-%06lld.pdf", (long long)is->batch_id);
	for (int i = 0; i < 2; i++) {
		const char *name = i == 0 ? is->csv_name : is->pdf_name;
		if (!(is->r->formats & (i == 0 ? ISSUANCE_FORMAT_CSV : ISSUANCE_FORMAT_PDF)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", is->out, name);
		if (access(path, F_OK) == 0)
			return error_set(e, 409, "OUT_EXISTS", "%s already exists", path);
	}
	return 0;
}

/* Creates the temporary directory beside out and opens the CSV and PDF. */
static int
issue_open_files(struct issue *is, struct error *e)
{
	char path[PATH_MAX + 80], *slash;

	snprintf(is->tmp, sizeof(is->tmp), "%s", is->out);
	slash = strrchr(is->tmp, '/');
	if (slash == is->tmp)
		slash++;
	*slash = '\0';
	if (strlen(is->tmp) + 32 >= sizeof(is->tmp))
		return error_set(e, 400, "BAD_OUT", "--out path too long");
	strcat(is->tmp, slash == is->tmp + 1 ? ".passnum-issue-XXXXXX" : "/.passnum-issue-XXXXXX");
	if (mkdtemp(is->tmp) == NULL) {
		is->tmp[0] = '\0';
		return error_set(e, 400, "BAD_OUT",
		    "cannot create a temporary directory beside --out: %s", strerror(errno));
	}
	chmod(is->tmp, 0755);
	if (is->r->formats & ISSUANCE_FORMAT_CSV) {
		snprintf(path, sizeof(path), "%s/%s", is->tmp, is->csv_name);
		if ((is->csv = fopen(path, "wx")) == NULL)
			return error_set(e, 500, "WRITE_FAILED", "%s: %s", path, strerror(errno));
		setvbuf(is->csv, NULL, _IOFBF, 1 << 20);
		fputs("serial,code,token,campaign,value_cents,last_day,booklet\n", is->csv);
	}
	if (is->r->formats & ISSUANCE_FORMAT_PDF) {
		if (issue_cover(is, e) != 0)
			return -1;
		snprintf(path, sizeof(path), "%s/%s", is->tmp, is->pdf_name);
		if ((is->pdf = print_booklet_open(path, &is->cover.info, e)) == NULL)
			return -1;
	}
	return 0;
}

static int
issue_serial_cmp(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_SERIAL_BYTES);
}

static void *
issue_sign_thread(void *arg)
{
	struct issue_signer *s = arg;
	struct issue_chunk *c = s->chunk;
	struct token t = s->proto;

	s->failed = 0;
	/* One call for the whole range: randombytes_buf is a system call. */
	randombytes_buf(c->serial[s->lo], (s->hi - s->lo) * TOKEN_SERIAL_BYTES);
	/* Sorted, they are inserted in one sweep of the vouchers B-tree. */
	qsort(c->serial[s->lo], s->hi - s->lo, TOKEN_SERIAL_BYTES, issue_serial_cmp);
	for (size_t i = s->lo; i < s->hi; i++) {
		memcpy(t.serial, c->serial[i], sizeof(t.serial));
		if (token_sign(&t, s->key, c->token[i]) != 0)
			s->failed = 1;
	}
	return NULL;
}

/* Starts signing the chunk of vouchers from index first, split between
 * ISSUE_SIGNERS threads, while the caller stages the previous chunk. */
static int
issue_sign_start(struct issue *is, struct issue_signer *signers, struct issue_chunk *c,
    int64_t first, struct error *e)
{
	int64_t left = is->r->count - first;

	c->first = first;
	c->n = left < ISSUANCE_CHUNK ? (size_t)left : ISSUANCE_CHUNK;
	for (int k = 0; k < ISSUE_SIGNERS; k++) {
		struct issue_signer *s = &signers[k];
		s->chunk = c;
		s->lo = c->n * (size_t)k / ISSUE_SIGNERS;
		s->hi = c->n * (size_t)(k + 1) / ISSUE_SIGNERS;
		s->key = &is->secret;
		memset(&s->proto, 0, sizeof(s->proto));
		s->proto.campaign = (uint32_t)is->campaign.id;
		s->proto.value_cents = (uint32_t)is->campaign.value_cents;
		s->proto.last_day = (uint32_t)is->campaign.last_day;
		if (pthread_create(&s->thread, NULL, issue_sign_thread, s) != 0)
			return error_set(e, 500, "THREAD", "cannot start a signing thread");
		s->running = 1;
	}
	return 0;
}

/* Waits for the signing threads; true while any was running. */
static int
issue_sign_wait(struct issue_signer *signers, struct error *e)
{
	int failed = 0;

	for (int k = 0; k < ISSUE_SIGNERS; k++) {
		if (!signers[k].running)
			continue;
		pthread_join(signers[k].thread, NULL);
		signers[k].running = 0;
		failed |= signers[k].failed;
	}
	return failed ? error_set(e, 500, "SIGN_FAILED", "signing a pass failed") : 0;
}

/* Stages chunk ctx->chunks[0]: booklets that start in it, then its vouchers
 * as 'pending'. Re-runnable (busy retry): reads only committed state. */
struct issue_stage {
	struct issue *is;
	struct issue_chunk *c;
	int64_t booklet;
};

static int
issue_stage_work(struct db *db, void *ctx, struct error *e)
{
	struct issue_stage *st = ctx;
	struct issue *is = st->is;
	struct issue_chunk *c = st->c;
	int64_t booklet = is->booklet_id, index, size = is->r->booklet_size;

	for (size_t i = 0; i < c->n; i++) {
		index = c->first + (int64_t)i;
		if (index % size == 0) {
			int64_t left = is->r->count - index;
			if (db_run(db, "INSERT INTO booklets (batch_id, size) VALUES (?1, ?2)",
			    DB_ARGS(DB_INT(is->batch_id), DB_INT(left < size ? left : size)), e) != 0)
				return -1;
			booklet = db_last_rowid(db);
		}
		c->booklet[i] = booklet;
		/* The hot loop: one cached statement, one step per voucher. */
		if (db_run(db, "INSERT INTO vouchers (serial, token, campaign_id, batch_id,"
		    " booklet_id, position, value_cents, last_day, status, issued_at)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9)",
		    DB_ARGS(DB_BLOB(c->serial[i], TOKEN_SERIAL_BYTES),
		    DB_BLOB(c->token[i], TOKEN_BYTES), DB_INT(is->campaign.id), DB_INT(is->batch_id),
		    DB_INT(booklet), DB_INT(index % size + 1), DB_INT(is->campaign.value_cents),
		    DB_INT(is->campaign.last_day), DB_INT(is->now)), e) != 0)
			return -1;
	}
	st->booklet = booklet;
	return 0;
}

/* Writes one voucher's lines and pictures into the temporary directory. */
static int
issue_write_voucher(struct issue *is, const struct issue_chunk *c, size_t i, struct error *e)
{
	char hex[2 * TOKEN_SERIAL_BYTES + 1], code[CODE_TEXT_LEN + 1], text[TOKEN_TEXT_LEN + 1];
	char path[PATH_MAX + 80];
	int64_t index = c->first + (int64_t)i, size = is->r->booklet_size, left;
	struct qr_matrix *m = NULL;
	int rc = 0;

	sodium_bin2hex(hex, sizeof(hex), c->serial[i], TOKEN_SERIAL_BYTES);
	code_format(c->serial[i], code);
	token_to_text(c->token[i], text);
	if (is->csv != NULL)
		fprintf(is->csv, "%s,%s,%s,%lld,%lld,%s,%lld\n", hex, code, text,
		    (long long)is->campaign.id, (long long)is->campaign.value_cents,
		    is->last_day_iso, (long long)c->booklet[i]);
	if (is->pdf != NULL) {
		left = is->r->count - (index - index % size);
		struct print_voucher v = {
			.booklet = (uint32_t)c->booklet[i], .index = (unsigned)(index % size + 1),
			.booklet_size = (unsigned)(left < size ? left : size), .token = text,
			.human_code = code, .value_cents = is->campaign.value_cents,
			.last_day = is->last_day_fr, .funder_name = is->funder.public_name,
		};
		if (print_booklet_add(is->pdf, &v, e) != 0)
			return -1;
	}
	if (!(is->r->formats & (ISSUANCE_FORMAT_PNG | ISSUANCE_FORMAT_SVG)))
		return 0;
	if (qr_encode(text, &m, e) != 0)
		return -1;
	if (is->r->formats & ISSUANCE_FORMAT_PNG) {
		snprintf(path, sizeof(path), "%s/%s.png", is->tmp, hex);
		rc = qr_write_png(m, path, 8, e);
	}
	if (rc == 0 && (is->r->formats & ISSUANCE_FORMAT_SVG)) {
		snprintf(path, sizeof(path), "%s/%s.svg", is->tmp, hex);
		rc = qr_write_svg(m, path, e);
	}
	qr_free(m);
	return rc;
}


/* Stages every chunk, signing the next one in other threads meanwhile. */
static int
issue_stage_all(struct issue *is, struct error *e)
{
	struct issue_signer signers[ISSUE_SIGNERS] = { 0 };
	struct issue_stage st = { .is = is };
	struct error ignored;
	int64_t next = 0;
	int turn = 0, rc = -1;

	if (issue_sign_start(is, signers, &is->chunks[0], 0, e) != 0)
		goto done;
	while (signers[0].running) {
		if (issue_sign_wait(signers, e) != 0)
			goto done;
		st.c = &is->chunks[turn];
		next = st.c->first + (int64_t)st.c->n;
		turn ^= 1;
		if (next < is->r->count &&
		    issue_sign_start(is, signers, &is->chunks[turn], next, e) != 0)
			goto done;
		if (db_write(is->db, DB_BUSY_DEFAULT, issue_stage_work, &st, e) != 0)
			goto done;
		if (is->first_booklet == 0)
			is->first_booklet = st.c->booklet[0];
		is->booklet_id = st.booklet;
		for (size_t i = 0; i < st.c->n; i++)
			if (issue_write_voucher(is, st.c, i, e) != 0)
				goto done;
		if (is->r->progress != NULL)
			is->r->progress(next, is->r->count, is->r->progress_ctx);
	}
	rc = 0;
done:
	issue_sign_wait(signers, &ignored);
	return rc;
}

/* Finishes the CSV (flushed and synced) and the PDF. */
static int
issue_close_files(struct issue *is, struct error *e)
{
	int rc = 0;

	if (is->csv != NULL) {
		if (fflush(is->csv) != 0 || fsync(fileno(is->csv)) != 0)
			rc = error_set(e, 500, "WRITE_FAILED", "%s: %s", is->csv_name, strerror(errno));
		if (fclose(is->csv) != 0 && rc == 0)
			rc = error_set(e, 500, "WRITE_FAILED", "%s: %s", is->csv_name, strerror(errno));
		is->csv = NULL;
	}
	if (is->pdf != NULL) {
		struct print_booklets *pdf = is->pdf;
		is->pdf = NULL;
		if (print_booklet_close(pdf, rc == 0 ? e : &(struct error){ 0 }) != 0)
			rc = -1;
	}
	return rc;
}

/* Calls fn(name) for every file of the temporary directory; stops at the
 * first failure. */
static int
issue_each_file(struct issue *is, int (*fn)(struct issue *is, int tmpfd, int outfd,
    const char *name, struct error *e), struct error *e)
{
	DIR *dir = opendir(is->tmp);
	int outfd = open(is->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	struct dirent *d;

	if (dir == NULL || outfd == -1) {
		rc = error_set(e, 500, "WRITE_FAILED", "%s: %s", is->tmp, strerror(errno));
		goto done;
	}
	while (rc == 0 && (d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			rc = fn(is, dirfd(dir), outfd, d->d_name, e);
	if (rc == 0 && fsync(outfd) != 0)
		rc = error_set(e, 500, "WRITE_FAILED", "%s: %s", is->out, strerror(errno));
done:
	if (dir != NULL)
		closedir(dir);
	if (outfd != -1)
		close(outfd);
	return rc;
}

static int
issue_file_absent(struct issue *is, int tmpfd, int outfd, const char *name, struct error *e)
{
	(void)tmpfd;
	if (faccessat(outfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return error_set(e, 409, "OUT_EXISTS", "%s/%s already exists", is->out, name);
	return 0;
}

static int
issue_file_move(struct issue *is, int tmpfd, int outfd, const char *name, struct error *e)
{
	if (renameat2(tmpfd, name, outfd, name, RENAME_NOREPLACE) != 0)
		return error_set(e, 500, "MOVE_FAILED",
		    "batch %lld is issued, but %s could not be moved into %s (%s): the files are in %s",
		    (long long)is->batch_id, name, is->out, strerror(errno), is->tmp);
	return 0;
}

/* Refuses when the issuer key of the batch was revoked during staging. */
static int
issue_status_read(const struct db_row *row, void *ctx, struct error *e)
{
	(void)e;
	db_row_text(row, 0, ctx, 16);
	return 0;
}

static int
issue_key_row_status_ok(struct db *db, int64_t key_row, struct error *e)
{
	char status[16] = "";

	if (db_one(db, "SELECT status FROM issuer_keys WHERE id = ?1", DB_ARGS(DB_INT(key_row)),
	    issue_status_read, status, e) < 0)
		return -1;
	if (strcmp(status, "revoked") == 0 || status[0] == '\0')
		return error_set(e, 409, "KEY_REVOKED",
		    "the issuer key was revoked while the batch was staged");
	return 0;
}

/* Activation, one short transaction: ledger entry "issue", batch active.
 * Refuses if the key was revoked or the balance fell meanwhile. Its
 * vouchers are then flipped to 'issued' by issue_flip; until then they stay
 * pending (not redeemable) and no file is in --out yet. */
static int
issue_activate_work(struct db *db, void *ctx, struct error *e)
{
	struct issue *is = ctx;
	struct ledger_entry entry = { .time = is->now };

	if (issue_key_row_status_ok(db, is->key_row, e) != 0 || issue_balance_check(is, e) != 0)
		return -1;
	snprintf(entry.kind, sizeof(entry.kind), "issue");
	snprintf(entry.reference, sizeof(entry.reference), "batch:%lld", (long long)is->batch_id);
	snprintf(entry.memo, sizeof(entry.memo), "issue of %lld passes, campaign %lld",
	    (long long)is->r->count, (long long)is->campaign.id);
	if (ledger_post(&entry, ACCOUNT_FUNDER_BALANCE, is->funder.id, is->total_cents, e) != 0 ||
	    ledger_post(&entry, ACCOUNT_OUTSTANDING, is->campaign.id, -is->total_cents, e) != 0 ||
	    ledger_append(db, &entry, NULL, e) != 0)
		return -1;
	is->entry_seq = entry.seq;
	if (db_run(db, "UPDATE batches SET status = 'active', entry_seq = ?2, activated_at = ?3"
	    " WHERE id = ?1 AND status = 'pending'", DB_ARGS(DB_INT(is->batch_id),
	    DB_INT(entry.seq), DB_INT(is->now)), e) != 0)
		return -1;
	if (db_changes(db) != 1)
		return error_set(e, 409, "BATCH_GONE", "batch %lld is no longer pending",
		    (long long)is->batch_id);
	return 0;
}

/* Flips every pending voucher of active batch batch_id to 'issued', in
 * short transactions (the batch's ledger entry is already posted). */
static int
issue_flip(struct db *db, int64_t batch_id, struct error *e)
{
	return issue_pending_chunks(db, "UPDATE vouchers SET status = 'issued' WHERE id IN (SELECT v.id"
	    " FROM vouchers v JOIN batches b ON b.id = v.batch_id AND b.status = 'active'"
	    " WHERE v.batch_id = ?1 AND v.status = 'pending' LIMIT ?2)", batch_id, NULL, e);
}

/* Staging inserts random serials all over the vouchers B-tree, so each
 * chunk dirties most of its leaf pages: a page cache of 64 MiB (bounded,
 * whatever the batch size) keeps them from being read and spilled again,
 * and checkpointing every 16384 WAL pages instead of 1000 copies a page
 * into the database once per many chunks instead of once per chunk
 * (durability is unchanged: every commit is still synced to the WAL).
 * Both are restored to SQLite's defaults afterwards. */
static void
issue_cache(struct db *db, int big)
{
	struct error ignored;

	db_exec(db, big ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -2000", &ignored);
	db_exec(db, big ? "PRAGMA wal_autocheckpoint = 16384" : "PRAGMA wal_autocheckpoint = 1000",
	    &ignored);
}

/* Removes a temporary directory of issuance (path) and the files in it.
 * Returns 0 when it is gone. */
static int
issue_remove_dir(const char *path)
{
	DIR *dir;
	struct dirent *d;

	if (path[0] == '\0' || (dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			unlinkat(dirfd(dir), d->d_name, 0);
	closedir(dir);
	return rmdir(path);
}

/* Removes the temporary directory and what is left in it. */
static void
issue_remove_tmp(struct issue *is)
{
	issue_remove_dir(is->tmp);
	is->tmp[0] = '\0';
}

/* HOME/issue.lock also records the issuance under way, "BATCH\tTMPDIR\n",
 * from the moment its temporary directory exists until its files are in
 * --out (or removed): a later issuance that finds a record left there knows
 * which batch was interrupted and where its files are. */
static void
issue_record_write(int fd, int64_t batch_id, const char *tmp)
{
	char line[PATH_MAX + 32];
	int n = snprintf(line, sizeof(line), "%lld\t%s\n", (long long)batch_id, tmp);

	if (ftruncate(fd, 0) == 0 && n > 0 && n < (int)sizeof(line) &&
	    pwrite(fd, line, (size_t)n, 0) == n)
		fdatasync(fd);
}

static void
issue_record_clear(int fd)
{
	if (ftruncate(fd, 0) == 0)
		fdatasync(fd);
}

/* Reads the record left by an interrupted issuance into r (batch_id 0 and
 * dir "" when none, or when it does not name one of our temporary
 * directories). */
static void
issue_record_read(int fd, struct issuance_sweep_report *r)
{
	char line[PATH_MAX + 32], *tab, *slash;
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
	long long batch;

	memset(r, 0, sizeof(*r));
	if (n <= 0)
		return;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if ((tab = strchr(line, '\t')) == NULL || sscanf(line, "%lld", &batch) != 1 || batch < 1)
		return;
	slash = strrchr(tab + 1, '/');
	if (slash == NULL || strncmp(slash + 1, ".passnum-issue-", 15) != 0 ||
	    strlen(tab + 1) >= sizeof(r->dir))
		return;
	r->batch_id = batch;
	snprintf(r->dir, sizeof(r->dir), "%s", tab + 1);
}

/* Reads column 0 of a row as text into ctx (16 bytes). */
static int issue_status_read(const struct db_row *row, void *ctx, struct error *e);

/* Sweeps abandoned batches (issue_sweep) and reports, in out, the
 * interrupted issuance recorded in the lock file (record): a batch that was
 * charged keeps its files in its temporary directory (named); one that was
 * not has its useless temporary directory removed. */
static int
issue_sweep_report(struct db *db, const struct issuance_sweep_report *record,
    struct issuance_result *out, struct error *e)
{
	struct issuance_sweep_report *r = &out->sweep;
	char status[16] = "";
	int64_t last;

	if (issue_sweep(db, &out->swept, &last, e) != 0)
		return -1;
	*r = *record;
	if (r->batch_id == 0 || (r->batch_id != last && last != 0)) {
		memset(r, 0, sizeof(*r));
		r->batch_id = last;
	}
	if (r->batch_id == 0)
		return 0;
	if (db_one(db, "SELECT status FROM batches WHERE id = ?1", DB_ARGS(DB_INT(r->batch_id)),
	    issue_status_read, status, e) < 0)
		return -1;
	r->finished = strcmp(status, "active") == 0;
	if (r->finished && r->dir[0] != '\0' && access(r->dir, F_OK) != 0 && last == 0) {
		/* Its files were moved; only clearing the record was missed. */
		memset(r, 0, sizeof(*r));
		return 0;
	}
	if (!r->finished && r->dir[0] != '\0')
		r->dir_removed = issue_remove_dir(r->dir) == 0 || access(r->dir, F_OK) != 0;
	if (status[0] == '\0')
		r->batch_id = 0; /* killed before its batch row: only a folder */
	return 0;
}

/* Undoes a failed issuance: files, then the staged rows and batch. */
static void
issue_undo(struct issue *is, int staged)
{
	struct error ignored;
	int64_t removed = 0;

	if (is->csv != NULL)
		fclose(is->csv);
	is->csv = NULL;
	print_booklet_abort(is->pdf);
	is->pdf = NULL;
	issue_remove_tmp(is);
	if (staged)
		issue_remove_batch(is->db, is->batch_id, 0, &removed, &ignored);
}

/* Fills out with what batch is made (once activated). */
static void
issue_result(const struct issue *is, struct issuance_result *out)
{
	out->batch_id = is->batch_id;
	out->first_booklet = is->first_booklet;
	out->last_booklet = is->booklet_id;
	out->total_cents = is->total_cents;
	out->entry_seq = is->entry_seq;
	snprintf(out->out_dir, sizeof(out->out_dir), "%s", is->out);
	if (is->r->formats & ISSUANCE_FORMAT_CSV)
		snprintf(out->csv_path, sizeof(out->csv_path), "%s/%s", is->out, is->csv_name);
	if (is->r->formats & ISSUANCE_FORMAT_PDF)
		snprintf(out->pdf_path, sizeof(out->pdf_path), "%s/%s", is->out, is->pdf_name);
}

int
issuance_batch_issue(struct db *db, const char *home, const struct issuance_request *r,
    int64_t now, struct issuance_result *out, struct error *e)
{
	struct issuance_sweep_report record;
	struct issue *is;
	int lock = -1, staged = 0, recorded = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if (ISSUANCE_OUTSIDE_WRITE(db, e) != 0)
		return -1;
	if ((is = calloc(1, sizeof(*is))) == NULL)
		abort();
	is->db = db;
	is->r = r;
	is->now = now;
	if (issue_check(is, home, e) != 0)
		goto fail_nokey;
	if ((lock = issuance_lock(home, e)) < 0)
		goto fail;
	issue_record_read(lock, &record);
	if (issue_names(is, e) != 0 || issue_open_files(is, e) != 0 ||
	    issue_sweep_report(db, &record, out, e) != 0)
		goto fail;
	issue_record_write(lock, is->batch_id, is->tmp);
	recorded = 1;
	if ((is->chunks = calloc(2, sizeof(*is->chunks))) == NULL)
		abort();
	if (db_write(db, DB_BUSY_DEFAULT, issue_insert_batch, is, e) != 0)
		goto fail;
	staged = 1;
	issue_cache(db, 1);
	if (issue_stage_all(is, e) != 0 || issue_close_files(is, e) != 0)
		goto fail;
	secret_key_wipe(&is->secret);
	if (issue_each_file(is, issue_file_absent, e) != 0 ||
	    db_write(db, DB_BUSY_DEFAULT, issue_activate_work, is, e) != 0)
		goto fail;
	issue_result(is, out);
	if (issue_flip(db, is->batch_id, e) != 0) {
		error_set(e, e->status, e->code, "batch %lld is issued but its passes are not all"
		    " active yet (%s); the next batch issue finishes it; its files are in %s",
		    (long long)is->batch_id, e->message, is->tmp);
		snprintf(out->tmp_dir, sizeof(out->tmp_dir), "%s", is->tmp);
		goto done;
	}
	rc = issue_each_file(is, issue_file_move, e);
	if (rc != 0) {
		snprintf(out->tmp_dir, sizeof(out->tmp_dir), "%s", is->tmp);
		goto done;
	}
	issue_remove_tmp(is);
	issue_record_clear(lock);
	goto done;
fail:
	issue_undo(is, staged);
	if (recorded)
		issue_record_clear(lock);
done:
	secret_key_wipe(&is->secret);
fail_nokey:
	issue_cache(db, 0);
	issuance_unlock(lock);
	if (is->chunks != NULL)
		sodium_memzero(is->chunks, 2 * sizeof(*is->chunks));
	free(is->chunks);
	free(is);
	return rc;
}
