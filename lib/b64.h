/* Canonical base64: the one decoder for every key, hash, signature and
 * secret passnum reads as base64 (signed notes, checkpoints, receipts,
 * cosignatures, witness requests, bearer tokens). */
#ifndef PASSNUM_B64_H
#define PASSNUM_B64_H
#include <stddef.h>
#include <stdint.h>

enum b64_variant {
	B64_STANDARD,		/* RFC 4648 §4, padded */
	B64_URLSAFE_RAW,	/* RFC 4648 §5, no padding */
};

/* The longest decoded value (a cosignature blob is 76 bytes). */
#define B64_MAX_BYTES 96

/* Decodes s[0..len) into out (at most cap <= B64_MAX_BYTES bytes), setting
 * *out_len. s must be exactly what encoding the result gives back: every
 * character from the alphabet, the padding (if any) where it belongs and its
 * unused bits zero, nothing before or after. libsodium 1.0.18's decoder alone
 * takes some bytes above 0x7f as letters; this one refuses them. 0 or -1. */
int	b64_decode(const char *s, size_t len, enum b64_variant variant, uint8_t *out,
	    size_t cap, size_t *out_len) __attribute__((warn_unused_result));

/* b64_decode of exactly want bytes. 0 or -1. */
int	b64_decode_exact(const char *s, size_t len, enum b64_variant variant, uint8_t *out,
	    size_t want) __attribute__((warn_unused_result));

#endif
