/* The power-cut VFS: a test-only SQLite VFS, preloaded into a program
 * (LD_PRELOAD=libpowercut.so) that uses the shared libsqlite3, registered as
 * the default VFS so that the program's sqlite3_open_v2(…, NULL) uses it
 * without any change to the program. It wraps the "unix" VFS and remembers,
 * for every named file it sees (the database, its WAL, a rollback journal),
 * what is durable: the content as of the file's last xSync.
 *
 * The model of the disk (the strict one: nothing unsynced survives):
 * - a file that existed when this process first opened it is durable as it
 *   was then (the test starts from a closed home);
 * - xWrite and xTruncate change the file now, but are durable only once the
 *   file is synced (xSync); before each, the bytes they overwrite inside the
 *   durable size are saved (a pre-image), so the durable content can always
 *   be rebuilt;
 * - a file created by this process exists durably only from its first xSync
 *   (SQLite's unix VFS syncs the directory on a new WAL's or journal's first
 *   sync); a deletion is durable only when asked with syncDir, otherwise the
 *   file comes back as it was last synced;
 * - the -shm file is never synced by SQLite (it is memory shared between
 *   connections): after a cut it is gone (SQLite rebuilds it from the WAL).
 *
 * Environment:
 *   PASSNUM_POWERCUT_AT=N      cut the power just before the Nth write, truncate
 *                              or sync (counted over all files, from 1); 0 or
 *                              unset: never, only count
 *   PASSNUM_POWERCUT_AT_SYNC=N cut the power just before the Nth sync (its
 *                              writes done, none of them durable yet)
 *   PASSNUM_POWERCUT_REPORT=F  append one line to F: "cut OP N KIND FILE
 *                              dropped-writes W dropped-bytes B restored-files R"
 *                              (W, B: the writes and truncates not synced, and
 *                              the bytes written by them)
 *                              at the cut, or "ops N syncs S" at a normal exit
 *   PASSNUM_POWERCUT_TRIGGER=F  also cut at the first write, truncate or sync
 *                              once the file F exists (the self-test's cut
 *                              after a known set of acknowledged requests)
 *   PASSNUM_POWERCUT_TRIGGER_DB_SYNC=1  the trigger fires only at a sync of a
 *                              database file (in a checkpoint: its pages
 *                              written, none durable)
 *   PASSNUM_POWERCUT_TRACE=1   also one line per operation in the report
 *   PASSNUM_POWERCUT_REAL_SYNC=1  pass each xSync on to the real fsync (by
 *                              default it only marks the file durable in the
 *                              simulated disk: the real one never loses power
 *                              here, and fsyncs on a shared disk are slow)
 *   PASSNUM_POWERCUT_MODE=lying  the self-test's broken disk: xSync returns OK
 *                              but makes nothing durable (as synchronous=OFF, or
 *                              a disk that lies about its cache), so a cut must
 *                              lose acknowledged writes and the campaign's
 *                              check must see it
 *
 * At the cut, under the VFS's one lock (every write, truncate and sync of
 * the process holds it), each file is put back to its durable content (the
 * pre-images applied newest first, then truncated to the durable size;
 * non-durable files removed, durably existing deleted ones recreated), the
 * -shm files are removed, and the process kills itself with SIGKILL: no
 * reply, no destructor, no close. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct powercut_preimage {
	sqlite3_int64 offset;
	int size;
	unsigned char *data;
};

/* One path's durable state (shared by every connection's handle on it). */
struct powercut_node {
	struct powercut_node *next;
	char *path;
	bool main_db;                 /* its -shm is removed at the cut */
	bool durable;                 /* the file exists on the durable disk */
	bool deleted;                 /* deleted now (not durably, unless !saved) */
	sqlite3_int64 durable_size;
	struct powercut_preimage *log; /* since the last sync, oldest first */
	size_t log_len, log_cap;
	unsigned char *saved;         /* the durable content of a deleted file */
	sqlite3_int64 saved_size;
	bool has_saved;
	long long pending_writes;     /* writes and truncates since the last sync */
	long long pending_bytes;
};

struct powercut_file {
	sqlite3_file base;
	struct powercut_node *node;   /* NULL: not tracked (a temporary file) */
	sqlite3_file *real;           /* the unix VFS's file, right after this */
};

