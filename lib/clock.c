#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "date.h"

/* Instants whose day fits in int32 with room for any offset. */
#define CLOCK_MIN ((int64_t)INT32_MIN * 86400 + 86400)
#define CLOCK_MAX ((int64_t)INT32_MAX * 86400 - 86400)

enum clock_rule {
	CLOCK_RULE_FIXED, /* standard offset all year */
	CLOCK_RULE_EU,    /* EU: last Sunday of March to last Sunday of October, 01:00 UTC */
	CLOCK_RULE_NA,    /* Canada/US: 02:00 local; 2007+ second Sunday of March
	                   * to first Sunday of November, before first Sunday of
	                   * April to last Sunday of October */
};

static const struct clock_zone {
	const char *name;
	int32_t standard; /* seconds east of UTC */
	enum clock_rule rule;
} clock_zones[CLOCK_TZ_COUNT] = {
	[CLOCK_TZ_PARIS] = { "Europe/Paris", 3600, CLOCK_RULE_EU },
	[CLOCK_TZ_GUADELOUPE] = { "America/Guadeloupe", -4 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_MARTINIQUE] = { "America/Martinique", -4 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_CAYENNE] = { "America/Cayenne", -3 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_REUNION] = { "Indian/Reunion", 4 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_MIQUELON] = { "America/Miquelon", -3 * 3600, CLOCK_RULE_NA },
	[CLOCK_TZ_MAYOTTE] = { "Indian/Mayotte", 3 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_ST_BARTHELEMY] = { "America/St_Barthelemy", -4 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_MARIGOT] = { "America/Marigot", -4 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_WALLIS] = { "Pacific/Wallis", 12 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_TAHITI] = { "Pacific/Tahiti", -10 * 3600, CLOCK_RULE_FIXED },
	[CLOCK_TZ_NOUMEA] = { "Pacific/Noumea", 11 * 3600, CLOCK_RULE_FIXED },
};

static const struct {
	const char *code;
	enum clock_tz tz;
} clock_overseas[] = {
	{ "971", CLOCK_TZ_GUADELOUPE }, { "972", CLOCK_TZ_MARTINIQUE },
	{ "973", CLOCK_TZ_CAYENNE }, { "974", CLOCK_TZ_REUNION },
	{ "975", CLOCK_TZ_MIQUELON }, { "976", CLOCK_TZ_MAYOTTE },
	{ "977", CLOCK_TZ_ST_BARTHELEMY }, { "978", CLOCK_TZ_MARIGOT },
	{ "986", CLOCK_TZ_WALLIS }, { "987", CLOCK_TZ_TAHITI },
	{ "988", CLOCK_TZ_NOUMEA },
};

/* Floored division, for instants before 1970. */
static int64_t
clock_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Whether daylight saving time is in force at instant under rule. */
static int
clock_in_dst(int64_t instant, enum clock_rule rule)
{
	int year, month, mday;
	int64_t start, end;

	if (rule == CLOCK_RULE_FIXED || instant < CLOCK_MIN || instant > CLOCK_MAX)
		return 0;
	date_to_ymd((int32_t)clock_floor_div(instant, 86400), &year, &month, &mday);
	switch (rule) {
	case CLOCK_RULE_EU:
		start = (int64_t)date_sunday(year, 3, 0) * 86400 + 3600;
		end = (int64_t)date_sunday(year, 10, 0) * 86400 + 3600;
		break;
	case CLOCK_RULE_NA: /* UTC-3: 02:00 standard = 05:00 UTC, 02:00 daylight = 04:00 UTC */
		if (year >= 2007) {
			start = (int64_t)date_sunday(year, 3, 2) * 86400 + 5 * 3600;
			end = (int64_t)date_sunday(year, 11, 1) * 86400 + 4 * 3600;
		} else {
			start = (int64_t)date_sunday(year, 4, 1) * 86400 + 5 * 3600;
			end = (int64_t)date_sunday(year, 10, 0) * 86400 + 4 * 3600;
		}
		break;
	default:
		return 0;
	}
	return instant >= start && instant < end;
}

int32_t
clock_local_offset(int64_t instant, enum clock_tz tz)
{
	const struct clock_zone *zone;

	if (tz < 0 || tz >= CLOCK_TZ_COUNT)
		return 0;
	zone = &clock_zones[tz];
	return zone->standard + (clock_in_dst(instant, zone->rule) ? 3600 : 0);
}

int32_t
clock_local_day(int64_t instant, enum clock_tz tz)
{
	if (instant < CLOCK_MIN || instant > CLOCK_MAX)
		return instant < 0 ? INT32_MIN : INT32_MAX;
	return (int32_t)clock_floor_div(instant + clock_local_offset(instant, tz), 86400);
}

/* No zone here changes its offset near local midnight, so two fixed-point
 * steps find it. */
int64_t
clock_local_day_start(int32_t day, enum clock_tz tz)
{
	int64_t midnight = (int64_t)day * 86400;
	int64_t guess = midnight - clock_local_offset(midnight, tz);

	return midnight - clock_local_offset(guess, tz);
}

