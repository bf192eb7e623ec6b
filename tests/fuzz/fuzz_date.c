/* libFuzzer target: the date and instant parsers (lib/date, lib/clock):
 * date_parse, date_period_parse, clock_instant_parse and clock_tz_from_name
 * never crash; an accepted date is a real calendar day whose
 * year-month-day round-trips through date_to_ymd/date_from_ymd and formats
 * back to the very text; an accepted period is a whole month; an accepted
 * instant formats and parses back to itself and lands on a local day near
 * its UTC day. Every refusal says why. Aborts on any violation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal must carry a code and a one-line message. */
static void
fuzz_date_refusal(const struct error *e)
{
	if (e->code == NULL || strchr(e->message, '\n') != NULL)
		abort();
}

static void
fuzz_date_day(const char *text)
{
	char buf[DATE_FORMAT_SIZE];
	int year, month, mday;
	int32_t day, again;
	struct error e;

	error_clear(&e);
	if (date_parse(text, &day, &e) != 0) {
		fuzz_date_refusal(&e);
		return;
	}
	date_to_ymd(day, &year, &month, &mday);
	if (month < 1 || month > 12 || mday < 1 || mday > 31 ||
	    date_from_ymd(year, month, mday, &again) != 0 || again != day ||
	    date_format(day, buf) != 0 || strcmp(buf, text) != 0 ||
	    date_weekday(day) < 0 || date_weekday(day) > 6)
		abort();
}

static void
fuzz_date_period(const char *text)
{
	char buf[DATE_PERIOD_SIZE];
	int y1, m1, d1, y2, m2, d2;
	int32_t first, last;
	struct error e;

	error_clear(&e);
	if (date_period_parse(text, &first, &last, &e) != 0) {
		fuzz_date_refusal(&e);
		return;
	}
	date_to_ymd(first, &y1, &m1, &d1);
	date_to_ymd(last, &y2, &m2, &d2);
	if (last < first || d1 != 1 || y1 != y2 || m1 != m2 || d2 < 28 ||
	    date_period_format(first, buf) != 0 || strcmp(buf, text) != 0)
		abort();
}

static void
fuzz_date_instant(const char *text)
{
	char buf[CLOCK_INSTANT_SIZE];
	int64_t instant, back;
	struct error e;
	int32_t utc_day, local;

	error_clear(&e);
	if (clock_instant_parse(text, &instant, &e) != 0) {
		fuzz_date_refusal(&e);
		return;
	}
	if (clock_instant_format(instant, buf) != 0)
		return; /* outside the printable range */
	if (clock_instant_parse(buf, &back, NULL) != 0 || back != instant)
		abort();
	/* Every zone is within a day of UTC (Wallis +12, Tahiti -10). */
	utc_day = (int32_t)(instant >= 0 ? instant / 86400 : (instant - 86399) / 86400);
	for (int tz = 0; tz < CLOCK_TZ_COUNT; tz++) {
		local = clock_local_day(instant, (enum clock_tz)tz);
		if (local < utc_day - 1 || local > utc_day + 1)
			abort();
		if (clock_local_day_start(local, (enum clock_tz)tz) > instant)
			abort();
	}
}

static void
fuzz_date_tz(const char *text)
{
	enum clock_tz tz;
	struct error e;

	error_clear(&e);
	if (clock_tz_from_name(text, &tz, &e) != 0) {
		fuzz_date_refusal(&e);
		return;
	}
	if (strcmp(clock_tz_name(tz), text) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_date_day(text);
	fuzz_date_period(text);
	fuzz_date_instant(text);
	fuzz_date_tz(text);
	free(text);
	return 0;
}