static pthread_mutex_t powercut_lock = PTHREAD_MUTEX_INITIALIZER;
static struct powercut_node *powercut_nodes;
static sqlite3_vfs *powercut_unix;
static long long powercut_ops, powercut_cut_at, powercut_syncs, powercut_cut_at_sync;
static bool powercut_lying;
static const char *powercut_report;
static const char *powercut_trigger;
static bool powercut_trigger_db_sync;
static bool powercut_trace;
static bool powercut_real_sync;

static void
powercut_say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int fd, n;

	if (powercut_report == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	fd = open(powercut_report, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	/* No fsync: the line is in the page cache once written, and the cut
	 * only kills the process, not the machine. */
	if (write(fd, line, (size_t)n) != n)
		(void)0;
	close(fd);
}

static void *
powercut_alloc(size_t size)
{
	void *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

static void
powercut_log_clear(struct powercut_node *n)
{
	for (size_t i = 0; i < n->log_len; i++)
		free(n->log[i].data);
	n->log_len = 0;
}

/* Saves the bytes [offset, end) of the real file, end clipped to the
 * durable size and to the file's current size: what a write or a truncate
 * is about to change that the durable disk still holds. */
static int
powercut_preimage(struct powercut_node *n, sqlite3_file *real, sqlite3_int64 offset, sqlite3_int64 end)
{
	struct powercut_preimage *p;
	sqlite3_int64 size;
	int rc;

	if (!n->durable || n->deleted)
		return SQLITE_OK;
	if ((rc = real->pMethods->xFileSize(real, &size)) != SQLITE_OK)
		return rc;
	if (end > n->durable_size)
		end = n->durable_size;
	if (end > size)
		end = size;
	if (offset >= end)
		return SQLITE_OK;
	if (n->log_len == n->log_cap) {
		n->log_cap = n->log_cap ? n->log_cap * 2 : 64;
		n->log = realloc(n->log, n->log_cap * sizeof(*n->log));
		if (n->log == NULL)
			abort();
	}
	p = &n->log[n->log_len];
	p->offset = offset;
	p->size = (int)(end - offset);
	p->data = powercut_alloc((size_t)p->size);
	if ((rc = real->pMethods->xRead(real, p->data, p->size, offset)) != SQLITE_OK) {
		free(p->data);
		return rc;
	}
	n->log_len++;
	return SQLITE_OK;
}

/* The durable content of n, rebuilt in memory from the real file (at path)
 * and the pre-images; sets *size. Returns NULL when the file cannot be read. */
static unsigned char *
powercut_durable_content(struct powercut_node *n, sqlite3_int64 *size)
{
	unsigned char *buf = powercut_alloc((size_t)n->durable_size);
	int fd = open(n->path, O_RDONLY | O_CLOEXEC);
	ssize_t got = 0;

	memset(buf, 0, (size_t)n->durable_size);
	if (fd >= 0) {
		got = pread(fd, buf, (size_t)n->durable_size, 0);
		close(fd);
	}
	if (fd < 0 || got < 0) {
		free(buf);
		return NULL;
	}
	for (size_t i = n->log_len; i-- > 0;)
		memcpy(buf + n->log[i].offset, n->log[i].data, (size_t)n->log[i].size);
	*size = n->durable_size;
	return buf;
}

static int
powercut_write_all(const char *path, const unsigned char *data, sqlite3_int64 size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return -1;
	if (size > 0 && pwrite(fd, data, (size_t)size, 0) != (ssize_t)size)
		rc = -1;
	close(fd);
	return rc;
}

/* Puts n back to its durable state; counts what was dropped. */
static int
powercut_restore(struct powercut_node *n, long long *writes, long long *bytes)
{
	int fd;

	*writes += n->pending_writes;
	*bytes += n->pending_bytes;
	if (n->deleted || !n->durable) {
		if (unlink(n->path) != 0 && errno != ENOENT)
			return -1;
		if (n->has_saved)
			return powercut_write_all(n->path, n->saved, n->saved_size);
		return 0;
	}
	fd = open(n->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t i = n->log_len; i-- > 0;)
		if (pwrite(fd, n->log[i].data, (size_t)n->log[i].size, n->log[i].offset) != n->log[i].size) {
			close(fd);
			return -1;
		}
	if (ftruncate(fd, n->durable_size) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The power goes: called with the lock held, never returns. */
static void
powercut_cut(const char *kind, const char *path)
{
	long long writes = 0, bytes = 0;
	int files = 0, failed = 0;
	char shm[4096];

	for (struct powercut_node *n = powercut_nodes; n != NULL; n = n->next) {
		if (powercut_restore(n, &writes, &bytes) != 0)
			failed++;
		files++;
		if (n->main_db && snprintf(shm, sizeof(shm), "%s-shm", n->path) < (int)sizeof(shm))
			unlink(shm);
	}
	powercut_say("cut op %lld %s %s dropped-writes %lld dropped-bytes %lld restored-files %d%s\n",
	    powercut_ops, kind, path, writes, bytes, files, failed ? " RESTORE-FAILED" : "");
	kill(getpid(), SIGKILL);
	_exit(137);
}

/* Counts one write, truncate or sync (lock held); cuts at the chosen one. */
static void
powercut_count(const char *kind, struct powercut_file *f)
{
	powercut_ops++;
	if (kind[0] == 's')
		powercut_syncs++;
	if (powercut_trace)
		powercut_say("op %lld %s %s\n", powercut_ops, kind, f->node != NULL ? f->node->path : "(temporary)");
	if ((powercut_cut_at > 0 && powercut_ops == powercut_cut_at) ||
	    (powercut_cut_at_sync > 0 && kind[0] == 's' && powercut_syncs == powercut_cut_at_sync) ||
	    (powercut_trigger != NULL && (!powercut_trigger_db_sync ||
	    (kind[0] == 's' && f->node != NULL && f->node->main_db)) &&
	    access(powercut_trigger, F_OK) == 0))
		powercut_cut(kind, f->node != NULL ? f->node->path : "(temporary)");
}

static int
powercut_close(sqlite3_file *file)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xClose(f->real);
}

static int
powercut_read(sqlite3_file *file, void *buf, int amount, sqlite3_int64 offset)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xRead(f->real, buf, amount, offset);
}

static int
powercut_write(sqlite3_file *file, const void *buf, int amount, sqlite3_int64 offset)
{
	struct powercut_file *f = (struct powercut_file *)file;
	int rc = SQLITE_OK;

	pthread_mutex_lock(&powercut_lock);
	powercut_count("write", f);
	if (f->node != NULL) {
		f->node->pending_writes++;
		f->node->pending_bytes += amount;
		rc = powercut_preimage(f->node, f->real, offset, offset + amount);
	}
	if (rc == SQLITE_OK)
		rc = f->real->pMethods->xWrite(f->real, buf, amount, offset);
	pthread_mutex_unlock(&powercut_lock);
	return rc;
}

static int
powercut_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct powercut_file *f = (struct powercut_file *)file;
	int rc = SQLITE_OK;

	pthread_mutex_lock(&powercut_lock);
	powercut_count("truncate", f);
	if (f->node != NULL) {
		f->node->pending_writes++;
		rc = powercut_preimage(f->node, f->real, size, INT64_MAX);
	}
	if (rc == SQLITE_OK)
		rc = f->real->pMethods->xTruncate(f->real, size);
	pthread_mutex_unlock(&powercut_lock);
	return rc;
}

static int
powercut_sync(sqlite3_file *file, int flags)
{
	struct powercut_file *f = (struct powercut_file *)file;
	struct powercut_node *n = f->node;
	sqlite3_int64 size;
	int rc;

	pthread_mutex_lock(&powercut_lock);
	powercut_count("sync", f);
	/* The durable disk is the one simulated here: the real fsync would only
	 * cost time (the machine does not lose power), unless asked for. */
	rc = powercut_real_sync ? f->real->pMethods->xSync(f->real, flags) : SQLITE_OK;
	if (rc == SQLITE_OK && n != NULL && !powercut_lying &&
	    (rc = f->real->pMethods->xFileSize(f->real, &size)) == SQLITE_OK) {
		powercut_log_clear(n);
		n->pending_writes = n->pending_bytes = 0;
		n->durable = true;
		n->durable_size = size;
		free(n->saved);
		n->saved = NULL;
		n->has_saved = false;
	}
	pthread_mutex_unlock(&powercut_lock);
	return rc;
}

static int
powercut_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xFileSize(f->real, size);
}

