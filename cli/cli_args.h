/* Operand and option parsing shared by the registry verbs (funder,
 * distributor, place, service, token, campaign). */
#ifndef PASSNUM_CLI_ARGS_H
#define PASSNUM_CLI_ARGS_H
#include <stddef.h>
#include <stdint.h>

/* Parses a decimal id 1..INT64_MAX (digits only). Returns 0, or -1. */
int cli_args_id(const char *text, int64_t *id);

/* Parses a decimal integer min..max (digits only). Returns 0, or -1. */
int cli_args_int(const char *text, long min, long max, long *value);

/* Splits a comma-separated list ("93,94") into at most max items of at most
 * item_size - 1 bytes each, written NUL-ended at out + i * item_size; sets
 * *count. Empty items are refused. Returns 0, or -1 (*count then 0). */
int cli_args_list(const char *text, char *out, size_t item_size, size_t max, size_t *count);

/* Copies src into dst (size bytes with the NUL). Returns 0, or -1 (dst
 * "") when it does not fit. */
int cli_args_copy(char *dst, size_t size, const char *src);

#endif
