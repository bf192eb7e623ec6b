/* Reports for funders: aggregates only, never anything about a person or a
 * place-level trail; counts under the small-cell threshold (setting
 * report_small_cell, default 11) are shown as "< 11". */
#ifndef PASSNUM_REPORT_H
#define PASSNUM_REPORT_H
#include <stdint.h>
#include <jansson.h>
#include "error.h"

struct db;

/* Builds funder funder_id's report as JSON (new reference in *out): its
 * public name, spendable balance and what it owes on orders, and per
 * campaign the passes issued, redeemed, revoked, expired and still in
 * circulation (count and cents) and the passes redeemed per département.
 * 404 NO_FUNDER for an unknown funder. */
int report_funder_json(struct db *db, int64_t funder_id, json_t **out, struct error *e);

#endif
