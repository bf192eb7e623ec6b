/* passnumd: what the daemon's files share. A request flows one way:
 * routes.c (the table and the dispatcher: every shared check once) →
 * h_<endpoint>.c (one handler each, a straight line) → reply.c (the one
 * reply and the one error reply) → back in routes.c (rate limits on
 * failures, queueing, the log line, metrics). Redemptions and cancellations
 * pass through writer.c (the one writer thread, group commit). */
#ifndef PASSNUMD_DAEMON_H
#define PASSNUMD_DAEMON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <jansson.h>
#include "error.h"
#include "keys.h"
#include "merkle.h"
#include "registry.h"

struct db;
struct request;

#define DAEMON_PARAMS_MAX 4
#define DAEMON_PARAM_MAX 160
#define DAEMON_PROXIES_MAX 16
#define DAEMON_ADDRESS_MAX 64

/* Roles of a route (bitmask); 0 = no authentication. */
#define ROUTE_ADMIN (1u << ROLE_ADMIN)
#define ROUTE_FUNDER (1u << ROLE_FUNDER)
#define ROUTE_DISTRIBUTOR (1u << ROLE_DISTRIBUTOR)
#define ROUTE_PLACE (1u << ROLE_PLACE)
#define ROUTE_LOOPBACK (1u << 8) /* no token needed from a loopback client */

typedef void (*handler_fn)(struct request *req);

struct route {
	const char *method;  /* "GET" or "POST" */
	const char *pattern; /* "/v1/redemptions/{id}/cancel"; {x} matches one segment */
	handler_fn handler;
	unsigned roles;      /* ROUTE_* bits; 0: public */
	size_t body_limit;   /* 0: no body accepted; else a JSON body up to this size */
};

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct config {
	char home[4096];
	char listen[DAEMON_ADDRESS_MAX + 8]; /* ADDR:PORT or [ADDR6]:PORT */
	char tls_cert[4096];
	char tls_key[4096];
	char proxies[DAEMON_PROXIES_MAX][DAEMON_ADDRESS_MAX];
	size_t proxy_count;
	unsigned threads;
	enum log_level log_level;
	unsigned failure_burst;      /* failures allowed at once per address or place */
	unsigned failures_per_minute; /* refill rate of those buckets */
	unsigned checkpoint_seconds;  /* make a checkpoint at least this often (if entries) */
	unsigned checkpoint_entries;  /* or after this many entries */
	unsigned max_batch;           /* most requests per group commit */
};

/* One HTTP request, from its headers to its reply (MHD's con_cls). */
struct request {
	struct MHD_Connection *conn;
	const struct route *route;
	size_t route_index;
	char method[8];
	char path[512];
	char params[DAEMON_PARAMS_MAX][DAEMON_PARAM_MAX]; /* captured {x} segments, decoded */
	char client[DAEMON_ADDRESS_MAX]; /* the peer, or the X-Forwarded-For of a trusted proxy */
	bool loopback;
	char id[17];                     /* request id, 16 hex digits (X-Request-Id) */
	int64_t started_us;
	/* Body */
	char *body;
	size_t body_len, body_cap;
	bool body_too_large;
	json_t *json;                    /* the parsed body (owned) */
	/* Authentication */
	bool authenticated;
	struct bearer bearer;
	/* Reply */
	int status;
	char *reply;                     /* owned body */
	size_t reply_len;
	const char *content_type;
	const char *error_code;          /* the error's code, for logs; NULL on success */
	bool counted_failure;            /* charges the rate limits (bad token, unknown code...) */
	bool replied;                    /* reply fields set */
	bool queued;                     /* response queued with MHD */
	bool suspended;                  /* waiting for the writer */
	size_t batch_size;               /* group commit size it was part of (metrics) */
};

/* Global state of the running daemon (main.c). */
struct daemon_state {
	struct config config;
	volatile int stopping;
};
extern struct daemon_state daemon_state;

/* main.c: one log line (level-filtered) on stderr. */
void daemon_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* config.c */
void config_defaults(struct config *c);
/* Reads HOME/passnumd.conf (INI) into c when the file exists. Returns 0, or
 * -1 with e set (a line it cannot read names its number). */
