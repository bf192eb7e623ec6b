/* A set of issuer public keys with their statuses, as token_verify takes
 * it (loaded from the database by keys_load_issuers, or built by hand from
 * a public key given on the command line). */
#ifndef PASSNUM_KEYSET_H
#define PASSNUM_KEYSET_H
#include <stddef.h>
#include "keys.h"

/* A set of issuer public keys. Several keys may share a key id. */
struct keyset {
	struct issuer_key *keys; /* owned; freed by keyset_free */
	size_t count;
};

/* Appends a copy of key to set (aborts on out-of-memory). */
void keyset_add(struct keyset *set, const struct issuer_key *key);

/* Frees the keys of set and empties it. */
void keyset_free(struct keyset *set);

#endif
