/* The registry: funders, distributors, payees and places, services,
 * campaigns and bearer tokens (schema/0002-registry.sql). The only module
 * that talks SQL to those tables. Write functions run inside the caller's
 * write transaction (db_write, db_write_begin, cli_begin) and open none:
 * outside one they refuse (500 NO_TRANSACTION, a bug). Read functions may
 * run anywhere. Every refusal sets e with a stable code and a one-line
 * message, and changes nothing. Corrections (the *_edit functions) record
 * each field they change in registry_changes (schema/0005) with who and
 * when. */
#ifndef PASSNUM_REGISTRY_H
#define PASSNUM_REGISTRY_H
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
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
	/* Invoicing (schema 10, docs/accounting.md). "" in registry_funder_add
	 * takes the defaults: frame purchase for a public body (SIRET starting
	 * with 1 or 2), else prepaid; territory metropole. */
	char frame[9];          /* purchase, mandate or prepaid */
	char vat_territory[11]; /* metropole, guadeloupe, martinique, reunion, guyane, mayotte */
	char service_code[101]; /* Chorus Pro code service, "" when none */
};

/* A funder's frame and VAT territory as typed: 0, or -1 (400 BAD_FRAME /
 * BAD_TERRITORY). Pure. */
int registry_frame_check(const char *frame, struct error *e);
int registry_territory_check(const char *territory, struct error *e);
/* The default frame of a funder with this SIRET ("" none): "purchase" for
 * a public body (SIREN starting with 1 or 2), else "prepaid". */
const char *registry_frame_default(const char *siret);

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

/* Flags of the add and edit functions. */
#define REGISTRY_ALLOW_DUPLICATE 1u /* accept a name (place: name + commune) already used */

/* Pure checks of what a command line may give, usable before any database
 * is open; each returns 0, or -1 with e set (400). A name has 1..200 bytes
 * of UTF-8 text, no control character, and not only spaces (400 BAD_NAME,
 * what says whose name). */
int registry_name_check(const char *what, const char *name, struct error *e);
/* A service code: 1..32 of a-z, 0-9 and '-', not starting with '-' (400
 * BAD_SERVICE_CODE). */
int registry_service_code_check(const char *code, struct error *e);
/* A fund's reference: 1..200 printable characters (400 BAD_REFERENCE). */
int registry_fund_ref_check(const char *ref, struct error *e);
/* A fund's amount: more than zero (400 BAD_AMOUNT). */
int registry_fund_amount_check(int64_t cents, struct error *e);
/* A commune where a place may be: on the official list, with a time zone
 * (400 BAD_COMMUNE / NO_TIME_ZONE). */
int registry_place_commune_check(const char *commune, struct error *e);
/* The codes of c's lists that need no database: départements, communes,
 * EPCI and excluded place types exist (400 with the first bad one). */
int registry_campaign_codes_check(const struct campaign *c, struct error *e);
/* A pass's face value: 0.01 to 1000.00 euros (400 BAD_VALUE). */
int registry_campaign_value_check(int64_t cents, struct error *e);
/* A token id: 16 lowercase hex digits (400 BAD_TOKEN_ID). */
int registry_token_id_check(const char *id, struct error *e);

/* Funders and distributors. add: validates (name, SIRET Luhn when given),
 * refuses a name already used by another funder (409 DUPLICATE, compared
 * without ASCII case) unless flags has REGISTRY_ALLOW_DUPLICATE, inserts,
 * opens the funder's ledger accounts; sets *id. registry_funder_add is
 * registry_funder_add_flags with no flag. */
int registry_funder_add(struct db *db, const struct funder *f, int64_t now, int64_t *id,
    struct error *e);
int registry_funder_add_flags(struct db *db, const struct funder *f, unsigned flags, int64_t now,
    int64_t *id, struct error *e);
/* Corrects funder f->id to f's name, public name, frame, VAT territory and
 * service code (the rest of f must be
 * as stored: 409 NOT_EDITABLE). Refuses a duplicate name as add does.
 * Records each changed field with who (registry_actor) at now. */
