#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "cli_io.h"

int
cli_confirm(const struct cli *cli, const char *what, struct error *e)
{
	char answer[16];

	if (cli->yes)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return error_set(e, 409, "NOT_CONFIRMED",
		    "this would %s: add --yes to confirm, or --dry-run to see it first", what);
	fprintf(stderr, "passnum: %s? [y/N] ", what);
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		answer[0] = '\0';
	answer[strcspn(answer, "\r\n")] = '\0';
	if (strcmp(answer, "y") == 0 || strcmp(answer, "yes") == 0 || strcmp(answer, "o") == 0 ||
	    strcmp(answer, "oui") == 0)
		return 0;
	return error_set(e, 409, "NOT_CONFIRMED", "not confirmed: nothing was done");
}

/* mkdir -p dir (mode 0700 for the folders it makes). */
static int
cli_mkdirs(const char *dir, struct error *e)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return error_set(e, 400, "BAD_PATH", "the path is too long: %.80s", dir);
	for (char *p = path + 1; ; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return error_set(e, 400, "BAD_PATH", "cannot create %s: %s", path, strerror(errno));
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			return error_set(e, 400, "BAD_PATH", "%s is not a folder", path);
		*p = c;
		if (c == '\0')
			return 0;
	}
}

int
cli_out_dir(const char *dir, struct error *e)
{
	if (dir == NULL || *dir == '\0')
		return error_set(e, 400, "BAD_PATH", "give a folder to write into");
	return cli_mkdirs(dir, e);
}

int
cli_out_file(const char *path, bool force, struct error *e)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (*path == '\0' || (slash != NULL && slash[1] == '\0'))
		return error_set(e, 400, "BAD_PATH", "give a file name to write, not a folder: %s", path);
	if (slash != NULL && slash != path) {
		if ((size_t)(slash - path) >= sizeof(dir))
			return error_set(e, 400, "BAD_PATH", "the path is too long");
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (cli_mkdirs(dir, e) != 0)
			return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return error_set(e, 400, "BAD_PATH", "%s is a folder: give a file name", path);
	if (stat(path, &st) == 0 && !force)
		return error_set(e, 409, "FILE_EXISTS", "%s already exists: add --force to replace it", path);
	return 0;
}

int
cli_read_operand(const char *text, char *buf, size_t size, struct error *e)
{
	size_t len;

	if (strcmp(text, "-") != 0) {
		if (strlen(text) >= size)
			return error_set(e, 400, "TOO_LONG", "the operand is too long");
		memcpy(buf, text, strlen(text) + 1);
		return 0;
	}
	len = fread(buf, 1, size - 1, stdin);
	if (ferror(stdin))
		return error_set(e, 400, "BAD_INPUT", "cannot read standard input");
	if (len == size - 1 && fgetc(stdin) != EOF)
		return error_set(e, 400, "TOO_LONG", "standard input is too long for this operand");
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (memchr(buf, '\0', len) != NULL)
		return error_set(e, 400, "BAD_INPUT", "standard input holds a NUL byte");
	return 0;
}

size_t
cli_display_width(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t width = 0;

	for (; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue; /* continuation byte */
		/* U+0300..U+036F combining diacritics (0xCC 0x80 .. 0xCD 0xAF) */
		if (*p == 0xcc || (*p == 0xcd && p[1] < 0xb0))
			continue;
		width++;
	}
	return width;
}

void
cli_cell(FILE *out, const char *text, size_t width, bool last)
{
	size_t w = cli_display_width(text);

	fputs(text, out);
	if (last)
		return;
	for (; w < width; w++)
		fputc(' ', out);
	fputc(' ', out);
}

/* The text of member name of c, "-" when empty. */
static const char *
cli_change_value(const json_t *c, const char *name)
{
	const char *v = json_string_value(json_object_get(c, name));

	return v != NULL && *v != '\0' ? v : "-";
}

void
cli_print_changes(const json_t *changes)
{
	const json_t *c;
	size_t i;

	json_array_foreach(changes, i, c)
		printf("  %s %s %s: %s → %s\n", cli_change_value(c, "changed_at"),
		    cli_change_value(c, "changed_by"), cli_change_value(c, "field"),
		    cli_change_value(c, "old_value"), cli_change_value(c, "new_value"));
}

int
cli_edit_done(struct cli *cli, int rc, struct error *e, const char *label, int64_t id,
    json_t *changes)
{
	if ((rc = cli_commit(cli, rc, e)) != EXIT_OK) {
		json_decref(changes);
		return rc;
	}
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:o}", "id", (json_int_t)id, "changes",
		    changes != NULL ? changes : json_array()));
	if (json_array_size(changes) == 0)
		printf("%s: nothing changed\n", label);
	cli_print_changes(changes);
	json_decref(changes);
	return EXIT_OK;
}
