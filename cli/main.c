/* passnum: the admin CLI. Global options, then a verb from the table below. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>
#include "checkpoint.h"
#include "cli.h"
#include "clock.h"
#include "db.h"
#include "registry.h"
#include "utf8.h"

static const struct cli_verb verbs[] = {
	{ "init", cmd_init, "create a new home (database, keys, operator)", cmd_init_help },
	{ "funder", cmd_funder, "funders (financeurs), their orders and credits", cmd_funder_help },
	{ "distributor", cmd_distributor, "distributors (structures distributrices)",
	    cmd_distributor_help },
	{ "place", cmd_place, "places (lieux qualifiés), labels, payees' IBAN", cmd_place_help },
	{ "service", cmd_service, "the service catalogue", cmd_service_help },
	{ "token", cmd_token, "bearer tokens for the API", cmd_token_help },
	{ "campaign", cmd_campaign, "funders' campaigns and their rules", cmd_campaign_help },
	{ "keys", cmd_keys, "list, rotate or revoke issuer and ledger keys", cmd_keys_help },
	{ "voucher", cmd_voucher, "look up a pass (signature checked), draw or revoke passes", cmd_voucher_help },
	{ "batch", cmd_batch, "issue a batch of passes and its print files", cmd_batch_help },
	{ "booklet", cmd_booklet, "deliver, hand out and return booklets", cmd_booklet_help },
	{ "expire", cmd_expire, "expire unused passes, purge old hand-outs", cmd_expire_help },
	{ "ledger", cmd_ledger, "verify, prove, checkpoint and export the ledger", cmd_ledger_help },
	{ "payee", cmd_payee, "payees (SIRET + IBAN), what they are owed, holds", cmd_payee_help },
	{ "settle", cmd_settle, "pay the payees of a closed month (SEPA file)", cmd_settle_help },
	{ "invoice", cmd_invoice, "invoices and credit notes to funders (PDF + UBL)", cmd_invoice_help },
	{ "refund", cmd_refund, "pay back what is owed to a funder (SEPA file)", cmd_refund_help },
	{ "period", cmd_period, "whether a month is closed; lock a fiscal year", cmd_period_help },
	{ "bank", cmd_bank, "import bank statements and status reports, match lines", cmd_bank_help },
	{ "reconcile", cmd_reconcile, "état de rapprochement and the coverage check", cmd_reconcile_help },
	{ "operator", cmd_operator, "the operator's identity (SIREN, VAT, IBANs...)", cmd_operator_help },
	{ "backup", cmd_backup, "an online, verified copy of the home (keys encrypted)", cmd_backup_help },
	{ "export", cmd_export, "the signed scheme export for a successor", cmd_export_help },
	{ "report", cmd_report, "reports people read: funder, payee, place, distributor", cmd_report_help },
	{ "restore", cmd_restore, "a backup into an empty or new home", cmd_restore_help },
	{ "takeover", cmd_takeover, "take a scheme over from its export (a successor)", cmd_takeover_help },
	{ "takeover-funds", cmd_takeover_funds, "record money received from the old operator", cmd_takeover_funds_help },
	{ "takeover-receipt", cmd_takeover_receipt, "accept a redemption the old operator made after its export", cmd_takeover_receipt_help },
	{ "witness", cmd_witness, "cosign other logs' checkpoints (C2SP tlog-witness)",
	    cmd_witness_help },
	{ NULL, NULL, NULL, NULL },
};

static const char main_help[] =
    "usage: passnum [--home DIR] [--json] [--yes] VERB [ARGS...]\n"
    "       passnum --version\n"
    "\n"
    "Global options:\n"
    "  --home DIR   the data directory (default: $PASSNUM_HOME)\n"
    "  --json       machine-readable output on stdout, refusals as JSON on stderr\n"
    "  --yes        confirm mass actions without asking (scripts)\n"
    "  --help       this help; `passnum VERB --help` for a verb\n"
    "\n"
    "Verbs:\n";

/* --json was given: refusals go to stderr as the API's JSON error. A
 * process-wide flag, since refusals are printed from everywhere. */
