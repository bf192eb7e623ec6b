/* Benchmark (not a test): token signing and verifying beside raw libsodium
 * Ed25519 on the same 47-byte message, measured in the same run, in
 * interleaved rounds; and token text encode + decode. Prints operations per
 * second and the token/raw ratio (goal: at least 90%).
 *
 * Usage: bench_token [SCALE]   SCALE multiplies the ~10 s run time
 *                              (e.g. 0.1 for a smoke run). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "keys.h"
#include "token.h"

#define BENCH_ROUNDS	5
#define BENCH_KINDS	6

enum bench_kind {
	BENCH_RAW_SIGN,
	BENCH_TOKEN_SIGN,
	BENCH_RAW_VERIFY,
	BENCH_TOKEN_VERIFY,
	BENCH_TOKEN_VERIFY_TEXT,
	BENCH_TEXT_CODEC,
};

static const char *bench_names[BENCH_KINDS] = {
	"raw crypto_sign_detached (47 B)",
	"token_sign",
	"raw crypto_sign_verify_detached (47 B)",
	"token_decode + token_verify",
	"token_verify_text (text to verdict)",
	"token_to_text + token_from_text",
};

struct bench {
	struct secret_key sk;
	struct keyset set;
	struct token token;
	uint8_t bytes[TOKEN_BYTES];
	char text[TOKEN_TEXT_LEN + 1];
	uint8_t msg[47];
	uint8_t sig[64];
	uint64_t ops[BENCH_KINDS];
	double secs[BENCH_KINDS];
	unsigned sink;
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs one operation of kind once; aborts if it does not succeed. */
static void
bench_once(struct bench *b, enum bench_kind kind)
{
	struct token t;
	uint8_t bytes[TOKEN_BYTES] = { 0 };

	switch (kind) {
	case BENCH_RAW_SIGN:
		if (crypto_sign_detached(b->sig, NULL, b->msg, sizeof(b->msg),
		    b->sk.bytes) != 0)
			abort();
		break;
	case BENCH_TOKEN_SIGN:
		if (token_sign(&b->token, &b->sk, bytes) != 0)
			abort();
		break;
	case BENCH_RAW_VERIFY:
		if (crypto_sign_verify_detached(b->sig, b->msg, sizeof(b->msg),
		    b->set.keys[0].public_key) != 0)
			abort();
		break;
	case BENCH_TOKEN_VERIFY:
		if (token_decode(b->bytes, TOKEN_BYTES, &t) != TOKEN_OK ||
		    token_verify(&t, &b->set, TOKEN_ISSUED_AT_UNKNOWN, NULL) !=
		    TOKEN_OK)
			abort();
		break;
	case BENCH_TOKEN_VERIFY_TEXT:
		if (token_verify_text(b->text, TOKEN_TEXT_LEN, &b->set,
		    TOKEN_ISSUED_AT_UNKNOWN, NULL, NULL) != TOKEN_OK)
			abort();
		break;
	case BENCH_TEXT_CODEC:
		token_to_text(b->bytes, b->text);
		if (token_from_text(b->text, TOKEN_TEXT_LEN, bytes) != TOKEN_OK)
			abort();
		break;
	}
	b->sink += bytes[7];
}

/* Runs kind for about budget seconds, adding to its totals. */
static void
bench_run(struct bench *b, enum bench_kind kind, double budget)
{
	double start = bench_now(), elapsed;
	uint64_t n = 0;
	int i;

	do {
		for (i = 0; i < 32; i++)
			bench_once(b, kind);
		n += 32;
		elapsed = bench_now() - start;
	} while (elapsed < budget);
	b->ops[kind] += n;
	b->secs[kind] += elapsed;
}

/* Sets up a key, a keyset holding it, a signed token and the raw message. */
static void
bench_setup(struct bench *b)
{
	struct issuer_key key;

	memset(b, 0, sizeof(*b));
	memset(&key, 0, sizeof(key));
	crypto_sign_keypair(key.public_key, b->sk.bytes);
	keys_issuer_key_id(key.public_key, key.key_id);
	key.status = KEY_ACTIVE;
	keyset_add(&b->set, &key);
	randombytes_buf(b->token.serial, sizeof(b->token.serial));
	b->token.campaign = 1;
	b->token.value_cents = 1000;
	b->token.last_day = 21183;
	if (token_sign(&b->token, &b->sk, b->bytes) != 0)
		abort();
	token_to_text(b->bytes, b->text);
	memcpy(b->msg, TOKEN_DOMAIN, 18);
	memcpy(b->msg + 18, b->bytes, TOKEN_SIGNED_BYTES);
	if (crypto_sign_detached(b->sig, NULL, b->msg, sizeof(b->msg),
	    b->sk.bytes) != 0)
		abort();
}

static double
bench_rate(const struct bench *b, enum bench_kind kind)
{
	return b->secs[kind] > 0 ? (double)b->ops[kind] / b->secs[kind] : 0;
}

int
main(int argc, char **argv)
{
	static struct bench b;
	double scale = 1.0, budget;
	int round, k;

	if (argc > 2 || (argc == 2 && (scale = strtod(argv[1], NULL)) <= 0)) {
		fprintf(stderr, "usage: bench_token [SCALE]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	bench_setup(&b);
	budget = 10.0 * scale / (BENCH_ROUNDS * BENCH_KINDS);
	for (round = 0; round < BENCH_ROUNDS; round++)
		for (k = 0; k < BENCH_KINDS; k++)
			bench_run(&b, (enum bench_kind)k, budget);
	for (k = 0; k < BENCH_KINDS; k++)
		printf("%-40s %12.0f /s\n", bench_names[k],
		    bench_rate(&b, (enum bench_kind)k));
	printf("sign ratio   token/raw: %5.1f%% (goal >= 90%%)\n",
	    100 * bench_rate(&b, BENCH_TOKEN_SIGN) / bench_rate(&b, BENCH_RAW_SIGN));
	printf("verify ratio token/raw: %5.1f%% (goal >= 90%%)\n",
	    100 * bench_rate(&b, BENCH_TOKEN_VERIFY) / bench_rate(&b, BENCH_RAW_VERIFY));
	printf("verify_text  token/raw: %5.1f%%\n",
	    100 * bench_rate(&b, BENCH_TOKEN_VERIFY_TEXT) /
	    bench_rate(&b, BENCH_RAW_VERIFY));
	secret_key_wipe(&b.sk);
	keyset_free(&b.set);
	return b.sink == 0xffffffffu ? 1 : 0;
}
