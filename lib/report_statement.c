/* The place's own redemptions of a period, and the payee statement (relevé
 * de remboursement): every redemption of its places, the cancellations,
 * and the transfers of the period's settlements. */
#include <stdlib.h>
#include <string.h>
#include "code.h"
#include "date.h"
#include "db.h"
#include "money.h"
#include "registry.h"
#include "report_private.h"

struct statement {
	struct db *db;
	const struct report_range *range;
	bool payee;
	struct report_table *used, *cancelled, *transfers;
	int64_t passes, cents, cancelled_passes, cancelled_cents;
	int64_t id; /* the place or payee */
};

/* Appends the code of one pass (row: serial) to the text in ctx. */
static int
statement_code(const struct db_row *row, void *ctx, struct error *e)
{
	char *codes = ctx, code[CODE_TEXT_LEN + 1];
	uint8_t serial[CODE_SERIAL_BYTES];

	(void)e;
	if (db_row_blob(row, 0, serial, sizeof(serial)) != 0)
		return 0;
	code_format(serial, code);
	if (strlen(codes) + CODE_TEXT_LEN + 2 < 2048) {
		if (codes[0] != '\0')
			strcat(codes, " ");
		strcat(codes, code);
	}
	return 0;
}

/* One redemption (id, day, service code, service name, place, cents,
 * cancelled_at, passes) into the used or cancelled table. */
static int
statement_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct statement *s = ctx;
	bool cancelled = !db_row_is_null(row, 6) && db_row_int64(row, 6) < s->range->end;
	struct report_table *t = cancelled ? s->cancelled : s->used;
	char day[DATE_FORMAT_SIZE], service[300], place[REGISTRY_NAME_MAX + 1];
	char *codes = calloc(1, 2048);
	int r = report_table_row(t), col = 0;

	if (codes == NULL || r < 0 ||
	    db_each(s->db, "SELECT serial FROM redemption_vouchers WHERE redemption_id = ?1"
	    " ORDER BY serial", DB_ARGS(DB_INT(db_row_int64(row, 0))), statement_code, codes, e) != 0) {
		free(codes);
		return -1;
	}
	date_format((int32_t)db_row_int64(row, 1), day);
	snprintf(service, sizeof(service), "%s (%s)", db_row_text_ptr(row, 3, NULL),
	    db_row_text_ptr(row, 2, NULL));
	db_row_text(row, 4, place, sizeof(place));
	report_set_text(t, r, col++, day);
	if (s->payee)
		report_set_text(t, r, col++, place);
	report_set_text(t, r, col++, service);
	report_set_count(t, r, col++, db_row_int64(row, 7), -1, "%s", "");
	report_set_text(t, r, col++, codes);
	report_set_money(t, r, col, db_row_int64(row, 5));
	if (cancelled)
		s->cancelled_passes += db_row_int64(row, 7), s->cancelled_cents += db_row_int64(row, 5);
	else
		s->passes += db_row_int64(row, 7), s->cents += db_row_int64(row, 5);
	free(codes);
	return 0;
}

/* One transfer (period, end_to_end_id, statement, cents, execution_day,
 * status). */
static int
statement_transfer(const struct db_row *row, void *ctx, struct error *e)
{
	struct statement *s = ctx;
	struct report_table *t = s->transfers;
	char day[DATE_FORMAT_SIZE];
	int r = report_table_row(t);

	(void)e;
	if (r < 0)
		return -1;
	date_format((int32_t)db_row_int64(row, 4), day);
	report_set_text(t, r, 0, db_row_text_ptr(row, 0, NULL));
	report_set_text(t, r, 1, day);
	report_set_text(t, r, 2, db_row_text_ptr(row, 1, NULL));
	report_set_text(t, r, 3, db_row_text_ptr(row, 2, NULL));
	report_set_money(t, r, 4, db_row_int64(row, 3));
	return 0;
}

/* Closes a redemptions table with its total row. */
static int
statement_total(struct report_table *t, bool payee, int64_t passes, int64_t cents)
{
	int r = report_table_row(t), col = payee ? 3 : 2;

	if (r < 0)
		return -1;
	t->total_row = true;
	report_set_text(t, r, 0, "Total");
	report_set_count(t, r, col, passes, -1, "%s", "");
	report_set_money(t, r, col + 2, cents);
	return 0;
}

