/* Campaign-close summaries: freezing (from `passnum expire`, before the
 * purge), reading and verifying, and their table in the funder report. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "home.h"
#include "keys.h"
#include "note.h"
#include "registry.h"
#include "report_close.h"
#include "report_private.h"

#define CLOSE_HEADER "passnum-campaign-summary-v1"
#define CLOSE_MONTHS 36

struct close_campaign {
	int64_t id;
	int32_t last_day; /* its last day plus tolerance: the last day a pass could be used */
};

struct close_list {
	struct close_campaign *v;
	size_t n;
	int failed;
};

static int
close_collect(const struct campaign *c, void *ctx)
{
	struct close_list *l = ctx;
	struct close_campaign *grown = realloc(l->v, (l->n + 1) * sizeof(*grown));

	if (grown == NULL)
		return l->failed = -1;
	l->v = grown;
	l->v[l->n++] = (struct close_campaign){ c->id, c->last_day + c->tolerance_days };
	return 0;
}

/* The range a summary covers: from the month of the campaign's first
 * hand-out (its last day's month when none) to its last day, at most
 * CLOSE_MONTHS months (hand-outs before are left out), uses up to now. */
static int
close_range(struct db *db, const struct close_campaign *c, int64_t now, struct report_range *r,
    struct error *e)
{
	int64_t first = c->last_day;
	int y, m, d, y1, m1;

	if (db_int64(db, "SELECT coalesce(min(h.day), ?2) FROM handouts h"
	    " JOIN booklets b ON b.id = h.booklet_id JOIN batches t ON t.id = b.batch_id"
	    " WHERE t.campaign_id = ?1", DB_ARGS(DB_INT(c->id), DB_INT(c->last_day)), &first,
	    e) != 1)
		return -1;
	if (first > c->last_day)
		first = c->last_day;
	date_to_ymd(c->last_day, &y1, &m1, &d);
	date_to_ymd((int32_t)first, &y, &m, &d);
	if ((y1 * 12 + m1) - (y * 12 + m) >= CLOSE_MONTHS)
		y = y1 - 3, m = m1 + 1, y += m > 12, m = (m - 1) % 12 + 1;
	memset(r, 0, sizeof(*r));
	if (date_from_ymd(y, m, 1, &r->first) != 0)
		return error_set(e, 500, "STORE_BUG", "bad campaign dates");
	r->last = c->last_day;
	r->end = now + 1;
	r->now = now;
	date_period_format(r->first, r->first_month);
	date_period_format(r->last, r->last_month);
	r->months = (y1 * 12 + m1) - (y * 12 + m) + 1;
	return 0;
}

/* The rows of t as JSON arrays: text cells as strings (the campaign's
 * label, column 0, left empty: it is the registry's to name, and keeps the
 * note short), numbers as [value, booklets], absent ones as null. */
static json_t *
close_rows_json(const struct report_table *t)
{
	json_t *rows = json_array();

	for (size_t r = 0; r < t->rows; r++) {
		json_t *row = json_array();

		for (size_t c = 0; c < t->columns; c++) {
			const struct report_cell *cell = &t->cells[r * t->columns + c];

			if (t->column[c].kind == REPORT_COLUMN_TEXT)
				json_array_append_new(row, json_string(c > 0 && cell->text ? cell->text :
				    ""));
			else if (cell->absent)
				json_array_append_new(row, json_null());
			else
				json_array_append_new(row, json_pack("[I, I]", (json_int_t)cell->value,
				    (json_int_t)cell->booklets));
		}
		json_array_append_new(rows, row);
	}
	return rows;
}

/* The signed text of a summary. */
static int
close_text(const char *origin, int64_t campaign_id, const char *figures, char **out)
{
	size_t size = strlen(origin) + strlen(figures) + 80;

	if ((*out = malloc(size)) == NULL)
		return -1;
	snprintf(*out, size, "%s\n%s\ncampaign %lld\n%s\n", CLOSE_HEADER, origin,
	    (long long)campaign_id, figures);
	return 0;
}

/* The figures of campaign c as JSON text (malloc'd). */
static int
close_figures(struct db *db, const struct close_campaign *c, int64_t now, char **out,
    struct error *e)
{
	struct report_doc doc = { .kind = "funder" };
	struct report_range r;
	char last[DATE_FORMAT_SIZE];
	json_t *j;
	int rc = -1;

	*out = NULL;
	if (close_range(db, c, now, &r, e) != 0 ||
	    report_indicators_campaign(db, c->id, &r, &doc, e) != 0)
		goto done;
	date_format(c->last_day, last);
	j = json_pack("{s:I, s:s, s:s, s:o, s:o}", "campaign", (json_int_t)c->id, "last_use_day",
	    last, "first_month", r.first_month, "indicators", close_rows_json(doc.table[0]),
	    "data_quality", close_rows_json(doc.table[1]));
	if (j != NULL)
		*out = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(j);
	rc = *out != NULL ? 0 : error_set(e, 500, "NO_MEMORY", "out of memory freezing a summary");
done:
	report_doc_clear(&doc);
	return rc;
}

