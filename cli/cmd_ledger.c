/* passnum ledger verify [--export FILE [--key VKEY]... [--checkpoint NOTE]...] | balances | checkpoint | proof SEQ [--size N]
 *                | check RECEIPT [--proof FILE --checkpoint FILE] [--key VKEY]
 *                | export [--format jsonl|csv|fec] [--gzip] [--year YYYY] [--out PATH]
 *                | export --funder ID [--out DIR] [--force] (an audit pack) */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "audit.h"
#include "audit_pack.h"
#include "checkpoint.h"
#include "published.h"
#include "clock.h"
#include "cli.h"
#include "cosignature.h"
#include "cli_io.h"
#include "db.h"
#include "export.h"
#include "export_verify.h"
#include "keys.h"
#include "ledger.h"
#include "money.h"
#include "note.h"
#include "receipt.h"

static const char ledger_verify_help[] =
    "usage: passnum ledger verify\n"
    "       passnum ledger verify --export FILE|- [--key VKEY]... [--checkpoint NOTE]...\n"
    "\n"
    "Recomputes every entry's hash and balance, the Merkle tree, every\n"
    "checkpoint's root and signature, and the account balances; prints OK with\n"
    "counts, or the first broken entry and why (exit 1).\n"
    "\n"
    "--export verifies a jsonl export (plain or gzip) instead of the home, as\n"
    "an auditor does, with no database: --key VKEY (repeatable: every ledger key,\n"
    "from GET /v1/keys or a printed key) checks the signatures with those keys\n"
    "only, never the ones the export names itself; --checkpoint NOTE\n"
    "(repeatable: from GET /v1/ledger/checkpoint or a witness; needs --key)\n"
    "refuses an export that does not reach that checkpoint (a truncated tail,\n"
    "another log).\n"
    "\n"
    "examples:\n"
    "  passnum ledger verify --json | jq .ok\n"
    "  passnum ledger verify --export ledger.jsonl --key \"$VKEY\" --checkpoint cp.txt\n";

static const char ledger_balances_help[] =
    "usage: passnum ledger balances\n"
    "\n"
    "The trial balance: every account with its PCG number, its debit or credit\n"
    "balance and its label, then the totals (exit 1 when they differ).\n"
    "\n"
    "example:\n"
    "  passnum ledger balances\n";

static const char ledger_checkpoint_help[] =
    "usage: passnum ledger checkpoint\n"
    "\n"
    "Signs a checkpoint of the current tree (if new) and prints its note.\n"
    "\n"
    "example:\n"
    "  passnum ledger checkpoint > checkpoint.txt\n";

static const char ledger_proof_help[] =
    "usage: passnum ledger proof SEQ [--size N]\n"
    "\n"
    "The inclusion proof of entry SEQ in the tree of size N (default: the size\n"
    "of the first checkpoint that covers it, whose note is then given too), as\n"
    "JSON: seq, size, leaf_hash, root, proof[, checkpoint] — the members of\n"
    "GET /v1/ledger/proof/SEQ. A size beyond the ledger is refused.\n"
    "\n"
    "example:\n"
    "  passnum ledger proof 3 --size 12 > proof-3.json\n";

static const char ledger_check_help[] =
    "usage: passnum ledger check RECEIPT-FILE|- [--proof FILE --checkpoint FILE] [--key VKEY]\n"
    "                            [--witness VKEY]... [--min-cosignatures N]\n"
    "\n"
    "Verifies a receipt (JSON; \"-\" reads standard input) offline: its hash and\n"
    "the ledger key's signature; with --proof and --checkpoint, also that the\n"
    "entry is in the signed tree. Keys: --key VKEY (C2SP verifier key, as served\n"
    "by GET /v1/keys), else the home's ledger keys. --witness VKEY (repeatable:\n"
    "a witness's cosignature/v1 verifier key, from the witness itself) checks\n"
    "the checkpoint's cosignatures: at least --min-cosignatures N of them must\n"
    "verify (default: every --witness given); a cosignature by a given witness\n"
    "that does not verify is refused.\n"
    "\n"
    "examples:\n"
    "  passnum ledger check receipt.json --proof proof.json --checkpoint checkpoint.txt\n"
    "  curl -s .../v1/redemptions/12 | passnum ledger check -\n";

static const char ledger_export_help[] =
    "usage: passnum ledger export [--format jsonl|csv|fec] [--gzip] [--year YYYY]\n"
    "                             [--fiscal-start MM] [--out FILE|DIR/] [--force]\n"
    "       passnum ledger export --funder ID [--out DIR] [--force]\n"
    "\n"
    "jsonl (default: everything needed to re-verify independently), csv (one\n"
    "line per posting) or fec (Fichier des Écritures Comptables of one year,\n"
    "this year by default; it needs the operator's SIREN, which is fixed from\n"
    "the first FEC export on). On standard output, or --out FILE: its folders\n"
    "are made, an existing file is never replaced unless --force. For fec,\n"
    "--out DIR/ (or an existing folder) names the file inside it as the\n"
    "administration expects, SIRENFECYYYYMMDD.txt (a folder is refused for\n"
    "jsonl and csv). --gzip compresses, and is never written to a terminal.\n"
    "The FEC's fiscal year is the calendar year unless --fiscal-start MM gives\n"
    "its first month (--year then names the year it closes in: --year 2027\n"
    "--fiscal-start 07 runs from 2026-07-01 to 2027-06-30); journals VT, BQ,\n"
    "OD and AN (the opening balances), matched lines lettered.\n"
    "\n"
    "--funder ID writes that funder's audit pack instead (jsonl, as of the\n"
    "latest checkpoint): its own entries in full with inclusion proofs, its\n"
    "campaigns' redemptions aggregated by month, the checkpoints and the\n"
    "consistency proofs between them, never another funder's money nor the\n"
    "places; --out DIR names it audit-funder-ID.jsonl inside DIR.\n"
    "\n"
    "examples:\n"
    "  passnum ledger export --format fec --year 2027 --out compta/\n"
    "  passnum ledger export --gzip --out ledger-2027.jsonl.gz\n"
    "  passnum ledger export --funder 3 --out audit/\n";

