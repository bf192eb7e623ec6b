/* C2SP cosignature/v1 (Ed25519): see cosignature.h. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "b64.h"
#include "cosignature.h"
#include "hash.h"

#define COSIGNATURE_B64 sodium_base64_VARIANT_ORIGINAL

static const char cosignature_dash[] = "\xe2\x80\x94 "; /* U+2014 and a space */
static const char cosignature_header[] = "cosignature/v1\ntime ";

/* A key name: 1..NOTE_NAME_MAX printable ASCII bytes, no space, no '+'. */
static int
cosignature_name_ok(const char *name)
{
	size_t len = strnlen(name, NOTE_NAME_MAX + 1);

	if (len == 0 || len > NOTE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f || name[i] == '+')
			return 0;
	return 1;
}

int
cosignature_key_id(const char *name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
    uint8_t out[NOTE_KEY_ID_SIZE])
{
	struct hash_sha256_state st;
	uint8_t h[HASH_SHA256_SIZE];
	const uint8_t sep[2] = { '\n', COSIGNATURE_TYPE };

	if (!cosignature_name_ok(name))
		return -1;
	hash_sha256_init(&st);
	hash_sha256_update(&st, name, strlen(name));
	hash_sha256_update(&st, sep, sizeof(sep));
	hash_sha256_update(&st, pub, NOTE_PUBLIC_KEY_SIZE);
	hash_sha256_final(&st, h);
	memcpy(out, h, NOTE_KEY_ID_SIZE);
	return 0;
}

int
cosignature_vkey_format(const char *name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
    char out[NOTE_VKEY_MAX])
{
	uint8_t id[NOTE_KEY_ID_SIZE], key[1 + NOTE_PUBLIC_KEY_SIZE];
	char b64[sodium_base64_ENCODED_LEN(sizeof(key), COSIGNATURE_B64)];

	if (cosignature_key_id(name, pub, id) != 0)
		return -1;
	key[0] = COSIGNATURE_TYPE;
	memcpy(key + 1, pub, NOTE_PUBLIC_KEY_SIZE);
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), COSIGNATURE_B64);
	snprintf(out, NOTE_VKEY_MAX, "%s+%02x%02x%02x%02x+%s", name, id[0], id[1], id[2], id[3],
	    b64);
	return 0;
}

int
cosignature_vkey_parse(const char *vkey, struct cosignature_witness *w, struct error *e)
{
	const char *plus = strchr(vkey, '+'), *b64;
	uint8_t key[1 + NOTE_PUBLIC_KEY_SIZE], id[NOTE_KEY_ID_SIZE], want[NOTE_KEY_ID_SIZE];
	size_t name_len, n;

	memset(w, 0, sizeof(*w));
	if (plus == NULL || (name_len = (size_t)(plus - vkey)) > NOTE_NAME_MAX ||
	    strnlen(plus + 1, 9) < 9 || plus[9] != '+')
		goto fail;
	memcpy(w->name, vkey, name_len);
	w->name[name_len] = '\0';
	b64 = plus + 10;
	for (int i = 1; i <= 8; i++)
		if (!((plus[i] >= '0' && plus[i] <= '9') || (plus[i] >= 'a' && plus[i] <= 'f')))
			goto fail;
	if (sodium_hex2bin(want, sizeof(want), plus + 1, 8, NULL, &n, NULL) != 0 || n != 4 ||
	    b64_decode_exact(b64, strlen(b64), B64_STANDARD, key, sizeof(key)) != 0 || key[0] != COSIGNATURE_TYPE)
		goto fail;
	memcpy(w->pub, key + 1, NOTE_PUBLIC_KEY_SIZE);
	if (cosignature_key_id(w->name, w->pub, id) != 0 || memcmp(id, want, sizeof(id)) != 0)
		goto fail;
	return 0;
fail:
	memset(w, 0, sizeof(*w));
	return error_set(e, 400, "BAD_KEY", "not a cosignature/v1 verifier key (name+id+base64 of"
	    " 0x04 and an Ed25519 key)");
}

int
cosignature_message(const char *text, size_t text_len, uint64_t t, uint8_t *out, size_t cap,
    size_t *len, struct error *e)
{
	char head[sizeof(cosignature_header) + 24];
	int n = snprintf(head, sizeof(head), "%s%llu\n", cosignature_header, (unsigned long long)t);

	*len = 0;
	if (n < 0 || (size_t)n + text_len > cap)
		return error_set(e, 500, "NOTE_TOO_LONG", "cosigned message does not fit its buffer");
	memcpy(out, head, (size_t)n);
	memcpy(out + n, text, text_len);
	*len = (size_t)n + text_len;
	return 0;
}