const char *
clock_tz_name(enum clock_tz tz)
{
	if (tz < 0 || tz >= CLOCK_TZ_COUNT)
		return "";
	return clock_zones[tz].name;
}

int
clock_tz_from_name(const char *name, enum clock_tz *tz, struct error *e)
{
	for (int i = 0; i < CLOCK_TZ_COUNT; i++) {
		if (strcmp(clock_zones[i].name, name) == 0) {
			*tz = (enum clock_tz)i;
			return 0;
		}
	}
	return error_set(e, 400, "BAD_TIME_ZONE", "unknown time zone: %.64s", name);
}

int
clock_tz_for_department(const char *department, enum clock_tz *tz,
    struct error *e)
{
	const char *d = department;

	if (strlen(d) == 2 && ((date_is_digit(d[0]) && date_is_digit(d[1]) &&
	    strcmp(d, "00") != 0 && strcmp(d, "20") != 0 && strcmp(d, "96") < 0) ||
	    strcmp(d, "2A") == 0 || strcmp(d, "2B") == 0)) {
		*tz = CLOCK_TZ_PARIS;
		return 0;
	}
	for (size_t i = 0; i < sizeof(clock_overseas) / sizeof(clock_overseas[0]); i++) {
		if (strcmp(d, clock_overseas[i].code) == 0) {
			*tz = clock_overseas[i].tz;
			return 0;
		}
	}
	return error_set(e, 400, "BAD_DEPARTMENT",
	    "no time zone for département code: %.16s", department);
}

int
clock_instant_parse(const char *text, int64_t *instant, struct error *e)
{
	int32_t day;
	int hour, minute, second;
	char date[DATE_FORMAT_SIZE];
	int64_t value = 0;
	const char *p;

	if (text != NULL && *text != '\0' && strspn(text, "0123456789") == strlen(text)) {
		for (p = text; *p != '\0'; p++)
			if (__builtin_mul_overflow(value, 10, &value) ||
			    __builtin_add_overflow(value, *p - '0', &value))
				goto bad;
		*instant = value;
		return 0;
	}
	if (text == NULL || strlen(text) != 20 || text[10] != 'T' ||
	    text[13] != ':' || text[16] != ':' || text[19] != 'Z' ||
	    date_digits(text + 11, 2, &hour) != 0 ||
	    date_digits(text + 14, 2, &minute) != 0 ||
	    date_digits(text + 17, 2, &second) != 0 ||
	    hour > 23 || minute > 59 || second > 59)
		goto bad;
	memcpy(date, text, 10);
	date[10] = '\0';
	if (date_parse(date, &day, NULL) != 0)
		goto bad;
	*instant = (int64_t)day * 86400 + hour * 3600 + minute * 60 + second;
	return 0;
bad:
	return error_set(e, 400, "BAD_TIME",
	    "time must be UTC like 2027-03-12T10:00:00Z or Unix seconds");
}

int
clock_instant_format(int64_t instant, char buf[CLOCK_INSTANT_SIZE])
{
	int64_t days = clock_floor_div(instant, 86400), seconds;
	int year, month, mday;
	char text[64];

	if (days < INT32_MIN || days > INT32_MAX ||
	    date_printable((int32_t)days, buf, &year, &month, &mday) != 0) {
		buf[0] = '\0';
		return -1;
	}
	seconds = instant - days * 86400;
	snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ", year,
	    month, mday, (int)(seconds / 3600), (int)(seconds / 60 % 60),
	    (int)(seconds % 60));
	memcpy(buf, text, CLOCK_INSTANT_SIZE);
	return 0;
}

int32_t
clock_today(enum clock_tz tz)
{
	return clock_local_day(clock_now(), tz);
}

bool
clock_is_test_build(void)
{
#ifdef PASSNUM_TESTING
	return true;
#else
	return false;
#endif
}

#ifdef PASSNUM_TESTING
/* Reads PASSNUM_NOW into *instant: 1 if set, 0 if unset or empty; aborts
 * with a message on stderr if it is invalid. */
static int
clock_test_now(int64_t *instant)
{
	const char *value = getenv("PASSNUM_NOW");
	struct error e;

	if (value == NULL || *value == '\0')
		return 0;
	if (clock_instant_parse(value, instant, &e) != 0 ||
	    *instant > INT64_MAX / 1000) {
		fprintf(stderr, "passnum: invalid PASSNUM_NOW=\"%.64s\": %s\n",
		    value, e.message);
		abort();
	}
	return 1;
}
#endif

int64_t
clock_now(void)
{
	struct timespec ts;

#ifdef PASSNUM_TESTING
	int64_t instant;

	if (clock_test_now(&instant))
		return instant;
#endif
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		abort();
	return (int64_t)ts.tv_sec;
}

int64_t
clock_now_ms(void)
{
	struct timespec ts;

#ifdef PASSNUM_TESTING
	int64_t instant;

	if (clock_test_now(&instant))
		return instant * 1000;
#endif
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		abort();
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
