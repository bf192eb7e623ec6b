/* passnum expire [--as-of DATE] */
#include <stdio.h>
#include "cli.h"
#include "clock.h"
#include "issuance.h"
#include "money.h"
#include "report_close.h"

const char cmd_expire_help[] =
    "usage: passnum expire [--as-of YYYY-MM-DD]\n"
    "\n"
    "Expires the issued passes no longer usable on DATE (default today,\n"
    "Europe/Paris; a date after today is refused, exit 1; a date that does not\n"
    "exist is a usage error, exit 2): those whose last day plus the campaign's\n"
    "tolerance days is before DATE, and, for campaigns counting validity from\n"
    "hand-out, those whose booklet was handed out more than that many days\n"
    "(plus tolerance) before DATE. Their value goes back to the funder per the\n"
    "campaign's rule: credit (its spendable balance) or refund (a credit note\n"
    "owed back; passes taken over: the claim on the old operator first), one\n"
    "ledger entry \"expire\" per campaign. Idempotent.\n"
    "Then freezes the close summary of each campaign over (last day plus\n"
    "tolerance before DATE) that has none: its evaluation figures, signed by\n"
    "the ledger key (docs/reports.md). Then purges the hand-out records of\n"
    "campaigns whose last day is 12 months or more before DATE into monthly\n"
    "totals per campaign and distributor.\n"
    "With --json: campaigns [{campaign_id, count, amount_cents, amount,\n"
    "unused}], expired, amount_cents, amount, summaries_frozen, handouts_purged.\n"
    "\n"
    "examples:\n"
    "  passnum expire\n"
    "  passnum --json expire --as-of 2028-01-31\n";

static const char *
expire_passes(int64_t n)
{
	return n == 1 ? "pass" : "passes";
}

struct expire_report {
	struct cli *cli;
	json_t *campaigns;
	int64_t count, cents;
};

static int
expire_campaign(int64_t campaign_id, int64_t count, int64_t cents, bool refund, void *ctx)
{
	struct expire_report *r = ctx;
	char amount[MONEY_FORMAT_SIZE];

	money_format(cents, amount, sizeof(amount));
	r->count += count;
	r->cents += cents;
	if (r->cli->json)
		json_array_append_new(r->campaigns, json_pack("{s:I, s:I, s:I, s:s, s:s}",
		    "campaign_id", (json_int_t)campaign_id, "count", (json_int_t)count,
		    "amount_cents", (json_int_t)cents, "amount", amount, "unused",
		    refund ? "refund" : "credit"));
	else
		printf("campaign %lld: %lld %s expired, %s EUR %s\n", (long long)campaign_id,
		    (long long)count, expire_passes(count), amount,
		    refund ? "to a credit note" : "back to the balance");
	return 0;
}

static int
expire_option(int opt, const char *arg, void *ctx)
{
	(void)opt;
	*(const char **)ctx = arg;
	return 0;
}

/* Expires as of as_of (short transactions of its own), then purges the
 * hand-outs in the verb's write transaction, and prints the report (r's
 * campaigns stay the caller's). Returns the exit code. */
static int
expire_run(struct cli *cli, int32_t as_of, int64_t now, struct expire_report *r)
{
	char amount[MONEY_FORMAT_SIZE];
	int64_t purged = 0, frozen = 0;
	struct error e;
	int rc;

	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (issuance_expire(cli->home.db, as_of, now, expire_campaign, r, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	/* Campaigns over get their summary frozen before their hand-outs go. */
	rc = report_close_freeze(cli->home.db, cli->home.dir, as_of, now, &frozen, &e);
	if (rc == 0)
		rc = issuance_purge_handouts(cli->home.db, as_of, &purged, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	money_format(r->cents, amount, sizeof(amount));
	if (cli->json)
		return cli_print_json(json_pack("{s:O, s:I, s:I, s:s, s:I, s:I}", "campaigns",
		    r->campaigns, "expired", (json_int_t)r->count, "amount_cents",
		    (json_int_t)r->cents, "amount", amount, "summaries_frozen", (json_int_t)frozen,
		    "handouts_purged", (json_int_t)purged));
	if (frozen > 0)
		printf("%lld campaign close %s frozen\n", (long long)frozen,
		    frozen == 1 ? "summary" : "summaries");
	printf("%lld %s expired (%s EUR); %lld hand-out %s purged to totals\n",
	    (long long)r->count, expire_passes(r->count), amount, (long long)purged,
	    purged == 1 ? "record" : "records");
	return EXIT_OK;
}

int
cmd_expire(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as-of", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *as_of_text = NULL;
	struct expire_report r = { cli, NULL, 0, 0 };
	int64_t now = clock_now();
	int32_t as_of = clock_local_day(now, CLOCK_TZ_PARIS);
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "expire", cmd_expire_help, opts, expire_option,
	    &as_of_text);

	if (first == -1)
		return EXIT_OK;
	if (first < 0)
		return EXIT_USAGE;
	if (argc != first)
		return cli_usage_error("expire", "unexpected operand \"%s\"", argv[first]);
	if (as_of_text != NULL && date_parse(as_of_text, &as_of, &e) != 0)
		return cli_bad_value("expire", &e);
	r.campaigns = json_array();
	rc = expire_run(cli, as_of, now, &r);
	json_decref(r.campaigns);
	return rc;
}
