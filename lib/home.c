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

static int
home_insert_operator(struct db *db, void *ctx, struct error *e)
{
	const struct operator_info *op = ctx;
	sqlite3_stmt *stmt = db_prepare(db,
	    "INSERT INTO operator (id, name, siren, iban, bic, origin, created_at)"
	    " VALUES (1, ?1, ?2, ?3, ?4, ?5, strftime('%s', 'now'))");

	sqlite3_bind_text(stmt, 1, op->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, op->siren, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, op->iban, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, op->bic, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, op->origin, -1, SQLITE_STATIC);
	return db_exec_stmt(db, stmt, e);
}

int
home_create(struct home *home, const char *dir, const struct operator_info *op,
    int64_t now, struct error *e)
{
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
	    db_transaction(home->db, home_insert_operator, (void *)op, e) != 0 ||
	    keys_rotate(home->db, home->dir, KEY_ISSUER, op->origin, now, NULL, e) != 0 ||
	    keys_rotate(home->db, home->dir, KEY_LEDGER, op->origin, now, NULL, e) != 0) {
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

int
home_operator(struct db *db, struct operator_info *op, struct error *e)
{
	sqlite3_stmt *stmt = db_prepare(db,
	    "SELECT name, siren, iban, bic, origin FROM operator WHERE id = 1");
	int rc = db_step(db, stmt, e);

	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return rc < 0 ? -1 : error_set(e, 503, "NO_OPERATOR", "this home has no operator record");
	}
	db_column_text(stmt, 0, op->name, sizeof(op->name));
	db_column_text(stmt, 1, op->siren, sizeof(op->siren));
	db_column_text(stmt, 2, op->iban, sizeof(op->iban));
	db_column_text(stmt, 3, op->bic, sizeof(op->bic));
	db_column_text(stmt, 4, op->origin, sizeof(op->origin));
	sqlite3_reset(stmt);
	return 0;
}
