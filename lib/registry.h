/* The registry: funders, distributors, payees and places, services,
 * campaigns and bearer tokens (schema/0002-registry.sql). The only module
 * that talks SQL to those tables. Write functions run inside the caller's
 * write transaction (db_write, db_write_begin, cli_begin) and open none:
 * outside one they refuse (500 NO_TRANSACTION, a bug). Read functions may
 * run anywhere. Every refusal sets e with a stable code and a one-line
 * message, and changes nothing. */
#ifndef PASSNUM_REGISTRY_H
#define PASSNUM_REGISTRY_H
#include <stdbool.h>
#include <stdint.h>
#include "error.h"

struct db;

#define REGISTRY_NAME_MAX 200
#define REGISTRY_LIST_MAX 64 /* most territory codes, services or types per campaign */

struct funder {
	int64_t id;
	char name[REGISTRY_NAME_MAX + 1];
	char public_name[REGISTRY_NAME_MAX + 1]; /* the only funder name printed on passes */
	char siret[15];                          /* "" when none */
	int64_t created_at;
};

struct distributor {
	int64_t id;
	char name[REGISTRY_NAME_MAX + 1];
	char siret[15];
	int64_t created_at;
};

struct payee {
	int64_t id;
	char siret[15];
	char name[REGISTRY_NAME_MAX + 1];
	char iban[35];
};

enum place_label { PLACE_LABEL_NONE, PLACE_LABEL_LABELLED, PLACE_LABEL_SUSPENDED };

struct place {
	int64_t id;
	char name[REGISTRY_NAME_MAX + 1];
	int64_t payee_id;
	char commune[6];
	char commune_name[REGISTRY_NAME_MAX + 1];
	char department[4];
	char region[4];
	char epci[10];       /* "" when none */
	char time_zone[40];  /* IANA name */
	char type[20];       /* epn, france-services, pimms, centre-social, mediatheque, ccas, association, other */
	enum place_label label;
	int32_t label_until; /* last day of the label (inclusive); -1 when none */
};

struct service {
	int64_t id;
	char code[33];
	char name[REGISTRY_NAME_MAX + 1];
	int passes; /* passes a session costs */
};

struct campaign {
	int64_t id;                     /* 1 .. 2^32-1, the token's campaign field */
	int64_t funder_id;
	char name[REGISTRY_NAME_MAX + 1]; /* internal: never printed nor shown to places */
	int64_t value_cents;
	int32_t last_day;
	int tolerance_days;
	int valid_days_after_handout;   /* 0 when the validity is not counted from hand-out */
	bool unused_refund;             /* false: unused value credited back; true: credit note */
	/* Territory: empty lists mean everywhere. */
	size_t department_count, commune_count, epci_count, place_count;
	char departments[REGISTRY_LIST_MAX][4];
	char communes[REGISTRY_LIST_MAX][6];
	char epcis[REGISTRY_LIST_MAX][10];
	int64_t places[REGISTRY_LIST_MAX];
	size_t service_count, excluded_type_count;
	int64_t services[REGISTRY_LIST_MAX];   /* service ids; empty means all */
	char excluded_types[REGISTRY_LIST_MAX][20];
	int64_t created_at;
};

enum token_role { ROLE_ADMIN, ROLE_FUNDER, ROLE_DISTRIBUTOR, ROLE_PLACE };

struct bearer {
	char id[17];        /* public part of ID.SECRET */
	enum token_role role;
	int64_t subject_id; /* funder, distributor or place id; 0 for admin */
	int64_t created_at;
	int64_t revoked_at; /* 0 while valid */
};

/* Funders and distributors. add: validates (name 1..200, SIRET Luhn when
 * given), inserts, opens the funder's ledger accounts; sets *id. */
int registry_funder_add(struct db *db, const struct funder *f, int64_t now, int64_t *id,
    struct error *e);
int registry_funder_get(struct db *db, int64_t id, struct funder *f, struct error *e);
int registry_funder_list(struct db *db, int (*fn)(const struct funder *f, void *ctx), void *ctx,
    struct error *e);
