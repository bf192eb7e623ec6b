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
	{ "voucher", cmd_voucher, "show, verify, draw or revoke passes", cmd_voucher_help },
	{ "batch", cmd_batch, "issue a batch of passes and its print files", cmd_batch_help },
	{ "booklet", cmd_booklet, "deliver, hand out and return booklets", cmd_booklet_help },
	{ "expire", cmd_expire, "expire unused passes, purge old hand-outs", cmd_expire_help },
	{ "ledger", cmd_ledger, "verify, prove, checkpoint and export the ledger", cmd_ledger_help },
	{ NULL, NULL, NULL, NULL },
};

static const char main_help[] =
    "usage: passnum [--home DIR] [--json] VERB [ARGS...]\n"
    "\n"
    "Global options:\n"
    "  --home DIR   the data directory (default: $PASSNUM_HOME)\n"
    "  --json       machine-readable output on stdout\n"
    "  --help       this help; `passnum VERB --help` for a verb\n"
    "\n"
    "Verbs:\n";

int
cli_fail(const struct error *e)
{
	fprintf(stderr, "passnum: %s\n", e->message[0] != '\0' ? e->message : "failed");
	return EXIT_REFUSED;
}

int
cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "passnum %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see passnum %s --help)\n", verb);
	return EXIT_USAGE;
}

int
cli_help(const char *help)
{
	fputs(help, stdout);
	return EXIT_OK;
}

int
cli_options(struct cli *cli, int argc, char **argv, const char *verb, const char *help,
    const struct option *opts, int (*fn)(int opt, const char *arg, void *ctx), void *ctx)
{
	struct option all[32];
	char shortopts[8] = ":h";
	size_t n = 0;
	int opt;

	for (; opts != NULL && opts[n].name != NULL && n < 28; n++)
		all[n] = opts[n];
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n++] = (struct option){ "json", no_argument, NULL, 0x100 };
	all[n++] = (struct option){ "home", required_argument, NULL, 0x101 };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, all, NULL)) != -1) {
		if (opt == 0x100) {
			cli->json = 1;
			continue;
		}
		if (opt == 0x101) {
			cli->home_option = optarg;
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
		if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
			cli.home_option = argv[++i];
		else if (strncmp(argv[i], "--home=", 7) == 0)
			cli.home_option = argv[i] + 7;
		else if (strcmp(argv[i], "--json") == 0)
			cli.json = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(main_help, stdout);
			cli_list_verbs(verbs, stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "passnum: unknown option %s (see passnum --help)\n", argv[i]);
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
	fprintf(stderr, "passnum: unknown verb \"%s\" (see passnum --help)\n", argv[i]);
	return EXIT_USAGE;
}
