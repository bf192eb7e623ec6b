/* The funder report's table of the operator's float (docs/accounting.md
 * "The float"): what the operator paid to the funder's places from its own
 * money before the funder paid the invoices billing those passes. */
#include "report_private.h"
#include "settlement.h"

static const struct report_column report_float_columns[] = {
	{ "label", "Avances de l'opérateur, à ce jour", REPORT_COLUMN_TEXT, -1 },
	{ "advanced_cents", "Avancé aux lieux (€)", REPORT_COLUMN_MONEY, -1 },
	{ "repaid_cents", "Remboursé par vos paiements (€)", REPORT_COLUMN_MONEY, -1 },
	{ "outstanding_cents", "Restant à rembourser (€)", REPORT_COLUMN_MONEY, -1 },
	{ NULL, NULL, 0, 0 },
};

int
report_float_add(struct db *db, int64_t funder_id, struct report_doc *doc, struct error *e)
{
	struct report_table *t;
	int64_t advanced = 0, repaid = 0;
	int row;

	if (settlement_float_totals(db, funder_id, &advanced, &repaid, e) != 0)
		return -1;
	if (advanced == 0)
		return 0;
	t = report_doc_table(doc, "operator_float", "Lieux payés avant le paiement de vos factures"
	    " (avance de trésorerie de l'opérateur)", report_float_columns);
	if (t == NULL || (row = report_table_row(t)) < 0 ||
	    report_set_text(t, row, 0, "Pass utilisés payés aux lieux par l'opérateur") != 0)
		return error_set(e, 500, "NO_MEMORY", "out of memory building the report");
	report_set_money(t, row, 1, advanced);
	report_set_money(t, row, 2, repaid);
	report_set_money(t, row, 3, advanced - repaid);
	return 0;
}
