/* The one error type. Every user-facing refusal carries a status class (the
 * HTTP status passnumd answers with), a stable UPPER_SNAKE code and a
 * one-line English or French message. The CLI exits 1 on any such refusal
 * (cli_fail); its usage errors (exit 2) are the command line's own
 * (cli_usage_error), since a 400 also covers refusals that depend on the
 * state (a date after today, a SIRET not yet known). */
#ifndef PASSNUM_ERROR_H
#define PASSNUM_ERROR_H

struct error {
	int status;        /* 400, 401, 403, 404, 409, 410, 413, 415, 422, 500, 503 */
	const char *code;  /* static string, e.g. "BAD_SIGNATURE"; NULL when none */
	char message[256]; /* one line, no trailing newline */
};

/* Records an error in e (when e is not NULL) and returns -1, so that callers
 * can write `return error_set(e, 422, "BAD_SIGNATURE", "...")`. */
int error_set(struct error *e, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Clears e to "no error". */
void error_clear(struct error *e);

#endif