/* The redemptions of the period at the places whose column who is ?1. */
#define STATEMENT_REDEMPTIONS(who) \
	"SELECT r.id, r.day, sv.code, sv.name, pl.name, r.value_cents, r.cancelled_at," \
	" (SELECT count(*) FROM redemption_vouchers x WHERE x.redemption_id = r.id)" \
	" FROM places pl CROSS JOIN redemptions r ON r.place_id = pl.id" \
	" JOIN services sv ON sv.id = r.service_id" \
	" WHERE " who " = ?1 AND r.day BETWEEN ?2 AND ?3 AND r.created_at < ?4" \
	" ORDER BY r.day, r.id"

static int
statement_read(struct db *db, void *ctx, struct error *e)
{
	struct statement *s = ctx;
	const struct db_value *args = DB_ARGS(DB_INT(s->id), DB_INT(s->range->first),
	    DB_INT(s->range->last), DB_INT(s->range->end));

	/* the place or the payee's places first, so that SQLite reads only their
	 * redemptions of the period (redemptions_by_place_day), not all of them */
	if (db_each(db, s->payee ? STATEMENT_REDEMPTIONS("pl.payee_id") :
	    STATEMENT_REDEMPTIONS("pl.id"), args, statement_row, s, e) != 0)
		return -1;
	if (s->payee && db_each(db, "SELECT st.period, p.end_to_end_id, p.statement, p.amount_cents,"
	    " st.execution_day, p.status FROM payouts p JOIN settlements st ON st.id = p.settlement_id"
	    " WHERE p.payee_id = ?1 AND st.period BETWEEN ?2 AND ?3 ORDER BY st.period",
	    DB_ARGS(DB_INT(s->id), DB_TEXT(s->range->first_month), DB_TEXT(s->range->last_month)),
	    statement_transfer, s, e) != 0)
		return -1;
	return 0;
}