int
cosignature_sign(const char *text, size_t text_len, const char *name,
    const uint8_t sk[NOTE_SECRET_KEY_SIZE], uint64_t t, char line[COSIGNATURE_LINE_MAX],
    size_t *len, struct error *e)
{
	uint8_t msg[NOTE_MAX_BYTES + 64], blob[COSIGNATURE_BLOB_SIZE];
	char b64[sodium_base64_ENCODED_LEN(COSIGNATURE_BLOB_SIZE, COSIGNATURE_B64)];
	size_t msg_len;
	int n;

	*len = 0;
	line[0] = '\0';
	if (t == 0 || t > INT64_MAX)
		return error_set(e, 500, "BAD_TIME", "a cosignature's time is 1 .. 2^63 - 1");
	if (text_len == 0 || text[text_len - 1] != '\n')
		return error_set(e, 500, "MALFORMED_NOTE", "checkpoint text is not signable");
	if (cosignature_key_id(name, sk + 32, blob) != 0)
		return error_set(e, 500, "BAD_KEY_NAME", "not a valid witness name");
	if (cosignature_message(text, text_len, t, msg, sizeof(msg), &msg_len, e) != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		blob[NOTE_KEY_ID_SIZE + i] = (uint8_t)(t >> (56 - 8 * i));
	crypto_sign_detached(blob + NOTE_KEY_ID_SIZE + 8, NULL, msg, msg_len, sk);
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob), COSIGNATURE_B64);
	n = snprintf(line, COSIGNATURE_LINE_MAX, "%s%s %s\n", cosignature_dash, name, b64);
	*len = (size_t)n;
	return 0;
}

/* The walk over a note's signature lines for one witness. */
struct cosignature_walk {
	const char *msg;
	const struct cosignature_witness *w;
	uint8_t id[NOTE_KEY_ID_SIZE];
	size_t text_len;
	size_t found;
	uint64_t t;            /* the first valid line's time */
	char *out;             /* NULL: count only */
	size_t cap, out_len;
	struct error *e;
};

/* One signature line: ignored unless name and key id are the witness's;
 * then exactly 76 bytes whose signature verifies. */
static int
cosignature_line(const char *name, size_t name_len, const char *b64, size_t b64_len, void *ctx)
{
	struct cosignature_walk *k = ctx;
	uint8_t blob[COSIGNATURE_BLOB_SIZE], msg[NOTE_MAX_BYTES + 64], head[6];
	size_t n, msg_len;
	uint64_t t = 0;

	if (name_len != strlen(k->w->name) || memcmp(name, k->w->name, name_len) != 0 ||
	    b64_decode(b64, 8, B64_STANDARD, head, sizeof(head), &n) != 0 ||
	    memcmp(head, k->id, NOTE_KEY_ID_SIZE) != 0)
		return 0;
	if (b64_decode_exact(b64, b64_len, B64_STANDARD, blob, sizeof(blob)) != 0)
		goto bad;
	for (int i = 0; i < 8; i++)
		t = t << 8 | blob[NOTE_KEY_ID_SIZE + i];
	if (t == 0 || t > INT64_MAX ||
	    cosignature_message(k->msg, k->text_len, t, msg, sizeof(msg), &msg_len, NULL) != 0 ||
	    crypto_sign_verify_detached(blob + NOTE_KEY_ID_SIZE + 8, msg, msg_len, k->w->pub) != 0)
		goto bad;
	if (k->found++ == 0)
		k->t = t;
	if (k->out != NULL) {
		size_t line_len = 4 + name_len + 1 + b64_len + 1;
		if (k->out_len + line_len >= k->cap)
			return error_set(k->e, 500, "NOTE_TOO_LONG", "cosignatures do not fit their buffer");
		memcpy(k->out + k->out_len, name - 4, line_len);
		k->out_len += line_len;
		k->out[k->out_len] = '\0';
	}
	return 0;
bad:
	return error_set(k->e, 422, "BAD_COSIGNATURE", "the cosignature by witness %s does not"
	    " verify", k->w->name);
}

/* Walks msg's lines for w (see cosignature_lines). */
static int
cosignature_walk(const char *msg, size_t len, struct cosignature_walk *k, struct error *e)
{
	k->msg = msg;
	k->e = e;
	if (cosignature_key_id(k->w->name, k->w->pub, k->id) != 0)
		return error_set(e, 400, "BAD_KEY", "not a valid witness name");
	/* note_signatures gives the text length before the first callback. */
	return note_signatures(msg, len, &k->text_len, cosignature_line, k, e);
}

int
cosignature_verify(const char *msg, size_t len, const struct cosignature_witness *w, uint64_t *t,
    struct error *e)
{
	struct cosignature_walk k = { .w = w };

	*t = 0;
	if (cosignature_walk(msg, len, &k, e) != 0)
		return -1;
	if (k.found == 0)
		return error_set(e, 422, "NOT_COSIGNED", "no cosignature by witness %s", w->name);
	*t = k.t;
	return 0;
}

int
cosignature_lines(const char *msg, size_t len, const struct cosignature_witness *w, char *out,
    size_t cap, size_t *out_len, struct error *e)
{
	struct cosignature_walk k = { .w = w, .out = out, .cap = cap };

	*out_len = 0;
	if (cap == 0)
		return error_set(e, 500, "NOTE_TOO_LONG", "no room for cosignatures");
	out[0] = '\0';
	if (cosignature_walk(msg, len, &k, e) != 0) {
		out[0] = '\0';
		return -1;
	}
	*out_len = k.out_len;
	return 0;
}
