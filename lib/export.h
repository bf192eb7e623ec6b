/* Ledger exports (`passnum ledger export`): jsonl (everything an auditor
 * needs to re-verify the ledger independently: keys, accounts, entries,
 * checkpoints), csv (one line per posting) and fec (the French Fichier des
 * Écritures Comptables of one fiscal year). Output goes through zlib, plain
 * or gzip. Streaming: memory does not grow with the ledger. */
#ifndef PASSNUM_EXPORT_H
#define PASSNUM_EXPORT_H
#include <stdint.h>
#include <stdio.h>
#include "error.h"

struct db;
struct ledger_entry;

enum export_format { EXPORT_JSONL, EXPORT_CSV, EXPORT_FEC };

struct export_options {
	enum export_format format;
	int year; /* only entries of that calendar year (Europe/Paris); 0: all (not for fec) */
	int gzip; /* gzip the output */
	int fiscal_start; /* fec: the fiscal year's first month (1-12; 0 = 1, the calendar
	                   * year); fiscal year `year` is the one that closes in that year */
};

/* Parses "jsonl", "csv" or "fec"; returns 0 or -1. */
int export_format_parse(const char *text, enum export_format *format);

/* Writes the export to fd (not closed). Returns 0, or -1 with e set. */
int export_write(struct db *db, const struct export_options *o, int fd, struct error *e);

/* The FEC's EcritureLib of entry, in French, derived from its kind,
 * reference and numbers (the memo is hashed and stays as recorded):
 * « Émission de 100 pass, campagne 1 », « Remboursement lieu 1, service
 * atelier, 1 pass », « Fonds reçus du financeur 1, réf. VIR-2026-1 » ...;
 * an unknown kind keeps its memo. No tab or line break. */
void export_fec_label(const struct ledger_entry *entry, char *out, size_t size);

/* The file name the administration expects for a FEC: SIRENFECAAAAMMJJ.txt,
 * with the closing date of the fiscal year (out may be NULL: the check
 * alone). Needs the operator's SIREN: 409 NO_SIREN without one. A FEC
 * export (export_write) is refused the same way. */
int export_fec_name(struct db *db, int year, char *out, size_t size, struct error *e);
/* The same for a fiscal year that starts in month fiscal_start (1-12). */
int export_fec_name_fy(struct db *db, int year, int fiscal_start, char *out, size_t size,
    struct error *e);
/* The first and last day (Europe/Paris) of fiscal year `year` starting in
 * month fiscal_start (1-12, 0 = 1). Pure. */
void export_fiscal_year(int year, int fiscal_start, int32_t *first, int32_t *last);

#endif