const char cmd_ledger_help[] =
    "usage: passnum ledger verify\n"
    "       passnum ledger balances\n"
    "       passnum ledger checkpoint\n"
    "       passnum ledger proof SEQ [--size N]\n"
    "       passnum ledger check RECEIPT-FILE|- [--proof FILE --checkpoint FILE] [--key VKEY]\n"
    "                            [--witness VKEY]... [--min-cosignatures N]\n"
    "       passnum ledger export [--format jsonl|csv|fec] [--gzip] [--year YYYY]\n"
    "                             [--fiscal-start MM] [--out FILE|DIR/] [--force]\n"
    "       passnum ledger export --funder ID [--out DIR] [--force]\n"
    "\n"
    "verify      recomputes every hash, the tree, the checkpoints and balances\n"
    "balances    the trial balance: every account with its PCG number\n"
    "checkpoint  signs a checkpoint of the current tree (if new), prints the note\n"
    "proof       the inclusion proof of entry SEQ, as JSON\n"
    "check       verifies a receipt offline (signature; inclusion with --proof)\n"
    "export      jsonl, csv or fec (one year, named SIRENFECYYYYMMDD.txt in DIR/),\n"
    "            or one funder's audit pack (--funder ID)\n"
    "\n"
    "`passnum ledger SUB --help` shows one sub-command.\n"
    "\n"
    "examples:\n"
    "  passnum ledger verify\n"
    "  passnum ledger export --format fec --year 2027 --out compta/\n";

