/* Reports for funders: aggregates only, never anything about a person or a
 * place-level trail; counts under the small-cell threshold (setting
 * report_small_cell, default 11) are shown as "< 11". */
#ifndef PASSNUM_REPORT_H
#define PASSNUM_REPORT_H
#include <stdint.h>
#include <jansson.h>
#include "error.h"

struct db;

/* Builds funder funder_id's report as JSON (new reference in *out): its
 * public name, spendable balance and what it owes on orders, and per
 * campaign the passes issued, redeemed, revoked, expired and still in
 * circulation (count and cents) and the passes redeemed per département.
 * 404 NO_FUNDER for an unknown funder. */
int report_funder_json(struct db *db, int64_t funder_id, json_t **out, struct error *e);

/* Reports people read (docs/reports.md): `passnum report KIND ID`. */
#include <stdbool.h>
#include <stdio.h>

enum report_kind { REPORT_FUNDER, REPORT_PAYEE, REPORT_PLACE, REPORT_DISTRIBUTOR };
enum report_format { REPORT_CSV, REPORT_JSON, REPORT_HTML, REPORT_PDF };

/* A fixed period: a month "YYYY-MM", a quarter "YYYY-Qn" or a year "YYYY". */
struct report_period {
	char text[8];
	int32_t first, last; /* days, inclusive */
};

/* Parses a fixed period. Returns 0, or -1 (400 BAD_PERIOD: anything else,
 * a date range included). */
int report_period_parse(const char *text, struct report_period *p, struct error *e);

/* Parses "funder", "payee", "place", "distributor" / "csv", "json", "html",
 * "pdf".
 * Return 0, or -1 (400 BAD_REPORT / BAD_FORMAT). */
int report_kind_parse(const char *text, enum report_kind *kind, struct error *e);
int report_format_parse(const char *text, enum report_format *format, struct error *e);

struct report_doc;

/* Builds the report of kind about id for period p as of instant now (a
 * period not over at now is marked provisional and counted up to now), with
 * small cells hidden (funder reports). *out is the caller's
 * (report_doc_free). 404 NO_FUNDER / NO_PAYEE / NO_PLACE / NO_DISTRIBUTOR
 * for an unknown id. */
int report_build(struct db *db, enum report_kind kind, int64_t id, const struct report_period *p,
    int64_t now, struct report_doc **out, struct error *e);

/* The yearly certificate of the amounts a payee received (attestation
 * annuelle): the transfers executed in the year p (not rejected or
 * returned) and their total. 400 BAD_PERIOD when p is not a year, 404
 * NO_PAYEE. */
int report_certificate_build(struct db *db, int64_t payee_id, const struct report_period *p,
    int64_t now, struct report_doc **out, struct error *e);

/* A payee's statements (relevés de remboursement): one per payout, named
 * after its number (RLV-YYYYMM-NNNNNN); the statement itself is the payee
 * report of the payout's month (report_build, REPORT_PAYEE). */
struct report_statement_entry {
	char period[8];         /* the settled month, YYYY-MM */
	char statement[36];     /* its number */
	char end_to_end_id[36];
	char status[16];        /* issued, accepted, rejected, returned */
	int64_t amount_cents;   /* the transfer */
	int32_t execution_day;  /* days since 1970-01-01 */
};
typedef int (*report_statement_fn)(const struct report_statement_entry *s, void *ctx,
    struct error *e);

/* Calls fn on each statement of payee payee_id, latest period first.
 * Returns 0, or -1 (fn's error, 503 STORE_ERROR). */
int report_statements_each(struct db *db, int64_t payee_id, report_statement_fn fn, void *ctx,
    struct error *e);

/* The statement of payee payee_id for the settled month period (YYYY-MM)
 * into *out. Returns 0, or -1 (404 NO_STATEMENT: no payout to that payee
 * in that period's settlement, or no such settlement). */
int report_statement_find(struct db *db, int64_t payee_id, const char *period,
    struct report_statement_entry *out, struct error *e);

/* How many places payee payee_id has (its statements cover them all). */
int report_payee_place_count(struct db *db, int64_t payee_id, int64_t *out, struct error *e);

/* Writes doc to f in format (CSV: ';', decimal comma, UTF-8 with BOM;
 * HTML: one self-contained page, its charts inline SVG; PDF: A4, the
 * HTML's content). Returns 0, or -1 (500 WRITE_FAILED). */
int report_write(const struct report_doc *doc, enum report_format format, FILE *f,
    struct error *e);

/* doc in machine form (new reference): money as *_cents integers, hidden
 * cells as the string "< 11". */
json_t *report_doc_json(const struct report_doc *doc);

void report_doc_free(struct report_doc *doc);

/* Who `report all` writes for: every funder, every payee (a SIRET with at
 * least one place) and every distributor, each kind in id order. *out (the
 * caller's, free) holds *count targets. Returns 0 or -1 (503 STORE_ERROR,
 * 500 NO_MEMORY). */
struct report_target {
	enum report_kind kind;
	int64_t id;
};
int report_targets(struct db *db, struct report_target **out, size_t *count, struct error *e);

/* The open-data aggregates of the year p (passes redeemed and value by
 * département × place type, with the totals per département, per type and
 * overall; small cells hidden by booklets, then whatever would let them be
 * recomputed from the totals). *out is the caller's (report_doc_free). */
int report_opendata_build(struct db *db, const struct report_period *p, int64_t now,
    struct report_doc **out, struct error *e);

/* The export's CSV (',', decimal point, UTF-8 without BOM, LF; a hidden
 * row has empty figures and secret_statistique true). Returns 0 or -1. */
int report_opendata_csv(const struct report_doc *doc, FILE *f, struct error *e);

/* Its Table Schema (new reference), and the datapackage.json naming the
 * CSV and schema files and the Licence Ouverte 2.0 (new reference). */
json_t *report_opendata_schema(void);
json_t *report_opendata_package(const struct report_doc *doc, const char *csv,
    const char *schema);

/* The export's files, named and written in memory: the CSV, its schema,
 * datapackage.json, LISEZMOI.md (texts malloc'ed, the caller frees them). */
#define REPORT_OPENDATA_FILES 4
struct report_opendata_files {
	char name[REPORT_OPENDATA_FILES][64];
	char *text[REPORT_OPENDATA_FILES];
	size_t len[REPORT_OPENDATA_FILES];
	bool provisional;
};
int report_opendata_texts(const struct report_doc *doc, struct report_opendata_files *o,
    struct error *e);

/* The LISEZMOI.md text: printf format taking the title, the year, the
 * status sentence, the CSV and schema names and the threshold (long long). */
extern const char report_opendata_readme_fmt[];

/* The file name of a target's report: "financeur-1.html", "beneficiaire-3.pdf",
 * "distributeur-2.csv" (the kind in French, the id, the format). */
void report_target_file(const struct report_target *t, enum report_format format, char buf[64]);

#endif
