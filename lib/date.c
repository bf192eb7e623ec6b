#include <stdio.h>
#include <string.h>
#include "date.h"

static const char *const date_months_fr[12] = {
	"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre",
};

int
date_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
date_digits(const char *text, int n, int *value)
{
	*value = 0;
	for (int i = 0; i < n; i++) {
		if (!date_is_digit(text[i]))
			return -1;
		*value = *value * 10 + (text[i] - '0');
	}
	return 0;
}

static int
date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
date_month_length(int year, int month)
{
	static const int lengths[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month == 2 && date_is_leap(year) ? 29 : lengths[month - 1];
}

/* Days from 1970-01-01 of a valid proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int32_t
date_days_from_civil(int year, int month, int mday)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int32_t)(era * 146097 + doe - 719468);
}

int
date_from_ymd(int year, int month, int mday, int32_t *day)
{
	if (year < 1 || year > 9999 || month < 1 || month > 12 || mday < 1 ||
	    mday > date_month_length(year, month))
		return -1;
	*day = date_days_from_civil(year, month, mday);
	return 0;
}

void
date_to_ymd(int32_t day, int *year, int *month, int *mday)
{
	int64_t z = (int64_t)day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (*month <= 2));
}

int
date_weekday(int32_t day)
{
	return (int)(((int64_t)day % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
}

/* Day of the n-th (1-based) Sunday of month, or of the last one if n is 0. */
int32_t
date_sunday(int year, int month, int n)
{
	int32_t day;

	if (n == 0) {
		day = date_days_from_civil(year, month, date_month_length(year, month));
		return day - date_weekday(day);
	}
	day = date_days_from_civil(year, month, 1);
	return day + (7 - date_weekday(day)) % 7 + 7 * (n - 1);
}

int
date_parse(const char *text, int32_t *day, struct error *e)
{
	int year, month, mday;

	if (text == NULL || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
	    date_digits(text, 4, &year) != 0 ||
	    date_digits(text + 5, 2, &month) != 0 ||
	    date_digits(text + 8, 2, &mday) != 0)
		return error_set(e, 400, "BAD_DATE", "date must be YYYY-MM-DD");
	if (date_from_ymd(year, month, mday, day) != 0)
		return error_set(e, 400, "BAD_DATE", "no such date: %s", text);
	return 0;
}

int
date_printable(int32_t day, char *buf, int *year, int *month, int *mday)
{
	date_to_ymd(day, year, month, mday);
	if (*year >= 1 && *year <= 9999)
		return 0;
	buf[0] = '\0';
	return -1;
}

int
date_format(int32_t day, char buf[DATE_FORMAT_SIZE])
{
	int year, month, mday;

	if (date_printable(day, buf, &year, &month, &mday) != 0)
		return -1;
	/* date_printable bounds year to 1..9999; the casts tell the compiler. */
	snprintf(buf, DATE_FORMAT_SIZE, "%04u-%02u-%02u", (unsigned)year % 10000u,
	    (unsigned)month % 100u, (unsigned)mday % 100u);
	return 0;
}

int
date_format_fr(int32_t day, char buf[DATE_FORMAT_FR_SIZE])
{
	int year, month, mday;

	if (date_printable(day, buf, &year, &month, &mday) != 0)
		return -1;
	snprintf(buf, DATE_FORMAT_FR_SIZE, "%d%s %s %d", mday, mday == 1 ? "er" : "",
	    date_months_fr[month - 1], year);
	return 0;
}

int
date_period_parse(const char *text, int32_t *first, int32_t *last,
    struct error *e)
{
	int year, month;

	if (text == NULL || strlen(text) != 7 || text[4] != '-' ||
	    date_digits(text, 4, &year) != 0 ||
	    date_digits(text + 5, 2, &month) != 0 ||
	    date_from_ymd(year, month, 1, first) != 0)
		return error_set(e, 400, "BAD_PERIOD", "period must be YYYY-MM");
	*last = *first + date_month_length(year, month) - 1;
	return 0;
}

int
date_period_format(int32_t day, char buf[DATE_PERIOD_SIZE])
{
	int year, month, mday;

	if (date_printable(day, buf, &year, &month, &mday) != 0)
		return -1;
	snprintf(buf, DATE_PERIOD_SIZE, "%04u-%02u", (unsigned)year % 10000u,
	    (unsigned)month % 100u);
	return 0;
}

