/* The passnum CLI: shared state and helpers for the verbs in cmd_<verb>.c. */
#ifndef PASSNUM_CLI_H
#define PASSNUM_CLI_H
#include <getopt.h>
#include <jansson.h>
#include "error.h"
#include "home.h"

enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1, /* refused or failed: one line on stderr */
	EXIT_USAGE = 2,   /* bad command line */
};

struct cli {
	const char *home_option; /* --home, or NULL for PASSNUM_HOME */
	int json;                /* --json: machine-readable output on stdout */
	int yes;                 /* --yes: confirm mass actions (cli_confirm) */
	struct home home;        /* opened by cli_open_home */
};

/* A verb: `passnum NAME ...`. run gets argv with argv[0] = NAME. */
struct cli_verb {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary; /* one line for `passnum --help` */
	const char *help;    /* full usage for `passnum NAME --help` */
};

/* Prints "passnum: <message>" on stderr and returns EXIT_REFUSED, whatever
 * e's status (see error.h). */
int cli_fail(const struct error *e);

/* Prints "passnum <verb>: <message>", a pointer to --help, returns EXIT_USAGE. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A value on the command line that cannot be valid in any state of the
 * database (syntax, a date that does not exist, three decimals, a count of
 * 0): prints e as a usage error of verb and returns EXIT_USAGE. Verbs check
 * every such value before opening the home (docs/cli.md). */
int cli_bad_value(const char *verb, const struct error *e);

/* Prints help on stdout and returns EXIT_OK. */
int cli_help(const char *help);

/* Parses options for a verb with getopt_long (options must come from opts;
 * unknown ones are refused; --json and --home are accepted here too). Calls fn(opt, optarg, ctx) for each; fn returns
 * 0, or -1 after printing a usage error. `--help` prints help. Returns the
 * index of the first operand, -1 for help shown (exit 0), -2 for a usage
 * error (exit 2). */
int cli_options(struct cli *cli, int argc, char **argv, const char *verb, const char *help,
    const struct option *opts, int (*fn)(int opt, const char *arg, void *ctx), void *ctx);

/* Opens the home named by --home or PASSNUM_HOME; on failure prints the
 * error and returns -1. */
int cli_open_home(struct cli *cli);

/* Opens the home (when not yet open) and a write transaction on it: the
 * verb then calls lib functions directly and ends with cli_commit. On
 * failure prints the error and returns -1. */
int cli_begin(struct cli *cli);

/* Ends the verb's write transaction: commits when rc is 0, else rolls back.
 * Returns EXIT_OK when committed, else prints e (cli_fail) and returns its
 * exit code. */
int cli_commit(struct cli *cli, int rc, struct error *e);

/* Prints a JSON value on stdout (one line) and releases it; returns EXIT_OK. */
int cli_print_json(json_t *value);

/* Dispatches to a sub-verb table (`passnum keys rotate ...`). */
int cli_dispatch(struct cli *cli, const struct cli_verb *verbs, const char *group,
    const char *help, int argc, char **argv);

/* Verbs, one file each. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_keys(struct cli *cli, int argc, char **argv);
int cmd_voucher(struct cli *cli, int argc, char **argv);
int cmd_funder(struct cli *cli, int argc, char **argv);
int cmd_distributor(struct cli *cli, int argc, char **argv);
int cmd_place(struct cli *cli, int argc, char **argv);
int cmd_service(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_campaign(struct cli *cli, int argc, char **argv);
int cmd_batch(struct cli *cli, int argc, char **argv);
int cmd_booklet(struct cli *cli, int argc, char **argv);
int cmd_expire(struct cli *cli, int argc, char **argv);
int cmd_ledger(struct cli *cli, int argc, char **argv);
int cmd_settle(struct cli *cli, int argc, char **argv);
int cmd_payee(struct cli *cli, int argc, char **argv);
int cmd_operator(struct cli *cli, int argc, char **argv);
int cmd_backup(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_witness(struct cli *cli, int argc, char **argv);
int cmd_takeover(struct cli *cli, int argc, char **argv);
int cmd_takeover_receipt(struct cli *cli, int argc, char **argv);
int cmd_takeover_funds(struct cli *cli, int argc, char **argv);
int cmd_invoice(struct cli *cli, int argc, char **argv);
int cmd_refund(struct cli *cli, int argc, char **argv);
int cmd_period(struct cli *cli, int argc, char **argv);
int cmd_bank(struct cli *cli, int argc, char **argv);
int cmd_reconcile(struct cli *cli, int argc, char **argv);

extern const char cmd_init_help[];
extern const char cmd_keys_help[];
extern const char cmd_voucher_help[];
extern const char cmd_funder_help[];
extern const char cmd_distributor_help[];
extern const char cmd_place_help[];
extern const char cmd_service_help[];
extern const char cmd_token_help[];
extern const char cmd_campaign_help[];
extern const char cmd_batch_help[];
extern const char cmd_booklet_help[];
extern const char cmd_expire_help[];
extern const char cmd_ledger_help[];
extern const char cmd_settle_help[];
extern const char cmd_payee_help[];
extern const char cmd_operator_help[];
extern const char cmd_backup_help[];
extern const char cmd_restore_help[];
extern const char cmd_export_help[];
extern const char cmd_report_help[];
extern const char cmd_witness_help[];
extern const char cmd_takeover_help[];
extern const char cmd_takeover_receipt_help[];
extern const char cmd_takeover_funds_help[];
extern const char cmd_invoice_help[];
extern const char cmd_refund_help[];
extern const char cmd_period_help[];
extern const char cmd_bank_help[];
extern const char cmd_reconcile_help[];

#endif
