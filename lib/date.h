/* Calendar dates: int32 days since 1970-01-01 (proleptic Gregorian), their
 * text forms (ISO and French) and periods (YYYY-MM). Pure and thread-safe. */
#ifndef PASSNUM_DATE_H
#define PASSNUM_DATE_H
#include <stdint.h>
#include "error.h"

#define DATE_FORMAT_SIZE 11   /* "2027-12-31" + NUL */
#define DATE_FORMAT_FR_SIZE 32 /* "30 septembre 2027" in UTF-8 + NUL */
#define DATE_PERIOD_SIZE 8    /* "2027-12" + NUL */

/* Converts a calendar date to days since 1970-01-01. Returns 0 with *day
 * set, or -1 if the date does not exist or its year is outside 1-9999. */
int date_from_ymd(int year, int month, int mday, int32_t *day);

/* Converts days since 1970-01-01 to a calendar date (any int32 day). */
void date_to_ymd(int32_t day, int *year, int *month, int *mday);

/* Parses a date "YYYY-MM-DD" (exactly; year 0001-9999, real month and day,
 * leap years Gregorian). Returns 0 with *day set, or -1 (400 BAD_DATE). */
int date_parse(const char *text, int32_t *day, struct error *e)
	__attribute__((warn_unused_result));

/* Writes day as "YYYY-MM-DD" into buf. Returns 0, or -1 (buf = "") if the
 * year is outside 0001-9999. */
int date_format(int32_t day, char buf[DATE_FORMAT_SIZE]);

/* Writes day in French as UTF-8, e.g. "31 décembre 2027", "1er mars 2028".
 * Returns 0, or -1 (buf = "") if the year is outside 0001-9999. */
int date_format_fr(int32_t day, char buf[DATE_FORMAT_FR_SIZE]);

/* Parses a period "YYYY-MM" into its first and last days (inclusive).
 * Returns 0, or -1 (400 BAD_PERIOD). */
int date_period_parse(const char *text, int32_t *first, int32_t *last,
    struct error *e) __attribute__((warn_unused_result));

/* Writes the period (month) containing day as "YYYY-MM". Returns 0, or -1
 * (buf = "") if the year is outside 0001-9999. */
int date_period_format(int32_t day, char buf[DATE_PERIOD_SIZE]);

/* Returns the day of the week of day: 0 Sunday .. 6 Saturday. */
int date_weekday(int32_t day);

/* Day of the n-th (1-based) Sunday of month, or of the last one if n is 0. */
int32_t date_sunday(int year, int month, int n);

/* Splits day into y/m/d and checks that the year has four digits; clears
 * buf and returns -1 otherwise. */
int date_printable(int32_t day, char *buf, int *year, int *month, int *mday);

/* Whether c is an ASCII digit. */
int date_is_digit(char c);

/* Reads n ASCII digits at text into *value; returns 0 or -1. */
int date_digits(const char *text, int n, int *value);

#endif
