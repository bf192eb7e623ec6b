/* Shared by the report builders (lib/report_*.c). */
#ifndef PASSNUM_REPORT_PRIVATE_H
#define PASSNUM_REPORT_PRIVATE_H
#include <stddef.h>
#include <stdint.h>
#include "report.h"
#include "report_model.h"

/* A period as the queries see it. */
struct report_range {
	int32_t first, last;    /* days, inclusive */
	int64_t end;            /* first instant not counted: the period's end, or now + 1 s if earlier */
	int64_t now;            /* when the report is made */
	char first_month[8], last_month[8]; /* "YYYY-MM" */
	int months;             /* months in the period (1, 3, 12) */
};

/* The index of month "YYYY-MM" in r (0 = its first month), or -1. */
int report_month_index(const struct report_range *r, const char *month);

/* Writes the name of month index i of r ("2027-04") into buf. */
void report_month_name(const struct report_range *r, int i, char buf[8]);

/* Sets a count cell from a value, its booklets and a key (formatted; "" none). */
void report_set_count(struct report_table *t, int row, int col, int64_t value, int64_t booklets,
    const char *key_fmt, ...) __attribute__((format(printf, 6, 7)));

/* Sets a text or money cell (the money's key: the count's key + ".cents"). */
int report_set_text(struct report_table *t, int row, int col, const char *text);
void report_set_money(struct report_table *t, int row, int col, int64_t cents);

/* The builders, each filling doc (its kind, title, subject and figures)
 * for id over r. 404 for an unknown id. */
int report_funder_build(struct db *db, int64_t id, const struct report_range *r,
    struct report_doc *doc, struct error *e);
int report_statement_build(struct db *db, bool payee, int64_t id, const struct report_range *r,
    struct report_doc *doc, struct error *e);
int report_distributor_build(struct db *db, int64_t id, const struct report_range *r,
    struct report_doc *doc, struct error *e);
/* The payee's yearly certificate of the amounts received over r (a year). */
int report_certificate_fill(struct db *db, int64_t payee_id, const struct report_range *r,
    struct report_doc *doc, struct error *e);

/* The funder report's evaluation and data-quality indicators
 * (lib/report_indicators.c), fed one booklet at a time by the funder
 * report's scan: _begin (inside the report's read transaction: campaigns,
 * their pass costs, the slots of hand-outs recorded in bulk) makes *out;
 * _booklet adds a booklet handed out in r; _end adds the tables, note and
 * glossary to doc (NULL: none) and frees ind. Return 0 or -1 with e set. */
struct report_indicators;
struct report_handout {
	int64_t campaign_id;    /* the booklet's batch's */
	int32_t day;            /* the hand-out's */
	int64_t distributor_id; /* the hand-out's */
	int64_t recorded_at;    /* handouts.created_at; -1 when not recorded */
	int32_t first, last;    /* days of its first and last use (first -1: none) ... */
	int64_t uses;           /* ... and its passes used: by the observed day, created
	                         * before r's end, not cancelled by then */
};
int report_indicators_begin(struct db *db, int64_t funder_id, const struct report_range *r,
    struct report_indicators **out, struct error *e);
/* The last day whose uses count: r's last day, or today's when earlier. */
int32_t report_indicators_observed(const struct report_indicators *ind);
int report_indicators_booklet(struct report_indicators *ind, const struct report_handout *h,
    struct error *e);
int report_indicators_end(struct report_indicators *ind, struct report_doc *doc,
    struct error *e);

/* The same two tables for campaign_id alone (its rows only: hand-out
 * months of r, then the whole of r), read inside the caller's transaction
 * (a campaign's close summary, lib/report_close.c). */
int report_indicators_campaign(struct db *db, int64_t campaign_id, const struct report_range *r,
    struct report_doc *doc, struct error *e);

/* Their columns (NULL-key terminated). */
extern const struct report_column report_indicator_columns[];
extern const struct report_column report_quality_columns[];

/* Adds to doc the close summaries frozen for funder_id's campaigns
 * (lib/report_close.c): the figures as stored, hidden by the usual rule. */
int report_close_add(struct db *db, int64_t funder_id, struct report_doc *doc, struct error *e);

/* lib/report_float.c: the table of what the operator advanced for the
 * funder's places before it paid its invoices (settle --advance-float),
 * repaid and still owed, today; nothing when it never advanced any. */
int report_float_add(struct db *db, int64_t funder_id, struct report_doc *doc, struct error *e);

#endif
