/* The one writer thread and its group commit. Handlers queue jobs and
 * suspend their connections; the writer takes every queued job (up to
 * max-batch), runs them in one write transaction of lib/db's runner
 * (waiting up to 30 s for the CLI's lock) with one savepoint each (a
 * refused job is rolled back alone), commits (synchronous=FULL), and only
 * then sets the replies and resumes the connections. If the commit fails, every job of the batch gets 503 and the
 * tree state is dropped (re-read from the database on the next append).
 * The CLI may write at the same time: ledger_append re-reads the head inside
 * each transaction, so the log never forks. Between batches the writer makes
 * checkpoints when due.
 *
 * WAL checkpoints (copying the WAL back into the database file, with an
 * fsync of that file) are not made inside the writer's commits: a second
 * thread, on its own connection, makes them passively when a commit has
 * left the WAL at WRITER_WAL_PAGES pages, so that no batch waits for them
 * (they were the writer's slowest commits). A commit is durable once its
 * WAL frames are synced, as before. */
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
#include "metrics.h"
#include "request.h"
#include "writer.h"

#define WRITER_BUSY_WAIT_MS 30000
#define WRITER_WAL_PAGES 1000 /* SQLite's own threshold for its automatic checkpoints */

/* The WAL checkpointer: its thread, its connection, and whether one is due. */
struct writer_wal {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due, stop, running;
	pthread_t thread;
	struct db *db;
};

struct writer {
	struct daemon *daemon;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct writer_job *head, *tail;
	bool stop, running;
	pthread_t thread;
	struct db *db;
	char home[4096];
	struct merkle_state cache;
	int64_t checkpoint_tried_ms;
	struct writer_wal wal;
};

void
writer_submit(struct writer *writer, struct writer_job *job)
{
	struct error e;

	if (writer != NULL)
		pthread_mutex_lock(&writer->lock);
	if (writer == NULL || writer->stop || !writer->running) {
		if (writer != NULL)
			pthread_mutex_unlock(&writer->lock);
		error_set(&e, 503, "STOPPING", "passnumd is stopping: try again in a moment");
		job->done(job, -1, &e);
		return;
	}
	request_suspend(job->req);
	job->next = NULL;
	if (writer->tail != NULL)
		writer->tail->next = job;
	else
		writer->head = job;
	writer->tail = job;
	pthread_cond_signal(&writer->wake);
	pthread_mutex_unlock(&writer->lock);
}

/* Takes up to max jobs off the queue, waiting up to a second for one.
 * Returns NULL when there is none (then *stop says whether to end). */
static struct writer_job *
writer_take(struct writer *writer, size_t max, size_t *count, bool *stop)
{
	struct writer_job *jobs, *last;
	struct timespec until;

	pthread_mutex_lock(&writer->lock);
	if (writer->head == NULL && !writer->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&writer->wake, &writer->lock, &until);
	}
	jobs = writer->head;
	*count = 0;
	for (last = jobs; last != NULL && ++*count < max && last->next != NULL; last = last->next)
		;
	if (last != NULL) {
		writer->head = last->next;
		if (writer->head == NULL)
			writer->tail = NULL;
		last->next = NULL;
	}
	*stop = writer->stop && writer->head == NULL;
	pthread_mutex_unlock(&writer->lock);
	return jobs;
}

/* One job of a batch, as a savepoint's work. */
struct writer_step {
	const struct writer_context *w;
	struct writer_job *job;
};

static int
writer_step_work(struct db *db, void *ctx, struct error *e)
{
	struct writer_step *step = ctx;

	return step->job->work(db, step->w, step->job, e);
}

/* Runs one job in its own savepoint (a refusal rolls back that job alone
 * and restores the tree state). Returns -1 only when the batch itself is
 * broken (the savepoint cannot be made or undone), with e set. */
static int
writer_run_job(struct writer *writer, const struct writer_context *w, struct writer_job *job,
    struct error *e)
{
	struct merkle_state saved = *w->cache;
	struct writer_step step = { w, job };
	int rc;

	error_clear(&job->e);
	rc = db_savepoint(writer->db, writer_step_work, &step, &job->e, e);
	job->rc = rc == 0 ? 0 : -1;
	if (rc == 0)
		return 0;
	*w->cache = saved;
	if (rc == -1 && job->e.status >= 500)
		metrics_db_error(writer->daemon->metrics);
	return rc == -2 ? -1 : 0;
}

/* Runs a batch of jobs in one transaction; on failure every job gets e. */
static void
writer_batch(struct writer *writer, struct writer_job *jobs, size_t count)
{
	struct secret_key secret;
	struct key_info info;
	struct writer_context w = { &writer->cache, secret.bytes, { 0 }, clock_now() };
	struct error e;
	int failed;

	error_clear(&e);
	failed = keys_load_active(writer->db, writer->home, KEY_LEDGER, &secret, &info, &e) != 0 ||
	    db_write_begin(writer->db, &(struct db_busy){ WRITER_BUSY_WAIT_MS }, &e) != 0;
	if (!failed) {
		memcpy(w.ledger_key_id, info.key_id, sizeof(w.ledger_key_id));
		for (struct writer_job *j = jobs; j != NULL && !failed; j = j->next)
			failed = writer_run_job(writer, &w, j, &e) != 0;
		failed = db_write_end(writer->db, failed ? -1 : 0, &e) != 0;
		if (failed)
			writer->cache.size = UINT64_MAX; /* re-read from the database */
	}
	secret_key_wipe(&secret);
	if (failed) {
		metrics_db_error(writer->daemon->metrics);
		daemon_log(writer->daemon, LOG_ERROR, "a batch of %zu request(s) failed: %s", count, e.message);
		error_set(&e, 503, "STORE_UNAVAILABLE", "the database could not record this: try again");
	}
	metrics_batch(writer->daemon->metrics, count);
	for (struct writer_job *j = jobs, *next; j != NULL; j = next) {
		struct request *req = j->req;
		next = j->next;
		if (failed)
			j->done(j, -1, &e);
		else
			j->done(j, j->rc, j->rc == 0 ? NULL : &j->e);
		request_resume(req);
	}
}

