/* C2SP signed notes and checkpoints with Ed25519, and receipts. See note.h. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "b64.h"
#include "hash.h"
#include "note.h"

#define NOTE_ALG_ED25519	0x01
#define NOTE_B64		sodium_base64_VARIANT_ORIGINAL

static const char note_dash[] = "\xe2\x80\x94 ";	/* U+2014 and a space */
static const char note_receipt_context[] = "passnum-receipt-v1";

/* A name we sign with or verify against: 1..NOTE_NAME_MAX printable ASCII
 * bytes, no space, no '+'. */
static int
note_name_ok(const char *name)
{
	size_t len = strnlen(name, NOTE_NAME_MAX + 1);

	if (len == 0 || len > NOTE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f || name[i] == '+')
			return 0;
	return 1;
}

/* First 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ pub). Returns -1 on a bad
 * name. */
int
note_key_id(const char *name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
    uint8_t out[NOTE_KEY_ID_SIZE])
{
	struct hash_sha256_state st;
	uint8_t h[HASH_SHA256_SIZE];
	const uint8_t sep[2] = { '\n', NOTE_ALG_ED25519 };

	if (!note_name_ok(name))
		return -1;
	hash_sha256_init(&st);
	hash_sha256_update(&st, name, strlen(name));
	hash_sha256_update(&st, sep, sizeof(sep));
	hash_sha256_update(&st, pub, NOTE_PUBLIC_KEY_SIZE);
	hash_sha256_final(&st, h);
	memcpy(out, h, NOTE_KEY_ID_SIZE);
	return 0;
}

/* Checks the shape of standard padded base64 of any length without decoding
 * it: alphabet, length a multiple of 4, '=' only as the last one or two
 * characters. Sets *decoded_len. */
static int
note_b64_shape(const char *s, size_t len, size_t *decoded_len)
{
	size_t pad = 0;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pad; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -1;
	}
	*decoded_len = len / 4 * 3 - pad;
	return 0;
}

/* Writes "name+<key id hex>+base64(0x01 ‖ pub)", the verifier key form of
 * golang.org/x/mod/sumdb/note. */
int
note_vkey_format(const char *name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
    char out[NOTE_VKEY_MAX])
{
	uint8_t id[NOTE_KEY_ID_SIZE], key[1 + NOTE_PUBLIC_KEY_SIZE];
	char b64[sodium_base64_ENCODED_LEN(sizeof(key), NOTE_B64)];

	if (note_key_id(name, pub, id) != 0)
		return -1;
	key[0] = NOTE_ALG_ED25519;
	memcpy(key + 1, pub, NOTE_PUBLIC_KEY_SIZE);
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), NOTE_B64);
	snprintf(out, NOTE_VKEY_MAX, "%s+%02x%02x%02x%02x+%s", name, id[0],
	    id[1], id[2], id[3], b64);
	return 0;
}

/* Parses a vkey: checks the name, the algorithm byte and that the key id
 * matches the key. Returns 0 with name and pub filled, or -1. */
