/* passnum batch issue | list | show */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "issuance.h"
#include "money.h"

static const char batch_issue_help[] =
    "usage: passnum batch issue --campaign ID --count N [--booklet SIZE] --out DIR\n"
    "                           [--format csv,pdf,png,svg]\n"
    "\n"
    "Signs N passes (1 to 10000000) of campaign ID with the active issuer key, in\n"
    "booklets of SIZE passes (1 to 100, default 10; the last one may be shorter),\n"
    "charges the funder's balance N times the face value, and writes into DIR\n"
    "(made with its parents when missing; default formats csv,pdf):\n"
    "  batch-NNNNNN.csv   serial,code,token,campaign,value_cents,last_day,booklet\n"
    "  batch-NNNNNN.pdf   print-ready A4 booklets (covers, passes, cut marks)\n"
    "  SERIAL.png, .svg   one QR code per pass\n"
    "\n"
    "Refused, with nothing written, when the campaign is unknown or has ended,\n"
    "the funder's balance is short, there is no active issuer key, or DIR cannot\n"
    "be written or already holds a file of that name. N, SIZE and the formats\n"
    "are checked first (exit 2).\n"
    "\n"
    "The files are written into a temporary folder beside DIR\n"
    "(.passnum-issue-XXXXXX) and moved into DIR once the batch is charged. One\n"
    "batch at a time per home (HOME/issue.lock). A batch interrupted before it\n"
    "was charged never has redeemable passes: the next `batch issue` removes\n"
    "them (the batch becomes abandoned) and its temporary folder. One\n"
    "interrupted after it was charged is finished by the next `batch issue`,\n"
    "which names the temporary folder holding its files. Both are reported.\n"
    "\n"
    "Prints the batch id, its passes, booklets and amount, and the files\n"
    "written; with --json an object: id, campaign_id, count, booklet_size,\n"
    "booklets, first_booklet, last_booklet, value_cents, value, amount_cents,\n"
    "amount, entry_seq, out, files, png_files, svg_files, swept, sweep.\n"
    "\n"
    "example:\n"
    "  passnum batch issue --campaign 1 --count 500 --booklet 10 --out print/2027-03\n";

static const char batch_list_help[] =
    "usage: passnum batch list\n"
    "\n"
    "Every batch: id, campaign, status (pending while being issued, active,\n"
    "abandoned), passes, booklets, amount charged and when it was made. With\n"
    "--json an array of objects (as `batch show`, without the pass counts).\n"
    "\n"
    "example:\n"
    "  passnum batch list\n";

static const char batch_show_help[] =
    "usage: passnum batch show ID\n"
    "\n"
    "One batch: its campaign, status, passes and booklet size, booklets, face\n"
    "value and amount charged, ledger entry, dates, and its passes counted by\n"
    "status (issued, redeemed, revoked, expired). Exit 1 for an unknown batch.\n"
    "\n"
    "example:\n"
    "  passnum --json batch show 2\n";

const char cmd_batch_help[] =
    "usage: passnum batch issue --campaign ID --count N [--booklet SIZE] --out DIR\n"
    "                           [--format csv,pdf,png,svg]\n"
    "       passnum batch list\n"
    "       passnum batch show ID\n"
    "\n"
    "issue  signs a batch of passes, charges the funder, writes the print files\n"
    "list   every batch, with its status and amount\n"
    "show   one batch, with its passes counted by status\n"
    "\n"
    "`passnum batch SUB --help` shows a sub-command's page.\n"
    "\n"
    "examples:\n"
    "  passnum batch issue --campaign 1 --count 500 --out print/2027-03\n"
    "  passnum batch show 1\n";

static const char *
batch_plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

struct batch_options {
	const char *campaign, *count, *booklet, *out, *format;
};

static int
batch_option(int opt, const char *arg, void *ctx)
{
	struct batch_options *o = ctx;

	switch (opt) {
	case 'c': o->campaign = arg; break;
	case 'n': o->count = arg; break;
	case 'b': o->booklet = arg; break;
	case 'o': o->out = arg; break;
	default: o->format = arg; break;
	}
	return 0;
}

