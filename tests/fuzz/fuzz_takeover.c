/* libFuzzer target: the lines of a scheme export that `passnum takeover`
 * parses itself (lib/takeover.c): a vouchers.csv line and a payables.csv
 * line (the JSON files go through jansson and SQLite's JSON, the notes
 * through fuzz_note, a receipt through fuzz_receipt). The input is one line.
 * Properties: nothing crashes; a line accepted is canonical (formatting
 * what was parsed gives the line back byte for byte), so two different
 * lines never import the same voucher or payable. Aborts on a violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "date.h"
#include "takeover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const statuses[] = { "issued", "redeemed", "revoked", "expired" };

static void
check_voucher(const char *input, size_t size)
{
	char *line = malloc(size + 1), serial[25], sha[65], day[DATE_FORMAT_SIZE], out[512];
	struct takeover_voucher_line v;

	memcpy(line, input, size);
	line[size] = '\0';
	if (takeover_voucher_parse(line, &v) == 0) {
		if (v.status < 0 || v.status > 3 || v.campaign_id <= 0 || v.value_cents <= 0 ||
		    v.booklet_id <= 0)
			abort();
		sodium_bin2hex(serial, sizeof(serial), v.serial, 12);
		sodium_bin2hex(sha, sizeof(sha), v.sha256, 32);
		date_format(v.last_day, day);
		snprintf(out, sizeof(out), "%s,%s,%lld,%lld,%s,%lld,%s", serial, sha,
		    (long long)v.campaign_id, (long long)v.value_cents, day, (long long)v.booklet_id,
		    statuses[v.status]);
		if (strlen(out) != size || memcmp(out, input, size) != 0)
			abort(); /* accepted but not canonical */
	}
	free(line);
}

static void
check_payable(const char *input, size_t size)
{
	char *line = malloc(size + 1), *out = malloc(2 * size + 128);
	struct takeover_payable_line p;
	size_t n;

	memcpy(line, input, size);
	line[size] = '\0';
	if (takeover_payable_parse(line, &p) == 0) {
		n = (size_t)sprintf(out, "%lld,%s,\"", (long long)p.payee_id, p.siret);
		for (const char *c = p.name; *c != '\0'; c++) {
			if (*c == '"')
				out[n++] = '"';
			out[n++] = *c;
		}
		n += (size_t)sprintf(out + n, "\",%s,%lld", p.iban, (long long)p.owed_cents);
		if (n != size || memcmp(out, input, size) != 0)
			abort();
	}
	free(line);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096 || memchr(data, '\0', size) != NULL)
		return 0; /* the reader stops a line at its end; a NUL cuts it short */
	check_voucher((const char *)data, size);
	check_payable((const char *)data, size);
	if (size == 93)
		(void)takeover_token_is_placeholder(data);
	return 0;
}
