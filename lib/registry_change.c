/* Corrections of the registry: the record of every change
 * (registry_changes, schema/0005-registry-changes.sql), who makes one (an
 * admin token or the OS user), and where the CLI finds an admin token
 * (a file, an option or the environment, never required in argv). */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "clock.h"
#include "db.h"
#include "registry.h"
#include "registry_private.h"

int
registry_change_record(struct db *db, const char *object, int64_t object_id,
    const char *field, const char *old_value, const char *new_value, const char *who,
    int64_t now, struct error *e)
{
	if (DB_IN_WRITE(db, e) != 0)
		return -1;
	if (strcmp(old_value, new_value) == 0)
		return 0;
	return db_run(db, "INSERT INTO registry_changes (object, object_id, field, old_value,"
	    " new_value, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    DB_ARGS(DB_TEXT(object), DB_INT(object_id), DB_TEXT(field), DB_TEXT(old_value),
	    DB_TEXT(new_value), DB_TEXT(who), DB_INT(now)), e);
}

/* The caller's callback of registry_change_list and what it last returned. */
struct registry_change_each {
	int (*fn)(const struct registry_change *c, void *ctx);
	void *ctx;
	int stop;
};

/* Calls the callback with a change row (id, field, old_value, new_value,
 * changed_by, changed_at). */
static int
registry_change_each_row(const struct db_row *row, void *ctx, struct error *e)
{
	struct registry_change_each *each = ctx;
	struct registry_change c;

	(void)e;
	memset(&c, 0, sizeof(c));
	c.id = db_row_int64(row, 0);
	(void)db_row_text(row, 1, c.field, sizeof(c.field));
	(void)db_row_text(row, 2, c.old_value, sizeof(c.old_value));
	(void)db_row_text(row, 3, c.new_value, sizeof(c.new_value));
	(void)db_row_text(row, 4, c.changed_by, sizeof(c.changed_by));
	c.changed_at = db_row_int64(row, 5);
	each->stop = each->fn(&c, each->ctx);
	return each->stop != 0;
}

int
registry_change_list(struct db *db, const char *object, int64_t object_id, int64_t after_id,
    int (*fn)(const struct registry_change *c, void *ctx), void *ctx, struct error *e)
{
	struct registry_change_each each = { fn, ctx, 0 };

	if (db_each(db, "SELECT id, field, old_value, new_value, changed_by, changed_at"
	    " FROM registry_changes WHERE object = ?1 AND object_id = ?2 AND id > ?3 ORDER BY id",
	    DB_ARGS(DB_TEXT(object), DB_INT(object_id), DB_INT(after_id)),
	    registry_change_each_row, &each, e) != 0)
		return -1;
	return each.stop;
}

int
registry_change_last(struct db *db, int64_t *id, struct error *e)
{
	*id = 0;
	return db_int64(db, "SELECT COALESCE(MAX(id), 0) FROM registry_changes", DB_NO_ARGS, id,
	    e) < 0 ? -1 : 0;
}

/* Appends change c to the JSON array ctx. */
static int
registry_change_collect(const struct registry_change *c, void *ctx)
{
	char at[CLOCK_INSTANT_SIZE];

	clock_instant_format(c->changed_at, at);
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id",
	    (json_int_t)c->id, "field", c->field, "old_value", c->old_value, "new_value",
	    c->new_value, "changed_by", c->changed_by, "changed_at", at));
	return 0;
}

json_t *
registry_change_json(struct db *db, const char *object, int64_t object_id, int64_t after_id,
    struct error *e)
{
	json_t *all = json_array();

	if (registry_change_list(db, object, object_id, after_id, registry_change_collect, all,
	    e) != 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}

/* Reads the first line of path ("-": standard input) into out, without its
 * line end. Returns 0, or -1 (400 BAD_TOKEN_FILE). */
static int
registry_token_file_read(const char *path, char out[REGISTRY_TOKEN_TEXT_MAX], struct error *e)
{
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc = 0;

	if (in == NULL)
		return error_set(e, 400, "BAD_TOKEN_FILE", "cannot read the token file %.200s: %s",
		    path, strerror(errno));
	if (fgets(out, REGISTRY_TOKEN_TEXT_MAX, in) == NULL)
		out[0] = '\0';
	else if (strchr(out, '\n') == NULL && !feof(in))
		rc = error_set(e, 400, "BAD_TOKEN_FILE", "the token file %.200s does not hold a"
		    " token (its first line is too long)", path);
	out[strcspn(out, "\r\n")] = '\0';
	if (rc == 0 && out[0] == '\0')
		rc = error_set(e, 400, "BAD_TOKEN_FILE", "the token file %.200s is empty", path);
	if (in != stdin)
		fclose(in);
	if (rc != 0)
		sodium_memzero(out, REGISTRY_TOKEN_TEXT_MAX);
	return rc;
}

int
registry_token_source(const char *file, const char *text, char out[REGISTRY_TOKEN_TEXT_MAX],
    struct error *e)
{
	out[0] = '\0';
	if (file != NULL)
		return registry_token_file_read(file, out, e) == 0 ? 1 : -1;
	if (text == NULL || text[0] == '\0')
		return 0;
	if (strlen(text) >= REGISTRY_TOKEN_TEXT_MAX)
		return error_set(e, 401, "BAD_TOKEN", "the token is not valid (unknown, wrong or"
		    " revoked)");
	registry_copy(out, REGISTRY_TOKEN_TEXT_MAX, text);
	return 1;
}

int
registry_admin_authenticate(struct db *db, const char *text, struct bearer *b,
    struct error *e)
{
	if (registry_token_authenticate(db, text, b, e) != 0)
		return -1;
	if (b->role != ROLE_ADMIN)
		return error_set(e, 403, "NOT_ADMIN", "this needs an admin token, not a %s token",
		    registry_role_name(b->role));
	return 0;
}

int
registry_actor(struct db *db, const char *token_text, char who[REGISTRY_ACTOR_SIZE],
    struct error *e)
{
	const struct passwd *pw;
	struct bearer b;

	who[0] = '\0';
	if (token_text != NULL) {
		if (registry_admin_authenticate(db, token_text, &b, e) != 0)
			return -1;
		snprintf(who, REGISTRY_ACTOR_SIZE, "token:%s", b.id);
		return 0;
	}
	pw = getpwuid(geteuid());
	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		snprintf(who, REGISTRY_ACTOR_SIZE, "user:%.80s", pw->pw_name);
	else
		snprintf(who, REGISTRY_ACTOR_SIZE, "uid:%lu", (unsigned long)geteuid());
	return 0;
}

int
registry_actor_find(struct db *db, const char *file, const char *text,
    char who[REGISTRY_ACTOR_SIZE], struct error *e)
{
	char token[REGISTRY_TOKEN_TEXT_MAX];
	int found = registry_token_source(file, text, token, e), rc;

	if (found < 0)
		return -1;
	rc = registry_actor(db, found ? token : NULL, who, e);
	sodium_memzero(token, sizeof(token));
	return rc;
}
