/* Signed notes (https://c2sp.org/signed-note) with Ed25519, the ledger's
 * checkpoints (https://c2sp.org/tlog-checkpoint) and redemption receipts.
 *
 * A note is text (non-empty lines, each ending in "\n"), a blank line, then
 * signature lines "— <key name> <base64(key id ‖ signature)>\n", where the
 * key id is the first 4 bytes of SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key)
 * and the Ed25519 signature covers the text including its final newline.
 *
 * A checkpoint's text is exactly three lines: the log origin, the tree size
 * in decimal, the root hash in standard padded base64. The ledger signs with
 * the key named after the origin.
 *
 * A receipt is an Ed25519 signature by the ledger key over
 * "passnum-receipt-v1" ‖ sequence (8 bytes big-endian) ‖ entry hash (32).
 *
 * Verification errors (status 422 unless said): NOTE_TOO_LONG (413, over
 * NOTE_MAX_BYTES), MALFORMED_NOTE, NOTE_NOT_SIGNED (no line by our name and
 * key id), BAD_SIGNATURE (such a line that does not verify), WRONG_ORIGIN,
 * MALFORMED_CHECKPOINT (not exactly origin, canonical decimal size,
 * canonical base64 of a 32-byte root). Other signers' lines are ignored.
 * Signing errors are 500 (MALFORMED_NOTE, BAD_KEY_NAME, BAD_ORIGIN,
 * NOTE_TOO_LONG for a small buffer).
 *
 * Keys are libsodium's: 64-byte secret keys (seed ‖ public key), 32-byte
 * public keys. Text outputs are NUL-terminated; *len excludes the NUL. All
 * functions return 0 or -1; nothing is allocated. */
#ifndef PASSNUM_NOTE_H
#define PASSNUM_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NOTE_KEY_ID_SIZE	4
#define NOTE_PUBLIC_KEY_SIZE	32
#define NOTE_SECRET_KEY_SIZE	64
#define NOTE_SIGNATURE_SIZE	64
#define NOTE_HASH_SIZE		32
/* Longest key name or origin, in bytes. */
#define NOTE_NAME_MAX		255
/* Longest note accepted or produced, in bytes. */
#define NOTE_MAX_BYTES		16384
/* Most signature lines accepted in one note (any signer). */
#define NOTE_SIGNATURES_MAX	100
/* Room for a vkey "name+xxxxxxxx+base64(0x01 ‖ key)" and its NUL. */
#define NOTE_VKEY_MAX		(NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)
/* Room for a signed checkpoint with one signature, and its NUL. */
#define NOTE_CHECKPOINT_MAX \
	(NOTE_NAME_MAX + 1 + 20 + 1 + 44 + 1 + 1 + 4 + NOTE_NAME_MAX + 1 + 92 + 1 + 1)

/* Keys */
int	note_key_id(const char *name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
	    uint8_t out[NOTE_KEY_ID_SIZE]);
int	note_vkey_format(const char *name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
	    char out[NOTE_VKEY_MAX]);
int	note_vkey_parse(const char *vkey, char name[NOTE_NAME_MAX + 1],
	    uint8_t pub[NOTE_PUBLIC_KEY_SIZE]);

/* Signed notes */
int	note_sign(const char *text, size_t text_len, const char *name,
	    const uint8_t sk[NOTE_SECRET_KEY_SIZE], char *out, size_t cap,
	    size_t *out_len, struct error *e);
int	note_verify(const char *msg, size_t len, const char *name,
	    const uint8_t pub[NOTE_PUBLIC_KEY_SIZE], size_t *text_len,
	    struct error *e) __attribute__((warn_unused_result));

/* Calls fn(name, name_len, b64, b64_len, ctx) for each signature line of
 * the signed note msg[0..len) after checking its envelope as note_verify
 * does (size, UTF-8 text, the last blank line, at most NOTE_SIGNATURES_MAX
 * well-formed "— name base64" lines); b64 is the line's base64 text, not
 * decoded. fn returns 0 to go on, -1 to stop (note_signatures then returns
 * -1 and leaves e as fn set it). *text_len gets the signed text's length.
 * Errors: 413 NOTE_TOO_LONG, 422 MALFORMED_NOTE. */
int	note_signatures(const char *msg, size_t len, size_t *text_len,
	    int (*fn)(const char *name, size_t name_len, const char *b64,
	    size_t b64_len, void *ctx), void *ctx, struct error *e);

/* Checkpoints */
int	note_checkpoint_format(const char *origin, uint64_t size,
	    const uint8_t root[NOTE_HASH_SIZE], char *out, size_t cap,
	    size_t *out_len, struct error *e);
int	note_checkpoint_sign(const char *origin, uint64_t size,
	    const uint8_t root[NOTE_HASH_SIZE],
	    const uint8_t sk[NOTE_SECRET_KEY_SIZE], char *out, size_t cap,
	    size_t *out_len, struct error *e);
int	note_checkpoint_verify(const char *msg, size_t len, const char *origin,
	    const char *key_name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
	    uint64_t *size, uint8_t root[NOTE_HASH_SIZE], struct error *e)
	    __attribute__((warn_unused_result));

/* Receipts */
void	note_receipt_sign(uint64_t sequence,
	    const uint8_t entry_hash[NOTE_HASH_SIZE],
	    const uint8_t sk[NOTE_SECRET_KEY_SIZE],
	    uint8_t sig[NOTE_SIGNATURE_SIZE]);
int	note_receipt_verify(uint64_t sequence,
	    const uint8_t entry_hash[NOTE_HASH_SIZE],
	    const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
	    const uint8_t sig[NOTE_SIGNATURE_SIZE])
	    __attribute__((warn_unused_result));

#endif
