/* The one writer thread and its group commit. Handlers queue jobs and
 * suspend their connections; the writer takes every queued job (up to
 * max-batch), runs them in one BEGIN IMMEDIATE transaction with one
 * SAVEPOINT each (a refused job is rolled back alone), COMMITs
 * (synchronous=FULL), and only then sets the replies and resumes the
 * connections. If the COMMIT fails, every job of the batch gets 503 and the
 * tree state is dropped (re-read from the database on the next append).
 * The CLI may write at the same time: ledger_append re-reads the head inside
 * each transaction, so the log never forks. Between batches the writer makes
 * checkpoints when due. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "checkpoint.h"
#include "clock.h"
#include "daemon.h"
#include "db.h"
#include "keys.h"

#define WRITER_BEGIN_TIMEOUT_MS 30000

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct writer_job *head, *tail;
	bool stop, running;
	pthread_t thread;
	struct db *db;
	char home[4096];
	struct merkle_state cache;
	int64_t checkpoint_tried_ms;
} writer = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

void
writer_submit(struct writer_job *job)
{
	struct error e;

	pthread_mutex_lock(&writer.lock);
	if (writer.stop || !writer.running) {
		pthread_mutex_unlock(&writer.lock);
		error_set(&e, 503, "STOPPING", "passnumd is stopping: try again in a moment");
		job->done(job, -1, &e);
		return;
	}
	job->req->suspended = true;
	MHD_suspend_connection(job->req->conn);
	job->next = NULL;
	if (writer.tail != NULL)
		writer.tail->next = job;
	else
		writer.head = job;
	writer.tail = job;
	pthread_cond_signal(&writer.wake);
	pthread_mutex_unlock(&writer.lock);
}

/* Takes up to max jobs off the queue, waiting up to a second for one.
 * Returns NULL when there is none (then *stop says whether to end). */
static struct writer_job *
writer_take(size_t max, size_t *count, bool *stop)
{
	struct writer_job *jobs, *last;
	struct timespec until;

	pthread_mutex_lock(&writer.lock);
	if (writer.head == NULL && !writer.stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&writer.wake, &writer.lock, &until);
	}
	jobs = writer.head;
	*count = 0;
	for (last = jobs; last != NULL && ++*count < max && last->next != NULL; last = last->next)
		;
	if (last != NULL) {
		writer.head = last->next;
		if (writer.head == NULL)
			writer.tail = NULL;
		last->next = NULL;
	}
	*stop = writer.stop && writer.head == NULL;
	pthread_mutex_unlock(&writer.lock);
	return jobs;
}

/* BEGIN IMMEDIATE, waiting while another writer (the CLI) holds the lock. */
static int
writer_begin(struct error *e)
{
	static const struct db_busy busy = { WRITER_BEGIN_TIMEOUT_MS };

	return db_write_begin(writer.db, &busy, e);
}

/* Runs one job in its own savepoint. Returns -1 only when the batch itself
 * is broken (the savepoint cannot be made or undone). */
static int
writer_run_job(const struct writer_context *w, struct writer_job *job, struct error *e)
{
	struct merkle_state saved = *w->cache;

	error_clear(&job->e);
	if (db_exec_stmt(writer.db, db_prepare(writer.db, "SAVEPOINT request"), e) != 0)
		return -1;
	job->rc = job->work(writer.db, w, job, &job->e);
	if (job->rc == 0)
		return db_exec_stmt(writer.db, db_prepare(writer.db, "RELEASE request"), e);
	*w->cache = saved;
	if (job->e.status >= 500)
		metrics_db_error();
	if (db_exec_stmt(writer.db, db_prepare(writer.db, "ROLLBACK TO request"), e) != 0)
		return -1;
	return db_exec_stmt(writer.db, db_prepare(writer.db, "RELEASE request"), e);
}

/* Runs a batch of jobs in one transaction; on failure every job gets e. */
static void
writer_batch(struct writer_job *jobs, size_t count)
{
	struct secret_key secret;
	struct key_info info;
	struct writer_context w = { &writer.cache, secret.bytes, { 0 }, clock_now() };
	struct error e;
	int failed;

	error_clear(&e);
	failed = keys_load_active(writer.db, writer.home, KEY_LEDGER, &secret, &info, &e) != 0 ||
	    writer_begin(&e) != 0;
	if (!failed) {
		memcpy(w.ledger_key_id, info.key_id, sizeof(w.ledger_key_id));
		for (struct writer_job *j = jobs; j != NULL && !failed; j = j->next)
			failed = writer_run_job(&w, j, &e) != 0;
		failed = db_write_end(writer.db, failed ? -1 : 0, &e) != 0;
		if (failed)
			writer.cache.size = UINT64_MAX;
	}
	secret_key_wipe(&secret);
	if (failed) {
		metrics_db_error();
		daemon_log(LOG_ERROR, "a batch of %zu request(s) failed: %s", count, e.message);
		error_set(&e, 503, "STORE_UNAVAILABLE", "the database could not record this: try again");
	}
	metrics_batch(count);
	for (struct writer_job *j = jobs, *next; j != NULL; j = next) {
		struct MHD_Connection *conn = j->req->conn;
		next = j->next;
		j->req->batch_size = count;
		if (failed)
			j->done(j, -1, &e);
		else
			j->done(j, j->rc, j->rc == 0 ? NULL : &j->e);
		MHD_resume_connection(conn);
	}
}

/* Makes a checkpoint when due (at most one try a second). */
static void
writer_checkpoint(void)
{
	int64_t now = clock_monotonic_ms();
	struct error e;
	int made = 0;

	if (now - writer.checkpoint_tried_ms < 1000)
		return;
	writer.checkpoint_tried_ms = now;
	if (checkpoint_if_due(writer.db, writer.home, clock_now(),
	    daemon_state.config.checkpoint_entries, daemon_state.config.checkpoint_seconds, &made,
	    &e) != 0) {
		metrics_db_error();
		daemon_log(LOG_WARN, "cannot make a checkpoint: %s", e.message);
	} else if (made)
		daemon_log(LOG_DEBUG, "checkpoint made");
}

static void *
writer_main(void *arg)
{
	struct writer_job *jobs;
	size_t count;
	bool stop;

	(void)arg;
	for (;;) {
		jobs = writer_take(daemon_state.config.max_batch, &count, &stop);
		if (jobs != NULL)
			writer_batch(jobs, count);
		else if (stop)
			break;
		writer_checkpoint();
	}
	return NULL;
}

int
writer_start(const char *home, struct error *e)
{
	char path[4200];

	snprintf(writer.home, sizeof(writer.home), "%s", home);
	snprintf(path, sizeof(path), "%s/passnum.db", home);
	if (db_open(&writer.db, path, DB_OPEN_EXISTING, e) != 0)
		return -1;
	merkle_state_init(&writer.cache);
	writer.cache.size = UINT64_MAX;
	writer.stop = false;
	writer.running = true;
	if (pthread_create(&writer.thread, NULL, writer_main, NULL) != 0) {
		writer.running = false;
		db_close(writer.db);
		writer.db = NULL;
		return error_set(e, 503, "THREAD", "cannot start the writer thread");
	}
	return 0;
}

void
writer_stop(void)
{
	pthread_mutex_lock(&writer.lock);
	writer.stop = true;
	pthread_cond_signal(&writer.wake);
	pthread_mutex_unlock(&writer.lock);
	if (writer.running)
		pthread_join(writer.thread, NULL);
	writer.running = false;
	db_close(writer.db);
	writer.db = NULL;
}
