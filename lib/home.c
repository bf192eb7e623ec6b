#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "clock.h"
#include "db.h"
#include "home.h"
#include "identifiers.h"
#include "keys.h"
#include "money.h"
#include "utf8.h"

int
home_resolve(const char *option, char *out, size_t size, struct error *e)
{
	const char *dir = option != NULL ? option : getenv("PASSNUM_HOME");

	if (dir == NULL || *dir == '\0')
		return error_set(e, 400, "NO_HOME", "no home given: use --home DIR or set PASSNUM_HOME");
	if ((size_t)snprintf(out, size, "%s", dir) >= size)
		return error_set(e, 400, "BAD_HOME", "the home path is too long");
	return 0;
}

int
home_path(const struct home *home, const char *name, char *out, size_t size)
{
	return (size_t)snprintf(out, size, "%s/%s", home->dir, name) < size ? 0 : -1;
}

/* Returns 1 when dir exists and holds anything, 0 when it is absent or empty. */
static int
home_dir_in_use(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int used = 0;

	if (d == NULL)
		return errno != ENOENT;
	while (!used && (de = readdir(d)) != NULL)
		used = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return used;
}

/* Removes what home_create made in dir: key files, database files, keys/. */
static void
home_remove_partial(const char *dir, int made_dir)
{
	static const char *const files[] = { "passnum.db", "passnum.db-wal", "passnum.db-shm" };
	char path[4200];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/keys", dir);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char file[4500];
			if (de->d_name[0] == '.')
				continue;
			snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
			unlink(file);
		}
		closedir(d);
		rmdir(path);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	if (made_dir)
		rmdir(dir);
}

/* Records the operator row; inside the caller's write transaction. */
static int
home_insert_operator(struct db *db, const struct operator_info *op, struct error *e)
{
	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	return db_run(db, "INSERT INTO operator (id, name, siren, iban, bic, origin, created_at,"
	    " address, siret, vat_number, legal_form, capital_cents, rcs, operating_iban)"
	    " VALUES (1, ?1, ?2, ?3, ?4, ?5, strftime('%s', 'now'), ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	    DB_ARGS(DB_TEXT(op->name), DB_TEXT(op->siren), DB_TEXT(op->iban), DB_TEXT(op->bic),
	    DB_TEXT(op->origin), DB_TEXT(op->address), DB_TEXT(op->siret), DB_TEXT(op->vat_number),
	    DB_TEXT(op->legal_form), op->capital_known ? DB_INT(op->capital_cents) : DB_NULL,
	    DB_TEXT(op->rcs), DB_TEXT(op->operating_iban)), e);
}

/* Makes the missing parent folders of dir (mode 0700), like mkdir -p of
 * its dirname. Returns 0, or -1 with e set. */
static int
home_make_parents(const char *dir, struct error *e)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return error_set(e, 400, "BAD_HOME", "cannot create %s: %s", path, strerror(errno));
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			return error_set(e, 400, "BAD_HOME", "%s is not a folder", path);
		*p = '/';
	}
	return 0;
}

struct home_creation {
	struct home *home;
	const struct operator_info *op;
	int64_t now;
};

/* The operator row, one issuer key and one ledger key. */
static int
home_create_work(struct db *db, void *ctx, struct error *e)
{
	struct home_creation *c = ctx;

	return home_insert_operator(db, c->op, e) != 0 ||
	    keys_rotate(db, c->home->dir, KEY_ISSUER, c->op->origin, c->now, NULL, e) != 0 ||
	    keys_rotate(db, c->home->dir, KEY_LEDGER, c->op->origin, c->now, NULL, e) != 0 ? -1 : 0;
}

int
home_create(struct home *home, const char *dir, const struct operator_info *op,
    int64_t now, struct error *e)
{
	struct home_creation creation = { home, op, now };
	char path[4200];
	int made_dir = 0;

	memset(home, 0, sizeof(*home));
	if ((size_t)snprintf(home->dir, sizeof(home->dir), "%s", dir) >= sizeof(home->dir))
		return error_set(e, 400, "BAD_HOME", "the home path is too long");
	if (home_dir_in_use(dir))
		return error_set(e, 409, "HOME_EXISTS", "%s already exists and is not empty: refusing to touch it",
		    dir);
	if (home_make_parents(dir, e) != 0)
		return -1;
	if (mkdir(dir, 0700) == 0)
		made_dir = 1;
	else if (errno != EEXIST)
		return error_set(e, 400, "BAD_HOME", "cannot create %s: %s", dir, strerror(errno));
	home_path(home, "passnum.db", path, sizeof(path));
	if (db_open(&home->db, path, DB_OPEN_CREATE, e) != 0 ||
	    db_write(home->db, DB_BUSY_DEFAULT, home_create_work, &creation, e) != 0) {
		home_close(home);
		home_remove_partial(dir, made_dir);
		return -1;
	}
	return 0;
}