/* Draws "[#####     ]  42%" on stderr (a terminal). */
static void
batch_progress(int64_t done, int64_t total, void *ctx)
{
	int width = 40, filled = (int)(done * width / total);

	(void)ctx;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %lld/%lld", filled,
	    "########################################", width - filled, "",
	    (int)(done * 100 / total), (long long)done, (long long)total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* --out DIR: made with its parents when missing (called by issuance once
 * every other check has passed). */
static int
batch_out_prepare(const char *dir, struct error *e)
{
	return cli_out_dir(dir, e);
}

/* Reads the options into req, checking every value that can be checked
 * without the home. Returns 0 or EXIT_USAGE (printed). */
static int
batch_request(const struct batch_options *o, struct issuance_request *req)
{
	long count, booklet = 10;
	struct error e;

	if (o->campaign == NULL || o->count == NULL || o->out == NULL)
		return cli_usage_error("batch issue", "--campaign, --count and --out are required");
	if (cli_args_id(o->campaign, &req->campaign_id) != 0)
		return cli_usage_error("batch issue", "--campaign takes a campaign id");
	if (cli_args_int(o->count, 0, LONG_MAX, &count) != 0)
		return cli_usage_error("batch issue", "--count takes a number");
	if (count < 1 || count > ISSUANCE_MAX_COUNT) {
		error_set(&e, 400, "BAD_COUNT", "--count must be 1 to %d", ISSUANCE_MAX_COUNT);
		return cli_bad_value("batch issue", &e);
	}
	if (o->booklet != NULL && cli_args_int(o->booklet, 0, LONG_MAX, &booklet) != 0)
		return cli_usage_error("batch issue", "--booklet takes a number");
	if (booklet < 1 || booklet > ISSUANCE_MAX_BOOKLET) {
		error_set(&e, 400, "BAD_BOOKLET", "--booklet must be 1 to %d", ISSUANCE_MAX_BOOKLET);
		return cli_bad_value("batch issue", &e);
	}
	if (o->out[0] == '\0')
		return cli_usage_error("batch issue", "--out takes a folder");
	req->formats = ISSUANCE_FORMAT_DEFAULT;
	if (o->format != NULL && issuance_formats_parse(o->format, &req->formats, &e) != 0)
		return cli_bad_value("batch issue", &e);
	req->count = count;
	req->booklet_size = (int)booklet;
	req->out_dir = o->out;
	req->out_prepare = batch_out_prepare;
	return 0;
}

/* The sweep of an interrupted batch, as JSON (null when there was none). */
static json_t *
batch_sweep_json(const struct issuance_result *res)
{
	const struct issuance_sweep_report *s = &res->sweep;

	if (s->batch_id == 0 && s->dir[0] == '\0')
		return json_null();
	return json_pack("{s:o, s:s, s:I, s:o, s:b}", "batch_id",
	    s->batch_id ? json_integer(s->batch_id) : json_null(), "status",
	    s->finished ? "finished" : "abandoned", "removed_passes", (json_int_t)res->swept,
	    "temporary_dir", s->dir[0] ? json_string(s->dir) : json_null(), "temporary_dir_removed",
	    s->dir_removed);
}

/* Prints the sweep of an interrupted batch (text), if any. */
static void
batch_sweep_print(const struct issuance_result *res)
{
	const struct issuance_sweep_report *s = &res->sweep;

	if (s->batch_id == 0 && s->dir[0] == '\0')
		return;
	if (s->finished)
		printf("finished batch %lld, interrupted after it was charged: its passes are"
		    " issued now\n", (long long)s->batch_id);
	else if (s->batch_id != 0)
		printf("swept batch %lld, interrupted before it was charged: %lld pending %s"
		    " removed, batch abandoned\n", (long long)s->batch_id, (long long)res->swept,
		    batch_plural(res->swept, "pass", "passes"));
	if (s->dir[0] != '\0' && s->finished)
		printf("  its files are in %s (move them where they belong)\n", s->dir);
	else if (s->dir[0] != '\0')
		printf("  its temporary folder %s %s\n", s->dir, s->dir_removed ? "was removed"
		    : "could not be removed: delete it");
}

/* Prints what batch issue made (text or JSON). */
static int
batch_issue_print(struct cli *cli, const struct issuance_request *req,
    const struct issuance_result *res)
{
	char amount[MONEY_FORMAT_SIZE], value[MONEY_FORMAT_SIZE];
	int64_t booklets = res->last_booklet - res->first_booklet + 1;
	int64_t png = req->formats & ISSUANCE_FORMAT_PNG ? req->count : 0;
	int64_t svg = req->formats & ISSUANCE_FORMAT_SVG ? req->count : 0;
	json_t *files = json_array();

	money_format(res->total_cents, amount, sizeof(amount));
	money_format(res->total_cents / req->count, value, sizeof(value));
	if (res->csv_path[0] != '\0')
		json_array_append_new(files, json_string(res->csv_path));
	if (res->pdf_path[0] != '\0')
		json_array_append_new(files, json_string(res->pdf_path));
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:I, s:i, s:I, s:I, s:I, s:I, s:s, s:I,"
		    " s:s, s:I, s:s, s:o, s:I, s:I, s:I, s:o}", "id", (json_int_t)res->batch_id,
		    "campaign_id", (json_int_t)req->campaign_id, "count", (json_int_t)req->count,
		    "booklet_size", req->booklet_size, "booklets", (json_int_t)booklets,
		    "first_booklet", (json_int_t)res->first_booklet, "last_booklet",
		    (json_int_t)res->last_booklet, "value_cents", (json_int_t)(res->total_cents /
		    req->count), "value", value, "amount_cents", (json_int_t)res->total_cents,
		    "amount", amount, "entry_seq", (json_int_t)res->entry_seq, "out", res->out_dir,
		    "files", files, "png_files", (json_int_t)png, "svg_files", (json_int_t)svg,
		    "swept", (json_int_t)res->swept, "sweep", batch_sweep_json(res)));
	batch_sweep_print(res);
	printf("batch %lld: %lld %s of campaign %lld in %lld %s (%06lld-%06lld), %s EUR"
	    " charged (%s each)\n", (long long)res->batch_id, (long long)req->count,
	    batch_plural(req->count, "pass", "passes"), (long long)req->campaign_id,
	    (long long)booklets, batch_plural(booklets, "booklet", "booklets"),
	    (long long)res->first_booklet, (long long)res->last_booklet, amount, value);
	for (size_t i = 0; i < json_array_size(files); i++)
		printf("wrote %s\n", json_string_value(json_array_get(files, i)));
	if (png > 0)
		printf("wrote %lld PNG %s (SERIAL.png) into %s\n", (long long)png,
		    batch_plural(png, "file", "files"), res->out_dir);
	if (svg > 0)
		printf("wrote %lld SVG %s (SERIAL.svg) into %s\n", (long long)svg,
		    batch_plural(svg, "file", "files"), res->out_dir);
	json_decref(files);
	return EXIT_OK;
}

