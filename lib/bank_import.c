/* passnum bank import: a bank file read twice by its streaming reader —
 * once to check it whole (format, accounts, duplicates, the settlement a
 * pain.002 is about) without writing, then to record and post it — inside
 * the caller's one write transaction (bank.h, docs/accounting.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "bank_private.h"
#include "bank_match.h"
#include "db.h"
#include "home.h"
#include "ledger.h"

/* What the first pass learnt of each statement, in file order. */
struct import_stmt {
	char ident[121];
	bool operating;        /* the operating account (else third-party funds) */
	bool duplicate;        /* imported before: skipped whole */
	char iban[35];         /* the operator's IBAN it is for */
	bool has_balances;
	int64_t opening_cents, closing_cents, lines;
	int32_t opening_day, closing_day;
};

struct import {
	struct db *db;
	struct operator_info op;
	const char *who;
	int64_t now;
	char file_sha[65];
	bool apply;            /* second pass */
	struct import_stmt *stmts;
	size_t count, cap, cur;
	int64_t statement_id, idx;
	struct bank_import_result *r;
	/* pain.002 */
	int64_t settlement_id;
	char pmt_inf_id[BANK_ID_MAX + 1];
	char report_msg_id[BANK_ID_MAX + 1], report_version[41], orig_msg_id[BANK_ID_MAX + 1];
	bool report_duplicate;
	struct bank_match_ctx m;
};

static void
import_hex(const uint8_t *h, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The account a statement's account is: 0 funds, 1 operating, -1 neither. */
static int
import_account(const struct import *im, const char *account, char iban[35])
{
	const char *mine[2] = { im->op.iban, im->op.operating_iban };
	char norm[35];
	size_t n = 0;

	for (const char *p = account; *p != '\0' && n + 1 < sizeof(norm); p++)
		if (*p != ' ')
			norm[n++] = (char)toupper((unsigned char)*p);
	norm[n] = '\0';
	for (int i = 0; i < 2; i++) {
		if (mine[i][0] == '\0')
			continue;
		if (strcmp(norm, mine[i]) == 0 ||
		    (strncmp(norm, "RIB:", 4) == 0 && strlen(mine[i]) == 27 &&
		    strncmp(mine[i] + 4, norm + 4, 21) == 0 && strlen(norm) == 25)) {
			snprintf(iban, 35, "%s", mine[i]);
			return i;
		}
	}
	return -1;
}

static int
import_begin(void *ctx, struct bank_statement *st, struct error *e)
{
	struct import *im = ctx;

	(void)st;
	(void)e;
	if (!im->apply)
		return 0;
	if (im->cur >= im->count)
		return error_set(e, 500, "BANK_BUG", "the second reading found more statements");
	im->statement_id = 0;
	im->idx = 0;
	return 0;
}

/* Records the statement row in the second pass, before its first line
 * (or at its end when it has none), complete with what the first pass
 * learnt: its closing balance and its number of lines. */
static int
import_statement_row(struct import *im, struct bank_statement *st, struct error *e)
{
	struct import_stmt *s = &im->stmts[im->cur];

	if (im->statement_id != 0 || s->duplicate)
		return 0;
	if (db_run(im->db, "INSERT INTO bank_statements (account, iban, format, version, ident,"
	    " opening_cents, closing_cents, opening_day, closing_day, line_count, file_sha256,"
	    " imported_at, imported_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	    DB_ARGS(DB_TEXT(s->operating ? "operating" : "funds"), DB_TEXT(s->iban),
	    DB_TEXT(bank_format_name(st->format)), DB_TEXT(st->version), DB_TEXT(s->ident),
	    s->has_balances ? DB_INT(s->opening_cents) : DB_NULL,
	    s->has_balances ? DB_INT(s->closing_cents) : DB_NULL,
	    s->has_balances ? DB_INT(s->opening_day) : DB_NULL,
	    s->has_balances ? DB_INT(s->closing_day) : DB_NULL, DB_INT(s->lines),
	    DB_TEXT(im->file_sha), DB_INT(im->now), DB_TEXT(im->who)), e) != 0)
		return -1;
	im->statement_id = db_last_rowid(im->db);
	im->r->statements++;
	return 0;
}

static int
import_line(void *ctx, struct bank_statement *st, const struct bank_line *l, struct error *e)
{
	struct import *im = ctx;

	if (!im->apply)
		return 0;
	struct import_stmt *s = &im->stmts[im->cur];
	if (s->duplicate)
		return 0;
	if (import_statement_row(im, st, e) != 0)
		return -1;
	im->idx++;
	im->r->lines++;
	im->m.statement_id = im->statement_id;
	im->m.operating = s->operating;
	im->m.detail = st->format == BANK_CAMT054;
	return bank_match_line(&im->m, l, im->idx, e);
}

