#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "utf8.h"

int
error_set(struct error *e, int status, const char *code, const char *fmt, ...)
{
	char text[4 * sizeof(e->message)];
	va_list ap;

	if (e == NULL)
		return -1;
	e->status = status;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Messages quote outside input: keep them valid UTF-8 (JSON replies
	 * need it), cut on a character boundary. */
	utf8_copy(e->message, sizeof(e->message), text, strlen(text));
	for (char *p = e->message; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return -1;
}

void
error_clear(struct error *e)
{
	memset(e, 0, sizeof(*e));
}
