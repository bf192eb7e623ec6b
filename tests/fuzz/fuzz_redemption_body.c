/* libFuzzer target: the body of POST /v1/redemptions as the daemon reads it
 * — JSON with duplicate keys refused (daemon/request.c's json_loadb flags),
 * the documented shape {"vouchers": [1..REDEMPTION_MAX_PASSES strings of at
 * most 512 bytes], "service": CODE, "idempotency_key": KEY}, each voucher
 * through lib/redemption's redemption_pass_read, then
 * redemption_request_hash. Properties: nothing crashes; a refused pass
 * carries 422 and a code; an accepted token's serial is the token's own
 * (bytes 5..16, docs/token-format.md) and its text re-encodes to the same
 * bytes; a code's serial formats back to the canonical code; the request
 * hash is deterministic and does not depend on the order of the passes.
 * Aborts on any violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "code.h"
#include "redemption.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks one pass read from text (len bytes). Returns 0 when it was read. */
static int
fuzz_redemption_pass(const char *text, size_t len, struct redemption_pass *p)
{
	char out[TOKEN_TEXT_LEN + 1];
	struct redemption_pass again;
	struct token t;
	struct error e;

	error_clear(&e);
	if (redemption_pass_read(text, len, p, &e) != 0) {
		if (e.status != 422 || e.code == NULL || strchr(e.message, '\n') != NULL)
			abort();
		return -1;
	}
	if (p->has_token) {
		if (token_decode(p->token, TOKEN_BYTES, &t) != TOKEN_OK ||
		    memcmp(t.serial, p->serial, TOKEN_SERIAL_BYTES) != 0)
			abort();
		token_to_text(p->token, out);
	} else
		code_format(p->serial, out);
	if (redemption_pass_read(out, strlen(out), &again, NULL) != 0 ||
	    memcmp(again.serial, p->serial, TOKEN_SERIAL_BYTES) != 0 ||
	    again.has_token != p->has_token)
		abort();
	return 0;
}

/* The request hash ignores the order of the passes. */
static void
fuzz_redemption_hash(struct redemption_request *r)
{
	uint8_t first[32];

	redemption_request_hash(r);
	memcpy(first, r->request_hash, sizeof(first));
	for (size_t i = 0; i < r->count / 2; i++) {
		struct redemption_pass tmp = r->passes[i];
		r->passes[i] = r->passes[r->count - 1 - i];
		r->passes[r->count - 1 - i] = tmp;
	}
	redemption_request_hash(r);
	if (memcmp(first, r->request_hash, sizeof(first)) != 0)
		abort();
}

static void
fuzz_redemption_request(const json_t *json, struct redemption_request *r)
{
	json_t *vouchers = json_object_get(json, "vouchers"), *v;
	const char *service = json_string_value(json_object_get(json, "service"));
	const char *key = json_string_value(json_object_get(json, "idempotency_key"));
	size_t i;

	if (!json_is_array(vouchers) || json_array_size(vouchers) == 0 ||
	    json_array_size(vouchers) > REDEMPTION_MAX_PASSES || service == NULL ||
	    strlen(service) == 0 || strlen(service) >= sizeof(r->service_code) ||
	    key == NULL || strlen(key) == 0 || strlen(key) > REDEMPTION_KEY_MAX)
		return;
	snprintf(r->service_code, sizeof(r->service_code), "%s", service);
	snprintf(r->idempotency_key, sizeof(r->idempotency_key), "%s", key);
	json_array_foreach(vouchers, i, v) {
		if (!json_is_string(v) || json_string_length(v) > 512 ||
		    fuzz_redemption_pass(json_string_value(v), json_string_length(v),
		    &r->passes[i]) != 0)
			return;
	}
	r->count = json_array_size(vouchers);
	fuzz_redemption_hash(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct redemption_request r;
	json_t *json = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct redemption_pass p;

	/* Any input is also tried as one pass, as typed. */
	fuzz_redemption_pass((const char *)data, size, &p);
	if (json == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	fuzz_redemption_request(json, &r);
	json_decref(json);
	return 0;
}