static int
ledger_no_options(struct cli *cli, int argc, char **argv, const char *verb, const char *help)
{
	int first = cli_options(cli, argc, argv, verb, help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? -1 : EXIT_USAGE;
	if (first != argc) {
		cli_usage_error(verb, "unexpected argument \"%s\"", argv[first]);
		return EXIT_USAGE;
	}
	return cli_open_home(cli) == 0 ? 0 : EXIT_REFUSED;
}

static void
ledger_progress(uint64_t done, void *ctx)
{
	(void)ctx;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\rverified %llu entries", (unsigned long long)done);
}

/* ledger verify --export: the options (before any file is read). */
struct verify_export_cli {
	const char *file;
	const char *vkeys[16], *notes[16];
	size_t nvkeys, nnotes;
};

static int
ledger_verify_option(int opt, const char *arg, void *ctx)
{
	struct verify_export_cli *v = ctx;

	if (opt == 'x') {
		v->file = arg;
		return 0;
	}
	if ((opt == 'k' ? v->nvkeys : v->nnotes) == 16) {
		cli_usage_error("ledger verify", "at most 16 --%s", opt == 'k' ? "key" : "checkpoint");
		return -1;
	}
	if (opt == 'k')
		v->vkeys[v->nvkeys++] = arg;
	else
		v->notes[v->nnotes++] = arg;
	return 0;
}

static char *ledger_slurp(const char *path, size_t *len, struct error *e);

/* The trusted keys of --key (all of one log) and the checkpoints of
 * --checkpoint, verified with them. */
static int
ledger_verify_trusted(const struct verify_export_cli *v, struct keys_ledger *keys,
    char origin[NOTE_NAME_MAX + 1], struct export_outside *outside, struct error *e)
{
	for (size_t i = 0; i < v->nvkeys; i++) {
		struct key_info key = { .kind = KEY_LEDGER, .status = KEY_ACTIVE };
		char name[NOTE_NAME_MAX + 1];
		if (note_vkey_parse(v->vkeys[i], name, key.public_key) != 0)
			return error_set(e, 400, "BAD_KEY", "--key %s is not a C2SP verifier key",
			    v->vkeys[i]);
		if (i > 0 && strcmp(name, origin) != 0)
			return error_set(e, 400, "BAD_KEY", "the --key options name two logs, %s and %s",
			    origin, name);
		snprintf(origin, NOTE_NAME_MAX + 1, "%s", name);
		note_key_id(name, key.public_key, key.key_id);
		keys_ledger_add(keys, &key);
	}
	for (size_t i = 0; i < v->nnotes; i++) {
		struct checkpoint_verified cp;
		size_t len;
		char *note = ledger_slurp(v->notes[i], &len, e);
		int rc;
		if (note == NULL)
			return -1;
		rc = checkpoint_verify_note(NULL, note, len, origin, keys, &cp, e);
		free(note);
		if (rc != 0)
			return error_set(e, 422, "BAD_CHECKPOINT", "--checkpoint %s: %s", v->notes[i],
			    e->message);
		outside[i].size = cp.size;
		memcpy(outside[i].root, cp.root, MERKLE_HASH_SIZE);
	}
	return 0;
}

/* ledger verify --export FILE: an export checked from outside, no home. */
static int
ledger_verify_export(struct cli *cli, const struct verify_export_cli *v)
{
	struct export_outside outside[16];
	struct keys_ledger keys = { 0 };
	char origin[NOTE_NAME_MAX + 1] = "";
	struct export_verify_options o = { NULL, origin, outside, v->nnotes };
	struct export_verify_result r;
	char root[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	struct error e;
	int fd = strcmp(v->file, "-") == 0 ? STDIN_FILENO : open(v->file, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		error_set(&e, 400, "BAD_FILE", "cannot read %s: %s", v->file, strerror(errno));
		return cli_fail(&e);
	}
	if (ledger_verify_trusted(v, &keys, origin, outside, &e) != 0) {
		keys_ledger_free(&keys);
		if (fd != STDIN_FILENO)
			close(fd);
		return cli_fail(&e);
	}
	o.keys = v->nvkeys > 0 ? &keys : NULL;
	rc = export_verify(fd, &o, &r, &e);
	keys_ledger_free(&keys);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc < 0)
		return cli_fail(&e);
	sodium_bin2base64(root, sizeof(root), r.root, 32, sodium_base64_VARIANT_ORIGINAL);
	if (cli->json) {
		json_t *out = json_pack("{s:b, s:I, s:I, s:I, s:I, s:s, s:b, s:I}", "ok", rc == 0,
		    "entries", (json_int_t)r.entries, "postings", (json_int_t)r.postings,
		    "checkpoints", (json_int_t)r.checkpoints, "accounts", (json_int_t)r.accounts,
		    "root", root, "header_keys", r.header_keys, "outside_checkpoints",
		    (json_int_t)v->nnotes);
		json_object_set_new(out, "signed_size", json_integer((json_int_t)r.signed_size));
		if (rc != 0)
			json_object_set_new(out, "failure", json_string(r.failure));
		cli_print_json(out);
	} else if (rc == 0) {
		printf("OK: export of %s: %llu entries, %llu postings, %llu checkpoints, %llu accounts"
		    " verified; root %s; %s", r.origin, (unsigned long long)r.entries,
		    (unsigned long long)r.postings, (unsigned long long)r.checkpoints,
		    (unsigned long long)r.accounts, root, r.header_keys ? "WARNING: signatures checked"
		    " with the keys the export names itself (give --key VKEY from GET /v1/keys)" :
		    "signatures checked with the keys given");
		if (r.signed_size < r.entries)
			printf("; entries %llu-%llu signed by no checkpoint yet",
			    (unsigned long long)r.signed_size, (unsigned long long)r.entries - 1);
		if (v->nnotes > 0)
			printf("; reaches the %zu checkpoint(s) given", v->nnotes);
		putchar('\n');
	}
	if (rc != 0) {
		fprintf(stderr, "passnum: export verification FAILED: %s\n", r.failure);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

static int
ledger_verify_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "export", required_argument, NULL, 'x' },
		{ "key", required_argument, NULL, 'k' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_export_cli v = { 0 };
	struct audit_result r;
	struct error e;
	char root[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	int rc, first = cli_options(cli, argc, argv, "ledger verify", ledger_verify_help, opts,
	    ledger_verify_option, &v);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("ledger verify", "unexpected argument \"%s\"", argv[first]);
	if (v.file == NULL && (v.nvkeys > 0 || v.nnotes > 0))
		return cli_usage_error("ledger verify", "--key and --checkpoint go with --export FILE");
	if (v.nnotes > 0 && v.nvkeys == 0)
		return cli_usage_error("ledger verify", "--checkpoint needs --key: a checkpoint checked"
		    " with the keys of the file under audit proves nothing");
	for (size_t i = 0; i < v.nvkeys; i++) {
		char name[NOTE_NAME_MAX + 1];
		uint8_t pub[32];
		if (note_vkey_parse(v.vkeys[i], name, pub) != 0)
			return cli_usage_error("ledger verify", "--key takes a C2SP verifier key"
			    " (origin+keyid+base64, as GET /v1/keys serves it), not \"%s\"", v.vkeys[i]);
	}
	if (v.file != NULL)
		return ledger_verify_export(cli, &v);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	rc = audit_verify(cli->home.db, &r, ledger_progress, NULL, &e);
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	if (rc < 0)
		return cli_fail(&e);
	sodium_bin2base64(root, sizeof(root), r.root, 32, sodium_base64_VARIANT_ORIGINAL);
	if (cli->json) {
		json_t *out = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:s}", "ok", rc == 0,
		    "entries", (json_int_t)r.entries, "postings", (json_int_t)r.postings,
		    "nodes", (json_int_t)r.nodes, "checkpoints", (json_int_t)r.checkpoints,
		    "accounts", (json_int_t)r.accounts, "root", root);
		if (rc != 0) {
			json_object_set_new(out, "failure", json_string(r.failure));
			json_object_set_new(out, "failed_seq", json_integer(r.failed_seq));
		}
		cli_print_json(out);
	} else if (rc == 0) {
		printf("OK: %llu entries, %llu postings, %llu Merkle nodes, %llu checkpoints,"
		    " %llu accounts verified; root %s\n", (unsigned long long)r.entries,
		    (unsigned long long)r.postings, (unsigned long long)r.nodes,
		    (unsigned long long)r.checkpoints, (unsigned long long)r.accounts, root);
	}
	if (rc != 0) {
		fprintf(stderr, "passnum: ledger verification FAILED: %s\n", r.failure);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

struct balances {
	json_t *list;
	int64_t debit, credit;
	int overflow;
};

static int
ledger_balance_row(const struct ledger_account *a, void *ctx)
{
	struct balances *b = ctx;

	if (a->balance > 0 ? money_add(b->debit, a->balance, &b->debit) != 0 :
	    money_sub(b->credit, a->balance, &b->credit) != 0)
		b->overflow = 1;
	json_array_append_new(b->list, json_pack("{s:s, s:s, s:s, s:I}", "account", a->code,
	    "pcg", a->pcg, "name", a->name, "balance_cents", (json_int_t)a->balance));
	return 0;
}

/* One line of the trial balance: text columns by display width
 * (cli_cell), amounts right-aligned. */
static void
ledger_balance_line(const char *account, const char *pcg, const char *debit, const char *credit,
    const char *name)
{
	cli_cell(stdout, account, 28, false);
	cli_cell(stdout, pcg, 6, false);
	printf("%14s %14s  ", debit, credit);
	cli_cell(stdout, name, 0, true);
	putchar('\n');
}

static int
ledger_balances_run(struct cli *cli, int argc, char **argv)
{
	struct balances b = { json_array(), 0, 0, 0 };
	char debit[MONEY_FORMAT_SIZE], credit[MONEY_FORMAT_SIZE];
	struct error e;
	json_t *row;
	size_t i;
	int rc = ledger_no_options(cli, argc, argv, "ledger balances",
	    ledger_balances_help);

	if (rc != 0) {
		json_decref(b.list);
		return rc < 0 ? EXIT_OK : rc;
	}
	if (ledger_accounts_each(cli->home.db, ledger_balance_row, &b, &e) != 0) {
		json_decref(b.list);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(json_pack("{s:o, s:I, s:I}", "accounts", b.list,
		    "debit_cents", (json_int_t)b.debit, "credit_cents", (json_int_t)b.credit));
	ledger_balance_line("ACCOUNT", "PCG", "DEBIT", "CREDIT", "NAME");
	json_array_foreach(b.list, i, row) {
		int64_t cents = json_integer_value(json_object_get(row, "balance_cents"));
		char amount[MONEY_FORMAT_SIZE];
		money_format(cents < 0 ? -cents : cents, amount, sizeof(amount));
		ledger_balance_line(json_string_value(json_object_get(row, "account")),
		    json_string_value(json_object_get(row, "pcg")), cents > 0 ? amount : "",
		    cents < 0 ? amount : "", json_string_value(json_object_get(row, "name")));
	}
	money_format(b.debit, debit, sizeof(debit));
	money_format(b.credit, credit, sizeof(credit));
	ledger_balance_line("TOTAL", "", debit, credit,
	    b.debit == b.credit && !b.overflow ? "balanced" : "NOT BALANCED");
	json_decref(b.list);
	return b.debit == b.credit && !b.overflow ? EXIT_OK : EXIT_REFUSED;
}

static int
ledger_checkpoint_run(struct cli *cli, int argc, char **argv)
{
	struct checkpoint cp;
	struct error e;
	int rc = ledger_no_options(cli, argc, argv, "ledger checkpoint",
	    ledger_checkpoint_help);

	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = checkpoint_make(cli->home.db, cli->home.dir, clock_now(), &cp, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (published_sync(cli->home.db, cli->home.dir, &e) != 0) /* the rollback guard's record */
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:s}", "id", (json_int_t)cp.size,
		    "size", (json_int_t)cp.size, "note", cp.note));
	fputs(cp.note, stdout);
	return EXIT_OK;
}

/* Parses a non-negative decimal integer option or operand. */
static int
ledger_parse_u64(const char *text, uint64_t *out)
{
	char *end;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

static int
ledger_size_option(int opt, const char *arg, void *ctx)
{
	(void)opt;
	if (ledger_parse_u64(arg, ctx) != 0) {
		cli_usage_error("ledger proof", "--size takes a whole number, not \"%s\"", arg);
		return -1;
	}
	return 0;
}

static int
ledger_proof_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], root[MERKLE_HASH_SIZE];
	char leaf[65], root_hex[65];
	struct ledger_entry entry;
	struct checkpoint cp;
	uint64_t seq, size = UINT64_MAX;
	struct error e;
	size_t count;
	bool given;
	json_t *out;
	int first = cli_options(cli, argc, argv, "ledger proof", ledger_proof_help, opts,
	    ledger_size_option, &size);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || ledger_parse_u64(argv[first], &seq) != 0)
		return cli_usage_error("ledger proof", "give one entry sequence number");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	given = size != UINT64_MAX;
	if (!given) {
		if (checkpoint_covering(cli->home.db, seq + 1, &cp, &e) != 0)
			return cli_fail(&e);
		size = cp.size;
	}
	if (ledger_inclusion_proof(cli->home.db, seq, size, proof, &count, &e) != 0 ||
	    ledger_read(cli->home.db, seq, &entry, &e) != 0 ||
	    ledger_root(cli->home.db, size, root, &e) != 0)
		return cli_fail(&e);
	sodium_bin2hex(leaf, sizeof(leaf), entry.leaf_hash, MERKLE_HASH_SIZE);
	sodium_bin2hex(root_hex, sizeof(root_hex), root, MERKLE_HASH_SIZE);
	out = json_pack("{s:I, s:I, s:s, s:s, s:o}", "seq", (json_int_t)seq,
	    "size", (json_int_t)size, "leaf_hash", leaf, "root", root_hex,
	    "proof", ledger_proof_json(proof, count));
	/* As GET /v1/ledger/proof: the checkpoint chosen by default comes along. */
	if (!given)
		json_object_set_new(out, "checkpoint", json_string(cp.note));
	return cli_print_json(out);
}