/* Funds: an order (a public funder's commitment: spendable now, owed until
 * paid; ledger kind "order": debit funder orders, credit funder balance) or
 * a credit (money received; kind "credit": debit bank, credit funder
 * balance). ref (1..200 printable characters) is unique per funder and
 * kind (409 DUPLICATE_REFERENCE). Posts the entry and records it in
 * funder_funds; sets *seq (may be NULL) to the entry's sequence number. */
enum registry_fund_kind { FUND_ORDER, FUND_CREDIT };

struct funder_fund {
	int64_t id;
	int64_t funder_id;
	enum registry_fund_kind kind;
	char ref[REGISTRY_NAME_MAX + 1];
	int64_t amount_cents;
	uint64_t entry_seq;
	int64_t created_at;
};

int registry_funder_fund(struct db *db, int64_t funder_id, enum registry_fund_kind kind,
    int64_t amount_cents, const char *ref, int64_t now, uint64_t *seq, struct error *e);
/* Every recorded fund of kind with reference ref (any funder), for bank
 * import. fn returns 0 to go on, non-zero to stop (returned as is). */
int registry_fund_find(struct db *db, enum registry_fund_kind kind, const char *ref,
    int (*fn)(const struct funder_fund *f, void *ctx), void *ctx, struct error *e);
/* A funder's spendable balance (-balance of its credit-normal balance
 * account) and what it owes on its orders (its orders account). */
int registry_funder_money(struct db *db, int64_t funder_id, int64_t *spendable, int64_t *owed,
    struct error *e);
const char *registry_fund_kind_name(enum registry_fund_kind kind);
/* For `ledger verify`: calls fn with each funder's total of recorded
 * orders and credits (cents). */
int registry_fund_totals(struct db *db,
    int (*fn)(int64_t funder_id, int64_t cents, void *ctx), void *ctx, struct error *e);

int registry_distributor_add(struct db *db, const struct distributor *d, int64_t now,
    int64_t *id, struct error *e);
int registry_distributor_get(struct db *db, int64_t id, struct distributor *d, struct error *e);
int registry_distributor_list(struct db *db, int (*fn)(const struct distributor *d, void *ctx),
    void *ctx, struct error *e);

/* Places: add validates the SIRET (Luhn / La Poste), the commune (official
 * list; département, région, EPCI and time zone derived), the type and the
 * services; a known SIRET joins its payee (an --iban that differs is
 * refused: changing it is registry_payee_iban_request/approve), a new one
 * needs iban (and gets its ledger account). p supplies name, commune and
 * type; the rest is derived. A new place is not labelled.
 * set_label: LABELLED needs until >= today in Europe/Paris (400
 * LABEL_IN_PAST); SUSPENDED needs a labelled place (409 NOT_LABELLED) and
 * keeps its last day (until ignored); NONE clears it (until ignored). */
int registry_place_add(struct db *db, const struct place *p, const char *siret, const char *iban,
    const int64_t *service_ids, size_t service_count, int64_t now, int64_t *id, struct error *e);
int registry_place_get(struct db *db, int64_t id, struct place *p, struct error *e);
int registry_place_list(struct db *db, int (*fn)(const struct place *p, void *ctx), void *ctx,
    struct error *e);
int registry_place_set_label(struct db *db, int64_t id, enum place_label label, int32_t until,
    struct error *e);
/* Checks a place type against the list above: 0, or -1 (400 BAD_PLACE_TYPE). */
int registry_place_type_check(const char *type, struct error *e);
/* The services a place offers, in code order. */
int registry_place_services(struct db *db, int64_t place_id,
    int (*fn)(const struct service *s, void *ctx), void *ctx, struct error *e);
/* The default last day of a new label: 31 December of the year after
 * today's. */
int32_t registry_label_default_until(int32_t today);
/* Whether the place offers the service. */
int registry_place_offers(struct db *db, int64_t place_id, int64_t service_id, bool *offers,
    struct error *e);
