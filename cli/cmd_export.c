/* passnum export scheme --out DIR [--force]
 * passnum export escrow --funder ID --out DIR [--force] */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "scheme.h"

static const char export_scheme_help[] =
    "usage: passnum export scheme --out DIR [--force]\n"
    "\n"
    "Everything a successor operator or a funder needs to take the scheme\n"
    "over, and nothing secret (docs/takeover.md): ledger.jsonl, checkpoint.note\n"
    "(the latest signed checkpoint), keys.json (public keys only), registry.json,\n"
    "vouchers.csv, payables.csv, invoices.csv (open invoices and every credit\n"
    "note), and manifest.json (each file's size and\n"
    "SHA-256, the ledger's size and root) signed by the ledger key in\n"
    "manifest.note. One consistent snapshot, read-only: passnumd keeps serving.\n"
    "DIR is created; an existing DIR that is not empty is refused unless\n"
    "--force (its files of the same names are then replaced). The ledger must\n"
    "have a signed checkpoint (passnum ledger checkpoint).\n"
    "Check it with: node tools/verify-scheme.mjs DIR --key VKEY\n"
    "With --json: dir, entries, root, checkpoint_size, vouchers, payables,\n"
    "invoices.\n"
    "\n"
    "example:\n"
    "  passnum export scheme --out /srv/exports/2027-W11\n";

static const char export_escrow_help[] =
    "usage: passnum export escrow --funder ID --out DIR [--force]\n"
    "\n"
    "A funder's share of the scheme export, for the operator to send it every\n"
    "week (docs/operations.md: the passnum-escrow@ID.timer), so that the funder\n"
    "always holds what it needs to let someone else honour its passes\n"
    "(docs/takeover.md): leaves.csv (every entry's leaf hash: the whole log can\n"
    "be checked against checkpoints), entries.jsonl (its accounts and every\n"
    "entry that posts to them, in full; every checkpoint), checkpoint.note,\n"
    "keys.json, registry.json (the funder, its campaigns, the places, payees and\n"
    "services), vouchers.csv (its campaigns'), payables.csv (owed to payees for\n"
    "its passes, not yet settled), invoices.csv (its open invoices and credit\n"
    "notes), manifest.json (with its balances: spendable,\n"
    "orders owed, credit notes owed) signed by the ledger key in manifest.note.\n"
    "Read-only, one snapshot; DIR as for export scheme.\n"
    "Check it with: node tools/verify-scheme.mjs DIR --key VKEY\n"
    "With --json: dir, funder, entries, root, checkpoint_size, vouchers, payables,\n"
    "invoices.\n"
    "\n"
    "example:\n"
    "  passnum export escrow --funder 3 --out /srv/escrow/3/2027-W11\n";

const char cmd_export_help[] =
    "usage: passnum export scheme --out DIR [--force]\n"
    "       passnum export escrow --funder ID --out DIR [--force]\n"
    "\n"
    "scheme   the signed scheme export for a successor (docs/takeover.md)\n"
    "escrow   one funder's signed share of it, sent every week\n"
    "\n"
    "`passnum export SUB --help` shows one sub-command.\n"
    "\n"
    "example:\n"
    "  passnum export scheme --out /srv/exports/2027-W11\n";

struct export_scheme_options {
	const char *out, *funder;
	bool force;
};

static int
export_scheme_option(int opt, const char *arg, void *ctx)
{
	struct export_scheme_options *o = ctx;

	if (opt == 'o')
		o->out = arg;
	else if (opt == 'f')
		o->funder = arg;
	else
		o->force = true;
	return 0;
}

/* Whether the folder dir holds anything (a missing dir is empty). */
static bool
export_dir_used(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	bool used = false;

	if (d == NULL)
		return errno != ENOENT;
	while (!used && (ent = readdir(d)) != NULL)
		used = strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0;
	closedir(d);
	return used;
}

static int
export_run(struct cli *cli, int argc, char **argv, bool escrow)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "funder", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb = escrow ? "export escrow" : "export scheme";
	struct export_scheme_options o = { NULL, NULL, false };
	struct scheme_result r;
	struct error e = { 0 };
	char root[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	bool existed;
	int64_t funder = 0;
	int rc, first = cli_options(cli, argc, argv, verb, escrow ? export_escrow_help :
	    export_scheme_help, escrow ? opts : (struct option[]){ opts[0], opts[1], opts[3] },
	    export_scheme_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error(verb, "unexpected argument \"%s\"", argv[first]);
	if (o.out == NULL || *o.out == '\0')
		return cli_usage_error(verb, "give the folder to write with --out DIR");
	if (escrow && o.funder == NULL)
		return cli_usage_error(verb, "give the funder with --funder ID");
	if (escrow && cli_args_id(o.funder, &funder) != 0)
		return cli_usage_error(verb, "bad funder id \"%s\"", o.funder);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (!o.force && export_dir_used(o.out)) {
		error_set(&e, 409, "DIR_NOT_EMPTY", "%s exists and is not empty: give a new or empty"
		    " folder, or --force to replace its files", o.out);
		return cli_fail(&e);
	}
	existed = access(o.out, F_OK) == 0;
	if (cli_out_dir(o.out, &e) != 0)
		return cli_fail(&e);
	rc = escrow ? scheme_escrow(cli->home.db, cli->home.dir, o.out, funder, &r, &e) :
	    scheme_export(cli->home.db, cli->home.dir, o.out, &r, &e);
	if (rc != 0) {
		if (!existed)
			rmdir(o.out); /* only when nothing was written: a refusal leaves no folder */
		return cli_fail(&e);
	}
	sodium_bin2base64(root, sizeof(root), r.root, 32, sodium_base64_VARIANT_ORIGINAL);
	if (cli->json) {
		json_t *out = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I}", "dir", o.out,
		    "entries", (json_int_t)r.ledger_size, "root", root,
		    "checkpoint_size", (json_int_t)r.checkpoint_size,
		    "vouchers", (json_int_t)r.vouchers, "payables", (json_int_t)r.payables);
		json_object_set_new(out, "invoices", json_integer(r.invoices));
		if (escrow)
			json_object_set_new(out, "funder", json_integer(funder));
		return cli_print_json(out);
	}
	if (escrow)
		printf("escrow of funder %lld: ", (long long)funder);
	printf("exported to %s: %llu entries (root %s; checkpoint at %llu), %lld vouchers,"
	    " %lld payables, %lld invoice documents; manifest signed by the ledger key\n", o.out,
	    (unsigned long long)r.ledger_size, root, (unsigned long long)r.checkpoint_size,
	    (long long)r.vouchers, (long long)r.payables, (long long)r.invoices);
	return EXIT_OK;
}

static int
export_scheme_run(struct cli *cli, int argc, char **argv)
{
	return export_run(cli, argc, argv, false);
}

static int
export_escrow_run(struct cli *cli, int argc, char **argv)
{
	return export_run(cli, argc, argv, true);
}

static const struct cli_verb export_verbs[] = {
	{ "scheme", export_scheme_run, "the signed scheme export", export_scheme_help },
	{ "escrow", export_escrow_run, "a funder's signed share, sent weekly", export_escrow_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_export(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, export_verbs, "export", cmd_export_help, argc, argv);
}