int
note_vkey_parse(const char *vkey, char name[NOTE_NAME_MAX + 1],
    uint8_t pub[NOTE_PUBLIC_KEY_SIZE])
{
	const char *plus = strchr(vkey, '+'), *b64;
	uint8_t key[1 + NOTE_PUBLIC_KEY_SIZE], id[NOTE_KEY_ID_SIZE];
	uint8_t want[NOTE_KEY_ID_SIZE];
	size_t name_len, key_len;

	if (plus == NULL || (name_len = (size_t)(plus - vkey)) > NOTE_NAME_MAX)
		goto fail;
	memcpy(name, vkey, name_len);
	name[name_len] = '\0';
	b64 = plus + 1 + 2 * NOTE_KEY_ID_SIZE;
	if (strnlen(plus + 1, 2 * NOTE_KEY_ID_SIZE + 1) <= 2 * NOTE_KEY_ID_SIZE ||
	    *b64 != '+' ||
	    sodium_hex2bin(want, sizeof(want), plus + 1, 2 * NOTE_KEY_ID_SIZE,
	    NULL, &key_len, NULL) != 0 || key_len != NOTE_KEY_ID_SIZE)
		goto fail;
	b64++;
	if (b64_decode_exact(b64, strlen(b64), B64_STANDARD, key, sizeof(key)) != 0 ||
	    key[0] != NOTE_ALG_ED25519)
		goto fail;
	memcpy(pub, key + 1, NOTE_PUBLIC_KEY_SIZE);
	if (note_key_id(name, pub, id) != 0 || memcmp(id, want, sizeof(id)) != 0)
		goto fail;
	return 0;
fail:
	name[0] = '\0';
	memset(pub, 0, NOTE_PUBLIC_KEY_SIZE);
	return -1;
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 when
 * malformed (overlong, surrogate, above U+10FFFF, truncated). */
static size_t
note_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Valid UTF-8 with no control character but "\n". */
static int
note_text_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = note_utf8_len(u + i, len - i);
		if (n == 0 || (u[i] < 0x20 && u[i] != '\n') || u[i] == 0x7f)
			return 0;
		i += n;
	}
	return 1;
}

static int
note_append(char *out, size_t cap, size_t *pos, const void *data, size_t len,
    struct error *e)
{
	if (len >= cap - *pos)
		return error_set(e, 500, "NOTE_TOO_LONG",
		    "note does not fit its buffer");
	memcpy(out + *pos, data, len);
	*pos += len;
	out[*pos] = '\0';
	return 0;
}

/* Signs text (non-empty, ends in "\n", no blank line, UTF-8 without control
 * characters) with the Ed25519 key sk under name, writing text, a blank line
 * and one signature line to out. */
int
note_sign(const char *text, size_t text_len, const char *name,
    const uint8_t sk[NOTE_SECRET_KEY_SIZE], char *out, size_t cap,
    size_t *out_len, struct error *e)
{
	uint8_t blob[NOTE_KEY_ID_SIZE + NOTE_SIGNATURE_SIZE];
	char b64[sodium_base64_ENCODED_LEN(sizeof(blob), NOTE_B64)];
	size_t pos = 0;

	*out_len = 0;
	if (cap > 0)
		out[0] = '\0';
	if (text_len == 0 || text[text_len - 1] != '\n' ||
	    memmem(text, text_len, "\n\n", 2) != NULL || text[0] == '\n' ||
	    !note_text_ok(text, text_len))
		return error_set(e, 500, "MALFORMED_NOTE",
		    "note text is not signable");
	if (note_key_id(name, sk + 32, blob) != 0)
		return error_set(e, 500, "BAD_KEY_NAME",
		    "key name is not a valid note key name");
	crypto_sign_detached(blob + NOTE_KEY_ID_SIZE, NULL,
	    (const uint8_t *)text, text_len, sk);
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob), NOTE_B64);
	if (cap == 0 ||
	    note_append(out, cap, &pos, text, text_len, e) != 0 ||
	    note_append(out, cap, &pos, "\n", 1, e) != 0 ||
	    note_append(out, cap, &pos, note_dash, 4, e) != 0 ||
	    note_append(out, cap, &pos, name, strlen(name), e) != 0 ||
	    note_append(out, cap, &pos, " ", 1, e) != 0 ||
	    note_append(out, cap, &pos, b64, strlen(b64), e) != 0 ||
	    note_append(out, cap, &pos, "\n", 1, e) != 0 || pos > NOTE_MAX_BYTES) {
		if (cap > 0)
			out[0] = '\0';
		return error_set(e, 500, "NOTE_TOO_LONG",
		    "note does not fit its buffer");
	}
	*out_len = pos;
	return 0;
}

/* Outcome of one signature line for our key. */
enum note_line {
	NOTE_LINE_OTHER,	/* well formed, another signer: ignored */
	NOTE_LINE_OURS,		/* our key, signature valid */
	NOTE_LINE_BAD_SIG,	/* our key, signature invalid */
	NOTE_LINE_MALFORMED
};

