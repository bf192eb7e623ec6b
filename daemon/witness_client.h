/* passnumd asks its witnesses (passnumd.conf `witness = URL VKEY`) to
 * cosign its checkpoints, C2SP tlog-witness (witness_client.c).
 *
 * One thread of its own, with its own read connection: every second it
 * reads the latest checkpoint, and for each witness that has not cosigned
 * it yet POSTs URL/add-checkpoint with "old N" (the size the witness last
 * cosigned, as far as we know: 0 at start), the consistency proof from N,
 * and the note. A 409 gives the witness's size: asked again from it (up to
 * three times). A 200's cosignature lines are verified with the witness's
 * key and kept in memory for GET /v1/ledger/checkpoint. Anything else (a
 * witness down, a refusal such as a fork's 422) is logged and asked again
 * later (1 s, doubling up to 60 s; a new checkpoint at once). The writer and the redemptions never
 * wait for it; what it keeps is rebuilt after a restart by asking again. */
#ifndef PASSNUMD_WITNESS_CLIENT_H
#define PASSNUMD_WITNESS_CLIENT_H
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "merkle.h"

struct daemon;
struct witness_client;

/* Starts the thread when d's configuration names witnesses; *out NULL when
 * it names none. Returns 0, or -1 with e set. Call before other threads
 * (it initialises libcurl). */
int witness_client_start(struct daemon *d, struct witness_client **out, struct error *e);
/* Stops the thread (within its HTTP timeout) and frees c; NULL is fine. */
void witness_client_stop(struct witness_client *c);
/* Copies into out (cap bytes, NUL-terminated) the cosignature lines
 * collected for the checkpoint of size and root; returns their length (0
 * when none, or when they do not fit). */
size_t witness_client_cosignatures(struct witness_client *c, uint64_t size,
    const uint8_t root[MERKLE_HASH_SIZE], char *out, size_t cap);

#endif
