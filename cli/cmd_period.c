/* passnum period show YYYY-MM | close YYYY */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "date.h"
#include "period.h"
#include "registry.h"

static const char period_show_help[] =
    "usage: passnum period show YYYY-MM\n"
    "\n"
    "Whether a period (a calendar month, Europe/Paris) is closed: its last day\n"
    "has ended and every redemption in it is past its cancellation window;\n"
    "and whether its fiscal year is locked. A period must be closed before it\n"
    "is invoiced or settled.\n"
    "\n"
    "example:\n"
    "  passnum period show 2027-04\n";

static const char period_close_help[] =
    "usage: passnum period close YYYY [--token-file F]\n"
    "\n"
    "Locks the fiscal year YYYY once its December is closed: nothing is posted\n"
    "into it any more (no invoice, credit note, payment or refund dated in it).\n"
    "Cannot be undone: confirmed (--yes in scripts).\n"
    "\n"
    "example:\n"
    "  passnum --yes period close 2027\n";

const char cmd_period_help[] =
    "usage: passnum period show YYYY-MM\n"
    "       passnum period close YYYY\n"
    "\n"
    "show   whether a month is closed, and its year locked\n"
    "close  locks a fiscal year: nothing is posted into it any more\n"
    "\n"
    "examples:\n"
    "  passnum period show 2027-04\n"
    "  passnum --yes period close 2027\n";

static int
period_show_run(struct cli *cli, int argc, char **argv)
{
	int32_t first_day, last_day;
	bool locked = false;
	struct error e;
	int year, month, mday, closed, first = cli_options(cli, argc, argv, "period show",
	    period_show_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("period show", "give one period YYYY-MM");
	if (date_period_parse(argv[first], &first_day, &last_day, &e) != 0)
		return cli_bad_value("period show", &e);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	date_to_ymd(first_day, &year, &month, &mday);
	closed = period_check_closed(cli->home.db, argv[first], clock_now(), &e) == 0;
	if (!closed && e.status != 409)
		return cli_fail(&e);
	if (period_year_closed(cli->home.db, year, &locked, &e) != 0)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:b, s:s?, s:i, s:b}", "period", argv[first],
		    "closed", closed, "why_open", closed ? NULL : e.message, "year", year,
		    "year_locked", locked));
	printf("period %s: %s\n", argv[first], closed ? "closed" : e.message);
	printf("fiscal year %d: %s\n", year, locked ? "locked" : "open");
	return EXIT_OK;
}

static int
period_option(int opt, const char *arg, void *ctx)
{
	(void)opt;
	*(const char **)ctx = arg;
	return 0;
}

static int
period_close_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *token_file = NULL;
	char who[REGISTRY_ACTOR_SIZE], what[80];
	struct error e;
	long year;
	int rc, first = cli_options(cli, argc, argv, "period close", period_close_help, opts,
	    period_option, &token_file);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1 || strlen(argv[first]) != 4 ||
	    cli_args_int(argv[first], 2000, 9998, &year) != 0)
		return cli_usage_error("period close", "give one fiscal year YYYY (2000 to 9998)");
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = registry_actor_find(cli->home.db, token_file, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = period_close_year(cli->home.db, (int)year, clock_now(), who, &e);
	snprintf(what, sizeof(what), "lock the fiscal year %ld (cannot be undone)", year);
	if (rc == 0)
		rc = cli_confirm(cli, what, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:i, s:b}", "year", (int)year, "locked", 1));
	printf("fiscal year %ld locked\n", year);
	return EXIT_OK;
}

int
cmd_period(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb subs[] = {
		{ "show", period_show_run, "whether a month is closed", period_show_help },
		{ "close", period_close_run, "lock a fiscal year", period_close_help },
		{ NULL, NULL, NULL, NULL },
	};

	return cli_dispatch(cli, subs, "period", cmd_period_help, argc, argv);
}