/* Checks one signature line (without its "\n") against text. */
static enum note_line
note_check_line(const char *line, size_t len, const char *text,
    size_t text_len, const char *name, const uint8_t id[NOTE_KEY_ID_SIZE],
    const uint8_t pub[NOTE_PUBLIC_KEY_SIZE])
{
	uint8_t blob[NOTE_KEY_ID_SIZE + NOTE_SIGNATURE_SIZE];
	const char *space, *b64;
	size_t name_len, b64_len, blob_len, n;

	if (len < 4 || memcmp(line, note_dash, 4) != 0)
		return NOTE_LINE_MALFORMED;
	line += 4;
	len -= 4;
	if ((space = memchr(line, ' ', len)) == NULL)
		return NOTE_LINE_MALFORMED;
	name_len = (size_t)(space - line);
	b64 = space + 1;
	b64_len = len - name_len - 1;
	if (name_len == 0 || memchr(line, '+', name_len) != NULL ||
	    note_b64_shape(b64, b64_len, &blob_len) != 0 ||
	    blob_len <= NOTE_KEY_ID_SIZE)
		return NOTE_LINE_MALFORMED;
	/* The first 8 characters hold the key id (and a byte or two more). */
	if (name_len != strlen(name) || memcmp(line, name, name_len) != 0 ||
	    b64_decode(b64, 8, B64_STANDARD, blob, sizeof(blob), &n) != 0 ||
	    memcmp(blob, id, NOTE_KEY_ID_SIZE) != 0)
		return NOTE_LINE_OTHER;
	/* Our key: exactly one canonically encoded Ed25519 signature. */
	if (blob_len != sizeof(blob) ||
	    b64_decode_exact(b64, b64_len, B64_STANDARD, blob, sizeof(blob)) != 0 ||
	    crypto_sign_verify_detached(blob + NOTE_KEY_ID_SIZE,
	    (const uint8_t *)text, text_len, pub) != 0)
		return NOTE_LINE_BAD_SIG;
	return NOTE_LINE_OURS;
}

/* Opens the signed note msg[0..len): well-formed envelope, at most
 * NOTE_SIGNATURES_MAX signature lines, and at least one valid signature by
 * (name, pub); other signers' lines are ignored, a bad signature by our key
 * is refused. On success *text_len is the length of the signed text (which
 * starts at msg). */
int
note_verify(const char *msg, size_t len, const char *name,
    const uint8_t pub[NOTE_PUBLIC_KEY_SIZE], size_t *text_len, struct error *e)
{
	uint8_t id[NOTE_KEY_ID_SIZE];
	const char *sigs = NULL, *p, *end = msg + len;
	int lines = 0, ours = 0;

	*text_len = 0;
	if (len > NOTE_MAX_BYTES)
		return error_set(e, 413, "NOTE_TOO_LONG",
		    "note longer than %d bytes", NOTE_MAX_BYTES);
	if (note_key_id(name, pub, id) != 0)
		return error_set(e, 500, "BAD_KEY_NAME", "bad verifier key name");
	if (!note_text_ok(msg, len))
		goto malformed;
	for (p = msg; p + 1 < end; p++)	/* the last blank line */
		if (p[0] == '\n' && p[1] == '\n')
			sigs = p + 2;
	if (sigs == NULL || sigs == end || end[-1] != '\n' || msg[0] == '\n')
		goto malformed;
	for (p = sigs; p < end; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		enum note_line r;
		if (lines == NOTE_SIGNATURES_MAX)
			goto malformed;
		r = note_check_line(p, (size_t)(nl - p), msg,
		    (size_t)(sigs - 1 - msg), name, id, pub);
		if (r == NOTE_LINE_MALFORMED)
			goto malformed;
		if (r == NOTE_LINE_BAD_SIG)
			return error_set(e, 422, "BAD_SIGNATURE",
			    "invalid signature by key %s", name);
		ours += r == NOTE_LINE_OURS;
		p = nl + 1;
	}
	if (ours == 0)
		return error_set(e, 422, "NOTE_NOT_SIGNED",
		    "note has no signature by key %s", name);
	*text_len = (size_t)(sigs - 1 - msg);
	return 0;
malformed:
	return error_set(e, 422, "MALFORMED_NOTE", "malformed signed note");
}

