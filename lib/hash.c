/* SHA-256 through nettle. See hash.h. */
#include "hash.h"

/* out = SHA-256(in[0..len)). in may be NULL when len is 0. */
void
hash_sha256(uint8_t out[HASH_SHA256_SIZE], const void *in, size_t len)
{
	struct hash_sha256_state st;

	hash_sha256_init(&st);
	hash_sha256_update(&st, in, len);
	hash_sha256_final(&st, out);
}

/* Starts a hash in st (caller's storage, nothing to free). */
void
hash_sha256_init(struct hash_sha256_state *st)
{
	sha256_init(&st->ctx);
}

/* Adds in[0..len) to st. */
void
hash_sha256_update(struct hash_sha256_state *st, const void *in, size_t len)
{
	if (len > 0)
		sha256_update(&st->ctx, len, in);
}

/* Writes the digest to out; st is then reset to an empty hash. */
void
hash_sha256_final(struct hash_sha256_state *st, uint8_t out[HASH_SHA256_SIZE])
{
	sha256_digest(&st->ctx, HASH_SHA256_SIZE, out);
}