int registry_funder_edit(struct db *db, const struct funder *f, unsigned flags, const char *who,
    int64_t now, struct error *e);
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
/* The same, filling *out (may be NULL) with the fund as recorded: its id
 * (funder_funds.id, the order's or credit's id; orders and credits share
 * one sequence of ids) and its entry's sequence number. */
int registry_funder_fund_add(struct db *db, int64_t funder_id, enum registry_fund_kind kind,
    int64_t amount_cents, const char *ref, int64_t now, struct funder_fund *out,
    struct error *e);
/* A funder's funds of kind, oldest first. fn returns 0 to go on, non-zero
 * to stop (returned as is). 404 NO_FUNDER for an unknown funder. */
int registry_fund_list(struct db *db, int64_t funder_id, enum registry_fund_kind kind,
    int (*fn)(const struct funder_fund *f, void *ctx), void *ctx, struct error *e);
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

/* Distributors: add and edit (name only) refuse a name already used, as
 * for funders. */
int registry_distributor_add(struct db *db, const struct distributor *d, int64_t now,
    int64_t *id, struct error *e);
int registry_distributor_add_flags(struct db *db, const struct distributor *d, unsigned flags,
    int64_t now, int64_t *id, struct error *e);
int registry_distributor_edit(struct db *db, const struct distributor *d, unsigned flags,
    const char *who, int64_t now, struct error *e);
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
/* The same; refuses a place with the same name in the same commune (409
 * DUPLICATE) unless flags has REGISTRY_ALLOW_DUPLICATE (registry_place_add
 * passes no flag). */
int registry_place_add_flags(struct db *db, const struct place *p, const char *siret,
    const char *iban, const int64_t *service_ids, size_t service_count, unsigned flags,
    int64_t now, int64_t *id, struct error *e);
/* Corrects place p->id to p's name, type and commune (its département,
 * région, EPCI and time zone derived again) and, when service_ids is not
 * NULL, to exactly those services. Its payee and label are not changed here
 * (409 NOT_EDITABLE when p's differ). Refuses a duplicate name + commune as
 * add does. Records each changed field with who at now. */
int registry_place_edit(struct db *db, const struct place *p, const int64_t *service_ids,
    size_t service_count, unsigned flags, const char *who, int64_t now, struct error *e);
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
 * approved (409 ALREADY_APPROVED); it records the change (payee, iban, old
 * -> new) with "token:ID" of the approver. */
struct iban_change {
	int64_t id;
	int64_t payee_id;
	char payee_name[REGISTRY_NAME_MAX + 1];
	char payee_siret[15];
	char current_iban[35]; /* the payee's IBAN now (the old one while pending) */
	char iban[35];         /* the IBAN requested */
	char requested_by[17], approved_by[17]; /* token ids; approved_by "" while pending */
	int64_t requested_at, approved_at;      /* approved_at 0 while pending */
};
int registry_iban_change_get(struct db *db, int64_t id, struct iban_change *c, struct error *e);
/* Requests not yet approved, oldest first; fn as for the other lists. */
int registry_iban_change_pending(struct db *db, int (*fn)(const struct iban_change *c, void *ctx),
    void *ctx, struct error *e);
/* Whether admin_token_id may approve request id now: fills *c and returns
 * 0, or -1 with the refusal approve would give. Reads only. */
int registry_payee_iban_approvable(struct db *db, int64_t id, const char *admin_token_id,
    struct iban_change *c, struct error *e);

/* Services. */
int registry_service_add(struct db *db, const struct service *s, int64_t *id, struct error *e);
int registry_service_get(struct db *db, int64_t id, struct service *s, struct error *e);
int registry_service_find(struct db *db, const char *code, struct service *s, struct error *e);
int registry_service_list(struct db *db, int (*fn)(const struct service *s, void *ctx), void *ctx,
    struct error *e);
/* Corrects service s->id to s's name (its code and passes must be as
 * stored: 409 NOT_EDITABLE). Records the change with who at now. */
int registry_service_edit(struct db *db, const struct service *s, const char *who, int64_t now,
    struct error *e);

