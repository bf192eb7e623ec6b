/* The ledger: an append-only double-entry journal whose entries are the
 * leaves of an RFC 9162 Merkle tree (docs/ledger.md). Only this module
 * writes the tables entries, postings, merkle_nodes, checkpoints and the
 * balances of accounts. Every write function runs inside the caller's
 * write transaction (DB_IN_WRITE: db_write, cli_begin, the daemon's
 * writer), so that the head it reads is the head it extends: two appenders
 * can never both write entry N. */
#ifndef PASSNUM_LEDGER_H
#define PASSNUM_LEDGER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "error.h"
#include "merkle.h"

struct db;

#define LEDGER_MAX_POSTINGS 32
#define LEDGER_ACCOUNT_MAX 64
#define LEDGER_KIND_MAX 32
#define LEDGER_TEXT_MAX 200
#define LEDGER_DOMAIN "passnum-entry-v1"
/* Largest posting amount (2^53 cents): with balances bounded by 2^62 in the
 * schema, balance + amount can never overflow. */
#define LEDGER_AMOUNT_MAX INT64_C(9007199254740992)

struct ledger_posting {
	char account[LEDGER_ACCOUNT_MAX + 1]; /* account code, e.g. "funder:3:balance" */
	int64_t amount;                       /* cents; > 0 debit, < 0 credit, never 0 */
};

struct ledger_entry {
	uint64_t seq;                   /* set by ledger_append; the Merkle leaf index */
	int64_t time;                   /* Unix seconds, UTC */
	char kind[LEDGER_KIND_MAX + 1]; /* e.g. "issue", "redeem" (docs/ledger.md) */
	char reference[LEDGER_TEXT_MAX + 1];
	char memo[LEDGER_TEXT_MAX + 1]; /* fixed wording; never about a person */
	size_t count;
	struct ledger_posting postings[LEDGER_MAX_POSTINGS]; /* canonical order after append */
	uint8_t leaf_hash[MERKLE_HASH_SIZE];                 /* set by ledger_append */
};

/* Account classes of the chart (docs/ledger.md). */
enum ledger_account_kind {
	ACCOUNT_BANK,             /* 512  the operator's bank account for third-party funds */
	ACCOUNT_PAYOUTS,          /* 580  payouts in transit to payees */
	ACCOUNT_SUSPENSE,         /* 471  unmatched bank lines */
	ACCOUNT_FUNDER_BALANCE,   /* 4671 a funder's spendable balance (owed to it) */
	ACCOUNT_FUNDER_ORDERS,    /* 411  what a funder owes on its orders */
	ACCOUNT_FUNDER_CREDIT,    /* 4198 credit notes owed back to a funder */
	ACCOUNT_OUTSTANDING,      /* 4672 a campaign's passes in circulation */
	ACCOUNT_PAYEE,            /* 401  what a payee is owed for its redemptions */
	ACCOUNT_FEES,             /* 706  the operator's fees, its only revenue */
	ACCOUNT_VAT,              /* 44571 VAT collected on fees */
	ACCOUNT_PAYOUTS_TRANSIT,  /* 4678 payouts ordered (settle), not yet debited by the bank */
	ACCOUNT_TAKEOVER_CLAIM,   /* 467  a successor's claim on the old operator (takeover) */
	ACCOUNT_FUNDER_INVOICED,  /* 411  a funder's invoices not yet paid (lib/invoice.c) */
	ACCOUNT_VAT_PENDING,      /* 4458 VAT on fees invoiced, due when the funder pays */
	ACCOUNT_REFUNDS_TRANSIT,  /* 4678 refunds to funders ordered, not yet debited by the bank */
	ACCOUNT_BANK_OPERATING,   /* 5122 the operator's own (operating) bank account */
	ACCOUNT_BANK_CHARGES,     /* 627  bank charges */
	ACCOUNT_OPERATOR_FLOAT,   /* 8018 the operator's own money advanced for a purchase funder's places */
	ACCOUNT_FLOAT_COUNTERPART, /* 8091 the counterpart of those advances (engagements given) */
	ACCOUNT_KIND_COUNT
};

/* The chart's row of an account code (docs/ledger.md "Chart of accounts"):
 * its kind's name, PCG number and balance rule (1: never below zero, -1:
 * never above zero, 0: none). Returns 0, or -1 when code is not a code of
 * the chart (owner ids positive and written canonically). */
int ledger_account_lookup(const char *code, const char **kind, const char **pcg, int *rule);

/* Writes the account code for kind and owner (ignored for the operator's
 * own accounts) into out (LEDGER_ACCOUNT_MAX + 1). */
void ledger_account_code(enum ledger_account_kind kind, int64_t owner, char *out);

