/* passnum expire [--as-of DATE] */
#include <stdio.h>
#include "cli.h"
#include "clock.h"
#include "issuance.h"
#include "money.h"

const char cmd_expire_help[] =
    "usage: passnum expire [--as-of YYYY-MM-DD]\n"
    "\n"
    "Expires the issued passes no longer usable on DATE (default today,\n"
    "Europe/Paris; a date after today is refused): those whose last day plus the\n"
    "campaign's tolerance days is before DATE, and, for campaigns counting\n"
    "validity from hand-out, those whose booklet was handed out more than that\n"
    "many days (plus tolerance) before DATE. Their value goes back to the funder\n"
    "per the campaign's rule: credit (its spendable balance) or refund (a credit\n"
    "note owed back), one ledger entry \"expire\" per campaign. Idempotent.\n"
    "Then purges the hand-out records of campaigns whose last day is 12 months\n"
    "or more before DATE into monthly totals per campaign and distributor.\n";

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
		json_array_append_new(r->campaigns, json_pack("{s:I, s:I, s:s, s:s}", "campaign",
		    (json_int_t)campaign_id, "count", (json_int_t)count, "amount", amount, "unused",
		    refund ? "refund" : "credit"));
	else
		printf("campaign %lld: %lld passes expired, %s %s\n", (long long)campaign_id,
		    (long long)count, amount, refund ? "to a credit note" : "back to the balance");
	return 0;
}

static int
expire_option(int opt, const char *arg, void *ctx)
{
	(void)opt;
	*(const char **)ctx = arg;
	return 0;
}

int
cmd_expire(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as-of", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *as_of_text = NULL;
	struct expire_report r = { cli, json_array(), 0, 0 };
	int64_t now = clock_now(), purged = 0;
	int32_t as_of = clock_local_day(now, CLOCK_TZ_PARIS);
	char amount[MONEY_FORMAT_SIZE];
	struct error e;
	int first = cli_options(cli, argc, argv, "expire", cmd_expire_help, opts, expire_option,
	    &as_of_text);

	if (first < 0 || argc != first) {
		json_decref(r.campaigns);
		if (first == -1)
			return EXIT_OK;
		return first < 0 ? EXIT_USAGE
		    : cli_usage_error("expire", "unexpected operand \"%s\"", argv[first]);
	}
	if (as_of_text != NULL && date_parse(as_of_text, &as_of, &e) != 0)
		goto fail;
	if (cli_open_home(cli) != 0) {
		json_decref(r.campaigns);
		return EXIT_REFUSED;
	}
	if (issuance_expire(cli->home.db, as_of, now, expire_campaign, &r, &e) != 0 ||
	    issuance_purge_handouts(cli->home.db, as_of, &purged, &e) != 0)
		goto fail;
	money_format(r.cents, amount, sizeof(amount));
	if (cli->json)
		return cli_print_json(json_pack("{s:o, s:I, s:s, s:I}", "campaigns", r.campaigns,
		    "expired", (json_int_t)r.count, "amount", amount, "handouts_purged",
		    (json_int_t)purged));
	json_decref(r.campaigns);
	printf("%lld passes expired (%s); %lld hand-out records purged to totals\n",
	    (long long)r.count, amount, (long long)purged);
	return EXIT_OK;
fail:
	json_decref(r.campaigns);
	return cli_fail(&e);
}