/* Makes a checkpoint when due (at most one try a second). */
static void
writer_checkpoint(struct writer *writer)
{
	int64_t now = clock_monotonic_ms();
	struct error e;
	int made = 0;

	if (now - writer->checkpoint_tried_ms < 1000)
		return;
	writer->checkpoint_tried_ms = now;
	if (checkpoint_if_due(writer->db, writer->home, clock_now(),
	    writer->daemon->config.checkpoint_entries, writer->daemon->config.checkpoint_seconds, &made,
	    &e) != 0) {
		metrics_db_error(writer->daemon->metrics);
		daemon_log(writer->daemon, LOG_WARN, "cannot make a checkpoint: %s", e.message);
	} else if (made)
		daemon_log(writer->daemon, LOG_DEBUG, "checkpoint made");
}

static void *
writer_main(void *arg)
{
	struct writer *writer = arg;
	struct writer_job *jobs;
	size_t count;
	bool stop;

	for (;;) {
		jobs = writer_take(writer, writer->daemon->config.max_batch, &count, &stop);
		if (jobs != NULL)
			writer_batch(writer, jobs, count);
		else if (stop)
			break;
		writer_checkpoint(writer);
	}
	return NULL;
}

/* The writer connection's WAL hook: wakes the checkpointer (quick). */
static void
writer_wal_notify(void *ctx)
{
	struct writer_wal *wal = ctx;

	pthread_mutex_lock(&wal->lock);
	wal->due = true;
	pthread_cond_signal(&wal->wake);
	pthread_mutex_unlock(&wal->lock);
}

static void *
writer_wal_main(void *arg)
{
	struct writer *writer = arg;
	struct writer_wal *wal = &writer->wal;
	struct error e;
	int pages, copied;

	pthread_mutex_lock(&wal->lock);
	for (;;) {
		while (!wal->due && !wal->stop)
			pthread_cond_wait(&wal->wake, &wal->lock);
		if (wal->stop)
			break;
		wal->due = false;
		pthread_mutex_unlock(&wal->lock);
		if (db_wal_checkpoint(wal->db, &pages, &copied, &e) != 0) {
			metrics_db_error(writer->daemon->metrics);
			daemon_log(writer->daemon, LOG_WARN, "WAL checkpoint: %s", e.message);
		} else
			daemon_log(writer->daemon, LOG_DEBUG, "WAL checkpoint: %d of %d pages copied",
			    copied, pages);
		pthread_mutex_lock(&wal->lock);
	}
	pthread_mutex_unlock(&wal->lock);
	return NULL;
}

/* Opens the checkpointer's connection and starts its thread; then the
 * writer's connection stops checkpointing in its commits. */
static int
writer_wal_start(struct writer *writer, const char *path, struct error *e)
{
	struct writer_wal *wal = &writer->wal;

	if (db_open(&wal->db, path, DB_OPEN_EXISTING, e) != 0)
		return -1;
	if (pthread_create(&wal->thread, NULL, writer_wal_main, writer) != 0)
		return error_set(e, 503, "THREAD", "cannot start the WAL checkpoint thread");
	wal->running = true;
	db_wal_checkpoint_elsewhere(writer->db, WRITER_WAL_PAGES, writer_wal_notify, wal);
	return 0;
}

static void
writer_wal_stop(struct writer_wal *wal)
{
	pthread_mutex_lock(&wal->lock);
	wal->stop = true;
	pthread_cond_signal(&wal->wake);
	pthread_mutex_unlock(&wal->lock);
	if (wal->running)
		pthread_join(wal->thread, NULL);
	db_close(wal->db);
	pthread_cond_destroy(&wal->wake);
	pthread_mutex_destroy(&wal->lock);
}

struct writer *
writer_start(struct daemon *d, struct error *e)
{
	struct writer *writer = calloc(1, sizeof(*writer));
	char path[4200];

	if (writer == NULL)
		abort();
	writer->daemon = d;
	pthread_mutex_init(&writer->lock, NULL);
	pthread_cond_init(&writer->wake, NULL);
	pthread_mutex_init(&writer->wal.lock, NULL);
	pthread_cond_init(&writer->wal.wake, NULL);
	snprintf(writer->home, sizeof(writer->home), "%s", d->config.home);
	snprintf(path, sizeof(path), "%s/passnum.db", d->config.home);
	merkle_state_init(&writer->cache);
	writer->cache.size = UINT64_MAX;
	if (db_open(&writer->db, path, DB_OPEN_EXISTING, e) != 0 ||
	    writer_wal_start(writer, path, e) != 0) {
		writer_stop(writer);
		return NULL;
	}
	writer->running = true;
	if (pthread_create(&writer->thread, NULL, writer_main, writer) != 0) {
		writer->running = false;
		writer_stop(writer);
		error_set(e, 503, "THREAD", "cannot start the writer thread");
		return NULL;
	}
	return writer;
}

void
writer_stop(struct writer *writer)
{
	if (writer == NULL)
		return;
	pthread_mutex_lock(&writer->lock);
	writer->stop = true;
	pthread_cond_signal(&writer->wake);
	pthread_mutex_unlock(&writer->lock);
	if (writer->running)
		pthread_join(writer->thread, NULL);
	writer_wal_stop(&writer->wal);
	db_close(writer->db);
	pthread_cond_destroy(&writer->wake);
	pthread_mutex_destroy(&writer->lock);
	free(writer);
}