int
home_open(struct home *home, const char *dir, struct error *e)
{
	char path[4200];
	struct stat st;

	memset(home, 0, sizeof(*home));
	if ((size_t)snprintf(home->dir, sizeof(home->dir), "%s", dir) >= sizeof(home->dir))
		return error_set(e, 400, "BAD_HOME", "the home path is too long");
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return error_set(e, 503, "NO_HOME", "%s is not a passnum home (run passnum init)", dir);
	home_path(home, "passnum.db", path, sizeof(path));
	return db_open(&home->db, path, DB_OPEN_EXISTING, e);
}

void
home_close(struct home *home)
{
	db_close(home->db);
	home->db = NULL;
}

/* The columns of operator, in the order home_operator_row reads them. */
#define HOME_OPERATOR_COLUMNS "name, siren, iban, bic, origin, address, siret, vat_number," \
	" legal_form, capital_cents, rcs, operating_iban, COALESCE(fec_exported_at, 0)"

static int
home_operator_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct operator_info *op = ctx;

	(void)e;
	memset(op, 0, sizeof(*op));
	db_row_text(row, 0, op->name, sizeof(op->name));
	db_row_text(row, 1, op->siren, sizeof(op->siren));
	db_row_text(row, 2, op->iban, sizeof(op->iban));
	db_row_text(row, 3, op->bic, sizeof(op->bic));
	db_row_text(row, 4, op->origin, sizeof(op->origin));
	db_row_text(row, 5, op->address, sizeof(op->address));
	db_row_text(row, 6, op->siret, sizeof(op->siret));
	db_row_text(row, 7, op->vat_number, sizeof(op->vat_number));
	db_row_text(row, 8, op->legal_form, sizeof(op->legal_form));
	op->capital_known = !db_row_is_null(row, 9);
	op->capital_cents = op->capital_known ? db_row_int64(row, 9) : 0;
	db_row_text(row, 10, op->rcs, sizeof(op->rcs));
	db_row_text(row, 11, op->operating_iban, sizeof(op->operating_iban));
	op->fec_exported_at = db_row_int64(row, 12);
	return 0;
}

int
home_operator(struct db *db, struct operator_info *op, struct error *e)
{
	int rc = db_one(db, "SELECT " HOME_OPERATOR_COLUMNS " FROM operator WHERE id = 1",
	    DB_NO_ARGS, home_operator_row, op, e);

	if (rc == 1)
		return 0;
	return rc < 0 ? -1 : error_set(e, 503, "NO_OPERATOR", "this home has no operator record");
}

static const char *const home_operator_fields[HOME_OP_FIELD_COUNT] = {
	"name", "address", "siren", "siret", "vat_number", "legal_form", "capital", "rcs", "iban",
	"bic", "operating_iban",
};

const char *
home_operator_field_name(enum home_operator_field field)
{
	return home_operator_fields[field];
}

/* Free text of a field: valid UTF-8, no control character, at most max
 * bytes; empty allowed unless required. Copies it into out. */
static int
home_operator_text(const char *what, const char *text, char *out, size_t max, bool required,
    struct error *e)
{
	size_t len = strlen(text);
	bool blank = true;

	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return error_set(e, 400, "BAD_TEXT", "the %s must be one line of text", what);
		blank = blank && *p == ' ';
	}
	if (len > max || !utf8_valid(text, len))
		return error_set(e, 400, "BAD_TEXT", "the %s must be valid UTF-8 text of at most %zu"
		    " bytes", what, max);
	if (required && blank)
		return error_set(e, 400, "BAD_TEXT", "the %s cannot be empty", what);
	memcpy(out, text, len + 1);
	return 0;
}

/* Copies text without its spaces, upper-cased, into out (size bytes);
 * returns -1 when it does not fit. */
static int
home_squeeze(const char *text, char *out, size_t size)
{
	size_t n = 0;

	for (; *text != '\0'; text++) {
		if (*text == ' ')
			continue;
		if (n + 1 >= size)
			return -1;
		out[n++] = (*text >= 'a' && *text <= 'z') ? (char)(*text - 'a' + 'A') : *text;
	}
	out[n] = '\0';
	return 0;
}

