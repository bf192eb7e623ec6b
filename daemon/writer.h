/* The one writer thread (writer.c): a job's work runs on the writer thread
 * inside the batch transaction, in its own savepoint, with the batch's
 * context; its done runs after the commit (rc -1 and e set when the job was
 * refused or the batch failed) and sets the request's reply. */
#ifndef PASSNUMD_WRITER_H
#define PASSNUMD_WRITER_H
#include <stdint.h>
#include "error.h"
#include "merkle.h"

struct daemon;
struct db;
struct request;
struct writer;

struct writer_context {
	struct merkle_state *cache;   /* the tree state kept across batches */
	const uint8_t *ledger_secret; /* active ledger key, wiped after the batch */
	uint8_t ledger_key_id[4];
	int64_t now;
};

struct writer_job;
typedef int (*writer_work_fn)(struct db *db, const struct writer_context *w,
    struct writer_job *job, struct error *e);
struct writer_job {
	struct request *req;
	writer_work_fn work;
	void (*done)(struct writer_job *job, int rc, const struct error *e);
	int rc;
	struct error e;
	struct writer_job *next;
};

/* Opens the write connection to d's home and starts the thread. Returns the
 * writer (writer_stop), or NULL with e set. */
struct writer *writer_start(struct daemon *d, struct error *e);
/* Queues job (job->req set) and suspends its request (call from a handler);
 * the writer resumes it after the batch with the reply set by job->done.
 * When w is NULL or stopping, job->done runs at once with 503. */
void writer_submit(struct writer *w, struct writer_job *job);
/* Drains the queue, stops the thread, closes the connection and frees w;
 * NULL is fine. */
void writer_stop(struct writer *w);

#endif