int
note_signatures(const char *msg, size_t len, size_t *text_len,
    int (*fn)(const char *name, size_t name_len, const char *b64, size_t b64_len, void *ctx),
    void *ctx, struct error *e)
{
	const char *sigs = NULL, *p, *end = msg + len;
	int lines = 0;

	*text_len = 0;
	if (len > NOTE_MAX_BYTES)
		return error_set(e, 413, "NOTE_TOO_LONG",
		    "note longer than %d bytes", NOTE_MAX_BYTES);
	if (!note_text_ok(msg, len))
		goto malformed;
	for (p = msg; p + 1 < end; p++)	/* the last blank line */
		if (p[0] == '\n' && p[1] == '\n')
			sigs = p + 2;
	if (sigs == NULL || sigs == end || end[-1] != '\n' || msg[0] == '\n')
		goto malformed;
	*text_len = (size_t)(sigs - 1 - msg);
	for (p = sigs; p < end; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *line = p + 4, *space;
		size_t line_len = (size_t)(nl - p), name_len, blob_len;
		if (lines == NOTE_SIGNATURES_MAX || line_len < 4 ||
		    memcmp(p, note_dash, 4) != 0 ||
		    (space = memchr(line, ' ', line_len - 4)) == NULL)
			goto malformed;
		name_len = (size_t)(space - line);
		if (name_len == 0 || memchr(line, '+', name_len) != NULL ||
		    note_b64_shape(space + 1, (size_t)(nl - space - 1), &blob_len) != 0 ||
		    blob_len <= NOTE_KEY_ID_SIZE)
			goto malformed;
		if (fn(line, name_len, space + 1, (size_t)(nl - space - 1), ctx) != 0) {
			*text_len = 0;
			return -1;
		}
		p = nl + 1;
	}
	return 0;
malformed:
	*text_len = 0;
	return error_set(e, 422, "MALFORMED_NOTE", "malformed signed note");
}

/* Writes the checkpoint text "origin\nsize\nbase64(root)\n". origin: 1 to
 * NOTE_NAME_MAX printable ASCII bytes (spaces allowed). */
int
note_checkpoint_format(const char *origin, uint64_t size,
    const uint8_t root[NOTE_HASH_SIZE], char *out, size_t cap,
    size_t *out_len, struct error *e)
{
	char b64[sodium_base64_ENCODED_LEN(NOTE_HASH_SIZE, NOTE_B64)];
	size_t len = strnlen(origin, NOTE_NAME_MAX + 1);
	int n;

	*out_len = 0;
	if (cap > 0)
		out[0] = '\0';
	if (len == 0 || len > NOTE_NAME_MAX)
		goto bad_origin;
	for (size_t i = 0; i < len; i++)
		if (origin[i] < ' ' || origin[i] >= 0x7f)
			goto bad_origin;
	sodium_bin2base64(b64, sizeof(b64), root, NOTE_HASH_SIZE, NOTE_B64);
	n = snprintf(out, cap, "%s\n%llu\n%s\n", origin,
	    (unsigned long long)size, b64);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			out[0] = '\0';
		return error_set(e, 500, "NOTE_TOO_LONG",
		    "checkpoint does not fit its buffer");
	}
	*out_len = (size_t)n;
	return 0;
bad_origin:
	return error_set(e, 500, "BAD_ORIGIN", "log origin is not valid");
}

/* Formats the checkpoint and signs it with sk under the key name origin
 * (which must then also be a valid key name: no space, no '+'). */
int
note_checkpoint_sign(const char *origin, uint64_t size,
    const uint8_t root[NOTE_HASH_SIZE], const uint8_t sk[NOTE_SECRET_KEY_SIZE],
    char *out, size_t cap, size_t *out_len, struct error *e)
{
	char text[NOTE_CHECKPOINT_MAX];
	size_t text_len;

	if (note_checkpoint_format(origin, size, root, text, sizeof(text),
	    &text_len, e) != 0)
		return -1;
	return note_sign(text, text_len, origin, sk, out, cap, out_len, e);
}

