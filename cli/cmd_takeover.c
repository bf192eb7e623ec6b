/* passnum takeover DIR --old-ledger-key VKEY [--checkpoint FILE]
 * passnum takeover-receipt FILE [--checkpoint FILE]
 * passnum takeover-funds AMOUNT --ref REF */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "checkpoint.h"
#include "cli.h"
#include "clock.h"
#include "money.h"
#include "note.h"
#include "registry.h"
#include "takeover.h"

const char cmd_takeover_help[] =
    "usage: passnum takeover DIR --old-ledger-key VKEY [--checkpoint FILE]\n"
    "\n"
    "Takes a scheme over from the old operator's export DIR (passnum export\n"
    "scheme, or a funder's escrow: passnum export escrow), into this home, made with passnum init --origin NEW-ORIGIN and\n"
    "nothing else (docs/takeover.md). Verifies the export first with the old\n"
    "ledger key VKEY obtained out of band (GET /v1/keys, a funder's records;\n"
    "never from the export) and refuses anything that does not verify: the\n"
    "manifest's signature, every file's SHA-256, the log's entries, tree and\n"
    "checkpoint, the vouchers against the outstanding, the payables against\n"
    "the ledger. With --checkpoint FILE, a checkpoint of the old log a funder\n"
    "holds must be consistent with it.\n"
    "Imports the old issuer public keys verify-only (no pass is ever issued\n"
    "under them), the registry, the vouchers with their statuses; no bearer\n"
    "token (make new ones). Every IBAN is to confirm: its payee is on hold until\n"
    "passnum payee confirm-iban ID. Opens this ledger with \"takeover\" entries:\n"
    "the passes outstanding and the payees' unpaid amounts taken on, against a\n"
    "claim on the old operator (takeover-claim, PCG 467).\n"
    "With --json: old_origin, old_size, old_root, vouchers (by status),\n"
    "outstanding_cents, payables_cents, claim_cents, entries, first_seq.\n"
    "\n"
    "example:\n"
    "  passnum --home /srv/successor takeover /srv/exports/2027-W11 \\\n"
    "      --old-ledger-key 'old.example/ledger+1a2b3c4d+AXy...'\n";

const char cmd_takeover_receipt_help[] =
    "usage: passnum takeover-receipt FILE [--checkpoint FILE]\n"
    "\n"
    "Accepts, once, a redemption the old operator made after its export: FILE\n"
    "is its answer (the 201 body a place kept: the redemption, its passes and\n"
    "its receipt signed by the old ledger key). Refuses a receipt whose entry\n"
    "is in the export, a pass no longer in circulation here (already redeemed,\n"
    "revoked, expired) and a receipt already accepted. Marks the passes\n"
    "redeemed and records the redemption: its payee is owed, the outstanding\n"
    "reduced (a \"redeem\" entry). With --checkpoint FILE, a checkpoint of the\n"
    "old log a funder holds is checked first: consistent with the log taken\n"
    "over, and the receipt within it.\n"
    "With --json: old_seq, redemption_id, entry_seq, value_cents, place_id,\n"
    "payee_id, passes.\n"
    "\n"
    "example:\n"
    "  passnum takeover-receipt redemption-1234.json\n";

const char cmd_takeover_funds_help[] =
    "usage: passnum takeover-funds AMOUNT --ref REF\n"
    "\n"
    "Records money received from the old operator (its liquidator) after a\n"
    "takeover: AMOUNT euros (up to two decimals) arrived on the bank account,\n"
    "against the claim on the old operator (a \"takeover-funds\" entry: bank 512\n"
    "debited, takeover-claim 467 credited). REF is the transfer's reference,\n"
    "once. Refused beyond what the claim still holds. The cash is entered when\n"
    "it arrives, never at the takeover (docs/takeover.md).\n"
    "With --json: seq, amount_cents, ref.\n"
    "\n"
    "example:\n"
    "  passnum takeover-funds 12000.50 --ref LIQ-2027-001\n";

struct takeover_cli_options {
	const char *vkey, *checkpoint, *ref;
};

static int
takeover_option(int opt, const char *arg, void *ctx)
{
	struct takeover_cli_options *o = ctx;

	if (opt == 'k')
		o->vkey = arg;
	else if (opt == 'r')
		o->ref = arg;
	else
		o->checkpoint = arg;
	return 0;
}

