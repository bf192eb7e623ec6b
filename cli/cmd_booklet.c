/* passnum booklet deliver | handout | return | show */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "clock.h"
#include "issuance.h"

const char cmd_booklet_help[] =
    "usage: passnum booklet deliver FIRST[-LAST] --distributor ID\n"
    "       passnum booklet handout BOOKLET --distributor ID [--date YYYY-MM-DD]\n"
    "       passnum booklet return BOOKLET\n"
    "       passnum booklet show BOOKLET\n"
    "\n"
    "deliver  booklets FIRST to LAST (all of them: issued, in stock, every pass\n"
    "         still issued) go into the distributor's stock\n"
    "handout  a booklet of that distributor's stock is handed to a person on DATE\n"
    "         (default today, Europe/Paris; never in the future nor before its\n"
    "         delivery). Only booklet, distributor and day are kept, never who;\n"
    "         these records are purged to monthly totals 12 months after the\n"
    "         campaign's last day (by `passnum expire`)\n"
    "return   a delivered booklet comes back to the operator's stock (status\n"
    "         returned; it may be delivered again). A handed-out booklet cannot\n"
    "         come back: if it is lost or stolen, `passnum voucher revoke --booklet`\n"
    "show     a booklet's batch, campaign, status, distributor and hand-out day\n";

struct booklet_options {
	const char *distributor, *date;
};

static int
booklet_option(int opt, const char *arg, void *ctx)
{
	struct booklet_options *o = ctx;

	if (opt == 'd')
		o->distributor = arg;
	else
		o->date = arg;
	return 0;
}

static const struct option booklet_opts[] = {
	{ "distributor", required_argument, NULL, 'd' },
	{ "date", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* Parses "FIRST" or "FIRST-LAST". */
static int
booklet_range(const char *text, int64_t *first, int64_t *last)
{
	char buf[64];
	const char *dash = strchr(text, '-');

	if (dash == NULL) {
		if (cli_args_id(text, first) != 0)
			return -1;
		*last = *first;
		return 0;
	}
	if ((size_t)(dash - text) >= sizeof(buf))
		return -1;
	memcpy(buf, text, (size_t)(dash - text));
	buf[dash - text] = '\0';
	return cli_args_id(buf, first) != 0 || cli_args_id(dash + 1, last) != 0 ? -1 : 0;
}

/* Parses the operands shared by the sub-verbs: one booklet (or range) and,
 * when need_distributor, --distributor. Returns 0 or an exit code. */
static int
booklet_args(struct cli *cli, int argc, char **argv, const char *verb, int range,
    int need_distributor, struct booklet_options *o, int64_t *first, int64_t *last,
    int64_t *distributor)
{
	int at = cli_options(cli, argc, argv, verb, cmd_booklet_help, booklet_opts,
	    booklet_option, o);

	if (at < 0)
		return at == -1 ? -1 : EXIT_USAGE;
	if (argc - at != 1)
		return cli_usage_error(verb, "give exactly one booklet%s", range ? " or range" : "");
	if (range ? booklet_range(argv[at], first, last) != 0 : cli_args_id(argv[at], first) != 0)
		return cli_usage_error(verb, "\"%s\" is not a booklet number%s", argv[at],
		    range ? " or range FIRST-LAST" : "");
	if (need_distributor && (o->distributor == NULL ||
	    cli_args_id(o->distributor, distributor) != 0))
		return cli_usage_error(verb, "--distributor ID is required");
	if (!need_distributor && o->distributor != NULL)
		return cli_usage_error(verb, "--distributor is not taken here");
	if (o->date != NULL && strcmp(verb, "booklet handout") != 0)
		return cli_usage_error(verb, "--date is not taken here");
	return cli_open_home(cli) != 0 ? EXIT_REFUSED : 0;
}

#define BOOKLET_ARGS_OR_RETURN(rc) \
	do { if ((rc) != 0) return (rc) == -1 ? EXIT_OK : (rc); } while (0)

static int
booklet_done(struct cli *cli, int64_t first, int64_t last, const char *status)
{
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:I, s:s}", "id", (json_int_t)first,
		    "first", (json_int_t)first, "last", (json_int_t)last, "status", status));
	if (first == last)
		printf("booklet %06lld %s\n", (long long)first, status);
	else
		printf("booklets %06lld-%06lld %s\n", (long long)first, (long long)last, status);
	return EXIT_OK;
}

