/* passnum report funder|payee|place|distributor ID --period P
 *                [--format csv|json|html|pdf] [--out FILE] [--force]
 * passnum report all --period P --out DIR [--format F] [--force]
 * passnum report open-data --year YYYY --out DIR [--force] */
#include <stdio.h>
#include <stdlib.h>
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
    "                      [--format csv|json|html|pdf] [--out FILE] [--force]\n"
    "       passnum report funder ID --account|--rendering --period PERIOD [...]\n"
    "       passnum report payee ID --certificate --period YYYY [...]\n"
    "       passnum report all --period PERIOD --out DIR [--format csv|json|html|pdf]\n"
    "                      [--force]\n"
    "       passnum report open-data --year YYYY --out DIR [--force]\n"
    "\n"
    "Writes a report people read, in French, for a fixed period: a month\n"
    "(YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY); any other period is a\n"
    "usage error (exit 2). A period still in progress is counted up to now\n"
    "and marked \"provisoire\". An unknown ID is refused (exit 1).\n"
    "  funder ID       per campaign and in total: booklets issued, delivered,\n"
    "                  handed out; passes redeemed (count, value), revoked,\n"
    "                  expired, outstanding; by month, by département and\n"
    "                  EPCI of the place, by place type, by service and by\n"
    "                  distributor; evaluation indicators (cohorts, cost per\n"
    "                  started booklet...); a chart of the months.\n"
    "                  Cells about 1 to 10 booklets read \"< 11\" (setting\n"
    "                  report_small_cell), and so do the cells that would let\n"
    "                  them be recomputed.\n"
    "  payee ID        the statement of a legal entity (SIRET): each of its\n"
    "                  places' redemptions and cancellations, the total, and\n"
    "                  the transfers of the period's settlements.\n"
    "  payee ID --certificate  the yearly certificate of the amounts received\n"
    "                  (--period YYYY): the transfers executed in the year, not\n"
    "                  rejected or returned, and their total.\n"
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
    "  all             one file per funder, payee and distributor in DIR\n"
    "                  (financeur-1.html, beneficiaire-3.html, distributeur-2.html;\n"
    "                  --format defaults to html). An existing file is refused\n"
    "                  unless --force, before anything is written; all files or\n"
    "                  none. --json lists the files written.\n"
    "  open-data       the year's passes redeemed and their value by département\n"
    "                  x place type, with totals, for publication: DIR gets\n"
    "                  pass-utilises-YYYY.csv (',', decimal point, UTF-8 without\n"
    "                  BOM), its Table Schema, datapackage.json and LISEZMOI.md\n"
    "                  (Licence Ouverte 2.0). Small cells are left empty\n"
    "                  (secret_statistique), and so are those that would let\n"
    "                  them be recomputed from the totals.\n"
    "--format: csv (';', decimal comma, UTF-8 with BOM; the default), json\n"
    "(money as *_cents integers), html (one self-contained printable page,\n"
    "its charts inline SVG) or pdf (A4, the same content, drawn by cairo).\n"
    "--out FILE: written there (an existing file is refused unless --force);\n"
    "without it, on standard output. See docs/reports.md.\n"
    "\n"
    "examples:\n"
    "  passnum report funder 1 --period 2027-Q2 --format html --out q2.html\n"
    "  passnum report payee 3 --period 2027-04 --out releve-avril.csv\n"
    "  passnum report all --period 2027-Q2 --format pdf --out rapports-t2\n"
    "  passnum report open-data --year 2027 --out opendata-2027\n";

