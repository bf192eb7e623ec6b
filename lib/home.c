#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "db.h"
#include "home.h"
#include "keys.h"

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
	return db_run(db, "INSERT INTO operator (id, name, siren, iban, bic, origin, created_at)"
	    " VALUES (1, ?1, ?2, ?3, ?4, ?5, strftime('%s', 'now'))", DB_ARGS(DB_TEXT(op->name),
	    DB_TEXT(op->siren), DB_TEXT(op->iban), DB_TEXT(op->bic), DB_TEXT(op->origin)), e);
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

static int
home_operator_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct operator_info *op = ctx;

	(void)e;
	db_row_text(row, 0, op->name, sizeof(op->name));
	db_row_text(row, 1, op->siren, sizeof(op->siren));
	db_row_text(row, 2, op->iban, sizeof(op->iban));
	db_row_text(row, 3, op->bic, sizeof(op->bic));
	db_row_text(row, 4, op->origin, sizeof(op->origin));
	return 0;
}

int
home_operator(struct db *db, struct operator_info *op, struct error *e)
{
	int rc = db_one(db, "SELECT name, siren, iban, bic, origin FROM operator WHERE id = 1",
	    DB_NO_ARGS, home_operator_row, op, e);

	if (rc == 1)
		return 0;
	return rc < 0 ? -1 : error_set(e, 503, "NO_OPERATOR", "this home has no operator record");
}
