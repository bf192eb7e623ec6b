/* passnum booklet deliver | handout | return | show */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cli_args.h"
#include "clock.h"
#include "cli_io.h"
#include "issuance.h"
#include "registry.h"

static const char booklet_deliver_help[] =
    "usage: passnum booklet deliver FIRST[-LAST] --distributor ID\n"
    "\n"
    "Booklets FIRST to LAST go into the distributor's stock: all of them must\n"
    "exist, be in the operator's stock (or returned) and hold only issued\n"
    "passes, else nothing is delivered. A reversed range (5-1) is a usage\n"
    "error (exit 2).\n"
    "\n"
    "example:\n"
    "  passnum booklet deliver 1-50 --distributor 2\n";

static const char booklet_handout_help[] =
    "usage: passnum booklet handout BOOKLET --distributor ID [--date YYYY-MM-DD]\n"
    "\n"
    "A booklet of that distributor's stock is handed to a person on DATE\n"
    "(default today, Europe/Paris; never after today nor before its delivery).\n"
    "Only booklet, distributor and day are kept, never who; these records are\n"
    "purged to monthly totals 12 months after the campaign's last day (by\n"
    "`passnum expire`).\n"
    "\n"
    "example:\n"
    "  passnum booklet handout 12 --distributor 2 --date 2027-03-12\n";

static const char booklet_return_help[] =
    "usage: passnum booklet return BOOKLET\n"
    "\n"
    "A delivered booklet comes back to the operator's stock (status returned;\n"
    "it may be delivered again). A handed-out booklet cannot come back: if it\n"
    "is lost or stolen, oppose its passes with\n"
    "`passnum voucher revoke --booklet BOOKLET`.\n"
    "\n"
    "example:\n"
    "  passnum booklet return 12\n";

static const char booklet_show_help[] =
    "usage: passnum booklet show BOOKLET\n"
    "\n"
    "A booklet's batch, campaign, size, status, distributor, delivery and\n"
    "hand-out day, and its passes counted by status. Its status is \"revoked\"\n"
    "when every pass of it was opposed (stock_status then says where it was).\n"
    "\n"
    "example:\n"
    "  passnum booklet show 12\n";

static const char booklet_list_help[] =
    "usage: passnum booklet list [--distributor ID] [--status STATUS]\n"
    "\n"
    "The booklets (of that distributor only, with --distributor), in number\n"
    "order, then each distributor's stock: booklets delivered and not handed\n"
    "out. STATUS is stock, delivered, handed-out, returned or revoked (every\n"
    "pass opposed). With --json an array of booklets (as `booklet show`).\n"
    "\n"
    "examples:\n"
    "  passnum booklet list --distributor 2 --status delivered\n"
    "  passnum --json booklet list --status revoked\n";

const char cmd_booklet_help[] =
    "usage: passnum booklet deliver FIRST[-LAST] --distributor ID\n"
    "       passnum booklet handout BOOKLET --distributor ID [--date YYYY-MM-DD]\n"
    "       passnum booklet return BOOKLET\n"
    "       passnum booklet show BOOKLET\n"
    "       passnum booklet list [--distributor ID] [--status STATUS]\n"
    "\n"
    "deliver  booklets go into a distributor's stock\n"
    "handout  a booklet of a distributor's stock is handed to a person\n"
    "return   a delivered booklet comes back to the operator's stock\n"
    "show     one booklet\n"
    "list     the booklets, and each distributor's stock\n"
    "\n"
    "`passnum booklet SUB --help` shows a sub-command's page.\n"
    "\n"
    "examples:\n"
    "  passnum booklet deliver 1-50 --distributor 2\n"
    "  passnum booklet list --distributor 2\n";

struct booklet_options {
	const char *distributor, *date, *status;
};

static int
booklet_option(int opt, const char *arg, void *ctx)
{
	struct booklet_options *o = ctx;

	if (opt == 'd')
		o->distributor = arg;
	else if (opt == 's')
		o->status = arg;
	else
		o->date = arg;
	return 0;
}