static char *ledger_slurp(const char *path, size_t *len, struct error *e);

/* --witness VKEY (repeatable) and --min-cosignatures N of ledger check. */
struct check_witnesses {
	struct cosignature_witness keys[COSIGNATURE_WITNESSES_MAX];
	size_t count;
	uint64_t min;     /* cosignatures needed; with witnesses and no --min: all of them */
	bool min_given;
};

struct check_options {
	const char *proof, *checkpoint, *key;
	struct check_witnesses witnesses;
};

/* Reads --witness and --min-cosignatures; 1 when opt is neither. */
static int
ledger_check_witness_option(int opt, const char *arg, struct check_witnesses *w)
{
	struct error e;

	if (opt == 'W') {
		if (w->count == COSIGNATURE_WITNESSES_MAX) {
			cli_usage_error("ledger check", "at most %d --witness", COSIGNATURE_WITNESSES_MAX);
			return -1;
		}
		if (cosignature_vkey_parse(arg, &w->keys[w->count], &e) != 0) {
			cli_usage_error("ledger check", "--witness is a witness's verifier key"
			    " (cosignature/v1: name+id+base64), not \"%s\"", arg);
			return -1;
		}
		w->count++;
		return 0;
	}
	if (opt == 'M') {
		if (ledger_parse_u64(arg, &w->min) != 0 || w->min > COSIGNATURE_WITNESSES_MAX) {
			cli_usage_error("ledger check", "--min-cosignatures takes a number from 0 to %d,"
			    " not \"%s\"", COSIGNATURE_WITNESSES_MAX, arg);
			return -1;
		}
		w->min_given = true;
		return 0;
	}
	return 1;
}