int config_load_file(struct config *c, const char *path, struct error *e);
/* Applies one setting by name ("listen", "threads", ...). */
int config_set(struct config *c, const char *name, const char *value, struct error *e);
/* Checks the whole configuration (TLS pair, non-loopback without TLS...). */
int config_check(const struct config *c, struct error *e);
int config_parse_address(const char *text, struct sockaddr_storage *addr, socklen_t *len,
    struct error *e);
bool config_is_loopback(const struct sockaddr *addr);

/* routes.c: the MHD callbacks. */
enum MHD_Result routes_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls);
void routes_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe);
size_t routes_count(void);
const struct route *routes_get(size_t index);
/* Reads the query parameter name as an unsigned integer into *out (*present
 * says whether it was given); on a malformed value sets a 400 reply and
 * returns -1. */
int request_query_u64(struct request *req, const char *name, uint64_t *out, bool *present);
/* The query parameter name, or NULL. */
const char *request_query(struct request *req, const char *name);
/* Requests received and not yet completed. */
long routes_in_flight(void);

/* reply.c: set the reply of req (sent by routes.c). reply_json takes
 * ownership of body. */
void reply_json(struct request *req, int status, json_t *body);
void reply_raw(struct request *req, int status, const char *content_type, const char *body,
    size_t len);
void reply_error(struct request *req, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void reply_error_with(struct request *req, int status, const char *code, json_t *extra,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void reply_from_error(struct request *req, const struct error *e);
/* A JSON array of the hex strings of count hashes (new reference). */
json_t *reply_hashes(uint8_t proof[][MERKLE_HASH_SIZE], size_t count);

/* auth.c: the per-thread database and the bearer token of req. */
struct db *auth_db(void);
void auth_close_all(void);
/* Authenticates req's bearer token against route->roles; on refusal sets the
 * reply (401/403) and returns -1. */
int auth_check_or_reply(struct request *req);
/* The issuer keyset, kept per thread and refreshed when stale. */
const struct keyset *auth_keyset(bool refresh);

/* limits.c: token buckets on failures, per client address and per place. */
void limits_init(unsigned burst, unsigned per_minute);
/* Charges one failure to key; returns true when the bucket was already empty. */
bool limits_charge(const char *key, int64_t now_ms);
/* Whether key's bucket is empty now (without charging it). */
bool limits_exhausted(const char *key, int64_t now_ms);

/* metrics.c */
void metrics_request(size_t route_index, int status, int64_t duration_us);
void metrics_redemption(void);
void metrics_db_error(void);
void metrics_batch(size_t size);
/* Prometheus text exposition (malloc'd, NUL-ended). */
char *metrics_render(size_t *len);

/* writer.c: the one writer thread. A job's work runs on the writer thread
 * inside the batch transaction, in its own savepoint, with the batch's
 * context; its done runs after COMMIT (rc -1 and e set when the job was
 * refused or the batch failed) and sets the request's reply. */
struct writer_context {
	struct merkle_state *cache; /* the tree state kept across batches */
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
	void *ctx;
	int rc;
	struct error e;
	struct writer_job *next;
};
int writer_start(const char *home, struct error *e);
/* Queues job and suspends its connection (call from a handler); the writer
 * resumes it after the batch with the reply set by job->done. When the
 * writer is stopping, job->done runs at once with 503. */
void writer_submit(struct writer_job *job);
/* Drains the queue and stops the thread. */
void writer_stop(void);

/* Handlers: h_<endpoint>.c */
void h_health(struct request *req);
void h_funder_report(struct request *req);
void h_keys(struct request *req);
void h_checkpoint(struct request *req);
void h_proof(struct request *req);
void h_consistency(struct request *req);
void h_voucher_lookup(struct request *req);
void h_voucher_get(struct request *req);
/* The answer of both voucher routes for one typed or scanned pass. */
void h_voucher_answer(struct request *req, const char *text, size_t len);
void h_redemption_post(struct request *req);
void h_redemption_cancel(struct request *req);
void h_redemption_list(struct request *req);
void h_place_me(struct request *req);
void h_metrics(struct request *req);
void h_web(struct request *req);

#endif