static int
powercut_lock_file(sqlite3_file *file, int level)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xLock(f->real, level);
}

static int
powercut_unlock_file(sqlite3_file *file, int level)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xUnlock(f->real, level);
}

static int
powercut_check_reserved(sqlite3_file *file, int *out)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
powercut_file_control(sqlite3_file *file, int op, void *arg)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
powercut_sector_size(sqlite3_file *file)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xSectorSize(f->real);
}

static int
powercut_device(sqlite3_file *file)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int
powercut_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xShmMap(f->real, page, size, extend, out);
}

static int
powercut_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void
powercut_shm_barrier(sqlite3_file *file)
{
	struct powercut_file *f = (struct powercut_file *)file;

	f->real->pMethods->xShmBarrier(f->real);
}

static int
powercut_shm_unmap(sqlite3_file *file, int delete_flag)
{
	struct powercut_file *f = (struct powercut_file *)file;

	return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

/* Memory-mapped reads are refused (SQLite then reads with xRead): a page
 * mapped from the file could outlive a restore. passnum does not enable
 * mmap_size anyway. */
static int
powercut_fetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
	(void)file;
	(void)offset;
	(void)amount;
	*out = NULL;
	return SQLITE_OK;
}

static int
powercut_unfetch(sqlite3_file *file, sqlite3_int64 offset, void *p)
{
	(void)file;
	(void)offset;
	(void)p;
	return SQLITE_OK;
}