/* Checks the command line's witness options (before the home). */
static int
ledger_check_witness_usage(const struct check_options *o)
{
	const struct check_witnesses *w = &o->witnesses;

	if ((w->count > 0 || w->min_given) && o->checkpoint == NULL)
		return cli_usage_error("ledger check", "--witness and --min-cosignatures check the"
		    " checkpoint: give --proof and --checkpoint");
	if (w->min > w->count)
		return cli_usage_error("ledger check", "--min-cosignatures %llu needs at least as many"
		    " --witness", (unsigned long long)w->min);
	return 0;
}

/* Counts the witnesses whose cosignature on the checkpoint note verifies;
 * refuses fewer than the minimum (422 TOO_FEW_COSIGNATURES) and any
 * cosignature by a given witness that does not verify. *count gets how
 * many verified. */
static int
ledger_check_cosignatures(const char *path, const struct check_witnesses *w, size_t *count,
    struct error *e)
{
	uint64_t min = w->min_given ? w->min : w->count, t;
	size_t len;
	char *note = ledger_slurp(path, &len, e);
	int rc = -1;

	*count = 0;
	if (note == NULL)
		return -1;
	for (size_t i = 0; i < w->count; i++) {
		struct error one;
		if (cosignature_verify(note, len, &w->keys[i], &t, &one) == 0)
			(*count)++;
		else if (strcmp(one.code, "NOT_COSIGNED") != 0) {
			*e = one;
			goto done;
		}
	}
	if (*count < min) {
		error_set(e, 422, "TOO_FEW_COSIGNATURES", "the checkpoint carries %zu valid"
		    " cosignature(s) by the given witnesses, %llu needed", *count,
		    (unsigned long long)min);
		goto done;
	}
	rc = 0;
done:
	free(note);
	return rc;
}

static int
ledger_check_option(int opt, const char *arg, void *ctx)
{
	struct check_options *o = ctx;
	int rc = ledger_check_witness_option(opt, arg, &o->witnesses);

	if (rc <= 0)
		return rc;
	if (opt == 'p')
		o->proof = arg;
	else if (opt == 'c')
		o->checkpoint = arg;
	else
		o->key = arg;
	return 0;
}

/* Reads a whole small file (≤ 1 MiB) into a NUL-terminated buffer (free). */
static char *
ledger_slurp(const char *path, size_t *len, struct error *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		error_set(e, 400, "BAD_FILE", "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(1 << 20);
	if (buf == NULL)
		abort();
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* The ledger keys to check with and the log origin (signed-note key name). */
struct check_keys {
	struct keys_ledger set; /* keys_ledger_free */
	char name[NOTE_NAME_MAX + 1];
	struct db *db;          /* the home, or NULL with --key */
};

/* Loads the ledger public keys: --key VKEY (taken as active) or the home's
 * (with their statuses). */
static int
ledger_check_keys(struct cli *cli, const char *vkey, struct check_keys *k, struct error *e)
{
	struct key_info key = { .kind = KEY_LEDGER, .status = KEY_ACTIVE };
	struct operator_info op;

	memset(k, 0, sizeof(*k));
	if (vkey != NULL) {
		if (note_vkey_parse(vkey, k->name, key.public_key) != 0)
			return error_set(e, 400, "BAD_KEY", "--key is not a C2SP verifier key");
		note_key_id(k->name, key.public_key, key.key_id);
		keys_ledger_add(&k->set, &key);
		return 0;
	}
	if (cli_open_home(cli) != 0)
		return error_set(e, 400, "NO_KEY", "give --key VKEY or a home");
	k->db = cli->home.db;
	if (home_operator(cli->home.db, &op, e) != 0 || keys_ledger_load(cli->home.db, &k->set, e) != 0)
		return -1;
	snprintf(k->name, sizeof(k->name), "%s", op.origin);
	return 0;
}

/* Reads the hashes of a proof file's "proof" into proof; *count gets how
 * many. The proof must be of entry seq in the tree of size. */
static int
ledger_check_proof_file(const char *path, uint64_t seq, uint64_t size,
    uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE], size_t *count, struct error *e)
{
	json_t *json = json_load_file(path, 0, NULL), *hashes = json_object_get(json, "proof"), *h;
	size_t i, plen;
	int rc = -1;

	*count = 0;
	if (!json_is_array(hashes) || json_array_size(hashes) > MERKLE_PROOF_MAX ||
	    json_integer_value(json_object_get(json, "size")) != (json_int_t)size ||
	    json_integer_value(json_object_get(json, "seq")) != (json_int_t)seq) {
		error_set(e, 422, "BAD_PROOF", "the proof file is not a proof of entry %llu in a tree of"
		    " size %llu", (unsigned long long)seq, (unsigned long long)size);
		goto done;
	}
	json_array_foreach(hashes, i, h) {
		const char *hex = json_string_value(h);
		if (hex == NULL || sodium_hex2bin(proof[(*count)++], MERKLE_HASH_SIZE, hex, strlen(hex),
		    NULL, &plen, NULL) != 0 || plen != MERKLE_HASH_SIZE) {
			error_set(e, 422, "BAD_PROOF", "the proof holds a malformed hash");
			goto done;
		}
	}
	rc = 0;
done:
	json_decref(json);
	return rc;
}

/* Checks the receipt's inclusion in a signed checkpoint, from files; cp
 * gets the checkpoint as verified. */
static int
ledger_check_inclusion(const struct receipt *r, const struct check_options *o,
    const struct check_keys *k, struct checkpoint_verified *cp, struct error *e)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_SIZE];
	size_t len, count;
	char *note = ledger_slurp(o->checkpoint, &len, e);
	int rc = -1;

	if (note == NULL)
		return -1;
	/* Any of the ledger keys (the log's key may have been rotated). */
	if (checkpoint_verify_note(k->db, note, len, k->name, &k->set, cp, e) != 0 ||
	    ledger_check_proof_file(o->proof, r->entry.seq, cp->size, proof, &count, e) != 0)
		goto done;
	if (merkle_verify_inclusion(r->entry.leaf_hash, r->entry.seq, cp->size,
	    (const uint8_t (*)[MERKLE_HASH_SIZE])proof, count, cp->root) != 0) {
		error_set(e, 422, "BAD_PROOF", "entry %llu is NOT in the signed tree of size %llu",
		    (unsigned long long)r->entry.seq, (unsigned long long)cp->size);
		goto done;
	}
	rc = 0;