static const struct option booklet_opts[] = {
	{ "distributor", required_argument, NULL, 'd' },
	{ "date", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* Parses "FIRST" or "FIRST-LAST" (syntax only). */
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

/* What a sub-verb takes. */
struct booklet_verb {
	const char *name, *help;
	bool range, distributor, date;
};

/* Parses the operands shared by the sub-verbs: one booklet (or range when
 * v->range), --distributor when v->distributor, --date when v->date (into
 * *day), checks every value that needs no home (exit 2), then opens the
 * home. Returns 0, -1 for help shown, or an exit code. */
static int
booklet_args(struct cli *cli, int argc, char **argv, const struct booklet_verb *v,
    int64_t *first, int64_t *last, int64_t *distributor, int32_t *day)
{
	struct booklet_options o = { 0 };
	struct error e;
	int at = cli_options(cli, argc, argv, v->name, v->help, booklet_opts, booklet_option, &o);

	if (at < 0)
		return at == -1 ? -1 : EXIT_USAGE;
	if (argc - at != 1)
		return cli_usage_error(v->name, "give exactly one booklet%s", v->range ? " or range" : "");
	if (v->range ? booklet_range(argv[at], first, last) != 0 : cli_args_id(argv[at], first) != 0)
		return cli_usage_error(v->name, "\"%s\" is not a booklet number%s", argv[at],
		    v->range ? " or range FIRST-LAST" : "");
	if (v->range && *last < *first) {
		error_set(&e, 400, "BAD_RANGE", "%s is a reversed range: give FIRST-LAST with"
		    " FIRST <= LAST", argv[at]);
		return cli_bad_value(v->name, &e);
	}
	if (v->range && *last - *first >= 1000000) {
		error_set(&e, 400, "BAD_RANGE", "at most 1000000 booklets at once");
		return cli_bad_value(v->name, &e);
	}
	if (v->distributor && (o.distributor == NULL || cli_args_id(o.distributor, distributor) != 0))
		return cli_usage_error(v->name, "--distributor ID is required");
	if (!v->distributor && o.distributor != NULL)
		return cli_usage_error(v->name, "--distributor is not taken here");
	if (!v->date && o.date != NULL)
		return cli_usage_error(v->name, "--date is not taken here");
	if (o.date != NULL && date_parse(o.date, day, &e) != 0)
		return cli_bad_value(v->name, &e);
	return cli_open_home(cli) != 0 ? EXIT_REFUSED : 0;
}

#define BOOKLET_ARGS_OR_RETURN(rc) \
	do { if ((rc) != 0) return (rc) == -1 ? EXIT_OK : (rc); } while (0)

static int
booklet_done(struct cli *cli, int64_t first, int64_t last, int64_t distributor,
    const char *status)
{
	int64_t n = last - first + 1;

	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:I, s:I, s:o, s:s}", "id",
		    (json_int_t)first, "first", (json_int_t)first, "last", (json_int_t)last,
		    "count", (json_int_t)n, "distributor_id",
		    distributor ? json_integer(distributor) : json_null(), "status", status));
	if (first == last)
		printf("booklet %06lld %s", (long long)first, status);
	else
		printf("%lld booklets %06lld-%06lld %s", (long long)n, (long long)first,
		    (long long)last, status);
	if (distributor != 0)
		printf(strcmp(status, "delivered") == 0 ? " to distributor %lld" : " by distributor %lld",
		    (long long)distributor);
	putchar('\n');
	return EXIT_OK;
}