static const sqlite3_io_methods powercut_io = {
	3, powercut_close, powercut_read, powercut_write, powercut_truncate, powercut_sync,
	powercut_file_size, powercut_lock_file, powercut_unlock_file, powercut_check_reserved,
	powercut_file_control, powercut_sector_size, powercut_device, powercut_shm_map,
	powercut_shm_lock, powercut_shm_barrier, powercut_shm_unmap, powercut_fetch, powercut_unfetch,
};

/* The node of path, made on first sight (lock held): durable as the file is
 * now if it exists, not durable if this open is about to create it. */
static struct powercut_node *
powercut_node(const char *path, int flags)
{
	struct powercut_node *n;
	struct stat st;

	for (n = powercut_nodes; n != NULL; n = n->next)
		if (strcmp(n->path, path) == 0)
			break;
	if (n == NULL) {
		n = calloc(1, sizeof(*n));
		if (n == NULL || (n->path = strdup(path)) == NULL)
			abort();
		if (stat(path, &st) == 0) {
			n->durable = true;
			n->durable_size = st.st_size;
		}
		n->next = powercut_nodes;
		powercut_nodes = n;
	} else if (n->deleted && access(path, F_OK) != 0) {
		/* Made again after a deletion: a new file, not durable until synced. */
		n->deleted = false;
		n->durable = false;
		n->durable_size = 0;
		powercut_log_clear(n);
	}
	if (flags & SQLITE_OPEN_MAIN_DB)
		n->main_db = true;
	return n;
}

static int
powercut_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags)
{
	struct powercut_file *f = (struct powercut_file *)file;
	int rc;

	(void)vfs;
	f->real = (sqlite3_file *)(f + 1);
	f->node = NULL;
	pthread_mutex_lock(&powercut_lock);
	if (name != NULL && !(flags & SQLITE_OPEN_DELETEONCLOSE))
		f->node = powercut_node(name, flags);
	rc = powercut_unix->xOpen(powercut_unix, name, f->real, flags, out_flags);
	pthread_mutex_unlock(&powercut_lock);
	f->base.pMethods = f->real->pMethods != NULL ? &powercut_io : NULL;
	return rc;
}

/* A deletion (lock held): durable at once with sync_dir, otherwise the
 * durable content is kept to be put back at a cut. */
static int
powercut_delete(sqlite3_vfs *vfs, const char *path, int sync_dir)
{
	struct powercut_node *n;
	int rc;

	(void)vfs;
	pthread_mutex_lock(&powercut_lock);
	for (n = powercut_nodes; n != NULL; n = n->next)
		if (strcmp(n->path, path) == 0)
			break;
	if (n != NULL && !n->deleted) {
		free(n->saved);
		n->saved = NULL;
		n->has_saved = false;
		if (n->durable && !sync_dir) {
			n->saved = powercut_durable_content(n, &n->saved_size);
			n->has_saved = n->saved != NULL;
		}
		powercut_log_clear(n);
		n->deleted = true;
		n->durable = false;
	}
	rc = powercut_unix->xDelete(powercut_unix, path, sync_dir);
	pthread_mutex_unlock(&powercut_lock);
	return rc;
}

