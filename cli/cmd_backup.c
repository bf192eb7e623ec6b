/* passnum backup FILE [--with-keys [--passphrase-file F]]
 * passnum restore FILE --home DIR [--passphrase-file F] [--published F]
 *     [--accept-rollback REASON] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>
#include "backup.h"
#include "cli.h"
#include "cli_io.h"
#include "published.h"

#define BACKUP_PASSPHRASE_MAX 1024

const char cmd_backup_help[] =
    "usage: passnum backup FILE [--with-keys [--passphrase-file F]]\n"
    "\n"
    "Copies the home's database into FILE while passnumd keeps serving\n"
    "(SQLite's online backup, one consistent snapshot: redemptions go on\n"
    "committing meanwhile), verifies the copy (as `ledger verify`), and\n"
    "writes FILE atomically (a temporary file beside it, fsync, then its\n"
    "final name), mode 0600. An existing FILE is refused.\n"
    "--with-keys adds the secret issuer and ledger keys, encrypted with a\n"
    "passphrase (Argon2id, XChaCha20-Poly1305): read from the first line of\n"
    "--passphrase-file F, else asked twice on the terminal; never an argument.\n"
    "Without --with-keys a restored home verifies and serves look-ups but\n"
    "cannot sign until its keys are put back.\n"
    "FILE also holds the home's published-checkpoint (the largest checkpoint\n"
    "ever made, which restore checks against).\n"
    "With --json: file, db_bytes, entries, keys, published_size.\n"
    "\n"
    "examples:\n"
    "  passnum backup /var/backups/passnum/2027-03-12.pnbk\n"
    "  passnum backup /media/usb/passnum.pnbk --with-keys --passphrase-file /root/pass.txt\n";

const char cmd_restore_help[] =
    "usage: passnum restore FILE --home DIR [--passphrase-file F] [--published F]\n"
    "                        [--accept-rollback REASON]\n"
    "\n"
    "Restores a backup made by `passnum backup` into DIR, which must not exist\n"
    "(it is created, mode 0700) or be an empty folder (it may hold the\n"
    "published-checkpoint of the home it replaces); then opens and verifies\n"
    "the restored ledger. The backup's checksum, and for a backup with keys\n"
    "the passphrase (from --passphrase-file F, else the terminal), are checked\n"
    "before anything is written; a refusal leaves DIR as it was.\n"
    "The ledger is then checked against the largest checkpoint published: the\n"
    "backup's, DIR/published-checkpoint, and --published F (a checkpoint note,\n"
    "e.g. the old home's published-checkpoint or one a funder holds). A smaller\n"
    "ledger, or another history, is refused: it would roll back what places and\n"
    "funders hold. --accept-rollback REASON (one line, at most 80 bytes, no\n"
    "personal data) accepts it by appending a `rollback` entry stating the\n"
    "published size and root and REASON, signed by a new checkpoint (needs a\n"
    "backup with keys). See docs/operations.md for the procedure.\n"
    "The purge of hand-out records past their retention runs again, so that a\n"
    "backup never brings purged records back.\n"
    "A backup without keys restores a home that verifies and serves look-ups\n"
    "but cannot sign (passnumd refuses to start) until its key files are\n"
    "copied back into DIR/keys/.\n"
    "With --json: home, db_bytes, entries, keys, published_size, purged,\n"
    "rolled_back_from (or null).\n"
    "\n"
    "examples:\n"
    "  passnum restore /var/backups/passnum/2027-03-12.pnbk --home /srv/passnum-drill\n";

struct backup_options {
	bool with_keys;
	const char *passphrase_file;
	const char *published_file;
	const char *accept_reason;
};

static int
backup_option(int opt, const char *arg, void *ctx)
{
	struct backup_options *o = ctx;

	if (opt == 'k')
		o->with_keys = true;
	else if (opt == 'P')
		o->published_file = arg;
	else if (opt == 'R')
		o->accept_reason = arg;
	else
		o->passphrase_file = arg;
	return 0;
}

/* Reads the first line of path into buf (sodium_malloc'd by the caller). */
static int
backup_passphrase_file(const char *path, char *buf, size_t size, struct error *e)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return error_set(e, 404, "NO_FILE", "cannot read %s: %s", path, strerror(errno));
	if (fgets(buf, (int)size, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Asks prompt on /dev/tty without echo and reads one line into buf. */
static int
backup_passphrase_ask(const char *prompt, char *buf, size_t size, struct error *e)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	int rc = 0;

	if (tty == NULL || tcgetattr(fileno(tty), &old) != 0) {
		if (tty != NULL)
			fclose(tty);
		return error_set(e, 400, "NO_PASSPHRASE",
		    "no terminal to ask the passphrase: give --passphrase-file F");
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fputs(prompt, tty);
	fflush(tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	if (fgets(buf, (int)size, tty) == NULL)
		rc = error_set(e, 400, "NO_PASSPHRASE", "no passphrase read");
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	buf[strcspn(buf, "\r\n")] = '\0';
	return rc;
}

/* The passphrase into pass (BACKUP_PASSPHRASE_MAX bytes, secure memory):
 * from file, else asked (twice when confirm). Empty is refused. */
static int
backup_passphrase(const char *file, bool confirm, char *pass, struct error *e)
{
	char *again;
	int rc;

	if (file != NULL)
		rc = backup_passphrase_file(file, pass, BACKUP_PASSPHRASE_MAX, e);
	else
		rc = backup_passphrase_ask("Backup passphrase: ", pass, BACKUP_PASSPHRASE_MAX, e);
	if (rc == 0 && pass[0] == '\0')
		rc = error_set(e, 400, "NO_PASSPHRASE", "the passphrase is empty");
	if (rc != 0 || file != NULL || !confirm)
		return rc;
	if ((again = sodium_malloc(BACKUP_PASSPHRASE_MAX)) == NULL)
		abort();
	rc = backup_passphrase_ask("Same passphrase again: ", again, BACKUP_PASSPHRASE_MAX, e);
	if (rc == 0 && strcmp(again, pass) != 0)
		rc = error_set(e, 400, "PASSPHRASE_MISMATCH", "the two passphrases differ: nothing written");
	sodium_free(again);
	return rc;
}

static int
backup_report(struct cli *cli, const char *what, const char *where, const struct backup_result *r)
{
	bool restore = strcmp(what, "home") == 0;

	if (cli->json) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:i, s:o}", what, where, "db_bytes",
		    (json_int_t)r->db_bytes, "entries", (json_int_t)r->entries, "keys", r->keys,
		    "published_size", r->published_known ? json_integer((json_int_t)r->published_size) :
		    json_null());
		if (restore) {
			json_object_set_new(o, "purged", json_integer(r->purged));
			json_object_set_new(o, "rolled_back_from", r->rolled_back ?
			    json_integer((json_int_t)r->rolled_back_from) : json_null());
		}
		return cli_print_json(o);
	}
	printf("%s %s: %llu bytes of database, %llu ledger entries verified, %d key file%s\n",
	    restore ? "restored" : "backup", where, (unsigned long long)r->db_bytes,
	    (unsigned long long)r->entries, r->keys, r->keys == 1 ? "" : "s");
	if (restore && r->purged > 0)
		printf("%lld hand-out record%s past the retention purged to totals again\n",
		    (long long)r->purged, r->purged == 1 ? "" : "s");
	if (restore && r->rolled_back)
		printf("rollback accepted: %llu entries had been published, the restored ledger has %llu;"
		    " entry %llu states it, signed by a new checkpoint; collect the receipts places hold"
		    " and inform the funders (docs/operations.md)\n", (unsigned long long)r->rolled_back_from,
		    (unsigned long long)r->entries, (unsigned long long)r->entries);
	return EXIT_OK;
}

