/* Fixed report periods and the names of kinds and formats. */
#include <string.h>
#include "date.h"
#include "report.h"

/* "YYYY", "YYYY-MM" or "YYYY-Qn" into first/last days. */
int
report_period_parse(const char *text, struct report_period *p, struct error *e)
{
	size_t len = strlen(text);
	int year, n = 0, first_month, last_month;
	int32_t next;

	memset(p, 0, sizeof(*p));
	if ((len != 4 && len != 7) || date_digits(text, 4, &year) != 0 || year < 1 || year > 9998)
		goto bad;
	if (len == 4) {
		first_month = 1;
		last_month = 12;
	} else if (text[4] == '-' && text[5] == 'Q' && text[6] >= '1' && text[6] <= '4') {
		n = text[6] - '0';
		first_month = 3 * n - 2;
		last_month = 3 * n;
	} else if (text[4] == '-' && date_digits(text + 5, 2, &n) == 0 && n >= 1 && n <= 12) {
		first_month = last_month = n;
	} else {
		goto bad;
	}
	if (date_from_ymd(year, first_month, 1, &p->first) != 0 ||
	    date_from_ymd(last_month == 12 ? year + 1 : year, last_month % 12 + 1, 1, &next) != 0)
		goto bad;
	p->last = next - 1;
	memcpy(p->text, text, len + 1);
	return 0;
bad:
	return error_set(e, 400, "BAD_PERIOD", "period \"%s\" is not a month (YYYY-MM), a quarter"
	    " (YYYY-Qn) nor a year (YYYY)", text);
}

int
report_kind_parse(const char *text, enum report_kind *kind, struct error *e)
{
	static const char *const names[] = { "funder", "payee", "place", "distributor" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(text, names[i]) == 0) {
			*kind = (enum report_kind)i;
			return 0;
		}
	return error_set(e, 400, "BAD_REPORT", "unknown report \"%s\" (funder, payee, place,"
	    " distributor)", text);
}

int
report_format_parse(const char *text, enum report_format *format, struct error *e)
{
	static const char *const names[] = { "csv", "json", "html", "pdf" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(text, names[i]) == 0) {
			*format = (enum report_format)i;
			return 0;
		}
	return error_set(e, 400, "BAD_FORMAT", "unknown format \"%s\" (csv, json, html, pdf)", text);
}
