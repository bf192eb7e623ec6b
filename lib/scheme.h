/* The scheme export (`passnum export scheme --out DIR`): everything a
 * successor operator or a funder needs to take over the scheme, and nothing
 * secret, as documented files in one folder (docs/takeover.md): ledger.jsonl,
 * checkpoint.note, keys.json, registry.json, vouchers.csv, payables.csv,
 * invoices.csv (open invoices and every credit note), manifest.json (each file's size and SHA-256, the ledger's size and root)
 * and manifest.note (a C2SP signed note by the active ledger key over the
 * manifest's SHA-256). Read-only on the database: one read snapshot, so
 * every file agrees; memory does not grow with the vouchers or the ledger. */
#ifndef PASSNUM_SCHEME_H
#define PASSNUM_SCHEME_H
#include <stdint.h>
#include "error.h"

struct db;

#define SCHEME_FORMAT "passnum-scheme-export-v1"
#define SCHEME_NOTE_FORMAT "passnum-scheme-manifest-v1"
#define ESCROW_FORMAT "passnum-escrow-export-v1"
#define ESCROW_NOTE_FORMAT "passnum-escrow-manifest-v1"

struct scheme_result {
	uint64_t ledger_size;     /* entries in the exported ledger */
	uint8_t root[32];         /* its Merkle root */
	int64_t vouchers;         /* lines of vouchers.csv */
	int64_t payables;         /* lines of payables.csv */
	int64_t invoices;         /* lines of invoices.csv */
	uint64_t checkpoint_size; /* the latest checkpoint's size (0 without one) */
};

/* Writes the export into the folder dir (which must exist; files of the
 * same names are replaced), reading the active ledger key's secret from
 * the home folder home to sign the manifest (wiped after use). Returns 0
 * with r set, or -1 with e set (files may then be partial: the caller says
 * so; nothing in the database changes either way). */
int scheme_export(struct db *db, const char *home, const char *dir, struct scheme_result *r,
    struct error *e);

/* A funder's escrow (`passnum export escrow --funder ID --out DIR`), for
 * the operator to send it every week: leaves.csv (every entry's leaf hash,
 * so that the whole log can be checked against checkpoints), entries.jsonl
 * (that funder's accounts and every entry that posts to them, in full, and
 * every checkpoint), checkpoint.note, keys.json, registry.json (the funder,
 * its campaigns, the places, payees and services), vouchers.csv (its
 * campaigns'), payables.csv (what each payee is owed for its passes and not
 * yet settled), invoices.csv (its open invoices and credit notes),
 * manifest.json (format passnum-escrow-export-v1, with the funder's balances) and manifest.note ("passnum-escrow-manifest-v1"). As
 * scheme_export otherwise; 404 UNKNOWN_FUNDER for a funder that does not
 * exist. */
int scheme_escrow(struct db *db, const char *home, const char *dir, int64_t funder_id,
    struct scheme_result *r, struct error *e);

#endif
