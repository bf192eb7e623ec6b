/* SHA-256, the one function every SHA-256 caller in lib/ uses.
 *
 * Backed by nettle (libnettle), whose x86_64 build selects the CPU's SHA
 * extensions at run time when present (portable code otherwise): 4 to 5
 * times libsodium's portable SHA-256 on the development machine. The state
 * lives on the caller's stack: nothing is allocated, nothing is global, any
 * thread may hash at any time. docs/architecture.md says why this library. */
#ifndef PASSNUM_HASH_H
#define PASSNUM_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define HASH_SHA256_SIZE 32

/* An incremental SHA-256; plain data, copy to fork a prefix. */
struct hash_sha256_state {
	struct sha256_ctx ctx;
};

void	hash_sha256(uint8_t out[HASH_SHA256_SIZE], const void *in, size_t len);
void	hash_sha256_init(struct hash_sha256_state *st);
void	hash_sha256_update(struct hash_sha256_state *st, const void *in,
	    size_t len);
void	hash_sha256_final(struct hash_sha256_state *st,
	    uint8_t out[HASH_SHA256_SIZE]);

#endif