struct report_options {
	const char *period, *format, *out, *year;
	bool force, account, rendering, certificate;
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
	else if (opt == 'C')
		o->certificate = true;
	else if (opt == 'y')
		o->year = arg;
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
	if (o->certificate)
		rc = report_certificate_build(cli->home.db, id, p, clock_now(), &doc, &e);
	else if (o->account || o->rendering)
		rc = report_account_build(cli->home.db, o->account ? REPORT_ACCOUNT : REPORT_RENDERING,
		    id, p, clock_now(), &doc, &e);
	else
		rc = report_build(cli->home.db, kind, id, p, clock_now(), &doc, &e);
	if (rc != 0)
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

/* Builds and writes one target's report to path (a temporary name). */
static int
report_all_one(struct cli *cli, const struct report_target *t, const struct report_period *p,
    enum report_format format, const char *path, struct error *e)
{
	struct report_doc *doc = NULL;
	FILE *f;
	int rc;

	if (report_build(cli->home.db, t->kind, t->id, p, clock_now(), &doc, e) != 0)
		return -1;
	if ((f = fopen(path, "wb")) == NULL) {
		report_doc_free(doc);
		return error_set(e, 500, "WRITE_FAILED", "cannot write %s", path);
	}
	rc = report_write(doc, format, f, e);
	if (fclose(f) != 0 && rc == 0)
		rc = error_set(e, 500, "WRITE_FAILED", "cannot write %s", path);
	report_doc_free(doc);
	return rc;
}

/* The path of target i in dir: final, or with ".tmp" while written. */
static void
report_all_path(const char *dir, const struct report_target *t, enum report_format format,
    bool tmp, char *buf, size_t size)
{
	char name[64];

	report_target_file(t, format, name);
	snprintf(buf, size, "%s/%s%s", dir, name, tmp ? ".tmp" : "");
}

/* report all: every target's file written under a temporary name, then
 * all renamed; an existing file (without --force) or any failure leaves
 * nothing new. */
static int
report_all(struct cli *cli, const struct report_period *p, enum report_format format,
    const struct report_options *o)
{
	struct report_target *t = NULL;
	char path[4096], tmp[4096];
	size_t n = 0, done = 0;
	struct error e;
	json_t *files;

	error_clear(&e);
	if (cli_open_home(cli) != 0)
		return EXIT_REFUSED;
	if (report_targets(cli->home.db, &t, &n, &e) != 0 || cli_out_dir(o->out, &e) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		report_all_path(o->out, &t[i], format, false, path, sizeof(path));
		if (cli_out_file(path, o->force, &e) != 0)
			goto fail;
	}
	for (; done < n; done++) {
		report_all_path(o->out, &t[done], format, true, tmp, sizeof(tmp));
		if (report_all_one(cli, &t[done], p, format, tmp, &e) != 0) {
			done++;
			goto fail;
		}
	}
	files = json_array();
	for (size_t i = 0; i < n; i++) {
		static const char *const kinds[] = { "funder", "payee", "place", "distributor" };

		report_all_path(o->out, &t[i], format, true, tmp, sizeof(tmp));
		report_all_path(o->out, &t[i], format, false, path, sizeof(path));
		if (rename(tmp, path) != 0) {
			json_decref(files);
			error_set(&e, 500, "WRITE_FAILED", "cannot write %s", path);
			goto fail;
		}
		json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "report", kinds[t[i].kind],
		    "id", (json_int_t)t[i].id, "file", path));
	}
	free(t);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:s, s:o}", "period", p->text, "dir", o->out,
		    "files", files));
	json_decref(files);
	fprintf(stderr, "%zu reports written to %s\n", n, o->out);
	return EXIT_OK;
fail:
	for (size_t i = 0; i < done; i++) {
		report_all_path(o->out, &t[i], format, true, tmp, sizeof(tmp));
		unlink(tmp);
	}
	free(t);
	return cli_fail(&e);
}