static int
batch_issue_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "campaign", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "booklet", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch_options o = { 0 };
	struct issuance_request req = { 0 };
	static struct issuance_result res; /* large (paths) */
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "batch issue", batch_issue_help, opts,
	    batch_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc != first)
		return cli_usage_error("batch issue", "unexpected operand \"%s\"", argv[first]);
	if ((rc = batch_request(&o, &req)) != 0)
		return rc;
	if (isatty(STDERR_FILENO))
		req.progress = batch_progress;
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	rc = issuance_batch_issue(cli->home.db, cli->home.dir, &req, clock_now(), &res, &e);
	if (rc != 0 && res.batch_id == 0)
		return cli_fail(&e);
	batch_issue_print(cli, &req, &res);
	return rc != 0 ? cli_fail(&e) : EXIT_OK;
}

/* A batch as JSON; with_passes adds its passes counted by status. */
static json_t *
batch_json(const struct batch_info *b, bool with_passes)
{
	char value[MONEY_FORMAT_SIZE], amount[MONEY_FORMAT_SIZE];
	char created[CLOCK_INSTANT_SIZE], activated[CLOCK_INSTANT_SIZE] = "";
	json_t *out;

	money_format(b->value_cents, value, sizeof(value));
	money_format(b->total_cents, amount, sizeof(amount));
	clock_instant_format(b->created_at, created);
	if (b->activated_at != 0)
		clock_instant_format(b->activated_at, activated);
	out = json_pack("{s:I, s:I, s:s, s:I, s:i, s:o, s:o, s:I, s:s, s:I, s:s, s:o, s:s, s:o}",
	    "id", (json_int_t)b->id, "campaign_id", (json_int_t)b->campaign_id, "status",
	    b->status, "count", (json_int_t)b->count, "booklet_size", b->booklet_size,
	    "first_booklet", b->first_booklet ? json_integer(b->first_booklet) : json_null(),
	    "last_booklet", b->last_booklet ? json_integer(b->last_booklet) : json_null(),
	    "value_cents", (json_int_t)b->value_cents, "value", value, "amount_cents",
	    (json_int_t)b->total_cents, "amount", amount, "entry_seq",
	    b->entry_seq ? json_integer(b->entry_seq) : json_null(), "created_at", created,
	    "activated_at", activated[0] ? json_string(activated) : json_null());
	if (with_passes)
		json_object_set_new(out, "passes", json_pack("{s:I, s:I, s:I, s:I, s:I}", "pending",
		    (json_int_t)b->pending, "issued", (json_int_t)b->issued, "redeemed",
		    (json_int_t)b->redeemed, "revoked", (json_int_t)b->revoked, "expired",
		    (json_int_t)b->expired));
	return out;
}

/* "000001-000050", or "-" when the batch has no booklet (abandoned). */
static void
batch_booklets_text(const struct batch_info *b, char *buf, size_t size)
{
	if (b->first_booklet == 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%06lld-%06lld", (long long)b->first_booklet,
		    (long long)b->last_booklet);
}

static int
batch_list_row(const struct batch_info *b, void *ctx)
{
	json_array_append_new(ctx, batch_json(b, false));
	return 0;
}

