/* A home: the data directory holding passnum.db, keys/ and passnumd.conf. */
#ifndef PASSNUM_HOME_H
#define PASSNUM_HOME_H
#include <stdint.h>
#include "error.h"

struct db;

struct home {
	char dir[4096];
	struct db *db; /* owned; closed by home_close */
};

/* The operator's identity, recorded once by `passnum init`. */
struct operator_info {
	char name[201];
	char siren[10];
	char iban[35];
	char bic[12];
	char origin[201]; /* the ledger's log origin (C2SP), never changed */
};

/* Picks the home directory: option (from --home) if not NULL, else the
 * environment's PASSNUM_HOME. Returns 0, or -1 with e set. */
int home_resolve(const char *option, char *out, size_t size, struct error *e);

/* Creates a new home at dir: the directory (mode 0700, may exist if empty),
 * the database, and in one write transaction of its own the operator row,
 * one issuer key and one ledger key. Refuses an existing home and leaves
 * nothing behind on failure. */
int home_create(struct home *home, const char *dir, const struct operator_info *op,
    int64_t now, struct error *e);

/* Opens an existing home (upgrading its schema if older). */
int home_open(struct home *home, const char *dir, struct error *e);

/* Closes the database; NULL-safe on a zeroed home. */
void home_close(struct home *home);

/* Writes "dir/name" into out; returns 0, or -1 when it does not fit. */
int home_path(const struct home *home, const char *name, char *out, size_t size);

/* Reads the operator row. */
int home_operator(struct db *db, struct operator_info *op, struct error *e);

#endif
