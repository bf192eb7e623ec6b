#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "error.h"

int
error_set(struct error *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->status = status;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
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