/* Freezes campaign c's summary (none yet). */
static int
close_freeze_one(struct db *db, const char *home, const struct close_campaign *c, int64_t now,
    struct error *e)
{
	struct operator_info op;
	struct secret_key secret;
	struct key_info key;
	char *figures = NULL, *text = NULL, *note = malloc(NOTE_MAX_BYTES);
	int64_t key_row;
	size_t len;
	int rc = -1;

	if (note == NULL || close_figures(db, c, now, &figures, e) != 0 ||
	    home_operator(db, &op, e) != 0)
		goto done;
	if (close_text(op.origin, c->id, figures, &text) != 0) {
		error_set(e, 500, "NO_MEMORY", "out of memory freezing a summary");
		goto done;
	}
	if (keys_load_active(db, home, KEY_LEDGER, &secret, &key, e) != 0)
		goto done;
	rc = note_sign(text, strlen(text), op.origin, secret.bytes, note, NOTE_MAX_BYTES, &len, e);
	secret_key_wipe(&secret);
	if (rc != 0)
		goto done;
	rc = -1;
	if (db_int64(db, "SELECT id FROM ledger_keys WHERE public_key = ?1",
	    DB_ARGS(DB_BLOB(key.public_key, 32)), &key_row, e) != 1) {
		error_set(e, 500, "NO_ACTIVE_KEY", "the ledger key vanished");
		goto done;
	}
	rc = db_run(db, "INSERT INTO campaign_summaries (campaign_id, figures, note, ledger_key,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5)", DB_ARGS(DB_INT(c->id), DB_TEXT(figures),
	    DB_TEXT(note), DB_INT(key_row), DB_INT(now)), e);
done:
	if (note == NULL)
		error_set(e, 500, "NO_MEMORY", "out of memory freezing a summary");
	free(figures);
	free(text);
	free(note);
	return rc;
}

int
report_close_freeze(struct db *db, const char *home, int32_t today, int64_t now,
    int64_t *frozen, struct error *e)
{
	struct close_list l = { NULL, 0, 0 };
	int64_t have;
	int rc = -1;

	*frozen = 0;
	if (DB_IN_WRITE(db, e) != 0 || registry_campaign_list(db, 0, close_collect, &l, e) != 0)
		goto done;
	if (l.failed) {
		error_set(e, 500, "NO_MEMORY", "out of memory freezing summaries");
		goto done;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].last_day >= today)
			continue;
		if (db_int64(db, "SELECT count(*) FROM campaign_summaries WHERE campaign_id = ?1",
		    DB_ARGS(DB_INT(l.v[i].id)), &have, e) != 1)
			goto done;
		if (have == 0 && close_freeze_one(db, home, &l.v[i], now, e) != 0)
			goto done;
		*frozen += have == 0;
	}
	rc = 0;
done:
	free(l.v);
	if (rc != 0)
		*frozen = 0;
	return rc;
}

/* Row (figures, note, created_at) into a summary. */
static int
close_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct report_close_summary *s = ctx;
	size_t len;
	const char *text;

	text = db_row_text_ptr(row, 0, &len);
	s->figures = strndup(text != NULL ? text : "", len);
	text = db_row_text_ptr(row, 1, &len);
	s->note = strndup(text != NULL ? text : "", len);
	s->created_at = db_row_int64(row, 2);
	if (s->figures == NULL || s->note == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory reading a summary");
	return 0;
}

/* Verifies s->note with some ledger key that vouches for its time, and
 * that its text is exactly the summary of s's figures. */
static int
close_verify(struct db *db, struct report_close_summary *s, struct error *e)
{
	struct keys_ledger keys = { NULL, 0 };
	struct operator_info op;
	char *text = NULL;
	size_t text_len = 0;
	int rc = -1;

	if (home_operator(db, &op, e) != 0 || keys_ledger_load(db, &keys, e) != 0)
		return -1;
	if (keys.count == 0)
		error_set(e, 422, "NOTE_NOT_SIGNED", "the home has no ledger key");
	for (size_t i = 0; i < keys.count && rc != 0; i++)
		if (note_verify(s->note, strlen(s->note), op.origin, keys.keys[i].public_key,
		    &text_len, e) == 0) {
			if (!keys_vouches(&keys.keys[i], s->created_at)) {
				keys_revoked_error(&keys.keys[i], "the campaign summary", "was frozen"
				    " after", e);
				break;
			}
			keys_id_hex(keys.keys[i].key_id, s->key_id);
			rc = 0;
		}
	if (rc == 0 && (close_text(op.origin, s->campaign_id, s->figures, &text) != 0 ||
	    strlen(text) != text_len || memcmp(text, s->note, text_len) != 0))
		rc = error_set(e, 422, "BAD_SUMMARY", "the summary of campaign %lld does not match"
		    " its signed note", (long long)s->campaign_id);
	free(text);
	keys_ledger_free(&keys);
	return rc;
}

