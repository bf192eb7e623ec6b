/* The files of a settlement (docs/accounting.md): a SEPA credit-transfer
 * initiation in ISO 20022 pain.001.001.09 (the default) or pain.001.001.03,
 * written with libxml2's xmlTextWriter, or a payment list (CSV) that a
 * public accountant loads. Reads only the struct settlement given. */
#ifndef PASSNUM_SEPA_H
#define PASSNUM_SEPA_H
#include "error.h"
#include "settlement.h"

enum sepa_format {
	SEPA_PAIN_001_001_09,
	SEPA_PAIN_001_001_03,
	SEPA_PAYMENT_LIST,
};

/* Parses a --format value: "pain.001.001.09", "pain.001.001.03" or
 * "payment-list". Returns 0, or -1 (400 BAD_FORMAT). */
int sepa_format_parse(const char *text, enum sepa_format *format, struct error *e);

/* The name of format ("pain.001.001.09", ...). */
const char *sepa_format_name(enum sepa_format format);

/* Writes s in format to path: to "path.tmp" first, renamed over path when
 * complete (the caller checked path with cli_out_file). Returns 0, or -1
 * with e set (nothing left at path.tmp). */
int sepa_write(const struct settlement *s, enum sepa_format format, const char *path,
    struct error *e);

#endif
