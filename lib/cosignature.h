/* C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), the Ed25519
 * type "cosignature/v1": a witness's timestamped signature on a checkpoint.
 *
 *   key id    = SHA-256(name ‖ "\n" ‖ 0x04 ‖ Ed25519 public key)[:4]
 *   vkey      = name+hex(key id)+base64(0x04 ‖ public key)
 *   message   = "cosignature/v1\n" "time " decimal(t) "\n" ‖ checkpoint text
 *               (the note's text, its final newline included, no signature)
 *   line      = "— " name " " base64(key id ‖ u64 big-endian t ‖ signature) "\n"
 *
 * t is a POSIX time in seconds, 1 .. 2^63 - 1 (a witness never omits it).
 * A cosignature says: at time t, the largest tree the witness has seen of
 * the log named by the checkpoint's origin, consistent with every earlier
 * one it saw, is this one.
 *
 * Errors (422 unless said): MALFORMED_NOTE, NOTE_TOO_LONG (413),
 * NOT_COSIGNED (no line with the witness's name and key id), BAD_COSIGNATURE
 * (such a line that does not verify or is not 76 bytes), BAD_KEY (a vkey
 * that is not of type 0x04 or whose id does not match). Signing errors are
 * 500. All functions return 0 or -1 and allocate nothing. */
#ifndef PASSNUM_COSIGNATURE_H
#define PASSNUM_COSIGNATURE_H
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "note.h"

#define COSIGNATURE_TYPE	0x04
/* key id ‖ timestamp ‖ signature */
#define COSIGNATURE_BLOB_SIZE	(NOTE_KEY_ID_SIZE + 8 + NOTE_SIGNATURE_SIZE)
/* "— " name " " base64(76 bytes) "\n" and a NUL. */
#define COSIGNATURE_LINE_MAX	(4 + NOTE_NAME_MAX + 1 + 104 + 1 + 1)
/* Most witnesses a verifier or passnumd is configured with. */
#define COSIGNATURE_WITNESSES_MAX 16

/* A witness as a verifier knows it: its name and public key. */
struct cosignature_witness {
	char name[NOTE_NAME_MAX + 1];
	uint8_t pub[NOTE_PUBLIC_KEY_SIZE];
};

int	cosignature_key_id(const char *name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
	    uint8_t out[NOTE_KEY_ID_SIZE]);
int	cosignature_vkey_format(const char *name, const uint8_t pub[NOTE_PUBLIC_KEY_SIZE],
	    char out[NOTE_VKEY_MAX]);
/* Parses a vkey of type 0x04 into w; 400 BAD_KEY otherwise. */
int	cosignature_vkey_parse(const char *vkey, struct cosignature_witness *w,
	    struct error *e);

/* Writes the signed message for text[0..text_len) at time t into out (cap
 * bytes); *len its length. 500 NOTE_TOO_LONG when it does not fit. */
int	cosignature_message(const char *text, size_t text_len, uint64_t t, uint8_t *out,
	    size_t cap, size_t *len, struct error *e);

/* Cosigns the checkpoint text (text_len bytes, ending in "\n") at time t
 * with sk (seed ‖ public key) under name: writes the signature line, with
 * its "\n" and a NUL, into line; *len excludes the NUL. */
int	cosignature_sign(const char *text, size_t text_len, const char *name,
	    const uint8_t sk[NOTE_SECRET_KEY_SIZE], uint64_t t,
	    char line[COSIGNATURE_LINE_MAX], size_t *len, struct error *e);

/* Verifies that the signed note msg[0..len) carries a valid cosignature by
 * w; *t gets its time. A note with a line by w that fails is refused
 * (BAD_COSIGNATURE) even if another line by w verifies. */
int	cosignature_verify(const char *msg, size_t len, const struct cosignature_witness *w,
	    uint64_t *t, struct error *e) __attribute__((warn_unused_result));

/* Copies to out (cap bytes, NUL-terminated; *out_len) the signature lines
 * of msg that are valid cosignatures by w on msg's text, each with its
 * "\n"; nothing when there is none. Lines by other signers are ignored. A
 * line by w that does not verify is refused (BAD_COSIGNATURE). */
int	cosignature_lines(const char *msg, size_t len, const struct cosignature_witness *w,
	    char *out, size_t cap, size_t *out_len, struct error *e);

#endif
