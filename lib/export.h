/* Ledger exports (`passnum ledger export`): jsonl (everything an auditor
 * needs to re-verify the ledger independently: keys, accounts, entries,
 * checkpoints), csv (one line per posting) and fec (the French Fichier des
 * Écritures Comptables of one fiscal year). Output goes through zlib, plain
 * or gzip. Streaming: memory does not grow with the ledger. */
#ifndef PASSNUM_EXPORT_H
#define PASSNUM_EXPORT_H
#include <stdio.h>
#include "error.h"

struct db;

enum export_format { EXPORT_JSONL, EXPORT_CSV, EXPORT_FEC };

struct export_options {
	enum export_format format;
	int year; /* only entries of that calendar year (Europe/Paris); 0: all (not for fec) */
	int gzip; /* gzip the output */
};

/* Parses "jsonl", "csv" or "fec"; returns 0 or -1. */
int export_format_parse(const char *text, enum export_format *format);

/* Writes the export to fd (not closed). Returns 0, or -1 with e set. */
int export_write(struct db *db, const struct export_options *o, int fd, struct error *e);

/* The file name the administration expects for a FEC: SIRENFECAAAAMMJJ.txt,
 * with the closing date of the fiscal year. Needs the operator's SIREN. */
int export_fec_name(struct db *db, int year, char *out, size_t size, struct error *e);

#endif
