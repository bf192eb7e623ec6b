/* pain.002 (customer payment status report, .001.03 and .001.10) through
 * the streaming walk of bank_xml.c: the report's MsgId, the original
 * message's status (OrgnlGrpInfAndSts/GrpSts), each payment information
 * block's (OrgnlPmtInfAndSts/PmtInfSts) and each transaction's
 * (TxInfAndSts/TxSts), with the first reason code. Each status is given to
 * the sink when its element closes. */
#include <stdio.h>
#include <string.h>
#include "bank_private.h"

struct pain002 {
	const struct bank_sink *sink;
	struct bank_status s;
	char pmtinf_id[BANK_ID_MAX + 1], pmtinf_sts[5], pmtinf_reason[9];
	char grp_sts[5], grp_reason[9];
	char tx_id[BANK_ID_MAX + 1], tx_sts[5], tx_reason[9];
	int statuses;
};

static int
pain002_open(struct bank_xml *x, void *ctx, struct error *e)
{
	struct pain002 *p = ctx;
	const char *name = x->names[x->depth - 1];

	if (x->depth == 1 && strcmp(name, "Document") != 0)
		return error_set(e, 400, "BAD_BANK_FILE", "the root element is %s, not Document", name);
	if (x->depth == 2) {
		if (strcmp(name, "CstmrPmtStsRpt") != 0)
			return error_set(e, 400, "BAD_BANK_FILE", "%s is not a pain.002 message", name);
		bank_xml_version(x, p->s.version, sizeof(p->s.version));
	}
	if (strcmp(name, "OrgnlPmtInfAndSts") == 0)
		p->pmtinf_id[0] = p->pmtinf_sts[0] = p->pmtinf_reason[0] = '\0';
	if (strcmp(name, "TxInfAndSts") == 0)
		p->tx_id[0] = p->tx_sts[0] = p->tx_reason[0] = '\0';
	return 0;
}

static int
pain002_text(struct bank_xml *x, const char *text, void *ctx, struct error *e)
{
	struct pain002 *p = ctx;
	const char *leaf = x->names[x->depth - 1];

	if (bank_xml_at(x, 2, "GrpHdr", "MsgId"))
		return bank_copy_id(p->s.msg_id, sizeof(p->s.msg_id), text, leaf, e);
	else if (bank_xml_at(x, 2, "OrgnlGrpInfAndSts", "OrgnlMsgId"))
		return bank_copy_id(p->s.orig_msg_id, sizeof(p->s.orig_msg_id), text, leaf, e);
	else if (bank_xml_at(x, 2, "OrgnlGrpInfAndSts", "GrpSts"))
		return bank_copy_id(p->grp_sts, sizeof(p->grp_sts), text, leaf, e);
	else if (bank_xml_at(x, 2, "OrgnlPmtInfAndSts", "OrgnlPmtInfId"))
		return bank_copy_id(p->pmtinf_id, sizeof(p->pmtinf_id), text, leaf, e);
	else if (bank_xml_at(x, 2, "OrgnlPmtInfAndSts", "PmtInfSts"))
		return bank_copy_id(p->pmtinf_sts, sizeof(p->pmtinf_sts), text, leaf, e);
	else if (bank_xml_at(x, 2, "TxInfAndSts", "OrgnlEndToEndId"))
		return bank_copy_id(p->tx_id, sizeof(p->tx_id), text, leaf, e);
	else if (bank_xml_at(x, 2, "TxInfAndSts", "TxSts"))
		return bank_copy_id(p->tx_sts, sizeof(p->tx_sts), text, leaf, e);
	else if (strcmp(leaf, "Cd") == 0 && bank_xml_at(x, 3, "StsRsnInf", "Rsn", "Cd")) {
		char *reason = bank_xml_in(x, "TxInfAndSts") ? p->tx_reason :
		    bank_xml_in(x, "OrgnlPmtInfAndSts") ? p->pmtinf_reason : p->grp_reason;
		if (reason[0] == '\0')
			return bank_copy_id(reason, 9, text, leaf, e);
	}
	return 0;
}

static int
pain002_emit(struct pain002 *p, enum bank_status_level level, const char *id, const char *sts,
    const char *reason, struct error *e)
{
	if (sts[0] == '\0')
		return 0;
	if (p->s.msg_id[0] == '\0' || p->s.orig_msg_id[0] == '\0')
		return error_set(e, 400, "BAD_BANK_FILE", "a pain.002 without its MsgId or OrgnlMsgId");
	if (strlen(sts) != 4)
		return error_set(e, 400, "BAD_BANK_FILE", "status \"%.8s\" is not an ISO 20022 status", sts);
	if (level != BANK_STATUS_GROUP && id[0] == '\0')
		return error_set(e, 400, "BAD_BANK_FILE", "a status without the id it is about");
	p->s.level = level;
	snprintf(p->s.id, sizeof(p->s.id), "%s", id);
	snprintf(p->s.status, sizeof(p->s.status), "%s", sts);
	snprintf(p->s.reason, sizeof(p->s.reason), "%s", reason);
	p->statuses++;
	return p->sink->status != NULL ? p->sink->status(p->sink->ctx, &p->s, e) : 0;
}

static int
pain002_close(struct bank_xml *x, void *ctx, struct error *e)
{
	struct pain002 *p = ctx;
	const char *name = x->names[x->depth - 1];

	if (strcmp(name, "OrgnlGrpInfAndSts") == 0)
		return pain002_emit(p, BANK_STATUS_GROUP, "", p->grp_sts, p->grp_reason, e);
	if (strcmp(name, "TxInfAndSts") == 0)
		return pain002_emit(p, BANK_STATUS_TX, p->tx_id, p->tx_sts, p->tx_reason, e);
	if (strcmp(name, "OrgnlPmtInfAndSts") == 0)
		return pain002_emit(p, BANK_STATUS_PMTINF, p->pmtinf_id, p->pmtinf_sts,
		    p->pmtinf_reason, e);
	return 0;
}

int
bank_read_pain002(const struct bank_source *src, const struct bank_sink *sink, struct error *e)
{
	static const struct bank_xml_calls calls = { pain002_open, pain002_text, pain002_close };
	struct pain002 p = { .sink = sink };

	if (bank_xml_walk(src, &calls, &p, e) != 0)
		return -1;
	if (p.statuses == 0)
		return error_set(e, 400, "BAD_BANK_FILE", "a pain.002 without any status");
	return 0;
}