/* Creates the account of kind for owner if it does not exist yet, labelled
 * with name (the funder's, payee's or campaign's name). Runs inside the
 * caller's write transaction. */
int ledger_account_open(struct db *db, enum ledger_account_kind kind, int64_t owner,
    const char *name, struct error *e);

/* One account of the chart, as stored. */
struct ledger_account {
	int64_t id;
	char code[LEDGER_ACCOUNT_MAX + 1];
	char kind[32];
	int64_t owner;   /* 0 for the operator's own accounts */
	char pcg[8];     /* French PCG account number */
	char name[256];
	int64_t balance; /* cents; debit positive */
};

/* Calls fn for every account, ordered by code; stops with -1 (e not set)
 * when fn returns non-zero. */
int ledger_accounts_each(struct db *db, int (*fn)(const struct ledger_account *a, void *ctx),
    void *ctx, struct error *e);

/* Reads an account's balance (cents; debit positive). */
int ledger_balance(struct db *db, const char *account, int64_t *balance, struct error *e);

/* Adds a posting to entry; returns 0, or -1 (e set) when full or amount is 0. */
int ledger_post(struct ledger_entry *entry, enum ledger_account_kind kind, int64_t owner,
    int64_t amount, struct error *e);

/* Writes the canonical encoding of entry (docs/ledger.md) into out (cap
 * bytes). Returns its length, or 0 when cap is too small. Postings must be in
 * canonical order (ledger_canonicalise). */
size_t ledger_encode(const struct ledger_entry *entry, uint8_t *out, size_t cap);

/* A `rollback` entry is a statement, not a movement of money: it has no
 * posting (lib/published.c, docs/ledger.md); every other kind has 2 to
 * LEDGER_MAX_POSTINGS. */
#define LEDGER_KIND_ROLLBACK "rollback"
bool ledger_postings_allowed(const char *kind, size_t count);

/* Sorts postings into canonical order: by account code (bytes), then amount. */
void ledger_canonicalise(struct ledger_entry *entry);

/* Appends entry: checks it (kinds, lengths, two or more postings summing to
 * zero with checked arithmetic, accounts exist, balance rules), assigns the
 * next sequence number, stores it with its postings and Merkle nodes and
 * updates balances. cache, when not NULL, is a tree state kept by the caller
 * across appends: it is used when still current and refreshed otherwise.
 * Must run inside a write transaction. */
int ledger_append(struct db *db, struct ledger_entry *entry, struct merkle_state *cache,
    struct error *e);

/* The number of entries (the tree size). */
int ledger_size(struct db *db, uint64_t *size, struct error *e);

/* Reads entry seq with its postings (canonical order) and leaf hash: 404
 * NO_ENTRY when there is none, 500 LEDGER_ERROR for a stored entry of more
 * than LEDGER_MAX_POSTINGS postings (never cut short). */
int ledger_read(struct db *db, uint64_t seq, struct ledger_entry *entry, struct error *e);

/* The Merkle root of the first size entries. A size beyond the ledger is
 * refused (404 BEYOND_LEDGER: "size 999 is beyond the ledger's 12
 * entries"), never an internal error about the tree. */
int ledger_root(struct db *db, uint64_t size, uint8_t root[MERKLE_HASH_SIZE], struct error *e);

/* Proofs from the stored nodes. A size beyond the ledger is refused as by
 * ledger_root; an entry outside the tree of size with 404 NOT_IN_TREE. */
int ledger_inclusion_proof(struct db *db, uint64_t seq, uint64_t size,
    uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], size_t *count, struct error *e);
int ledger_consistency_proof(struct db *db, uint64_t size1, uint64_t size2,
    uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], size_t *count, struct error *e);

/* The hashes of a proof as a JSON array of lowercase hex strings (new
 * reference): the "proof" member of the proof replies and of `passnum
 * ledger proof`. */
json_t *ledger_proof_json(const uint8_t proof[][MERKLE_HASH_SIZE], size_t count);

/* The merkle_get_fn over the table merkle_nodes; ctx is the struct db. */
int ledger_node_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE]);

/* Whether json is an object whose members are all among allowed (a NULL-
 * ended list): 0, else -1. */
int ledger_json_only(const json_t *json, const char *const allowed[]);

/* An entry as JSON (seq, time, kind, reference, memo, postings, entry_hash):
 * a receipt's "entry" and a jsonl export's entry line (new reference). */
json_t *ledger_entry_to_json(const struct ledger_entry *entry);

/* Parses ledger_entry_to_json's output; recomputes and checks the leaf hash.
 * Returns 0, or -1 with e set (422 BAD_RECEIPT). */
int ledger_entry_from_json(const json_t *json, struct ledger_entry *entry, struct error *e);

#endif
