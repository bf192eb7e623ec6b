/* libFuzzer target: a pain.002 status report as `passnum bank import` reads it
 * (lib/bank_pain002.c), straight from memory through the same streaming reader.
 * Properties: nothing crashes; every line has a non-zero amount, dates
 * and text fields that are valid UTF-8 and NUL-terminated within their
 * buffers; every status has a 4-letter status; every refusal is a coded,
 * one-line, valid UTF-8 error. Aborts on any violation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bank.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap || !utf8_valid(s, n))
		abort();
}

static int
fuzz_begin(void *ctx, struct bank_statement *st, struct error *e)
{
	(void)ctx;
	(void)e;
	fuzz_text(st->iban, sizeof(st->iban));
	fuzz_text(st->id, sizeof(st->id));
	return 0;
}

static int
fuzz_line(void *ctx, struct bank_statement *st, const struct bank_line *l, struct error *e)
{
	(void)ctx;
	(void)st;
	(void)e;
	if (l->amount_cents == 0)
		abort();
	fuzz_text(l->bank_ref, sizeof(l->bank_ref));
	fuzz_text(l->end_to_end_id, sizeof(l->end_to_end_id));
	fuzz_text(l->pmt_inf_id, sizeof(l->pmt_inf_id));
	fuzz_text(l->remittance, sizeof(l->remittance));
	fuzz_text(l->counterparty, sizeof(l->counterparty));
	fuzz_text(l->code, sizeof(l->code));
	return 0;
}

static int
fuzz_end(void *ctx, struct bank_statement *st, struct error *e)
{
	(void)ctx;
	(void)e;
	fuzz_text(st->version, sizeof(st->version));
	return 0;
}

static int
fuzz_status(void *ctx, const struct bank_status *s, struct error *e)
{
	(void)ctx;
	(void)e;
	if (strlen(s->status) != 4)
		abort();
	fuzz_text(s->id, sizeof(s->id));
	fuzz_text(s->msg_id, sizeof(s->msg_id));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bank_sink sink = { fuzz_begin, fuzz_line, fuzz_end, fuzz_status, NULL };
	struct bank_source src = { .data = data, .size = size };
	struct error e = { 0 };

	if (size > 1 << 20)
		return 0;
	if (bank_read_pain002(&src, &sink, &e) != 0 && (e.code == NULL || strchr(e.message, '\n') != NULL ||
	    !utf8_valid(e.message, strlen(e.message))))
		abort();
	return 0;
}