done:
	free(note);
	return rc;
}

/* Loads the receipt file's JSON ("-": standard input). A file that cannot
 * be opened is said to be unreadable, one that is not JSON not a receipt. */
static json_t *
ledger_check_load(const char *path, struct error *e)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	json_t *json;

	if (f == NULL) {
		error_set(e, 400, "BAD_FILE", "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	json = json_loadf(f, 0, NULL);
	if (json == NULL && ferror(f))
		error_set(e, 400, "BAD_FILE", "cannot read %s: %s", path, strerror(errno));
	else if (json == NULL)
		error_set(e, 422, "BAD_RECEIPT", "%s is not a JSON receipt",
		    f == stdin ? "standard input" : path);
	if (f != stdin)
		fclose(f);
	return json;
}

/* Reads the receipt file: a bare receipt, a 201 reply holding one, or a
 * 409 reply's. */
static int
ledger_check_read(const char *path, struct receipt *r, struct error *e)
{
	json_t *json = ledger_check_load(path, e), *receipt = json;
	int rc;

	if (json == NULL)
		return -1;
	if (json_object_get(json, "redemption") != NULL)
		receipt = json_object_get(json, "redemption");
	if (json_object_get(receipt, "receipt") != NULL)
		receipt = json_object_get(receipt, "receipt");
	rc = receipt_from_json(receipt, r, e);
	json_decref(json);
	return rc;
}

/* "note: ..." naming a revoked key that was accepted for what (signed at
 * signed_at, before its compromise); the JSON form goes to list. */
static void
ledger_check_revoked(const struct key_info *key, const char *what, int64_t signed_at,
    json_t *list)
{
	char kid[9], since[CLOCK_INSTANT_SIZE], when[CLOCK_INSTANT_SIZE];

	if (key->status != KEY_REVOKED)
		return;
	keys_id_hex(key->key_id, kid);
	clock_instant_format(key->compromised_at, since);
	clock_instant_format(signed_at, when);
	json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "signed", what, "key_id", kid,
	    "compromised_at", since, "signed_at", when));
}

/* Prints the verdict of ledger check (text or JSON). */
static int
ledger_check_print(struct cli *cli, const struct receipt *r, const struct check_options *o,
    uint64_t size, json_t *revoked, size_t cosigned)
{
	size_t i;
	json_t *item;

	if (cli->json) {
		json_t *out = json_pack("{s:b, s:I, s:b}", "ok", 1, "seq", (json_int_t)r->entry.seq,
		    "included", o->proof != NULL);
		if (o->witnesses.count > 0)
			json_object_set_new(out, "cosignatures", json_integer((json_int_t)cosigned));
		if (json_array_size(revoked) > 0)
			json_object_set(out, "revoked_keys", revoked);
		json_decref(revoked);
		return cli_print_json(out);
	}
	printf("OK: receipt for entry %llu is signed by the ledger key", (unsigned long long)r->entry.seq);
	if (o->proof != NULL)
		printf(" and included in the signed tree of size %llu", (unsigned long long)size);
	if (o->witnesses.count > 0)
		printf(", cosigned by %zu of %zu witness(es)", cosigned, o->witnesses.count);
	putchar('\n');
	json_array_foreach(revoked, i, item)
		printf("note: the %s is signed by ledger key %s, now revoked (compromised since %s);"
		    " accepted because this home recorded it at %s, before that\n",
		    json_string_value(json_object_get(item, "signed")),
		    json_string_value(json_object_get(item, "key_id")),
		    json_string_value(json_object_get(item, "compromised_at")),
		    json_string_value(json_object_get(item, "signed_at")));
	json_decref(revoked);
	return EXIT_OK;
}