/* The French VAT number: "FR", a two-digit key, the SIREN; key =
 * (12 + 3 × (SIREN mod 97)) mod 97. */
static int
home_vat_number_parse(const char *text, char out[14], struct error *e)
{
	char v[14];
	long siren, key;

	out[0] = '\0';
	if (home_squeeze(text, v, sizeof(v)) != 0 || strlen(v) != 13 || strncmp(v, "FR", 2) != 0 ||
	    strspn(v + 2, "0123456789") != 11)
		return error_set(e, 400, "BAD_VAT_NUMBER", "a French VAT number is FR, two digits and"
		    " the SIREN (FR11 123456782), not \"%.40s\"", text);
	if (identifiers_siren_check(v + 4, e) != 0)
		return error_set(e, 400, "BAD_VAT_NUMBER", "the VAT number's SIREN %s is not valid",
		    v + 4);
	siren = strtol(v + 4, NULL, 10);
	key = (v[2] - '0') * 10 + (v[3] - '0');
	if (key != (12 + 3 * (siren % 97)) % 97)
		return error_set(e, 400, "BAD_VAT_NUMBER", "the VAT number's key %.2s does not match"
		    " its SIREN (it would be %02ld)", v + 2, (12 + 3 * (siren % 97)) % 97);
	memcpy(out, v, sizeof(v));
	return 0;
}

/* "RCS Paris 123 456 782": the registry's town, then the SIREN; written
 * back as "RCS TOWN 123 456 782". */
static int
home_rcs_parse(const char *text, char out[101], struct error *e)
{
	const char *digits = strpbrk(text, "0123456789"), *town = text + 4;
	char siren[IDENTIFIERS_SIREN_SIZE], town_text[80];
	size_t town_len;

	out[0] = '\0';
	if (strncasecmp(text, "RCS ", 4) != 0 || digits == NULL)
		return error_set(e, 400, "BAD_RCS", "an RCS registration is \"RCS TOWN SIREN\""
		    " (RCS Paris 123 456 782), not \"%.60s\"", text);
	while (*town == ' ')
		town++;
	town_len = (size_t)(digits - town);
	while (town_len > 0 && town[town_len - 1] == ' ')
		town_len--;
	if (town_len == 0 || town_len >= sizeof(town_text))
		return error_set(e, 400, "BAD_RCS", "an RCS registration names its town: RCS TOWN SIREN");
	memcpy(town_text, town, town_len);
	town_text[town_len] = '\0';
	if (!utf8_valid(town_text, town_len) ||
	    identifiers_siren_normalize(digits, siren, e) != 0)
		return error_set(e, 400, "BAD_RCS", "the RCS registration's SIREN \"%.20s\" is not"
		    " valid", digits);
	snprintf(out, 101, "RCS %s %.3s %.3s %.3s", town_text, siren, siren + 3, siren + 6);
	return 0;
}

/* The capital: euros with at most two decimals, or "" for none. */
static int
home_capital_parse(struct operator_info *op, const char *text, struct error *e)
{
	op->capital_known = false;
	op->capital_cents = 0;
	if (*text == '\0')
		return 0;
	if (money_parse(text, &op->capital_cents, e) != 0 || op->capital_cents < 0)
		return error_set(e, 400, "BAD_CAPITAL", "the capital is an amount in euros such as"
		    " 10000 or 37000.50, not \"%.40s\"", text);
	op->capital_known = true;
	return 0;
}

int
home_operator_parse(struct operator_info *op, enum home_operator_field field,
    const char *text, struct error *e)
{
	bool empty = *text == '\0';

	switch (field) {
	case HOME_OP_NAME: return home_operator_text("name", text, op->name, 200, true, e);
	case HOME_OP_ADDRESS: return home_operator_text("address", text, op->address, 300, false, e);
	case HOME_OP_LEGAL_FORM:
		return home_operator_text("legal form", text, op->legal_form, 100, false, e);
	case HOME_OP_CAPITAL: return home_capital_parse(op, text, e);
	case HOME_OP_SIREN:
		op->siren[0] = '\0';
		return empty ? 0 : identifiers_siren_normalize(text, op->siren, e);
	case HOME_OP_SIRET:
		op->siret[0] = '\0';
		return empty ? 0 : identifiers_siret_normalize(text, op->siret, e);
	case HOME_OP_VAT_NUMBER:
		op->vat_number[0] = '\0';
		return empty ? 0 : home_vat_number_parse(text, op->vat_number, e);
	case HOME_OP_RCS:
		op->rcs[0] = '\0';
		return empty ? 0 : home_rcs_parse(text, op->rcs, e);
	case HOME_OP_IBAN:
		op->iban[0] = '\0';
		return empty ? 0 : identifiers_iban_normalize(text, op->iban, e);
	case HOME_OP_BIC:
		op->bic[0] = '\0';
		return empty ? 0 : identifiers_bic_normalize(text, op->bic, e);
	case HOME_OP_OPERATING_IBAN:
		op->operating_iban[0] = '\0';
		return empty ? 0 : identifiers_iban_normalize(text, op->operating_iban, e);
	case HOME_OP_FIELD_COUNT: break;
	}
	return error_set(e, 400, "BAD_FIELD", "no such operator field");
}