static int
import_end(void *ctx, struct bank_statement *st, struct error *e)
{
	struct import *im = ctx;
	char hex[65];

	if (!im->apply) {
		/* First pass: identity, account, duplicate. */
		struct import_stmt s = { 0 };
		int which = import_account(im, st->iban, s.iban);
		if (which < 0)
			return error_set(e, 409, "FOREIGN_ACCOUNT", "the statement %s of account %s is for"
			    " neither the operator's third-party funds account nor its operating account:"
			    " refused whole", st->id[0] != '\0' ? st->id : "(no id)", st->iban);
		s.operating = which == 1;
		if (st->format == BANK_CFONB120 || (st->format == BANK_CSV && st->id[0] == '\0')) {
			import_hex(st->content_hash, hex);
			snprintf(s.ident, sizeof(s.ident), "sha256:%s", hex);
		} else if (st->seq[0] != '\0')
			snprintf(s.ident, sizeof(s.ident), "%s/%s", st->id, st->seq);
		else
			snprintf(s.ident, sizeof(s.ident), "%s", st->id);
		for (size_t i = 0; i < im->count; i++)
			if (strcmp(im->stmts[i].ident, s.ident) == 0 &&
			    strcmp(im->stmts[i].iban, s.iban) == 0)
				return error_set(e, 400, "BAD_BANK_FILE", "the file holds statement %.60s twice",
				    s.ident);
		int rc = db_one(im->db, "SELECT 1 FROM bank_statements WHERE iban = ?1 AND format = ?2"
		    " AND ident = ?3", DB_ARGS(DB_TEXT(s.iban), DB_TEXT(bank_format_name(st->format)),
		    DB_TEXT(s.ident)), NULL, NULL, e);
		if (rc < 0)
			return -1;
		s.duplicate = rc == 1;
		s.has_balances = st->has_balances;
		s.opening_cents = st->opening_cents;
		s.closing_cents = st->closing_cents;
		s.opening_day = st->opening_day;
		s.closing_day = st->closing_day;
		s.lines = st->lines;
		if (im->count == im->cap) {
			im->cap = im->cap * 2 + 4;
			if (im->cap > 100000)
				return error_set(e, 413, "TOO_MANY_STATEMENTS", "a file of more than 100000"
				    " statements");
			im->stmts = realloc(im->stmts, im->cap * sizeof(*im->stmts));
			if (im->stmts == NULL)
				abort();
		}
		im->stmts[im->count++] = s;
		return 0;
	}
	struct import_stmt *s = &im->stmts[im->cur++];
	if (s->duplicate) {
		im->r->duplicates++;
		return 0;
	}
	if (im->idx != s->lines)
		return error_set(e, 500, "BANK_BUG", "the second reading found other lines");
	return import_statement_row(im, st, e);
}

/* pain.002: the first pass checks what the report is about. */
static int
import_status(void *ctx, const struct bank_status *st, struct error *e)
{
	struct import *im = ctx;

	if (!im->apply) {
		if (im->report_msg_id[0] == '\0') {
			snprintf(im->report_msg_id, sizeof(im->report_msg_id), "%s", st->msg_id);
			snprintf(im->report_version, sizeof(im->report_version), "%s", st->version);
			snprintf(im->orig_msg_id, sizeof(im->orig_msg_id), "%s", st->orig_msg_id);
			int rc = db_one(im->db, "SELECT 1 FROM bank_status_reports WHERE msg_id = ?1",
			    DB_ARGS(DB_TEXT(st->msg_id)), NULL, NULL, e);
			if (rc < 0)
				return -1;
			im->report_duplicate = rc == 1;
		}
		return bank_status_check(&im->m, st, e);
	}
	if (im->report_duplicate)
		return 0;
	return bank_status_apply(&im->m, st, e);
}

int
bank_import(struct db *db, const char *path, const char *who, int64_t now,
    struct bank_import_result *r, struct error *e)
{
	struct import im = { .db = db, .who = who, .now = now, .r = r };
	struct bank_sink sink = { import_begin, import_line, import_end, import_status, &im };
	struct bank_source src = { .path = path };
	struct hash_sha256_state h;
	uint8_t digest[32], buf[65536];
	size_t n;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (DB_IN_WRITE(db, e) != 0 || home_operator(db, &im.op, e) != 0)
		return -1;
	if (im.op.iban[0] == '\0' && im.op.operating_iban[0] == '\0')
		return error_set(e, 409, "NO_OPERATOR_IBAN", "the operator has no account to import"
		    " statements of: `passnum operator set --iban IBAN`");
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return error_set(e, 404, "NO_FILE", "cannot read %s", path);
	hash_sha256_init(&h);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		hash_sha256_update(&h, buf, n);
	fclose(f);
	hash_sha256_final(&h, digest);
	import_hex(digest, im.file_sha);
	r->unmatched = json_array();
	if (bank_match_init(&im.m, db, who, now, r, e) != 0)
		goto done;
	/* First pass: nothing written. */
	if (bank_read(&src, &sink, &r->format, e) != 0)
		goto done;
	if (r->format == BANK_PAIN002) {
		if (im.report_duplicate) {
			r->duplicates = 1;
			rc = 0;
			goto done;
		}
	} else if (im.count == 0) {
		error_set(e, 400, "BAD_BANK_FILE", "the file holds no statement");
		goto done;
	}
	/* Second pass: record and post. */
	im.apply = true;
	im.cur = 0;
	if (bank_read(&src, &sink, &r->format, e) != 0)
		goto done;
	if (r->format == BANK_PAIN002) {
		if (db_run(db, "INSERT INTO bank_status_reports (msg_id, orig_msg_id, version, accepted,"
		    " rejected, file_sha256, imported_at, imported_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		    " ?8)", DB_ARGS(DB_TEXT(im.report_msg_id), DB_TEXT(im.orig_msg_id),
		    DB_TEXT(im.report_version), DB_INT(r->statuses_accepted), DB_INT(r->statuses_rejected),
		    DB_TEXT(im.file_sha), DB_INT(now), DB_TEXT(who)), e) != 0)
			goto done;
		r->statements = 1;
	}
	rc = 0;
done:
	bank_match_free(&im.m);
	free(im.stmts);
	return rc;
}

void
bank_import_result_free(struct bank_import_result *r)
{
	json_decref(r->unmatched);
	r->unmatched = NULL;
}
