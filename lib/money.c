#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "money.h"

#define MONEY_NNBSP "\xe2\x80\xaf" /* U+202F narrow no-break space */
#define MONEY_NBSP "\xc2\xa0"      /* U+00A0 no-break space */

static bool
money_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
money_parse(const char *text, int64_t *cents, struct error *e)
{
	const char *p = text;
	int64_t euros = 0, fraction = 0, total;
	int decimals = 0;

	*cents = 0;
	if (text == NULL || *text == '\0')
		return error_set(e, 400, "BAD_AMOUNT", "empty amount");
	if (!money_is_digit(*p))
		goto bad;
	for (; money_is_digit(*p); p++) {
		if (__builtin_mul_overflow(euros, 10, &euros) ||
		    __builtin_add_overflow(euros, *p - '0', &euros))
			goto overflow;
	}
	if (*p == '.') {
		p++;
		for (; money_is_digit(*p) && decimals < 2; p++, decimals++)
			fraction = fraction * 10 + (*p - '0');
		if (decimals == 0)
			goto bad;
		if (money_is_digit(*p))
			return error_set(e, 400, "BAD_AMOUNT",
			    "amount has more than two decimals");
		if (decimals == 1)
			fraction *= 10;
	}
	if (*p != '\0')
		goto bad;
	if (__builtin_mul_overflow(euros, 100, &total) ||
	    __builtin_add_overflow(total, fraction, &total))
		goto overflow;
	*cents = total;
	return 0;
bad:
	return error_set(e, 400, "BAD_AMOUNT",
	    "amount must be euros with up to two decimals, like 10 or 10.50");
overflow:
	return error_set(e, 400, "BAD_AMOUNT", "amount is too large");
}

/* Splits cents into a sign and its magnitude in euros and cents, INT64_MIN
 * included. */
static void
money_split(int64_t cents, bool *negative, uint64_t *euros, unsigned *rest)
{
	uint64_t magnitude;

	*negative = cents < 0;
	magnitude = *negative ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
	*euros = magnitude / 100;
	*rest = (unsigned)(magnitude % 100);
}

/* Stores a snprintf result check: 0 if n fitted in size, else -1 with buf
 * emptied. */
static int
money_fits(int n, char *buf, size_t size)
{
	if (n >= 0 && (size_t)n < size)
		return 0;
	if (size > 0)
		buf[0] = '\0';
	return -1;
}

int
money_format(int64_t cents, char *buf, size_t size)
{
	bool negative;
	uint64_t euros;
	unsigned rest;

	money_split(cents, &negative, &euros, &rest);
	return money_fits(snprintf(buf, size, "%s%llu.%02u", negative ? "-" : "",
	    (unsigned long long)euros, rest), buf, size);
}

int
money_format_fr(int64_t cents, char *buf, size_t size)
{
	char digits[24], grouped[64];
	size_t len, out = 0;
	bool negative;
	uint64_t euros;
	unsigned rest;

	money_split(cents, &negative, &euros, &rest);
	len = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)euros);
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0) {
			memcpy(grouped + out, MONEY_NNBSP, 3);
			out += 3;
		}
		grouped[out++] = digits[i];
	}
	grouped[out] = '\0';
	return money_fits(snprintf(buf, size, "%s%s,%02u" MONEY_NBSP "\xe2\x82\xac",
	    negative ? "-" : "", grouped, rest), buf, size);
}

int
money_add(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}

int
money_sub(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}

int
money_mul(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}
