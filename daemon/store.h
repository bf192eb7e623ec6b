/* The per-thread read side (store.c): each thread that serves requests
 * opens its own read-only connection to the home's database on first use
 * (the writer thread owns the one write connection) and keeps its own copy
 * of the issuer keyset. */
#ifndef PASSNUMD_STORE_H
#define PASSNUMD_STORE_H
#include <stdbool.h>
#include "keys.h"

struct daemon;
struct db;
struct store;

/* An empty pool for d's home; NULL on failure. */
struct store *store_create(struct daemon *d);
/* Closes every connection the pool opened and frees it (after the threads
 * that used it stopped); NULL is fine. */
void store_free(struct store *s);
/* The calling thread's read connection, opened on first use; NULL (logged,
 * counted) when the database cannot be opened. */
struct db *store_db(struct store *s);
/* The calling thread's issuer keyset, reloaded when older than 5 s, or with
 * refresh when older than 1 s (an unknown key id: a key rotated by the CLI
 * while passnumd runs). On a failed reload the previous keys are kept. */
const struct keyset *store_keyset(struct store *s, bool refresh);

#endif
