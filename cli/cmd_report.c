/* passnum report funder|payee|place|distributor ID --period P
 *                [--format csv|json|html|pdf] [--out FILE] [--force] */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "cli_args.h"
#include "cli_io.h"
#include "clock.h"
#include "report.h"

const char cmd_report_help[] =
    "usage: passnum report funder|payee|place|distributor ID --period PERIOD\n"
    "                      [--format csv|json|html|pdf] [--out FILE] [--force]\n"
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
    "--format: csv (';', decimal comma, UTF-8 with BOM; the default), json\n"
    "(money as *_cents integers), html (one self-contained printable page,\n"
    "its charts inline SVG) or pdf (A4, the same content, drawn by cairo).\n"
    "--out FILE: written there (an existing file is refused unless --force);\n"
    "without it, on standard output. See docs/reports.md.\n"
    "\n"
    "examples:\n"
    "  passnum report funder 1 --period 2027-Q2 --format html --out q2.html\n"
    "  passnum report payee 3 --period 2027-04 --out releve-avril.csv\n";

struct report_options {
	const char *period, *format, *out;
	bool force;
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
	if (report_build(cli->home.db, kind, id, p, clock_now(), &doc, &e) != 0)
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
	if (cli_args_id(argv[first + 1], &id) != 0)
		return cli_usage_error("report", "bad ID \"%s\"", argv[first + 1]);
	if (o.period == NULL)
		return cli_usage_error("report", "--period is required");
	if (report_period_parse(o.period, &p, &e) != 0)
		return cli_bad_value("report", &e);
	return report_run(cli, kind, id, &p, format, &o);
}
