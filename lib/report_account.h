/* A funder's statement of account (`report funder ID --account`) and the
 * yearly account rendered under a mandate (`--rendering`), built into the
 * report model (lib/report_model.h) so that they are written as CSV, JSON
 * or HTML like the other reports. Only reads. */
#ifndef PASSNUM_REPORT_ACCOUNT_H
#define PASSNUM_REPORT_ACCOUNT_H
#include <stdint.h>
#include "error.h"
#include "report.h"

struct db;

enum report_account_kind {
	REPORT_ACCOUNT,   /* ordered, received, invoiced, credited, paid, used, outstanding, to refund */
	REPORT_RENDERING, /* a mandate's year: opening funds, movements by kind, closing funds */
};

/* Builds the statement of funder_id over p as of now into *out
 * (report_doc_free). 404 NO_FUNDER; REPORT_RENDERING refuses a funder not
 * on mandate (409 NOT_MANDATE) and a period that is not a year (400
 * BAD_PERIOD). */
int report_account_build(struct db *db, enum report_account_kind kind, int64_t funder_id,
    const struct report_period *p, int64_t now, struct report_doc **out, struct error *e);

#endif
