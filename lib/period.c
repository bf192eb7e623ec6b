#include <stdio.h>
#include "clock.h"
#include "date.h"
#include "db.h"
#include "period.h"
#include "redemption.h"

int
period_bounds(const char *period, int64_t *start, int64_t *end, int32_t *first, int32_t *last,
    struct error *e)
{
	int32_t f, l;

	if (date_period_parse(period, &f, &l, e) != 0)
		return -1;
	*start = clock_local_day_start(f, CLOCK_TZ_PARIS);
	*end = clock_local_day_start(l + 1, CLOCK_TZ_PARIS);
	if (first != NULL)
		*first = f;
	if (last != NULL)
		*last = l;
	return 0;
}

int
period_check_closed(struct db *db, const char *period, int64_t now, struct error *e)
{
	int64_t start, end, last = 0;
	char when[CLOCK_INSTANT_SIZE];
	int rc;

	if (period_bounds(period, &start, &end, NULL, NULL, e) != 0)
		return -1;
	if (now < end) {
		clock_instant_format(end, when);
		return error_set(e, 409, "PERIOD_NOT_CLOSED", "period %s is not closed: its last day"
		    " ends at %s", period, when);
	}
	rc = db_int64(db, "SELECT MAX(created_at) FROM redemptions WHERE created_at >= ?1"
	    " AND created_at < ?2 AND cancelled_at IS NULL AND created_at + ?3 > ?4",
	    DB_ARGS(DB_INT(start), DB_INT(end), DB_INT(REDEMPTION_CANCEL_SECONDS), DB_INT(now)),
	    &last, e);
	if (rc < 0)
		return -1;
	if (last != 0) {
		clock_instant_format(last + REDEMPTION_CANCEL_SECONDS, when);
		return error_set(e, 409, "PERIOD_NOT_CLOSED", "period %s is not closed: a redemption"
		    " in it may be cancelled until %s", period, when);
	}
	return 0;
}

int
period_year_closed(struct db *db, int year, bool *closed, struct error *e)
{
	int rc = db_one(db, "SELECT 1 FROM closed_years WHERE year = ?1", DB_ARGS(DB_INT(year)),
	    NULL, NULL, e);

	*closed = rc == 1;
	return rc < 0 ? -1 : 0;
}

int
period_check_open(struct db *db, int32_t day, struct error *e)
{
	int year, month, mday;
	bool closed;

	date_to_ymd(day, &year, &month, &mday);
	if (period_year_closed(db, year, &closed, e) != 0)
		return -1;
	if (closed)
		return error_set(e, 409, "YEAR_CLOSED", "the fiscal year %d is closed: nothing is"
		    " posted into it", year);
	return 0;
}

int
period_close_year(struct db *db, int year, int64_t now, const char *who, struct error *e)
{
	char december[DATE_PERIOD_SIZE];
	bool closed;

	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (year < 2000 || year > 9998)
		return error_set(e, 400, "BAD_YEAR", "a fiscal year is 2000 to 9998");
	if (period_year_closed(db, year, &closed, e) != 0)
		return -1;
	if (closed)
		return error_set(e, 409, "YEAR_CLOSED", "the fiscal year %d is already closed", year);
	snprintf(december, sizeof(december), "%04d-12", year);
	if (period_check_closed(db, december, now, e) != 0)
		return -1;
	return db_run(db, "INSERT INTO closed_years (year, closed_at, closed_by) VALUES (?1, ?2, ?3)",
	    DB_ARGS(DB_INT(year), DB_INT(now), DB_TEXT(who)), e);
}

int
period_entry_date(struct db *db, uint64_t seq, int32_t day, struct error *e)
{
	if (DB_IN_WRITE(db, e) != 0 || period_check_open(db, day, e) != 0)
		return -1;
	return db_run(db, "INSERT INTO entry_dates (entry_seq, day) VALUES (?1, ?2)",
	    DB_ARGS(DB_INT(seq), DB_INT(day)), e);
}

int
period_entry_day(struct db *db, uint64_t seq, int32_t *day, struct error *e)
{
	int64_t value = 0, time = 0;
	int rc = db_int64(db, "SELECT day FROM entry_dates WHERE entry_seq = ?1",
	    DB_ARGS(DB_INT(seq)), &value, e);

	if (rc < 0)
		return -1;
	if (rc == 1) {
		*day = (int32_t)value;
		return 0;
	}
	rc = db_int64(db, "SELECT time FROM entries WHERE seq = ?1", DB_ARGS(DB_INT(seq)), &time, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return error_set(e, 404, "NO_ENTRY", "no entry %llu", (unsigned long long)seq);
	*day = clock_local_day(time, CLOCK_TZ_PARIS);
	return 0;
}
