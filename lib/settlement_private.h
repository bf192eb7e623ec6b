/* Shared by lib/settlement*.c only: which passes wait for their funder's
 * payment (docs/accounting.md "Purchase funders: places paid once the
 * invoice is paid"). */
#ifndef PASSNUM_SETTLEMENT_PRIVATE_H
#define PASSNUM_SETTLEMENT_PRIVATE_H
#include "settlement.h"

/* The unpaid redemptions: not cancelled, made before end, in no payout,
 * at a place whose payee is not on hold. ?1 is end. */
#define SETTLEMENT_UNPAID_FROM \
	" FROM redemptions r JOIN places pl ON pl.id = r.place_id"
#define SETTLEMENT_UNPAID_WHERE \
	" WHERE r.cancelled_at IS NULL AND r.created_at < ?1" \
	" AND NOT EXISTS (SELECT 1 FROM payout_redemptions pr WHERE pr.redemption_id = r.id)"
#define SETTLEMENT_NOT_HELD \
	" AND NOT EXISTS (SELECT 1 FROM payee_holds h WHERE h.payee_id = pl.payee_id" \
	" AND h.released_at IS NULL)"

/* An invoice i of the face value of passes that no credit note cancelled
 * in full (error, rejection): the one that bills its passes. */
#define SETTLEMENT_LIVE_FACE \
	" i.part = 'face' AND i.kind = 'invoice' AND i.total_cents > (SELECT" \
	" COALESCE(SUM(cn.total_cents), 0) FROM invoices cn WHERE cn.invoice_id = i.id AND" \
	" cn.reason IN ('error', 'rejection'))"

/* Nothing is owed on invoice i any more. */
#define SETTLEMENT_NOTHING_OWED \
	" i.receivable_cents <= (SELECT COALESCE(SUM(cn.receivable_cents), 0) FROM invoices cn" \
	" WHERE cn.invoice_id = i.id) + (SELECT COALESCE(SUM(ip.amount_cents), 0) FROM" \
	" invoice_payments ip WHERE ip.invoice_id = i.id)"

/* The passes of campaign v.campaign_id in redemption r are of funder f on
 * purchase, invoiced monthly for the passes redeemed, and no invoice that
 * bills them is paid in full (none issued yet counts as unpaid). A funder
 * invoiced on delivery of booklets (a face-value invoice by order) is not
 * invoiced by redemptions: its passes never wait here. */
#define SETTLEMENT_PASS_UNPAID \
	" f.frame = 'purchase' AND NOT EXISTS (SELECT 1 FROM invoices o WHERE" \
	" o.funder_id = f.id AND o.kind = 'invoice' AND o.part = 'face' AND o.basis = 'order')" \
	" AND NOT EXISTS (SELECT 1 FROM invoice_redemptions ir JOIN invoices i ON i.id =" \
	" ir.invoice_id WHERE ir.redemption_id = r.id AND ir.campaign_id = v.campaign_id AND" \
	SETTLEMENT_LIVE_FACE " AND" SETTLEMENT_NOTHING_OWED ")"

/* The passes of redemption r, with their campaign c and funder f. */
#define SETTLEMENT_PASSES_OF_R \
	" FROM redemption_vouchers rv JOIN vouchers v ON v.serial = rv.serial JOIN campaigns c" \
	" ON c.id = v.campaign_id JOIN funders f ON f.id = c.funder_id WHERE rv.redemption_id = r.id"

/* Redemption r has passes waiting for their funder's payment. */
#define SETTLEMENT_R_WAITS \
	" EXISTS (SELECT 1" SETTLEMENT_PASSES_OF_R " AND" SETTLEMENT_PASS_UNPAID ")"

/* Unless the parameter adv is 1 (--advance-float), redemption r does not
 * wait for its funder's payment. */
#define SETTLEMENT_NOT_WAITING(adv) " AND (" adv " = 1 OR NOT" SETTLEMENT_R_WAITS ")"

/* The number of the live face-value invoice billing the passes of
 * campaign in redemption, '' when none is issued. */
#define SETTLEMENT_INVOICE_OF(redemption, campaign) \
	"COALESCE((SELECT i.number FROM invoice_redemptions ir JOIN invoices i ON i.id =" \
	" ir.invoice_id WHERE ir.redemption_id = " redemption " AND ir.campaign_id = " campaign \
	" AND" SETTLEMENT_LIVE_FACE " ORDER BY i.id DESC LIMIT 1), '')"

/* settlement_float.c: fills s->waiting with what waits for funders'
 * payments among the unpaid redemptions made before end at payees not on
 * hold (left out of s, or, with s->advance_float, paid by it). */
int settlement_float_waiting(struct db *db, int64_t end, struct settlement *s,
    struct error *e);
/* Records the advances of stored settlement s (s->advance_float): for each
 * funder, a "float-advance" entry and the passes its payouts paid ahead;
 * then fills s->waiting with them. */
int settlement_float_store(struct db *db, struct settlement *s, struct error *e);

#endif