/* Parses FILE and the options shared by both verbs; returns the operand
 * index, or a negative cli_options code (-1 help, -2 usage). */
static int
backup_parse_args(struct cli *cli, int argc, char **argv, const char *verb, const char *help,
    struct backup_options *o)
{
	static const struct option opts[] = {
		{ "with-keys", no_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "published", required_argument, NULL, 'P' },
		{ "accept-rollback", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int first = cli_options(cli, argc, argv, verb, help, opts, backup_option, o);
	struct error e;

	if (first < 0)
		return first;
	if (argc - first != 1) {
		cli_usage_error(verb, argc == first ? "missing FILE" : "one FILE only");
		return -2;
	}
	if (strcmp(verb, "backup") == 0 && o->passphrase_file != NULL && !o->with_keys) {
		cli_usage_error(verb, "--passphrase-file goes with --with-keys");
		return -2;
	}
	if (strcmp(verb, "backup") == 0 && (o->published_file != NULL || o->accept_reason != NULL)) {
		cli_usage_error(verb, "--published and --accept-rollback are for restore");
		return -2;
	}
	if (o->accept_reason != NULL && published_reason_check(o->accept_reason, &e) != 0) {
		cli_usage_error(verb, "%s", e.message);
		return -2;
	}
	if (strcmp(verb, "restore") == 0 && (o->with_keys || cli->home_option == NULL)) {
		cli_usage_error(verb, o->with_keys ? "--with-keys is for backup" : "--home DIR is required");
		return -2;
	}
	return first;
}

int
cmd_backup(struct cli *cli, int argc, char **argv)
{
	struct backup_options o = { false, NULL, NULL, NULL };
	struct backup_result r;
	char *pass = NULL;
	struct error e;
	int rc, first = backup_parse_args(cli, argc, argv, "backup", cmd_backup_help, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	/* The folder is made here; an existing FILE is refused by backup_create. */
	if (access(argv[first], F_OK) != 0 && cli_out_file(argv[first], false, &e) != 0)
		return cli_fail(&e);
	if (o.with_keys && (pass = sodium_malloc(BACKUP_PASSPHRASE_MAX)) == NULL)
		abort();
	rc = (pass == NULL || backup_passphrase(o.passphrase_file, true, pass, &e) == 0) &&
	    backup_create(cli->home.db, cli->home.dir, argv[first], pass, pass != NULL ? strlen(pass) : 0,
	    &r, &e) == 0 ? backup_report(cli, "file", argv[first], &r) : cli_fail(&e);
	if (pass != NULL)
		sodium_free(pass);
	return rc;
}

int
cmd_restore(struct cli *cli, int argc, char **argv)
{
	struct backup_options o = { false, NULL, NULL, NULL };
	struct backup_result r;
	char *pass = NULL;
	struct error e;
	bool has_keys = false;
	int rc, first = backup_parse_args(cli, argc, argv, "restore", cmd_restore_help, &o);
	struct backup_guard guard = { o.published_file, o.accept_reason };

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (backup_probe(argv[first], &has_keys, &e) != 0)
		return cli_fail(&e);
	if (has_keys && (pass = sodium_malloc(BACKUP_PASSPHRASE_MAX)) == NULL)
		abort();
	rc = (pass == NULL || backup_passphrase(o.passphrase_file, false, pass, &e) == 0) &&
	    backup_restore(argv[first], cli->home_option, pass, pass != NULL ? strlen(pass) : 0, &guard,
	    &r, &e) == 0 ? backup_report(cli, "home", cli->home_option, &r) : cli_fail(&e);
	if (rc == EXIT_OK && !has_keys)
		fprintf(stderr, "passnum: warning: this backup holds no keys: the restored home verifies and"
		    " serves look-ups but cannot sign (passnumd will not start) until its key files are copied"
		    " into %s/keys/\n", cli->home_option);
	if (pass != NULL)
		sodium_free(pass);
	return rc;
}
