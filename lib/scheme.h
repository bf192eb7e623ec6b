/* The scheme export (`passnum export scheme --out DIR`): everything a
 * successor operator or a funder needs to take over the scheme, and nothing
 * secret, as documented files in one folder (docs/takeover.md): ledger.jsonl,
 * checkpoint.note, keys.json, registry.json, vouchers.csv, payables.csv,
 * manifest.json (each file's size and SHA-256, the ledger's size and root)
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

struct scheme_result {
	uint64_t ledger_size;     /* entries in the exported ledger */
	uint8_t root[32];         /* its Merkle root */
	int64_t vouchers;         /* lines of vouchers.csv */
	int64_t payables;         /* lines of payables.csv */
	uint64_t checkpoint_size; /* the latest checkpoint's size (0 without one) */
};

/* Writes the export into the folder dir (which must exist; files of the
 * same names are replaced), reading the active ledger key's secret from
 * the home folder home to sign the manifest (wiped after use). Returns 0
 * with r set, or -1 with e set (files may then be partial: the caller says
 * so; nothing in the database changes either way). */
int scheme_export(struct db *db, const char *home, const char *dir, struct scheme_result *r,
    struct error *e);

#endif
