#include <stdlib.h>
#include "keyset.h"

void
keyset_add(struct keyset *set, const struct issuer_key *key)
{
	struct issuer_key *keys;

	keys = realloc(set->keys, (set->count + 1) * sizeof(*keys));
	if (keys == NULL)
		abort();
	keys[set->count++] = *key;
	set->keys = keys;
}

void
keyset_free(struct keyset *set)
{
	free(set->keys);
	set->keys = NULL;
	set->count = 0;
}