/* report open-data: the four files checked, written under .tmp, renamed. */
static int
report_open_data(struct cli *cli, const struct report_period *p, const struct report_options *o)
{
	struct report_opendata_files files = { 0 };
	struct report_doc *doc = NULL;
	char path[4096], tmp[4200];
	struct error e;
	int written = 0, rc = EXIT_OK;
	json_t *list = json_array();

	error_clear(&e);
	if (cli_open_home(cli) != 0)
		return json_decref(list), EXIT_REFUSED;
	if (report_opendata_build(cli->home.db, p, clock_now(), &doc, &e) != 0 ||
	    report_opendata_texts(doc, &files, &e) != 0 || cli_out_dir(o->out, &e) != 0)
		goto fail;
	for (int i = 0; i < REPORT_OPENDATA_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", o->out, files.name[i]);
		if (cli_out_file(path, o->force, &e) != 0)
			goto fail;
	}
	for (; written < REPORT_OPENDATA_FILES; written++) {
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s/%s.tmp", o->out, files.name[written]);
		if ((f = fopen(tmp, "wb")) == NULL ||
		    (fwrite(files.text[written], 1, files.len[written], f) != files.len[written]) +
		    (fclose(f) != 0) != 0) {
			error_set(&e, 500, "WRITE_FAILED", "cannot write %s", tmp);
			written++;
			goto fail;
		}
	}
	for (int i = 0; i < REPORT_OPENDATA_FILES; i++) {
		snprintf(tmp, sizeof(tmp), "%s/%s.tmp", o->out, files.name[i]);
		snprintf(path, sizeof(path), "%s/%s", o->out, files.name[i]);
		if (rename(tmp, path) != 0) {
			error_set(&e, 500, "WRITE_FAILED", "cannot write %s", path);
			goto fail;
		}
		json_array_append_new(list, json_string(path));
	}
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:b, s:O}", "year", p->text, "provisional",
		    files.provisional, "files", list));
	else
		fprintf(stderr, "open data for %s written to %s\n", p->text, o->out);
	goto done;
fail:
	for (int i = 0; i < written; i++) {
		snprintf(tmp, sizeof(tmp), "%s/%s.tmp", o->out, files.name[i]);
		unlink(tmp);
	}
	rc = cli_fail(&e);
done:
	for (int i = 0; i < REPORT_OPENDATA_FILES; i++)
		free(files.text[i]);
	json_decref(list);
	report_doc_free(doc);
	return rc;
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
		{ "certificate", no_argument, NULL, 'C' },
		{ "year", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_options o = { 0 };
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
	if (argc - first == 1 && strcmp(argv[first], "open-data") == 0) {
		if (o.year == NULL || o.out == NULL || o.period != NULL || o.format != NULL)
			return cli_usage_error("report", "report open-data takes --year YYYY and --out DIR");
		if (strlen(o.year) != 4 || report_period_parse(o.year, &p, &e) != 0)
			return cli_usage_error("report", "bad --year \"%s\" (YYYY)", o.year);
		return report_open_data(cli, &p, &o);
	}
	if (o.year != NULL)
		return cli_usage_error("report", "--year is for report open-data");
	if (argc - first == 1 && strcmp(argv[first], "all") == 0) {
		if (report_format_parse(o.format != NULL ? o.format : "html", &format, &e) != 0)
			return cli_bad_value("report", &e);
		if (o.period == NULL || o.out == NULL)
			return cli_usage_error("report", "report all needs --period and --out DIR");
		if (report_period_parse(o.period, &p, &e) != 0)
			return cli_bad_value("report", &e);
		return report_all(cli, &p, format, &o);
	}
	if (argc - first != 2)
		return cli_usage_error("report", "expected a kind and an ID (or all)");
	if (report_kind_parse(argv[first], &kind, &e) != 0 ||
	    report_format_parse(o.format != NULL ? o.format : "csv", &format, &e) != 0)
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
	if (o.certificate && (kind != REPORT_PAYEE || o.account || o.rendering))
		return cli_usage_error("report", "--certificate is a payee's report");
	if (o.certificate && strlen(p.text) != 4)
		return cli_usage_error("report", "a certificate covers a year: --period YYYY");
	return report_run(cli, kind, id, &p, format, &o);
}
