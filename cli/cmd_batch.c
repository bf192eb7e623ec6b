/* passnum batch issue --campaign ID --count N [--booklet 10] --out DIR [--format ...] */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "cli_args.h"
#include "clock.h"
#include "issuance.h"
#include "money.h"

const char cmd_batch_help[] =
    "usage: passnum batch issue --campaign ID --count N [--booklet 10] --out DIR\n"
    "                           [--format csv,pdf,png,svg]\n"
    "\n"
    "issue  signs N passes (1 to 10000000) of the campaign with the active issuer\n"
    "       key, in booklets of --booklet passes (1 to 100, default 10; the last\n"
    "       booklet may be shorter), debits the funder's balance by N times the\n"
    "       face value and writes, into DIR (default formats: csv,pdf):\n"
    "         batch-NNNNNN.csv   serial,code,token,campaign,value_cents,last_day,booklet\n"
    "         batch-NNNNNN.pdf   print-ready A4 booklets (covers, passes, cut marks)\n"
    "         SERIAL.png / .svg  one QR code per pass\n"
    "       Passes are staged as pending (never redeemable) in short transactions;\n"
    "       then one short transaction posts the ledger entry and marks the batch\n"
    "       active, and the passes are made redeemable in chunks of 10,000. The\n"
    "       files are written to a temporary directory beside DIR (.passnum-issue-*)\n"
    "       and moved into DIR only after that. Refused, with nothing written, when\n"
    "       the funder's balance is\n"
    "       short, the campaign has ended, there is no active issuer key, a bound is\n"
    "       exceeded, DIR cannot be written or already holds a file of that name.\n"
    "       A batch killed before its ledger entry stays pending: its passes are\n"
    "       never redeemable, and the next `batch issue` removes them (the batch is\n"
    "       then 'abandoned') and its .passnum-issue-* directory may be deleted. A\n"
    "       batch killed after its ledger entry is charged: the next `batch issue`\n"
    "       finishes activating it, and its files are in that directory.\n"
    "       One batch at a time per home (HOME/issue.lock). Prints the batch id;\n"
    "       with --json: id, count, first_booklet, last_booklet, amount, entry (the\n"
    "       ledger entry's sequence number), swept (abandoned passes removed).\n";

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

/* Reads the options into req; returns 0 or a usage exit code. */
static int
batch_request(const struct batch_options *o, struct issuance_request *req)
{
	long count, booklet = 10;
	struct error e;

	if (o->campaign == NULL || o->count == NULL || o->out == NULL)
		return cli_usage_error("batch issue", "--campaign, --count and --out are required");
	if (cli_args_id(o->campaign, &req->campaign_id) != 0)
		return cli_usage_error("batch issue", "--campaign takes a campaign id");
	/* Bounds are checked by issuance_batch_issue (a refusal, exit 1). */
	if (cli_args_int(o->count, 0, LONG_MAX, &count) != 0)
		return cli_usage_error("batch issue", "--count takes a number");
	if (o->booklet != NULL && cli_args_int(o->booklet, 0, LONG_MAX, &booklet) != 0)
		return cli_usage_error("batch issue", "--booklet takes a number");
	req->formats = ISSUANCE_FORMAT_DEFAULT;
	if (o->format != NULL && issuance_formats_parse(o->format, &req->formats, &e) != 0)
		return cli_fail(&e);
	req->count = count;
	req->booklet_size = booklet > ISSUANCE_MAX_BOOKLET ? ISSUANCE_MAX_BOOKLET + 1 : (int)booklet;
	req->out_dir = o->out;
	return 0;
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
	struct issuance_result res;
	char amount[MONEY_FORMAT_SIZE];
	struct error e;
	int rc, first = cli_options(cli, argc, argv, "batch issue", cmd_batch_help, opts,
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
	money_format(res.total_cents, amount, sizeof(amount));
	if (cli->json)
		cli_print_json(json_pack("{s:I, s:I, s:I, s:I, s:s, s:I, s:I}", "id",
		    (json_int_t)res.batch_id, "count", (json_int_t)req.count, "first_booklet",
		    (json_int_t)res.first_booklet, "last_booklet", (json_int_t)res.last_booklet,
		    "amount", amount, "entry", (json_int_t)res.entry_seq, "swept",
		    (json_int_t)res.swept));
	else
		printf("%lld\n", (long long)res.batch_id);
	return rc != 0 ? cli_fail(&e) : EXIT_OK;
}

static const struct cli_verb batch_verbs[] = {
	{ "issue", batch_issue_run, "issue a batch of passes", cmd_batch_help },
	{ NULL, NULL, NULL, NULL },
};

int
cmd_batch(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, batch_verbs, "batch", cmd_batch_help, argc, argv);
}