void
home_operator_value(const struct operator_info *op, enum home_operator_field field,
    char *out, size_t size)
{
	const char *text = "";

	switch (field) {
	case HOME_OP_NAME: text = op->name; break;
	case HOME_OP_ADDRESS: text = op->address; break;
	case HOME_OP_SIREN: text = op->siren; break;
	case HOME_OP_SIRET: text = op->siret; break;
	case HOME_OP_VAT_NUMBER: text = op->vat_number; break;
	case HOME_OP_LEGAL_FORM: text = op->legal_form; break;
	case HOME_OP_RCS: text = op->rcs; break;
	case HOME_OP_IBAN: text = op->iban; break;
	case HOME_OP_BIC: text = op->bic; break;
	case HOME_OP_OPERATING_IBAN: text = op->operating_iban; break;
	case HOME_OP_CAPITAL:
		if (op->capital_known && size >= MONEY_FORMAT_SIZE) {
			money_format(op->capital_cents, out, size);
			return;
		}
		break;
	case HOME_OP_FIELD_COUNT: break;
	}
	snprintf(out, size, "%s", text);
}

int
home_operator_consistent(const struct operator_info *op, struct error *e)
{
	char rcs_siren[10] = "";
	const char *digits = strpbrk(op->rcs, "0123456789");

	if (op->siren[0] == '\0')
		return 0;
	if (op->siret[0] != '\0' && strncmp(op->siret, op->siren, 9) != 0)
		return error_set(e, 409, "OPERATOR_MISMATCH", "the SIRET %s is not an establishment"
		    " of the SIREN %s", op->siret, op->siren);
	if (op->vat_number[0] != '\0' && strcmp(op->vat_number + 4, op->siren) != 0)
		return error_set(e, 409, "OPERATOR_MISMATCH", "the VAT number %s is not the SIREN"
		    " %s's", op->vat_number, op->siren);
	if (digits != NULL && home_squeeze(digits, rcs_siren, sizeof(rcs_siren)) == 0 &&
	    strcmp(rcs_siren, op->siren) != 0)
		return error_set(e, 409, "OPERATOR_MISMATCH", "the RCS registration \"%s\" is not the"
		    " SIREN %s's", op->rcs, op->siren);
	return 0;
}

/* Records one change of field (old → new) by who at now. */
static int
home_operator_record(struct db *db, enum home_operator_field field, const char *old_value,
    const char *new_value, const char *who, int64_t now, struct error *e)
{
	return db_run(db, "INSERT INTO operator_changes (field, old_value, new_value, changed_by,"
	    " changed_at) VALUES (?1, ?2, ?3, ?4, ?5)", DB_ARGS(DB_TEXT(home_operator_fields[field]),
	    DB_TEXT(old_value), DB_TEXT(new_value), DB_TEXT(who), DB_INT(now)), e);
}

