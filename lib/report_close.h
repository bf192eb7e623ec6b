/* Campaign-close summaries (docs/reports.md): the evaluation figures of a
 * campaign frozen once it is over — before the purge erases its hand-out
 * detail — signed by the ledger key, append-only (campaign_summaries). */
#ifndef PASSNUM_REPORT_CLOSE_H
#define PASSNUM_REPORT_CLOSE_H
#include <stddef.h>
#include <stdint.h>
#include "error.h"

struct db;

/* Freezes the summary of every campaign whose last day is before today and
 * that has none yet: the funder report's indicators and data-quality rows
 * for the campaign (all its hand-outs, uses up to its last day), as JSON,
 * in a signed note by the active ledger key (read from home/keys/, wiped).
 * Inside the caller's write transaction (DB_IN_WRITE); *frozen gets how
 * many were made. Returns 0, or -1 with e set. */
int report_close_freeze(struct db *db, const char *home, int32_t today, int64_t now,
    int64_t *frozen, struct error *e);

/* A stored summary, checked. */
struct report_close_summary {
	int64_t campaign_id, created_at;
	char key_id[9];  /* hex id of the ledger key whose signature verified */
	char *figures;   /* JSON (owned: report_close_summary_clear) */
	char *note;      /* the signed note (owned) */
};

/* Reads campaign_id's summary and verifies its note with the home's ledger
 * keys (a key that vouches for its time) and that the signed text carries
 * exactly the stored figures. Returns 0, or -1: 404 NO_SUMMARY, 422
 * BAD_SUMMARY (the note does not match its figures) or the note's refusal
 * (BAD_SIGNATURE, NOTE_NOT_SIGNED, KEY_REVOKED...). */
int report_close_get(struct db *db, int64_t campaign_id, struct report_close_summary *s,
    struct error *e) __attribute__((warn_unused_result));

void report_close_summary_clear(struct report_close_summary *s);

#endif