/* Parses a decimal tree size: "0" or digits without a leading zero, no sign,
 * at most UINT64_MAX. */
static int
note_parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Verifies msg as a checkpoint of the log `origin` signed by (key_name, pub);
 * key_name NULL means the origin. Exactly three text lines; the origin must
 * match, the size be canonical decimal, the root canonical base64 of 32
 * bytes. Fills *size and root on success; zeroes them on failure. */
int
note_checkpoint_verify(const char *msg, size_t len, const char *origin,
    const char *key_name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
    uint64_t *size, uint8_t root[NOTE_HASH_SIZE], struct error *e)
{
	const char *line[3], *end;
	size_t text_len, line_len[3];

	*size = 0;
	memset(root, 0, NOTE_HASH_SIZE);
	if (note_verify(msg, len, key_name != NULL ? key_name : origin, pub,
	    &text_len, e) != 0)
		return -1;
	end = msg + text_len;
	line[0] = msg;
	for (int i = 0; i < 3; i++) {
		const char *nl;
		if (line[i] >= end ||
		    (nl = memchr(line[i], '\n', (size_t)(end - line[i]))) == NULL)
			goto malformed;
		line_len[i] = (size_t)(nl - line[i]);
		if (i < 2)
			line[i + 1] = nl + 1;
		else if (nl + 1 != end)
			goto malformed;	/* extension lines: not in our logs */
	}
	if (line_len[0] != strlen(origin) ||
	    memcmp(line[0], origin, line_len[0]) != 0)
		return error_set(e, 422, "WRONG_ORIGIN",
		    "checkpoint is not from log %s", origin);
	if (note_parse_size(line[1], line_len[1], size) != 0 ||
	    b64_decode_exact(line[2], line_len[2], B64_STANDARD, root, NOTE_HASH_SIZE) != 0)
		goto malformed;
	return 0;
malformed:
	*size = 0;
	memset(root, 0, NOTE_HASH_SIZE);
	return error_set(e, 422, "MALFORMED_CHECKPOINT", "malformed checkpoint");
}

static void
note_receipt_message(uint64_t sequence, const uint8_t entry_hash[NOTE_HASH_SIZE],
    uint8_t msg[sizeof(note_receipt_context) - 1 + 8 + NOTE_HASH_SIZE])
{
	size_t n = sizeof(note_receipt_context) - 1;

	memcpy(msg, note_receipt_context, n);
	for (int i = 0; i < 8; i++)
		msg[n + i] = (uint8_t)(sequence >> (56 - 8 * i));
	memcpy(msg + n + 8, entry_hash, NOTE_HASH_SIZE);
}

/* Signs "passnum-receipt-v1" ‖ sequence (big-endian) ‖ entry_hash. */
void
note_receipt_sign(uint64_t sequence, const uint8_t entry_hash[NOTE_HASH_SIZE],
    const uint8_t sk[NOTE_SECRET_KEY_SIZE], uint8_t sig[NOTE_SIGNATURE_SIZE])
{
	uint8_t msg[sizeof(note_receipt_context) - 1 + 8 + NOTE_HASH_SIZE];

	note_receipt_message(sequence, entry_hash, msg);
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
}

/* Returns 0 when sig is the ledger key's receipt for (sequence, entry_hash). */
int
note_receipt_verify(uint64_t sequence, const uint8_t entry_hash[NOTE_HASH_SIZE],
    const uint8_t pub[NOTE_PUBLIC_KEY_SIZE], const uint8_t sig[NOTE_SIGNATURE_SIZE])
{
	uint8_t msg[sizeof(note_receipt_context) - 1 + 8 + NOTE_HASH_SIZE];

	note_receipt_message(sequence, entry_hash, msg);
	return crypto_sign_verify_detached(sig, msg, sizeof(msg), pub) == 0 ?
	    0 : -1;
}