static int cli_json_errors;

/* Prints one refusal: "passnum: MESSAGE" (prefix included in text), or
 * under --json {"error":{"code":CODE,"message":MESSAGE}}. */
static void
cli_print_refusal(const char *code, const char *prefix, const char *message)
{
	json_t *body;

	if (!cli_json_errors) {
		fprintf(stderr, "%s%s\n", prefix, message);
		return;
	}
	body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
	if (body == NULL)
		body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", "(not UTF-8)");
	json_dumpf(body, stderr, JSON_COMPACT);
	fputc('\n', stderr);
	json_decref(body);
}

int
cli_fail(const struct error *e)
{
	cli_print_refusal(e->code != NULL ? e->code : "FAILED", "passnum: ",
	    e->message[0] != '\0' ? e->message : "failed");
	return EXIT_REFUSED;
}

int
cli_usage_error(const char *verb, const char *fmt, ...)
{
	char message[512], line[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Usage errors quote the command line: keep stderr valid UTF-8. */
	utf8_copy(message, sizeof(message), line, strlen(line));
	snprintf(line, sizeof(line), "%s (see passnum %s --help)", message, verb);
	if (cli_json_errors)
		cli_print_refusal("USAGE", "", line);
	else
		fprintf(stderr, "passnum %s: %s\n", verb, line);
	return EXIT_USAGE;
}

int
cli_bad_value(const char *verb, const struct error *e)
{
	return cli_usage_error(verb, "%s", e->message[0] != '\0' ? e->message : "bad value");
}

int
cli_help(const char *help)
{
	fputs(help, stdout);
	return EXIT_OK;
}

/* The getopt_long loop of cli_options over the full option table all. */
static int
cli_options_parse(struct cli *cli, int argc, char **argv, const char *verb, const char *help,
    const char *shortopts, const struct option *all,
    int (*fn)(int opt, const char *arg, void *ctx), void *ctx)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, all, NULL)) != -1) {
		if (opt == 0x100) {
			cli->json = cli_json_errors = 1;
			continue;
		}
		if (opt == 0x101) {
			cli->home_option = optarg;
			continue;
		}
		if (opt == 0x102) {
			cli->yes = 1;
			continue;
		}
		if (opt == 'h') {
			cli_help(help);
			return -1;
		}
		if (opt == '?') {
			if (optopt != 0 && optopt < 256)
				cli_usage_error(verb, "unknown option -%c", optopt);
			else
				cli_usage_error(verb, "unknown option %s", argv[optind - 1]);
			return -2;
		}
		if (opt == ':') {
			cli_usage_error(verb, "option %s needs a value", argv[optind - 1]);
			return -2;
		}
		if (fn(opt, optarg, ctx) != 0)
			return -2;
	}
	return optind;
}

int
cli_options(struct cli *cli, int argc, char **argv, const char *verb, const char *help,
    const struct option *opts, int (*fn)(int opt, const char *arg, void *ctx), void *ctx)
{
	static const char shortopts[] = ":h";
	size_t n = 0, count = 0;
	struct option *all;
	int rc;

	while (opts != NULL && opts[count].name != NULL)
		count++;
	if ((all = calloc(count + 5, sizeof(*all))) == NULL)
		abort();
	for (; n < count; n++)
		all[n] = opts[n];
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n++] = (struct option){ "json", no_argument, NULL, 0x100 };
	all[n++] = (struct option){ "home", required_argument, NULL, 0x101 };
	all[n++] = (struct option){ "yes", no_argument, NULL, 0x102 };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	rc = cli_options_parse(cli, argc, argv, verb, help, shortopts, all, fn, ctx);
	free(all);
	return rc;
}

int
cli_open_home(struct cli *cli)
{
	char dir[4096];
	struct error e;

	if (home_resolve(cli->home_option, dir, sizeof(dir), &e) != 0 ||
	    home_open(&cli->home, dir, &e) != 0) {
		cli_fail(&e);
		return -1;
	}
	return 0;
}

