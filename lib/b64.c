/* Canonical base64 over libsodium's codec. See b64.h. */
#include <string.h>

#include <sodium.h>

#include "b64.h"

int
b64_decode(const char *s, size_t len, enum b64_variant variant, uint8_t *out, size_t cap,
    size_t *out_len)
{
	const int v = variant == B64_URLSAFE_RAW ? sodium_base64_VARIANT_URLSAFE_NO_PADDING :
	    sodium_base64_VARIANT_ORIGINAL;
	char again[sodium_base64_ENCODED_LEN(B64_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL)];

	*out_len = 0;
	if (len == 0 || cap > B64_MAX_BYTES || len >= sizeof(again) ||
	    sodium_base642bin(out, cap, s, len, NULL, out_len, NULL, v) != 0 ||
	    sodium_base64_ENCODED_LEN(*out_len, v) != len + 1) {
		*out_len = 0;
		return -1;
	}
	sodium_bin2base64(again, sizeof(again), out, *out_len, v);
	if (memcmp(again, s, len) != 0) {
		*out_len = 0;
		return -1;
	}
	return 0;
}

int
b64_decode_exact(const char *s, size_t len, enum b64_variant variant, uint8_t *out,
    size_t want)
{
	size_t got;

	return b64_decode(s, len, variant, out, want, &got) == 0 && got == want ? 0 : -1;
}