static const struct report_column statement_place_columns[] = {
	{ "day", "Date", REPORT_COLUMN_TEXT, -1 },
	{ "service", "Service", REPORT_COLUMN_TEXT, -1 },
	{ "passes", "Pass", REPORT_COLUMN_COUNT, -1 },
	{ "codes", "Codes des pass", REPORT_COLUMN_TEXT, -1 },
	{ "amount_cents", "Montant TTC (€)", REPORT_COLUMN_MONEY, -1 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column statement_payee_columns[] = {
	{ "day", "Date", REPORT_COLUMN_TEXT, -1 },
	{ "place", "Lieu", REPORT_COLUMN_TEXT, -1 },
	{ "service", "Service", REPORT_COLUMN_TEXT, -1 },
	{ "passes", "Pass", REPORT_COLUMN_COUNT, -1 },
	{ "codes", "Codes des pass", REPORT_COLUMN_TEXT, -1 },
	{ "amount_cents", "Montant TTC (€)", REPORT_COLUMN_MONEY, -1 },
	{ NULL, NULL, 0, 0 },
};

static const struct report_column statement_transfer_columns[] = {
	{ "settlement_period", "Mois réglé", REPORT_COLUMN_TEXT, -1 },
	{ "execution_day", "Date d'exécution", REPORT_COLUMN_TEXT, -1 },
	{ "end_to_end_id", "Référence du virement (EndToEndId)", REPORT_COLUMN_TEXT, -1 },
	{ "statement", "N° de relevé", REPORT_COLUMN_TEXT, -1 },
	{ "amount_cents", "Montant viré (€)", REPORT_COLUMN_MONEY, -1 },
	{ NULL, NULL, 0, 0 },
};

/* Title, subject and glossary; 404 for an unknown subject. */
static int
statement_subject(struct db *db, bool payee, int64_t id, struct report_doc *doc,
    struct error *e)
{
	struct payee py;
	struct place pl;

	if (payee) {
		if (registry_payee_get(db, id, &py, e) != 0)
			return -1;
		doc->kind = "payee";
		snprintf(doc->title, sizeof(doc->title), "Relevé de remboursement — %s", py.name);
		snprintf(doc->subject, sizeof(doc->subject), "Bénéficiaire : %s (SIRET %s)", py.name,
		    py.siret);
		report_doc_note(doc, "Tous les montants sont des montants TTC ; TVA éventuellement due"
		    " par le lieu.");
		report_doc_note(doc, "Les lieux ne facturent pas l'opérateur : ce relevé tient lieu de"
		    " justificatif du virement.");
		report_doc_term(doc, "EndToEndId", "référence du virement SEPA, reprise sur le relevé"
		    " bancaire du bénéficiaire.");
	} else {
		if (registry_place_get(db, id, &pl, e) != 0)
			return -1;
		doc->kind = "place";
		snprintf(doc->title, sizeof(doc->title), "Pass utilisés — %s", pl.name);
		snprintf(doc->subject, sizeof(doc->subject), "Lieu : %s", pl.name);
		report_doc_note(doc, "Tous les montants sont des montants TTC ; TVA éventuellement due"
		    " par le lieu.");
	}
	report_doc_term(doc, "Pass utilisé", "pass échangé contre un service dans le lieu.");
	report_doc_term(doc, "Annulation", "utilisation annulée par le lieu : elle n'est pas"
	    " remboursée.");
	report_doc_term(doc, "Provisoire", "la période n'est pas terminée : le relevé changera.");
	return 0;
}

int
report_statement_build(struct db *db, bool payee, int64_t id, const struct report_range *r,
    struct report_doc *doc, struct error *e)
{
	const struct report_column *columns = payee ? statement_payee_columns
	    : statement_place_columns;
	struct statement s = { .db = db, .range = r, .payee = payee, .id = id };

	if (statement_subject(db, payee, id, doc, e) != 0)
		return -1;
	s.used = report_doc_table(doc, "redemptions", "Pass utilisés", columns);
	s.cancelled = report_doc_table(doc, "cancellations", "Annulations", columns);
	if (payee)
		s.transfers = report_doc_table(doc, "transfers", "Virements correspondants",
		    statement_transfer_columns);
	if (s.used == NULL || s.cancelled == NULL || (payee && s.transfers == NULL))
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	if (db_read(db, statement_read, &s, e) != 0)
		return -1;
	if (statement_total(s.used, payee, s.passes, s.cents) != 0 ||
	    statement_total(s.cancelled, payee, s.cancelled_passes, s.cancelled_cents) != 0)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	if (payee && s.transfers->rows == 0)
		report_doc_note(doc, "Aucun virement n'a encore été fait pour cette période.");
	return 0;
}

/* Rows (period, end_to_end_id, statement, cents, execution_day, status) of
 * the year's transfers, summed into s->cents, counted in s->passes. */
static int
certificate_transfer(const struct db_row *row, void *ctx, struct error *e)
{
	struct statement *s = ctx;

	if (money_add(s->cents, db_row_int64(row, 3), &s->cents) != 0)
		return error_set(e, 500, "OVERFLOW", "the year's transfers overflow");
	s->passes++;
	return statement_transfer(row, ctx, e);
}

static int
certificate_read(struct db *db, void *ctx, struct error *e)
{
	struct statement *s = ctx;

	return db_each(db, "SELECT st.period, p.end_to_end_id, p.statement, p.amount_cents,"
	    " st.execution_day, p.status FROM payouts p JOIN settlements st ON st.id = p.settlement_id"
	    " WHERE p.payee_id = ?1 AND st.execution_day BETWEEN ?2 AND ?3 AND st.created_at < ?4"
	    " AND p.status NOT IN ('rejected', 'returned') ORDER BY st.execution_day, p.id",
	    DB_ARGS(DB_INT(s->id), DB_INT(s->range->first), DB_INT(s->range->last),
	    DB_INT(s->range->end)), certificate_transfer, s, e) < 0 ? -1 : 0;
}

int
report_certificate_fill(struct db *db, int64_t payee_id, const struct report_range *r,
    struct report_doc *doc, struct error *e)
{
	struct statement s = { .db = db, .range = r, .payee = true, .id = payee_id };
	char total[MONEY_FORMAT_FR_SIZE], note[600];
	struct payee py;
	int row;

	if (registry_payee_get(db, payee_id, &py, e) != 0)
		return -1;
	doc->kind = "payee";
	snprintf(doc->title, sizeof(doc->title), "Attestation annuelle des sommes versées — %s",
	    py.name);
	snprintf(doc->subject, sizeof(doc->subject), "Bénéficiaire : %s (SIRET %s)", py.name,
	    py.siret);
	if ((s.transfers = report_doc_table(doc, "transfers", "Virements reçus dans l'année",
	    statement_transfer_columns)) == NULL)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	if (db_read(db, certificate_read, &s, e) != 0)
		return -1;
	if ((row = report_table_row(s.transfers)) < 0)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	s.transfers->total_row = true;
	report_set_text(s.transfers, row, 0, "Total");
	report_set_money(s.transfers, row, 4, s.cents);
	money_format_fr(s.cents, total, sizeof(total));
	/* s.passes counts the transfers here; the payee is named by the subject
	 * line (a long name would not fit in a note) */
	snprintf(note, sizeof(note), "L'opérateur atteste avoir versé au bénéficiaire (SIRET %s),"
	    " par %lld virement%s exécuté%s dans l'année, la somme de %s au titre des pass"
	    " numériques utilisés dans ses lieux.", py.siret, (long long)s.passes,
	    s.passes > 1 ? "s" : "", s.passes > 1 ? "s" : "", total);
	report_doc_note(doc, note);
	report_doc_note(doc, "Tous les montants sont des montants TTC ; TVA éventuellement due par"
	    " le lieu. Les lieux ne facturent pas l'opérateur : chaque virement a son relevé de"
	    " remboursement, du même numéro.");
	report_doc_note(doc, "Ne sont pas comptés les virements rejetés par la banque ou"
	    " retournés.");
	report_doc_term(doc, "EndToEndId", "référence du virement SEPA, reprise sur le relevé"
	    " bancaire du bénéficiaire.");
	report_doc_term(doc, "Date d'exécution", "jour où l'opérateur a demandé à sa banque"
	    " d'exécuter le virement.");
	report_doc_term(doc, "Provisoire", "l'année n'est pas terminée : l'attestation changera.");
	return 0;
}

/* One row (period, statement, end_to_end_id, cents, execution_day, status)
 * of a payee's payouts, to the caller's function. */
struct statement_list {
	report_statement_fn fn;
	void *ctx;
	struct report_statement_entry *found;
};

static int
statement_entry(const struct db_row *row, void *ctx, struct error *e)
{
	struct statement_list *l = ctx;
	struct report_statement_entry s;

	memset(&s, 0, sizeof(s));
	db_row_text(row, 0, s.period, sizeof(s.period));
	db_row_text(row, 1, s.statement, sizeof(s.statement));
	db_row_text(row, 2, s.end_to_end_id, sizeof(s.end_to_end_id));
	s.amount_cents = db_row_int64(row, 3);
	s.execution_day = (int32_t)db_row_int64(row, 4);
	db_row_text(row, 5, s.status, sizeof(s.status));
	if (l->found != NULL) {
		*l->found = s;
		return 0;
	}
	return l->fn(&s, l->ctx, e);
}

#define STATEMENT_PAYOUTS \
	"SELECT st.period, p.statement, p.end_to_end_id, p.amount_cents, st.execution_day, p.status" \
	" FROM payouts p JOIN settlements st ON st.id = p.settlement_id WHERE p.payee_id = ?1"

int
report_statements_each(struct db *db, int64_t payee_id, report_statement_fn fn, void *ctx,
    struct error *e)
{
	struct statement_list l = { .fn = fn, .ctx = ctx };

	return db_each(db, STATEMENT_PAYOUTS " ORDER BY st.period DESC", DB_ARGS(DB_INT(payee_id)),
	    statement_entry, &l, e) < 0 ? -1 : 0;
}

int
report_statement_find(struct db *db, int64_t payee_id, const char *period,
    struct report_statement_entry *out, struct error *e)
{
	struct statement_list l = { .found = out };
	int rc;

	rc = db_one(db, STATEMENT_PAYOUTS " AND st.period = ?2", DB_ARGS(DB_INT(payee_id),
	    DB_TEXT(period)), statement_entry, &l, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return error_set(e, 404, "NO_STATEMENT", "no statement for period %s", period);
	return 0;
}

int
report_payee_place_count(struct db *db, int64_t payee_id, int64_t *out, struct error *e)
{
	*out = 0;
	return db_int64(db, "SELECT count(*) FROM places WHERE payee_id = ?1",
	    DB_ARGS(DB_INT(payee_id)), out, e) < 0 ? -1 : 0;
}
