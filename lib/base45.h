/* Base45 (RFC 9285): bytes to the 45-character QR alphanumeric alphabet
 * "0-9A-Z $%*+-./:" and back. Decoding is strict: upper case only, no
 * whitespace skipped, a triplet above 65535 or a pair above 255 refused,
 * one leftover character refused. Encoding is canonical, so decoding then
 * encoding gives back the input. */
#ifndef PASSNUM_BASE45_H
#define PASSNUM_BASE45_H
#include <stddef.h>
#include <stdint.h>

/* Characters needed for n bytes, without the NUL; SIZE_MAX if too large. */
size_t base45_encoded_len(size_t n);

/* Sets *n to the bytes that len characters decode to and returns 0, or
 * returns -1 when no valid Base45 text has that length (len % 3 == 1). */
int base45_decoded_len(size_t len, size_t *n);

/* Encodes in[0..inlen) into out as NUL-terminated text. outcap must be at
 * least base45_encoded_len(inlen) + 1. Sets *outlen (when not NULL) to the
 * characters written, NUL excluded. Returns 0, or -1 when out is too small
 * (out is then set to "" when outcap > 0). */
int base45_encode(const uint8_t *in, size_t inlen, char *out, size_t outcap,
    size_t *outlen);

/* Decodes the inlen characters at in (no NUL needed) into out, which must
 * hold outcap >= the decoded length bytes. Sets *outlen (when not NULL) to
 * the bytes written. Returns 0, or -1 on invalid text or a short out; on
 * failure out[0..outcap) is zeroed and *outlen set to 0. */
int base45_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
    size_t *outlen);

/* Returns 0 when in[0..inlen) is valid Base45 text, -1 otherwise. Writes
 * nothing; works on text of any length. */
int base45_check(const char *in, size_t inlen);

#endif