static int
booklet_deliver_run(struct cli *cli, int argc, char **argv)
{
	static const struct booklet_verb v = { "booklet deliver", booklet_deliver_help,
	    true, true, false };
	int64_t first = 0, last = 0, distributor = 0;
	int32_t day = 0;
	struct error e;
	int rc = booklet_args(cli, argc, argv, &v, &first, &last, &distributor, &day);

	BOOKLET_ARGS_OR_RETURN(rc);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_booklet_deliver(cli->home.db, first, last, distributor, clock_now(), &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return booklet_done(cli, first, last, distributor, "delivered");
}

static int
booklet_handout_run(struct cli *cli, int argc, char **argv)
{
	static const struct booklet_verb v = { "booklet handout", booklet_handout_help,
	    false, true, true };
	int64_t first = 0, last = 0, distributor = 0, now = clock_now();
	int32_t day = clock_local_day(now, CLOCK_TZ_PARIS);
	struct error e;
	int rc = booklet_args(cli, argc, argv, &v, &first, &last, &distributor, &day);

	BOOKLET_ARGS_OR_RETURN(rc);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_booklet_handout(cli->home.db, first, distributor, day, now, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return booklet_done(cli, first, first, distributor, "handed-out");
}

static int
booklet_return_run(struct cli *cli, int argc, char **argv)
{
	static const struct booklet_verb v = { "booklet return", booklet_return_help,
	    false, false, false };
	int64_t first = 0, last = 0;
	int32_t day = 0;
	struct error e;
	int rc = booklet_args(cli, argc, argv, &v, &first, &last, NULL, &day);

	BOOKLET_ARGS_OR_RETURN(rc);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_booklet_return(cli->home.db, first, clock_now(), &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	return booklet_done(cli, first, first, 0, "returned");
}

/* A booklet as JSON (booklet show, booklet list). */
static json_t *
booklet_json(const struct booklet_info *b)
{
	char day[DATE_FORMAT_SIZE] = "", delivered[CLOCK_INSTANT_SIZE] = "";

	if (b->handout_day >= 0)
		date_format(b->handout_day, day);
	if (b->delivered_at != 0)
		clock_instant_format(b->delivered_at, delivered);
	return json_pack("{s:I, s:I, s:I, s:i, s:s, s:s, s:o, s:o, s:o,"
	    " s:{s:I, s:I, s:I, s:I}}", "id", (json_int_t)b->id, "batch_id", (json_int_t)b->batch_id,
	    "campaign_id", (json_int_t)b->campaign_id, "size", b->size, "status",
	    issuance_booklet_state(b), "stock_status", b->status, "distributor_id",
	    b->distributor_id ? json_integer(b->distributor_id) : json_null(), "delivered_at",
	    delivered[0] ? json_string(delivered) : json_null(), "handout_day",
	    day[0] ? json_string(day) : json_null(), "passes", "issued", (json_int_t)b->issued,
	    "redeemed", (json_int_t)b->redeemed, "revoked", (json_int_t)b->revoked, "expired",
	    (json_int_t)b->expired);
}

static int
booklet_show_run(struct cli *cli, int argc, char **argv)
{
	static const struct booklet_verb v = { "booklet show", booklet_show_help,
	    false, false, false };
	int64_t first = 0, last = 0;
	int32_t day = 0;
	struct booklet_info b;
	struct error e;
	json_t *j;
	int rc = booklet_args(cli, argc, argv, &v, &first, &last, NULL, &day);

	BOOKLET_ARGS_OR_RETURN(rc);
	if (issuance_booklet_get(cli->home.db, first, &b, &e) != 0)
		return cli_fail(&e);
	j = booklet_json(&b);
	if (cli->json)
		return cli_print_json(j);
	printf("booklet       %06lld\nbatch_id      %lld\ncampaign_id   %lld\nsize          %d\n",
	    (long long)b.id, (long long)b.batch_id, (long long)b.campaign_id, b.size);
	if (strcmp(issuance_booklet_state(&b), "revoked") == 0)
		printf("status        revoked: every pass opposed (it was %s)\n", b.status);
	else
		printf("status        %s\n", b.status);
	if (b.distributor_id != 0)
		printf("distributor   %lld\ndelivered_at  %s\n", (long long)b.distributor_id,
		    json_string_value(json_object_get(j, "delivered_at")));
	if (b.handout_day >= 0)
		printf("handout_day   %s\n", json_string_value(json_object_get(j, "handout_day")));
	printf("passes        %lld issued, %lld redeemed, %lld revoked, %lld expired\n",
	    (long long)b.issued, (long long)b.redeemed, (long long)b.revoked, (long long)b.expired);
	json_decref(j);
	return EXIT_OK;
}

static int
booklet_list_row(const struct booklet_info *b, void *ctx)
{
	json_array_append_new(ctx, booklet_json(b));
	return 0;
}

/* Prints the booklets of all (a JSON array) as a table, then the stock of
 * each distributor (delivered, not handed out). */
static void
booklet_list_print(json_t *all)
{
	static const size_t width[] = { 7, 6, 8, 4, 10, 11 };
	static const char *const head[] = { "BOOKLET", "BATCH", "CAMPAIGN", "SIZE", "STATUS",
	    "DISTRIBUTOR", "HANDED OUT" };
	char cells[7][32];
	json_t *v, *stock = json_object();
	const char *key;
	size_t i;

	for (int c = 0; c < 7; c++)
		cli_cell(stdout, head[c], c < 6 ? width[c] : 0, c == 6);
	putchar('\n');
	json_array_foreach(all, i, v) {
		json_t *d = json_object_get(v, "distributor_id"), *h = json_object_get(v, "handout_day");
		const char *status = json_string_value(json_object_get(v, "status"));
		snprintf(cells[0], 32, "%06lld", (long long)json_integer_value(json_object_get(v, "id")));
		snprintf(cells[1], 32, "%lld", (long long)json_integer_value(json_object_get(v, "batch_id")));
		snprintf(cells[2], 32, "%lld",
		    (long long)json_integer_value(json_object_get(v, "campaign_id")));
		snprintf(cells[3], 32, "%lld", (long long)json_integer_value(json_object_get(v, "size")));
		snprintf(cells[4], 32, "%s", status);
		snprintf(cells[5], 32, json_is_integer(d) ? "%lld" : "-",
		    (long long)json_integer_value(d));
		snprintf(cells[6], 32, "%s", json_is_string(h) ? json_string_value(h) : "-");
		for (int c = 0; c < 7; c++)
			cli_cell(stdout, cells[c], c < 6 ? width[c] : 0, c == 6);
		putchar('\n');
		if (json_is_integer(d) && strcmp(status, "delivered") == 0) {
			json_t *n = json_object_get(stock, cells[5]);
			json_object_set_new(stock, cells[5], json_integer(json_integer_value(n) + 1));
		}
	}
	printf("%zu %s\n", json_array_size(all), json_array_size(all) == 1 ? "booklet" : "booklets");
	json_object_foreach(stock, key, v)
		printf("distributor %s: %lld %s in stock\n", key, (long long)json_integer_value(v),
		    json_integer_value(v) == 1 ? "booklet" : "booklets");
	json_decref(stock);
}

static int
booklet_list_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "distributor", required_argument, NULL, 'd' },
		{ "status", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct booklet_options o = { 0 };
	struct distributor d;
	int64_t distributor = 0;
	struct error e;
	json_t *all;
	int at = cli_options(cli, argc, argv, "booklet list", booklet_list_help, opts,
	    booklet_option, &o);

	if (at < 0)
		return at == -1 ? EXIT_OK : EXIT_USAGE;
	if (at != argc)
		return cli_usage_error("booklet list", "unexpected operand \"%s\"", argv[at]);
	if (o.distributor != NULL && cli_args_id(o.distributor, &distributor) != 0)
		return cli_usage_error("booklet list", "--distributor takes a distributor id");
	if (o.status != NULL && !issuance_booklet_state_valid(o.status))
		return cli_usage_error("booklet list", "--status takes stock, delivered, handed-out,"
		    " returned or revoked");
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (distributor != 0 && registry_distributor_get(cli->home.db, distributor, &d, &e) != 0)
		return cli_fail(&e);
	all = json_array();
	if (issuance_booklet_list(cli->home.db, distributor, o.status, booklet_list_row, all,
	    &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	booklet_list_print(all);
	json_decref(all);
	return EXIT_OK;
}

static const struct cli_verb booklet_verbs[] = {
	{ "deliver", booklet_deliver_run, "put booklets into a distributor's stock",
	    booklet_deliver_help },
	{ "handout", booklet_handout_run, "record a booklet handed to a person",
	    booklet_handout_help },
	{ "return", booklet_return_run, "take a delivered booklet back", booklet_return_help },
	{ "show", booklet_show_run, "show a booklet", booklet_show_help },
	{ "list", booklet_list_run, "list booklets and stock", booklet_list_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_booklet(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, booklet_verbs, "booklet", cmd_booklet_help, argc, argv);
}
