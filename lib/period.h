/* Accounting periods and years (docs/accounting.md "Periods"): a period is
 * a calendar month in Europe/Paris, closed once its last day has ended and
 * every redemption in it is past its cancellation window; a fiscal year
 * (the calendar year) is locked by `passnum period close YYYY`, after which
 * nothing is posted into it. The only module that talks SQL to closed_years
 * and entry_dates (schema/0010-invoicing.sql). */
#ifndef PASSNUM_PERIOD_H
#define PASSNUM_PERIOD_H
#include <stdbool.h>
#include <stdint.h>
#include "error.h"

struct db;

/* The instants [start, end) of period "YYYY-MM" in Europe/Paris, and its
 * first and last days. Returns 0, or -1 (400 BAD_PERIOD). */
int period_bounds(const char *period, int64_t *start, int64_t *end, int32_t *first,
    int32_t *last, struct error *e);

/* Refuses (409 PERIOD_NOT_CLOSED, saying until when) a period that is not
 * closed at now. */
int period_check_closed(struct db *db, const char *period, int64_t now, struct error *e);

/* Whether year is closed. */
int period_year_closed(struct db *db, int year, bool *closed, struct error *e);

/* Refuses (409 YEAR_CLOSED) posting on day when its year is closed. */
int period_check_open(struct db *db, int32_t day, struct error *e);

/* Closes year at now for who: refuses a year whose December is not closed
 * (409 PERIOD_NOT_CLOSED) or a year already closed (409 YEAR_CLOSED).
 * Inside the caller's write transaction. */
int period_close_year(struct db *db, int year, int64_t now, const char *who, struct error *e);

/* Records day as the accounting date of entry seq (refused in a closed
 * year), inside the caller's write transaction. */
int period_entry_date(struct db *db, uint64_t seq, int32_t day, struct error *e);

/* The accounting date of entry seq: the recorded one, else the Paris day of
 * its recording time. */
int period_entry_day(struct db *db, uint64_t seq, int32_t *day, struct error *e);

#endif