int
report_close_get(struct db *db, int64_t campaign_id, struct report_close_summary *s,
    struct error *e)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->campaign_id = campaign_id;
	rc = db_one(db, "SELECT figures, note, created_at FROM campaign_summaries"
	    " WHERE campaign_id = ?1", DB_ARGS(DB_INT(campaign_id)), close_row, s, e);
	if (rc == 0)
		rc = error_set(e, 404, "NO_SUMMARY", "campaign %lld has no close summary (it is"
		    " frozen by passnum expire once its last day has passed)", (long long)campaign_id);
	if (rc < 0 || close_verify(db, s, e) != 0) {
		report_close_summary_clear(s);
		return -1;
	}
	return 0;
}

void
report_close_summary_clear(struct report_close_summary *s)
{
	free(s->figures);
	free(s->note);
	s->figures = s->note = NULL;
}

/* Appends the JSON rows (close_rows_json) to t, labelled label. */
static int
close_rows_add(struct report_table *t, json_t *rows, const char *label)
{
	size_t i, c;
	json_t *row, *cell;
	int r;

	json_array_foreach(rows, i, row) {
		if ((r = report_table_row(t)) < 0 ||
		    report_cell_text(report_table_cell(t, (size_t)r, 0), label) != 0)
			return -1;
		json_array_foreach(row, c, cell) {
			struct report_cell *x;

			if (c >= t->columns)
				break;
			x = report_table_cell(t, (size_t)r, c);
			if (c == 0)
				continue;
			if (json_is_string(cell))
				report_cell_text(x, json_string_value(cell));
			else if (json_is_array(cell))
				report_cell_count(x, json_integer_value(json_array_get(cell, 0)),
				    json_integer_value(json_array_get(cell, 1)), NULL);
			else
				x->absent = true;
		}
		/* a column added since the summary was frozen: not computed then */
		for (c = json_array_size(row); c < t->columns; c++)
			report_table_cell(t, (size_t)r, c)->absent = true;
	}
	return 0;
}

struct close_add {
	struct db *db;
	struct report_doc *doc;
	struct report_table *indicators, *quality;
	struct error *e;
	int failed;
};

/* Adds campaign c's verified summary, if any, to the tables. */
static int
close_add_campaign(const struct campaign *c, void *ctx)
{
	struct close_add *a = ctx;
	struct report_close_summary s;
	char label[REGISTRY_NAME_MAX + 32];
	json_error_t jerr;
	json_t *j;
	int rc;

	if (report_close_get(a->db, c->id, &s, a->e) != 0)
		return a->e->status == 404 ? 0 : (a->failed = -1);
	snprintf(label, sizeof(label), "n° %lld — %s", (long long)c->id, c->name);
	j = json_loads(s.figures, 0, &jerr);
	rc = j == NULL ||
	    close_rows_add(a->indicators, json_object_get(j, "indicators"), label) != 0 ||
	    close_rows_add(a->quality, json_object_get(j, "data_quality"), label) != 0 ? -1 : 0;
	json_decref(j);
	report_close_summary_clear(&s);
	if (rc != 0) {
		error_set(a->e, 500, "STORE_ERROR", "cannot read campaign %lld's summary",
		    (long long)c->id);
		return a->failed = -1;
	}
	return 0;
}

int
report_close_add(struct db *db, int64_t funder_id, struct report_doc *doc, struct error *e)
{
	struct close_add a = { db, doc, NULL, NULL, e, 0 };
	int64_t n = 0;

	if (db_int64(db, "SELECT count(*) FROM campaign_summaries s JOIN campaigns c"
	    " ON c.id = s.campaign_id WHERE c.funder_id = ?1", DB_ARGS(DB_INT(funder_id)), &n,
	    e) != 1)
		return -1;
	if (n == 0)
		return 0;
	a.indicators = report_doc_table(doc, "closed_indicators", "Bilans figés à la clôture des"
	    " campagnes : indicateurs d'évaluation", report_indicator_columns);
	a.quality = report_doc_table(doc, "closed_data_quality", "Bilans figés à la clôture des"
	    " campagnes : qualité des données de remise", report_quality_columns);
	if (a.indicators == NULL || a.quality == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	if (registry_campaign_list(db, funder_id, close_add_campaign, &a, e) != 0 || a.failed)
		return -1;
	report_doc_note(doc, "Bilans figés : pour chaque campagne terminée, les indicateurs"
	    " calculés sur toute la campagne à sa clôture, conservés et signés par la clé du"
	    " registre ; ils restent après l'effacement du détail des remises.");
	return 0;
}