int registry_payee_get(struct db *db, int64_t id, struct payee *p, struct error *e);
int registry_payee_iban_request(struct db *db, int64_t payee_id, const char *iban,
    const char *admin_token_id, int64_t now, int64_t *request_id, struct error *e);
int registry_payee_iban_approve(struct db *db, int64_t request_id, const char *admin_token_id,
    int64_t now, struct error *e);

/* IBAN changes: request (admin_token_id: an authenticated admin token's id)
 * refuses the payee's current IBAN (409 IBAN_UNCHANGED); approve applies it
 * and refuses the requesting token (403 SAME_ADMIN) and a request already
 * approved (409 ALREADY_APPROVED). */

/* Services. */
int registry_service_add(struct db *db, const struct service *s, int64_t *id, struct error *e);
int registry_service_get(struct db *db, int64_t id, struct service *s, struct error *e);
int registry_service_find(struct db *db, const char *code, struct service *s, struct error *e);
int registry_service_list(struct db *db, int (*fn)(const struct service *s, void *ctx), void *ctx,
    struct error *e);

/* Campaigns: create validates everything (funder exists, value, last day
 * not past, territory codes exist, services exist, types known) and opens
 * the campaign's outstanding account. */
int registry_campaign_create(struct db *db, const struct campaign *c, int64_t now, int64_t *id,
    struct error *e);
int registry_campaign_get(struct db *db, int64_t id, struct campaign *c, struct error *e);
int registry_campaign_list(struct db *db, int64_t funder_id /* 0: all */,
    int (*fn)(const struct campaign *c, void *ctx), void *ctx, struct error *e);

/* Whether place p may take passes of campaign c for service s (s NULL: for
 * any service), and if not why: sets *code to a stable code
 * ("OUT_OF_TERRITORY", "PLACE_TYPE_EXCLUDED", "SERVICE_NOT_COVERED",
 * "SERVICE_NOT_OFFERED", "PLACE_NOT_QUALIFIED", "PLACE_SUSPENDED") and
 * reason to a French sentence for the place page. Pure: reads c, p and
 * the place's services. today is the place's local date.
 * Checks, in this order: label (labelled and label_until >= today),
 * territory, excluded place types, then only when s is not NULL: service
 * covered by the campaign, service offered by the place. Returns 0 with
 * *code NULL and reason "" when accepted, 0 with *code and reason set when
 * refused, -1 (e set) on a store error. reason_size: REGISTRY_REASON_MAX
 * suffices. */
#define REGISTRY_REASON_MAX 200
int registry_campaign_accepts(struct db *db, const struct campaign *c, const struct place *p,
    const struct service *s, int32_t today, const char **code, char *reason, size_t reason_size,
    struct error *e);

/* Bearer tokens "ID.SECRET": create makes a random id (16 hex) and secret
 * (32 bytes, base64url), stores SHA-256(secret), and writes the whole token
 * into out (shown once). authenticate looks up by id and compares the
 * secret's hash in constant time; refuses revoked tokens (401). Every
 * authentication failure (malformed, unknown id, wrong secret, revoked) is
 * the same 401 BAD_TOKEN with the same message. revoke: 400 BAD_TOKEN_ID,
 * 404 NO_TOKEN, 409 ALREADY_REVOKED. */
#define REGISTRY_TOKEN_TEXT_MAX 80
int registry_token_create(struct db *db, enum token_role role, int64_t subject_id, int64_t now,
    struct bearer *b, char out[REGISTRY_TOKEN_TEXT_MAX], struct error *e);
int registry_token_authenticate(struct db *db, const char *text, struct bearer *b,
    struct error *e);
int registry_token_revoke(struct db *db, const char *id, int64_t now, struct error *e);
int registry_token_list(struct db *db, int (*fn)(const struct bearer *b, void *ctx), void *ctx,
    struct error *e);
const char *registry_role_name(enum token_role role);
/* Parses "admin", "funder", "distributor", "place": 0, or -1. */
int registry_role_parse(const char *name, enum token_role *role);

/* Settings (table settings), with a default when absent. */
int registry_setting_int(struct db *db, const char *name, int64_t fallback, int64_t *value,
    struct error *e);

#endif