static int
booklet_deliver_run(struct cli *cli, int argc, char **argv)
{
	struct booklet_options o = { 0 };
	int64_t first = 0, last = 0, distributor = 0;
	struct error e;
	int rc = booklet_args(cli, argc, argv, "booklet deliver", 1, 1, &o, &first, &last,
	    &distributor);

	BOOKLET_ARGS_OR_RETURN(rc);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_booklet_deliver(cli->home.db, first, last, distributor, clock_now(), &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return booklet_done(cli, first, last, "delivered");
}

static int
booklet_handout_run(struct cli *cli, int argc, char **argv)
{
	struct booklet_options o = { 0 };
	int64_t first = 0, last = 0, distributor = 0, now = clock_now();
	int32_t day = clock_local_day(now, CLOCK_TZ_PARIS);
	struct error e;
	int rc = booklet_args(cli, argc, argv, "booklet handout", 0, 1, &o, &first, &last,
	    &distributor);

	BOOKLET_ARGS_OR_RETURN(rc);
	if (o.date != NULL && date_parse(o.date, &day, &e) != 0)
		return cli_fail(&e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_booklet_handout(cli->home.db, first, distributor, day, now, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return booklet_done(cli, first, first, "handed-out");
}

static int
booklet_return_run(struct cli *cli, int argc, char **argv)
{
	struct booklet_options o = { 0 };
	int64_t first = 0, last = 0;
	struct error e;
	int rc = booklet_args(cli, argc, argv, "booklet return", 0, 0, &o, &first, &last, NULL);

	BOOKLET_ARGS_OR_RETURN(rc);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_booklet_return(cli->home.db, first, clock_now(), &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return booklet_done(cli, first, first, "returned");
}

static int
booklet_show_run(struct cli *cli, int argc, char **argv)
{
	struct booklet_options o = { 0 };
	int64_t first = 0, last = 0;
	char day[DATE_FORMAT_SIZE] = "", delivered[CLOCK_INSTANT_SIZE] = "";
	struct booklet_info b;
	struct error e;
	int rc = booklet_args(cli, argc, argv, "booklet show", 0, 0, &o, &first, &last, NULL);

	BOOKLET_ARGS_OR_RETURN(rc);
	if (issuance_booklet_get(cli->home.db, first, &b, &e) != 0)
		return cli_fail(&e);
	if (b.handout_day >= 0)
		date_format(b.handout_day, day);
	if (b.delivered_at != 0)
		clock_instant_format(b.delivered_at, delivered);
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:I, s:i, s:s, s:o, s:o, s:o}",
		    "id", (json_int_t)b.id, "batch", (json_int_t)b.batch_id, "campaign",
		    (json_int_t)b.campaign_id, "size", b.size, "status", b.status,
		    "distributor", b.distributor_id ? json_integer(b.distributor_id) : json_null(),
		    "delivered_at", delivered[0] ? json_string(delivered) : json_null(),
		    "handout_day", day[0] ? json_string(day) : json_null()));
	printf("booklet      %06lld\nbatch        %lld\ncampaign     %lld\nsize         %d\n"
	    "status       %s\n", (long long)b.id, (long long)b.batch_id,
	    (long long)b.campaign_id, b.size, b.status);
	if (b.distributor_id != 0)
		printf("distributor  %lld\ndelivered_at %s\n", (long long)b.distributor_id,
		    delivered);
	if (day[0] != '\0')
		printf("handout_day  %s\n", day);
	return EXIT_OK;
}

static const struct cli_verb booklet_verbs[] = {
	{ "deliver", booklet_deliver_run, "put booklets into a distributor's stock",
	    cmd_booklet_help },
	{ "handout", booklet_handout_run, "record a booklet handed to a person", cmd_booklet_help },
	{ "return", booklet_return_run, "take a delivered booklet back", cmd_booklet_help },
	{ "show", booklet_show_run, "show a booklet", cmd_booklet_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_booklet(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, booklet_verbs, "booklet", cmd_booklet_help, argc, argv);
}
