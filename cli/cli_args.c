#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli_args.h"

int
cli_args_id(const char *text, int64_t *id)
{
	long long v;
	char *end;

	if (text == NULL || text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1)
		return -1;
	*id = v;
	return 0;
}

int
cli_args_int(const char *text, long min, long max, long *value)
{
	char *end;
	long v;

	if (text == NULL || text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*value = v;
	return 0;
}

int
cli_args_list(const char *text, char *out, size_t item_size, size_t max, size_t *count)
{
	const char *p = text, *comma;
	size_t len;

	*count = 0;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= item_size || *count >= max) {
			*count = 0;
			return -1;
		}
		memcpy(out + *count * item_size, p, len);
		out[*count * item_size + len] = '\0';
		(*count)++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int
cli_args_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size) {
		dst[0] = '\0';
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}