int
cmd_takeover_funds(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ref", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct takeover_cli_options o = { NULL, NULL, NULL };
	struct error e = { 0 };
	int64_t cents;
	uint64_t seq = 0;
	int rc, first = cli_options(cli, argc, argv, "takeover-funds", cmd_takeover_funds_help,
	    opts, takeover_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("takeover-funds", "give the amount received");
	if (money_parse(argv[first], &cents, &e) != 0 || registry_fund_amount_check(cents, &e) != 0)
		return cli_bad_value("takeover-funds", &e);
	if (o.ref == NULL)
		return cli_usage_error("takeover-funds", "give the transfer's reference with --ref REF");
	if (registry_fund_ref_check(o.ref, &e) != 0)
		return cli_bad_value("takeover-funds", &e);
	if (cli_begin(cli) != 0)
		return EXIT_REFUSED;
	rc = takeover_funds(cli->home.db, cents, o.ref, clock_now(), &seq, &e);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:s}", "seq", (json_int_t)seq,
		    "amount_cents", (json_int_t)cents, "ref", o.ref));
	printf("entry %llu: %s received from the old operator, against the claim\n",
	    (unsigned long long)seq, argv[first]);
	return EXIT_OK;
}

/* Reads a small file (≤ 1 MiB) whole. */
static char *
takeover_read(const char *path, size_t *len, struct error *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		error_set(e, 400, "BAD_FILE", "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(1 << 20)) == NULL)
		abort();
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	if (!feof(f) || memchr(buf, '\0', *len) != NULL) {
		fclose(f);
		free(buf);
		error_set(e, 400, "BAD_FILE", "%s is not a small text file", path);
		return NULL;
	}
	fclose(f);
	return buf;
}

int
cmd_takeover(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "old-ledger-key", required_argument, NULL, 'k' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct takeover_cli_options o = { NULL, NULL, NULL };
	struct takeover_options to;
	struct takeover_result r;
	struct error e = { 0 };
	char who[REGISTRY_ACTOR_SIZE], name[NOTE_NAME_MAX + 1], root[65], *cp = NULL;
	char out[MONEY_FORMAT_SIZE], owed[MONEY_FORMAT_SIZE];
	uint8_t pub[32];
	size_t len;
	int rc, first = cli_options(cli, argc, argv, "takeover", cmd_takeover_help, opts,
	    takeover_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("takeover", "give the export's folder");
	if (o.vkey == NULL)
		return cli_usage_error("takeover", "give the old ledger key with --old-ledger-key"
		    " VKEY (never taken from the export)");
	if (note_vkey_parse(o.vkey, name, pub) != 0)
		return cli_usage_error("takeover", "--old-ledger-key is not a vkey"
		    " (origin+keyid+base64)");
	if (o.checkpoint != NULL && (cp = takeover_read(o.checkpoint, &len, &e)) == NULL)
		return cli_bad_value("takeover", &e);
	if (cli_begin(cli) != 0) {
		free(cp);
		return EXIT_REFUSED;
	}
	to = (struct takeover_options){ argv[first], o.vkey, cp, clock_now(), who };
	rc = registry_actor_find(cli->home.db, NULL, getenv("PASSNUM_TOKEN"), who, &e);
	if (rc == 0)
		rc = takeover_import(cli->home.db, &to, &r, &e);
	free(cp);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	sodium_bin2hex(root, sizeof(root), r.old_root, 32);
	if (cli->json)
		return cli_print_json(json_pack("{s:s, s:I, s:s, s:{s:I, s:I, s:I, s:I, s:I},"
		    " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:b}",
		    "old_origin", r.old_origin, "old_size", (json_int_t)r.old_size, "old_root", root,
		    "vouchers", "total", (json_int_t)r.vouchers, "issued", (json_int_t)r.issued,
		    "redeemed", (json_int_t)r.redeemed, "revoked", (json_int_t)r.revoked,
		    "expired", (json_int_t)r.expired,
		    "outstanding_cents", (json_int_t)r.outstanding_cents,
		    "payables_cents", (json_int_t)r.payables_cents,
		    "claim_cents", (json_int_t)(r.outstanding_cents + r.payables_cents),
		    "payees", (json_int_t)r.payees, "campaigns", (json_int_t)r.campaigns,
		    "entries", (json_int_t)r.entries, "first_seq", (json_int_t)r.first_seq,
		    "checkpoint", r.checkpoint_given ? json_pack("{s:I, s:b}", "size",
		    (json_int_t)r.checkpoint_size, "beyond_export", r.checkpoint_beyond) :
		    json_null(), "escrow", r.escrow));
	money_format(r.outstanding_cents, out, sizeof(out));
	money_format(r.payables_cents, owed, sizeof(owed));
	printf("took over %s at %llu entries (root %s)%s\n", r.old_origin,
	    (unsigned long long)r.old_size, root, r.escrow ? ", from a funder's escrow" : "");
	printf("%lld vouchers: %lld issued, %lld redeemed, %lld revoked, %lld expired\n",
	    (long long)r.vouchers, (long long)r.issued, (long long)r.redeemed,
	    (long long)r.revoked, (long long)r.expired);
	printf("commitments: %s € of passes outstanding, %s € owed to %lld payees (claim on the"
	    " old operator: the sum), in %llu opening entries from %llu\n", out, owed,
	    (long long)r.payees, (unsigned long long)r.entries, (unsigned long long)r.first_seq);
	if (r.checkpoint_given)
		printf(r.checkpoint_beyond ? "the funder's checkpoint (size %llu) is beyond the"
		    " export: its signature is the old operator's; receipts fill the gap\n" :
		    "the funder's checkpoint (size %llu) is consistent with the log taken over\n",
		    (unsigned long long)r.checkpoint_size);
	printf("every payee's IBAN is to confirm (passnum payee confirm-iban ID); make new"
	    " bearer tokens\n");
	return EXIT_OK;
}

int
cmd_takeover_receipt(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "checkpoint", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct takeover_cli_options o = { NULL, NULL, NULL };
	struct takeover_receipt_result r;
	struct error e = { 0 };
	char *body, *cp = NULL, value[MONEY_FORMAT_SIZE];
	size_t len, cp_len;
	uint64_t cp_size = 0;
	bool beyond = false;
	int rc, first = cli_options(cli, argc, argv, "takeover-receipt", cmd_takeover_receipt_help,
	    opts, takeover_option, &o);

	if (first < 0)
		return first == -1 ? EXIT_OK : EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage_error("takeover-receipt", "give the receipt's file");
	if ((body = takeover_read(argv[first], &len, &e)) == NULL)
		return cli_bad_value("takeover-receipt", &e);
	if (o.checkpoint != NULL && (cp = takeover_read(o.checkpoint, &cp_len, &e)) == NULL) {
		free(body);
		return cli_bad_value("takeover-receipt", &e);
	}
	if (cli_begin(cli) != 0) {
		free(body);
		free(cp);
		return EXIT_REFUSED;
	}
	rc = cp != NULL ? takeover_check_checkpoint(cli->home.db, cp, &cp_size, &beyond, &e) : 0;
	if (rc == 0)
		rc = takeover_receipt(cli->home.db, body, len, clock_now(), &r, &e);
	if (rc == 0 && cp != NULL && r.old_seq >= cp_size) {
		error_set(&e, 409, "RECEIPT_BEYOND_CHECKPOINT", "the receipt's entry %llu is beyond"
		    " the funder's checkpoint (%llu entries)", (unsigned long long)r.old_seq,
		    (unsigned long long)cp_size);
		rc = -1;
	}
	free(body);
	free(cp);
	if ((rc = cli_commit(cli, rc, &e)) != EXIT_OK)
		return rc;
	if (cli->json)
		return cli_print_json(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "old_seq", (json_int_t)r.old_seq, "redemption_id", (json_int_t)r.redemption_id,
		    "entry_seq", (json_int_t)r.entry_seq, "value_cents", (json_int_t)r.value_cents,
		    "place_id", (json_int_t)r.place_id, "payee_id", (json_int_t)r.payee_id,
		    "passes", (json_int_t)r.passes));
	money_format(r.value_cents, value, sizeof(value));
	printf("accepted the old operator's entry %llu: redemption %lld here (entry %llu), %lld"
	    " passes, %s € owed to payee %lld\n", (unsigned long long)r.old_seq,
	    (long long)r.redemption_id, (unsigned long long)r.entry_seq, (long long)r.passes,
	    value, (long long)r.payee_id);
	return EXIT_OK;
}