int
cli_begin(struct cli *cli)
{
	struct error e;

	if (cli->home.db == NULL && cli_open_home(cli) != 0)
		return -1;
	if (db_write_begin(cli->home.db, DB_BUSY_DEFAULT, &e) != 0) {
		cli_fail(&e);
		return -1;
	}
	return 0;
}

int
cli_commit(struct cli *cli, int rc, struct error *e)
{
	if (db_write_end(cli->home.db, rc, e) != 0)
		return cli_fail(e);
	return EXIT_OK;
}

int
cli_print_json(json_t *value)
{
	json_dumpf(value, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(value);
	return EXIT_OK;
}

static void
cli_list_verbs(const struct cli_verb *table, FILE *out)
{
	for (const struct cli_verb *v = table; v->name != NULL; v++)
		fprintf(out, "  %-12s %s\n", v->name, v->summary);
}

int
cli_dispatch(struct cli *cli, const struct cli_verb *table, const char *group,
    const char *help, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(group, "missing sub-command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cli_help(help);
	for (const struct cli_verb *v = table; v->name != NULL; v++)
		if (strcmp(v->name, argv[1]) == 0)
			return v->run(cli, argc - 1, argv + 1);
	return cli_usage_error(group, "unknown sub-command \"%s\"", argv[1]);
}

/* After a successful verb: signs a checkpoint when the home's cadence says
 * one is due (checkpoint_cadence: the daemon's, default 10,000 entries or
 * 60 s). A failure is reported, not fatal: the verb's own work is already
 * committed. */
static void
cli_checkpoint_if_due(struct cli *cli)
{
	int64_t entries, seconds;
	struct error e;

	if (checkpoint_cadence(cli->home.db, &entries, &seconds, &e) != 0 ||
	    checkpoint_if_due(cli->home.db, cli->home.dir, clock_now(), entries, seconds, NULL, &e) != 0)
		fprintf(stderr, "passnum: warning: no checkpoint made: %s\n", e.message);
}

/* A usage error before any verb, quoting the argument arg (made valid
 * UTF-8) in fmt. */
static void
cli_top_refusal(const char *fmt, const char *arg)
{
	char safe[256], line[400];

	utf8_copy(safe, sizeof(safe), arg, strlen(arg));
	snprintf(line, sizeof(line), fmt, safe);
	cli_print_refusal("USAGE", "passnum: ", line);
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	int i = 1, rc;

	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "passnum: cannot initialise libsodium\n");
		return EXIT_REFUSED;
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--home") == 0 && i + 1 >= argc) {
			fprintf(stderr, "passnum: --home needs a value (see passnum --help)\n");
			return EXIT_USAGE;
		} else if (strcmp(argv[i], "--home") == 0)
			cli.home_option = argv[++i];
		else if (strncmp(argv[i], "--home=", 7) == 0)
			cli.home_option = argv[i] + 7;
		else if (strcmp(argv[i], "--json") == 0)
			cli.json = cli_json_errors = 1;
		else if (strcmp(argv[i], "--yes") == 0)
			cli.yes = 1;
		else if (strcmp(argv[i], "--version") == 0) {
			printf("passnum %s\n", PASSNUM_VERSION);
			return EXIT_OK;
		}
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(main_help, stdout);
			cli_list_verbs(verbs, stdout);
			return EXIT_OK;
		} else {
			cli_top_refusal("unknown option %s (see passnum --help)", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "passnum: missing verb (see passnum --help)\n");
		return EXIT_USAGE;
	}
	for (const struct cli_verb *v = verbs; v->name != NULL; v++) {
		if (strcmp(v->name, argv[i]) != 0)
			continue;
		rc = v->run(&cli, argc - i, argv + i);
		/* Read-only verbs never write a checkpoint. */
		if (rc == EXIT_OK && cli.home.db != NULL && db_commits(cli.home.db) > 0)
			cli_checkpoint_if_due(&cli);
		home_close(&cli.home);
		return rc;
	}
	cli_top_refusal("unknown verb \"%s\" (see passnum --help)", argv[i]);
	return EXIT_USAGE;
}