/* Prints the batches of all (a JSON array) as a table. */
static void
batch_list_print(json_t *all)
{
	static const size_t width[] = { 6, 8, 9, 8, 13, 12 };
	static const char *const head[] = { "ID", "CAMPAIGN", "STATUS", "PASSES", "BOOKLETS",
	    "AMOUNT", "CREATED" };
	char cells[6][48];
	struct batch_info b;
	json_t *v;
	size_t i;

	for (int c = 0; c < 7; c++)
		cli_cell(stdout, head[c], c < 6 ? width[c] : 0, c == 6);
	putchar('\n');
	json_array_foreach(all, i, v) {
		memset(&b, 0, sizeof(b));
		b.first_booklet = json_integer_value(json_object_get(v, "first_booklet"));
		b.last_booklet = json_integer_value(json_object_get(v, "last_booklet"));
		snprintf(cells[0], 48, "%lld", (long long)json_integer_value(json_object_get(v, "id")));
		snprintf(cells[1], 48, "%lld",
		    (long long)json_integer_value(json_object_get(v, "campaign_id")));
		snprintf(cells[2], 48, "%s", json_string_value(json_object_get(v, "status")));
		snprintf(cells[3], 48, "%lld", (long long)json_integer_value(json_object_get(v, "count")));
		batch_booklets_text(&b, cells[4], 48);
		snprintf(cells[5], 48, "%s", json_string_value(json_object_get(v, "amount")));
		for (int c = 0; c < 6; c++)
			cli_cell(stdout, cells[c], width[c], false);
		cli_cell(stdout, json_string_value(json_object_get(v, "created_at")), 0, true);
		putchar('\n');
	}
	printf("%zu %s\n", json_array_size(all), json_array_size(all) == 1 ? "batch" : "batches");
}

static int
batch_list_run(struct cli *cli, int argc, char **argv)
{
	struct error e;
	json_t *all;
	int first = cli_options(cli, argc, argv, "batch list", batch_list_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (first != argc)
		return cli_usage_error("batch list", "unexpected operand \"%s\"", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	all = json_array();
	if (issuance_batch_list(cli->home.db, batch_list_row, all, &e) != 0) {
		json_decref(all);
		return cli_fail(&e);
	}
	if (cli->json)
		return cli_print_json(all);
	batch_list_print(all);
	json_decref(all);
	return EXIT_OK;
}

static int
batch_show_run(struct cli *cli, int argc, char **argv)
{
	char booklets[48], created[CLOCK_INSTANT_SIZE], activated[CLOCK_INSTANT_SIZE] = "-";
	char value[MONEY_FORMAT_SIZE], amount[MONEY_FORMAT_SIZE];
	struct batch_info b;
	struct error e;
	int64_t id;
	int first = cli_options(cli, argc, argv, "batch show", batch_show_help, NULL, NULL, NULL);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("batch show", "give exactly one batch id");
	if (cli_args_id(argv[first], &id) != 0)
		return cli_usage_error("batch show", "\"%s\" is not a batch id", argv[first]);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (issuance_batch_get(cli->home.db, id, &b, &e) != 0)
		return cli_fail(&e);
	if (cli->json)
		return cli_print_json(batch_json(&b, true));
	batch_booklets_text(&b, booklets, sizeof(booklets));
	money_format(b.value_cents, value, sizeof(value));
	money_format(b.total_cents, amount, sizeof(amount));
	clock_instant_format(b.created_at, created);
	if (b.activated_at != 0)
		clock_instant_format(b.activated_at, activated);
	printf("batch         %lld\ncampaign_id   %lld\nstatus        %s\npasses        %lld"
	    " (booklets of %d)\nbooklets      %s\nvalue         %s EUR each, %s EUR in all\n",
	    (long long)b.id, (long long)b.campaign_id, b.status, (long long)b.count,
	    b.booklet_size, booklets, value, amount);
	if (b.entry_seq != 0)
		printf("entry_seq     %lld\n", (long long)b.entry_seq);
	printf("created_at    %s\nactivated_at  %s\n", created, activated);
	printf("issued        %lld\nredeemed      %lld\nrevoked       %lld\nexpired       %lld\n",
	    (long long)b.issued, (long long)b.redeemed, (long long)b.revoked, (long long)b.expired);
	if (b.pending != 0)
		printf("pending       %lld\n", (long long)b.pending);
	return EXIT_OK;
}

static const struct cli_verb batch_verbs[] = {
	{ "issue", batch_issue_run, "issue a batch of passes", batch_issue_help },
	{ "list", batch_list_run, "list the batches", batch_list_help },
	{ "show", batch_show_run, "show a batch", batch_show_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_batch(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, batch_verbs, "batch", cmd_batch_help, argc, argv);
}