/* Copies field from src into dst. */
static void
home_operator_copy(struct operator_info *dst, const struct operator_info *src,
    enum home_operator_field field)
{
	switch (field) {
	case HOME_OP_NAME: memcpy(dst->name, src->name, sizeof(dst->name)); break;
	case HOME_OP_ADDRESS: memcpy(dst->address, src->address, sizeof(dst->address)); break;
	case HOME_OP_SIREN: memcpy(dst->siren, src->siren, sizeof(dst->siren)); break;
	case HOME_OP_SIRET: memcpy(dst->siret, src->siret, sizeof(dst->siret)); break;
	case HOME_OP_VAT_NUMBER: memcpy(dst->vat_number, src->vat_number, sizeof(dst->vat_number)); break;
	case HOME_OP_LEGAL_FORM: memcpy(dst->legal_form, src->legal_form, sizeof(dst->legal_form)); break;
	case HOME_OP_CAPITAL:
		dst->capital_known = src->capital_known;
		dst->capital_cents = src->capital_cents;
		break;
	case HOME_OP_RCS: memcpy(dst->rcs, src->rcs, sizeof(dst->rcs)); break;
	case HOME_OP_IBAN: memcpy(dst->iban, src->iban, sizeof(dst->iban)); break;
	case HOME_OP_BIC: memcpy(dst->bic, src->bic, sizeof(dst->bic)); break;
	case HOME_OP_OPERATING_IBAN:
		memcpy(dst->operating_iban, src->operating_iban, sizeof(dst->operating_iban));
		break;
	case HOME_OP_FIELD_COUNT: break;
	}
}

/* Writes op's editable fields to the operator row. */
static int
home_operator_store(struct db *db, const struct operator_info *op, struct error *e)
{
	return db_run(db, "UPDATE operator SET name = ?1, address = ?2, siren = ?3, siret = ?4,"
	    " vat_number = ?5, legal_form = ?6, capital_cents = ?7, rcs = ?8, iban = ?9, bic = ?10,"
	    " operating_iban = ?11 WHERE id = 1", DB_ARGS(DB_TEXT(op->name), DB_TEXT(op->address),
	    DB_TEXT(op->siren), DB_TEXT(op->siret), DB_TEXT(op->vat_number), DB_TEXT(op->legal_form),
	    op->capital_known ? DB_INT(op->capital_cents) : DB_NULL, DB_TEXT(op->rcs),
	    DB_TEXT(op->iban), DB_TEXT(op->bic), DB_TEXT(op->operating_iban)), e);
}

int
home_operator_update(struct db *db, const struct operator_info *values, unsigned mask,
    const char *who, int64_t now, int *changed, struct error *e)
{
	struct operator_info old, op;
	char before[400], after[400], day[CLOCK_INSTANT_SIZE];

	*changed = 0;
	if (DB_IN_WRITE(db, e) != 0 || home_operator(db, &old, e) != 0)
		return -1;
	op = old;
	for (int f = 0; f < HOME_OP_FIELD_COUNT; f++)
		if (mask & (1u << f))
			home_operator_copy(&op, values, (enum home_operator_field)f);
	if (old.fec_exported_at != 0 && strcmp(old.siren, op.siren) != 0) {
		clock_instant_format(old.fec_exported_at, day);
		return error_set(e, 409, "SIREN_FIXED", "the SIREN %s can no longer change: a FEC was"
		    " exported under it on %.10s", old.siren[0] != '\0' ? old.siren : "(none)", day);
	}
	if (home_operator_consistent(&op, e) != 0 || home_operator_store(db, &op, e) != 0)
		return -1;
	for (int f = 0; f < HOME_OP_FIELD_COUNT; f++) {
		home_operator_value(&old, (enum home_operator_field)f, before, sizeof(before));
		home_operator_value(&op, (enum home_operator_field)f, after, sizeof(after));
		if (strcmp(before, after) == 0)
			continue;
		if (home_operator_record(db, (enum home_operator_field)f, before, after, who, now, e) != 0)
			return -1;
		(*changed)++;
	}
	return 0;
}

int
home_operator_fec_exported(struct db *db, int64_t now, struct error *e)
{
	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	return db_run(db, "UPDATE operator SET fec_exported_at = ?1 WHERE id = 1 AND"
	    " fec_exported_at IS NULL", DB_ARGS(DB_INT(now)), e);
}

static int
home_change_row(const struct db_row *row, void *ctx, struct error *e)
{
	char at[CLOCK_INSTANT_SIZE];

	(void)e;
	clock_instant_format(db_row_int64(row, 5), at);
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)db_row_int64(row, 0), "field", db_row_text_ptr(row, 1, NULL),
	    "old_value", db_row_text_ptr(row, 2, NULL), "new_value", db_row_text_ptr(row, 3, NULL),
	    "changed_by", db_row_text_ptr(row, 4, NULL), "changed_at", at));
	return 0;
}

json_t *
home_operator_changes_json(struct db *db, struct error *e)
{
	json_t *list = json_array();

	if (db_each(db, "SELECT id, field, old_value, new_value, changed_by, changed_at"
	    " FROM operator_changes ORDER BY id", DB_NO_ARGS, home_change_row, list, e) < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}
