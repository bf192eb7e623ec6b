/* Unit tests of lib/issuance: the last usable day rule, output formats, the
 * voucher lookup on a real home (pending, issued, revoked, unknown), and
 * who owns the transactions (the caller's for revoke and the booklet moves;
 * the chunked jobs refuse to run inside one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sodium.h>
#include "db.h"
#include "home.h"
#include "temp_home.h"
#include "issuance.h"
#include "registry.h"

static void
test_last_usable_day(void **state)
{
	struct voucher_state v = { .last_day = 1000, .handout_day = -1 };

	(void)state;
	assert_int_equal(issuance_last_usable_day(&v, 30, 0), 1030);
	/* Validity from hand-out: not handed out keeps the last day. */
	assert_int_equal(issuance_last_usable_day(&v, 30, 10), 1030);
	v.handout_day = 900;
	assert_int_equal(issuance_last_usable_day(&v, 0, 10), 909);
	assert_int_equal(issuance_last_usable_day(&v, 5, 10), 914);
	/* Never later than the campaign's last day. */
	v.handout_day = 995;
	assert_int_equal(issuance_last_usable_day(&v, 0, 10), 1000);
	assert_int_equal(issuance_last_usable_day(&v, 0, 0), 1000);
}

static void
test_formats(void **state)
{
	struct error e;
	unsigned f;

	(void)state;
	assert_int_equal(issuance_formats_parse("csv", &f, &e), 0);
	assert_int_equal(f, ISSUANCE_FORMAT_CSV);
	assert_int_equal(issuance_formats_parse("pdf,png,svg,csv", &f, &e), 0);
	assert_int_equal(f, 0xfu);
	assert_int_equal(issuance_formats_parse("csv,gif", &f, &e), -1);
	assert_string_equal(e.code, "BAD_FORMAT");
	assert_int_equal(issuance_formats_parse("", &f, &e), -1);
	assert_int_equal(issuance_formats_parse("csv,", &f, &e), 0);
	assert_int_equal(issuance_formats_parse("CSV", &f, &e), -1);
}

struct fixture {
	char dir[64];
	struct home home;
	int64_t campaign;
};

static int
fixture_work(struct db *db, void *ctx, struct error *e)
{
	struct fixture *fx = ctx;
	struct funder f = { .name = "F", .public_name = "F" };
	struct campaign c = { .name = "C", .value_cents = 1000, .tolerance_days = 30 };
	int64_t funder;

	c.last_day = 30000;
	if (registry_funder_add(db, &f, 1800000000, &funder, e) != 0 ||
	    registry_funder_fund(db, funder, FUND_ORDER, 100000, "R1", 1800000000, NULL, e) != 0)
		return -1;
	c.funder_id = funder;
	return registry_campaign_create(db, &c, 1800000000, &fx->campaign, e);
}

static int out_prepared;

static int
out_prepare_count(const char *dir, struct error *e)
{
	(void)dir;
	(void)e;
	out_prepared++;
	return 0;
}

