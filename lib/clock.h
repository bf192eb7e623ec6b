/* Time: the one place the clock is read, and the local time zones of
 * places (calendar dates are in date.h). Instants are int64 Unix seconds UTC; calendar dates are
 * int32 days since 1970-01-01 (proleptic Gregorian). Time-zone rules are
 * written in code (no TZ, no localtime), so every function here except
 * clock_now and clock_now_ms is pure and thread-safe.
 *
 * Test clock: builds compiled with PASSNUM_TESTING (CMake option
 * PASSNUM_TEST_BUILD) read the environment variable PASSNUM_NOW on every call
 * of clock_now/clock_now_ms; when it is set and not empty, that instant is
 * "now" ("2027-03-12T10:00:00Z" or Unix seconds like "1804845600"). An
 * invalid value aborts the process with a message on stderr. Production
 * builds ignore PASSNUM_NOW. */
#ifndef PASSNUM_CLOCK_H
#define PASSNUM_CLOCK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "date.h"
#include "error.h"

/* Local time zones of places (PRODUCT.md "Time"). */
enum clock_tz {
	CLOCK_TZ_NONE = -1,     /* no zone: 984 TAAF, 989 Clipperton (uninhabited) */
	CLOCK_TZ_PARIS = 0,     /* Europe/Paris: CET/CEST, EU rule (valid from 1996) */
	CLOCK_TZ_GUADELOUPE,    /* America/Guadeloupe (971): UTC-4 */
	CLOCK_TZ_MARTINIQUE,    /* America/Martinique (972): UTC-4 */
	CLOCK_TZ_CAYENNE,       /* America/Cayenne (973): UTC-3 */
	CLOCK_TZ_REUNION,       /* Indian/Reunion (974): UTC+4 */
	CLOCK_TZ_MIQUELON,      /* America/Miquelon (975): UTC-3, Canada/US DST (valid from 1987) */
	CLOCK_TZ_MAYOTTE,       /* Indian/Mayotte (976): UTC+3 */
	CLOCK_TZ_ST_BARTHELEMY, /* America/St_Barthelemy (977): UTC-4 */
	CLOCK_TZ_MARIGOT,       /* America/Marigot (978): UTC-4 */
	CLOCK_TZ_WALLIS,        /* Pacific/Wallis (986): UTC+12 */
	CLOCK_TZ_TAHITI,        /* Pacific/Tahiti (987): UTC-10 (Marquesas -9:30, Gambier -9 not modelled) */
	CLOCK_TZ_NOUMEA,        /* Pacific/Noumea (988): UTC+11 */
	CLOCK_TZ_COUNT
};

#define CLOCK_INSTANT_SIZE 21 /* "2027-03-12T10:00:00Z" + NUL */

/* Returns the current instant in Unix seconds UTC (or PASSNUM_NOW, see
 * above). */
int64_t clock_now(void);

/* Returns the current instant in Unix milliseconds UTC (PASSNUM_NOW * 1000
 * in test builds when set). */
int64_t clock_now_ms(void);

/* Returns a monotonic time in milliseconds, for measuring intervals
 * (timeouts, rate limits, durations). Never affected by PASSNUM_NOW. */
int64_t clock_monotonic_ms(void);

/* Returns true when this build honours PASSNUM_NOW (compiled with
 * PASSNUM_TESTING). */
bool clock_is_test_build(void);

/* Parses an instant: "YYYY-MM-DDTHH:MM:SSZ" (UTC, strict) or non-negative
 * decimal Unix seconds. Returns 0 with *instant set, or -1 (400 BAD_TIME). */
int clock_instant_parse(const char *text, int64_t *instant, struct error *e)
	__attribute__((warn_unused_result));

/* Writes instant as "YYYY-MM-DDTHH:MM:SSZ" into buf (CLOCK_INSTANT_SIZE).
 * Returns 0, or -1 (buf = "") if its year is outside 0001-9999. */
int clock_instant_format(int64_t instant, char buf[CLOCK_INSTANT_SIZE]);

/* Returns the IANA name of tz ("Europe/Paris"), or "" for CLOCK_TZ_NONE or
 * an invalid value. */
const char *clock_tz_name(enum clock_tz tz);

/* Finds the zone whose IANA name is name. Returns 0 with *tz set, or -1
 * (400 BAD_TIME_ZONE). */
int clock_tz_from_name(const char *name, enum clock_tz *tz, struct error *e);

/* Finds the zone of a département or overseas collectivity code as written
 * in INSEE data ("01".."95" but not "20", "2A", "2B", "971".."978", "986",
 * "987", "988"). Returns 0 with *tz set, or -1 (400 BAD_DEPARTMENT) for any
 * other code, 984 and 989 included. */
int clock_tz_for_department(const char *department, enum clock_tz *tz,
    struct error *e);

/* Returns the offset of local time from UTC in seconds at instant in tz
 * (7200 for Paris in summer, -14400 for Guadeloupe); 0 for CLOCK_TZ_NONE. */
int32_t clock_local_offset(int64_t instant, enum clock_tz tz);

/* Returns the local calendar day (days since 1970-01-01) of instant in tz;
 * saturates to INT32_MIN/INT32_MAX for instants beyond int32 days. */
int32_t clock_local_day(int64_t instant, enum clock_tz tz);

/* Returns the first instant (local midnight, in Unix seconds) of local
 * calendar day in tz; the day after's start minus one is its last second. */
int64_t clock_local_day_start(int32_t day, enum clock_tz tz);

/* Returns today's local calendar day in tz: clock_local_day(clock_now(), tz). */
int32_t clock_today(enum clock_tz tz);

#endif