static int
ledger_check_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "proof", required_argument, NULL, 'p' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "witness", required_argument, NULL, 'W' },
		{ "min-cosignatures", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	struct check_options o = { 0 };
	size_t cosigned = 0;
	struct check_keys k = { 0 };
	struct checkpoint_verified cp = { 0 };
	const struct key_info *used;
	struct receipt r;
	struct error e;
	int64_t signed_at;
	json_t *revoked;
	int rc = EXIT_REFUSED;
	int first = cli_options(cli, argc, argv, "ledger check", ledger_check_help, opts,
	    ledger_check_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("ledger check", "give one receipt file");
	if ((o.proof == NULL) != (o.checkpoint == NULL))
		return cli_usage_error("ledger check", "--proof and --checkpoint go together");
	if ((rc = ledger_check_witness_usage(&o)) != 0)
		return rc;
	rc = EXIT_REFUSED;
	if (ledger_check_read(argv[first], &r, &e) != 0 || ledger_check_keys(cli, o.key, &k, &e) != 0)
		goto fail;
	if (receipt_verify_keys(k.db, &r, &k.set, &used, &signed_at, &e) != 0) {
		if (strcmp(e.code, "BAD_SIGNATURE") == 0)
			error_set(&e, 422, "BAD_SIGNATURE",
			    "the receipt's signature does not verify with the ledger key");
		goto fail;
	}
	revoked = json_array();
	ledger_check_revoked(used, "receipt", signed_at, revoked);
	if ((o.proof != NULL && ledger_check_inclusion(&r, &o, &k, &cp, &e) != 0) ||
	    (o.witnesses.count > 0 &&
	    ledger_check_cosignatures(o.checkpoint, &o.witnesses, &cosigned, &e) != 0)) {
		json_decref(revoked);
		goto fail;
	}
	if (cp.key != NULL)
		ledger_check_revoked(cp.key, "checkpoint", cp.signed_at, revoked);
	rc = ledger_check_print(cli, &r, &o, cp.size, revoked, cosigned);
	keys_ledger_free(&k.set);
	return rc;
fail:
	keys_ledger_free(&k.set);
	return cli_fail(&e);
}

struct export_cli {
	struct export_options o;
	const char *out;
	bool force;
	int64_t funder;      /* --funder: an audit pack of that funder; 0: none */
	bool format_given;   /* --format was given (refused with --funder) */
};

static int
ledger_export_option(int opt, const char *arg, void *ctx)
{
	struct export_cli *x = ctx;
	char *end;

	switch (opt) {
	case 'u':
		x->funder = strtoll(arg, &end, 10);
		if (*arg < '1' || *arg > '9' || *end != '\0' || x->funder <= 0 ||
		    x->funder > INT64_C(4294967295)) {
			cli_usage_error("ledger export", "--funder takes a funder id such as 3, not \"%s\"",
			    arg);
			return -1;
		}
		return 0;
	case 'f':
		x->format_given = true;
		if (export_format_parse(arg, &x->o.format) != 0) {
			cli_usage_error("ledger export", "--format is jsonl, csv or fec, not \"%s\"", arg);
			return -1;
		}
		return 0;
	case 'g':
		x->o.gzip = 1;
		return 0;
	case 'F':
		x->force = true;
		return 0;
	case 's':
		x->o.fiscal_start = (int)strtol(arg, &end, 10);
		if (*end != '\0' || strlen(arg) != 2 || x->o.fiscal_start < 1 || x->o.fiscal_start > 12) {
			cli_usage_error("ledger export", "--fiscal-start takes a month 01 to 12, not \"%s\"",
			    arg);
			return -1;
		}
		return 0;
	case 'y':
		x->o.year = (int)strtol(arg, &end, 10);
		if (*end != '\0' || x->o.year < 1970 || x->o.year > 9999) {
			cli_usage_error("ledger export", "--year takes a year such as 2027, not \"%s\"", arg);
			return -1;
		}
		return 0;
	default:
		x->out = arg;
		return 0;
	}
}

/* Whether --out names a folder: "DIR/" or an existing folder. */
static bool
ledger_export_to_dir(const char *out)
{
	struct stat st;
	size_t len = strlen(out);

	return (len > 0 && out[len - 1] == '/') || (stat(out, &st) == 0 && S_ISDIR(st.st_mode));
}

/* Checks the command line alone (before the home): the options that go
 * together, --out's kind, no binary to a terminal. Returns 0 or EXIT_USAGE
 * (printed). */
static int
ledger_export_check(const struct export_cli *x)
{
	if (x->funder != 0 && (x->format_given || x->o.gzip || x->o.year != 0))
		return cli_usage_error("ledger export", "--funder writes an audit pack (jsonl): it takes"
		    " no --format, --gzip nor --year");
	if (x->funder != 0)
		return x->out != NULL && *x->out == '\0' ?
		    cli_usage_error("ledger export", "--out needs a folder name") : 0;
	if (x->o.gzip && x->out == NULL && isatty(STDOUT_FILENO))
		return cli_usage_error("ledger export", "--gzip writes binary, never to a terminal:"
		    " give --out FILE or redirect standard output");
	if (x->out != NULL && *x->out == '\0')
		return cli_usage_error("ledger export", "--out needs a file name");
	if (x->out != NULL && ledger_export_to_dir(x->out) && x->o.format != EXPORT_FEC)
		return cli_usage_error("ledger export", "--out %s is a folder: give a file name (a"
		    " folder only for --format fec, whose file is named after the SIREN)", x->out);
	if (x->o.format == EXPORT_JSONL && x->o.year != 0)
		return cli_usage_error("ledger export", "a jsonl export is the whole ledger (to be"
		    " re-verified): --year is for csv and fec");
	return 0;
}

/* Prepares the file to write into path: the FEC's name inside a folder,
 * the folders made, an existing file refused unless --force. */
static int
ledger_export_path(struct cli *cli, const struct export_cli *x, char *path, size_t size,
    struct error *e)
{
	char name[64];

	if (!ledger_export_to_dir(x->out)) {
		snprintf(path, size, "%s", x->out);
	} else {
		size_t len = strlen(x->out);
		if (cli_out_dir(x->out, e) != 0 ||
		    export_fec_name_fy(cli->home.db, x->o.year, x->o.fiscal_start, name, sizeof(name), e) != 0)
			return -1;
		if ((size_t)snprintf(path, size, "%.*s/%s%s", (int)(x->out[len - 1] == '/' ? len - 1 :
		    len), x->out, name, x->o.gzip ? ".gz" : "") >= size)
			return error_set(e, 400, "BAD_PATH", "the path is too long");
	}
	return cli_out_file(path, x->force, e);
}

/* A FEC needs the SIREN it is filed under; the first one is recorded (the
 * SIREN is fixed from then on), in a write of its own before the export. */
static int
ledger_export_fec_record(struct cli *cli, const struct export_cli *x, struct error *e)
{
	struct operator_info op;
	char name[64];
	int rc;

	if (x->o.format != EXPORT_FEC)
		return 0;
	if (export_fec_name_fy(cli->home.db, x->o.year, x->o.fiscal_start, name, sizeof(name), e) != 0 ||
	    home_operator(cli->home.db, &op, e) != 0)
		return -1;
	if (op.fec_exported_at != 0)
		return 0;
	if (db_write_begin(cli->home.db, DB_BUSY_DEFAULT, e) != 0)
		return -1;
	rc = home_operator_fec_exported(cli->home.db, clock_now(), e);
	return db_write_end(cli->home.db, rc, e);
}

/* Writes the export to path through a temporary file renamed at the end. */
static int
ledger_export_file(struct cli *cli, const struct export_cli *x, const char *path,
    struct error *e)
{
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(e, 400, "BAD_OUT", "cannot write %s: %s", path, strerror(errno));
	e->message[0] = '\0';
	if (export_write(cli->home.db, &x->o, fd, e) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		unlink(tmp);
		if (e->message[0] == '\0')
			error_set(e, 500, "EXPORT_ERROR", "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* export --funder ID [--out DIR]: the funder's audit pack, in DIR as
 * audit-funder-ID.jsonl (through a temporary file renamed at the end), or
 * on standard output. */
static int
ledger_export_funder(struct cli *cli, const struct export_cli *x)
{
	char path[4200], tmp[4300];
	struct error e = { 0 };
	uint64_t size = 0;
	FILE *f;
	int fd;

	if (x->out == NULL)
		return audit_pack_write(cli->home.db, x->funder, stdout, &size, &e) != 0 ?
		    cli_fail(&e) : EXIT_OK;
	if (strlen(x->out) > 4000)
		return cli_usage_error("ledger export", "--out: the path is too long");
	snprintf(path, sizeof(path), "%s%saudit-funder-%lld.jsonl", x->out,
	    x->out[strlen(x->out) - 1] == '/' ? "" : "/", (long long)x->funder);
	if (cli_out_dir(x->out, &e) != 0 || cli_out_file(path, x->force, &e) != 0)
		return cli_fail(&e);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		error_set(&e, 400, "BAD_OUT", "cannot write %s: %s", path, strerror(errno));
		return cli_fail(&e);
	}
	if (audit_pack_write(cli->home.db, x->funder, f, &size, &e) != 0 || fsync(fd) != 0 ||
	    fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		if (e.message[0] == '\0')
			error_set(&e, 500, "EXPORT_ERROR", "cannot write %s: %s", path, strerror(errno));
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s, s:I}", "id", path, "file", path, "size",
		    (json_int_t)size));
	printf("%s\n", path);
	return EXIT_OK;
}

static int
ledger_export_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "gzip", no_argument, NULL, 'g' },
		{ "year", required_argument, NULL, 'y' },
		{ "fiscal-start", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "funder", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_cli x = { .o = { .format = EXPORT_JSONL } };
	char path[4096];
	struct error e = { 0 };
	int rc, first = cli_options(cli, argc, argv, "ledger export", ledger_export_help, opts,
	    ledger_export_option, &x);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("ledger export", "unexpected argument \"%s\"", argv[first]);
	if ((rc = ledger_export_check(&x)) != 0)
		return rc;
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (x.funder != 0)
		return ledger_export_funder(cli, &x);
	if (x.o.format == EXPORT_FEC && x.o.year == 0) {
		int y, m, d;
		date_to_ymd(clock_today(CLOCK_TZ_PARIS), &y, &m, &d);
		x.o.year = y;
	}
	if (x.out == NULL)
		return ledger_export_fec_record(cli, &x, &e) != 0 ||
		    export_write(cli->home.db, &x.o, STDOUT_FILENO, &e) != 0 ? cli_fail(&e) : EXIT_OK;
	if (ledger_export_path(cli, &x, path, sizeof(path), &e) != 0 ||
	    ledger_export_fec_record(cli, &x, &e) != 0 ||
	    ledger_export_file(cli, &x, path, &e) != 0)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s}", "id", path, "file", path));
	printf("%s\n", path);
	return EXIT_OK;
}

static const struct cli_verb ledger_verbs[] = {
	{ "verify", ledger_verify_run, "verify the whole ledger", ledger_verify_help },
	{ "balances", ledger_balances_run, "trial balance", ledger_balances_help },
	{ "checkpoint", ledger_checkpoint_run, "sign a checkpoint", ledger_checkpoint_help },
	{ "proof", ledger_proof_run, "inclusion proof of an entry", ledger_proof_help },
	{ "check", ledger_check_run, "verify a receipt offline", ledger_check_help },
	{ "export", ledger_export_run, "export the ledger", ledger_export_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_ledger(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, ledger_verbs, "ledger", cmd_ledger_help, argc, argv);
}