static int
powercut_access(sqlite3_vfs *vfs, const char *path, int flags, int *out)
{
	(void)vfs;
	return powercut_unix->xAccess(powercut_unix, path, flags, out);
}

static int
powercut_full_pathname(sqlite3_vfs *vfs, const char *path, int size, char *out)
{
	(void)vfs;
	return powercut_unix->xFullPathname(powercut_unix, path, size, out);
}

static void *
powercut_dl_open(sqlite3_vfs *vfs, const char *path)
{
	(void)vfs;
	return powercut_unix->xDlOpen(powercut_unix, path);
}

static void
powercut_dl_error(sqlite3_vfs *vfs, int size, char *out)
{
	(void)vfs;
	powercut_unix->xDlError(powercut_unix, size, out);
}

static void (*powercut_dl_sym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void)
{
	(void)vfs;
	return powercut_unix->xDlSym(powercut_unix, handle, symbol);
}

static void
powercut_dl_close(sqlite3_vfs *vfs, void *handle)
{
	(void)vfs;
	powercut_unix->xDlClose(powercut_unix, handle);
}

static int
powercut_randomness(sqlite3_vfs *vfs, int size, char *out)
{
	(void)vfs;
	return powercut_unix->xRandomness(powercut_unix, size, out);
}

static int
powercut_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return powercut_unix->xSleep(powercut_unix, us);
}

static int
powercut_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return powercut_unix->xCurrentTime(powercut_unix, out);
}

static int
powercut_last_error(sqlite3_vfs *vfs, int size, char *out)
{
	(void)vfs;
	return powercut_unix->xGetLastError(powercut_unix, size, out);
}

static int
powercut_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return powercut_unix->xCurrentTimeInt64(powercut_unix, out);
}

static sqlite3_vfs powercut_vfs = {
	2, 0, 0, NULL, "powercut", NULL, powercut_open, powercut_delete, powercut_access,
	powercut_full_pathname, powercut_dl_open, powercut_dl_error, powercut_dl_sym,
	powercut_dl_close, powercut_randomness, powercut_sleep, powercut_current_time,
	powercut_last_error, powercut_current_time64, NULL, NULL, NULL,
};

__attribute__((constructor)) static void
powercut_init(void)
{
	const char *at = getenv("PASSNUM_POWERCUT_AT");
	const char *mode = getenv("PASSNUM_POWERCUT_MODE");

	powercut_report = getenv("PASSNUM_POWERCUT_REPORT");
	powercut_trigger = getenv("PASSNUM_POWERCUT_TRIGGER");
	powercut_trigger_db_sync = getenv("PASSNUM_POWERCUT_TRIGGER_DB_SYNC") != NULL;
	powercut_trace = getenv("PASSNUM_POWERCUT_TRACE") != NULL;
	powercut_real_sync = getenv("PASSNUM_POWERCUT_REAL_SYNC") != NULL;
	powercut_cut_at = at != NULL ? strtoll(at, NULL, 10) : 0;
	at = getenv("PASSNUM_POWERCUT_AT_SYNC");
	powercut_cut_at_sync = at != NULL ? strtoll(at, NULL, 10) : 0;
	powercut_lying = mode != NULL && strcmp(mode, "lying") == 0;
	powercut_unix = sqlite3_vfs_find("unix");
	if (powercut_unix == NULL) {
		fprintf(stderr, "powercut: no unix VFS\n");
		abort();
	}
	powercut_vfs.szOsFile = (int)sizeof(struct powercut_file) + powercut_unix->szOsFile;
	powercut_vfs.mxPathname = powercut_unix->mxPathname;
	if (sqlite3_vfs_register(&powercut_vfs, 1) != SQLITE_OK) {
		fprintf(stderr, "powercut: cannot register the VFS\n");
		abort();
	}
}

/* A normal exit: how many operations there were (to choose cut points). */
__attribute__((destructor)) static void
powercut_fini(void)
{
	pthread_mutex_lock(&powercut_lock);
	powercut_say("ops %lld syncs %lld\n", powercut_ops, powercut_syncs);
	pthread_mutex_unlock(&powercut_lock);
}
