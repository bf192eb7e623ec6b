/* passnum report funder|payee|place|distributor ID --period P
 *                [--format csv|json|html] [--out FILE] [--force] */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "report.h"
#include "report_account.h"

const char cmd_report_help[] =
    "usage: passnum report funder|payee|place|distributor ID --period PERIOD\n"
    "                      [--format csv|json|html] [--out FILE] [--force]\n"
    "       passnum report funder ID --account|--rendering --period PERIOD [...]\n"
    "\n"
    "Writes a report people read, in French, for a fixed period: a month\n"
    "(YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY); any other period is a\n"
    "usage error (exit 2). A period still in progress is counted up to now\n"
    "and marked \"provisoire\". An unknown ID is refused (exit 1).\n"
    "  funder ID       per campaign and in total: booklets issued, delivered,\n"
    "                  handed out; passes redeemed (count, value), revoked,\n"
    "                  expired, outstanding; by month and by département.\n"
    "                  Cells about 1 to 10 booklets read \"< 11\" (setting\n"
    "                  report_small_cell), and so do the cells that would let\n"
    "                  them be recomputed.\n"
    "  payee ID        the statement of a legal entity (SIRET): each of its\n"
    "                  places' redemptions and cancellations, the total, and\n"
    "                  the transfers of the period's settlements.\n"
    "  place ID        the place's own redemptions and cancellations.\n"
    "  distributor ID  booklets received and handed out by month, in stock\n"
    "                  (with their numbers) and their campaigns' last days.\n"
    "  funder ID --account    its statement of account over the period (the\n"
    "                  funder's year, YYYY): ordered, received ahead, invoiced,\n"
    "                  credited, paid (with each payment's mandat reference),\n"
    "                  used, refunded; in circulation, owed on invoices and to\n"
    "                  refund; its invoices, credit notes and payments.\n"
    "  funder ID --rendering  a funder on mandate (CGCT L.1611-7): the yearly\n"
    "                  account rendered (--period YYYY): the funds held for it\n"
    "                  on 1 January, each kind of movement, on 31 December.\n"
    "--format: csv (';', decimal comma, UTF-8 with BOM; the default), json\n"
    "(money as *_cents integers) or html (one self-contained printable page).\n"
    "--out FILE: written there (an existing file is refused unless --force);\n"
    "without it, on standard output. See docs/reports.md.\n"
    "\n"
    "examples:\n"
    "  passnum report funder 1 --period 2027-Q2 --format html --out q2.html\n"
    "  passnum report payee 3 --period 2027-04 --out releve-avril.csv\n";

struct report_options {
	const char *period, *format, *out;
	bool force, account, rendering;
};

static int
report_option(int opt, const char *arg, void *ctx)
{
	struct report_options *o = ctx;

	if (opt == 'p')
		o->period = arg;
	else if (opt == 'f')
		o->format = arg;
	else if (opt == 'o')
		o->out = arg;
	else if (opt == 'A')
		o->account = true;
	else if (opt == 'R')
		o->rendering = true;
	else
		o->force = true;
	return 0;
}

/* Builds and writes the report; removes a partly written --out file. */
static int
report_run(struct cli *cli, enum report_kind kind, int64_t id, const struct report_period *p,
    enum report_format format, const struct report_options *o)
{
	struct report_doc *doc = NULL;
	struct error e;
	FILE *f = stdout;
	int rc;

	error_clear(&e);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if ((o->account || o->rendering) ? report_account_build(cli->home.db, o->account ?
	    REPORT_ACCOUNT : REPORT_RENDERING, id, p, clock_now(), &doc, &e) != 0 :
	    report_build(cli->home.db, kind, id, p, clock_now(), &doc, &e) != 0)
		return cli_fail(&e);
	if (o->out != NULL && (cli_out_file(o->out, o->force, &e) != 0 ||
	    (f = fopen(o->out, "wb")) == NULL)) {
		if (e.code == NULL)
			error_set(&e, 500, "WRITE_FAILED", "cannot write %s", o->out);
		report_doc_free(doc);
		return cli_fail(&e);
	}
	rc = report_write(doc, format, f, &e);
	if (f != stdout && fclose(f) != 0 && rc == 0)
		rc = error_set(&e, 500, "WRITE_FAILED", "cannot write %s", o->out);
	report_doc_free(doc);
	if (rc != 0) {
		if (o->out != NULL)
			unlink(o->out);
		return cli_fail(&e);
	}
	if (o->out != NULL && !cli->json)
		fprintf(stderr, "report written to %s\n", o->out);
	return EXIT_OK;
}

int
cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "account", no_argument, NULL, 'A' },
		{ "rendering", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_options o = { .format = "csv" };
	struct report_period p;
	enum report_format format;
	enum report_kind kind;
	struct error e;
	int64_t id;
	int first = cli_options(cli, argc, argv, "report", cmd_report_help, opts, report_option, &o);

	if (first == -1)
		return EXIT_OK;
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 2)
		return cli_usage_error("report", "expected a kind and an ID");
	if (report_kind_parse(argv[first], &kind, &e) != 0 ||
	    report_format_parse(o.format, &format, &e) != 0)
		return cli_bad_value("report", &e);
	if ((o.account || o.rendering) && (kind != REPORT_FUNDER || (o.account && o.rendering)))
		return cli_usage_error("report", "--account or --rendering is a funder's report");
	if (cli_args_id(argv[first + 1], &id) != 0)
		return cli_usage_error("report", "bad ID \"%s\"", argv[first + 1]);
	if (o.period == NULL)
		return cli_usage_error("report", "--period is required");
	if (report_period_parse(o.period, &p, &e) != 0)
		return cli_bad_value("report", &e);
	if (o.rendering && strlen(p.text) != 4)
		return cli_usage_error("report", "an account rendered covers a year: --period YYYY");
	return report_run(cli, kind, id, &p, format, &o);
}
