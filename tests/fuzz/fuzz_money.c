/* Fuzz target for the money and date parsers (lib/money, lib/clock): they
 * never crash, and whatever they accept formats and parses back to the same
 * value. Aborts on any disagreement. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "money.h"

static void
fuzz_money_amount(const char *text)
{
	char buf[MONEY_FORMAT_SIZE], fr[MONEY_FORMAT_FR_SIZE];
	int64_t cents, back;
	struct error e;

	if (money_parse(text, &cents, &e) != 0) {
		if (cents != 0 || e.code == NULL || strchr(e.message, '\n') != NULL)
			abort();
		return;
	}
	if (cents < 0 || money_format(cents, buf, sizeof(buf)) != 0 ||
	    money_parse(buf, &back, NULL) != 0 || back != cents ||
	    money_format_fr(cents, fr, sizeof(fr)) != 0)
		abort();
}

static void
fuzz_money_date(const char *text)
{
	char buf[DATE_FORMAT_SIZE], fr[DATE_FORMAT_FR_SIZE], period[DATE_PERIOD_SIZE];
	char instant_text[CLOCK_INSTANT_SIZE];
	int32_t day, first, last;
	int64_t instant, back;

	if (date_parse(text, &day, NULL) == 0 &&
	    (date_format(day, buf) != 0 || strcmp(buf, text) != 0 ||
	    date_format_fr(day, fr) != 0))
		abort();
	if (date_period_parse(text, &first, &last, NULL) == 0 &&
	    (last < first || last - first > 30 || date_period_format(last, period) != 0 ||
	    strcmp(period, text) != 0))
		abort();
	if (clock_instant_parse(text, &instant, NULL) == 0 &&
	    clock_instant_format(instant, instant_text) == 0 &&
	    (clock_instant_parse(instant_text, &back, NULL) != 0 || back != instant))
		abort();
}

/* Checked arithmetic agrees with 128-bit arithmetic on the first 16 bytes. */
static void
fuzz_money_arithmetic(const uint8_t *data, size_t size)
{
	int64_t a, b, r;
	__int128 wide;

	if (size < 16)
		return;
	memcpy(&a, data, 8);
	memcpy(&b, data + 8, 8);
	wide = (__int128)a + b;
	if ((money_add(a, b, &r) == 0) != (wide >= INT64_MIN && wide <= INT64_MAX) ||
	    (wide >= INT64_MIN && wide <= INT64_MAX && r != (int64_t)wide))
		abort();
	wide = (__int128)a - b;
	if ((money_sub(a, b, &r) == 0) != (wide >= INT64_MIN && wide <= INT64_MAX))
		abort();
	wide = (__int128)a * b;
	if ((money_mul(a, b, &r) == 0) != (wide >= INT64_MIN && wide <= INT64_MAX))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_money_amount(text);
	fuzz_money_date(text);
	fuzz_money_arithmetic(data, size);
	free(text);
	return 0;
}