static void
test_lookup(void **state)
{
	struct operator_info op = { .name = "Op", .origin = "unit.example/ledger" };
	struct issuance_request r = { .count = 3, .booklet_size = 2, .formats = ISSUANCE_FORMAT_CSV };
	struct fixture fx = { .dir = "/tmp/test-issuance.XXXXXX" };
	struct issuance_result res;
	struct voucher_state v;
	uint8_t serial[12] = { 0 }, unknown[12] = { 0 };
	char home[96], out[96], csv[128], line[512];
	int64_t count, cents, to_claim;
	struct error e;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(fx.dir));
	snprintf(home, sizeof(home), "%s/home", fx.dir);
	snprintf(out, sizeof(out), "%s/out", fx.dir);
	assert_int_equal(mkdir(out, 0700), 0);
	if (home_create(&fx.home, home, &op, 1800000000, &e) != 0)
		fail_msg("home_create: %s", e.message);
	if (db_write(fx.home.db, DB_BUSY_DEFAULT, fixture_work, &fx, &e) != 0)
		fail_msg("fixture: %s", e.message);
	/* An unknown campaign is refused before --out is prepared. */
	r.campaign_id = 999;
	r.out_dir = out;
	r.out_prepare = out_prepare_count;
	assert_int_equal(issuance_batch_issue(fx.home.db, home, &r, 1800000000, &res, &e), -1);
	assert_int_equal(e.status, 404);
	assert_int_equal(out_prepared, 0);
	r.campaign_id = fx.campaign;
	if (issuance_batch_issue(fx.home.db, home, &r, 1800000000, &res, &e) != 0)
		fail_msg("batch issue: %s", e.message);
	assert_int_equal(res.first_booklet, 1);
	assert_int_equal(res.last_booklet, 2);
	assert_int_equal(res.total_cents, 3000);
	assert_int_equal(out_prepared, 1);
	assert_int_equal(res.sweep.batch_id, 0);
	snprintf(csv, sizeof(csv), "%s/batch-%06lld.csv", out, (long long)res.batch_id);
	assert_non_null(f = fopen(csv, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(sodium_hex2bin(serial, 12, line, 24, NULL, NULL, NULL), 0);

	assert_int_equal(issuance_voucher_lookup(fx.home.db, serial, &v, &e), 0);
	assert_int_equal(v.status, VOUCHER_ISSUED);
	assert_int_equal(v.campaign_id, fx.campaign);
	assert_int_equal(v.value_cents, 1000);
	assert_int_equal(v.last_day, 30000);
	assert_int_equal(v.issued_at, 1800000000);
	assert_int_equal(v.booklet_id, 1);
	assert_int_equal(v.position, 1);
	assert_int_equal(v.handout_day, -1);
	assert_int_equal(v.redemption_id, 0);
	assert_int_equal(issuance_voucher_lookup(fx.home.db, unknown, &v, &e), -1);
	assert_int_equal(e.status, 404);

	/* What a revocation would do, read only; the batch and its booklets. */
	struct issuance_revoke_plan plan;
	struct batch_info batch;
	struct booklet_info booklet;
	assert_int_equal(issuance_revoke_plan(fx.home.db, NULL, 0, res.batch_id, &plan, &e), 0);
	assert_int_equal(plan.count, 3);
	assert_int_equal(plan.cents, 3000);
	assert_int_equal(plan.booklets, 2);
	assert_int_equal(plan.first_booklet, 1);
	assert_int_equal(plan.last_booklet, 2);
	assert_int_equal(plan.campaign_id, fx.campaign);
	assert_int_equal(issuance_revoke_plan(fx.home.db, NULL, 99, 0, &plan, &e), -1);
	assert_int_equal(e.status, 404);
	assert_int_equal(issuance_batch_get(fx.home.db, res.batch_id, &batch, &e), 0);
	assert_string_equal(batch.status, "active");
	assert_int_equal(batch.issued, 3);
	assert_int_equal(batch.total_cents, 3000);
	assert_int_equal(batch.last_booklet, 2);
	assert_int_equal(issuance_batch_get(fx.home.db, 99, &batch, &e), -1);
	assert_string_equal(e.code, "UNKNOWN_BATCH");
	assert_int_equal(issuance_booklet_get(fx.home.db, 2, &booklet, &e), 0);
	assert_int_equal(booklet.issued, 1);
	assert_string_equal(issuance_booklet_state(&booklet), "stock");
	booklet.issued = 0;
	booklet.revoked = 1;
	assert_string_equal(issuance_booklet_state(&booklet), "revoked");
	assert_true(issuance_booklet_state_valid("handed-out"));
	assert_false(issuance_booklet_state_valid("lost"));

	/* The caller owns the transaction. */
	assert_int_equal(db_write_begin(fx.home.db, DB_BUSY_DEFAULT, &e), 0);
	assert_int_equal(issuance_revoke(fx.home.db, serial, 0, 0, 1800000100, &count, &cents, &to_claim, &e), 0);
	assert_int_equal(db_write_end(fx.home.db, 0, &e), 0);
	assert_int_equal(count, 1);
	assert_int_equal(cents, 1000);
	assert_int_equal(to_claim, 0); /* a pass of its own: back to the funder */
	assert_int_equal(issuance_voucher_lookup(fx.home.db, serial, &v, &e), 0);
	assert_int_equal(v.status, VOUCHER_REVOKED);
	assert_int_equal(v.changed_at, 1800000100);
	assert_int_equal(db_write_begin(fx.home.db, DB_BUSY_DEFAULT, &e), 0);
	assert_int_equal(issuance_revoke(fx.home.db, serial, 0, 0, 1800000100, &count, &cents, &to_claim, &e), -1);
	assert_string_equal(e.code, "NOTHING_TO_REVOKE");
	db_write_end(fx.home.db, -1, &e);

	/* Outside a transaction a write is a bug; the chunked jobs refuse to
	 * run inside one. */
	assert_int_equal(issuance_revoke(fx.home.db, serial, 0, 0, 1800000100, &count, &cents, &to_claim, &e), -1);
	assert_int_equal(e.status, 500);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(issuance_booklet_return(fx.home.db, 1, 1800000100, &e), -1);
	assert_string_equal(e.code, "NO_TRANSACTION");
	assert_int_equal(db_write_begin(fx.home.db, DB_BUSY_DEFAULT, &e), 0);
	assert_int_equal(issuance_batch_issue(fx.home.db, home, &r, 1800000000, &res, &e), -1);
	assert_int_equal(e.status, 500);
	assert_string_equal(e.code, "IN_TRANSACTION");
	assert_int_equal(res.batch_id, 0);
	assert_int_equal(issuance_expire(fx.home.db, 20000, 1800000100, NULL, NULL, &e), -1);
	assert_string_equal(e.code, "IN_TRANSACTION");
	assert_int_equal(issuance_sweep_abandoned(fx.home.db, &count, &e), -1);
	assert_string_equal(e.code, "IN_TRANSACTION");
	assert_int_equal(db_write_end(fx.home.db, 0, &e), 0);

	temp_home_remove(fx.dir, &fx.home);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_usable_day),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_lookup),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