/* Campaigns: create validates everything (funder exists, value, last day
 * not past, territory codes exist, services exist, types known) and opens
 * the campaign's outstanding account. */
int registry_campaign_create(struct db *db, const struct campaign *c, int64_t now, int64_t *id,
    struct error *e);
int registry_campaign_get(struct db *db, int64_t id, struct campaign *c, struct error *e);
int registry_campaign_list(struct db *db, int64_t funder_id /* 0: all */,
    int (*fn)(const struct campaign *c, void *ctx), void *ctx, struct error *e);
/* Corrects campaign c->id to c's rules that touch no money already issued:
 * name, tolerance days, territory lists, services, excluded place types,
 * and the last day (only later, and not before today: 409 LAST_DAY_EARLIER,
 * 400 LAST_DAY_PAST; passes already issued keep the last day printed on
 * them). Its funder, value, unused rule and validity after hand-out never
 * change (409 NOT_EDITABLE). Validates as create does; records each
 * changed field with who at now. */
int registry_campaign_edit(struct db *db, const struct campaign *c, const char *who, int64_t now,
    struct error *e);

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

/* Bearer tokens given to the CLI and who makes a change. */
/* The token text to use: the first line of file when file is not NULL
 * ("-": standard input), else text when not NULL and not empty (an option
 * or PASSNUM_TOKEN). Returns 1 with out set, 0 when none is given, -1 (400
 * BAD_TOKEN_FILE: unreadable, empty or too long). */
int registry_token_source(const char *file, const char *text, char out[REGISTRY_TOKEN_TEXT_MAX],
    struct error *e);
/* Authenticates text as an admin token: 0 with *b set, or -1 (401
 * BAD_TOKEN, 403 NOT_ADMIN). */
int registry_admin_authenticate(struct db *db, const char *text, struct bearer *b,
    struct error *e);
/* Who makes a change, as recorded: "token:ID" when token_text is not NULL
 * (it must be a valid admin token), else "user:NAME" of the OS user running
 * the process ("uid:N" when it has no name). */
#define REGISTRY_ACTOR_SIZE 100
int registry_actor(struct db *db, const char *token_text, char who[REGISTRY_ACTOR_SIZE],
    struct error *e);

/* Recorded changes of one object (object: "funder", "distributor",
 * "place", "service", "campaign", "payee"), oldest first. */
#define REGISTRY_CHANGE_VALUE_MAX 2000
struct registry_change {
	int64_t id;
	char field[41];
	char old_value[REGISTRY_CHANGE_VALUE_MAX + 1];
	char new_value[REGISTRY_CHANGE_VALUE_MAX + 1];
	char changed_by[REGISTRY_ACTOR_SIZE];
	int64_t changed_at;
};
/* Only the changes whose id is above after_id (0: all) are listed. */
int registry_change_list(struct db *db, const char *object, int64_t object_id, int64_t after_id,
    int (*fn)(const struct registry_change *c, void *ctx), void *ctx, struct error *e);
/* The id of the last change recorded (0 when none), so that a verb can list
 * the changes it made. */
int registry_change_last(struct db *db, int64_t *id, struct error *e);
/* The changes as a JSON array (caller owns it) of {"id", "field",
 * "old_value", "new_value", "changed_by", "changed_at"}; NULL with e set. */
json_t *registry_change_json(struct db *db, const char *object, int64_t object_id,
    int64_t after_id, struct error *e);
/* registry_token_source then registry_actor: who makes a change, from the
 * admin token in file or text when one is given, else the OS user. */
int registry_actor_find(struct db *db, const char *file, const char *text,
    char who[REGISTRY_ACTOR_SIZE], struct error *e);

/* Sets setting name to value (1..200 bytes), inside the caller's write
 * transaction. */
int registry_setting_set(struct db *db, const char *name, const char *value, struct error *e);
/* Reads setting name as text into out (size bytes); fallback when absent. */
int registry_setting_text(struct db *db, const char *name, const char *fallback, char *out,
    size_t size, struct error *e);
/* Settings (table settings), with a default when absent. */
int registry_setting_int(struct db *db, const char *name, int64_t fallback, int64_t *value,
    struct error *e);

#endif
