/* The handlers, h_<endpoint>.c: one route each (routes.c's table). */
#ifndef PASSNUMD_HANDLERS_H
#define PASSNUMD_HANDLERS_H
#include <stddef.h>

struct request;

void h_health(struct request *req);
void h_funder_report(struct request *req);
void h_funder_me(struct request *req);
void h_funder_audit(struct request *req);
void h_keys(struct request *req);
void h_checkpoint(struct request *req);
void h_proof(struct request *req);
void h_consistency(struct request *req);
void h_voucher_lookup(struct request *req);
void h_voucher_get(struct request *req);
/* The answer of both voucher routes for one typed or scanned pass. */
void h_voucher_answer(struct request *req, const char *text, size_t len);
void h_redemption_post(struct request *req);
void h_redemption_cancel(struct request *req);
void h_redemption_list(struct request *req);
void h_place_me(struct request *req);
void h_place_statements(struct request *req);
void h_place_statement(struct request *req);
void h_distributor_me(struct request *req);
void h_distributor_stock(struct request *req);
void h_distributor_handouts(struct request *req);
void h_distributor_handout(struct request *req);
void h_distributor_return(struct request *req);
void h_metrics(struct request *req);
void h_web(struct request *req);

#endif
