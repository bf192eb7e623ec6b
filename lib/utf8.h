/* UTF-8 text: validation of what people type and what the network sends,
 * and a safe copy for messages that quote outside input. */
#ifndef PASSNUM_UTF8_H
#define PASSNUM_UTF8_H
#include <stdbool.h>
#include <stddef.h>

/* Whether the len bytes at text are well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). NUL bytes count
 * as valid here; callers that hold C strings never see them. */
bool utf8_valid(const char *text, size_t len);

/* Copies the len bytes at src into dst (size bytes, size > 0) as valid
 * UTF-8: each invalid byte becomes U+FFFD, and when dst is too small the
 * copy stops on a character boundary. dst is always NUL-ended; NUL bytes in
 * src end the copy. Returns the length written. dst and src may not
 * overlap. */
size_t utf8_copy(char *dst, size_t size, const char *src, size_t len);

#endif
